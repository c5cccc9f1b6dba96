//! The home screen's reads: the caller's memberships and the next sessions
//! of the cohorts they are active in, each in one query.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::{cohorts, memberships, programmes, sessions};
use crate::sessions::{Session, SessionStatus};
use crate::vocab::{CohortId, CohortStatus, MemberRole, MemberStatus, UserId};

/// `(cohort id, name, role, membership status, cohort status, the
/// programme's minimum attendance rate and submissions required)`.
pub type MyCohort = (
    CohortId,
    String,
    MemberRole,
    MemberStatus,
    CohortStatus,
    i32,
    i32,
);

/// Every membership of `user` that is not withdrawn or rejected, latest
/// start first, with what its programme asks to complete it (the
/// progress of the learner's seats comes from the same read).
pub fn my_cohorts(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<MyCohort>> {
    memberships::table
        .inner_join(cohorts::table.inner_join(programmes::table))
        .filter(memberships::user_id.eq(user))
        .filter(
            memberships::status
                .ne(MemberStatus::Withdrawn)
                .and(memberships::status.ne(MemberStatus::Rejected)),
        )
        .order((cohorts::starts_on.desc(), cohorts::id.asc()))
        .select((
            cohorts::id,
            cohorts::name,
            memberships::role,
            memberships::status,
            cohorts::status,
            programmes::min_attendance_rate,
            programmes::required_submissions,
        ))
        .load(conn)
}

/// The next `limit` scheduled sessions not yet over of the cohorts where
/// `user` is an active member, soonest first, with their cohort's zone.
pub fn next_sessions(
    conn: &mut DbConnection,
    user: UserId,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(Session, String)>> {
    sessions::table
        .inner_join(cohorts::table)
        .inner_join(
            memberships::table.on(memberships::cohort_id
                .eq(sessions::cohort_id)
                .and(memberships::user_id.eq(user))
                .and(memberships::status.eq(MemberStatus::Active))),
        )
        .filter(sessions::deleted_at.is_null())
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .filter(sessions::ends_at.gt(now))
        .order((sessions::starts_at.asc(), sessions::id.asc()))
        .limit(limit)
        .select((Session::as_select(), cohorts::timezone))
        .load(conn)
}
