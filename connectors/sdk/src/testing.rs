//! A fake connector for the core's tests: records every send, can be told to fail the next
//! sends in a chosen way, and injects inbound messages through the core's real inbox.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{
    Attachment, AttachmentData, ChannelKind, Checkpoint, Connector, ConnectorError, Delivery,
    InboundEvent, InboundMessage, Inbox, OutboundMessage, Receipt, Sender, SinkError,
};

/// A scripted outcome for one future send.
#[derive(Debug, Clone)]
pub enum FakeFailure {
    /// Fails transiently, optionally with the peer's `retry_after`.
    Unavailable(Option<Duration>),
    /// Fails permanently with this reason.
    Rejected(String),
    /// Fails permanently: the recipient can never be reached (blocked the bot, deleted).
    Unreachable(String),
    /// Panics inside `send` with this message, as a connector bug or a channel library
    /// tripping over bad data would: the core must fail that one job and carry on.
    Panic(String),
}

#[derive(Default)]
struct FakeState {
    sent: Vec<OutboundMessage>,
    failures: VecDeque<FakeFailure>,
    inbox: Option<Inbox>,
    files: Vec<(String, Vec<u8>)>,
}

/// A connector that keeps everything in memory.
#[derive(Clone)]
pub struct FakeConnector {
    name: String,
    kind: ChannelKind,
    state: Arc<Mutex<FakeState>>,
    inbox_ready: Arc<Notify>,
}

impl FakeConnector {
    /// A fake channel called `name` pretending to be of `kind`.
    pub fn new(name: impl Into<String>, kind: ChannelKind) -> Self {
        Self {
            name: name.into(),
            kind,
            state: Arc::default(),
            inbox_ready: Arc::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, FakeState> {
        // A poisoned lock only means another test thread panicked; the data is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every message sent so far, in order.
    pub fn sent(&self) -> Vec<OutboundMessage> {
        self.state().sent.clone()
    }

    /// Makes the next sends fail, one failure per send, in order.
    pub fn fail_next(&self, failures: impl IntoIterator<Item = FakeFailure>) {
        self.state().failures.extend(failures);
    }

    /// A sender in this fake channel's scope.
    pub fn sender(&self, external_id: &str) -> Sender {
        Sender::new(self.kind.as_str(), external_id)
    }

    /// A text message from `sender_id` with the channel id `external_id`.
    pub fn message(&self, external_id: &str, sender_id: &str, text: &str) -> InboundMessage {
        InboundMessage::text(self.name.clone(), external_id, self.sender(sender_id), text)
    }

    /// Delivers messages through the core's inbox, as a polling connector would.
    ///
    /// Waits until the core has called [`Connector::listen`].
    pub async fn inject(&self, messages: Vec<InboundMessage>) -> Result<Vec<Receipt>, SinkError> {
        self.inbox().await.deliver(messages).await
    }

    /// Delivers events with a checkpoint, as a polling connector would.
    pub async fn inject_events(
        &self,
        events: Vec<InboundEvent>,
        checkpoint: Option<Checkpoint>,
    ) -> Result<Vec<Receipt>, SinkError> {
        self.inbox().await.deliver_events(events, checkpoint).await
    }

    /// The core's inbox, once [`Connector::listen`] has been called.
    pub async fn inbox(&self) -> Inbox {
        loop {
            let notified = self.inbox_ready.notified();
            if let Some(inbox) = self.state().inbox.clone() {
                return inbox;
            }
            notified.await;
        }
    }

    /// Makes a file downloadable through [`Connector::fetch_attachment`] by its `file_id`.
    pub fn add_file(&self, file_id: &str, bytes: Vec<u8>) {
        self.state().files.push((file_id.to_owned(), bytes));
    }
}

#[async_trait::async_trait]
impl Connector for FakeConnector {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        self.kind
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError> {
        let mut state = self.state();
        match state.failures.pop_front() {
            Some(FakeFailure::Unavailable(retry_after)) => Err(ConnectorError::unavailable(
                "fake peer is down",
                retry_after,
            )),
            Some(FakeFailure::Rejected(reason)) => Err(ConnectorError::rejected(reason)),
            Some(FakeFailure::Unreachable(reason)) => Err(ConnectorError::Rejected {
                reason,
                unreachable: true,
            }),
            Some(FakeFailure::Panic(message)) => {
                // Release the lock first so the fake stays usable for the next send.
                drop(state);
                panic!("{message}");
            }
            None => {
                // Idempotent per message id, as the contract asks.
                if let Some(previous) = state.sent.iter().position(|sent| sent.id == msg.id) {
                    return Ok(Delivery::with_id(Some(format!("fake-{previous}"))));
                }
                state.sent.push(msg.clone());
                Ok(Delivery::with_id(Some(format!(
                    "fake-{}",
                    state.sent.len() - 1
                ))))
            }
        }
    }

    async fn fetch_attachment(
        &self,
        attachment: &Attachment,
    ) -> Result<AttachmentData, ConnectorError> {
        let wanted = attachment.file_id.as_deref().unwrap_or_default();
        let state = self.state();
        let (_, bytes) = state
            .files
            .iter()
            .find(|(id, _)| id == wanted)
            .ok_or_else(|| ConnectorError::rejected("no such file"))?;
        Ok(AttachmentData::new(
            bytes.clone(),
            attachment.mime_type.clone(),
            attachment.name.clone(),
        ))
    }

    async fn listen(
        &self,
        inbox: Inbox,
        shutdown: CancellationToken,
    ) -> Result<(), ConnectorError> {
        self.state().inbox = Some(inbox);
        self.inbox_ready.notify_waiters();
        shutdown.cancelled().await;
        Ok(())
    }
}
