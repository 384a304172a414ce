//! `[contacts]`: how contacts' phone numbers are read.

use serde::{Deserialize, Serialize};

use crate::domain::phone::PhoneRegion;

/// `[contacts]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContactsConfig {
    /// Where a phone number written without a country code belongs (an ISO 3166 code;
    /// `CZ`, so `777 123 456` is `+420777123456`). Numbers with a country code (`+…` or the
    /// region's international prefix, `00…`) are read as written.
    pub default_region: PhoneRegion,
}
