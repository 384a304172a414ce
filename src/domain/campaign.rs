//! Campaigns as the business sees them: the lifecycle and which moves a marketer may make,
//! the stored campaign, and its funnel. Sending, pacing and the ledger's SQL live elsewhere
//! (`campaigns`, `store`).

use std::collections::BTreeMap;

use super::segment::Filter;
use super::{Millis, string_enum};

string_enum! {
    /// Where a campaign is in its life.
    CampaignState, "campaign state" {
        Draft => "draft",
        Scheduled => "scheduled",
        Running => "running",
        Paused => "paused",
        Finished => "finished",
        Cancelled => "cancelled",
    }
}

impl CampaignState {
    /// Whether a marketer may move a campaign from this state to `next`: start a draft
    /// (scheduled, now or later), pause and resume a running one, cancel any that has not
    /// ended. The worker's own moves are not a marketer's: it starts a scheduled campaign when
    /// it plans the audience, finishes one whose ledger is done, and runs a finished one again
    /// when its in-doubt sends are released.
    pub fn can_become(self, next: CampaignState) -> bool {
        use CampaignState::{Cancelled, Draft, Paused, Running, Scheduled};
        matches!(
            (self, next),
            (Draft, Scheduled)
                | (Running, Paused)
                | (Paused, Running)
                | (Draft | Scheduled | Running | Paused, Cancelled)
        )
    }

    /// True while the campaign may still send: scheduled, running or paused.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CampaignState::Scheduled | CampaignState::Running | CampaignState::Paused
        )
    }
}

/// A stored campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    /// The audience, copied when the campaign was defined.
    pub filter: Filter,
    /// `campaigns::CampaignSpec` as JSON: kept as written, so one unreadable campaign does
    /// not hide the others.
    pub spec: serde_json::Value,
    pub state: CampaignState,
    pub scheduled_at: Option<Millis>,
    /// When the audience was put into the ledger.
    pub planned_at: Option<Millis>,
    /// Contacts in the ledger.
    pub targeted: i64,
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub created_at: Millis,
}

/// Counts of one channel of a campaign's funnel.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct FunnelCounts {
    pub targeted: i64,
    pub pending: i64,
    pub suppressed: i64,
    pub sent: i64,
    pub delivered: i64,
    pub read: i64,
    pub failed: i64,
    /// Held after a crash: handed to a channel that cannot drop a repeat, outcome unknown.
    pub in_doubt: i64,
    pub opened: i64,
    pub clicked: i64,
    pub replied: i64,
    pub unsubscribed: i64,
}

impl FunnelCounts {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &FunnelCounts) {
        self.targeted += other.targeted;
        self.pending += other.pending;
        self.suppressed += other.suppressed;
        self.sent += other.sent;
        self.delivered += other.delivered;
        self.read += other.read;
        self.failed += other.failed;
        self.in_doubt += other.in_doubt;
        self.opened += other.opened;
        self.clicked += other.clicked;
        self.replied += other.replied;
        self.unsubscribed += other.unsubscribed;
    }
}

/// A campaign's funnel: totals and per channel (`none` for contacts with no usable channel).
#[derive(
    Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Funnel {
    pub total: FunnelCounts,
    pub channels: BTreeMap<String, FunnelCounts>,
}

impl Funnel {
    /// The funnel of these channels, with their sum as the total.
    pub fn of_channels(channels: BTreeMap<String, FunnelCounts>) -> Self {
        let mut total = FunnelCounts::default();
        for counts in channels.values() {
            total.add(counts);
        }
        Self { total, channels }
    }
}

#[cfg(test)]
mod tests {
    use super::CampaignState::{self, Cancelled, Draft, Finished, Paused, Running, Scheduled};

    #[test]
    fn marketers_move_campaigns_only_along_the_lifecycle() {
        let allowed: Vec<(CampaignState, CampaignState)> = CampaignState::ALL
            .iter()
            .flat_map(|from| CampaignState::ALL.iter().map(move |to| (*from, *to)))
            .filter(|(from, to)| from.can_become(*to))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Draft, Scheduled),
                (Draft, Cancelled),
                (Scheduled, Cancelled),
                (Running, Paused),
                (Running, Cancelled),
                (Paused, Running),
                (Paused, Cancelled),
            ]
        );
        assert!(!Finished.is_open() && !Cancelled.is_open() && !Draft.is_open());
        assert!(Scheduled.is_open() && Running.is_open() && Paused.is_open());
    }
}
