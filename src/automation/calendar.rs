//! Business hours: weekly opening ranges in a time zone, minus holiday dates, read from
//! `[[business_hours]]`. Pure arithmetic over instants (no clock, no I/O): SLA timers ask how
//! much open time lies between two instants, templates ask whether it is open now and when it
//! opens next. Nothing here touches the store.
//!
//! Local wall-clock times become instants by these rules, which keep every day's ranges in
//! order so no open time is ever counted twice:
//! - a time that occurs twice (autumn fall-back) means its first occurrence;
//! - a time that never occurs (spring-forward gap) means the moment the gap ends, when the
//!   wall clock jumps past it.

use std::collections::{BTreeSet, HashMap};

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;

use super::settings::BusinessHoursConfig;

/// How many consecutive days without any open time end a search: a calendar closed for
/// longer than a year counts as never open again (and no search can loop forever).
const SEARCH_DAYS: i64 = 366;
/// Minutes in a day; also the `24:00` that ends a range at midnight.
const DAY: u16 = 24 * 60;
/// Longest spring-forward gap searched for its end (Samoa skipped a whole day in 2011).
const LONGEST_GAP_MINUTES: i64 = 26 * 60;
/// The weekday keys of a `[[business_hours]]` table, Monday first (chrono's numbering).
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// One opening range of a day, in minutes after local midnight (`end` may be 24:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Range {
    start: u16,
    end: u16,
}

/// One `[[business_hours]]` entry: when a channel's or team's people are at work.
#[derive(Debug, Clone)]
pub struct Calendar {
    name: String,
    zone: Tz,
    /// Ranges per weekday, Monday first, sorted and not overlapping.
    week: [Vec<Range>; 7],
    holidays: BTreeSet<NaiveDate>,
}

/// A half-open span of open time `[start, end)`.
type Span = (DateTime<Utc>, DateTime<Utc>);

impl Calendar {
    /// Parses and checks one entry; `key` is where it sits in the config
    /// (`business_hours[0]`), for messages such as `business_hours[0].monday: …`.
    ///
    /// # Errors
    /// A message naming the key: unknown time zone, bad or overlapping ranges, bad dates.
    pub fn from_config(key: &str, entry: &BusinessHoursConfig) -> Result<Self, String> {
        if entry.name.trim().is_empty() {
            return Err(format!("{key}.name: must not be empty"));
        }
        let zone: Tz = entry.timezone.parse().map_err(|_| {
            format!(
                "{key}.timezone: unknown time zone {:?} (expected an IANA name such as \
                 \"Europe/Prague\" or \"UTC\")",
                entry.timezone
            )
        })?;
        let days = [
            &entry.monday,
            &entry.tuesday,
            &entry.wednesday,
            &entry.thursday,
            &entry.friday,
            &entry.saturday,
            &entry.sunday,
        ];
        let mut week: [Vec<Range>; 7] = Default::default();
        for ((ranges, text), day) in week.iter_mut().zip(days).zip(WEEKDAYS) {
            if let Some(text) = text {
                *ranges = parse_day(text).map_err(|message| format!("{key}.{day}: {message}"))?;
            }
        }
        let mut holidays = BTreeSet::new();
        for (index, date) in entry.holidays.iter().enumerate() {
            let parsed = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
                format!("{key}.holidays[{index}]: {date:?} is not a date (expected YYYY-MM-DD)")
            })?;
            holidays.insert(parsed);
        }
        Ok(Self {
            name: entry.name.clone(),
            zone,
            week,
            holidays,
        })
    }

    /// The entry's `name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The IANA time zone the ranges are read in, e.g. `Europe/Prague`.
    pub fn timezone(&self) -> &str {
        self.zone.name()
    }

    /// Whether `at` falls within business hours.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let today = self.local_date(at);
        // A day's ranges end at the latest at the next local midnight, so only the day of
        // `at` and the one before can hold it.
        [today.pred_opt(), Some(today)]
            .into_iter()
            .flatten()
            .flat_map(|date| self.day_spans(date))
            .any(|(start, end)| start <= at && at < end)
    }

    /// The first open instant at or after `at`: `at` itself when open, `None` when the
    /// calendar never opens again (no ranges, or over a year of holidays).
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.spans_from(at).next().map(|(start, _)| start.max(at))
    }

    /// The instant at which `duration` of business time has passed since `start`, counting
    /// only open time (an SLA deadline). The result is the earliest such instant, so it may be
    /// the very end of an open range. A zero or negative duration needs no business time and
    /// gives `start`. `None` when the calendar runs out of open time first.
    pub fn add_business_time(
        &self,
        start: DateTime<Utc>,
        duration: Duration,
    ) -> Option<DateTime<Utc>> {
        if duration <= Duration::zero() {
            return Some(start);
        }
        let mut remaining = duration;
        for (open, close) in self.spans_from(start) {
            let from = open.max(start);
            let available = close - from;
            if available >= remaining {
                return from.checked_add_signed(remaining);
            }
            remaining -= available;
        }
        None
    }

    /// How much open time lies between `from` and `to`; negative when `to` is before `from`,
    /// so that `business_time_between(a, b) == -business_time_between(b, a)`.
    pub fn business_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to < from {
            return -self.business_time_between(to, from);
        }
        let mut total = Duration::zero();
        for (open, close) in self.spans_from(from) {
            if open >= to {
                break;
            }
            total += close.min(to) - open.max(from);
        }
        total
    }

    /// The open spans within `[from, to)`, in order, cut to it.
    pub fn open_spans(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Span> {
        self.spans_from(from)
            .take_while(|(open, _)| *open < to)
            .map(|(open, close)| (open.max(from), close.min(to)))
            .filter(|(open, close)| open < close)
            .collect()
    }

    /// The local calendar date of an instant.
    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The open spans of one local date, in order; none on holidays.
    fn day_spans(&self, date: NaiveDate) -> Vec<Span> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        let ranges = &self.week[date.weekday().num_days_from_monday() as usize];
        ranges
            .iter()
            .filter_map(|range| {
                let start = self.instant(date, range.start)?;
                let end = self.instant(date, range.end)?;
                // A range wholly inside a spring-forward gap never happens on that day.
                (start < end).then_some((start, end))
            })
            .collect()
    }

    /// The instant a local wall-clock time (`minute` after midnight of `date`) names, by the
    /// rules in the module documentation. `None` only past the end of chrono's calendar.
    fn instant(&self, date: NaiveDate, minute: u16) -> Option<DateTime<Utc>> {
        let (date, minute) = if minute >= DAY {
            (date.checked_add_days(Days::new(1))?, minute - DAY)
        } else {
            (date, minute)
        };
        let time = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)?;
        let local = date.and_time(time);
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Some(at.with_timezone(&Utc)),
            LocalResult::None => {
                // In a gap: the first wall-clock minute that exists again is when the clock
                // jumped past `local`. Transitions fall on whole minutes.
                (1..=LONGEST_GAP_MINUTES).find_map(|step| {
                    let later = local.checked_add_signed(Duration::minutes(step))?;
                    match self.zone.from_local_datetime(&later) {
                        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                            Some(at.with_timezone(&Utc))
                        }
                        LocalResult::None => None,
                    }
                })
            }
        }
    }

    /// The open spans that end after `from`, in order (the first may have begun before
    /// `from`). Ends after [`SEARCH_DAYS`] days in a row without open time.
    fn spans_from(&self, from: DateTime<Utc>) -> impl Iterator<Item = Span> + '_ {
        let never_open = self.week.iter().all(Vec::is_empty);
        // The day before, too: its last range may run until this day's midnight.
        let mut date = self.local_date(from).pred_opt();
        let mut last_open_date = date;
        let mut pending = std::collections::VecDeque::new();
        let mut previous_end: Option<DateTime<Utc>> = None;
        std::iter::from_fn(move || {
            if never_open {
                return None;
            }
            loop {
                if let Some(span) = pending.pop_front() {
                    return Some(span);
                }
                let day = date?;
                if day.signed_duration_since(last_open_date?).num_days() > SEARCH_DAYS {
                    return None;
                }
                date = day.succ_opt();
                for (start, end) in self.day_spans(day) {
                    last_open_date = Some(day);
                    // Defensive: the time rules keep days in order, but a span must never
                    // overlap the one before it, or open time would count twice.
                    let start = previous_end.map_or(start, |previous| start.max(previous));
                    if start >= end || end <= from {
                        continue;
                    }
                    previous_end = Some(end);
                    pending.push_back((start, end));
                }
            }
        })
    }
}

/// Parses one day: `"09:00-12:00, 13:00-17:00"`, or `"closed"`.
fn parse_day(text: &str) -> Result<Vec<Range>, String> {
    if text.trim().eq_ignore_ascii_case("closed") {
        return Ok(Vec::new());
    }
    let mut ranges = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let (start, end) = part.split_once('-').ok_or_else(|| {
            format!("{part:?} is not a range (expected \"HH:MM-HH:MM\", several separated by commas, or \"closed\")")
        })?;
        let start = parse_time(start.trim(), false).ok_or_else(|| {
            format!(
                "{part:?}: {:?} is not a time from 00:00 to 23:59",
                start.trim()
            )
        })?;
        let end = parse_time(end.trim(), true).ok_or_else(|| {
            format!(
                "{part:?}: {:?} is not a time from 00:01 to 24:00",
                end.trim()
            )
        })?;
        if end == start {
            return Err(format!("{part:?} is empty"));
        }
        if end < start {
            return Err(format!(
                "{part:?} crosses midnight; split it over two days, e.g. \"22:00-24:00\" on \
                 this day and \"00:00-06:00\" on the next"
            ));
        }
        ranges.push(Range { start, end });
    }
    ranges.sort();
    for pair in ranges.windows(2) {
        if let [earlier, later] = pair
            && later.start < earlier.end
        {
            return Err(format!("{} overlaps {}", show(*earlier), show(*later)));
        }
    }
    Ok(ranges)
}

/// `HH:MM` (or `H:MM`) as minutes after midnight; `24:00` only where a range may end.
fn parse_time(text: &str, is_end: bool) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
        return None;
    }
    if !hours
        .bytes()
        .chain(minutes.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    let total = hours * 60 + minutes;
    let valid = minutes < 60 && (total < DAY || (is_end && total == DAY));
    valid.then_some(total)
}

/// A range as it was written, for messages.
fn show(range: Range) -> String {
    format!(
        "\"{:02}:{:02}-{:02}:{:02}\"",
        range.start / 60,
        range.start % 60,
        range.end / 60,
        range.end % 60
    )
}

/// Every `[[business_hours]]` calendar, and which channels and teams use which.
#[derive(Debug, Clone, Default)]
pub struct Calendars {
    calendars: Vec<Calendar>,
    by_channel: HashMap<String, usize>,
    by_team: HashMap<String, usize>,
    /// The calendar named `default`, for conversations no other calendar claims.
    default: Option<usize>,
}

impl Calendars {
    /// Builds and checks all entries.
    ///
    /// # Errors
    /// A message naming the key (`business_hours[1].channels[0]: …`): any error of
    /// [`Calendar::from_config`], a name used twice, or a channel or team claimed by two
    /// calendars.
    pub fn from_config(entries: &[BusinessHoursConfig]) -> Result<Self, String> {
        let mut calendars = Self::default();
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            let key = format!("business_hours[{index}]");
            let calendar = Calendar::from_config(&key, entry)?;
            if let Some(first) = names.insert(entry.name.as_str(), index) {
                return Err(format!(
                    "{key}.name: {:?} is already the name of business_hours[{first}]",
                    entry.name
                ));
            }
            for (field, claimed, owners) in [
                ("channels", &entry.channels, &mut calendars.by_channel),
                ("teams", &entry.teams, &mut calendars.by_team),
            ] {
                for (position, claim) in claimed.iter().enumerate() {
                    if let Some(owner) = owners.insert(claim.clone(), index) {
                        let what = if field == "channels" {
                            "channel"
                        } else {
                            "team"
                        };
                        return Err(format!(
                            "{key}.{field}[{position}]: {what} {claim:?} already uses the \
                             business hours {:?}",
                            entries[owner].name
                        ));
                    }
                }
            }
            if entry.name == "default" {
                calendars.default = Some(index);
            }
            calendars.calendars.push(calendar);
        }
        Ok(calendars)
    }

    /// The calendar that applies to a conversation on `channel` routed to `team`: the team's,
    /// else the channel's, else the one named `default`. `None` means no business hours
    /// apply: always open.
    pub fn for_conversation(&self, channel: &str, team: Option<&str>) -> Option<&Calendar> {
        team.and_then(|team| self.by_team.get(team))
            .or_else(|| self.by_channel.get(channel))
            .or(self.default.as_ref())
            .and_then(|&index| self.calendars.get(index))
    }

    /// Who keeps which calendar, by scope (`team:<name>`, `channel:<name>`, `default`) and
    /// calendar name.
    pub fn scopes(&self) -> Vec<(String, String)> {
        let name = |index: &usize| self.calendars.get(*index).map(|c| c.name.clone());
        let mut scopes: Vec<(String, String)> =
            self.by_team
                .iter()
                .filter_map(|(team, index)| Some((format!("team:{team}"), name(index)?)))
                .chain(self.by_channel.iter().filter_map(|(channel, index)| {
                    Some((format!("channel:{channel}"), name(index)?))
                }))
                .chain(
                    self.default
                        .as_ref()
                        .and_then(|index| Some(("default".to_owned(), name(index)?))),
                )
                .collect();
        scopes.sort();
        scopes
    }

    /// The calendar called `name`.
    pub fn get(&self, name: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|calendar| calendar.name == name)
    }

    /// All calendars, in config order.
    pub fn iter(&self) -> impl Iterator<Item = &Calendar> {
        self.calendars.iter()
    }
}

#[cfg(test)]
mod tests;
