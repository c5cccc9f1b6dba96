//! Instants in and out, on the hot paths of lists and rosters.
//!
//! Profiles of `GET /cohorts/{id}/sessions` spent a quarter of the request
//! on timestamps: diesel reads a SQLite `TIMESTAMP` by trying chrono format
//! strings one after another, and chrono writes RFC 3339 through
//! `fmt::Display`, one character at a time into serde's escaper. Both
//! directions here handle the one shape we store and send with plain
//! digit arithmetic, and fall back to chrono for anything else, so the
//! bytes are exactly chrono's (unit tests compare them).
//!
//! - [`Ts`]: a `Timestamp` column read as `YYYY-MM-DD HH:MM:SS[.f]` on
//!   SQLite (what diesel writes); use it with
//!   `#[diesel(deserialize_as = crate::db::instants::Ts)]` on `NaiveDateTime` fields.
//! - [`utc`] / [`utc_opt`]: `#[serde(serialize_with = ...)]` for
//!   `DateTime<Utc>` fields, the same text as chrono's `Serialize`.
//! - [`with_offset`]: RFC 3339 with a numeric offset, as
//!   `to_rfc3339_opts(SecondsFormat::AutoSi, false)`.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::Timestamp;
use diesel::sqlite::Sqlite;
use serde::Serializer;

use crate::db::MultiBackend;

/// A `NaiveDateTime` read from a `Timestamp` column (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct Ts(pub NaiveDateTime);

impl From<Ts> for NaiveDateTime {
    fn from(t: Ts) -> Self {
        t.0
    }
}

impl FromSql<Timestamp, Sqlite> for Ts {
    fn from_sql(
        mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        if let Some(t) = parse_sqlite(value.read_text().as_bytes()) {
            return Ok(Ts(t));
        }
        // Other text forms, julian day numbers: diesel's own reading.
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Ts)
    }
}

impl FromSql<Timestamp, Pg> for Ts {
    fn from_sql(
        bytes: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(bytes).map(Ts)
    }
}

impl FromSql<Timestamp, MultiBackend> for Ts {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, Timestamp>()
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1–9 fraction digits;
/// `None` for anything else (including leap seconds and invalid dates).
pub fn parse_sqlite(s: &[u8]) -> Option<NaiveDateTime> {
    if s.len() < 19
        || s[4] != b'-'
        || s[7] != b'-'
        || s[10] != b' '
        || s[13] != b':'
        || s[16] != b':'
    {
        return None;
    }
    let digit = |i: usize| -> Option<u32> {
        let d = s[i].wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
    let year = i32::try_from(two(0)? * 100 + two(2)?).ok()?;
    let mut nanos = 0;
    if s.len() > 19 {
        if s[19] != b'.' || s.len() == 20 || s.len() > 29 {
            return None;
        }
        let mut scale = 100_000_000;
        for i in 20..s.len() {
            nanos += digit(i)? * scale;
            scale /= 10;
        }
    }
    NaiveDate::from_ymd_opt(year, two(5)?, two(8)?)?.and_hms_nano_opt(
        two(11)?,
        two(14)?,
        two(17)?,
        nanos,
    )
}

/// Longest output: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+HH:MM`.
const MAX_LEN: usize = 35;

/// Writes `at` (local wall time) as RFC 3339 with chrono's `AutoSi`
/// fraction (none, 3, 6 or 9 digits), then `Z` when `offset` is `None`
/// or `±HH:MM`. Returns `None` where chrono's own writer must be used:
/// years outside 0–9999, leap seconds, offsets with seconds.
fn write(buf: &mut [u8; MAX_LEN], at: &NaiveDateTime, offset: Option<i32>) -> Option<usize> {
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = at.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let mut n = 0;
    put(buf, &mut n, year, 4, b'-');
    put(buf, &mut n, at.month(), 2, b'-');
    put(buf, &mut n, at.day(), 2, b'T');
    put(buf, &mut n, at.hour(), 2, b':');
    put(buf, &mut n, at.minute(), 2, b':');
    put(buf, &mut n, at.second(), 2, 0);
    if nanos != 0 {
        buf[n] = b'.';
        n += 1;
        if nanos.is_multiple_of(1_000_000) {
            put(buf, &mut n, nanos / 1_000_000, 3, 0);
        } else if nanos.is_multiple_of(1_000) {
            put(buf, &mut n, nanos / 1_000, 6, 0);
        } else {
            put(buf, &mut n, nanos, 9, 0);
        }
    }
    match offset {
        None => {
            buf[n] = b'Z';
            n += 1;
        }
        Some(secs) => {
            if secs % 60 != 0 {
                return None;
            }
            let minutes = secs.unsigned_abs() / 60;
            buf[n] = if secs < 0 { b'-' } else { b'+' };
            n += 1;
            put(buf, &mut n, minutes / 60, 2, b':');
            put(buf, &mut n, minutes % 60, 2, 0);
        }
    }
    Some(n)
}

/// Writes `value` as `width` digits, then `sep` unless it is 0.
fn put(buf: &mut [u8; MAX_LEN], n: &mut usize, value: u32, width: u32, sep: u8) {
    let mut div = 10u32.pow(width - 1);
    while div > 0 {
        buf[*n] = b'0' + (value / div % 10) as u8;
        *n += 1;
        div /= 10;
    }
    if sep != 0 {
        buf[*n] = sep;
        *n += 1;
    }
}

/// `DateTime<Utc>` as chrono's `Serialize` writes it (`…Z`).
pub fn utc<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0; MAX_LEN];
    match write(&mut buf, &at.naive_utc(), None) {
        // The buffer holds ASCII digits and punctuation only.
        Some(n) => s.serialize_str(std::str::from_utf8(&buf[..n]).unwrap_or_default()),
        None => s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
    }
}

/// [`utc`] for an optional instant (`null` when absent).
pub fn utc_opt<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => utc(at, s),
        None => s.serialize_none(),
    }
}

/// A UTC instant shown at a fixed offset (seconds east of UTC), as
/// `to_rfc3339_opts(SecondsFormat::AutoSi, false)` writes it.
pub fn with_offset(at: NaiveDateTime, offset: chrono::FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    let local = at + chrono::Duration::seconds(i64::from(secs));
    let mut buf = [0; MAX_LEN];
    match write(&mut buf, &local, Some(secs)) {
        Some(n) => String::from_utf8_lossy(&buf[..n]).into_owned(),
        None => at
            .and_utc()
            .with_timezone(&offset)
            .to_rfc3339_opts(SecondsFormat::AutoSi, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    /// Instants with every fraction shape, across years and offsets.
    fn samples() -> Vec<NaiveDateTime> {
        let mut out = Vec::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..2000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = (x % 8_000_000_000) as i64 - 1_000_000_000; // 1938–2223
            let nanos = match i % 5 {
                0 => 0,
                1 => (x % 1000) as u32 * 1_000_000,
                2 => (x % 1_000_000) as u32 * 1_000,
                3 => (x % 1_000_000_000) as u32,
                _ => 1_000,
            };
            out.push(DateTime::from_timestamp(secs, nanos).unwrap().naive_utc());
        }
        out.push(
            NaiveDate::from_ymd_opt(1, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        );
        out.push(
            NaiveDate::from_ymd_opt(9999, 12, 31)
                .unwrap()
                .and_hms_nano_opt(23, 59, 59, 999_999_999)
                .unwrap(),
        );
        out
    }

    #[test]
    fn utc_text_is_chronos() {
        for at in samples() {
            let ours = serde_json::to_string(&Wrap(at.and_utc())).unwrap();
            let chrono = serde_json::to_string(&at.and_utc()).unwrap();
            assert_eq!(ours, chrono);
        }

        #[derive(serde::Serialize)]
        struct Wrap(#[serde(serialize_with = "utc")] DateTime<Utc>);
    }

    #[test]
    fn offset_text_is_chronos() {
        for (k, at) in samples().into_iter().enumerate() {
            let secs = [0, 3600, -3600, 19_800, -34_200, 50_400, 3661][k % 7];
            let offset = FixedOffset::east_opt(secs).unwrap();
            let chrono = at
                .and_utc()
                .with_timezone(&offset)
                .to_rfc3339_opts(SecondsFormat::AutoSi, false);
            assert_eq!(with_offset(at, offset), chrono, "{at} {secs}");
        }
    }

    #[test]
    fn sqlite_text_reads_as_diesel_writes_it() {
        for at in samples() {
            let text = at.format("%F %T%.f").to_string();
            assert_eq!(parse_sqlite(text.as_bytes()), Some(at), "{text}");
        }
        let at = |s: &str| parse_sqlite(s.as_bytes());
        assert_eq!(
            at("2026-03-02 08:00:00.5"),
            NaiveDate::from_ymd_opt(2026, 3, 2)
                .unwrap()
                .and_hms_milli_opt(8, 0, 0, 500)
        );
        for odd in [
            "2026-03-02T08:00:00",
            "2026-03-02 08:00:00Z",
            "2026-03-02 08:00:00+01:00",
            "2026-03-02 08:00",
            "2026-02-30 08:00:00",
            "2026-03-02 08:00:60",
            "2026-03-02 08:00:00.",
            "2026-03-02 08:00:00.1234567890",
            "2459000.5",
            "",
        ] {
            assert_eq!(at(odd), None, "{odd} goes to diesel's reader");
        }
    }
}
