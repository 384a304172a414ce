//! Meta's messaging channels — WhatsApp Cloud API, Messenger and Instagram — over the Graph
//! API: webhook verification (`hub.challenge`), `X-Hub-Signature-256` on the raw body,
//! messages, delivery statuses and survey answers in, text/media/template messages and
//! surveys out. Owns Meta's wire format and nothing else.

#[cfg(test)]
mod fuzz_props;
pub mod inbound;
pub mod outbound;
pub mod survey;

use std::num::NonZeroU32;
use std::time::Duration;

use connector_sdk::net::{Credential, FetchLimits, MediaFetcher, TargetPolicy};
use connector_sdk::{
    Attachment, AttachmentData, ChannelKind, Connector, ConnectorError, Delivery, InboundEvent,
    OutboundMessage, WebhookError,
};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// The header Meta signs every webhook POST with.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// WhatsApp's customer-service window: free-form messages only this long after the
/// customer's last message.
pub const WHATSAPP_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// `[[channels]]` keys of a `whatsapp`, `messenger` or `instagram` channel.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Meta app's secret: webhook signatures are HMAC-SHA256 with it.
    pub app_secret: String,
    /// Our answer to the subscription check (`hub.verify_token`).
    pub verify_token: String,
    /// A system-user or page access token for the Graph API.
    pub access_token: String,
    /// WhatsApp: the business phone number's id.
    #[serde(default)]
    pub phone_number_id: Option<String>,
    /// Messenger / Instagram: the page (or Instagram account) id.
    #[serde(default)]
    pub page_id: Option<String>,
    #[serde(default = "default_graph_url")]
    pub graph_url: String,
    #[serde(default = "default_graph_version")]
    pub graph_version: String,
    /// Sending throughput (WhatsApp's default is 80 messages/s per number).
    #[serde(default = "default_rate")]
    pub messages_per_second: u32,
    /// Hosts besides `graph_url` that receive the access token when media is downloaded:
    /// WhatsApp's media URLs (on `lookaside.fbsbx.com`) need it. Any other URL is fetched
    /// without credentials, through the SSRF guard.
    #[serde(default = "default_media_token_hosts")]
    pub media_token_hosts: Vec<String>,
    /// Largest attachment download, in bytes.
    #[serde(default = "default_media_max_bytes")]
    pub media_max_bytes: u64,
    /// Longest an attachment download may take, redirects included.
    #[serde(default = "default_media_timeout_secs")]
    pub media_timeout_secs: u64,
    /// Lets media URLs from payloads point at loopback and private addresses (only for a
    /// private test setup: those URLs come from outside).
    #[serde(default)]
    pub media_allow_private: bool,
}

fn default_graph_url() -> String {
    "https://graph.facebook.com".into()
}
fn default_graph_version() -> String {
    "v21.0".into()
}
fn default_rate() -> u32 {
    80
}
fn default_media_token_hosts() -> Vec<String> {
    vec!["https://lookaside.fbsbx.com".into()]
}
/// WhatsApp's own ceiling is 100 MB (documents); images and videos are far smaller.
fn default_media_max_bytes() -> u64 {
    32 * 1024 * 1024
}
fn default_media_timeout_secs() -> u64 {
    60
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("phone_number_id", &self.phone_number_id)
            .field("page_id", &self.page_id)
            .field("graph_url", &self.graph_url)
            .finish_non_exhaustive()
    }
}

/// A configured Meta channel.
pub struct Meta {
    name: String,
    kind: ChannelKind,
    /// The sender-id namespace: WhatsApp ids are phone numbers (global); Messenger and
    /// Instagram ids are scoped to one page.
    scope: String,
    /// The id whose `/messages` edge we post to.
    account: String,
    config: Config,
    http: reqwest::Client,
    /// Downloads attachments; only `graph_url` and `media_token_hosts` see the token.
    media: MediaFetcher,
    limiter: DefaultDirectRateLimiter,
}

impl Meta {
    /// Builds channel `name` of `kind` (whatsapp, messenger or instagram).
    ///
    /// # Errors
    /// `Unsupported` naming the missing key.
    pub fn new(
        name: impl Into<String>,
        kind: ChannelKind,
        config: Config,
    ) -> Result<Self, ConnectorError> {
        let account = match kind {
            ChannelKind::Whatsapp => {
                config
                    .phone_number_id
                    .clone()
                    .ok_or(ConnectorError::Config(
                        "phone_number_id: required for whatsapp",
                    ))?
            }
            ChannelKind::Messenger | ChannelKind::Instagram => config.page_id.clone().ok_or(
                ConnectorError::Config("page_id: required for messenger and instagram"),
            )?,
            _ => {
                return Err(ConnectorError::Unsupported(
                    "a kind other than whatsapp, messenger, instagram",
                ));
            }
        };
        for (value, message) in [
            (&config.app_secret, "app_secret: must not be empty"),
            (&config.verify_token, "verify_token: must not be empty"),
            (&config.access_token, "access_token: must not be empty"),
        ] {
            if value.trim().is_empty() {
                return Err(ConnectorError::Config(message));
            }
        }
        let graph_url = reqwest::Url::parse(&config.graph_url)
            .map_err(|_| ConnectorError::Config("graph_url: not a URL"))?;
        let mut token_hosts = vec![graph_url];
        for host in &config.media_token_hosts {
            token_hosts.push(reqwest::Url::parse(host).map_err(|_| {
                ConnectorError::Config("media_token_hosts: every entry must be a URL")
            })?);
        }
        if config.media_max_bytes == 0 || config.media_timeout_secs == 0 {
            return Err(ConnectorError::Config(
                "media_max_bytes and media_timeout_secs: must be positive",
            ));
        }
        let media = MediaFetcher::new(
            TargetPolicy::new(config.media_allow_private, "media_allow_private"),
            token_hosts,
            FetchLimits {
                max_bytes: config.media_max_bytes,
                timeout: Duration::from_secs(config.media_timeout_secs),
            },
        )
        .map_err(|_| ConnectorError::Unsupported("building an HTTP client"))?;
        let scope = match kind {
            ChannelKind::Whatsapp => "whatsapp".to_owned(),
            other => format!("{}:{account}", other.as_str()),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|_| ConnectorError::Unsupported("building an HTTP client"))?;
        let rate = NonZeroU32::new(config.messages_per_second).unwrap_or(NonZeroU32::MIN);
        Ok(Self {
            name: name.into(),
            kind,
            scope,
            account,
            limiter: RateLimiter::direct(Quota::per_second(rate)),
            config,
            http,
            media,
        })
    }

    fn graph(&self, path: &str) -> String {
        format!(
            "{}/{}/{path}",
            self.config.graph_url.trim_end_matches('/'),
            self.config.graph_version
        )
    }
}

/// Checks `X-Hub-Signature-256: sha256=<hex>` against the raw body, in constant time.
///
/// # Errors
/// A message for the 401 answer.
pub fn verify_signature(
    app_secret: &[u8],
    body: &[u8],
    header: Option<&[u8]>,
) -> Result<(), String> {
    let header = header.ok_or_else(|| format!("missing {SIGNATURE_HEADER}"))?;
    let header = std::str::from_utf8(header).map_err(|_| "signature is not ASCII".to_owned())?;
    let hex_digest = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or_else(|| "signature must start with sha256=".to_owned())?;
    let digest = hex::decode(hex_digest).map_err(|_| "signature is not hex".to_owned())?;
    let mut mac = match Hmac::<Sha256>::new_from_slice(app_secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    };
    mac.update(body);
    mac.verify_slice(&digest)
        .map_err(|_| "signature does not match the body".to_owned())
}

/// Signs a body the way Meta does (for tests and tools).
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(app_secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[async_trait::async_trait]
impl Connector for Meta {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        self.kind
    }

    fn identity_scope(&self) -> String {
        self.scope.clone()
    }

    fn account_send_rate(&self) -> Option<f64> {
        Some(f64::from(self.config.messages_per_second.max(1)))
    }

    fn free_form_window(&self) -> Option<Duration> {
        (self.kind == ChannelKind::Whatsapp).then_some(WHATSAPP_WINDOW)
    }

    fn supports_templates(&self) -> bool {
        self.kind == ChannelKind::Whatsapp
    }

    fn verify_webhook(&self, query: &str) -> Result<String, WebhookError> {
        let mut mode = None;
        let mut token = None;
        let mut challenge = None;
        for (key, value) in url_pairs(query) {
            match key.as_str() {
                "hub.mode" => mode = Some(value),
                "hub.verify_token" => token = Some(value),
                "hub.challenge" => challenge = Some(value),
                _ => {}
            }
        }
        let token_ok = token.is_some_and(|token| {
            subtle::ConstantTimeEq::ct_eq(token.as_bytes(), self.config.verify_token.as_bytes())
                .into()
        });
        match (mode.as_deref(), token_ok, challenge) {
            (Some("subscribe"), true, Some(challenge)) => Ok(challenge),
            (Some("subscribe"), true, None) => {
                Err(WebhookError::Malformed("hub.challenge: missing".into()))
            }
            _ => Err(WebhookError::Forbidden(
                "verify token does not match".into(),
            )),
        }
    }

    fn parse_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        verify_signature(
            self.config.app_secret.as_bytes(),
            body,
            headers.get(SIGNATURE_HEADER).map(|h| h.as_bytes()),
        )
        .map_err(WebhookError::Unauthenticated)?;
        let payload: inbound::Payload = serde_json::from_slice(body)
            .map_err(|err| WebhookError::Malformed(format!("not a Meta webhook payload: {err}")))?;
        Ok(inbound::events(&self.name, &self.scope, &payload))
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError> {
        let requests = outbound::requests(self.kind, msg)?;
        let mut first_id = None;
        for body in requests {
            self.limiter.until_ready().await;
            let response = self
                .http
                .post(self.graph(&format!("{}/messages", self.account)))
                .bearer_auth(&self.config.access_token)
                .json(&body)
                .send()
                .await
                .map_err(|err| ConnectorError::unavailable(err.without_url(), None))?;
            let id = outbound::read_response(response).await?;
            first_id = first_id.or(id);
        }
        Ok(Delivery::with_id(first_id))
    }

    async fn fetch_attachment(
        &self,
        attachment: &Attachment,
    ) -> Result<AttachmentData, ConnectorError> {
        // WhatsApp media: look up a short-lived URL by media id, then fetch it with our token
        // (which the fetcher sends only to `graph_url` and `media_token_hosts`). A URL from
        // a payload or an agent's reply is somebody else's: fetched without credentials,
        // through the SSRF guard.
        let fetched = match (&attachment.file_id, &attachment.url) {
            (Some(media_id), _) => {
                let (url, mime) = self.media_url(media_id).await?;
                let mut fetched = self
                    .media
                    .get(&url, Credential::Bearer(&self.config.access_token))
                    .await?;
                fetched.content_type = mime.or(fetched.content_type);
                fetched
            }
            (None, Some(url)) => self.media.get(url, Credential::None).await?,
            (None, None) => return Err(ConnectorError::Unsupported("attachments without a file")),
        };
        Ok(AttachmentData::new(
            fetched.bytes,
            fetched
                .content_type
                .or_else(|| attachment.mime_type.clone()),
            attachment.name.clone(),
        ))
    }
}

impl Meta {
    /// Asks the Graph API where WhatsApp media `media_id` can be downloaded: its URL and type.
    async fn media_url(&self, media_id: &str) -> Result<(String, Option<String>), ConnectorError> {
        // The id comes from a payload and becomes a Graph path: nothing but an id may pass.
        if media_id.is_empty()
            || !media_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(ConnectorError::rejected("not a WhatsApp media id"));
        }
        let response = self
            .http
            .get(self.graph(media_id))
            .bearer_auth(&self.config.access_token)
            .send()
            .await
            .map_err(|err| ConnectorError::unavailable(err.without_url(), None))?;
        let info: serde_json::Value = outbound::read_json(response).await?;
        let url = info
            .get("url")
            .and_then(|u| u.as_str())
            .ok_or_else(|| ConnectorError::rejected("media lookup returned no url"))?
            .to_owned();
        let mime = info
            .get("mime_type")
            .and_then(|m| m.as_str())
            .map(str::to_owned);
        Ok((url, mime))
    }
}
fn hex_value(byte: u8) -> Option<u8> {
    (byte as char)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Decodes `a=b&c=d` (with `+` and `%XX`).
fn url_pairs(query: &str) -> Vec<(String, String)> {
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                // Work on bytes: what follows '%' may not be ASCII (no slicing mid-character).
                b'%' if i + 2 < bytes.len() => {
                    match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                        (Some(high), Some(low)) => {
                            out.push(high * 16 + low);
                            i += 2;
                        }
                        _ => out.push(b'%'),
                    }
                }
                other => out.push(other),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (decode(key), decode(value)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode() {
        let pairs = url_pairs("hub.mode=subscribe&hub.verify_token=a%20b+c&hub.challenge=123&x");
        assert_eq!(pairs[1], ("hub.verify_token".into(), "a b c".into()));
        assert_eq!(pairs[2].1, "123");
        assert_eq!(pairs[3], ("x".into(), String::new()));
        assert_eq!(url_pairs("a=%4"), [("a".to_owned(), "%4".to_owned())]);
        // Not ASCII after '%': must not panic on a character boundary.
        assert_eq!(url_pairs("a=%xé"), [("a".to_owned(), "%xé".to_owned())]);
        assert_eq!(url_pairs("a=%C3%A9"), [("a".to_owned(), "é".to_owned())]);
    }

    #[test]
    fn signatures_are_checked_on_the_raw_bytes() {
        let body = br#"{"object":"page","entry":[]}"#;
        let header = sign(b"secret", body);
        assert!(verify_signature(b"secret", body, Some(header.as_bytes())).is_ok());
        // The same JSON serialised differently is a different body.
        let reserialised = br#"{"object": "page", "entry": []}"#;
        assert!(verify_signature(b"secret", reserialised, Some(header.as_bytes())).is_err());
        assert!(verify_signature(b"other", body, Some(header.as_bytes())).is_err());
        assert!(verify_signature(b"secret", body, None).is_err());
        assert!(verify_signature(b"secret", body, Some(b"sha1=abc")).is_err());
    }
}
