// Times below are written in UTC with the Prague wall-clock time beside them: CET is UTC+1,
// CEST (from 29 March 2026 and until 25 October 2026) is UTC+2. In 2026, 24 November is a
// Tuesday, 24 December a Thursday.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::{Calendar, Calendars};
use crate::automation::settings::BusinessHoursConfig;

fn utc(text: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .expect("test time")
        .and_utc()
}

fn entry(name: &str) -> BusinessHoursConfig {
    BusinessHoursConfig {
        name: name.into(),
        timezone: "Europe/Prague".into(),
        ..BusinessHoursConfig::default()
    }
}

/// Monday to Friday, 09:00-17:00 in Prague.
fn office() -> BusinessHoursConfig {
    let hours = Some("09:00-17:00".to_owned());
    BusinessHoursConfig {
        monday: hours.clone(),
        tuesday: hours.clone(),
        wednesday: hours.clone(),
        thursday: hours.clone(),
        friday: hours,
        ..entry("support")
    }
}

fn build(entry: &BusinessHoursConfig) -> Calendar {
    Calendar::from_config("business_hours[0]", entry).expect("valid calendar")
}

fn every_day(hours: &str) -> BusinessHoursConfig {
    let hours = Some(hours.to_owned());
    BusinessHoursConfig {
        monday: hours.clone(),
        tuesday: hours.clone(),
        wednesday: hours.clone(),
        thursday: hours.clone(),
        friday: hours.clone(),
        saturday: hours.clone(),
        sunday: hours,
        ..entry("always")
    }
}

fn sunday_only(hours: &str) -> Calendar {
    build(&BusinessHoursConfig {
        sunday: Some(hours.to_owned()),
        ..entry("sundays")
    })
}

#[test]
fn open_from_the_first_minute_and_closed_at_the_last() {
    let calendar = build(&office());
    assert!(!calendar.is_open(utc("2026-11-24 07:59")), "08:59 CET");
    assert!(calendar.is_open(utc("2026-11-24 08:00")), "09:00 CET");
    assert!(calendar.is_open(utc("2026-11-24 15:59")), "16:59 CET");
    assert!(!calendar.is_open(utc("2026-11-24 16:00")), "17:00 CET");
    assert!(
        calendar.is_open(utc("2026-11-24 16:00") - Duration::nanoseconds(1)),
        "open until the very end"
    );
}

#[test]
fn weekends_are_closed_when_their_days_are_missing() {
    let calendar = build(&office());
    assert!(!calendar.is_open(utc("2026-11-28 10:00")), "Saturday");
    assert!(!calendar.is_open(utc("2026-11-29 10:00")), "Sunday");
    assert!(calendar.is_open(utc("2026-11-30 10:00")), "Monday");
}

#[test]
fn a_lunch_break_splits_the_day() {
    let calendar = build(&BusinessHoursConfig {
        tuesday: Some("09:00-12:00, 13:00-17:00".into()),
        ..entry("split")
    });
    assert!(calendar.is_open(utc("2026-11-24 10:59")), "11:59 CET");
    assert!(!calendar.is_open(utc("2026-11-24 11:30")), "12:30 CET");
    assert_eq!(
        calendar.next_open(utc("2026-11-24 11:30")),
        Some(utc("2026-11-24 12:00"))
    );
    assert_eq!(
        calendar.business_time_between(utc("2026-11-24 00:00"), utc("2026-11-25 00:00")),
        Duration::hours(7)
    );
}

#[test]
fn next_open_is_now_when_open() {
    let calendar = build(&office());
    let now = utc("2026-11-24 09:17");
    assert_eq!(calendar.next_open(now), Some(now));
}

#[test]
fn next_open_later_the_same_day() {
    let calendar = build(&office());
    assert_eq!(
        calendar.next_open(utc("2026-11-24 05:00")),
        Some(utc("2026-11-24 08:00"))
    );
}

#[test]
fn next_open_skips_the_weekend() {
    let calendar = build(&office());
    // Friday 17:00 CET → Monday 09:00 CET.
    assert_eq!(
        calendar.next_open(utc("2026-11-27 16:00")),
        Some(utc("2026-11-30 08:00"))
    );
}

#[test]
fn next_open_skips_holidays_and_the_weekend_after_them() {
    let calendar = build(&BusinessHoursConfig {
        holidays: vec!["2026-12-24".into(), "2026-12-25".into()],
        ..office()
    });
    assert!(!calendar.is_open(utc("2026-12-24 10:00")));
    // Wednesday 17:30 CET → (Thu, Fri holidays; weekend) → Monday 28 December 09:00 CET.
    assert_eq!(
        calendar.next_open(utc("2026-12-23 16:30")),
        Some(utc("2026-12-28 08:00"))
    );
}

#[test]
fn a_holiday_is_a_local_date() {
    let calendar = build(&BusinessHoursConfig {
        holidays: vec!["2026-12-24".into()],
        ..every_day("00:00-24:00")
    });
    assert!(
        calendar.is_open(utc("2026-12-23 22:59")),
        "23:59 on the 23rd"
    );
    assert!(
        !calendar.is_open(utc("2026-12-23 23:00")),
        "00:00 on the 24th"
    );
    assert!(
        !calendar.is_open(utc("2026-12-24 22:59")),
        "23:59 on the 24th"
    );
    assert!(
        calendar.is_open(utc("2026-12-24 23:00")),
        "00:00 on the 25th"
    );
}

#[test]
fn a_calendar_without_hours_never_opens() {
    let calendar = build(&entry("closed"));
    let at = utc("2026-11-24 10:00");
    assert!(!calendar.is_open(at));
    assert_eq!(calendar.next_open(at), None);
    assert_eq!(calendar.add_business_time(at, Duration::minutes(1)), None);
    assert_eq!(
        calendar.business_time_between(at, at + Duration::days(30)),
        Duration::zero()
    );
}

#[test]
fn over_a_year_of_holidays_ends_the_search() {
    // Open on Mondays only, and every Monday for 60 weeks is a holiday.
    let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    let holidays = (0..60)
        .map(|week| (first + chrono::Days::new(7 * week)).to_string())
        .collect();
    let calendar = build(&BusinessHoursConfig {
        monday: Some("09:00-17:00".into()),
        holidays,
        ..entry("mondays")
    });
    assert_eq!(calendar.next_open(utc("2026-11-24 10:00")), None);
    assert_eq!(
        calendar.add_business_time(utc("2026-11-24 10:00"), Duration::hours(1)),
        None
    );
}

#[test]
fn a_week_of_holidays_is_crossed() {
    let calendar = build(&BusinessHoursConfig {
        holidays: (21..=31).map(|day| format!("2026-12-{day}")).collect(),
        ..office()
    });
    // Friday 18 December 16:00 CET plus two hours: one that day, one on the next
    // working day after the holidays and the weekends.
    assert_eq!(
        calendar.add_business_time(utc("2026-12-18 15:00"), Duration::hours(2)),
        Some(utc("2027-01-01 09:00")),
        "1 January 2027 is a Friday and not a holiday here"
    );
}

#[test]
fn adding_within_one_day() {
    let calendar = build(&office());
    assert_eq!(
        calendar.add_business_time(utc("2026-11-24 08:00"), Duration::hours(2)),
        Some(utc("2026-11-24 10:00"))
    );
}

#[test]
fn adding_up_to_the_closing_time_ends_at_it() {
    let calendar = build(&office());
    assert_eq!(
        calendar.add_business_time(utc("2026-11-24 08:00"), Duration::hours(8)),
        Some(utc("2026-11-24 16:00"))
    );
}

#[test]
fn adding_across_a_night() {
    let calendar = build(&office());
    // Tuesday 16:00 CET + 2 h: one hour on Tuesday, one on Wednesday from 09:00 CET.
    assert_eq!(
        calendar.add_business_time(utc("2026-11-24 15:00"), Duration::hours(2)),
        Some(utc("2026-11-25 09:00"))
    );
}

#[test]
fn adding_across_a_weekend() {
    let calendar = build(&office());
    assert_eq!(
        calendar.add_business_time(utc("2026-11-27 15:30"), Duration::hours(1)),
        Some(utc("2026-11-30 08:30"))
    );
}

#[test]
fn adding_from_a_closed_time_starts_at_the_next_opening() {
    let calendar = build(&office());
    assert_eq!(
        calendar.add_business_time(utc("2026-11-28 12:00"), Duration::minutes(30)),
        Some(utc("2026-11-30 08:30"))
    );
}

#[test]
fn adding_more_than_a_week() {
    let calendar = build(&office());
    // 45 business hours from Monday 09:00 CET: five full days (40 h), then 5 h on Monday.
    assert_eq!(
        calendar.add_business_time(utc("2026-11-23 08:00"), Duration::hours(45)),
        Some(utc("2026-11-30 13:00"))
    );
}

#[test]
fn zero_and_negative_durations_give_the_start() {
    let calendar = build(&office());
    let saturday = utc("2026-11-28 12:00");
    assert_eq!(
        calendar.add_business_time(saturday, Duration::zero()),
        Some(saturday)
    );
    assert_eq!(
        calendar.add_business_time(saturday, Duration::hours(-3)),
        Some(saturday)
    );
}

#[test]
fn adding_across_spring_forward() {
    let calendar = build(&office());
    // Friday 27 March 16:00 CET + 2 h → Monday 30 March 10:00 CEST.
    assert_eq!(
        calendar.add_business_time(utc("2026-03-27 15:00"), Duration::hours(2)),
        Some(utc("2026-03-30 08:00"))
    );
}

#[test]
fn adding_across_fall_back() {
    let calendar = build(&office());
    // Friday 23 October 16:00 CEST + 2 h → Monday 26 October 10:00 CET.
    assert_eq!(
        calendar.add_business_time(utc("2026-10-23 14:00"), Duration::hours(2)),
        Some(utc("2026-10-26 09:00"))
    );
}

#[test]
fn the_spring_forward_day_has_23_hours_and_the_fall_back_day_25() {
    let calendar = sunday_only("00:00-24:00");
    assert_eq!(
        calendar.business_time_between(utc("2026-03-28 12:00"), utc("2026-03-30 12:00")),
        Duration::hours(23)
    );
    assert_eq!(
        calendar.business_time_between(utc("2026-10-24 12:00"), utc("2026-10-26 12:00")),
        Duration::hours(25)
    );
}

#[test]
fn a_range_starting_in_the_skipped_hour_opens_when_the_clock_jumps() {
    let calendar = sunday_only("02:30-04:00");
    // 29 March: 02:00 CET jumps to 03:00 CEST at 01:00 UTC; 04:00 CEST is 02:00 UTC.
    assert!(!calendar.is_open(utc("2026-03-29 00:59")));
    assert!(calendar.is_open(utc("2026-03-29 01:00")));
    assert!(!calendar.is_open(utc("2026-03-29 02:00")));
    assert_eq!(
        calendar.next_open(utc("2026-03-28 12:00")),
        Some(utc("2026-03-29 01:00"))
    );
    assert_eq!(
        calendar.business_time_between(utc("2026-03-28 00:00"), utc("2026-03-30 00:00")),
        Duration::hours(1)
    );
}

#[test]
fn a_range_wholly_inside_the_skipped_hour_does_not_happen_that_day() {
    let calendar = sunday_only("02:10-02:50");
    // Not on 29 March; next Sunday 02:10 CEST is 00:10 UTC.
    assert_eq!(
        calendar.next_open(utc("2026-03-28 12:00")),
        Some(utc("2026-04-05 00:10"))
    );
}

#[test]
fn the_repeated_hour_counts_once_per_pass() {
    let calendar = sunday_only("01:00-04:00");
    // 25 October: 01:00 CEST is 23:00 UTC on the 24th, 04:00 CET is 03:00 UTC.
    assert!(calendar.is_open(utc("2026-10-24 23:00")));
    assert!(
        calendar.is_open(utc("2026-10-25 01:30")),
        "02:30 CET, second pass"
    );
    assert!(!calendar.is_open(utc("2026-10-25 03:00")));
    assert_eq!(
        calendar.business_time_between(utc("2026-10-24 00:00"), utc("2026-10-26 00:00")),
        Duration::hours(4)
    );
}

#[test]
fn an_ambiguous_start_means_its_first_occurrence() {
    let calendar = sunday_only("02:30-03:30");
    // 02:30 CEST (00:30 UTC) until 03:30 CET (02:30 UTC).
    assert_eq!(
        calendar.next_open(utc("2026-10-24 12:00")),
        Some(utc("2026-10-25 00:30"))
    );
    assert_eq!(
        calendar.business_time_between(utc("2026-10-24 00:00"), utc("2026-10-26 00:00")),
        Duration::hours(2)
    );
}

#[test]
fn ranges_meeting_at_midnight_run_on() {
    let calendar = build(&BusinessHoursConfig {
        monday: Some("22:00-24:00".into()),
        tuesday: Some("00:00-06:00".into()),
        ..entry("night")
    });
    assert!(
        calendar.is_open(utc("2026-11-23 23:00")),
        "00:00 CET Tuesday"
    );
    // Monday 22:00 CET + 3 h → Tuesday 01:00 CET, without a break at midnight.
    assert_eq!(
        calendar.add_business_time(utc("2026-11-23 21:00"), Duration::hours(3)),
        Some(utc("2026-11-24 00:00"))
    );
    assert_eq!(
        calendar.business_time_between(utc("2026-11-23 00:00"), utc("2026-11-25 00:00")),
        Duration::hours(8)
    );
}

#[test]
fn business_time_between_counts_only_open_time() {
    let calendar = build(&office());
    assert_eq!(
        calendar.business_time_between(utc("2026-11-24 09:00"), utc("2026-11-24 10:30")),
        Duration::minutes(90)
    );
    // Friday 09:00 CET → Monday 17:00 CET: two full days.
    assert_eq!(
        calendar.business_time_between(utc("2026-11-27 08:00"), utc("2026-11-30 16:00")),
        Duration::hours(16)
    );
    assert_eq!(
        calendar.business_time_between(utc("2026-11-28 08:00"), utc("2026-11-29 16:00")),
        Duration::zero(),
        "a weekend"
    );
}

#[test]
fn business_time_between_is_antisymmetric() {
    let calendar = build(&office());
    let (a, b) = (utc("2026-11-24 10:00"), utc("2026-11-25 10:00"));
    assert_eq!(calendar.business_time_between(a, b), Duration::hours(8));
    assert_eq!(calendar.business_time_between(b, a), Duration::hours(-8));
    assert_eq!(calendar.business_time_between(a, a), Duration::zero());
}

#[test]
fn adding_and_measuring_agree() {
    let calendar = build(&BusinessHoursConfig {
        holidays: vec!["2026-03-31".into()],
        ..office()
    });
    for start in ["2026-03-26 10:00", "2026-03-27 15:59", "2026-03-28 03:00"] {
        for minutes in [1, 59, 60, 480, 481, 2000] {
            let start = utc(start);
            let duration = Duration::minutes(minutes);
            let end = calendar
                .add_business_time(start, duration)
                .expect("open again");
            assert_eq!(
                calendar.business_time_between(start, end),
                duration,
                "{start} + {minutes} min = {end}"
            );
            assert!(
                calendar.business_time_between(start, end - Duration::minutes(1)) < duration,
                "{end} is the earliest such instant"
            );
        }
    }
}

/// Minute by minute over both 2026 transition weeks, `is_open` and `business_time_between`
/// tell the same story, with ranges that touch the skipped and the repeated hour.
#[test]
fn open_minutes_match_the_measured_time_across_dst_weeks() {
    let calendar = build(&BusinessHoursConfig {
        saturday: Some("20:00-24:00".into()),
        sunday: Some("00:00-01:30, 02:15-02:45, 02:50-05:00, 23:00-24:00".into()),
        monday: Some("00:00-00:30, 09:00-17:00".into()),
        ..entry("transitions")
    });
    for (from, to) in [
        ("2026-03-27 00:00", "2026-03-31 00:00"),
        ("2026-10-23 00:00", "2026-10-27 00:00"),
    ] {
        let (from, to) = (utc(from), utc(to));
        let mut open_minutes = 0;
        let mut at = from;
        while at < to {
            if calendar.is_open(at) {
                open_minutes += 1;
            }
            at += Duration::minutes(1);
        }
        assert_eq!(
            calendar.business_time_between(from, to),
            Duration::minutes(open_minutes),
            "{from} to {to}"
        );
    }
}

#[test]
fn hours_may_be_written_with_one_digit_and_days_may_say_closed() {
    let calendar = build(&BusinessHoursConfig {
        monday: Some(" 9:00-17:00 ".into()),
        tuesday: Some("closed".into()),
        ..entry("short")
    });
    assert!(calendar.is_open(utc("2026-11-23 08:00")));
    assert!(!calendar.is_open(utc("2026-11-24 10:00")));
}

#[test]
fn the_time_zone_is_reported_by_name() {
    assert_eq!(build(&office()).timezone(), "Europe/Prague");
    assert_eq!(build(&office()).name(), "support");
}

fn error(entry: BusinessHoursConfig) -> String {
    Calendar::from_config("business_hours[0]", &entry).expect_err("invalid")
}

#[test]
fn bad_entries_are_refused_with_their_key() {
    let cases = [
        (
            BusinessHoursConfig {
                timezone: "Europe/Prag".into(),
                ..office()
            },
            "business_hours[0].timezone: unknown time zone \"Europe/Prag\"",
        ),
        (
            BusinessHoursConfig {
                monday: Some("9-17".into()),
                ..office()
            },
            "business_hours[0].monday: \"9-17\"",
        ),
        (
            BusinessHoursConfig {
                tuesday: Some("09:00-24:30".into()),
                ..office()
            },
            "business_hours[0].tuesday: \"09:00-24:30\"",
        ),
        (
            BusinessHoursConfig {
                wednesday: Some("24:00-24:00".into()),
                ..office()
            },
            "business_hours[0].wednesday",
        ),
        (
            BusinessHoursConfig {
                thursday: Some("09:00".into()),
                ..office()
            },
            "business_hours[0].thursday: \"09:00\" is not a range",
        ),
        (
            BusinessHoursConfig {
                friday: Some("22:00-06:00".into()),
                ..office()
            },
            "business_hours[0].friday: \"22:00-06:00\" crosses midnight",
        ),
        (
            BusinessHoursConfig {
                saturday: Some("10:00-10:00".into()),
                ..office()
            },
            "business_hours[0].saturday: \"10:00-10:00\" is empty",
        ),
        (
            BusinessHoursConfig {
                sunday: Some("09:00-12:00, 11:00-14:00".into()),
                ..office()
            },
            "business_hours[0].sunday: \"09:00-12:00\" overlaps \"11:00-14:00\"",
        ),
        (
            BusinessHoursConfig {
                monday: Some("".into()),
                ..office()
            },
            "business_hours[0].monday",
        ),
        (
            BusinessHoursConfig {
                holidays: vec!["2026-12-24".into(), "2026-13-01".into()],
                ..office()
            },
            "business_hours[0].holidays[1]: \"2026-13-01\" is not a date",
        ),
        (
            BusinessHoursConfig {
                name: " ".into(),
                ..office()
            },
            "business_hours[0].name: must not be empty",
        ),
    ];
    for (entry, expected) in cases {
        let message = error(entry);
        assert!(
            message.starts_with(expected),
            "{message:?} should start with {expected:?}"
        );
    }
}

#[test]
fn touching_ranges_are_allowed() {
    let calendar = build(&BusinessHoursConfig {
        monday: Some("13:00-17:00, 09:00-13:00".into()),
        ..entry("touching")
    });
    assert_eq!(
        calendar.business_time_between(utc("2026-11-23 00:00"), utc("2026-11-24 00:00")),
        Duration::hours(8)
    );
}

fn calendars(entries: &[BusinessHoursConfig]) -> Result<Calendars, String> {
    Calendars::from_config(entries)
}

#[test]
fn a_team_calendar_beats_the_channel_one_which_beats_the_default() {
    let set = calendars(&[
        BusinessHoursConfig {
            channels: vec!["shop".into()],
            ..office()
        },
        BusinessHoursConfig {
            teams: vec!["billing".into()],
            timezone: "America/New_York".into(),
            ..entry("billing")
        },
        BusinessHoursConfig {
            timezone: "UTC".into(),
            ..entry("default")
        },
    ])
    .expect("valid");
    let name = |channel, team| set.for_conversation(channel, team).map(Calendar::name);
    assert_eq!(name("shop", Some("billing")), Some("billing"));
    assert_eq!(name("shop", Some("sales")), Some("support"));
    assert_eq!(name("shop", None), Some("support"));
    assert_eq!(name("mail", None), Some("default"));
    assert_eq!(name("mail", Some("billing")), Some("billing"));
    assert_eq!(
        set.get("billing").map(Calendar::timezone),
        Some("America/New_York")
    );
    assert_eq!(set.iter().count(), 3);
}

#[test]
fn without_a_default_unclaimed_conversations_have_no_calendar() {
    let set = calendars(&[BusinessHoursConfig {
        channels: vec!["shop".into()],
        ..office()
    }])
    .expect("valid");
    assert!(set.for_conversation("mail", None).is_none());
    assert!(
        calendars(&[])
            .expect("empty")
            .for_conversation("shop", None)
            .is_none()
    );
}

#[test]
fn names_channels_and_teams_are_claimed_once() {
    let cases = [
        (
            vec![office(), office()],
            "business_hours[1].name: \"support\" is already the name of business_hours[0]",
        ),
        (
            vec![
                BusinessHoursConfig {
                    channels: vec!["shop".into()],
                    ..office()
                },
                BusinessHoursConfig {
                    channels: vec!["mail".into(), "shop".into()],
                    ..entry("other")
                },
            ],
            "business_hours[1].channels[1]: channel \"shop\" already uses the business hours \"support\"",
        ),
        (
            vec![
                BusinessHoursConfig {
                    teams: vec!["billing".into()],
                    ..office()
                },
                BusinessHoursConfig {
                    teams: vec!["billing".into()],
                    ..entry("other")
                },
            ],
            "business_hours[1].teams[0]: team \"billing\" already uses the business hours \"support\"",
        ),
        (
            vec![
                office(),
                BusinessHoursConfig {
                    timezone: "Mars/Olympus".into(),
                    ..entry("other")
                },
            ],
            "business_hours[1].timezone",
        ),
    ];
    for (entries, expected) in cases {
        let message = calendars(&entries).expect_err("invalid");
        assert!(
            message.starts_with(expected),
            "{message:?} should start with {expected:?}"
        );
    }
}

/// Counts open minutes by sampling `is_open` and compares with `business_time_between`.
fn assert_sampling_agrees(calendar: &Calendar, from: &str, to: &str) {
    let (from, to) = (utc(from), utc(to));
    let mut open_minutes = 0;
    let mut at = from;
    while at < to {
        if calendar.is_open(at) {
            open_minutes += 1;
        }
        at += Duration::minutes(1);
    }
    assert!(open_minutes > 0, "the window must hold some open time");
    assert_eq!(
        calendar.business_time_between(from, to),
        Duration::minutes(open_minutes),
        "{} from {from} to {to}",
        calendar.timezone()
    );
}

#[test]
fn a_zone_whose_midnight_is_skipped() {
    // Chile moves its clocks forward at midnight in early September: that day has no 00:00.
    let calendar = build(&BusinessHoursConfig {
        timezone: "America/Santiago".into(),
        ..every_day("00:00-01:30, 22:00-24:00")
    });
    assert_sampling_agrees(&calendar, "2026-09-03 00:00", "2026-09-10 00:00");
    assert_sampling_agrees(&calendar, "2026-04-01 00:00", "2026-04-08 00:00");
}

#[test]
fn a_zone_that_skipped_a_whole_day() {
    // Samoa jumped from 29 to 31 December 2011: 30 December never happened there.
    let calendar = build(&BusinessHoursConfig {
        timezone: "Pacific/Apia".into(),
        ..every_day("09:00-17:00")
    });
    assert_sampling_agrees(&calendar, "2011-12-27 00:00", "2012-01-03 00:00");
    // From 00:00 on 27 December (UTC-10) to 00:00 on 3 January (UTC+14): six local days
    // (27, 28, 29, 31 December, 1 and 2 January) of eight hours, not seven.
    assert_eq!(
        calendar.business_time_between(utc("2011-12-27 10:00"), utc("2012-01-02 10:00")),
        Duration::hours(48)
    );
}
