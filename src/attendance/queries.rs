//! Every diesel call of the roll call and its audit trail: the session
//! lock, the learners, the records, the upserts, the history, and the
//! versions that key a cached roster (see `crate::cache`), read in the
//! query that authorises the request.

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::rows::{Attendance, AttendanceChange, AttendanceChangeId, NumberedChange};
use crate::access::{Actor, CohortAccess, Membership};
use crate::cache::CacheKey;
use crate::cohorts::seats::SEAT_HOLDERS;
use crate::db::{DbConnection, MultiBackend};
use crate::error::{AppError, Msg};
use crate::http::AuthUser;
use crate::schema::{
    attendance, attendance_changes, cohorts as cohorts_t, country_coordinators, memberships,
    sessions, users,
};
use crate::vocab::{CohortId, CohortStatus, MemberRole, SessionId, UserId};

/// Locks the session row until the end of the transaction on PostgreSQL
/// (SQLite's write transaction already excludes other writers), so a roll
/// call reads the records it replaces without a check-in slipping in
/// between, and its audit trail says truthfully what each mark replaced.
/// A roll call takes the lock exclusively; check-ins share it, so they do
/// not queue behind one another.
pub(crate) fn lock_session(
    conn: &mut DbConnection,
    id: SessionId,
    exclusive: bool,
) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        let row = sessions::table.find(id).select(sessions::id);
        if exclusive {
            row.for_update().first::<SessionId>(pg).optional()?;
        } else {
            row.for_share().first::<SessionId>(pg).optional()?;
        }
    }
    Ok(())
}

/// The learners holding a seat in a cohort, by name: the lines of rosters
/// and reports.
pub(crate) fn learners_by_name(
    conn: &mut DbConnection,
    cohort: CohortId,
) -> QueryResult<Vec<(UserId, String)>> {
    let seats = memberships::table
        .filter(memberships::cohort_id.eq(cohort))
        .filter(memberships::role.eq(MemberRole::Learner))
        .filter(memberships::status.eq_any(SEAT_HOLDERS));
    // Hot path: on the concrete connection (see `db::on_backend!`).
    match conn {
        // SQLite probes users by key for each seat, as wanted.
        DbConnection::Sqlite(c) => seats
            .inner_join(users::table)
            .order((users::full_name.asc(), users::id.asc()))
            .select((users::id, users::full_name))
            .load(c),
        // PostgreSQL's planner hash-joins a sequential scan of all users
        // instead (2.6 ms at scale 1, most of a roster's database time);
        // a correlated subquery makes it one key probe per seat (0.7 ms).
        // The ORDER BY repeats the subquery, which PostgreSQL evaluates once.
        DbConnection::Pg(c) => seats
            .order((MemberName.asc(), memberships::user_id.asc()))
            .select((memberships::user_id, MemberName))
            .load(c),
    }
}

crate::static_sql!(
    /// A member's name, for a query over `memberships`, kept prepared (see
    /// `crate::static_sql`): as a `sql()` literal, PostgreSQL parsed and
    /// planned the learners' query at every roster and report it made.
    pub MemberName: diesel::sql_types::Text =
        "(SELECT users.full_name FROM users WHERE users.id = memberships.user_id)"
);

/// The records of a session, in primary-key order, for a roster.
pub(crate) fn roster_records(
    conn: &mut DbConnection,
    session: SessionId,
) -> QueryResult<Vec<Attendance>> {
    let records = attendance::table.filter(attendance::session_id.eq(session));
    crate::on_backend!(conn, c => records.select(Attendance::as_select()).load::<Attendance>(c))
}

/// The records a roll call may replace (read under the session lock).
pub(crate) fn records_to_replace(
    conn: &mut DbConnection,
    session: SessionId,
) -> QueryResult<Vec<Attendance>> {
    attendance::table
        .filter(attendance::session_id.eq(session))
        .select(Attendance::as_select())
        .load(conn)
}

/// Writes the marks of a roll call (insert or replace) and their audit
/// trail.
pub(crate) fn save_marks(
    conn: &mut DbConnection,
    mut records: Vec<Attendance>,
    changes: &[AttendanceChange],
) -> QueryResult<()> {
    // The tallies' triggers lock one row per learner: in learner
    // order, so two roll calls in one cohort cannot deadlock.
    records.sort_unstable_by_key(|r| r.user_id);
    crate::on_backend!(conn, c => diesel::insert_into(attendance::table)
        .values(&records)
        .on_conflict((attendance::session_id, attendance::user_id))
        .do_update()
        .set((
            attendance::status.eq(excluded(attendance::status)),
            attendance::method.eq(excluded(attendance::method)),
            attendance::note.eq(excluded(attendance::note)),
            attendance::marked_by.eq(excluded(attendance::marked_by)),
            attendance::marked_at.eq(excluded(attendance::marked_at)),
        ))
        .execute(c))?;
    insert_changes(conn, changes)
}

/// Writes audit rows, numbered in commit order (`seq`, migration
/// `history_order`): on PostgreSQL by a sequence as each row is written
/// (under the session's lock); on SQLite, which admits one writer at a
/// time, as the numbers after the largest, read once per write.
pub(crate) fn insert_changes(
    conn: &mut DbConnection,
    changes: &[AttendanceChange],
) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(pg) => diesel::insert_into(attendance_changes::table)
            .values(changes)
            .execute(pg)?,
        DbConnection::Sqlite(lite) => {
            let last: Option<i64> = attendance_changes::table
                .select(diesel::dsl::max(attendance_changes::seq))
                .first(lite)?;
            let numbered: Vec<NumberedChange> = changes
                .iter()
                .cloned()
                .zip(last.unwrap_or(0) + 1..)
                .map(|(change, seq)| NumberedChange { change, seq })
                .collect();
            diesel::insert_into(attendance_changes::table)
                .values(&numbered)
                .execute(lite)?
        }
    };
    Ok(())
}

/// One page of a session's audit trail in the order it was written (by
/// `seq`, not by the instants requests started at): `limit + 1` rows after
/// the cursor, so the caller knows whether more follow.
pub(crate) fn history_page(
    conn: &mut DbConnection,
    session: SessionId,
    user: Option<UserId>,
    after: Option<(i64, AttendanceChangeId)>,
    limit: i64,
) -> QueryResult<Vec<AttendanceChange>> {
    let mut query = attendance_changes::table
        .filter(attendance_changes::session_id.eq(session))
        .into_boxed::<MultiBackend>();
    if let Some(user) = user {
        query = query.filter(attendance_changes::user_id.eq(user));
    }
    if let Some((seq, id)) = after {
        query = query.filter(
            attendance_changes::seq.gt(seq).or(attendance_changes::seq
                .eq(seq)
                .and(attendance_changes::id.gt(id))),
        );
    }
    // A row written by hand without a number (0) still has a place.
    query
        .order((attendance_changes::seq.asc(), attendance_changes::id.asc()))
        .limit(limit + 1)
        .select(AttendanceChange::as_select())
        .load(conn)
}

/// What a cached roster needs to know about its session: who may read it,
/// and the versions that key it.
#[derive(Debug, Clone, Copy)]
pub struct RosterVersions {
    pub access: CohortAccess,
    pub key: RosterKey,
}

/// Everything a roster is made of: the session's records and the cohort's
/// learners with their names. Built only by [`roster_versions`], from what
/// it read, so no input can be left out.
// Its fields are read by `Debug`, which makes the key text.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy)]
pub struct RosterKey {
    session: SessionId,
    /// Of the session's attendance records (see [`attendance_version`]).
    attendance: i64,
    cohort: CohortId,
    /// Of the cohort's learners and their names.
    members: i64,
}

impl RosterKey {
    /// The cohort whose learners make the roster.
    pub fn cohort(&self) -> CohortId {
        self.cohort
    }
}

impl CacheKey for RosterKey {}

/// The caller's access to a live session's roster, checked against `rule`
/// like `sessions::session_for`, and the versions of what the roster is
/// made of (bumped by triggers on every change; see `crate::cache`), in one
/// round trip: the caller's flags are read in the same query instead of by
/// `users::actor` (its login session included), and only the columns
/// needed are read. On PostgreSQL
/// this cut a cached roster's cost by a quarter.
pub fn roster_versions(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
    rule: impl Fn(&CohortAccess) -> bool,
) -> Result<RosterVersions, AppError> {
    let query = sessions::table
        .inner_join(cohorts_t::table)
        .left_join(
            memberships::table.on(memberships::cohort_id
                .eq(cohorts_t::id)
                .and(memberships::user_id.eq(auth.id))),
        )
        .left_join(users::table.on(users::id.eq(auth.id)))
        .left_join(
            country_coordinators::table.on(country_coordinators::user_id.eq(auth.id).and(
                country_coordinators::country_code
                    .nullable()
                    .eq(cohorts_t::country_code),
            )),
        )
        .filter(sessions::id.eq(id))
        .filter(sessions::deleted_at.is_null());
    let membership = (memberships::role, memberships::status).nullable();
    let caller = (users::is_admin, users::is_active).nullable();
    // Hot path: on the concrete connection (see `db::on_backend!`).
    #[allow(clippy::type_complexity)]
    let row: Option<(
        (CohortId, CohortStatus, Option<String>, i64),
        Option<Membership>,
        Option<(bool, bool)>,
        Option<String>,
        i64,
        bool,
    )> = crate::on_backend!(conn, c => query
        .select((
            (
                cohorts_t::id,
                cohorts_t::status,
                cohorts_t::country_code,
                cohorts_t::members_version,
            ),
            membership,
            caller,
            country_coordinators::country_code.nullable(),
            attendance_version(),
            crate::users::session_revoked(auth.session),
        ))
        .first(c)
        .optional())?;
    let Some((
        (cohort_id, status, country, members),
        membership,
        caller,
        coordinates,
        attendance,
        revoked,
    )) = row
    else {
        // A deactivated caller is told so before anything else.
        crate::users::actor(conn, auth)?;
        return Err(AppError::NotFound);
    };
    let (Some((is_admin, true)), false) = (caller, revoked) else {
        return Err(AppError::Unauthorized(Msg::InvalidToken));
    };
    // The caller as far as this cohort goes: whether they coordinate its country.
    let actor = Actor {
        id: auth.id,
        is_admin,
        coordinates: coordinates.into_iter().collect(),
    };
    let access = CohortAccess::of(&actor, status, country.as_deref(), membership);
    access.require(rule(&access))?;
    Ok(RosterVersions {
        access,
        key: RosterKey {
            session: id,
            attendance,
            cohort: cohort_id,
            members,
        },
    })
}

/// The version of a session's attendance records, for a query over
/// `sessions`: the sum of its shards (see migration `list_versions`),
/// which grows with every change to one of them.
pub fn attendance_version() -> AttendanceVersion {
    AttendanceVersion
}

crate::static_sql!(
    /// The SQL of [`attendance_version`], kept prepared (see
    /// `crate::static_sql`): re-planning the roster's query cost PostgreSQL
    /// about 1 ms a request.
    pub AttendanceVersion: diesel::sql_types::BigInt =
        "(SELECT CAST(COALESCE(SUM(roster_versions.version), 0) AS BIGINT) \
         FROM roster_versions WHERE roster_versions.session_id = sessions.id)"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::kept_prepared;

    #[test]
    fn the_learners_query_by_name_stays_prepared() {
        let query = memberships::table
            .order((MemberName.asc(), memberships::user_id.asc()))
            .select((memberships::user_id, MemberName));
        assert!(kept_prepared(&query));
    }

    #[test]
    fn queries_reading_the_attendance_version_stay_prepared() {
        let literal = sessions::table.select(diesel::dsl::sql::<diesel::sql_types::BigInt>("1"));
        assert!(!kept_prepared(&literal), "the check itself works");
        assert!(kept_prepared(
            &sessions::table.select((sessions::id, attendance_version()))
        ));
    }
}
