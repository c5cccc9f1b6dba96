//! The home screen's body: short field lists, so it stays small on the
//! wire (the budget is 5 KB gzip for a learner in three cohorts).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::events::rows::{EventId, EventStatus, RegistrationId, RegistrationStatus};
use crate::progress::dto::MyProgressItem;
use crate::sessions::SessionKind;
use crate::vocab::{CohortId, CohortStatus, MemberRole, MemberStatus, SessionId};

#[derive(Debug, Serialize, ToSchema)]
pub struct HomeCohort {
    pub id: CohortId,
    pub name: String,
    pub role: MemberRole,
    /// The caller's membership.
    pub status: MemberStatus,
    pub cohort_status: CohortStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HomeSession {
    pub id: SessionId,
    pub cohort_id: CohortId,
    pub kind: SessionKind,
    pub title: String,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub starts_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub ends_at: DateTime<Utc>,
    #[schema(example = "Africa/Douala")]
    pub timezone: String,
    #[schema(format = DateTime, example = "2026-03-02T09:00:00+01:00")]
    pub local_starts_at: String,
    #[schema(format = DateTime, example = "2026-03-02T11:00:00+01:00")]
    pub local_ends_at: String,
    pub online_url: Option<String>,
    pub venue: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HomeEvent {
    pub id: EventId,
    pub title: String,
    pub status: EventStatus,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub starts_at: DateTime<Utc>,
    #[schema(format = DateTime, example = "2026-07-18T09:00:00+00:00")]
    pub local_starts_at: String,
    pub venue: Option<String>,
    pub online_url: Option<String>,
    pub registration_id: RegistrationId,
    pub registration_status: RegistrationStatus,
    pub ticket_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Home {
    /// Every cohort the caller belongs to (not withdrawn or rejected),
    /// latest start first.
    pub cohorts: Vec<HomeCohort>,
    /// At most 10 scheduled sessions not yet over, of the cohorts where
    /// the caller is active, soonest first.
    pub next_sessions: Vec<HomeSession>,
    /// One per cohort where the caller is a learner.
    pub progress: Vec<MyProgressItem>,
    /// The caller's live registrations for events not yet over, soonest
    /// first.
    pub events: Vec<HomeEvent>,
}
