//! Outgoing HTTP to URLs that came from outside: the SSRF guard ([`TargetPolicy`]) and the
//! one media fetch helper every connector downloads through ([`MediaFetcher`]). Owns which
//! hosts the server may reach and which of them may see a provider's credentials.

mod fetch;
mod form;
mod guard;

pub use fetch::{Credential, FetchError, FetchLimits, Fetched, MAX_REDIRECTS, MediaFetcher};
pub use form::{FormAnswer, FormPoster};
pub use guard::{TargetError, TargetPolicy, forbidden_reason};
