//! Twilio Programmable Messaging: form-encoded webhooks signed with `X-Twilio-Signature`
//! (inbound SMS/MMS and status callbacks on the same URL), and sends through the Messages
//! resource of the 2010-04-01 REST API.

use std::num::NonZeroU32;
use std::time::Duration;

use base64::Engine as _;
use connector_sdk::net::{Credential, FetchLimits, MediaFetcher, TargetPolicy};
use connector_sdk::{
    Attachment, AttachmentData, ChannelKind, Connector, ConnectorError, Delivery, DeliveryState,
    DeliveryUpdate, HookAnswer, InboundEvent, InboundMessage, Keyword, OutboundMessage,
    Reachability, Sender, Suppression, TextCost, WebhookError,
};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha1::Sha1;

use crate::{e164, is_plain_id, param, parse_form, segments, split};

/// The header Twilio signs every webhook request with.
pub const SIGNATURE_HEADER: &str = "x-twilio-signature";
/// Twilio's limit on one message's `Body`; it splits longer texts into segments itself.
pub const BODY_LIMIT: usize = 1600;
/// Twilio accepts at most this many `MediaUrl`s per message.
pub const MEDIA_LIMIT: usize = 10;
/// "Attempt to send to unsubscribed recipient": the number texted STOP to this sender.
pub const ERROR_UNSUBSCRIBED: i64 = 21610;
/// "The 'To' number is not a valid phone number."
pub const ERROR_INVALID_NUMBER: i64 = 21211;

/// The TwiML that tells Twilio to do nothing more with a message.
pub const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

/// `[[channels]]` keys of a `twilio` channel.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The account (`AC…`) messages are sent from and media is downloaded with.
    pub account_sid: String,
    /// The account's auth token: HTTP Basic password and the webhook signing key.
    pub auth_token: String,
    /// The sending number (E.164) or alphanumeric sender; or use `messaging_service_sid`.
    #[serde(default)]
    pub from: Option<String>,
    /// A Messaging Service (`MG…`) that picks the sending number.
    #[serde(default)]
    pub messaging_service_sid: Option<String>,
    /// The public address Twilio reaches this service at (`https://sb.example.com`, or the
    /// channel's full hook URL): signatures cover the URL Twilio called, and status
    /// callbacks are requested at `<public_url>/hooks/<channel>`.
    pub public_url: String,
    #[serde(default = "default_api_url")]
    pub api_url: String,
    /// Sending throughput; a long code manages about one message per second.
    #[serde(default = "default_rate")]
    pub messages_per_second: u32,
    /// Map Czech and Slovak diacritics to plain letters before sending, so the text fits
    /// GSM-7 and costs half as many segments.
    #[serde(default)]
    pub transliterate: bool,
    /// Largest MMS media download, in bytes.
    #[serde(default = "default_media_max_bytes")]
    pub media_max_bytes: u64,
    /// Longest a media download may take, redirects included.
    #[serde(default = "default_media_timeout_secs")]
    pub media_timeout_secs: u64,
}

fn default_api_url() -> String {
    "https://api.twilio.com".into()
}
fn default_rate() -> u32 {
    1
}
/// Twilio's own MMS ceiling is 5 MB per message.
fn default_media_max_bytes() -> u64 {
    5 * 1024 * 1024
}
fn default_media_timeout_secs() -> u64 {
    60
}

impl std::fmt::Debug for Config {
    // The auth token is a secret: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("account_sid", &self.account_sid)
            .field("from", &self.from)
            .field("messaging_service_sid", &self.messaging_service_sid)
            .field("public_url", &self.public_url)
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// A configured Twilio channel.
pub struct Twilio {
    name: String,
    config: Config,
    /// The sender-id namespace: `sms:<sending number or service>`, so that an opt-out or
    /// an unreachable mark applies to this sender only (Twilio's opt-outs are per sender).
    scope: String,
    /// `public_url` without a trailing `/hooks/<name>`: signed URLs are this plus the path
    /// Twilio called.
    base_url: String,
    http: reqwest::Client,
    /// Downloads MMS media; only `api_url` sees the account's credentials.
    media: MediaFetcher,
    /// The origin (`scheme://host:port`) media must come from.
    media_origin: String,
    limiter: DefaultDirectRateLimiter,
}

impl Twilio {
    /// Builds channel `name`.
    ///
    /// # Errors
    /// `Config` naming the key that is missing or wrong.
    pub fn new(name: impl Into<String>, config: Config) -> Result<Self, ConnectorError> {
        let name = name.into();
        if !config.account_sid.starts_with("AC") || !is_plain_id(&config.account_sid) {
            return Err(ConnectorError::Config(
                "account_sid: must be the account's SID (AC followed by letters and digits)",
            ));
        }
        if config.auth_token.trim().is_empty() {
            return Err(ConnectorError::Config("auth_token: must not be empty"));
        }
        let sender = match (&config.from, &config.messaging_service_sid) {
            (Some(from), None) if !from.trim().is_empty() => from.trim().to_owned(),
            (None, Some(service)) if is_plain_id(service) => service.clone(),
            (Some(_), Some(_)) => {
                return Err(ConnectorError::Config(
                    "from, messaging_service_sid: set one of them, not both",
                ));
            }
            _ => {
                return Err(ConnectorError::Config(
                    "from: required (or messaging_service_sid)",
                ));
            }
        };
        connector_sdk::settings::check_http_url(&config.public_url)
            .map_err(|_| ConnectorError::Config("public_url: must be an http(s) URL"))?;
        if config.public_url.contains(['?', '#']) {
            return Err(ConnectorError::Config(
                "public_url: must have no query or fragment",
            ));
        }
        let api_url = reqwest::Url::parse(&config.api_url)
            .map_err(|_| ConnectorError::Config("api_url: not a URL"))?;
        if config.media_max_bytes == 0 || config.media_timeout_secs == 0 {
            return Err(ConnectorError::Config(
                "media_max_bytes and media_timeout_secs: must be positive",
            ));
        }
        let media_origin = api_url.origin().ascii_serialization();
        let media = MediaFetcher::new(
            // Media URLs are only ever fetched from the configured API host (checked before
            // the fetch), which the fetcher reaches directly; a redirect to Twilio's CDN
            // goes through the guard without credentials.
            TargetPolicy::new(false, "media_allow_private"),
            vec![api_url],
            FetchLimits {
                max_bytes: config.media_max_bytes,
                timeout: Duration::from_secs(config.media_timeout_secs),
            },
        )
        .map_err(|_| ConnectorError::Unsupported("building an HTTP client"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|_| ConnectorError::Unsupported("building an HTTP client"))?;
        let trimmed = config.public_url.trim_end_matches('/');
        let hook_suffix = format!("/hooks/{name}");
        let base_url = trimmed
            .strip_suffix(&hook_suffix)
            .unwrap_or(trimmed)
            .to_owned();
        let rate = NonZeroU32::new(config.messages_per_second).unwrap_or(NonZeroU32::MIN);
        Ok(Self {
            scope: format!("sms:{sender}"),
            name,
            base_url,
            http,
            media,
            media_origin,
            limiter: RateLimiter::direct(Quota::per_second(rate)),
            config,
        })
    }

    /// Where Twilio posts this channel's webhooks and status callbacks.
    pub fn hook_url(&self) -> String {
        format!("{}/hooks/{}", self.base_url, self.name)
    }

    fn messages_url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.config.api_url.trim_end_matches('/'),
            self.config.account_sid
        )
    }

    /// Checks the signature of a request Twilio made to `target` (path and query).
    fn verify(
        &self,
        target: &str,
        headers: &http::HeaderMap,
        params: &[(String, String)],
    ) -> Result<(), WebhookError> {
        let header = headers
            .get(SIGNATURE_HEADER)
            .ok_or_else(|| WebhookError::Unauthenticated(format!("missing {SIGNATURE_HEADER}")))?;
        let url = format!("{}{target}", self.base_url);
        if is_valid(&self.config.auth_token, &url, params, header.as_bytes()) {
            Ok(())
        } else {
            Err(WebhookError::Unauthenticated(
                "X-Twilio-Signature does not match the request".into(),
            ))
        }
    }

    fn events(&self, params: &[(String, String)]) -> Result<Vec<InboundEvent>, WebhookError> {
        let field = |name: &str| param(params, name).map(str::trim).filter(|v| !v.is_empty());
        let sid = field("MessageSid")
            .or_else(|| field("SmsSid"))
            .ok_or_else(|| WebhookError::Malformed("MessageSid: missing".into()))?;
        if !is_plain_id(sid) {
            return Err(WebhookError::Malformed(
                "MessageSid: not a Twilio SID".into(),
            ));
        }
        // Status callbacks carry MessageStatus; inbound messages say `received` (or nothing).
        match field("MessageStatus").or_else(|| field("SmsStatus")) {
            Some("received" | "receiving") | None => self.message(sid, params).map(|m| vec![m]),
            Some(status) => Ok(self.status(sid, status, params)),
        }
    }

    fn message(
        &self,
        sid: &str,
        params: &[(String, String)],
    ) -> Result<InboundEvent, WebhookError> {
        let from = param(params, "From")
            .map(str::trim)
            .filter(|from| !from.is_empty() && from.len() <= 64)
            .ok_or_else(|| WebhookError::Malformed("From: missing".into()))?;
        let body = param(params, "Body").unwrap_or_default();
        let media_count: usize = match param(params, "NumMedia") {
            None | Some("") => 0,
            Some(count) => count
                .parse()
                .ok()
                .filter(|count| *count <= MEDIA_LIMIT)
                .ok_or_else(|| {
                    WebhookError::Malformed("NumMedia: not a number from 0 to 10".into())
                })?,
        };
        let mut attachments = Vec::with_capacity(media_count);
        for index in 0..media_count {
            let url = param(params, &format!("MediaUrl{index}"))
                .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
                .ok_or_else(|| WebhookError::Malformed(format!("MediaUrl{index}: missing")))?;
            // The URL needs the account's credentials: kept as the channel's file reference
            // and fetched through `fetch_attachment`, never handed out as a public link.
            let mut attachment = Attachment::channel_file(url);
            attachment.mime_type = param(params, &format!("MediaContentType{index}"))
                .filter(|mime| !mime.is_empty() && mime.len() <= 255)
                .map(str::to_owned);
            attachments.push(attachment);
        }
        if body.trim().is_empty() && attachments.is_empty() {
            return Err(WebhookError::Malformed("Body: empty and no media".into()));
        }
        let mut sender = Sender::new(&self.scope, from);
        if let Some(phone) = e164(from) {
            sender = sender.with_phone(phone);
        }
        let message =
            InboundMessage::text(&self.name, sid, sender, body).with_attachments(attachments);
        Ok(InboundEvent::Message(message))
    }

    fn status(&self, sid: &str, status: &str, params: &[(String, String)]) -> Vec<InboundEvent> {
        let state = match status {
            "sent" => DeliveryState::Sent,
            "delivered" => DeliveryState::Delivered,
            "read" => DeliveryState::Read,
            "failed" | "undelivered" | "canceled" => DeliveryState::Failed,
            // queued, accepted, scheduled, sending: nothing a person needs to see yet.
            _ => return Vec::new(),
        };
        let code: Option<i64> =
            param(params, "ErrorCode").and_then(|code| code.trim().parse().ok());
        let mut update = DeliveryUpdate::new(&self.name, sid, state);
        if let Some(code) = code {
            let detail = param(params, "ErrorMessage")
                .map(connector_sdk::text::clean_line)
                .filter(|text| !text.is_empty());
            update.error = Some(match detail {
                Some(detail) => format!("Twilio error {code}: {detail}"),
                None => format!("Twilio error {code} ({status})"),
            });
        }
        let mut events = vec![InboundEvent::Delivery(update)];
        if let (Some(code @ (ERROR_UNSUBSCRIBED | ERROR_INVALID_NUMBER)), Some(to)) = (
            code,
            param(params, "To")
                .map(str::trim)
                .filter(|to| !to.is_empty()),
        ) {
            let reason = if code == ERROR_UNSUBSCRIBED {
                "the number opted out of this sender (Twilio 21610)"
            } else {
                "not a valid phone number (Twilio 21211)"
            };
            events.push(InboundEvent::Reachability(Reachability::unreachable(
                &self.name,
                &self.scope,
                to,
                reason,
            )));
            events.push(InboundEvent::Suppressed(Suppression::new(
                &self.name,
                &self.scope,
                to,
                reason,
            )));
        }
        events
    }

    /// The text as it will be sent (transliterated when configured).
    fn outgoing_text(&self, text: &str) -> String {
        if self.config.transliterate {
            segments::transliterate(text)
        } else {
            text.to_owned()
        }
    }
}

/// Twilio's signature of a request to `url` with form `params`: base64 of HMAC-SHA1 keyed
/// with the auth token over the URL followed by every parameter's name and value, sorted
/// by name (and values of a repeated name sorted too).
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = match Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA1 takes keys of any length"),
    };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// True when `header` is Twilio's signature of the request, for `url` as given or with its
/// port written the other way: Twilio signs `https://host/…` on some paths and
/// `https://host:443/…` on others, so its own validators accept both.
pub fn is_valid(auth_token: &str, url: &str, params: &[(String, String)], header: &[u8]) -> bool {
    let mut valid = subtle::Choice::from(0);
    for candidate in url_forms(url) {
        let expected = signature(auth_token, &candidate, params);
        // Constant time per candidate; the number of candidates is not a secret.
        valid |= subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), header.trim_ascii());
    }
    valid.into()
}

/// `url` as given, plus the same URL without its port (when it has one) or with the
/// scheme's default port (when it has none).
fn url_forms(url: &str) -> Vec<String> {
    let mut forms = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return forms;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((user, host)) => (format!("{user}@"), host),
        None => (String::new(), authority),
    };
    // An IPv6 literal has colons of its own: a port only follows its closing bracket.
    let port_at = match host_port.rfind(']') {
        Some(bracket) => host_port[bracket..].find(':').map(|at| at + bracket),
        None => host_port.find(':'),
    };
    let other = match port_at {
        Some(at) => format!("{scheme}://{userinfo}{}{tail}", &host_port[..at]),
        None => {
            let port = match scheme {
                "https" => 443,
                "http" => 80,
                _ => return forms,
            };
            format!("{scheme}://{userinfo}{host_port}:{port}{tail}")
        }
    };
    forms.push(other);
    forms
}

/// Sorts an error answer of the REST API for the dispatcher.
pub fn classify(status: u16, body: &Value, retry_after: Option<Duration>) -> ConnectorError {
    let code = body.get("code").and_then(Value::as_i64).unwrap_or_default();
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .map(connector_sdk::text::clean_line)
        .unwrap_or_else(|| format!("HTTP {status}"));
    let reason = format!("Twilio error {code}: {message}");
    match (status, code) {
        (401 | 403, _) | (_, 20003) => ConnectorError::Unauthorized,
        // 20429 is Twilio's "too many requests"; its 429 carries no Retry-After as a rule.
        (429, _) | (_, 20429) => {
            ConnectorError::unavailable(reason, retry_after.or(Some(Duration::from_secs(1))))
        }
        (_, ERROR_UNSUBSCRIBED | ERROR_INVALID_NUMBER) => ConnectorError::Rejected {
            reason,
            unreachable: true,
        },
        (500.., _) => ConnectorError::unavailable(reason, retry_after),
        _ => ConnectorError::rejected(reason),
    }
}

#[async_trait::async_trait]
impl Connector for Twilio {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Twilio
    }

    fn identity_scope(&self) -> String {
        self.scope.clone()
    }

    fn account_send_rate(&self) -> Option<f64> {
        Some(f64::from(self.config.messages_per_second.max(1)))
    }

    /// Twilio's form bodies are small; a megabyte is far beyond any real one.
    fn default_max_webhook_bytes(&self) -> Option<usize> {
        Some(64 * 1024)
    }

    fn keyword(&self, text: &str) -> Option<Keyword> {
        crate::keywords::classify(text)
    }

    fn answers_keywords(&self) -> bool {
        true
    }

    /// Twilio runs the TwiML a messaging webhook answers with: an empty `<Response/>` sends
    /// nothing back (replies go through the outbox), where JSON would be flagged as an
    /// invalid content type in Twilio's debugger.
    fn hook_answer(&self) -> Option<HookAnswer> {
        Some(HookAnswer {
            content_type: "text/xml; charset=utf-8",
            body: EMPTY_TWIML,
        })
    }

    fn text_cost(&self, text: &str) -> Option<TextCost> {
        Some(segments::count(&self.outgoing_text(text)))
    }

    fn parse_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        self.parse_webhook_at(&format!("/hooks/{}", self.name), headers, body)
    }

    fn parse_webhook_at(
        &self,
        target: &str,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        if let Some(kind) = headers.get(http::header::CONTENT_TYPE)
            && !kind
                .as_bytes()
                .to_ascii_lowercase()
                .starts_with(b"application/x-www-form-urlencoded")
        {
            return Err(WebhookError::Malformed(
                "Content-Type: Twilio posts application/x-www-form-urlencoded".into(),
            ));
        }
        let params = parse_form(body).map_err(WebhookError::Malformed)?;
        self.verify(target, headers, &params)?;
        self.events(&params)
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError> {
        let text = self.outgoing_text(&msg.text);
        let media: Vec<&str> = msg
            .attachments
            .iter()
            .filter_map(|attachment| attachment.url.as_deref())
            .filter(|url| url.starts_with("https://"))
            .take(MEDIA_LIMIT)
            .collect();
        if text.trim().is_empty() && media.is_empty() {
            return Err(ConnectorError::rejected(
                "nothing to send: no text and no media URL",
            ));
        }
        let callback = self.hook_url();
        let mut first_id = None;
        for (index, part) in split(&text, BODY_LIMIT).into_iter().enumerate() {
            let mut form: Vec<(&str, &str)> = vec![("To", msg.to.external_id.as_str())];
            match (&self.config.messaging_service_sid, &self.config.from) {
                (Some(service), _) => form.push(("MessagingServiceSid", service)),
                (None, Some(from)) => form.push(("From", from)),
                (None, None) => return Err(ConnectorError::Config("from: required")),
            }
            if !part.is_empty() {
                form.push(("Body", &part));
            }
            if index == 0 {
                form.extend(media.iter().map(|url| ("MediaUrl", *url)));
            }
            form.push(("StatusCallback", &callback));
            self.limiter.until_ready().await;
            let response = self
                .http
                .post(self.messages_url())
                .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
                .form(&form)
                .send()
                .await
                .map_err(|err| ConnectorError::unavailable(err.without_url(), None))?;
            let id = read_response(response).await?;
            first_id = first_id.or(id);
        }
        Ok(Delivery::with_id(first_id))
    }

    async fn fetch_attachment(
        &self,
        attachment: &Attachment,
    ) -> Result<AttachmentData, ConnectorError> {
        let url = attachment
            .file_id
            .as_deref()
            .ok_or(ConnectorError::Unsupported(
                "attachments without a Twilio media URL",
            ))?;
        // Only Twilio's own media URLs get the account's credentials; a file reference that
        // points anywhere else was not written by this connector.
        let parsed = reqwest::Url::parse(url)
            .map_err(|_| ConnectorError::rejected("not a Twilio media URL"))?;
        if parsed.origin().ascii_serialization() != self.media_origin {
            return Err(ConnectorError::rejected(
                "media is only fetched from the Twilio API host",
            ));
        }
        let fetched = self
            .media
            .get(
                url,
                Credential::Basic(&self.config.account_sid, &self.config.auth_token),
            )
            .await?;
        Ok(AttachmentData::new(
            fetched.bytes,
            fetched
                .content_type
                .or_else(|| attachment.mime_type.clone()),
            attachment.name.clone(),
        ))
    }
}

/// The message SID of an accepted send, or the classified error.
async fn read_response(response: reqwest::Response) -> Result<Option<String>, ConnectorError> {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body: Value = match response.json().await {
        Ok(body) => body,
        Err(_) if status == 429 || status >= 500 => {
            return Err(ConnectorError::unavailable(
                format!("Twilio answered {status}"),
                retry_after,
            ));
        }
        Err(err) => {
            return Err(ConnectorError::rejected(format!(
                "unreadable Twilio answer ({status}): {}",
                err.without_url()
            )));
        }
    };
    if !(200..300).contains(&status) {
        return Err(classify(status, &body, retry_after));
    }
    Ok(body.get("sid").and_then(Value::as_str).map(str::to_owned))
}

#[cfg(test)]
mod tests;
