//! `[contacts]`: how contacts' phone numbers are read.

use serde::{Deserialize, Serialize};

use crate::domain::phone::PhoneRegion;

/// `[contacts]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContactsConfig {
    /// Where a phone number written without a country code belongs (an ISO 3166 code;
    /// `CZ`, so `777 123 456` is `+420777123456`). Numbers with a country code (`+…` or the
    /// region's international prefix, `00…`) are read as written.
    pub default_region: PhoneRegion,
    /// Email domains whose provider ignores dots in the local part and anything after a `+`
    /// (Gmail's by default): duplicate suggestions compare their addresses that way. `[]`
    /// compares addresses only as written (letter case aside).
    pub mailbox_domains: Vec<String>,
}

impl Default for ContactsConfig {
    fn default() -> Self {
        Self {
            default_region: PhoneRegion::default(),
            mailbox_domains: crate::domain::mailbox::default_domains(),
        }
    }
}

impl ContactsConfig {
    /// Each mailbox domain is a lower-case domain name (`gmail.com`), not an address.
    pub fn validate(&self) -> Result<(), String> {
        for domain in &self.mailbox_domains {
            let well_formed = domain.contains('.')
                && domain.len() <= 253
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
            if !well_formed {
                return Err(format!(
                    "contacts.mailbox_domains: {domain:?} is not a lower-case domain name such as \"gmail.com\""
                ));
            }
        }
        Ok(())
    }
}
