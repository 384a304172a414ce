//! The event-webhook fan-out's position in the event log, stored as JSON in
//! `channel_checkpoints` and committed with the deliveries it created.
//!
//! A plain "last id seen" is not enough on PostgreSQL: ids come from a sequence when a row is
//! inserted, but rows become visible when their transaction commits, so with several writers
//! id 11 can be visible while id 10 is still on its way. The cursor therefore remembers the
//! holes below it and looks into them again until they are older than a grace period (a hole
//! can also be permanent: a rolled-back insert or a deleted event).

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::domain::Millis;

/// How long a hole in the ids is searched for late commits. Far longer than any transaction
/// that appends events.
pub const GAP_GRACE_MS: i64 = 5 * 60 * 1000;
/// Most holes remembered; the oldest are dropped beyond it (a burst of rollbacks).
pub const MAX_GAPS: usize = 64;

/// Ids `from..=to` were missing when the ids after them were read, first at `seen_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub from: i64,
    pub to: i64,
    pub seen_at: i64,
}

/// Every event id up to `after` has been fanned out, except the ones still missing in `gaps`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCursor {
    pub after: i64,
    #[serde(default)]
    pub gaps: Vec<Gap>,
}

impl EventCursor {
    /// Parses the stored form.
    ///
    /// # Errors
    /// `Corrupt` when the text is not a cursor.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        serde_json::from_str(text)
            .map_err(|err| StoreError::Corrupt(format!("event webhook cursor: {err}")))
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        // A struct of integers always serialises.
        serde_json::to_string(self).unwrap_or_else(|_| format!("{{\"after\":{}}}", self.after))
    }

    /// Forgets holes older than the grace period: whatever was there is not coming.
    pub fn expire(&mut self, now: Millis) {
        self.gaps.retain(|gap| now.0 - gap.seen_at < GAP_GRACE_MS);
    }

    /// Moves past `ids` (ascending, all above `after`), remembering the holes between them.
    pub fn advance(&mut self, ids: &[i64], now: Millis) {
        let mut expected = self.after + 1;
        for &id in ids {
            if id > expected {
                self.gaps.push(Gap {
                    from: expected,
                    to: id - 1,
                    seen_at: now.0,
                });
            }
            expected = expected.max(id + 1);
        }
        self.after = expected - 1;
        if self.gaps.len() > MAX_GAPS {
            // Gaps are appended in time order, so the oldest come first.
            let excess = self.gaps.len() - MAX_GAPS;
            self.gaps.drain(..excess);
        }
    }

    /// Removes ids that turned up inside holes, splitting the holes around them.
    pub fn fill(&mut self, found: &[i64]) {
        if found.is_empty() {
            return;
        }
        let mut gaps = Vec::with_capacity(self.gaps.len());
        for gap in &self.gaps {
            let mut from = gap.from;
            for &id in found.iter().filter(|&&id| id >= gap.from && id <= gap.to) {
                if id > from {
                    gaps.push(Gap {
                        from,
                        to: id - 1,
                        seen_at: gap.seen_at,
                    });
                }
                from = from.max(id + 1);
            }
            if from <= gap.to {
                gaps.push(Gap {
                    from,
                    to: gap.to,
                    seen_at: gap.seen_at,
                });
            }
        }
        self.gaps = gaps;
    }

    /// Jumps to `newest` and forgets the holes: nobody was subscribed to what lies before it.
    pub fn skip_to(&mut self, newest: i64) {
        self.after = self.after.max(newest);
        self.gaps.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_are_remembered_filled_and_expired() {
        let mut cursor = EventCursor::default();
        cursor.advance(&[1, 2, 5, 6, 9], Millis(1000));
        assert_eq!(cursor.after, 9);
        assert_eq!(
            cursor.gaps,
            [
                Gap {
                    from: 3,
                    to: 4,
                    seen_at: 1000
                },
                Gap {
                    from: 7,
                    to: 8,
                    seen_at: 1000
                }
            ]
        );
        cursor.fill(&[4, 7]);
        assert_eq!(
            cursor.gaps,
            [
                Gap {
                    from: 3,
                    to: 3,
                    seen_at: 1000
                },
                Gap {
                    from: 8,
                    to: 8,
                    seen_at: 1000
                }
            ]
        );
        cursor.fill(&[3, 8]);
        assert!(cursor.gaps.is_empty());

        cursor.advance(&[12], Millis(2000));
        cursor.fill(&[11]);
        assert_eq!(
            cursor.gaps,
            [Gap {
                from: 10,
                to: 10,
                seen_at: 2000
            }]
        );
        cursor.expire(Millis(2000 + GAP_GRACE_MS - 1));
        assert_eq!(cursor.gaps.len(), 1);
        cursor.expire(Millis(2000 + GAP_GRACE_MS));
        assert!(cursor.gaps.is_empty());

        let stored = EventCursor::parse(&cursor.to_json()).expect("round trip");
        assert_eq!(stored, cursor);
        assert!(EventCursor::parse("nonsense").is_err());
    }

    #[test]
    fn nothing_new_changes_nothing_and_holes_are_bounded() {
        let mut cursor = EventCursor {
            after: 7,
            gaps: Vec::new(),
        };
        cursor.advance(&[], Millis(0));
        assert_eq!(
            cursor,
            EventCursor {
                after: 7,
                gaps: Vec::new()
            }
        );
        let ids: Vec<i64> = (0..200).map(|n| 10 + n * 2).collect();
        cursor.advance(&ids, Millis(0));
        assert_eq!(cursor.gaps.len(), MAX_GAPS);
        assert_eq!(cursor.gaps.last().map(|gap| gap.to), Some(ids[199] - 1));
        cursor.skip_to(1000);
        assert_eq!(
            cursor,
            EventCursor {
                after: 1000,
                gaps: Vec::new()
            }
        );
    }
}
