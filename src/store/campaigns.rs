//! Store calls of campaigns (the `campaigns` module): campaigns and their lifecycle, the send
//! ledger and its funnel, opt-outs and the reply/keyword tail. The audience they draw on
//! (consent, import, segments) is `store::audience`.

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::{
    Campaign, CampaignId, CampaignState, ContactId, Event, EventId, Filter, Funnel, LeaseId, Millis,
};

/// How long after a campaign message an inbound message or keyword counts as its answer.
pub const REPLY_WINDOW_MS: i64 = 7 * 86_400_000;

/// A channel of a campaign, resolved against the configured connectors for planning.
#[derive(Debug, Clone)]
pub struct PlanChannel {
    /// The configured channel name.
    pub name: String,
    /// Its identity scope (`email`, `telegram`, `webhook:shop`).
    pub scope: String,
    /// Its kind, which consent is recorded against.
    pub kind: String,
    /// The receiver drops a repeated message id, so a send whose outcome a crash lost may be
    /// repeated; otherwise such a send is held in doubt.
    pub receiver_deduplicates: bool,
}

/// A batch of ledger rows reserved for one worker until a deadline. The lease is a record of
/// its own (the rows stay pending): taking a batch writes one row, not one per recipient.
#[derive(Debug, Clone)]
pub struct Lease {
    /// Ends the lease when the results are recorded (see [`Store::finish_sends`]).
    pub id: LeaseId,
    /// The rows, in contact order.
    pub sends: Vec<LeasedSend>,
}

/// A ledger row leased for sending, with what rendering needs.
#[derive(Debug, Clone)]
pub struct LeasedSend {
    pub contact: ContactId,
    pub address: String,
    pub attempts: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Consent still granted, address not suppressed, identity still reachable: an opt-out
    /// that arrived after planning wins over the ledger.
    pub allowed: bool,
}

/// What became of one leased send.
#[derive(Debug, Clone, PartialEq)]
pub enum SendResult {
    /// The channel accepted it.
    Sent { external_id: Option<String> },
    /// Try again at `at`.
    Retry { at: Millis, error: String },
    /// Not now (quiet hours): back to pending without spending an attempt.
    Defer { at: Millis },
    /// Gave up for good.
    Failed { error: String },
    /// The recipient opted out or became unreachable; `suppress` adds (scope, address) to
    /// the suppression list.
    Suppressed {
        reason: String,
        suppress: Option<(String, String)>,
    },
}

/// An inbound chat message seen by the campaign tail.
#[derive(Debug, Clone)]
pub struct InboundSeen {
    pub event: EventId,
    pub contact: i64,
    pub conversation: i64,
    pub channel: String,
    pub text: String,
    /// The identity the conversation runs through: (scope, external id).
    pub identity: Option<(String, String)>,
}

/// Which ledger row an unsubscribe link or keyword refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct OptOut {
    pub contact: ContactId,
    /// The campaign whose message carried the link, if any.
    pub campaign: Option<CampaignId>,
    /// The channel kind consent is withdrawn for.
    pub kind: String,
    /// The address to suppress: (scope, address).
    pub suppress: Option<(String, String)>,
    /// Where the opt-out came from: `unsubscribe`, `keyword`, `api`.
    pub source: String,
    pub proof: Option<String>,
}

/// A channel report about a campaign message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engagement {
    Opened,
    Clicked,
}

impl Store {
    /// Stores a new campaign.
    pub async fn create_campaign(
        &self,
        name: &str,
        filter: &Filter,
        spec: &serde_json::Value,
        scheduled_at: Option<Millis>,
    ) -> StoreResult<Campaign> {
        on_backend!(
            self,
            campaigns::create_campaign(name, filter, spec, scheduled_at, self.now())
        )
    }

    /// Every campaign, newest first.
    pub async fn list_campaigns(&self) -> StoreResult<Vec<Campaign>> {
        on_backend!(self, campaigns::list_campaigns())
    }

    /// One campaign.
    pub async fn get_campaign(&self, id: CampaignId) -> StoreResult<Campaign> {
        on_backend!(self, campaigns::get_campaign(id))
    }

    /// Moves a campaign to `to` when a marketer may make that move from the state it is in
    /// ([`CampaignState::can_become`]), checked and written in one transaction.
    ///
    /// # Errors
    /// [`super::StoreError::Invalid`] when the campaign is in a state it cannot leave for `to`.
    pub async fn transition_campaign(
        &self,
        id: CampaignId,
        to: CampaignState,
        scheduled_at: Option<Millis>,
    ) -> StoreResult<(Campaign, Vec<Event>)> {
        on_backend!(
            self,
            campaigns::transition(id, to, scheduled_at, self.now())
        )
    }

    /// Scheduled campaigns whose time has come.
    pub async fn due_campaigns(&self, now: Millis) -> StoreResult<Vec<Campaign>> {
        on_backend!(self, campaigns::due_campaigns(now))
    }

    /// Running campaigns.
    pub async fn running_campaigns(&self) -> StoreResult<Vec<Campaign>> {
        on_backend!(self, campaigns::running_campaigns())
    }

    /// Materialises the audience into the ledger (each contact once, on the first channel of
    /// `channels` where they have a reachable, consented, unsuppressed identity; the others
    /// as `suppressed`) and starts the campaign, in one transaction. A no-op for a campaign
    /// already planned.
    pub async fn plan_campaign(
        &self,
        id: CampaignId,
        channels: &[PlanChannel],
    ) -> StoreResult<(Campaign, Vec<Event>)> {
        on_backend!(self, campaign_ledger::plan(id, channels, self.now()))
    }

    /// Leases up to `limit` due rows of one channel of a campaign until `now + lease_ms`;
    /// `None` when nothing is due. A lease that ran out (its worker died) is dealt with
    /// first: taken over when the receiver drops repeats, else its rows are held in doubt.
    pub async fn lease_sends(
        &self,
        campaign: CampaignId,
        channel: &PlanChannel,
        limit: i64,
        now: Millis,
        lease_ms: i64,
    ) -> StoreResult<Option<Lease>> {
        on_backend!(
            self,
            campaign_ledger::lease(campaign, channel, limit, now, lease_ms)
        )
    }

    /// Records what became of a lease's sends and ends the lease, in one transaction.
    pub async fn finish_sends(
        &self,
        campaign: CampaignId,
        lease: LeaseId,
        results: &[(ContactId, SendResult)],
    ) -> StoreResult<()> {
        on_backend!(
            self,
            campaign_ledger::finish(campaign, lease, results, self.now())
        )
    }

    /// Ends the leases of cancelled campaigns that ran out before their worker recorded
    /// what it sent; returns how many rows were settled (see `transition_campaign`).
    pub async fn settle_cancelled_leases(&self, now: Millis) -> StoreResult<u64> {
        on_backend!(self, campaign_ledger::settle_cancelled(now))
    }

    /// Finishes the campaign when its ledger has nothing left to send.
    pub async fn finish_campaign_if_done(&self, id: CampaignId) -> StoreResult<Option<Vec<Event>>> {
        on_backend!(self, campaign_ledger::finish_if_done(id, self.now()))
    }

    /// Sends again what a crash left in doubt (the marketer accepts that some of those
    /// contacts may get the message twice); a finished campaign runs again for them.
    /// Returns how many rows were released.
    pub async fn resend_in_doubt(&self, id: CampaignId) -> StoreResult<(u64, Vec<Event>)> {
        on_backend!(self, campaign_ledger::resend_in_doubt(id, self.now()))
    }

    /// The earliest time a pending row of a running campaign becomes due.
    pub async fn next_send_due(&self) -> StoreResult<Option<Millis>> {
        on_backend!(self, campaign_ledger::next_due())
    }

    /// Records a `campaign.progress` event with the funnel totals (live progress).
    pub async fn record_campaign_progress(&self, id: CampaignId) -> StoreResult<Vec<Event>> {
        on_backend!(self, campaign_funnel::progress(id, self.now()))
    }

    /// The campaign's funnel.
    pub async fn campaign_funnel(&self, id: CampaignId) -> StoreResult<Funnel> {
        on_backend!(self, campaign_funnel::funnel(id))
    }

    /// The channel and address a campaign's message to a contact went to, if it has a ledger
    /// row with a channel.
    pub async fn campaign_send_address(
        &self,
        campaign: CampaignId,
        contact: ContactId,
    ) -> StoreResult<Option<(String, String)>> {
        on_backend!(self, campaign_feedback::send_address(campaign, contact))
    }

    /// Why a campaign message on a channel of `kind` (identity `scope`) to `address` of
    /// `contact` would be held back now (no consent, suppressed, unreachable): the check the
    /// campaign worker applies to every send. `None` when it may go out.
    ///
    /// # Errors
    /// [`super::StoreError::NotFound`] without the contact.
    pub async fn campaign_send_held_back(
        &self,
        contact: ContactId,
        kind: &str,
        scope: &str,
        address: &str,
    ) -> StoreResult<Option<String>> {
        on_backend!(
            self,
            campaign_ledger::send_held_back(contact, kind, scope, address)
        )
    }

    /// Withdraws consent, suppresses the address and marks the ledger row unsubscribed, in
    /// one transaction. Returns whether consent was granted (or unset) before: a repeated
    /// opt-out confirms nothing twice.
    pub async fn opt_out(&self, opt_out: &OptOut) -> StoreResult<(bool, Vec<Event>)> {
        on_backend!(self, campaign_feedback::opt_out(opt_out, self.now()))
    }

    /// Grants consent for `change.kind` again and lifts the suppression of `change.suppress`
    /// (an SMS `START`), with the message as proof; returns whether consent was withdrawn or
    /// unknown before.
    pub async fn opt_in(&self, change: &OptOut) -> StoreResult<(bool, Vec<Event>)> {
        on_backend!(self, campaign_feedback::opt_in(change, self.now()))
    }

    /// Records an open or click of a campaign message (the first one counts).
    pub async fn record_engagement(
        &self,
        campaign: CampaignId,
        contact: ContactId,
        what: Engagement,
    ) -> StoreResult<()> {
        on_backend!(
            self,
            campaign_feedback::engagement(campaign, contact, what, self.now())
        )
    }

    /// Records a channel's delivery report for a campaign message by its external id; false
    /// when no ledger row has it.
    pub async fn record_campaign_delivery(
        &self,
        channel: &str,
        external_id: &str,
        read: bool,
    ) -> StoreResult<bool> {
        on_backend!(
            self,
            campaign_feedback::delivery(channel, external_id, read, self.now())
        )
    }

    /// A campaign setting, set to `generated` if it has none yet.
    pub async fn campaign_setting(&self, name: &str, generated: &str) -> StoreResult<String> {
        on_backend!(self, campaigns::setting_or_insert(name, generated))
    }

    /// Inbound chat messages after `after` (at most `limit` events examined), and the last
    /// event id examined.
    pub async fn inbound_after(
        &self,
        after: EventId,
        limit: i64,
    ) -> StoreResult<(Vec<InboundSeen>, Option<EventId>)> {
        on_backend!(self, campaign_feedback::inbound_after(after, limit))
    }

    /// Links a reply to the campaign message the contact received within `window_ms`
    /// (labelling the conversation `campaign:<name>`), and moves the tail's cursor, in one
    /// transaction.
    pub async fn link_replies(
        &self,
        seen: &[InboundSeen],
        window_ms: i64,
        cursor: (&str, EventId),
    ) -> StoreResult<Vec<Event>> {
        on_backend!(
            self,
            campaign_feedback::link_replies(seen, window_ms, cursor, self.now())
        )
    }
}

impl Store {
    /// Replaces a draft campaign's name, audience filter and spec. The draft check is part of
    /// the UPDATE, so an edit racing a start either lands before it or fails.
    ///
    /// # Errors
    /// `NotFound` for an unknown campaign; `Invalid` when it is no longer a draft.
    pub async fn update_campaign_draft(
        &self,
        id: CampaignId,
        name: &str,
        filter: &Filter,
        spec: &serde_json::Value,
    ) -> StoreResult<Campaign> {
        on_backend!(
            self,
            campaigns::update_draft(id, name, filter, spec, self.now())
        )
    }
}
