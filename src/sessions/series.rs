//! Recurring sessions: when the occurrences of a repeat rule fall. Every
//! occurrence starts at the first one's local wall-clock time in the
//! cohort's zone, so a 09:00 master class in Paris stays at 09:00 across
//! the change to summer time (its UTC hour moves). Pure, so unit-tested.

use chrono::{Days, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use super::rows::Frequency;
use crate::error::{FieldError, Issue};

/// The most occurrences one series may have.
pub const MAX_OCCURRENCES: usize = 100;

/// When a series stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum End {
    /// After this many occurrences, the first included.
    Count(usize),
    /// On this local date at the latest (inclusive).
    Until(NaiveDate),
}

/// A checked repeat rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Repeat {
    pub frequency: Frequency,
    pub interval: u32,
    pub end: End,
}

/// The UTC start of every occurrence, the first (`first`, UTC) included.
/// A local time that a change of offset skips (02:30 on the night clocks go
/// forward) moves on by the gap; one that happens twice takes the first.
pub fn starts(
    first: NaiveDateTime,
    zone: Tz,
    rule: &Repeat,
) -> Result<Vec<NaiveDateTime>, FieldError> {
    let local = zone.from_utc_datetime(&first).naive_local();
    let step = u64::from(rule.interval)
        * match rule.frequency {
            Frequency::Daily => 1,
            Frequency::Weekly => 7,
        };
    if let End::Until(until) = rule.end {
        if until < local.date() {
            return Err(FieldError::new("repeat.until", Issue::EndBeforeStart));
        }
    }
    let mut out = Vec::new();
    for k in 0.. {
        let date = local
            .date()
            .checked_add_days(Days::new(step * k))
            .ok_or_else(|| FieldError::new("repeat", Issue::Implausible))?;
        let done = match rule.end {
            End::Count(n) => out.len() >= n,
            End::Until(until) => date > until,
        };
        if done {
            break;
        }
        if out.len() == MAX_OCCURRENCES {
            return Err(FieldError::new(
                "repeat.until",
                Issue::TooMany {
                    max: MAX_OCCURRENCES,
                },
            ));
        }
        out.push(to_utc(zone, date.and_time(local.time())));
    }
    Ok(out)
}

/// A local wall-clock time in `zone` as UTC.
fn to_utc(zone: Tz, local: NaiveDateTime) -> NaiveDateTime {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.naive_utc(),
        // In a gap: the same instant as just before it, read with the new
        // offset (02:30 becomes 03:30 when clocks jump from 02:00 to 03:00).
        LocalResult::None => {
            let before = zone
                .offset_from_local_datetime(&(local - Duration::hours(3)))
                .earliest()
                .map_or(0, |o| o.fix().local_minus_utc());
            local - Duration::seconds(i64::from(before))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn weekly(end: End) -> Repeat {
        Repeat {
            frequency: Frequency::Weekly,
            interval: 1,
            end,
        }
    }

    #[test]
    fn weekly_in_paris_keeps_the_local_hour_across_summer_time() {
        // 09:00 in Paris: 08:00 UTC in winter, 07:00 UTC from 28 March 2027.
        let got = starts(
            utc("2027-03-21 08:00"),
            chrono_tz::Europe::Paris,
            &weekly(End::Count(3)),
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                utc("2027-03-21 08:00"),
                utc("2027-03-28 07:00"),
                utc("2027-04-04 07:00")
            ]
        );
    }

    #[test]
    fn a_skipped_local_time_moves_on_by_the_gap() {
        let rule = Repeat {
            frequency: Frequency::Daily,
            interval: 1,
            end: End::Count(2),
        };
        // 02:30 on 28 March 2027 does not exist in Paris: 03:30 CEST.
        let got = starts(utc("2027-03-27 01:30"), chrono_tz::Europe::Paris, &rule).unwrap();
        assert_eq!(got, vec![utc("2027-03-27 01:30"), utc("2027-03-28 01:30")]);
    }

    #[test]
    fn a_repeated_local_time_takes_the_first() {
        let rule = Repeat {
            frequency: Frequency::Daily,
            interval: 1,
            end: End::Count(2),
        };
        // 02:30 on 31 October 2027 happens twice in Paris: the CEST one.
        let got = starts(utc("2027-10-30 00:30"), chrono_tz::Europe::Paris, &rule).unwrap();
        assert_eq!(got, vec![utc("2027-10-30 00:30"), utc("2027-10-31 00:30")]);
    }

    #[test]
    fn until_is_an_inclusive_local_date() {
        // 22:30 UTC is 23:30 in Douala, still on the local date of `until`.
        let rule = Repeat {
            frequency: Frequency::Weekly,
            interval: 2,
            end: End::Until(NaiveDate::from_ymd_opt(2027, 1, 29).unwrap()),
        };
        let got = starts(utc("2027-01-01 22:30"), chrono_tz::Africa::Douala, &rule).unwrap();
        assert_eq!(
            got,
            vec![
                utc("2027-01-01 22:30"),
                utc("2027-01-15 22:30"),
                utc("2027-01-29 22:30")
            ]
        );
    }

    #[test]
    fn at_most_a_hundred_and_until_not_before_the_start() {
        let daily = |end| Repeat {
            frequency: Frequency::Daily,
            interval: 1,
            end,
        };
        let first = utc("2027-01-01 09:00");
        let zone = chrono_tz::Africa::Abidjan;
        assert_eq!(
            starts(first, zone, &daily(End::Count(100))).unwrap().len(),
            100
        );
        let too_far = daily(End::Until(NaiveDate::from_ymd_opt(2027, 4, 11).unwrap()));
        assert_eq!(
            starts(first, zone, &too_far).unwrap_err().field,
            "repeat.until"
        );
        let hundred = daily(End::Until(NaiveDate::from_ymd_opt(2027, 4, 10).unwrap()));
        assert_eq!(starts(first, zone, &hundred).unwrap().len(), 100);
        let before = daily(End::Until(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()));
        assert_eq!(
            starts(first, zone, &before).unwrap_err().issue,
            Issue::EndBeforeStart
        );
    }
}
