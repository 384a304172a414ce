//! Compressed responses for clients that accept them (`Accept-Encoding: br` or `gzip`).
//!
//! The inbox's scripts and styles, the widget's files and the API's JSON shrink to a fifth or
//! less. Brotli is preferred when a client offers both. Both run at level 4: the libraries'
//! defaults (brotli 11) are meant for files compressed once, and cost milliseconds per
//! response on content made per request.
//!
//! Not compressed:
//! - **HTML pages.** The inbox and sign-in pages carry the session's CSRF token. A page that
//!   holds a secret and may also echo what someone else chose is what a compression
//!   side channel (BREACH) measures; pages are small, so they are left alone.
//! - **Event streams.** A compressor holds bytes back until it has enough, and a live event
//!   must leave at once.
//! - **Images and bodies under 32 bytes.** They do not get smaller.

use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// What decides whether a response is compressed.
pub type Policy = tower_http::compression::predicate::And<DefaultPredicate, NotForContentType>;

/// The compression applied to every response of the HTTP surface.
pub fn layer() -> CompressionLayer<Policy> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("text/html")))
}
