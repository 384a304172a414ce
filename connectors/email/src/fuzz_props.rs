//! Property tests of the raw-mail reader (fuzz target `email`): MIME parsing, bounce and loop
//! detection, trimming and HTML sanitising never panic, and only storage can fail besides
//! "not a mail".

use std::sync::LazyLock;

use connector_sdk::fuzzing::mutated;
use proptest::prelude::*;

use crate::address::Signer;
use crate::blobs::BlobStore;
use crate::convert::{ReadError, Reader};

struct Fixture {
    signer: Signer,
    own: Vec<String>,
    blobs: BlobStore,
    _dir: tempfile::TempDir,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("dir");
    Fixture {
        signer: Signer::new(b"fuzz-secret", "support@example.com", "example.com"),
        own: vec!["support@example.com".into()],
        blobs: BlobStore::new(dir.path()),
        _dir: dir,
    }
});

proptest! {
    #[test]
    fn email_raw_mail_is_read_or_refused_as_not_mail(raw in mutated("email")) {
        let reader = Reader {
            channel: "mail",
            scope: "email",
            signer: &FIXTURE.signer,
            own: &FIXTURE.own,
            blobs: &FIXTURE.blobs,
            max_attachment_bytes: 64,
            spooled: None,
        };
        match reader.read(&raw) {
            Ok(_) | Err(ReadError::NotMail(_)) => {}
            Err(ReadError::Storage(err)) => prop_assert!(false, "blob store failed: {err}"),
        }
        // The streaming path (big mail on the hook) must take the same input apart safely.
        match reader.read_from(raw.as_slice()) {
            Ok(_) | Err(ReadError::NotMail(_)) => {}
            Err(ReadError::Storage(err)) => prop_assert!(false, "spooling failed: {err}"),
        }
    }
}
