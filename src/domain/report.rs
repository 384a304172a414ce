//! Reporting: what is counted and timed as things happen, how durations are kept so that
//! medians and percentiles can be read from hourly rollups, and the shapes of a report.
//!
//! Durations go into log-scaled bins (each 10 % wider than the one before, from one second up)
//! together with their exact sum, so a rollup row is small and rows of any hours add up. A
//! percentile is the mean of the values in the bin that holds its rank: exact when the values
//! of that bin are equal, and never further off than the bin is wide (±10 %). Means are exact.

use super::string_enum;

string_enum! {
    /// What a rollup row counts or times (the stored name; the API's metrics are read from
    /// one or two of these).
    Fact, "report fact" {
        ConversationCreated => "conversation_created",
        ConversationResolved => "conversation_resolved",
        ConversationReopened => "conversation_reopened",
        MessageIncoming => "message_incoming",
        MessageOutgoing => "message_outgoing",
        FirstResponse => "first_response",
        FirstResponseBusiness => "first_response_bh",
        Reply => "reply",
        ReplyBusiness => "reply_bh",
        Resolution => "resolution",
        ResolutionBusiness => "resolution_bh",
        SlaMet => "sla_met",
        SlaMissed => "sla_missed",
        CsatSent => "csat_sent",
        // The bin is the rating, 1 to 5.
        CsatAnswer => "csat_answer",
    }
}

impl Fact {
    /// Whether the fact belongs to a conversation's own record, so that it follows the
    /// conversation's labels when they change (message counts are kept per hour only).
    pub fn follows_labels(self) -> bool {
        !matches!(self, Fact::MessageIncoming | Fact::MessageOutgoing)
    }
}

string_enum! {
    /// How a report splits its figures.
    Dimension, "report grouping" {
        All => "none",
        Agent => "agent",
        Team => "team",
        Channel => "channel",
        Label => "label",
    }
}

string_enum! {
    /// The width of a report's buckets, in the report's time zone.
    Interval, "report interval" {
        Hour => "hour",
        Day => "day",
        Week => "week",
        Month => "month",
    }
}

/// A CSAT survey went out, or its answer arrived or changed (the store files it in the
/// conversation's reporting record and the rollups).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsatFact {
    Sent,
    /// `previous` is the rating this answer replaces, if the customer had answered before.
    Answered {
        previous: Option<u8>,
        rating: u8,
    },
}

/// Values under one second share bin 0; above it each bin is this much wider than the last.
const BIN_RATIO: f64 = 1.1;

/// The bin of a duration in milliseconds.
pub fn duration_bin(millis: i64) -> i64 {
    if millis < 1_000 {
        return 0;
    }
    // Exact for every duration that fits in an i64: the logarithm of at most 2^63 / 1000 is
    // far from overflowing, and the cast rounds toward zero as the bin bounds need.
    ((millis as f64 / 1_000.0).ln() / BIN_RATIO.ln()).floor() as i64 + 1
}

/// The rank (1-based, nearest-rank method) of the `percent` percentile among `count` values.
pub fn percentile_rank(count: i64, percent: i64) -> i64 {
    ((count * percent + 99) / 100).max(1)
}

/// The start of the UTC hour holding `millis`, in hours since the epoch.
pub fn hour_of(millis: i64) -> i64 {
    millis.div_euclid(3_600_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_grow_by_a_tenth_and_keep_their_order() {
        assert_eq!(duration_bin(0), 0);
        assert_eq!(duration_bin(999), 0);
        assert_eq!(duration_bin(1_000), 1);
        assert_eq!(duration_bin(1_099), 1);
        assert_eq!(duration_bin(1_100), 2);
        let mut last = 0;
        for millis in (0..40_000_000_000_i64).step_by(7_777_777) {
            let bin = duration_bin(millis);
            assert!(bin >= last, "{millis}");
            last = bin;
        }
        // A year fits in under two hundred bins.
        assert!(duration_bin(366 * 86_400_000) < 200);
    }

    #[test]
    fn a_bins_values_are_within_a_tenth_of_each_other() {
        for millis in [1_500_i64, 60_000, 3_600_000, 86_400_000] {
            let bin = duration_bin(millis);
            let upper = (millis..)
                .find(|v| duration_bin(*v) != bin)
                .expect("next bin");
            let lower = (0..=millis)
                .rev()
                .find(|v| duration_bin(*v) != bin)
                .expect("prev")
                + 1;
            assert!(
                (upper as f64) / (lower as f64) <= BIN_RATIO + 1e-3,
                "{lower}..{upper}"
            );
        }
    }

    #[test]
    fn ranks_follow_the_nearest_rank_method() {
        assert_eq!(percentile_rank(1, 50), 1);
        assert_eq!(percentile_rank(3, 50), 2);
        assert_eq!(percentile_rank(4, 50), 2);
        assert_eq!(percentile_rank(10, 90), 9);
        assert_eq!(percentile_rank(11, 90), 10);
        assert_eq!(percentile_rank(0, 50), 1);
    }

    #[test]
    fn hours_count_from_the_epoch() {
        assert_eq!(hour_of(0), 0);
        assert_eq!(hour_of(3_599_999), 0);
        assert_eq!(hour_of(3_600_000), 1);
        assert_eq!(hour_of(-1), -1);
    }
}
