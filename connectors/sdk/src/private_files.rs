//! Files that hold customer data or secrets (the SQLite database, attachment blobs): created
//! for the service's user only (files 0600, directories 0700), and a check that names existing
//! ones other users can reach. Used by the store and by connectors that keep files.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Mode of a new private file: read and write for the owner only.
pub const FILE_MODE: u32 = 0o600;
/// Mode of a new private directory: the owner only.
pub const DIR_MODE: u32 = 0o700;
/// Permission bits of the group and of other users.
const SHARED_BITS: u32 = 0o077;

/// Creates `path` and its missing parents as private directories; existing ones are kept as
/// they are.
///
/// # Errors
/// When a directory cannot be created.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
}

/// Creates `path` as a new private file, open for writing.
///
/// # Errors
/// `AlreadyExists` when it exists, or why it cannot be created.
pub fn create_new(path: &Path) -> io::Result<File> {
    // The mode is given at creation, so no other user can open the file in between.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
}

/// Creates `path` as an empty private file unless it exists; an existing file is untouched.
///
/// # Errors
/// When it does not exist and cannot be created.
pub fn ensure_file(path: &Path) -> io::Result<()> {
    match create_new(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

/// A warning naming `path` and the fix when it exists and its group or other users have any
/// access to it; `None` when it is private or missing.
pub fn exposure_warning(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & SHARED_BITS == 0 {
        return None;
    }
    let (kind, fix) = if meta.is_dir() {
        ("directory", DIR_MODE)
    } else {
        ("file", FILE_MODE)
    };
    Some(format!(
        "{kind} {path} holds customer data or secrets but other users can access it \
         (mode {mode:04o}); fix it with: chmod {fix:o} {path}",
        path = path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn new_files_and_directories_are_private_and_exposed_ones_are_named() {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path();
        let nested = dir.join("a/b");
        create_dir_all(&nested).expect("dirs");
        assert_eq!(mode(&dir.join("a")), DIR_MODE);
        assert_eq!(mode(&nested), DIR_MODE);
        let file = nested.join("f");
        ensure_file(&file).expect("file");
        ensure_file(&file).expect("existing file is fine");
        assert_eq!(mode(&file), FILE_MODE);
        assert_eq!(exposure_warning(&file), None);
        assert_eq!(exposure_warning(&nested.join("missing")), None);

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let warning = exposure_warning(&file).expect("exposed");
        assert!(warning.contains("0644"), "{warning}");
        assert!(
            warning.contains(&format!("chmod 600 {}", file.display())),
            "{warning}"
        );
        std::fs::set_permissions(&nested, std::fs::Permissions::from_mode(0o750)).expect("chmod");
        let warning = exposure_warning(&nested).expect("exposed");
        assert!(
            warning.contains(&format!("chmod 700 {}", nested.display())),
            "{warning}"
        );
    }
}
