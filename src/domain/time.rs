//! Timestamps: Unix epoch milliseconds in storage, RFC 3339 at the edges.

use chrono::{DateTime, TimeZone, Utc};

/// A point in time as Unix epoch milliseconds, the portable storage form on both databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub i64);

impl Millis {
    /// The current time.
    pub fn now() -> Self {
        Self(Utc::now().timestamp_millis())
    }

    /// The same instant as a UTC date-time (clamped to the representable range).
    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// How long from now until this instant; zero when it has passed.
    pub fn from_now(self) -> std::time::Duration {
        std::time::Duration::from_millis(u64::try_from(self.0 - Self::now().0).unwrap_or(0))
    }

    /// `self` plus a duration, saturating.
    pub fn plus(self, duration: std::time::Duration) -> Self {
        let ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(ms))
    }

    /// `self` minus a duration, saturating.
    pub fn minus(self, duration: std::time::Duration) -> Self {
        let ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_sub(ms))
    }
}

impl From<DateTime<Utc>> for Millis {
    fn from(at: DateTime<Utc>) -> Self {
        Self(at.timestamp_millis())
    }
}
