//! Quiet hours in the contact's own time zone: no campaign message between, say, 21:00 and
//! 08:00 where the contact lives. Their zone is the `timezone` attribute (an IANA name), else
//! the campaign's default.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A daily window in which nothing is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// Local time the quiet window starts, `HH:MM`.
    pub start: String,
    /// Local time it ends, `HH:MM` (earlier than `start` means it spans midnight).
    pub end: String,
    /// The zone for contacts without a `timezone` attribute (default UTC).
    #[serde(default)]
    pub default_timezone: Option<String>,
}

/// Quiet hours parsed once per campaign.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    start: NaiveTime,
    end: NaiveTime,
    default_zone: Tz,
}

impl QuietHours {
    /// Checks and parses the window.
    ///
    /// # Errors
    /// A time that is not `HH:MM` or an unknown zone, named.
    pub fn parse(&self) -> Result<Window, String> {
        let time = |what: &str, text: &str| {
            NaiveTime::parse_from_str(text, "%H:%M")
                .map_err(|_| format!("quiet_hours.{what}: {text:?} is not HH:MM"))
        };
        let default_zone = match &self.default_timezone {
            Some(zone) => zone
                .parse::<Tz>()
                .map_err(|_| format!("quiet_hours.default_timezone: unknown zone {zone:?}"))?,
            None => Tz::UTC,
        };
        Ok(Window {
            start: time("start", &self.start)?,
            end: time("end", &self.end)?,
            default_zone,
        })
    }
}

impl Window {
    fn contains(&self, local: NaiveTime) -> bool {
        if self.start <= self.end {
            local >= self.start && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }

    /// When a message to a contact in `zone` (an IANA name, or the default when missing or
    /// unknown) may go out: `None` when it may go now, else the end of the quiet window.
    pub fn hold_until(&self, zone: Option<&str>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let zone = zone
            .and_then(|zone| zone.parse::<Tz>().ok())
            .unwrap_or(self.default_zone);
        let local = now.with_timezone(&zone);
        if !self.contains(local.time()) {
            return None;
        }
        let mut day = local.date_naive();
        if local.time() >= self.end {
            day += Duration::days(1);
        }
        // A daylight-saving gap can make the local end time not exist that day: take the
        // first instant after it.
        let end = day.and_time(self.end);
        let resolved = zone.from_local_datetime(&end).earliest().or_else(|| {
            zone.from_local_datetime(&(end + Duration::hours(1)))
                .earliest()
        })?;
        Some(resolved.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(start: &str, end: &str) -> Window {
        QuietHours {
            start: start.into(),
            end: end.into(),
            default_timezone: Some("Europe/Prague".into()),
        }
        .parse()
        .unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn holds_over_midnight_in_the_contacts_zone() {
        let quiet = window("21:00", "08:00");
        // 22:30 in Prague (UTC+1 in winter): held until 08:00 Prague = 07:00 UTC.
        assert_eq!(
            quiet.hold_until(None, utc("2026-11-24T21:30:00Z")),
            Some(utc("2026-11-25T07:00:00Z"))
        );
        // 06:00 Prague: held until 08:00 the same day.
        assert_eq!(
            quiet.hold_until(None, utc("2026-11-24T05:00:00Z")),
            Some(utc("2026-11-24T07:00:00Z"))
        );
        // Noon in Prague is fine, but it is 03:00 in Los Angeles.
        let noon = utc("2026-11-24T11:00:00Z");
        assert_eq!(quiet.hold_until(None, noon), None);
        assert_eq!(
            quiet.hold_until(Some("America/Los_Angeles"), noon),
            Some(utc("2026-11-24T16:00:00Z"))
        );
    }

    #[test]
    fn same_day_windows_and_bad_input() {
        let quiet = window("12:00", "13:00");
        assert!(
            quiet
                .hold_until(None, utc("2026-06-01T10:30:00Z"))
                .is_some()
        );
        assert!(
            quiet
                .hold_until(None, utc("2026-06-01T11:00:00Z"))
                .is_none()
        );
        let bad = QuietHours {
            start: "25:00".into(),
            end: "08:00".into(),
            default_timezone: None,
        };
        assert!(bad.parse().is_err());
    }
}
