//! One profile per person: phone numbers kept in one form (E.164) so that channels, agents
//! and imported files meet on the same identity.

pub mod phone_upkeep;
pub mod settings;

pub use settings::ContactsConfig;
