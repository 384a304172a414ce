//! The email channel: IMAP IDLE inbound with a UID/UIDVALIDITY checkpoint, raw RFC 5322 mail
//! over `POST /hooks/{channel}` for MTAs and providers, SMTP outbound through lettre's pooled
//! transport. Owns the mail protocols and formats; threading lookups are left to the core
//! through [`connector_sdk::Threading`] hints.

pub mod address;
pub mod authorize;
pub use connector_sdk::blobs;
pub mod body;
pub mod bounce;
pub mod convert;
#[cfg(test)]
mod fuzz_props;
mod imap;
pub mod loops;
pub mod oauth;
pub mod outbound;
pub mod spool;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine;
use connector_sdk::{
    Attachment, AttachmentData, ChannelKind, Connector, ConnectorError, Delivery, InboundEvent,
    Inbox, OutboundMessage, WebhookError,
};
use hmac::{Hmac, Mac};
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;

use crate::address::Signer;
use crate::blobs::BlobStore;
use crate::convert::Reader;
use crate::oauth::{AuthMode, TokenError, Tokens};
use crate::outbound::Writer;

pub use crate::imap::{checkpoint_key, parse_checkpoint};

/// The header of an HMAC-signed hook request (the same scheme as the webhook channel).
pub const SIGNATURE_HEADER: &str = "x-switchboard-signature";

/// How a connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Implicit,
    /// Plain, then upgraded with STARTTLS, which must succeed (IMAP 143, SMTP 587).
    Starttls,
    /// No encryption: only for a relay on the same host or loopback tests.
    None,
}

/// `[[channels]]` keys of an `email` channel.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The support address customers write to (`support@example.com`).
    pub address: String,
    /// The name shown in From (agents appear as "Alice from Display name"); defaults to the
    /// address.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The domain of our Message-IDs and signed reply addresses (usually the address's).
    pub domain: String,
    /// Signs reply addresses and authenticates `POST /hooks/{channel}`.
    pub secret: String,
    /// IMAP server; without it the channel receives mail only through its hook.
    #[serde(default)]
    pub imap_host: Option<String>,
    #[serde(default)]
    pub imap_port: Option<u16>,
    #[serde(default = "implicit")]
    pub imap_tls: TlsMode,
    /// Defaults to `address`.
    #[serde(default)]
    pub imap_user: Option<String>,
    /// With `auth = "password"` (the default).
    #[serde(default)]
    pub imap_password: Option<String>,
    #[serde(default = "inbox")]
    pub imap_folder: String,
    /// SMTP server; without it the channel only receives (replies are refused with a reason).
    #[serde(default)]
    pub smtp_host: Option<String>,
    #[serde(default)]
    pub smtp_port: Option<u16>,
    #[serde(default = "starttls")]
    pub smtp_tls: TlsMode,
    #[serde(default)]
    pub smtp_user: Option<String>,
    #[serde(default)]
    pub smtp_password: Option<String>,
    /// How the channel signs in to IMAP and SMTP: `password` (the default) or `oauth2`.
    #[serde(default)]
    pub auth: AuthMode,
    /// `[channels.oauth2]`: the token endpoint and client, with `auth = "oauth2"`.
    #[serde(default)]
    pub oauth2: Option<oauth::OAuthConfig>,
    /// Extra trusted certificates (PEM) for IMAP and SMTP, for servers with a private CA;
    /// the public web roots are always trusted.
    #[serde(default)]
    pub tls_ca_file: Option<PathBuf>,
    /// Where attachments are stored, content-addressed.
    #[serde(default = "blob_dir")]
    pub blob_dir: PathBuf,
    /// Larger attachments are recorded (name, type, size) but their bytes are not kept.
    #[serde(default = "max_attachment_bytes")]
    pub max_attachment_bytes: usize,
    /// How long one IMAP IDLE lasts before it is renewed (RFC 2177: under 29 minutes).
    #[serde(default = "idle_secs")]
    pub idle_secs: u64,
    /// How often a server without IDLE is polled.
    #[serde(default = "poll_secs")]
    pub poll_secs: u64,
}

fn implicit() -> TlsMode {
    TlsMode::Implicit
}
fn starttls() -> TlsMode {
    TlsMode::Starttls
}
fn inbox() -> String {
    "INBOX".into()
}
fn blob_dir() -> PathBuf {
    PathBuf::from("switchboard-blobs")
}
fn max_attachment_bytes() -> usize {
    25 * 1024 * 1024
}
fn idle_secs() -> u64 {
    20 * 60
}
fn poll_secs() -> u64 {
    60
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("address", &self.address)
            .field("imap_host", &self.imap_host)
            .field("smtp_host", &self.smtp_host)
            .finish_non_exhaustive()
    }
}

/// Resolved IMAP settings.
#[derive(Debug, Clone)]
struct ImapSettings {
    host: String,
    port: u16,
    tls: TlsMode,
    user: String,
    /// `None` with OAuth2.
    password: Option<String>,
    folder: String,
}

/// A configured mailbox.
pub struct Email {
    name: String,
    config: Config,
    imap: Option<ImapSettings>,
    signer: Signer,
    blobs: BlobStore,
    own: Vec<String>,
    /// The certificates of `tls_ca_file`, DER.
    extra_roots: Vec<Vec<u8>>,
    /// `None` for a channel that only receives.
    smtp_builder: Option<AsyncSmtpTransportBuilder>,
    /// Built on first send: the pool needs a running Tokio runtime (and so does dropping it),
    /// while connectors are also built outside one (config checks).
    smtp: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
    /// With OAuth2: the access tokens IMAP and SMTP share.
    tokens: Option<Arc<Tokens>>,
    /// With OAuth2: the SASL user on SMTP.
    smtp_oauth_user: String,
    /// With OAuth2: the transport signed in with the current access token (lettre fixes
    /// credentials per transport, so a new token gets a new transport and pool).
    smtp_oauth: Mutex<Option<(String, AsyncSmtpTransport<Tokio1Executor>)>>,
    /// One permit per pooled SMTP session. lettre's pool caps only the idle connections it
    /// keeps and opens a new one for every send that finds none idle, so a campaign sending
    /// hundreds at once would open hundreds of sessions to the relay (which limits them per
    /// client); here sends wait their turn for one of the pooled sessions instead.
    sessions: tokio::sync::Semaphore,
}

/// SMTP sessions kept open to the relay at most.
const SMTP_SESSIONS: u32 = 8;

impl Email {
    /// Builds channel `name` from its config.
    ///
    /// # Errors
    /// `Unsupported` naming the key when the config cannot work.
    pub fn new(name: impl Into<String>, config: Config) -> Result<Self, ConnectorError> {
        let name = name.into();
        if !config.address.contains('@') || config.address.parse::<lettre::Address>().is_err() {
            return Err(ConnectorError::Config("address: not an email address"));
        }
        if config.domain.trim().is_empty() || config.domain.contains(['@', ' ']) {
            return Err(ConnectorError::Config("domain: not a domain name"));
        }
        if config.secret.len() < 16 {
            return Err(ConnectorError::Config(
                "secret: use at least 16 characters (it signs reply addresses)",
            ));
        }
        let tokens = match (config.auth, &config.oauth2) {
            (AuthMode::Password, None) => None,
            (AuthMode::Password, Some(_)) => {
                return Err(ConnectorError::Config(
                    "oauth2: only used with auth = \"oauth2\"",
                ));
            }
            (AuthMode::Oauth2, None) => {
                return Err(ConnectorError::Config(
                    "oauth2: required with auth = \"oauth2\" (a table with token_url and client_id)",
                ));
            }
            (AuthMode::Oauth2, Some(oauth)) => {
                if config.imap_password.is_some() {
                    return Err(ConnectorError::Config(
                        "imap_password: not used with auth = \"oauth2\"; remove it",
                    ));
                }
                if config.smtp_password.is_some() {
                    return Err(ConnectorError::Config(
                        "smtp_password: not used with auth = \"oauth2\"; remove it",
                    ));
                }
                Some(Arc::new(Tokens::new(&name, oauth.validate()?)?))
            }
        };
        let imap = match &config.imap_host {
            Some(host) => Some(ImapSettings {
                host: host.clone(),
                port: config.imap_port.unwrap_or(match config.imap_tls {
                    TlsMode::Implicit => 993,
                    TlsMode::Starttls | TlsMode::None => 143,
                }),
                tls: config.imap_tls,
                user: config
                    .imap_user
                    .clone()
                    .unwrap_or_else(|| config.address.clone()),
                password: match tokens {
                    Some(_) => None,
                    None => Some(config.imap_password.clone().ok_or(ConnectorError::Config(
                        "imap_password: required with imap_host",
                    ))?),
                },
                folder: config.imap_folder.clone(),
            }),
            None => None,
        };
        let extra_roots = match &config.tls_ca_file {
            Some(path) => read_roots(path)?,
            None => Vec::new(),
        };
        let smtp_builder = match config.smtp_host.as_deref() {
            Some(host) => Some(smtp_builder(host, &config, &extra_roots)?),
            None => None,
        };
        let signer = Signer::new(config.secret.as_bytes(), &config.address, &config.domain);
        let blobs = BlobStore::new(config.blob_dir.clone());
        if let Some(warning) = blobs.exposure_warning() {
            tracing::warn!("{warning}");
        }
        let smtp_oauth_user = config
            .smtp_user
            .clone()
            .unwrap_or_else(|| config.address.clone());
        Ok(Self {
            name,
            tokens,
            smtp_oauth_user,
            smtp_oauth: Mutex::new(None),
            own: vec![config.address.to_ascii_lowercase()],
            blobs,
            imap,
            signer,
            extra_roots,
            smtp_builder,
            smtp: OnceLock::new(),
            sessions: tokio::sync::Semaphore::new(SMTP_SESSIONS as usize),
            config,
        })
    }

    fn reader(&self) -> Reader<'_> {
        Reader {
            channel: &self.name,
            scope: ChannelKind::Email.as_str(),
            signer: &self.signer,
            own: &self.own,
            blobs: &self.blobs,
            max_attachment_bytes: self.config.max_attachment_bytes,
            spooled: None,
        }
    }

    /// True when the hook request carries the channel secret: `Authorization: Bearer`, HTTP
    /// Basic with the secret as password (providers' inbound routes put it in the URL), or an
    /// HMAC of the body in `X-Switchboard-Signature`.
    fn is_authentic(&self, headers: &http::HeaderMap, body: &[u8]) -> bool {
        self.is_authentic_with(headers, |mac| mac.update(body))
    }

    /// [`Email::is_authentic`] for a body read from `file` (the signature, if that is how the
    /// request is authenticated, is computed as the file streams by). The file is left at
    /// its start.
    fn is_authentic_file(&self, headers: &http::HeaderMap, file: &mut std::fs::File) -> bool {
        use std::io::{Read, Seek};
        let authentic = self.is_authentic_with(headers, |mac| {
            let mut chunk = vec![0; 64 * 1024];
            loop {
                match file.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(read) => mac.update(&chunk[..read]),
                    // An unreadable body cannot match any signature.
                    Err(_) => {
                        mac.update(b"\0unreadable");
                        break;
                    }
                }
            }
        });
        authentic && file.rewind().is_ok()
    }

    /// The authentication check, with `sign` feeding the body into the HMAC when the request
    /// is signed (only then is the body read).
    fn is_authentic_with(
        &self,
        headers: &http::HeaderMap,
        sign: impl FnOnce(&mut Hmac<Sha256>),
    ) -> bool {
        let secret = self.config.secret.as_bytes();
        let same = |given: &[u8]| bool::from(given.ct_eq(secret));
        if let Some(auth) = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
        {
            let (scheme, value) = auth.trim().split_once(' ').unwrap_or((auth, ""));
            if scheme.eq_ignore_ascii_case("bearer") && same(value.trim().as_bytes()) {
                return true;
            }
            if scheme.eq_ignore_ascii_case("basic") {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(value.trim())
                    .unwrap_or_default();
                let password = decoded
                    .iter()
                    .position(|&b| b == b':')
                    .map_or(&[][..], |colon| &decoded[colon + 1..]);
                if same(password) {
                    return true;
                }
            }
        }
        if let Some(signature) = headers
            .get(SIGNATURE_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().strip_prefix("sha256="))
            .and_then(|hex_mac| hex::decode(hex_mac).ok())
            && let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret)
        {
            sign(&mut mac);
            return mac.verify_slice(&signature).is_ok();
        }
        false
    }
}

/// Mail up to this size is accepted on the hook by default: attachments of up to 25 MiB,
/// base64-encoded (a third larger), several of them, with room to spare.
pub const DEFAULT_MAX_MAIL_BYTES: usize = 50 * 1024 * 1024;

impl Email {
    /// What a hook caller is told when a mail could not be read.
    fn hook_error(&self, err: convert::ReadError) -> WebhookError {
        match err {
            convert::ReadError::NotMail(reason) => WebhookError::Malformed(reason),
            convert::ReadError::Storage(err) => {
                tracing::error!(channel = %self.name, error = %err, "attachment store failed");
                WebhookError::Unavailable("the mail could not be stored now; retry later".into())
            }
        }
    }
}

/// The certificates in a PEM file, DER-encoded.
fn read_roots(path: &std::path::Path) -> Result<Vec<Vec<u8>>, ConnectorError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let roots: Vec<Vec<u8>> = CertificateDer::pem_file_iter(path)
        .map_err(|_| ConnectorError::Config("tls_ca_file: cannot be read"))?
        .map(|cert| cert.map(|cert| cert.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|_| ConnectorError::Config("tls_ca_file: not PEM certificates"))?;
    if roots.is_empty() {
        return Err(ConnectorError::Config("tls_ca_file: holds no certificate"));
    }
    Ok(roots)
}

fn smtp_builder(
    host: &str,
    config: &Config,
    extra_roots: &[Vec<u8>],
) -> Result<AsyncSmtpTransportBuilder, ConnectorError> {
    let host = host.trim();
    if host.is_empty() {
        return Err(ConnectorError::Config("smtp_host: must not be empty"));
    }
    let tls = |host: &str| {
        let mut params = TlsParameters::builder(host.to_owned());
        for root in extra_roots {
            let certificate = lettre::transport::smtp::client::Certificate::from_der(root.clone())
                .map_err(|_| ConnectorError::Config("tls_ca_file: a certificate is invalid"))?;
            params = params.add_root_certificate(certificate);
        }
        params
            .build_rustls()
            .map_err(|_| ConnectorError::Config("smtp_tls: TLS cannot be set up for smtp_host"))
    };
    let (tls, port) = match config.smtp_tls {
        TlsMode::Implicit => (Tls::Wrapper(tls(host)?), 465),
        TlsMode::Starttls => (Tls::Required(tls(host)?), 587),
        TlsMode::None => (Tls::None, 25),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(config.smtp_port.unwrap_or(port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(30)))
        .pool_config(
            PoolConfig::new()
                .max_size(SMTP_SESSIONS)
                .idle_timeout(Duration::from_secs(60)),
        );
    match (&config.smtp_user, &config.smtp_password) {
        // OAuth2 signs in with the current access token (see `Email::oauth_transport`).
        _ if config.auth == AuthMode::Oauth2 => {}
        (Some(user), Some(password)) => {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        (None, None) => {}
        _ => {
            return Err(ConnectorError::Config(
                "smtp_user / smtp_password: give both or neither",
            ));
        }
    }
    Ok(builder)
}

impl Email {
    /// Sends with the current OAuth2 access token; when the server refuses it (revoked, or
    /// expired before its time) the token is renewed once and the send repeated.
    async fn send_with_token(
        &self,
        tokens: &Tokens,
        mail: lettre::Message,
    ) -> Result<(), ConnectorError> {
        let mut renewed = false;
        loop {
            let token = tokens
                .access_token()
                .await
                .map_err(|err| self.token_send_error(err))?;
            let smtp = self.oauth_transport(&token)?;
            match smtp.send(mail.clone()).await {
                Ok(_) => return Ok(()),
                Err(err) if !renewed && is_auth_refusal(&err) => {
                    tracing::info!(channel = %self.name, "the SMTP server refused the access token; renewing it");
                    tokens.refused(&token).await;
                    renewed = true;
                }
                Err(err) if is_auth_refusal(&err) => {
                    tracing::error!(channel = %self.name, error = %err, "the SMTP server refused a fresh OAuth2 access token");
                    return Err(ConnectorError::Unauthorized);
                }
                Err(err) => return Err(classify(err)),
            }
        }
    }

    /// The transport signed in with `token`, made when the token changed.
    fn oauth_transport(
        &self,
        token: &str,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, ConnectorError> {
        let mut current = self
            .smtp_oauth
            .lock()
            .map_err(|_| ConnectorError::Unsupported("the SMTP transport lock was poisoned"))?;
        if let Some((current_token, smtp)) = current.as_ref()
            && current_token == token
        {
            return Ok(smtp.clone());
        }
        let smtp = self
            .sending()?
            .clone()
            .credentials(Credentials::new(
                self.smtp_oauth_user.clone(),
                token.to_owned(),
            ))
            .authentication(vec![Mechanism::Xoauth2])
            .build();
        *current = Some((token.to_owned(), smtp.clone()));
        Ok(smtp)
    }

    /// The SMTP transport builder, or the refusal of a channel that only receives.
    fn sending(&self) -> Result<&AsyncSmtpTransportBuilder, ConnectorError> {
        self.smtp_builder.as_ref().ok_or_else(|| {
            ConnectorError::rejected(
                "this email channel only receives mail: it has no smtp_host to send through",
            )
        })
    }

    /// A token failure as a send failure: an operator must act (retried slowly), or the
    /// endpoint is down (retried).
    fn token_send_error(&self, err: TokenError) -> ConnectorError {
        if err.needs_operator() {
            tracing::error!(channel = %self.name, error = %err, "no OAuth2 access token for SMTP");
            ConnectorError::Unauthorized
        } else {
            ConnectorError::unavailable(err, None)
        }
    }
}

/// True when the SMTP server refused our authentication: RFC 4954's 535, 534 or 530
/// (Microsoft), or Gmail's way for XOAUTH2 — a 334 carrying a JSON error before the 535,
/// which lettre, expecting no challenge, reports as a client error naming the challenge.
fn is_auth_refusal(err: &lettre::transport::smtp::Error) -> bool {
    err.status()
        .is_some_and(|code| matches!(code.to_string().as_str(), "530" | "534" | "535"))
        || (err.is_client() && err.to_string().contains("challenge"))
}

/// Sorts an SMTP failure by what the dispatcher should do.
fn classify(err: lettre::transport::smtp::Error) -> ConnectorError {
    let code = err.status().map(|code| code.to_string());
    match code.as_deref() {
        Some("530" | "534" | "535" | "538") => ConnectorError::Unauthorized,
        _ if err.is_permanent() => {
            ConnectorError::rejected(format!("SMTP server refused the mail: {err}"))
        }
        _ => ConnectorError::unavailable(err, None),
    }
}

#[async_trait::async_trait]
impl Connector for Email {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    fn wants_thread_context(&self) -> bool {
        true
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError> {
        let writer = Writer {
            address: &self.config.address,
            display_name: self
                .config
                .display_name
                .as_deref()
                .unwrap_or(&self.config.address),
            signer: &self.signer,
            blobs: &self.blobs,
        };
        let outgoing = writer.write(msg)?;
        let _session = self
            .sessions
            .acquire()
            .await
            .map_err(|_| ConnectorError::Unsupported("the SMTP session limit was closed"))?;
        match &self.tokens {
            None => {
                let builder = self.sending()?;
                let smtp = self.smtp.get_or_init(|| builder.clone().build());
                smtp.send(outgoing.mail).await.map_err(classify)?;
            }
            Some(tokens) => self.send_with_token(tokens, outgoing.mail).await?,
        }
        Ok(Delivery::with_id(Some(outgoing.message_id)))
    }

    fn use_secrets(&self, secrets: connector_sdk::secrets::Secrets) {
        if let Some(tokens) = &self.tokens {
            tokens.use_secrets(secrets);
        }
    }

    fn exclusive_listener(&self) -> bool {
        // One IDLE reader per mailbox; hook-only mail arrives on every node.
        self.imap.is_some()
    }

    async fn listen(
        &self,
        inbox: Inbox,
        shutdown: CancellationToken,
    ) -> Result<(), ConnectorError> {
        match &self.imap {
            Some(imap) => self.listen_imap(imap, inbox, shutdown).await,
            // Hook-only: mail arrives through `POST /hooks/{channel}`.
            None => Ok(()),
        }
    }

    fn parse_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        if !self.is_authentic(headers, body) {
            return Err(WebhookError::Unauthenticated(
                "missing or wrong channel secret (Authorization: Bearer <secret>)".into(),
            ));
        }
        self.reader().read(body).map_err(|err| self.hook_error(err))
    }

    fn default_max_webhook_bytes(&self) -> Option<usize> {
        Some(DEFAULT_MAX_MAIL_BYTES)
    }

    fn parse_webhook_spooled(
        &self,
        headers: &http::HeaderMap,
        body: &mut std::fs::File,
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        if !self.is_authentic_file(headers, body) {
            return Err(WebhookError::Unauthenticated(
                "missing or wrong channel secret (Authorization: Bearer <secret>)".into(),
            ));
        }
        self.reader()
            .read_from(std::io::BufReader::with_capacity(64 * 1024, body))
            .map_err(|err| self.hook_error(err))
    }

    async fn fetch_attachment(
        &self,
        attachment: &Attachment,
    ) -> Result<AttachmentData, ConnectorError> {
        self.blobs.attachment_data(attachment)
    }

    fn stores_attachments_locally(&self) -> bool {
        true
    }

    async fn delete_attachment_file(&self, file_id: &str) -> Result<bool, ConnectorError> {
        self.blobs
            .remove(file_id)
            .map_err(|err| ConnectorError::unavailable(err, None))
    }
}

#[cfg(test)]
mod tests;
