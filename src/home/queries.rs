//! The home screen's reads: the key of its cached answer with the caller's
//! rights, then (on a miss) the caller's memberships and the next sessions
//! of the cohorts they are active in, each in one query.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::cache::CacheKey;
use crate::db::DbConnection;
use crate::schema::{cohorts, memberships, programmes, sessions};
use crate::sessions::{Session, SessionStatus};
use crate::users::queries::{of_account, rights_columns, Rights};
use crate::vocab::{CohortId, CohortStatus, LoginSessionId, MemberRole, MemberStatus, UserId};

/// What a cached home is made of (see migration `home_stamps`): the
/// caller's stamp, which moves with their memberships, attendance and
/// tickets and with what the home shows of their cohorts, programmes and
/// events; and the sum of the session and case-study versions of their
/// cohorts (a set the stamp pins, so for one stamp the sum only grows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HomeKey {
    pub user: UserId,
    pub stamp: i64,
    pub cohorts: i64,
}

impl CacheKey for HomeKey {}

crate::static_sql!(
    /// The caller's home stamp (0 before anything bumped it).
    HomeStamp: diesel::sql_types::BigInt =
        "(SELECT CAST(COALESCE(MAX(home_stamps.version), 0) AS BIGINT) \
         FROM home_stamps WHERE home_stamps.user_id = users.id)"
);

crate::static_sql!(
    /// The sum of the versions of the sessions and case studies of the
    /// caller's cohorts.
    CohortStamps: diesel::sql_types::BigInt =
        "(SELECT CAST(COALESCE(SUM(c.sessions_version + c.casework_version), 0) AS BIGINT) \
         FROM memberships m JOIN cohorts c ON c.id = m.cohort_id \
         WHERE m.user_id = users.id)"
);

/// The caller's [`Rights`] (see `users::queries::rights`), each row with
/// the two parts of their [`HomeKey`]: one round trip decides a cache hit.
pub fn rights_and_key(
    conn: &mut DbConnection,
    id: UserId,
    session: LoginSessionId,
) -> QueryResult<Vec<(Rights, i64, i64)>> {
    let query = rights_and_key_query(id, session);
    // On the concrete connection: see `db::on_backend!` (every request).
    crate::on_backend!(conn, c => query.load(c))
}

#[diesel::dsl::auto_type]
fn rights_and_key_query(id: UserId, session: LoginSessionId) -> _ {
    let account: of_account = of_account(id);
    let rights: rights_columns = rights_columns(session);
    account.select((rights, HomeStamp, CohortStamps))
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::kept_prepared;

    #[test]
    fn the_key_query_stays_prepared() {
        let session = LoginSessionId(uuid::Uuid::nil());
        assert!(kept_prepared(&rights_and_key_query(UserId::new(), session)));
    }
}
