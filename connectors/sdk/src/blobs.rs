//! A content-addressed file store for attachments: a file is named by the SHA-256 of its bytes,
//! so storing the same attachment twice (a redelivered mail) writes nothing new, and a reference
//! can never point at changed bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::private_files;
use sha2::{Digest, Sha256};

/// The prefix of attachment `file_id`s that live in this store.
pub const REF_PREFIX: &str = "sha256:";

/// The blob directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// The bytes of `attachment`, kept here under its `file_id`, as a connector hands them
    /// out ([`crate::Connector::fetch_attachment`] of a channel that stores files locally).
    ///
    /// # Errors
    /// `Unsupported` without a file id, `Rejected` when the file is gone, `Unavailable` when
    /// it cannot be read.
    pub fn attachment_data(
        &self,
        attachment: &crate::Attachment,
    ) -> Result<crate::AttachmentData, crate::ConnectorError> {
        let reference = attachment
            .file_id
            .as_deref()
            .ok_or(crate::ConnectorError::Unsupported(
                "attachment download (not stored)",
            ))?;
        let bytes = self
            .get(reference)
            .map_err(|err| crate::ConnectorError::unavailable(err, None))?
            .ok_or_else(|| {
                crate::ConnectorError::rejected("the attachment is not in the blob store")
            })?;
        Ok(crate::AttachmentData::new(
            bytes,
            attachment.mime_type.clone(),
            attachment.name.clone(),
        ))
    }
}

impl BlobStore {
    /// A store under `root` (created on first write, for the service's user only).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// A warning naming the directory when other users can access it (attachments are
    /// customer data); `None` when it is private or not created yet.
    pub fn exposure_warning(&self) -> Option<String> {
        private_files::exposure_warning(&self.root)
    }

    fn path_of(&self, hex: &str) -> PathBuf {
        // Two-level fan-out keeps directories small.
        self.root.join(&hex[..2]).join(hex)
    }

    /// Stores `bytes` and returns their reference (`sha256:<hex>`).
    ///
    /// # Errors
    /// When the directory cannot be written.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let hex = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&hex);
        if path.exists() {
            return Ok(format!("{REF_PREFIX}{hex}"));
        }
        let dir = path.parent().unwrap_or(&self.root);
        // Directories 0700 and files 0600 (the temporary file's mode survives the rename).
        private_files::create_dir_all(dir)?;
        // Write to a temporary name and rename: a crash never leaves a truncated blob under
        // its final name, and concurrent writers of the same blob both succeed.
        let mut temp = tempfile_in(dir)?;
        temp.1.write_all(bytes)?;
        temp.1.sync_all()?;
        std::fs::rename(&temp.0, &path)?;
        Ok(format!("{REF_PREFIX}{hex}"))
    }

    /// A blob written piece by piece (a big attachment decoded as it streams in): its name
    /// is known only at the end, so it is written to a private temporary file in the store
    /// and renamed into place by [`BlobWriter::finish`].
    ///
    /// # Errors
    /// When the store's directory or the temporary file cannot be created.
    pub fn writer(&self) -> std::io::Result<BlobWriter> {
        private_files::create_dir_all(&self.root)?;
        let (path, file) = tempfile_in(&self.root)?;
        Ok(BlobWriter {
            store: self.clone(),
            temp: path,
            file: std::io::BufWriter::new(file),
            hash: Sha256::new(),
            size: 0,
        })
    }

    /// The bytes of reference `reference`, `None` when it is not one of ours or is missing.
    ///
    /// # Errors
    /// When the file exists but cannot be read.
    pub fn get(&self, reference: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(hex) = reference.strip_prefix(REF_PREFIX) else {
            return Ok(None);
        };
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        match std::fs::read(self.path_of(&hex.to_ascii_lowercase())) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Deletes the file of reference `reference`; false when it is not one of ours or was
    /// already gone. Whether anything still refers to it is the caller's to know.
    ///
    /// # Errors
    /// When the file exists but cannot be removed.
    pub fn remove(&self, reference: &str) -> std::io::Result<bool> {
        let Some(hex) = reference.strip_prefix(REF_PREFIX) else {
            return Ok(false);
        };
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(false);
        }
        match std::fs::remove_file(self.path_of(&hex.to_ascii_lowercase())) {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err),
        }
    }
}

/// A blob being written; see [`BlobStore::writer`]. Dropped unfinished, it removes its
/// temporary file.
pub struct BlobWriter {
    store: BlobStore,
    temp: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    hash: Sha256,
    size: u64,
}

impl BlobWriter {
    /// Appends `bytes`.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hash.update(bytes);
        self.size += bytes.len() as u64;
        self.file.write_all(bytes)
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Stores the blob under its content's name; returns its reference (as [`BlobStore::put`]).
    ///
    /// # Errors
    /// When the file cannot be flushed, synced or moved into place.
    pub fn finish(mut self) -> std::io::Result<String> {
        self.file.flush()?;
        self.file.get_ref().sync_all()?;
        let hex = hex::encode(std::mem::take(&mut self.hash).finalize());
        let path = self.store.path_of(&hex);
        let dir = path.parent().unwrap_or(&self.store.root);
        private_files::create_dir_all(dir)?;
        std::fs::rename(&self.temp, &path)?;
        Ok(format!("{REF_PREFIX}{hex}"))
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        // After `finish` the file was renamed away and this finds nothing.
        let _ = std::fs::remove_file(&self.temp);
    }
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    for attempt in 0..16u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = dir.join(format!(".tmp-{}-{nanos}-{attempt}", std::process::id()));
        match private_files::create_new(&path) {
            Ok(file) => return Ok((path, file)),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_blob_is_gone_and_removing_again_or_a_foreign_reference_does_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let store = BlobStore::new(dir.path().join("blobs"));
        let kept = store.put(b"kept").expect("put");
        let reference = store.put(b"erase me").expect("put");
        assert!(store.remove(&reference).expect("remove"));
        assert_eq!(store.get(&reference).expect("get"), None);
        assert!(!store.remove(&reference).expect("again"));
        assert!(!store.remove("sha256:../../etc/passwd").expect("foreign"));
        assert!(!store.remove("telegram-file").expect("foreign"));
        assert!(store.get(&kept).expect("get").is_some());
    }

    #[test]
    fn blobs_are_stored_once_by_content() {
        let dir = tempfile::tempdir().expect("dir");
        let store = BlobStore::new(dir.path().join("blobs"));
        let one = store.put(b"hello").expect("put");
        let again = store.put(b"hello").expect("put");
        assert_eq!(one, again);
        assert!(one.starts_with(REF_PREFIX));
        assert_eq!(
            store.get(&one).expect("get").as_deref(),
            Some(&b"hello"[..])
        );
        assert_ne!(store.put(b"other").expect("put"), one);
        assert_eq!(store.get("sha256:../../etc/passwd").expect("get"), None);
        assert_eq!(store.get("telegram-file").expect("get"), None);
        let missing = format!("{REF_PREFIX}{}", "0".repeat(64));
        assert_eq!(store.get(&missing).expect("get"), None);
    }

    #[test]
    fn a_blob_written_in_pieces_is_the_blob_put_whole() {
        let dir = tempfile::tempdir().expect("dir");
        let store = BlobStore::new(dir.path().join("blobs"));
        let mut writer = store.writer().expect("writer");
        writer.write(b"hel").expect("write");
        writer.write(b"lo").expect("write");
        assert_eq!(writer.size(), 5);
        let reference = writer.finish().expect("finish");
        assert_eq!(reference, store.put(b"hello").expect("put"));
        let abandoned = store.writer().expect("writer");
        drop(abandoned);
        let leftovers = std::fs::read_dir(dir.path().join("blobs"))
            .expect("list")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().starts_with(".tmp"))
            .count();
        assert_eq!(leftovers, 0, "an unfinished blob leaves no file");
    }

    #[test]
    fn blobs_and_their_directories_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| {
            std::fs::metadata(path)
                .expect("exists")
                .permissions()
                .mode()
                & 0o777
        };
        let dir = tempfile::tempdir().expect("dir");
        let root = dir.path().join("blobs");
        let store = BlobStore::new(&root);
        let reference = store.put(b"invoice").expect("put");
        let hex = reference.strip_prefix(REF_PREFIX).expect("ours");
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&root.join(&hex[..2])), 0o700);
        assert_eq!(mode(&store.path_of(hex)), 0o600);
        assert_eq!(store.exposure_warning(), None);
    }
}
