//! Keeps the process's memory small on glibc by capping `malloc`'s arenas.
//!
//! glibc's `malloc` gives each thread that allocates an arena of its own, up to eight per
//! core, and freed memory stays in the arena it came from. SQLite runs each pooled connection
//! on a thread of its own, so every connection grows an arena that keeps what its largest
//! queries once needed: a campaign worker sending 100,000 messages peaked at ~70 MiB with the
//! default and at ~59 MiB with two arenas, at the same speed (see `docs/performance.md`, campaign
//! benchmark). glibc reads the limit only when the process starts, and setting it from inside
//! (`mallopt`) takes `unsafe` code, which this workspace forbids; so the binary starts itself
//! again, once, with `MALLOC_ARENA_MAX` set: same process id, same arguments, a few
//! milliseconds. A limit the operator set (`MALLOC_ARENA_MAX`, or any `GLIBC_TUNABLES`) is
//! kept as it is.

/// The arena limit the binary runs with unless the operator chose one.
pub const DEFAULT_ARENA_MAX: &str = "2";

/// On Linux with glibc, replaces this process with itself run with `MALLOC_ARENA_MAX`
/// set, unless the environment already limits arenas. Call first thing in `main`, before any
/// thread starts. Returns (and the process goes on unchanged) when that cannot be done.
pub fn limit_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;

        if std::env::var_os("MALLOC_ARENA_MAX").is_some()
            || std::env::var_os("GLIBC_TUNABLES").is_some()
        {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let mut command = std::process::Command::new(exe);
        if let Some(name) = args.next() {
            command.arg0(name);
        }
        // `exec` returns only when it failed; the process then goes on with glibc's default.
        let _failed = command
            .args(args)
            .env("MALLOC_ARENA_MAX", DEFAULT_ARENA_MAX)
            .exec();
    }
}
