//! The Vonage SMS API: inbound messages and delivery receipts posted to the channel's hook
//! (form or JSON), optionally signed with the account's signature secret (`sig`), long
//! messages arriving as concatenated parts, and sends through `POST /sms/json`.

use std::num::NonZeroU32;
use std::time::Duration;

use connector_sdk::{
    ChannelKind, Connector, ConnectorError, Delivery, DeliveryState, DeliveryUpdate, InboundEvent,
    InboundMessage, Keyword, MessagePart, OutboundMessage, Sender, TextCost, WebhookError,
};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;

use crate::{e164, is_plain_id, param, parse_form, segments, split};

/// How far a signed webhook's `timestamp` may be from our clock.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;
/// A concatenated SMS has at most 255 parts (one octet in the header).
const MAX_PARTS: u32 = 255;
/// Longest text sent in one request; Vonage splits it into segments itself.
const TEXT_LIMIT: usize = 1600;

/// How Vonage signs webhooks: the method chosen in the dashboard next to the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureMethod {
    /// MD5 over the parameters with the secret appended (Vonage's oldest scheme).
    Md5hash,
    /// HMAC-MD5 keyed with the secret.
    Md5,
    /// HMAC-SHA1.
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

/// `[[channels]]` keys of a `vonage` channel.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub api_key: String,
    pub api_secret: String,
    /// Enables signed webhooks: every inbound message and receipt must then carry a valid
    /// `sig`. Without it, anyone who knows the hook URL can post to it.
    #[serde(default)]
    pub signature_secret: Option<String>,
    #[serde(default = "default_method")]
    pub signature_method: SignatureMethod,
    /// How far a signed request's `timestamp` may be from our clock, in seconds.
    #[serde(default = "default_tolerance")]
    pub signature_tolerance_secs: u64,
    /// The sending number (E.164 without `+` works too) or alphanumeric sender.
    pub from: String,
    #[serde(default = "default_api_url")]
    pub api_url: String,
    /// The public address of this service: delivery receipts are requested at
    /// `<public_url>/hooks/<channel>`. Without it, the account's default receipt URL is used.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Sending throughput (Vonage's default account limit is 30 requests per second).
    #[serde(default = "default_rate")]
    pub messages_per_second: u32,
    /// Map Czech and Slovak diacritics to plain letters so texts fit GSM-7.
    #[serde(default)]
    pub transliterate: bool,
}

fn default_method() -> SignatureMethod {
    SignatureMethod::Md5hash
}
fn default_tolerance() -> u64 {
    DEFAULT_TOLERANCE_SECS
}
fn default_api_url() -> String {
    "https://rest.nexmo.com".into()
}
fn default_rate() -> u32 {
    30
}

impl std::fmt::Debug for Config {
    // The API secret and the signature secret are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &self.api_key)
            .field("from", &self.from)
            .field("api_url", &self.api_url)
            .field("signed", &self.signature_secret.is_some())
            .finish_non_exhaustive()
    }
}

/// A configured Vonage channel.
pub struct Vonage {
    name: String,
    config: Config,
    /// `sms:<sending number>`, as for Twilio: opt-outs are per sender.
    scope: String,
    callback: Option<String>,
    http: reqwest::Client,
    limiter: DefaultDirectRateLimiter,
}

impl Vonage {
    /// Builds channel `name`.
    ///
    /// # Errors
    /// `Config` naming the key that is missing or wrong.
    pub fn new(name: impl Into<String>, config: Config) -> Result<Self, ConnectorError> {
        let name = name.into();
        for (value, message) in [
            (&config.api_key, "api_key: must not be empty"),
            (&config.api_secret, "api_secret: must not be empty"),
            (&config.from, "from: must not be empty"),
        ] {
            if value.trim().is_empty() {
                return Err(ConnectorError::Config(message));
            }
        }
        if config
            .signature_secret
            .as_deref()
            .is_some_and(|secret| secret.trim().is_empty())
        {
            return Err(ConnectorError::Config(
                "signature_secret: must not be empty (leave it out for unsigned webhooks)",
            ));
        }
        reqwest::Url::parse(&config.api_url)
            .map_err(|_| ConnectorError::Config("api_url: not a URL"))?;
        let callback = match &config.public_url {
            Some(url) => {
                connector_sdk::settings::check_http_url(url)
                    .map_err(|_| ConnectorError::Config("public_url: must be an http(s) URL"))?;
                let trimmed = url.trim_end_matches('/');
                let suffix = format!("/hooks/{name}");
                Some(match trimmed.strip_suffix(&suffix) {
                    Some(_) => trimmed.to_owned(),
                    None => format!("{trimmed}{suffix}"),
                })
            }
            None => None,
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|_| ConnectorError::Unsupported("building an HTTP client"))?;
        let sender = e164(&config.from).unwrap_or_else(|| config.from.trim().to_owned());
        let rate = NonZeroU32::new(config.messages_per_second).unwrap_or(NonZeroU32::MIN);
        Ok(Self {
            scope: format!("sms:{sender}"),
            name,
            callback,
            http,
            limiter: RateLimiter::direct(Quota::per_second(rate)),
            config,
        })
    }

    fn verify(&self, params: &[(String, String)], now: u64) -> Result<(), WebhookError> {
        let Some(secret) = &self.config.signature_secret else {
            return Ok(());
        };
        let unauthenticated = |text: &str| Err(WebhookError::Unauthenticated(text.to_owned()));
        let Some(sig) = param(params, "sig") else {
            return unauthenticated("missing sig: this channel requires signed webhooks");
        };
        let Some(timestamp) = param(params, "timestamp").and_then(|t| t.trim().parse::<u64>().ok())
        else {
            return unauthenticated("missing timestamp in a signed webhook");
        };
        if timestamp.abs_diff(now) > self.config.signature_tolerance_secs {
            return unauthenticated("the signed timestamp is too old (or in the future)");
        }
        let unsigned: Vec<(String, String)> = params
            .iter()
            .filter(|(name, _)| name != "sig")
            .cloned()
            .collect();
        let expected = signature(self.config.signature_method, secret, &unsigned);
        let given = sig.trim().to_ascii_lowercase();
        if bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            given.as_bytes(),
        )) {
            Ok(())
        } else {
            unauthenticated("sig does not match the request")
        }
    }

    fn events(&self, params: &[(String, String)]) -> Result<Vec<InboundEvent>, WebhookError> {
        let field = |name: &str| param(params, name).map(str::trim).filter(|v| !v.is_empty());
        if let Some(key) = field("api-key")
            && key != self.config.api_key
        {
            return Err(WebhookError::Forbidden(
                "api-key: not this channel's account".into(),
            ));
        }
        let id = field("messageId")
            .ok_or_else(|| WebhookError::Malformed("messageId: missing".into()))?;
        if !is_plain_id(id) {
            return Err(WebhookError::Malformed(
                "messageId: not a Vonage message id".into(),
            ));
        }
        // A receipt has a status and no text; an inbound message the other way round.
        if let (Some(status), None) = (field("status"), param(params, "text")) {
            return Ok(self.receipt(id, status, field("err-code")));
        }
        let from = field("msisdn")
            .filter(|from| from.len() <= 64)
            .ok_or_else(|| WebhookError::Malformed("msisdn: missing".into()))?;
        let text = param(params, "text").unwrap_or_default();
        if field("type") == Some("binary") {
            // Binary SMS (ringtones, WAP push) carry no text for a person: acknowledged and
            // dropped, or Vonage would retry it for a day.
            return Ok(Vec::new());
        }
        let phone = e164(from);
        let address = phone.clone().unwrap_or_else(|| from.to_owned());
        let mut sender = Sender::new(&self.scope, &address);
        if let Some(phone) = phone {
            sender = sender.with_phone(phone);
        }
        let message = InboundMessage::text(&self.name, id, sender, text);
        if field("concat") != Some("true") {
            if text.trim().is_empty() {
                return Err(WebhookError::Malformed("text: empty".into()));
            }
            return Ok(vec![InboundEvent::Message(message)]);
        }
        let number = |name: &str| {
            field(name)
                .and_then(|value| value.parse::<u32>().ok())
                .filter(|value| (1..=MAX_PARTS).contains(value))
                .ok_or_else(|| {
                    WebhookError::Malformed(format!("{name}: not a number from 1 to 255"))
                })
        };
        let total = number("concat-total")?;
        let index = number("concat-part")?;
        if index > total {
            return Err(WebhookError::Malformed(
                "concat-part: beyond concat-total".into(),
            ));
        }
        let reference = field("concat-ref")
            .filter(|reference| is_plain_id(reference))
            .ok_or_else(|| WebhookError::Malformed("concat-ref: missing".into()))?;
        // The reference is only unique per sender (it is one octet or two on the handset).
        let group = format!("{address}/{reference}");
        Ok(vec![InboundEvent::Part(MessagePart::new(
            message, group, index, total,
        ))])
    }

    fn receipt(&self, id: &str, status: &str, error_code: Option<&str>) -> Vec<InboundEvent> {
        let state = match status {
            "delivered" => DeliveryState::Delivered,
            "accepted" => DeliveryState::Sent,
            "failed" | "rejected" | "expired" => DeliveryState::Failed,
            // buffered, unknown: still on its way, or the carrier will not say.
            _ => return Vec::new(),
        };
        let mut update = DeliveryUpdate::new(&self.name, id, state);
        if state == DeliveryState::Failed {
            update.error = Some(match error_code {
                Some(code) => format!(
                    "Vonage {status}, error {}",
                    connector_sdk::text::clean_line(code)
                ),
                None => format!("Vonage {status}"),
            });
        }
        vec![InboundEvent::Delivery(update)]
    }

    fn outgoing_text(&self, text: &str) -> String {
        if self.config.transliterate {
            segments::transliterate(text)
        } else {
            text.to_owned()
        }
    }
}

/// Vonage's signature of webhook `params` (without `sig`): every parameter sorted by name
/// as `&name=value`, with `&` and `=` inside values replaced by `_`; then MD5 of that text
/// with the secret appended (`md5hash`), or an HMAC of it keyed with the secret. Lowercase
/// hex.
pub fn signature(method: SignatureMethod, secret: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut text = String::new();
    for (name, value) in sorted {
        text.push('&');
        text.push_str(name);
        text.push('=');
        text.push_str(&value.replace(['&', '='], "_"));
    }
    fn hmac_hex<M: Mac + hmac::digest::KeyInit>(secret: &str, text: &str) -> String {
        let mut mac = match <M as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes()) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
    match method {
        SignatureMethod::Md5hash => {
            use md5::Digest as _;
            let mut hasher = md5::Md5::new();
            hasher.update(text.as_bytes());
            hasher.update(secret.as_bytes());
            hex::encode(hasher.finalize())
        }
        SignatureMethod::Md5 => hmac_hex::<Hmac<md5::Md5>>(secret, &text),
        SignatureMethod::Sha1 => hmac_hex::<Hmac<sha1::Sha1>>(secret, &text),
        SignatureMethod::Sha256 => hmac_hex::<Hmac<sha2::Sha256>>(secret, &text),
        SignatureMethod::Sha512 => hmac_hex::<Hmac<sha2::Sha512>>(secret, &text),
    }
}

/// The parameters of a webhook body: JSON (an object of scalars) or a form.
fn body_params(
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<Vec<(String, String)>, WebhookError> {
    let kind = headers
        .get(http::header::CONTENT_TYPE)
        .map(|kind| kind.as_bytes().to_ascii_lowercase())
        .unwrap_or_default();
    if kind.starts_with(b"application/json") {
        let value: Value = serde_json::from_slice(body)
            .map_err(|err| WebhookError::Malformed(format!("not JSON: {err}")))?;
        let Value::Object(object) = value else {
            return Err(WebhookError::Malformed(
                "the JSON body is not an object".into(),
            ));
        };
        let mut params = Vec::with_capacity(object.len());
        for (name, value) in object {
            let text = match value {
                Value::String(text) => text,
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                Value::Null => String::new(),
                // Vonage's SMS webhooks are flat; a nested value is no field of theirs.
                Value::Array(_) | Value::Object(_) => continue,
            };
            params.push((name, text));
        }
        Ok(params)
    } else if kind.is_empty() || kind.starts_with(b"application/x-www-form-urlencoded") {
        parse_form(body).map_err(WebhookError::Malformed)
    } else {
        Err(WebhookError::Malformed(
            "Content-Type: Vonage posts JSON or a form".into(),
        ))
    }
}

/// Sorts a refused send for the dispatcher by Vonage's `status` code
/// (developer.vonage.com, SMS API error codes).
pub fn classify(status: &str, text: &str) -> ConnectorError {
    let reason = format!(
        "Vonage status {status}: {}",
        connector_sdk::text::clean_line(text)
    );
    match status {
        // Throttled; internal error; communication failed.
        "1" | "5" | "13" => ConnectorError::unavailable(reason, Some(Duration::from_secs(1))),
        // Invalid credentials; account barred.
        "4" | "8" | "9" => ConnectorError::Unauthorized,
        // Number barred (among others, opted out of this account); number deactivated.
        "7" | "33" => ConnectorError::Rejected {
            reason,
            unreachable: true,
        },
        _ => ConnectorError::rejected(reason),
    }
}

#[async_trait::async_trait]
impl Connector for Vonage {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Vonage
    }

    fn identity_scope(&self) -> String {
        self.scope.clone()
    }

    fn account_send_rate(&self) -> Option<f64> {
        Some(f64::from(self.config.messages_per_second.max(1)))
    }

    fn default_max_webhook_bytes(&self) -> Option<usize> {
        Some(64 * 1024)
    }

    fn keyword(&self, text: &str) -> Option<Keyword> {
        crate::keywords::classify(text)
    }

    fn text_cost(&self, text: &str) -> Option<TextCost> {
        Some(segments::count(&self.outgoing_text(text)))
    }

    fn parse_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        let params = body_params(headers, body)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .unwrap_or_default();
        self.verify(&params, now)?;
        self.events(&params)
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError> {
        let text = self.outgoing_text(&msg.text);
        if text.trim().is_empty() {
            return Err(ConnectorError::rejected(
                "nothing to send: SMS carries text only",
            ));
        }
        let to = msg.to.external_id.trim_start_matches('+');
        let unicode = !segments::is_gsm7(&text);
        let mut first_id = None;
        for part in split(&text, TEXT_LIMIT) {
            let mut form: Vec<(&str, &str)> = vec![
                ("api_key", &self.config.api_key),
                ("api_secret", &self.config.api_secret),
                ("from", self.config.from.trim_start_matches('+')),
                ("to", to),
                ("text", &part),
                ("client-ref", &msg.id),
            ];
            if unicode {
                form.push(("type", "unicode"));
            }
            if let Some(callback) = &self.callback {
                form.push(("callback", callback));
            }
            self.limiter.until_ready().await;
            let response = self
                .http
                .post(format!(
                    "{}/sms/json",
                    self.config.api_url.trim_end_matches('/')
                ))
                .form(&form)
                .send()
                .await
                .map_err(|err| ConnectorError::unavailable(err.without_url(), None))?;
            let id = read_response(response).await?;
            first_id = first_id.or(id);
        }
        Ok(Delivery::with_id(first_id))
    }
}

/// The first part's `message-id` of an accepted send, or the classified error. Vonage
/// answers 200 with a `status` per part; `"0"` is success.
async fn read_response(response: reqwest::Response) -> Result<Option<String>, ConnectorError> {
    let status = response.status().as_u16();
    if status == 429 || status >= 500 {
        return Err(ConnectorError::unavailable(
            format!("Vonage answered {status}"),
            None,
        ));
    }
    if status == 401 || status == 403 {
        return Err(ConnectorError::Unauthorized);
    }
    let body: Value = response.json().await.map_err(|err| {
        ConnectorError::rejected(format!(
            "unreadable Vonage answer ({status}): {}",
            err.without_url()
        ))
    })?;
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .filter(|messages| !messages.is_empty())
        .ok_or_else(|| {
            ConnectorError::rejected(format!("Vonage answered {status} without messages"))
        })?;
    let mut first_id = None;
    for message in messages {
        let code = match message.get("status") {
            Some(Value::String(code)) => code.clone(),
            Some(Value::Number(code)) => code.to_string(),
            _ => return Err(ConnectorError::rejected("Vonage answered without a status")),
        };
        if code != "0" {
            let text = message
                .get("error-text")
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Err(classify(&code, text));
        }
        if first_id.is_none() {
            first_id = message
                .get("message-id")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
    }
    Ok(first_id)
}

#[cfg(test)]
mod tests;
