//! Form posts to an endpoint the operator configured (an OAuth2 token or device-authorization
//! endpoint): the answer is read within a size and a time limit whatever its status, because
//! such endpoints explain a refusal in the body (`{"error": "invalid_grant"}`).

use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{StatusCode, Url};

use super::fetch::{FetchError, FetchLimits};
use super::guard::TargetPolicy;

/// An endpoint's answer: its status and body.
#[derive(Debug, Clone, PartialEq)]
pub struct FormAnswer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// Posts `application/x-www-form-urlencoded` forms. Redirects are not followed: a token
/// endpoint that redirects a POST carrying a secret is misconfigured.
#[derive(Debug, Clone)]
pub struct FormPoster {
    client: reqwest::Client,
    limits: FetchLimits,
}

impl FormPoster {
    /// A poster held to `limits`. The URLs come from the operator's configuration, so the
    /// SSRF guard is not applied (a test or on-premises identity provider may be private).
    ///
    /// # Errors
    /// When the TLS backend cannot start.
    pub fn new(limits: FetchLimits) -> reqwest::Result<Self> {
        let agent = concat!("Switchboard/", env!("CARGO_PKG_VERSION"));
        Ok(Self {
            client: TargetPolicy::new(true, "").client(limits.timeout, agent)?,
            limits,
        })
    }

    /// POSTs `fields` to `url` and returns the answer, 4xx included.
    ///
    /// # Errors
    /// A transport failure, the time limit, or a body over the size limit.
    pub async fn post(&self, url: &Url, fields: &[(&str, &str)]) -> Result<FormAnswer, FetchError> {
        let timeout = self.limits.timeout;
        tokio::time::timeout(timeout, self.exchange(url, fields))
            .await
            .map_err(|_| FetchError::TimedOut(timeout))?
    }

    async fn exchange(&self, url: &Url, fields: &[(&str, &str)]) -> Result<FormAnswer, FetchError> {
        let mut response = self
            .client
            .post(url.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .form(fields)
            .send()
            .await
            .map_err(|err| FetchError::Transport(err.without_url()))?;
        let status = response.status();
        let limit = self.limits.max_bytes;
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| FetchError::Transport(err.without_url()))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FormAnswer { status, body })
    }
}
