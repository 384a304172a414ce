//! The generic webhook channel ("API channel"): signed JSON in on `/hooks/{channel}`, signed JSON
//! out to the channel's `callback_url`. Owns the payload shape and the signature; nothing else.

#[cfg(test)]
mod fuzz_props;
mod payload;

use std::time::Duration;

use connector_sdk::signing::{self, REPLAY_TOLERANCE_SECS, SignatureError};
use connector_sdk::{
    ChannelKind, Connector, ConnectorError, Delivery, InboundEvent, OutboundMessage, WebhookError,
};
use serde::Deserialize;

pub use connector_sdk::signing::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
pub use payload::{OutboundPayload, WebhookPayload};

/// `[[channels]]` keys of a `webhook` channel.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Shared secret for `X-Switchboard-Signature`, both directions.
    pub secret: String,
    /// Refuse inbound requests without a fresh `X-Switchboard-Timestamp` (the body-only
    /// signature can be replayed forever). Off by default for integrations written before it.
    #[serde(default)]
    pub require_timestamp: bool,
    /// Where replies are POSTed; without it the channel is inbound-only. Checked when the
    /// config is read, so a bad URL stops start-up instead of failing every reply.
    #[serde(
        default,
        deserialize_with = "connector_sdk::settings::optional_http_url"
    )]
    pub callback_url: Option<String>,
    /// Timeout of one callback request, in seconds.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// The receiver drops repeats by `Idempotency-Key`, as this channel's contract asks
    /// (default). Set `false` for a receiver that does not: a campaign message whose outcome
    /// a crash lost is then held "in doubt" rather than sent again.
    #[serde(default = "default_deduplicates")]
    pub receiver_deduplicates: bool,
    /// Most callback requests in flight at once; more wait their turn. Each request in flight
    /// holds a connection to the receiver, so this bounds the connections a campaign opens.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
}

fn default_max_connections() -> usize {
    32
}

fn default_deduplicates() -> bool {
    true
}

fn default_timeout_secs() -> u64 {
    10
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("secret", &"<redacted>")
            .field("require_timestamp", &self.require_timestamp)
            .field("callback_url", &self.callback_url)
            .field("timeout_secs", &self.timeout_secs)
            .field("receiver_deduplicates", &self.receiver_deduplicates)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// A configured webhook channel.
pub struct Webhook {
    name: String,
    scope: String,
    config: Config,
    client: reqwest::Client,
    /// One permit per request in flight (`max_connections`).
    in_flight: tokio::sync::Semaphore,
}

impl Webhook {
    /// Builds the channel `name` from its config.
    ///
    /// # Errors
    /// `Unsupported` when the HTTP client cannot be built or the secret is empty.
    pub fn new(name: impl Into<String>, config: Config) -> Result<Self, ConnectorError> {
        if config.secret.is_empty() {
            return Err(ConnectorError::Config("secret: must not be empty"));
        }
        if config.max_connections == 0 {
            return Err(ConnectorError::Config("max_connections: must be above 0"));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .build()
            .map_err(|_| ConnectorError::Unsupported("building an HTTP client"))?;
        let name = name.into();
        Ok(Self {
            scope: format!("webhook:{name}"),
            name,
            in_flight: tokio::sync::Semaphore::new(config.max_connections),
            config,
            client,
        })
    }
}

#[async_trait::async_trait]
impl Connector for Webhook {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Webhook
    }

    fn identity_scope(&self) -> String {
        self.scope.clone()
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError> {
        let Some(url) = &self.config.callback_url else {
            return Err(ConnectorError::rejected(
                "this webhook channel has no callback_url",
            ));
        };
        let body = serde_json::to_vec(&OutboundPayload::from(msg))
            .map_err(|err| ConnectorError::rejected(format!("cannot encode message: {err}")))?;
        // Held until the answer is read, so its connection is back in the pool for the next.
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| ConnectorError::unavailable("the channel is shutting down", None))?;
        // Signed at the moment of sending, so a retry carries a fresh timestamp.
        let timestamp = chrono::Utc::now().timestamp();
        let response = self
            .client
            .post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(
                SIGNATURE_HEADER,
                sign(self.config.secret.as_bytes(), timestamp, &body),
            )
            // The receiver deduplicates on this id: retries carry the same one.
            .header("Idempotency-Key", &msg.id)
            .body(body)
            .send()
            .await
            .map_err(|err| ConnectorError::unavailable(err, None))?;
        classify_response(response).await
    }

    fn receiver_deduplicates(&self) -> bool {
        self.config.receiver_deduplicates
    }

    fn parse_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        self.authenticate(headers, body, chrono::Utc::now().timestamp())?;
        let payload = WebhookPayload::parse(body).map_err(WebhookError::Malformed)?;
        Ok(vec![InboundEvent::Message(
            payload.into_inbound(&self.name, &self.scope),
        )])
    }
}

impl Webhook {
    /// Checks an inbound request's signature at `now` (Unix seconds). With a timestamp header
    /// the timestamped scheme applies and a stale timestamp is refused even when the channel
    /// does not require one: the sender chose the scheme, and accepting it stale would
    /// accept replays. Without one, the body-only form is accepted unless
    /// `require_timestamp` is set.
    fn authenticate(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<(), WebhookError> {
        let refuse = |err: SignatureError| WebhookError::Unauthenticated(err.to_string());
        let signature = header_text(headers, SIGNATURE_HEADER)?;
        let secret = self.config.secret.as_bytes();
        match headers.get(TIMESTAMP_HEADER) {
            Some(_) => {
                let timestamp = header_text(headers, TIMESTAMP_HEADER)?;
                signing::verify(
                    secret,
                    timestamp,
                    body,
                    signature,
                    now,
                    REPLAY_TOLERANCE_SECS,
                )
                .map_err(refuse)
            }
            None if self.config.require_timestamp => Err(WebhookError::Unauthenticated(
                "missing x-switchboard-timestamp: this channel requires timestamped signatures"
                    .to_owned(),
            )),
            None => signing::verify_body_only(secret, body, signature).map_err(refuse),
        }
    }
}

/// The text of a required authentication header.
fn header_text<'h>(headers: &'h http::HeaderMap, name: &str) -> Result<&'h str, WebhookError> {
    // Named as HTTP/2 writes it, as this channel's answers always have.
    let shown = name.to_ascii_lowercase();
    headers
        .get(name)
        .ok_or_else(|| WebhookError::Unauthenticated(format!("missing {shown}")))?
        .to_str()
        .map_err(|_| WebhookError::Unauthenticated(format!("{shown} is not ASCII")))
}

/// Maps the callback's answer to the dispatcher's classes: 2xx delivered, 408/429/5xx retried
/// (honouring `Retry-After` seconds), 401/403 our credentials, any other 4xx permanent.
async fn classify_response(response: reqwest::Response) -> Result<Delivery, ConnectorError> {
    let status = response.status();
    if status.is_success() {
        #[derive(Deserialize)]
        struct Ack {
            id: Option<serde_json::Value>,
        }
        // The receiver may name its own id for the message; an empty or non-JSON 2xx is fine too.
        let external_id = response
            .json::<Ack>()
            .await
            .ok()
            .and_then(|ack| ack.id)
            .map(|id| match id {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
        return Ok(Delivery::with_id(external_id));
    }
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let detail = response.text().await.unwrap_or_default();
    let detail: String = detail.chars().take(200).collect();
    match status.as_u16() {
        401 | 403 => Err(ConnectorError::Unauthorized),
        408 | 425 | 429 | 500..=599 => Err(ConnectorError::unavailable(
            format!("callback answered {status}: {detail}"),
            retry_after,
        )),
        _ => Err(ConnectorError::rejected(format!(
            "callback answered {status}: {detail}"
        ))),
    }
}

#[cfg(test)]
mod tests;
