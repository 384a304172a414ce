//! A raw mail through the reader the IMAP listener and the raw-mail hook share: MIME parsing,
//! bounce (DSN) detection, loop detection, quote and signature trimming, HTML to text and HTML
//! sanitising, attachments into a throw-away blob store.
#![no_main]

use std::sync::LazyLock;

use connector_email::address::Signer;
use connector_email::blobs::BlobStore;
use connector_email::convert::Reader;
use libfuzzer_sys::fuzz_target;

struct Fixture {
    signer: Signer,
    own: Vec<String>,
    blobs: BlobStore,
    _dir: tempfile::TempDir,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("a temporary blob folder");
    Fixture {
        signer: Signer::new(b"fuzz-secret", "support@example.com", "example.com"),
        own: vec!["support@example.com".into()],
        blobs: BlobStore::new(dir.path()),
        _dir: dir,
    }
});

fuzz_target!(|raw: &[u8]| {
    let reader = Reader {
        channel: "mail",
        scope: "email",
        signer: &FIXTURE.signer,
        own: &FIXTURE.own,
        blobs: &FIXTURE.blobs,
        // Tiny, so that the storing path runs without filling the disk over millions of runs.
        max_attachment_bytes: 8,
        spooled: None,
    };
    let _ = reader.read(raw);
    // The streaming path (big mail on the hook) takes the same input apart differently.
    let _ = reader.read_from(raw);
});
