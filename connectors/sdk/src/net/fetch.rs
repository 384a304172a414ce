//! The media fetch helper: GETs a URL through the SSRF guard, follows at most a few redirects
//! (each hop checked again), stops at a size and a time limit while streaming, and attaches a
//! provider's credentials only to the hosts the operator configured for them.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{StatusCode, Url};

use super::guard::{TargetError, TargetPolicy};
use crate::ConnectorError;

/// Redirects followed per fetch; each one is checked like the first URL.
pub const MAX_REDIRECTS: usize = 5;

/// How much and how long one fetch may take.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    /// Largest body accepted; a longer one is refused while it streams in.
    pub max_bytes: u64,
    /// The whole fetch, redirects included.
    pub timeout: Duration,
}

/// What a request may carry, and so which hosts it may go to.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    /// Nothing secret: any host the guard allows.
    None,
    /// `Authorization: Bearer …`, sent only to a credential host; other hosts (after a
    /// redirect) get the request without it.
    Bearer(&'a str),
    /// HTTP Basic (`user:password`), sent only to a credential host like `Bearer` (Twilio
    /// media with the account SID and auth token).
    Basic(&'a str, &'a str),
    /// The URL itself holds a secret (Telegram puts the bot token in file paths): refused
    /// unless it points at a credential host, and redirects are never followed.
    InUrl,
}

/// A downloaded body.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    /// The `Content-Type` the server sent, if any.
    pub content_type: Option<String>,
}

/// Why a fetch did not deliver a body.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("refused by the SSRF guard: the URL {0}")]
    Refused(#[from] TargetError),
    #[error("the URL carries a credential and may only go to a configured API host")]
    NotCredentialHost,
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the download took longer than {0:?}")]
    TimedOut(Duration),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("a redirect without a usable Location")]
    BadRedirect,
    #[error("a redirect from a URL that carries a credential")]
    SecretRedirect,
    #[error("the server answered {0}")]
    Status(StatusCode),
    #[error("the download failed")]
    Transport(#[source] reqwest::Error),
}

impl From<FetchError> for ConnectorError {
    fn from(err: FetchError) -> Self {
        match err {
            FetchError::TimedOut(_) | FetchError::Transport(_) => {
                ConnectorError::unavailable(err, None)
            }
            FetchError::Refused(_)
            | FetchError::NotCredentialHost
            | FetchError::TooLarge { .. }
            | FetchError::TooManyRedirects
            | FetchError::BadRedirect
            | FetchError::SecretRedirect
            | FetchError::Status(_) => ConnectorError::rejected(err.to_string()),
        }
    }
}

/// Downloads media for one provider.
///
/// Credential hosts (scheme, host and port, e.g. the configured Graph API) are trusted as the
/// operator configured them and reached directly; every other URL goes through the guard,
/// before the request and again at connect time.
#[derive(Debug, Clone)]
pub struct MediaFetcher {
    policy: TargetPolicy,
    guarded: reqwest::Client,
    trusted: reqwest::Client,
    /// Origins (scheme, host and port, default ports made explicit) that get credentials.
    credential_hosts: Vec<String>,
    limits: FetchLimits,
}

impl MediaFetcher {
    /// A fetcher held to `policy` and `limits` that sends credentials only to
    /// `credential_hosts` (their paths are ignored).
    ///
    /// # Errors
    /// When the TLS backend cannot start.
    pub fn new(
        policy: TargetPolicy,
        credential_hosts: Vec<Url>,
        limits: FetchLimits,
    ) -> reqwest::Result<Self> {
        let agent = concat!("Switchboard/", env!("CARGO_PKG_VERSION"));
        let guarded = policy.client(limits.timeout, agent)?;
        let trusted = TargetPolicy::new(true, "").client(limits.timeout, agent)?;
        Ok(Self {
            policy,
            guarded,
            trusted,
            // An opaque origin (`data:`, `file:`) never equals anything, so it is dropped.
            credential_hosts: credential_hosts
                .iter()
                .map(Url::origin)
                .filter(|origin| origin.is_tuple())
                .map(|origin| origin.ascii_serialization())
                .collect(),
            limits,
        })
    }

    /// The limits this fetcher holds downloads to.
    pub fn limits(&self) -> FetchLimits {
        self.limits
    }

    /// True when `url` is on one of the hosts that may receive credentials.
    pub fn is_credential_host(&self, url: &Url) -> bool {
        let origin = url.origin();
        origin.is_tuple()
            && self
                .credential_hosts
                .contains(&origin.ascii_serialization())
    }

    /// GETs `url` with `credential`, within the limits.
    ///
    /// # Errors
    /// A [`FetchError`] naming the rule or limit that stopped it.
    pub async fn get(&self, url: &str, credential: Credential<'_>) -> Result<Fetched, FetchError> {
        let timeout = self.limits.timeout;
        tokio::time::timeout(timeout, self.follow(url, credential))
            .await
            .map_err(|_| FetchError::TimedOut(timeout))?
    }

    async fn follow(&self, url: &str, credential: Credential<'_>) -> Result<Fetched, FetchError> {
        let mut current = self.policy_free_parse(url)?;
        for _ in 0..=MAX_REDIRECTS {
            let trusted = self.is_credential_host(&current);
            let client = if trusted {
                &self.trusted
            } else {
                if matches!(credential, Credential::InUrl) {
                    return Err(FetchError::NotCredentialHost);
                }
                current = self.policy.check(current.as_str()).await?;
                &self.guarded
            };
            let mut request = client.get(current.clone());
            match (trusted, credential) {
                (true, Credential::Bearer(token)) => {
                    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
                        .map_err(|_| FetchError::NotCredentialHost)?;
                    value.set_sensitive(true);
                    request = request.header(AUTHORIZATION, value);
                }
                // reqwest marks the Basic header sensitive itself.
                (true, Credential::Basic(user, password)) => {
                    request = request.basic_auth(user, Some(password));
                }
                _ => {}
            }
            let response = request.send().await.map_err(classify)?;
            let status = response.status();
            if status.is_redirection() {
                if matches!(credential, Credential::InUrl) {
                    return Err(FetchError::SecretRedirect);
                }
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|value| value.to_str().ok())
                    .ok_or(FetchError::BadRedirect)?;
                current = current
                    .join(location)
                    .map_err(|_| FetchError::BadRedirect)?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status));
            }
            return self.read_body(response).await;
        }
        Err(FetchError::TooManyRedirects)
    }

    /// Parses without the address check (done per hop, and skipped for credential hosts),
    /// keeping the guard's rules on scheme, length and embedded credentials.
    fn policy_free_parse(&self, url: &str) -> Result<Url, FetchError> {
        let parsed = Url::parse(url)
            .map_err(|err| FetchError::Refused(TargetError::Malformed(err.to_string())))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(TargetError::Scheme(parsed.scheme().to_owned()).into());
        }
        Ok(parsed)
    }

    /// Reads the body chunk by chunk, refusing it as soon as it passes the size limit.
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Fetched, FetchError> {
        let limit = self.limits.max_bytes;
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            bytes,
            content_type,
        })
    }
}

/// A transport error, or the guard's refusal when the connect-time resolver refused the host.
/// The URL is dropped from the error: it may carry a secret.
fn classify(err: reqwest::Error) -> FetchError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(current) = cause {
        if let Some(refused) = current.downcast_ref::<TargetError>() {
            return FetchError::Refused(refused.clone());
        }
        cause = current.source();
    }
    FetchError::Transport(err.without_url())
}
