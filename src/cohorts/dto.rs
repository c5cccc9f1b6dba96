//! Request and response bodies of the cohort endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rows::Cohort;
use crate::programmes::ProgrammeId;
use crate::validation::{iana_timezone, not_blank, sane_date, TimeZoneName};
use crate::vocab::{CohortId, CohortStatus};

#[derive(Debug, Serialize, ToSchema)]
pub struct CohortDto {
    pub id: CohortId,
    pub programme_id: ProgrammeId,
    pub name: String,
    /// Null for a pan-African cohort.
    pub country_code: Option<String>,
    /// IANA zone in which its sessions are shown.
    #[schema(example = "Africa/Abidjan")]
    pub timezone: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Seats for learners (active and completed learners hold one).
    pub capacity: i32,
    /// Applications are admitted at once while seats last.
    pub auto_accept: bool,
    pub status: CohortStatus,
    /// A self check-in this many minutes after the start counts as late.
    pub late_after_minutes: i32,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<Cohort> for CohortDto {
    fn from(c: Cohort) -> Self {
        Self {
            id: c.id,
            programme_id: c.programme_id,
            name: c.name,
            country_code: c.country_code,
            timezone: c.timezone,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            capacity: c.capacity,
            auto_accept: c.auto_accept,
            status: c.status,
            late_after_minutes: c.late_after_minutes,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
        }
    }
}

/// A cohort of a country chapter by default; a pan-African one (no
/// `country_code`, admins only) also needs a `timezone`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "programme_id": "0190a2f4-8c1e-7b3a-9d52-6f1e2a3b4c5d",
    "name": "Cohorte Abidjan 2026",
    "country_code": "CI",
    "starts_on": "2026-03-02",
    "ends_on": "2026-06-26",
    "capacity": 40
}))]
pub struct CreateCohortRequest {
    pub programme_id: ProgrammeId,
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Omit (or null) for a pan-African cohort (admins only).
    #[validate(length(equal = 2))]
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country_code: Option<String>,
    /// IANA zone; defaults to the country's. Required for pan-African cohorts.
    #[validate(custom(function = "iana_timezone"))]
    #[schema(value_type = Option<TimeZoneName>)]
    pub timezone: Option<String>,
    #[validate(custom(function = "sane_date"))]
    pub starts_on: NaiveDate,
    #[validate(custom(function = "sane_date"))]
    pub ends_on: NaiveDate,
    #[validate(range(min = 1, max = 100000))]
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: i32,
    /// Default false.
    pub auto_accept: Option<bool>,
    /// `draft` (default) or `open`.
    pub status: Option<CohortStatus>,
    /// Default 15.
    #[validate(range(min = 0, max = 240))]
    #[schema(minimum = 0, maximum = 240)]
    pub late_after_minutes: Option<i32>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateCohortRequest {
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// A country code, or null to make the cohort pan-African (admins only).
    #[serde(default, deserialize_with = "crate::validation::double_option")]
    #[schema(value_type = Option<String>, pattern = "^[A-Z]{2}$")]
    pub country_code: Option<Option<String>>,
    #[validate(custom(function = "iana_timezone"))]
    #[schema(value_type = Option<TimeZoneName>)]
    pub timezone: Option<String>,
    #[validate(custom(function = "sane_date"))]
    pub starts_on: Option<NaiveDate>,
    #[validate(custom(function = "sane_date"))]
    pub ends_on: Option<NaiveDate>,
    #[validate(range(min = 1, max = 100000))]
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<i32>,
    pub auto_accept: Option<bool>,
    pub status: Option<CohortStatus>,
    #[validate(range(min = 0, max = 240))]
    #[schema(minimum = 0, maximum = 240)]
    pub late_after_minutes: Option<i32>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CohortFilters {
    pub programme_id: Option<ProgrammeId>,
    /// Country code.
    pub country: Option<String>,
    pub status: Option<CohortStatus>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
}
