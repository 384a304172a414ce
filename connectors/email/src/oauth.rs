//! OAuth2 for IMAP and SMTP (Microsoft 365, Outlook.com, Gmail): the `[channels.oauth2]`
//! settings, the access tokens the IMAP listener and the SMTP sender share (fetched from the
//! token endpoint and refreshed before they expire), and the SASL strings of XOAUTH2 and
//! OAUTHBEARER (RFC 7628). The operator's flows that obtain the refresh token are in
//! [`crate::authorize`].
//!
//! The refresh token is kept in the core's secret store (encrypted at rest) under the
//! channel's name, never in logs; an endpoint that rotates it (Microsoft does) has the new
//! one stored at once.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use connector_sdk::ConnectorError;
use connector_sdk::net::{FetchLimits, FormPoster};
use connector_sdk::secrets::Secrets;
use serde::Deserialize;

/// The name the refresh token is stored under (the owner is the channel's name).
pub const REFRESH_TOKEN: &str = "oauth2_refresh_token";

/// Largest answer read from a token endpoint.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// Longest a token endpoint may take to answer.
const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(30);
/// An access token is renewed this long before it expires at most (less for short-lived
/// tokens: a fifth of their lifetime), so no command starts with one about to lapse.
const RENEW_MARGIN: Duration = Duration::from_secs(60);
/// The lifetime assumed when an endpoint does not say (`expires_in` is only RECOMMENDED).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// How the channel signs in to IMAP and SMTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// `imap_password` / `smtp_password`.
    #[default]
    Password,
    /// Access tokens from `[channels.oauth2]`.
    Oauth2,
}

/// How access tokens are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// A refresh token, obtained once with `switchboard email authorize` (Gmail, delegated
    /// Microsoft accounts).
    #[default]
    RefreshToken,
    /// The application's own credentials (Microsoft's app-only access): no operator flow.
    ClientCredentials,
}

/// The SASL mechanism on IMAP (SMTP always uses XOAUTH2: lettre has no OAUTHBEARER).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mechanism {
    /// Google's and Microsoft's `XOAUTH2`.
    #[default]
    Xoauth2,
    /// RFC 7628 `OAUTHBEARER`.
    Oauthbearer,
}

/// Scopes as one space-separated string or a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Scopes {
    One(String),
    Many(Vec<String>),
}

impl Default for Scopes {
    fn default() -> Self {
        Scopes::Many(Vec::new())
    }
}

/// `[channels.oauth2]` of an email channel with `auth = "oauth2"`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthConfig {
    /// The token endpoint (`https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`).
    pub token_url: String,
    pub client_id: String,
    /// Absent for public clients (device-code flow with a native app registration).
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    scopes: Scopes,
    #[serde(default)]
    pub grant: Grant,
    #[serde(default)]
    pub mechanism: Mechanism,
    /// RFC 8628 device authorization endpoint, for `switchboard email authorize`.
    #[serde(default)]
    pub device_authorization_url: Option<String>,
    /// The authorization endpoint of the authorization-code flow (with PKCE).
    #[serde(default)]
    pub authorization_url: Option<String>,
    /// Where the provider sends the browser back in the authorization-code flow; the
    /// operator copies that address (or its `code`) into the terminal.
    #[serde(default = "redirect_uri")]
    pub redirect_uri: String,
}

fn redirect_uri() -> String {
    "http://localhost".into()
}

/// Validated OAuth2 settings.
#[derive(Debug, Clone)]
pub(crate) struct OAuthSettings {
    pub token_url: reqwest::Url,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Space-separated.
    pub scope: String,
    pub grant: Grant,
    pub mechanism: Mechanism,
    pub device_authorization_url: Option<reqwest::Url>,
    pub authorization_url: Option<reqwest::Url>,
    pub redirect_uri: String,
}

fn endpoint(value: &str, key: &'static str) -> Result<reqwest::Url, ConnectorError> {
    reqwest::Url::parse(value.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        .ok_or(ConnectorError::Config(key))
}

impl OAuthConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// `Unsupported` naming the key.
    pub(crate) fn validate(&self) -> Result<OAuthSettings, ConnectorError> {
        let token_url = endpoint(&self.token_url, "oauth2.token_url: not an http(s) URL")?;
        if self.client_id.trim().is_empty() {
            return Err(ConnectorError::Config(
                "oauth2.client_id: must not be empty",
            ));
        }
        let client_secret = self
            .client_secret
            .clone()
            .filter(|secret| !secret.is_empty());
        if self.grant == Grant::ClientCredentials && client_secret.is_none() {
            return Err(ConnectorError::Config(
                "oauth2.client_secret: required with grant = \"client_credentials\"",
            ));
        }
        let scope = match &self.scopes {
            Scopes::One(scope) => scope.split_whitespace().collect::<Vec<_>>().join(" "),
            Scopes::Many(scopes) => scopes
                .iter()
                .map(|scope| scope.trim())
                .filter(|scope| !scope.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        };
        let device_authorization_url = self
            .device_authorization_url
            .as_deref()
            .map(|url| endpoint(url, "oauth2.device_authorization_url: not an http(s) URL"))
            .transpose()?;
        let authorization_url = self
            .authorization_url
            .as_deref()
            .map(|url| endpoint(url, "oauth2.authorization_url: not an http(s) URL"))
            .transpose()?;
        Ok(OAuthSettings {
            token_url,
            client_id: self.client_id.trim().to_owned(),
            client_secret,
            scope,
            grant: self.grant,
            mechanism: self.mechanism,
            device_authorization_url,
            authorization_url,
            redirect_uri: self.redirect_uri.clone(),
        })
    }
}

/// `user=<u>^Aauth=Bearer <t>^A^A`: the XOAUTH2 initial response (before base64).
pub fn xoauth2(user: &str, token: &str) -> String {
    format!("user={user}\x01auth=Bearer {token}\x01\x01")
}

/// The RFC 7628 OAUTHBEARER initial response (before base64): a GS2 header naming the user
/// (`,` and `=` escaped as RFC 5801 says), then host, port and the bearer token.
pub fn oauthbearer(user: &str, host: &str, port: u16, token: &str) -> String {
    let authzid = user.replace('=', "=3D").replace(',', "=2C");
    format!("n,a={authzid},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01")
}

/// Why no access token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// No refresh token is stored: the operator has not authorized the channel yet.
    #[error(
        "no OAuth2 refresh token is stored for channel {0}: run `switchboard email authorize {0}`"
    )]
    NotAuthorized(String),
    /// The endpoint refused the grant (`invalid_grant`: revoked or expired refresh token,
    /// `invalid_client`: wrong client secret).
    #[error("the OAuth2 token endpoint refused channel {channel}'s {what} ({code}{detail}){hint}")]
    Refused {
        channel: String,
        what: &'static str,
        code: String,
        detail: String,
        hint: &'static str,
    },
    /// The endpoint could not be reached or answered nonsense: try again later.
    #[error("the OAuth2 token endpoint failed: {0}")]
    Endpoint(String),
    /// The secret store failed.
    #[error(transparent)]
    Secrets(#[from] connector_sdk::secrets::SecretError),
}

impl TokenError {
    /// True when an operator must act (authorize again, fix the client).
    pub fn needs_operator(&self) -> bool {
        matches!(
            self,
            TokenError::NotAuthorized(_) | TokenError::Refused { .. }
        )
    }

    /// The error as a listener failure: its text is the channel's error in the API.
    pub(crate) fn into_connector_error(self) -> ConnectorError {
        ConnectorError::unavailable(self, None)
    }
}

/// A token endpoint's answer (RFC 6749 §5.1 and §5.2).
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    pub access_token: Option<String>,
    pub expires_in: Option<u64>,
    pub refresh_token: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A token endpoint's answer with its status.
pub(crate) struct Answer {
    pub status: reqwest::StatusCode,
    pub body: TokenAnswer,
}

/// Posts a form to an OAuth2 endpoint and reads the JSON answer, errors included.
pub(crate) async fn post(
    poster: &FormPoster,
    url: &reqwest::Url,
    fields: &[(&str, &str)],
) -> Result<Answer, TokenError> {
    let answer = poster
        .post(url, fields)
        .await
        .map_err(|err| TokenError::Endpoint(err.to_string()))?;
    let body: TokenAnswer = serde_json::from_slice(&answer.body).map_err(|_| {
        TokenError::Endpoint(format!(
            "answered {} without an OAuth2 JSON body",
            answer.status
        ))
    })?;
    Ok(Answer {
        status: answer.status,
        body,
    })
}

pub(crate) fn poster() -> Result<FormPoster, ConnectorError> {
    FormPoster::new(FetchLimits {
        max_bytes: MAX_ANSWER_BYTES,
        timeout: ENDPOINT_TIMEOUT,
    })
    .map_err(|_| ConnectorError::Unsupported("oauth2: the HTTP client cannot start"))
}

/// An access token and when to renew it.
struct Access {
    token: String,
    renew_at: Instant,
}

/// The channel's access tokens, shared by its IMAP listener and SMTP sender.
pub(crate) struct Tokens {
    channel: String,
    settings: OAuthSettings,
    poster: FormPoster,
    secrets: OnceLock<Secrets>,
    /// Held while a token is fetched, so concurrent users wait for one refresh.
    current: tokio::sync::Mutex<Option<Access>>,
}

impl Tokens {
    pub(crate) fn new(channel: &str, settings: OAuthSettings) -> Result<Self, ConnectorError> {
        Ok(Self {
            channel: channel.to_owned(),
            settings,
            poster: poster()?,
            secrets: OnceLock::new(),
            current: tokio::sync::Mutex::new(None),
        })
    }

    pub(crate) fn settings(&self) -> &OAuthSettings {
        &self.settings
    }

    pub(crate) fn use_secrets(&self, secrets: Secrets) {
        // Called once at start-up; a second call keeps the first store.
        let _ = self.secrets.set(secrets);
    }

    pub(crate) fn secrets(&self) -> Result<&Secrets, TokenError> {
        self.secrets.get().ok_or_else(|| {
            TokenError::Secrets(connector_sdk::secrets::SecretError(
                "the channel was not given the secret store".into(),
            ))
        })
    }

    /// A valid access token: the current one, or a new one when it is due for renewal.
    ///
    /// # Errors
    /// A [`TokenError`]; its text is shown to the operator.
    pub(crate) async fn access_token(&self) -> Result<String, TokenError> {
        let mut current = self.current.lock().await;
        if let Some(access) = current.as_ref()
            && Instant::now() < access.renew_at
        {
            return Ok(access.token.clone());
        }
        let access = self.fetch().await?;
        let token = access.token.clone();
        *current = Some(access);
        Ok(token)
    }

    /// The server refused `token` (revoked, or expired before its time): it is not used again.
    pub(crate) async fn refused(&self, token: &str) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|access| access.token == token) {
            *current = None;
        }
    }

    async fn fetch(&self) -> Result<Access, TokenError> {
        let settings = &self.settings;
        let refresh_token = match settings.grant {
            Grant::RefreshToken => Some(
                self.secrets()?
                    .secret(&self.channel, REFRESH_TOKEN)
                    .await?
                    .ok_or_else(|| TokenError::NotAuthorized(self.channel.clone()))?,
            ),
            Grant::ClientCredentials => None,
        };
        let mut fields: Vec<(&str, &str)> = vec![("client_id", settings.client_id.as_str())];
        if let Some(secret) = &settings.client_secret {
            fields.push(("client_secret", secret.as_str()));
        }
        match &refresh_token {
            Some(refresh_token) => {
                fields.push(("grant_type", "refresh_token"));
                fields.push(("refresh_token", refresh_token.as_str()));
            }
            None => fields.push(("grant_type", "client_credentials")),
        }
        if !settings.scope.is_empty() {
            fields.push(("scope", settings.scope.as_str()));
        }
        let answer = post(&self.poster, &settings.token_url, &fields).await?;
        let body = answer.body;
        let Some(access_token) = body.access_token.filter(|_| answer.status.is_success()) else {
            return Err(match body.error {
                Some(code) if answer.status.is_client_error() => TokenError::Refused {
                    channel: self.channel.clone(),
                    what: if refresh_token.is_some() {
                        "refresh token"
                    } else {
                        "client credentials"
                    },
                    detail: body
                        .error_description
                        .map(|text| format!(": {}", connector_sdk::text::clean_line(&text)))
                        .unwrap_or_default(),
                    hint: if refresh_token.is_some() && code == "invalid_grant" {
                        "; run `switchboard email authorize` for the channel again"
                    } else {
                        ""
                    },
                    code: connector_sdk::text::clean_line(&code),
                },
                _ => TokenError::Endpoint(format!("answered {} without a token", answer.status)),
            });
        };
        if let (Some(old), Some(new)) = (&refresh_token, &body.refresh_token)
            && old != new
        {
            // Rotation: the old token may stop working at once (Microsoft), so the new one
            // must be kept before the access token is used.
            self.secrets()?
                .put_secret(&self.channel, REFRESH_TOKEN, new)
                .await?;
            tracing::info!(channel = %self.channel, "stored the rotated OAuth2 refresh token");
        }
        let lifetime = body
            .expires_in
            .map_or(DEFAULT_LIFETIME, Duration::from_secs);
        let margin = RENEW_MARGIN.min(lifetime / 5);
        tracing::debug!(channel = %self.channel, lifetime_secs = lifetime.as_secs(), "fetched an OAuth2 access token");
        Ok(Access {
            token: access_token,
            renew_at: Instant::now() + lifetime.saturating_sub(margin),
        })
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    #[test]
    fn xoauth2_is_user_and_bearer_between_ctrl_a() {
        let raw = xoauth2("support@example.com", "ya29.token");
        assert_eq!(
            raw,
            "user=support@example.com\u{1}auth=Bearer ya29.token\u{1}\u{1}"
        );
        // The example of Google's XOAUTH2 documentation, base64 as sent on the wire.
        let encoded = base64::engine::general_purpose::STANDARD.encode(xoauth2(
            "someuser@example.com",
            "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
        ));
        assert_eq!(
            encoded,
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
        );
    }

    #[test]
    fn oauthbearer_follows_rfc_7628() {
        // RFC 7628 §4.1's example, with its token.
        assert_eq!(
            oauthbearer(
                "user@example.com",
                "server.example.com",
                143,
                "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
            ),
            "n,a=user@example.com,\u{1}host=server.example.com\u{1}port=143\u{1}auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\u{1}\u{1}"
        );
        // GS2 escaping of the authorization identity.
        assert!(oauthbearer("a,b=c", "h", 993, "t").starts_with("n,a=a=2Cb=3Dc,\u{1}"));
    }

    fn config(toml_text: &str) -> Result<OAuthSettings, String> {
        let config: OAuthConfig = toml::from_str(toml_text).map_err(|err| err.to_string())?;
        config.validate().map_err(|err| err.to_string())
    }

    #[test]
    fn settings_are_checked_naming_the_key() {
        let ok = config(
            "token_url = \"https://login.microsoftonline.com/t/oauth2/v2.0/token\"\n\
             client_id = \"app\"\nscopes = \"https://outlook.office.com/IMAP.AccessAsUser.All  offline_access\"",
        )
        .unwrap();
        assert_eq!(
            ok.scope,
            "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
        );
        assert_eq!(ok.grant, Grant::RefreshToken);
        assert_eq!(ok.mechanism, Mechanism::Xoauth2);
        let listed = config(
            "token_url = \"https://oauth2.googleapis.com/token\"\nclient_id = \"c\"\n\
             scopes = [\"https://mail.google.com/\"]\nmechanism = \"oauthbearer\"",
        )
        .unwrap();
        assert_eq!(listed.scope, "https://mail.google.com/");
        assert_eq!(listed.mechanism, Mechanism::Oauthbearer);

        let missing = config("client_id = \"c\"").unwrap_err();
        assert!(missing.contains("token_url"), "{missing}");
        let bad_url = config("token_url = \"login.example\"\nclient_id = \"c\"").unwrap_err();
        assert!(bad_url.contains("oauth2.token_url"), "{bad_url}");
        let no_secret = config(
            "token_url = \"https://t.example/token\"\nclient_id = \"c\"\ngrant = \"client_credentials\"",
        )
        .unwrap_err();
        assert!(no_secret.contains("oauth2.client_secret"), "{no_secret}");
        let unknown = config(
            "token_url = \"https://t.example/token\"\nclient_id = \"c\"\nrefresh_tokn = \"x\"",
        )
        .unwrap_err();
        assert!(unknown.contains("refresh_tokn"), "{unknown}");
    }
}
