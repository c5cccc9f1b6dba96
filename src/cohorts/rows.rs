//! The rows of the `cohorts` table.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::access::{Actor, CohortAccess, Membership};
use crate::programmes::ProgrammeId;
use crate::schema::cohorts;
use crate::vocab::{CohortId, CohortStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cohorts)]
pub struct Cohort {
    pub id: CohortId,
    pub programme_id: ProgrammeId,
    pub name: String,
    pub country_code: Option<String>,
    pub timezone: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
    pub auto_accept: bool,
    pub status: CohortStatus,
    pub late_after_minutes: i32,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub updated_at: NaiveDateTime,
    /// Bumped by triggers when the cohort's memberships or its members'
    /// names change (keys of cached rosters; see `crate::cache`).
    #[diesel(skip_insertion)]
    pub members_version: i64,
    /// Bumped by triggers when any of the cohort's sessions changes.
    #[diesel(skip_insertion)]
    pub sessions_version: i64,
    /// Bumped by triggers when an assignment, a submission or a
    /// certificate of the cohort changes (keys of cached progress).
    #[diesel(skip_insertion)]
    pub casework_version: i64,
}

impl Cohort {
    /// The access of `actor` (`None`: anonymous) given its membership,
    /// read by the caller.
    pub fn access_of(&self, actor: Option<&Actor>, membership: Option<Membership>) -> CohortAccess {
        CohortAccess::new(actor, self.status, self.country_code.as_deref(), membership)
    }
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cohorts)]
pub struct CohortChanges {
    pub name: Option<String>,
    pub country_code: Option<Option<String>>,
    pub timezone: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub capacity: Option<i32>,
    pub auto_accept: Option<bool>,
    pub status: Option<CohortStatus>,
    pub late_after_minutes: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}
