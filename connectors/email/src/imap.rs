//! The IMAP listener: log in, select the folder, fetch everything after the checkpoint, then
//! wait with IDLE (or poll when the server has no IDLE) and repeat.
//!
//! The checkpoint is `UIDVALIDITY:last UID`, committed by the core in the same transaction as
//! the messages fetched up to it, so a restart, a dropped connection or a long outage resumes
//! exactly after the last stored mail. When UIDVALIDITY changes the UIDs mean nothing any
//! more: the whole folder is read again and the core drops what it has (mail is keyed by
//! Message-ID), so nothing is lost or doubled.

use std::sync::Arc;
use std::time::Duration;

use async_imap::types::UnsolicitedResponse;
use connector_sdk::{Checkpoint, ConnectorError, InboundEvent, Inbox};
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::convert::ReadError;
use crate::oauth::{self, Mechanism, TokenError, Tokens};
use crate::{Email, ImapSettings, TlsMode};

/// Mails fetched and committed per transaction during a backfill.
const CHUNK: usize = 50;

/// A byte stream IMAP can run over: plain TCP or TLS.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Stream for T {}

type Session = async_imap::Session<Box<dyn Stream>>;

fn unavailable(what: &str, err: impl std::fmt::Display) -> ConnectorError {
    ConnectorError::unavailable(format!("IMAP {what}: {err}"), None)
}

/// The checkpoint key of a folder.
pub fn checkpoint_key(folder: &str) -> String {
    format!("imap:{folder}")
}

/// `(UIDVALIDITY, last UID)` from a stored checkpoint value.
pub fn parse_checkpoint(value: &str) -> Option<(u32, u32)> {
    let (validity, uid) = value.split_once(':')?;
    Some((validity.parse().ok()?, uid.parse().ok()?))
}

fn tls_connector(extra_roots: &[Vec<u8>]) -> Result<tokio_rustls::TlsConnector, ConnectorError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for root in extra_roots {
        roots
            .add(rustls::pki_types::CertificateDer::from(root.clone()))
            .map_err(|err| unavailable("tls_ca_file", err))?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|err| unavailable("TLS setup", err))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

async fn wrap_tls(
    host: &str,
    tcp: TcpStream,
    extra_roots: &[Vec<u8>],
) -> Result<Box<dyn Stream>, ConnectorError> {
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|err| unavailable("server name", err))?;
    let tls = tls_connector(extra_roots)?
        .connect(name, tcp)
        .await
        .map_err(|err| unavailable("TLS handshake", err))?;
    Ok(Box::new(tls))
}

/// One SASL exchange: the initial response, then `on_failure` to any further challenge (a
/// server's error report).
struct Sasl {
    initial: Option<String>,
    on_failure: &'static [u8],
}

impl Sasl {
    fn new(initial: String, on_failure: &'static [u8]) -> Self {
        Self {
            initial: Some(initial),
            on_failure,
        }
    }
}

impl async_imap::Authenticator for Sasl {
    type Response = Vec<u8>;

    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        match self.initial.take() {
            Some(initial) => initial.into_bytes(),
            None => self.on_failure.to_vec(),
        }
    }
}

impl Email {
    /// Connects, upgrades to TLS as configured, and logs in.
    async fn connect(&self, imap: &ImapSettings) -> Result<Session, ConnectorError> {
        let tcp = tokio::time::timeout(
            Duration::from_secs(30),
            TcpStream::connect((imap.host.as_str(), imap.port)),
        )
        .await
        .map_err(|_| unavailable("connect", "timed out"))?
        .map_err(|err| unavailable("connect", err))?;
        let stream: Box<dyn Stream> = match imap.tls {
            TlsMode::Implicit => wrap_tls(&imap.host, tcp, &self.extra_roots).await?,
            TlsMode::None => Box::new(tcp),
            TlsMode::Starttls => {
                let mut client = async_imap::Client::new(tcp);
                client
                    .read_response()
                    .await
                    .map_err(|err| unavailable("greeting", err))?;
                client
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|err| unavailable("STARTTLS", err))?;
                wrap_tls(&imap.host, client.into_inner(), &self.extra_roots).await?
            }
        };
        let mut client = async_imap::Client::new(stream);
        if imap.tls != TlsMode::Starttls {
            client
                .read_response()
                .await
                .map_err(|err| unavailable("greeting", err))?;
        }
        match (&self.tokens, &imap.password) {
            (Some(tokens), _) => self.authenticate(client, imap, tokens).await,
            (None, Some(password)) => {
                client
                    .login(&imap.user, password)
                    .await
                    .map_err(|(err, _)| match err {
                        async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_) => {
                            ConnectorError::Unauthorized
                        }
                        other => unavailable("login", other),
                    })
            }
            (None, None) => Err(ConnectorError::Config(
                "imap_password: required with imap_host",
            )),
        }
    }

    /// Signs in with the OAuth2 access token (XOAUTH2 or OAUTHBEARER); a refused token is
    /// renewed once and tried again on the same connection (RFC 3501 allows another
    /// AUTHENTICATE after a NO).
    async fn authenticate(
        &self,
        mut client: async_imap::Client<Box<dyn Stream>>,
        imap: &ImapSettings,
        tokens: &Tokens,
    ) -> Result<Session, ConnectorError> {
        let mechanism = tokens.settings().mechanism;
        let mut renewed = false;
        loop {
            let token = tokens
                .access_token()
                .await
                .map_err(TokenError::into_connector_error)?;
            let (name, sasl) = match mechanism {
                Mechanism::Xoauth2 => (
                    "XOAUTH2",
                    // After a failure the server sends a JSON challenge and waits for an
                    // empty answer before its NO.
                    Sasl::new(oauth::xoauth2(&imap.user, &token), b""),
                ),
                Mechanism::Oauthbearer => (
                    "OAUTHBEARER",
                    // RFC 7628 §3.2.3: a failed exchange is ended with a single ^A.
                    Sasl::new(
                        oauth::oauthbearer(&imap.user, &imap.host, imap.port, &token),
                        b"\x01",
                    ),
                ),
            };
            match client.authenticate(name, sasl).await {
                Ok(session) => return Ok(session),
                Err((
                    async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_),
                    returned,
                )) if !renewed => {
                    tracing::info!(channel = %self.name, "the IMAP server refused the access token; renewing it");
                    tokens.refused(&token).await;
                    renewed = true;
                    client = returned;
                }
                Err((async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_), _)) => {
                    return Err(unavailable(
                        &format!("AUTHENTICATE {name}"),
                        "the server refused a fresh OAuth2 access token (check the scopes, \
                         the mailbox user and the mechanism)",
                    ));
                }
                Err((other, _)) => return Err(unavailable("AUTHENTICATE", other)),
            }
        }
    }

    /// The listener: runs until `shutdown`, or returns an error for the core to restart it.
    pub(crate) async fn listen_imap(
        &self,
        imap: &ImapSettings,
        inbox: Inbox,
        shutdown: CancellationToken,
    ) -> Result<(), ConnectorError> {
        let folder = imap.folder.clone();
        let key = checkpoint_key(&folder);
        let mut session = tokio::select! {
            session = self.connect(imap) => session?,
            () = shutdown.cancelled() => return Ok(()),
        };
        let capabilities = session
            .capabilities()
            .await
            .map_err(|err| unavailable("CAPABILITY", err))?;
        let has_idle = capabilities.has_str("IDLE");
        loop {
            let mailbox = session
                .select(&folder)
                .await
                .map_err(|err| unavailable("SELECT", err))?;
            let validity = mailbox.uid_validity.unwrap_or(0);
            let stored = inbox
                .checkpoint(&self.name, &key)
                .await
                .map_err(|err| unavailable("reading the checkpoint", err))?;
            let after = match stored.as_deref().and_then(parse_checkpoint) {
                Some((stored_validity, uid)) if stored_validity == validity => uid,
                Some((stored_validity, _)) => {
                    tracing::warn!(channel = %self.name, %folder, stored_validity, validity,
                        "UIDVALIDITY changed: reading the whole folder again (known mail is skipped)");
                    0
                }
                None => 0,
            };
            self.fetch_after(&mut session, &inbox, &key, validity, after, &shutdown)
                .await?;
            if shutdown.is_cancelled() {
                break;
            }
            if has_idle && self.has_news(&mut session, mailbox.exists).await? {
                continue;
            }
            session = if has_idle {
                let mut idle = session.idle();
                idle.init().await.map_err(|err| unavailable("IDLE", err))?;
                let (wait, stop) =
                    idle.wait_with_timeout(Duration::from_secs(self.config.idle_secs.max(1)));
                let outcome = tokio::select! {
                    outcome = wait => Some(outcome),
                    () = shutdown.cancelled() => None,
                };
                // The wait future is gone (finished or dropped by the select); its stop handle
                // has nothing left to interrupt.
                drop(stop);
                // New data, a timeout (renew the IDLE) and shutdown all mean: leave IDLE, then
                // fetch or stop. Whatever changed is found by the UID search, not by parsing
                // the untagged response.
                if let Some(Err(err)) = outcome {
                    return Err(unavailable("IDLE", err));
                }
                idle.done().await.map_err(|err| unavailable("DONE", err))?
            } else {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(self.config.poll_secs.max(1))) => {}
                    () = shutdown.cancelled() => {}
                }
                session
            };
            if shutdown.is_cancelled() {
                break;
            }
        }
        // A polite goodbye; the connection is dropped either way.
        if let Err(err) = session.logout().await {
            tracing::debug!(channel = %self.name, error = %err, "IMAP logout failed");
        }
        Ok(())
    }

    /// True when mail arrived since the last fetch. A server announces new mail (EXISTS) with
    /// the response to the next command, and responses that come before IDLE's continuation
    /// never reach the IDLE wait; a NOOP collects them first, so IDLE does not start with news
    /// already waiting.
    async fn has_news(&self, session: &mut Session, known: u32) -> Result<bool, ConnectorError> {
        while session.unsolicited_responses.try_recv().is_ok() {}
        session
            .noop()
            .await
            .map_err(|err| unavailable("NOOP", err))?;
        let mut news = false;
        while let Ok(response) = session.unsolicited_responses.try_recv() {
            // Only a larger count is news (expunges also report EXISTS).
            news |= matches!(response, UnsolicitedResponse::Exists(count) if count > known);
        }
        Ok(news)
    }

    /// Fetches every mail with a UID above `after` in chunks; each chunk is committed with its
    /// checkpoint before the next is read.
    async fn fetch_after(
        &self,
        session: &mut Session,
        inbox: &Inbox,
        key: &str,
        validity: u32,
        after: u32,
        shutdown: &CancellationToken,
    ) -> Result<(), ConnectorError> {
        // `n:*` always matches the highest UID even when it is below n (RFC 3501 §6.4.8), so
        // the result is filtered.
        let mut uids: Vec<u32> = session
            .uid_search(format!("UID {}:*", after.saturating_add(1)))
            .await
            .map_err(|err| unavailable("UID SEARCH", err))?
            .into_iter()
            .filter(|uid| *uid > after)
            .collect();
        uids.sort_unstable();
        for chunk in uids.chunks(CHUNK) {
            if shutdown.is_cancelled() {
                return Ok(());
            }
            let set = chunk
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let fetched: Vec<async_imap::types::Fetch> = session
                .uid_fetch(&set, "(UID BODY.PEEK[])")
                .await
                .map_err(|err| unavailable("UID FETCH", err))?
                .try_collect()
                .await
                .map_err(|err| unavailable("UID FETCH", err))?;
            let mut mails: Vec<(u32, &[u8])> = fetched
                .iter()
                .filter_map(|fetch| Some((fetch.uid?, fetch.body()?)))
                .collect();
            mails.sort_unstable_by_key(|(uid, _)| *uid);
            let mut events: Vec<InboundEvent> = Vec::with_capacity(mails.len());
            for (uid, raw) in &mails {
                match self.reader().read(raw) {
                    Ok(read) => events.extend(read),
                    // Unreadable bytes are not mail; skipping them keeps the folder moving.
                    Err(ReadError::NotMail(reason)) => {
                        tracing::error!(channel = %self.name, uid, %reason, "skipping an unreadable mail");
                    }
                    // Nothing of this chunk is committed: it is read again after the restart.
                    Err(err @ ReadError::Storage(_)) => {
                        return Err(unavailable("reading mail", err));
                    }
                }
            }
            let last = chunk.last().copied().unwrap_or(after);
            let checkpoint = Checkpoint::new(&self.name, key, format!("{validity}:{last}"));
            inbox
                .deliver_events(events, Some(checkpoint))
                .await
                .map_err(|err| unavailable("storing mail", err))?;
            tracing::debug!(channel = %self.name, count = mails.len(), last, "mail committed");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_round_trip() {
        assert_eq!(parse_checkpoint("123:45"), Some((123, 45)));
        assert_eq!(parse_checkpoint("x:45"), None);
        assert_eq!(parse_checkpoint("12"), None);
        assert_eq!(checkpoint_key("INBOX"), "imap:INBOX");
    }
}
