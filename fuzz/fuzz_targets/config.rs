//! A configuration file's text through TOML parsing, the typed config tree and its validation
//! (no environment, no `${NAME}` lookups).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Config::from_parts(Some(("fuzz.toml".into(), text)), Vec::new(), |_| None);
});
