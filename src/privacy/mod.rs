//! Privacy requests about one contact: which tables its export covers (`coverage`), and the
//! erasure worker that runs the store's erasure steps and removes attachment files
//! (`erasure`). The export's JSON is written by `http::api::contact_export`.

pub mod coverage;
pub mod erasure;
mod settings;

pub use erasure::{ErasureOutcome, Erasures};
pub use settings::PrivacyConfig;
