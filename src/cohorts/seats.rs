//! Capacity: active and completed learners hold a seat; a full cohort
//! waitlists; a freed seat goes to the oldest waitlisted learner. Every
//! check-then-write runs in a write transaction with the cohort row locked
//! (`FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already admits one
//! writer), so parallel applications never overfill a cohort.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::cohorts::{Cohort, CohortId, MemberRole, MemberStatus};
use crate::db::DbConnection;
use crate::schema::{cohorts, memberships};
use crate::users::UserId;

pub const SEAT_HOLDERS: [MemberStatus; 2] = [MemberStatus::Active, MemberStatus::Completed];

/// Reads the cohort and, on PostgreSQL, locks its row until the end of the
/// transaction. Call inside `write_tx`.
pub fn lock_cohort(conn: &mut DbConnection, id: CohortId) -> QueryResult<Option<Cohort>> {
    match conn {
        DbConnection::Pg(pg) => cohorts::table
            .find(id)
            .select(Cohort::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(lite) => cohorts::table
            .find(id)
            .select(Cohort::as_select())
            .first(lite)
            .optional(),
    }
}

pub fn seats_taken(conn: &mut DbConnection, cohort: CohortId) -> QueryResult<i64> {
    memberships::table
        .filter(memberships::cohort_id.eq(cohort))
        .filter(memberships::role.eq(MemberRole::Learner))
        .filter(memberships::status.eq_any(SEAT_HOLDERS))
        .count()
        .get_result(conn)
}

pub fn has_free_seat(conn: &mut DbConnection, cohort: &Cohort) -> QueryResult<bool> {
    Ok(seats_taken(conn, cohort.id)? < i64::from(cohort.capacity))
}

/// Fills free seats from the waitlist, oldest application first; returns
/// who moved up.
pub fn promote_waitlisted(
    conn: &mut DbConnection,
    cohort: &Cohort,
    now: NaiveDateTime,
) -> QueryResult<Vec<UserId>> {
    let free = i64::from(cohort.capacity) - seats_taken(conn, cohort.id)?;
    if free <= 0 {
        return Ok(Vec::new());
    }
    let promoted: Vec<UserId> = memberships::table
        .filter(memberships::cohort_id.eq(cohort.id))
        .filter(memberships::role.eq(MemberRole::Learner))
        .filter(memberships::status.eq(MemberStatus::Waitlisted))
        .order((memberships::created_at.asc(), memberships::user_id.asc()))
        .limit(free)
        .select(memberships::user_id)
        .load(conn)?;
    if !promoted.is_empty() {
        diesel::update(
            memberships::table
                .filter(memberships::cohort_id.eq(cohort.id))
                .filter(memberships::user_id.eq_any(&promoted)),
        )
        .set((
            memberships::status.eq(MemberStatus::Active),
            memberships::updated_at.eq(now),
        ))
        .execute(conn)?;
        tracing::info!(cohort_id = %cohort.id, count = promoted.len(), "waitlist promoted");
    }
    Ok(promoted)
}
