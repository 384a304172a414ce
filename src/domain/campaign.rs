//! Campaigns as the business sees them: the definition a marketer writes and its one
//! validation, the lifecycle and which moves a marketer may make, the stored campaign, and
//! its funnel. Sending, pacing and the ledger's SQL live elsewhere (`campaigns`, `store`).

use std::collections::BTreeMap;

use connector_sdk::Template;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::quiet_hours::QuietHours;
use super::segment::{Filter, FilterError};
use super::{CampaignId, Millis, SegmentId, string_enum};

/// The highest configurable rate: a billion messages a second is "unthrottled" for any channel,
/// and rates near `f64::MAX` would not read back from PostgreSQL's JSONB.
pub const MAX_RATE_PER_SEC: f64 = 1e9;

/// One channel of a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelPlan {
    /// A configured channel name (`[[channels]] name`).
    pub channel: String,
    /// A template from `templates/` (variants per channel and locale apply) …
    #[serde(default)]
    pub template: Option<String>,
    /// … or the message written inline (minijinja, same variables as templates, plus
    /// `custom.unsubscribe_url`).
    #[serde(default)]
    pub body: Option<String>,
    /// Email's HTML part written inline.
    #[serde(default)]
    pub html: Option<String>,
    /// Email's subject (a template too).
    #[serde(default)]
    pub subject: Option<String>,
    /// WhatsApp: the approved template to send (its parameters are minijinja too). Required
    /// on WhatsApp, where a campaign is always outside the 24-hour window.
    #[serde(default)]
    pub whatsapp_template: Option<Template>,
    /// Messages per second on this channel (default `[campaigns] default_rate_per_sec`).
    #[serde(default)]
    pub rate_per_sec: Option<f64>,
}

/// What a marketer sets on a campaign besides its audience: channels in preference order
/// with a template each, throttles, quiet hours and tracking. Checked against the configured
/// channels and templates by `campaigns::spec::check` before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignSpec {
    /// Preference order: each contact gets the message once, on the first of these where
    /// they are reachable, consented and not suppressed.
    pub channels: Vec<ChannelPlan>,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// Email: a tracking pixel (opt-in).
    #[serde(default)]
    pub track_opens: bool,
    /// Email: links go through a signed redirect that counts clicks (opt-in).
    #[serde(default)]
    pub track_clicks: bool,
    /// Locale for template variants (default: the templates' default locale).
    #[serde(default)]
    pub locale: Option<String>,
}

/// Who a campaign goes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Audience {
    /// A saved segment's id: its filter is copied when the campaign is stored, so later edits
    /// of the segment do not move the campaign.
    Segment(SegmentId),
    /// A filter written with the campaign.
    Filter(Filter),
}

/// A campaign as a marketer defines it, through the API (create, edit) or the command line
/// (`campaign create`) alike.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignDefinition {
    /// Trimmed, not empty.
    pub name: String,
    pub audience: Audience,
    pub spec: CampaignSpec,
}

/// Why a campaign definition is refused; each names the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DefinitionError {
    #[error("name: must not be empty")]
    EmptyName,
    #[error("give either `segment_id` or `filter`")]
    Audience,
    #[error("filter: {0}")]
    Filter(FilterError),
}

impl CampaignDefinition {
    /// Validates a definition from its parts as written, in this order: the name (trimmed,
    /// not empty), the audience (a saved segment's id or a filter, exactly one), an inline
    /// filter. The one check the API and the command line share; what depends on the
    /// configuration (channels, templates) is `campaigns::spec::check`.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(
        name: &str,
        segment_id: Option<SegmentId>,
        filter: Option<Filter>,
        spec: CampaignSpec,
    ) -> Result<Self, DefinitionError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(DefinitionError::EmptyName);
        }
        let audience = match (segment_id, filter) {
            (Some(id), None) => Audience::Segment(id),
            (None, Some(filter)) => {
                filter.check().map_err(DefinitionError::Filter)?;
                Audience::Filter(filter)
            }
            _ => return Err(DefinitionError::Audience),
        };
        Ok(Self {
            name: name.to_owned(),
            audience,
            spec,
        })
    }
}

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
    pub id: CampaignId,
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
    use super::{Audience, CampaignDefinition, CampaignSpec, DefinitionError, Filter, SegmentId};

    fn spec() -> CampaignSpec {
        CampaignSpec {
            channels: Vec::new(),
            quiet_hours: None,
            track_opens: false,
            track_clicks: false,
            locale: None,
        }
    }

    #[test]
    fn a_definition_needs_a_name_and_one_audience() {
        let everyone = || Some(Filter::Everyone);
        let valid = CampaignDefinition::validate(" Sale ", None, everyone(), spec());
        assert_eq!(valid.as_ref().map(|d| d.name.as_str()), Ok("Sale"));
        assert_eq!(
            valid.map(|d| d.audience),
            Ok(Audience::Filter(Filter::Everyone))
        );
        assert_eq!(
            CampaignDefinition::validate("  ", None, everyone(), spec()),
            Err(DefinitionError::EmptyName)
        );
        assert_eq!(
            CampaignDefinition::validate("Sale", Some(SegmentId::new(1)), everyone(), spec()),
            Err(DefinitionError::Audience)
        );
        assert_eq!(
            CampaignDefinition::validate("Sale", None, None, spec()),
            Err(DefinitionError::Audience)
        );
        let blank_tag = Some(Filter::Tag { tag: " ".into() });
        assert_eq!(
            CampaignDefinition::validate("Sale", None, blank_tag, spec())
                .map_err(|err| err.to_string()),
            Err("filter: tag must not be empty".to_owned())
        );
    }

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
