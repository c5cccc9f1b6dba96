//! Request and response bodies of sessions, and how instants and links
//! from clients are read.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, SubsecRound, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidateUrl, ValidationError, ValidationErrors, ValidationErrorsKind};

use super::rows::{Frequency, SeriesId, Session, SessionKind, SessionStatus};
use crate::validation::{double_option, not_blank, sane_instant};
use crate::vocab::{CohortId, SessionId, UserId};

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    pub id: SessionId,
    pub cohort_id: CohortId,
    pub kind: SessionKind,
    pub title: String,
    pub description: String,
    /// UTC.
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub starts_at: DateTime<Utc>,
    /// UTC; always after `starts_at`.
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub ends_at: DateTime<Utc>,
    /// The cohort's IANA zone.
    #[schema(example = "Africa/Douala")]
    pub timezone: String,
    /// `starts_at` with the offset of `timezone`.
    #[schema(format = DateTime, example = "2026-03-02T09:00:00+01:00")]
    pub local_starts_at: String,
    /// `ends_at` with the offset of `timezone`.
    #[schema(format = DateTime, example = "2026-03-02T11:00:00+01:00")]
    pub local_ends_at: String,
    pub online_url: Option<String>,
    pub venue: Option<String>,
    /// Lead trainer (an active trainer of the cohort when set).
    pub trainer_id: Option<UserId>,
    pub status: SessionStatus,
    /// Whether attendance counts towards completing the programme.
    pub counts_for_completion: bool,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
    /// Null unless deleted; deleted sessions only appear as tombstones in
    /// `?updated_since=` lists.
    #[serde(serialize_with = "crate::db::instants::utc_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
    /// The series it was created in (`POST /cohorts/{id}/sessions/series`), if any.
    pub series_id: Option<SeriesId>,
}

impl SessionDto {
    pub fn new(s: Session, timezone: &str) -> Self {
        Self {
            id: s.id,
            cohort_id: s.cohort_id,
            kind: s.kind,
            title: s.title,
            description: s.description,
            starts_at: s.starts_at.and_utc(),
            ends_at: s.ends_at.and_utc(),
            timezone: timezone.to_owned(),
            local_starts_at: local_time(s.starts_at, timezone),
            local_ends_at: local_time(s.ends_at, timezone),
            online_url: s.online_url,
            venue: s.venue,
            trainer_id: s.trainer_id,
            status: s.status,
            counts_for_completion: s.counts_for_completion,
            created_at: s.created_at.and_utc(),
            updated_at: s.updated_at.and_utc(),
            deleted_at: s.deleted_at.map(|d| d.and_utc()),
            series_id: s.series_id,
        }
    }
}

/// A UTC instant as RFC 3339 with the zone's offset at that instant
/// (`+00:00` rather than `Z`, so clients read the offset the same way for
/// every zone). An unknown zone, which validation keeps out, falls back to UTC.
pub fn local_time(at: NaiveDateTime, timezone: &str) -> String {
    let offset = match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => tz.offset_from_utc_datetime(&at).fix(),
        Err(_) => FixedOffset::east_opt(0).expect("zero is a valid offset"),
    };
    crate::db::instants::with_offset(at, offset)
}

/// An instant from a client, in UTC at the precision both databases keep.
pub fn to_utc(at: DateTime<FixedOffset>) -> NaiveDateTime {
    at.with_timezone(&Utc).trunc_subsecs(6).naive_utc()
}

/// An absolute `http` or `https` URL without control characters.
pub fn http_url(value: &str) -> Result<(), ValidationError> {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    let http = lower.starts_with("http://") || lower.starts_with("https://");
    // The URL parser silently drops tabs and line breaks; we store the raw
    // text, so refuse them (they would otherwise reach calendar files).
    if http && value.validate_url() && !value.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(ValidationError::new("url"))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateSessionRequest {
    pub kind: SessionKind,
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// RFC 3339 with any offset; stored in UTC.
    #[schema(example = "2026-03-02T09:00:00+01:00")]
    #[validate(custom(function = "sane_instant"))]
    pub starts_at: DateTime<FixedOffset>,
    /// After `starts_at`.
    #[schema(example = "2026-03-02T11:00:00+01:00")]
    #[validate(custom(function = "sane_instant"))]
    pub ends_at: DateTime<FixedOffset>,
    /// `http` or `https` link to join online.
    #[validate(custom(function = "http_url"), length(max = 2000))]
    #[schema(max_length = 2000)]
    pub online_url: Option<String>,
    /// Where to meet in person.
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub venue: Option<String>,
    /// An active trainer of the cohort.
    pub trainer_id: Option<UserId>,
    /// Default true.
    pub counts_for_completion: Option<bool>,
}

/// How a series repeats. Give `count` or `until`, not both.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RepeatRequest {
    pub frequency: Frequency,
    /// Every `interval` days or weeks (default 1).
    #[validate(range(min = 1, max = 52))]
    #[schema(minimum = 1, maximum = 52)]
    pub interval: Option<i32>,
    /// How many occurrences, the first included.
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100)]
    pub count: Option<i32>,
    /// The last local date (in the cohort's zone) an occurrence may fall
    /// on; at most 100 occurrences.
    #[schema(example = "2027-06-30")]
    pub until: Option<NaiveDate>,
}

/// The first occurrence, as for one session, and how it repeats.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateSeriesRequest {
    #[serde(flatten)]
    pub first: CreateSessionRequest,
    pub repeat: RepeatRequest,
}

impl Validate for CreateSeriesRequest {
    /// The session's fields under their own names, the rule's under
    /// `repeat.`.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = self.first.validate().err().unwrap_or_default();
        if let Err(repeat) = self.repeat.validate() {
            errors.errors_mut().insert(
                "repeat".into(),
                ValidationErrorsKind::Struct(Box::new(repeat)),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A new series and its sessions, in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesDto {
    pub series_id: SeriesId,
    pub items: Vec<SessionDto>,
}

/// What cancelling a series did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesCancelled {
    pub series_id: SeriesId,
    /// Occurrences that had not started and are now cancelled.
    pub cancelled: i64,
    /// Occurrences that had started (or were already cancelled) and stay as they are.
    pub kept: i64,
}

/// Absent fields stay as they are; `null` clears the nullable ones.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateSessionRequest {
    pub kind: Option<SessionKind>,
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// Null empties it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub description: Option<Option<String>>,
    #[validate(custom(function = "sane_instant"))]
    pub starts_at: Option<DateTime<FixedOffset>>,
    #[validate(custom(function = "sane_instant"))]
    pub ends_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "http_url"), length(max = 2000))]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub online_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 300))]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub venue: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<UserId>)]
    pub trainer_id: Option<Option<UserId>>,
    /// `cancelled` cancels; `scheduled` restores.
    pub status: Option<SessionStatus>,
    pub counts_for_completion: Option<bool>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionFilters {
    pub kind: Option<SessionKind>,
    /// Only sessions that end after this instant (RFC 3339).
    #[serde(default, deserialize_with = "query_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<NaiveDateTime>,
    /// Only sessions that start before this instant (RFC 3339).
    #[serde(default, deserialize_with = "query_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<NaiveDateTime>,
    /// Sync: only sessions changed after this instant, deleted ones included
    /// as tombstones (`deleted_at` set), ordered by `updated_at`.
    #[serde(default, deserialize_with = "query_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_since: Option<NaiveDateTime>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page (of the same kind of listing).
    pub cursor: Option<String>,
}

/// An RFC 3339 instant in a query string, as UTC. A `+` that the query
/// string turned into a space (`…T09:00:00 01:00`) is read as the `+` the
/// client meant.
pub fn query_instant<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    let raw = String::deserialize(d)?;
    let parsed =
        DateTime::parse_from_rfc3339(raw.trim()).or_else(|e| match raw.trim().rsplit_once(' ') {
            Some((head, tail)) if head.len() >= 19 => {
                DateTime::parse_from_rfc3339(&format!("{head}+{tail}"))
            }
            _ => Err(e),
        });
    parsed
        .map(|at| Some(to_utc(at)))
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn local_times_carry_the_zone_offset() {
        assert_eq!(
            local_time(at(8), "Africa/Douala"),
            "2026-03-02T09:00:00+01:00"
        );
        assert_eq!(
            local_time(at(8), "Africa/Abidjan"),
            "2026-03-02T08:00:00+00:00"
        );
        assert_eq!(
            local_time(at(8), "Nowhere/Atlantis"),
            "2026-03-02T08:00:00+00:00"
        );
    }

    #[test]
    fn client_instants_become_utc_microseconds() {
        let parsed = DateTime::parse_from_rfc3339("2026-03-02T09:00:00.123456789+01:00").unwrap();
        assert_eq!(to_utc(parsed).to_string(), "2026-03-02 08:00:00.123456");
    }

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(http_url("https://meet.example.org/abc").is_ok());
        assert!(http_url("HTTP://example.org").is_ok());
        assert!(http_url("ftp://example.org").is_err());
        assert!(http_url("javascript:alert(1)").is_err());
        assert!(http_url("not a url").is_err());
        assert!(http_url("https://example.org/\r\nX-EVIL:1").is_err());
    }

    #[test]
    fn query_instants_accept_a_plus_turned_space() {
        #[derive(Deserialize)]
        struct Q {
            #[serde(default, deserialize_with = "query_instant")]
            from: Option<NaiveDateTime>,
        }
        let q: Q = serde_urlencoded_like("2026-03-02T09:00:00 01:00");
        assert_eq!(q.from, Some(at(8)));
        let q: Q = serde_urlencoded_like("2026-03-02T08:00:00Z");
        assert_eq!(q.from, Some(at(8)));

        fn serde_urlencoded_like<T: serde::de::DeserializeOwned>(v: &str) -> T {
            serde_json::from_value(serde_json::json!({ "from": v })).unwrap()
        }
    }
}
