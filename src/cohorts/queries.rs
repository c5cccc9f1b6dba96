//! Every diesel call on cohorts and their seats. Membership rows are read
//! and written in [`super::members::queries`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{Cohort, CohortChanges};
use super::seats::SEAT_HOLDERS;
use crate::access::{CohortScope, Membership};
use crate::db::{DbConnection, MultiBackend};
use crate::programmes::ProgrammeId;
use crate::schema::{cohorts, memberships};
use crate::users::UserId;
use crate::vocab::{CohortId, CohortStatus, MemberRole, MemberStatus};

pub fn find(conn: &mut DbConnection, id: CohortId) -> QueryResult<Option<Cohort>> {
    cohorts::table
        .find(id)
        .select(Cohort::as_select())
        .first(conn)
        .optional()
}

/// The role and status of `user` in `cohort`, if any.
pub fn membership_of(
    conn: &mut DbConnection,
    cohort: CohortId,
    user: UserId,
) -> QueryResult<Option<Membership>> {
    memberships::table
        .find((cohort, user))
        .select((memberships::role, memberships::status))
        .first(conn)
        .optional()
}

/// The cohort with the membership of `user`, in one query.
pub fn with_membership(
    conn: &mut DbConnection,
    id: CohortId,
    user: UserId,
) -> QueryResult<Option<(Cohort, Option<Membership>)>> {
    let query = cohorts::table
        .left_join(
            memberships::table.on(memberships::cohort_id
                .eq(cohorts::id)
                .and(memberships::user_id.eq(user))),
        )
        .filter(cohorts::id.eq(id));
    let membership = (memberships::role, memberships::status).nullable();
    // Hot path: on the concrete connection (see `db::on_backend!`).
    crate::on_backend!(conn, c => query
        .select((Cohort::as_select(), membership))
        .first(c)
        .optional())
}

/// What a listing of cohorts is narrowed to, besides the caller's scope.
#[derive(Debug, Default)]
pub struct ListFilter {
    pub programme_id: Option<ProgrammeId>,
    /// Upper-case country code.
    pub country: Option<String>,
    pub status: Option<CohortStatus>,
    /// Keyset cursor: cohorts after this id.
    pub after: Option<CohortId>,
}

/// One page (plus one row, to tell whether another follows) of the
/// cohorts in `scope`, by id.
pub fn list(
    conn: &mut DbConnection,
    scope: CohortScope,
    filter: ListFilter,
    limit: i64,
) -> QueryResult<Vec<Cohort>> {
    let mut query = cohorts::table.into_boxed::<MultiBackend>();
    match scope {
        CohortScope::All => {}
        CohortScope::CatalogueAndMine { user, coordinates } => {
            let mine = memberships::table
                .filter(memberships::user_id.eq(user))
                .select(memberships::cohort_id);
            query = query.filter(
                cohorts::status
                    .eq_any(CohortStatus::CATALOGUE)
                    .or(cohorts::country_code.eq_any(coordinates))
                    .or(cohorts::id.eq_any(mine)),
            );
        }
        CohortScope::Catalogue => {
            query = query.filter(cohorts::status.eq_any(CohortStatus::CATALOGUE))
        }
    }
    if let Some(p) = filter.programme_id {
        query = query.filter(cohorts::programme_id.eq(p));
    }
    if let Some(c) = filter.country {
        query = query.filter(cohorts::country_code.eq(c));
    }
    if let Some(s) = filter.status {
        query = query.filter(cohorts::status.eq(s));
    }
    if let Some(after) = filter.after {
        query = query.filter(cohorts::id.gt(after));
    }
    query
        .order(cohorts::id.asc())
        .limit(limit + 1)
        .select(Cohort::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, row: &Cohort) -> QueryResult<()> {
    diesel::insert_into(cohorts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(
    conn: &mut DbConnection,
    id: CohortId,
    changes: &CohortChanges,
) -> QueryResult<Cohort> {
    diesel::update(cohorts::table.find(id))
        .set(changes)
        .returning(<Cohort as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
}

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

/// The `limit` oldest waitlisted learners of `cohort`, oldest application
/// first.
pub fn oldest_waitlisted(
    conn: &mut DbConnection,
    cohort: CohortId,
    limit: i64,
) -> QueryResult<Vec<UserId>> {
    memberships::table
        .filter(memberships::cohort_id.eq(cohort))
        .filter(memberships::role.eq(MemberRole::Learner))
        .filter(memberships::status.eq(MemberStatus::Waitlisted))
        .order((memberships::created_at.asc(), memberships::user_id.asc()))
        .limit(limit)
        .select(memberships::user_id)
        .load(conn)
}

/// Makes these members of `cohort` active.
pub fn activate(
    conn: &mut DbConnection,
    cohort: CohortId,
    users: &[UserId],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        memberships::table
            .filter(memberships::cohort_id.eq(cohort))
            .filter(memberships::user_id.eq_any(users)),
    )
    .set((
        memberships::status.eq(MemberStatus::Active),
        memberships::updated_at.eq(now),
    ))
    .execute(conn)
}
