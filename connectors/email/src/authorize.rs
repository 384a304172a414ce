//! `switchboard email authorize <channel>`: the operator's side of OAuth2, run once per
//! mailbox to obtain the refresh token that the channel then keeps (encrypted) and uses. Two
//! flows: the device-code flow (RFC 8628: a code typed on another device; Microsoft) and the
//! authorization-code flow with PKCE (RFC 7636: a URL opened in a browser, the redirect
//! pasted back; Gmail, whose device flow does not grant the mail scope).

use std::time::{Duration, Instant};

use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::Email;
use crate::oauth::{self, Grant, REFRESH_TOKEN, TokenError};

/// RFC 8628 §3.5: the poll interval when the server names none, and what `slow_down` adds.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// The device grant's type (RFC 8628 §3.4).
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The person running the command: shown instructions, asked for a line.
#[async_trait::async_trait]
pub trait Operator: Send {
    /// Shows a line of instructions.
    fn say(&mut self, text: &str);
    /// Asks for one line (the redirected URL or the code).
    async fn ask(&mut self, prompt: &str) -> std::io::Result<String>;
}

/// The terminal: instructions on stdout, answers from stdin.
#[derive(Debug, Default)]
pub struct Terminal;

#[async_trait::async_trait]
impl Operator for Terminal {
    fn say(&mut self, text: &str) {
        println!("{text}");
    }

    async fn ask(&mut self, prompt: &str) -> std::io::Result<String> {
        use std::io::Write;
        print!("{prompt}");
        std::io::stdout().flush()?;
        tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map(|_| line)
        })
        .await
        .map_err(std::io::Error::other)?
    }
}

/// Which flow to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// RFC 8628 device authorization (`oauth2.device_authorization_url`).
    Device,
    /// Authorization code with PKCE (`oauth2.authorization_url`).
    Code,
}

/// Why authorization did not end with a stored refresh token.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    #[error("channel {0} does not use auth = \"oauth2\"")]
    NotOauth(String),
    #[error(
        "channel {0} uses grant = \"client_credentials\": it signs in with the application's \
         own credentials and needs no authorization"
    )]
    ClientCredentials(String),
    #[error("{0}")]
    NoFlow(&'static str),
    #[error("the sign-in was declined ({0}); nothing was stored")]
    Denied(String),
    #[error("the code expired before the sign-in was completed; run the command again")]
    Expired,
    #[error(
        "the provider issued no refresh token (add the scope offline_access for Microsoft; \
         Google issues one with access_type=offline on the first consent)"
    )]
    NoRefreshToken,
    #[error("{0}")]
    BadAnswer(String),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("reading the answer: {0}")]
    Io(#[from] std::io::Error),
}

/// The device authorization answer (RFC 8628 §3.2; Google spells the URI `verification_url`).
#[derive(Deserialize)]
struct DeviceAnswer {
    device_code: Option<String>,
    user_code: Option<String>,
    #[serde(alias = "verification_url")]
    verification_uri: Option<String>,
    verification_uri_complete: Option<String>,
    expires_in: Option<u64>,
    interval: Option<u64>,
    error: Option<String>,
    error_description: Option<String>,
}

/// What to do after a poll's error code (RFC 8628 §3.5).
#[derive(Debug, PartialEq, Eq)]
enum Poll {
    /// Wait this long, then poll again.
    Wait(Duration),
    /// Stop with this error.
    Stop(String),
    Expired,
}

/// The next step after `error` while polling every `interval`.
fn after_poll(error: &str, interval: Duration) -> Poll {
    match error {
        "authorization_pending" => Poll::Wait(interval),
        "slow_down" => Poll::Wait(interval + SLOW_DOWN_STEP),
        "expired_token" => Poll::Expired,
        other => Poll::Stop(other.to_owned()),
    }
}

/// A PKCE verifier and its S256 challenge (RFC 7636 §4.1-4.2).
fn pkce() -> (String, String) {
    let verifier = random_token();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// 32 random bytes, base64url: 43 characters of the unreserved set.
fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The `code` in what the operator pasted: the redirected URL (its `state` checked, an
/// `error` reported) or the bare code.
fn code_from(pasted: &str, state: &str) -> Result<String, AuthorizeError> {
    let pasted = pasted.trim();
    let Ok(url) = reqwest::Url::parse(pasted) else {
        return if pasted.is_empty() {
            Err(AuthorizeError::BadAnswer("no code was given".into()))
        } else {
            Ok(pasted.to_owned())
        };
    };
    let find = |key: &str| {
        url.query_pairs()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.into_owned())
    };
    if let Some(error) = find("error") {
        return Err(AuthorizeError::Denied(connector_sdk::text::clean_line(
            &error,
        )));
    }
    if find("state").as_deref() != Some(state) {
        return Err(AuthorizeError::BadAnswer(
            "the redirected address carries another state: it is not the answer to this sign-in"
                .into(),
        ));
    }
    find("code")
        .ok_or_else(|| AuthorizeError::BadAnswer("the redirected address carries no code".into()))
}

impl Email {
    /// Runs an OAuth2 flow with the operator and stores the refresh token (encrypted). The
    /// flow is `flow`, else the device flow when configured, else the authorization code.
    ///
    /// # Errors
    /// An [`AuthorizeError`] saying what went wrong; nothing is stored then.
    pub async fn authorize(
        &self,
        flow: Option<Flow>,
        operator: &mut dyn Operator,
    ) -> Result<(), AuthorizeError> {
        let tokens = self
            .tokens
            .as_ref()
            .ok_or_else(|| AuthorizeError::NotOauth(self.name.clone()))?;
        let settings = tokens.settings();
        if settings.grant == Grant::ClientCredentials {
            return Err(AuthorizeError::ClientCredentials(self.name.clone()));
        }
        let flow = match flow {
            Some(flow) => flow,
            None if settings.device_authorization_url.is_some() => Flow::Device,
            None if settings.authorization_url.is_some() => Flow::Code,
            None => {
                return Err(AuthorizeError::NoFlow(
                    "oauth2.device_authorization_url or oauth2.authorization_url: set one to \
                     authorize the channel",
                ));
            }
        };
        let poster = oauth::poster().map_err(|err| AuthorizeError::BadAnswer(err.to_string()))?;
        let refresh_token = match flow {
            Flow::Device => self.device_flow(&poster, operator).await?,
            Flow::Code => self.code_flow(&poster, operator).await?,
        };
        tokens
            .secrets()?
            .put_secret(&self.name, REFRESH_TOKEN, &refresh_token)
            .await
            .map_err(TokenError::from)?;
        operator.say(&format!(
            "Authorized: the refresh token of channel {} is stored (encrypted). A running \
             service picks it up at its next sign-in.",
            self.name
        ));
        Ok(())
    }

    fn client_fields<'a>(&'a self, fields: &mut Vec<(&'static str, &'a str)>) {
        if let Some(tokens) = &self.tokens {
            let settings = tokens.settings();
            fields.push(("client_id", settings.client_id.as_str()));
            if let Some(secret) = &settings.client_secret {
                fields.push(("client_secret", secret.as_str()));
            }
        }
    }

    async fn device_flow(
        &self,
        poster: &connector_sdk::net::FormPoster,
        operator: &mut dyn Operator,
    ) -> Result<String, AuthorizeError> {
        let settings = self
            .tokens
            .as_ref()
            .ok_or_else(|| AuthorizeError::NotOauth(self.name.clone()))?
            .settings();
        let url = settings
            .device_authorization_url
            .as_ref()
            .ok_or(AuthorizeError::NoFlow(
                "oauth2.device_authorization_url: required for the device flow",
            ))?;
        let mut fields = Vec::new();
        self.client_fields(&mut fields);
        if !settings.scope.is_empty() {
            fields.push(("scope", settings.scope.as_str()));
        }
        let answer = poster
            .post(url, &fields)
            .await
            .map_err(|err| TokenError::Endpoint(err.to_string()))?;
        let device: DeviceAnswer = serde_json::from_slice(&answer.body).map_err(|_| {
            TokenError::Endpoint(format!(
                "the device endpoint answered {} without JSON",
                answer.status
            ))
        })?;
        if let Some(error) = device.error {
            return Err(AuthorizeError::BadAnswer(format!(
                "the device endpoint refused: {}{}",
                connector_sdk::text::clean_line(&error),
                device
                    .error_description
                    .map(|text| format!(": {}", connector_sdk::text::clean_line(&text)))
                    .unwrap_or_default()
            )));
        }
        let (Some(device_code), Some(user_code), Some(uri)) = (
            device.device_code,
            device.user_code,
            device.verification_uri,
        ) else {
            return Err(AuthorizeError::BadAnswer(
                "the device endpoint's answer lacks device_code, user_code or verification_uri"
                    .into(),
            ));
        };
        operator.say(&format!(
            "To sign in, open {} and enter the code {}",
            connector_sdk::text::clean_line(&uri),
            connector_sdk::text::clean_line(&user_code)
        ));
        if let Some(complete) = device.verification_uri_complete {
            operator.say(&format!(
                "(or open {} directly)",
                connector_sdk::text::clean_line(&complete)
            ));
        }
        operator.say("Waiting for the sign-in to complete…");
        let deadline = Instant::now() + Duration::from_secs(device.expires_in.unwrap_or(900));
        let mut interval = device
            .interval
            .map_or(DEFAULT_INTERVAL, Duration::from_secs);
        loop {
            if Instant::now() + interval > deadline {
                return Err(AuthorizeError::Expired);
            }
            tokio::time::sleep(interval).await;
            let mut fields = vec![
                ("grant_type", DEVICE_GRANT),
                ("device_code", device_code.as_str()),
            ];
            self.client_fields(&mut fields);
            let answer = oauth::post(poster, &settings.token_url, &fields).await?;
            if answer.status.is_success() && answer.body.access_token.is_some() {
                return answer
                    .body
                    .refresh_token
                    .ok_or(AuthorizeError::NoRefreshToken);
            }
            let error = answer
                .body
                .error
                .unwrap_or_else(|| answer.status.to_string());
            match after_poll(&error, interval) {
                Poll::Wait(next) => interval = next,
                Poll::Expired => return Err(AuthorizeError::Expired),
                Poll::Stop(error) => {
                    return Err(AuthorizeError::Denied(connector_sdk::text::clean_line(
                        &error,
                    )));
                }
            }
        }
    }

    async fn code_flow(
        &self,
        poster: &connector_sdk::net::FormPoster,
        operator: &mut dyn Operator,
    ) -> Result<String, AuthorizeError> {
        let settings = self
            .tokens
            .as_ref()
            .ok_or_else(|| AuthorizeError::NotOauth(self.name.clone()))?
            .settings();
        let mut url = settings
            .authorization_url
            .clone()
            .ok_or(AuthorizeError::NoFlow(
                "oauth2.authorization_url: required for the authorization-code flow",
            ))?;
        let (verifier, challenge) = pkce();
        let state = random_token();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &settings.client_id)
            .append_pair("redirect_uri", &settings.redirect_uri)
            .append_pair("scope", settings.scope.as_str())
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &state)
            // Google issues a refresh token only for offline access, and again only when
            // asked to show the consent; other providers ignore both.
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent");
        operator.say(&format!(
            "Open this address in a browser and sign in:\n{url}"
        ));
        operator.say(&format!(
            "The browser is then sent to {} (the page may fail to load; that is expected).",
            settings.redirect_uri
        ));
        let pasted = operator
            .ask("Paste the address it went to (or just the code): ")
            .await?;
        let code = code_from(&pasted, &state)?;
        let mut fields = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", settings.redirect_uri.as_str()),
            ("code_verifier", verifier.as_str()),
        ];
        self.client_fields(&mut fields);
        let answer = oauth::post(poster, &settings.token_url, &fields).await?;
        if !answer.status.is_success() || answer.body.access_token.is_none() {
            let error = answer
                .body
                .error
                .unwrap_or_else(|| answer.status.to_string());
            return Err(AuthorizeError::Denied(connector_sdk::text::clean_line(
                &error,
            )));
        }
        answer
            .body
            .refresh_token
            .ok_or(AuthorizeError::NoRefreshToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_honours_pending_slow_down_and_expiry() {
        let second = Duration::from_secs(1);
        assert_eq!(
            after_poll("authorization_pending", second),
            Poll::Wait(second)
        );
        assert_eq!(
            after_poll("slow_down", second),
            Poll::Wait(Duration::from_secs(6))
        );
        assert_eq!(after_poll("expired_token", second), Poll::Expired);
        assert_eq!(
            after_poll("access_denied", second),
            Poll::Stop("access_denied".into())
        );
    }

    #[test]
    fn pkce_challenge_is_the_s256_of_the_verifier() {
        let (verifier, challenge) = pkce();
        assert_eq!(verifier.len(), 43);
        assert!(
            verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        // RFC 7636 Appendix B.
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(
            b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ));
        assert_eq!(expected, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(
            challenge,
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(verifier.as_bytes()))
        );
    }

    #[test]
    fn the_code_is_read_from_the_redirect_or_as_typed() {
        assert_eq!(
            code_from("http://localhost/?code=4%2F0Ab&state=s1&scope=x", "s1").unwrap(),
            "4/0Ab"
        );
        assert_eq!(code_from("  4/0Ab-code \n", "s1").unwrap(), "4/0Ab-code");
        assert!(matches!(
            code_from("http://localhost/?code=c&state=other", "s1"),
            Err(AuthorizeError::BadAnswer(_))
        ));
        assert!(matches!(
            code_from("http://localhost/?error=access_denied&state=s1", "s1"),
            Err(AuthorizeError::Denied(reason)) if reason == "access_denied"
        ));
        assert!(code_from("", "s1").is_err());
    }
}
