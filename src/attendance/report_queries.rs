//! Every diesel call of the reports: the sessions that count and their
//! versions (which, with the cohort's and the request's, key a cached
//! report), the running tallies, and a learner's own records.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::queries::attendance_version;
use super::rows::{AttendanceMethod, AttendanceStatus};
use crate::cache::CacheKey;
use crate::cohorts::seats::SEAT_HOLDERS;
use crate::cohorts::Cohort;
use crate::db::DbConnection;
use crate::programmes::Programme;
use crate::schema::{attendance, attendance_tallies, cohorts as cohorts_t, memberships, sessions};
use crate::sessions::SessionStatus;
use crate::vocab::{CohortId, MemberRole, SessionId, UserId};

/// Everything a report is made of: the learners and their names, the
/// sessions that count and which of them have ended, their records, the
/// programme's minimum and the request's filters and format. Built only by
/// [`Counting::report_key`], from the rows read, so no input can be left
/// out.
// Its fields are read by `Debug`, which makes the key text.
#[allow(dead_code)]
#[derive(Debug)]
pub struct ReportKey {
    cohort: CohortId,
    /// Members and sessions versions of the cohort.
    versions: (i64, i64),
    /// Attendance versions of the counted sessions, and how many have ended.
    counting: (i64, i64),
    min_attendance_rate: i32,
    threshold: Option<u64>,
    csv: Option<char>,
}

impl CacheKey for ReportKey {}

/// The sessions of a cohort that count (counting for completion, not
/// cancelled or deleted), ended or not, at `now`.
pub struct Counting {
    /// How many have ended: they make the report.
    pub counted: i64,
    /// Those that have not ended yet.
    pub pending: Vec<SessionId>,
    /// When the first of those ends (and the counts change).
    pub next_end: Option<NaiveDateTime>,
    /// The sum of their attendance versions (see `crate::cache`): it grows
    /// with every change to a record of theirs.
    pub versions: i64,
}

/// The sessions of `cohort` that count: counting for completion, not
/// cancelled or deleted.
#[diesel::dsl::auto_type]
fn counting_sessions(cohort: CohortId) -> _ {
    let counts: bool = true;
    let scheduled: SessionStatus = SessionStatus::Scheduled;
    sessions::table
        .filter(sessions::cohort_id.eq(cohort))
        .filter(sessions::counts_for_completion.eq(counts))
        .filter(sessions::status.eq(scheduled))
        .filter(sessions::deleted_at.is_null())
}

impl Counting {
    pub fn load(
        conn: &mut DbConnection,
        cohort: CohortId,
        now: NaiveDateTime,
    ) -> QueryResult<Self> {
        let query = counting_sessions(cohort).select((
            sessions::id,
            sessions::ends_at,
            attendance_version(),
        ));
        let rows: Vec<(SessionId, NaiveDateTime, i64)> =
            crate::on_backend!(conn, c => query.load(c))?;
        let versions = rows.iter().map(|(_, _, v)| v).sum();
        Ok(Self::of(
            rows.into_iter().map(|(id, end, _)| (id, end)),
            now,
            versions,
        ))
    }

    /// The same without the versions (a sum over each session's shards),
    /// for an answer that is not cached: one learner's own progress.
    pub fn load_unversioned(
        conn: &mut DbConnection,
        cohort: CohortId,
        now: NaiveDateTime,
    ) -> QueryResult<Self> {
        let query = counting_sessions(cohort).select((sessions::id, sessions::ends_at));
        let rows: Vec<(SessionId, NaiveDateTime)> = crate::on_backend!(conn, c => query.load(c))?;
        Ok(Self::of(rows.into_iter(), now, 0))
    }

    /// Sessions `(id, end)` split at `now` into counted and pending.
    fn of(
        rows: impl Iterator<Item = (SessionId, NaiveDateTime)>,
        now: NaiveDateTime,
        versions: i64,
    ) -> Self {
        let mut counted = 0;
        let mut pending = Vec::new();
        let mut next_end: Option<NaiveDateTime> = None;
        for (id, ends_at) in rows {
            if ends_at > now {
                pending.push(id);
                next_end = crate::clock::earliest(next_end, Some(ends_at));
            } else {
                counted += 1;
            }
        }
        Counting {
            counted,
            pending,
            next_end,
            versions,
        }
    }

    /// The key of the report of `cohort` (as read, with its versions) over
    /// these sessions, with `programme`'s minimum, keeping the learners
    /// below `threshold`, as CSV with this separator or as JSON.
    pub fn report_key(
        &self,
        cohort: &Cohort,
        programme: &Programme,
        threshold: Option<f64>,
        csv: Option<char>,
    ) -> ReportKey {
        ReportKey {
            cohort: cohort.id,
            versions: (cohort.members_version, cohort.sessions_version),
            counting: (self.versions, self.counted),
            min_attendance_rate: programme.min_attendance_rate,
            threshold: threshold.map(f64::to_bits),
            csv,
        }
    }
}

/// A learner's running counts: learner, present, late, excused, absent.
pub type RunningTally = (UserId, i32, i32, i32, i32);

/// The running counts of `attendance_tallies` of a cohort (or of `only`
/// there).
pub fn running_tallies(
    conn: &mut DbConnection,
    cohort: CohortId,
    only: Option<UserId>,
) -> QueryResult<Vec<RunningTally>> {
    let running = attendance_tallies::table
        .filter(attendance_tallies::cohort_id.eq(cohort))
        .select((
            attendance_tallies::user_id,
            attendance_tallies::present,
            attendance_tallies::late,
            attendance_tallies::excused,
            attendance_tallies::absent,
        ));
    match only {
        Some(user) => crate::on_backend!(conn, c => running
            .filter(attendance_tallies::user_id.eq(user))
            .load(c)),
        None => crate::on_backend!(conn, c => running.load(c)),
    }
}

/// The records of sessions that have not ended yet (or of `only` there).
pub fn pending_records(
    conn: &mut DbConnection,
    pending: &[SessionId],
    only: Option<UserId>,
) -> QueryResult<Vec<(UserId, AttendanceStatus)>> {
    let early = attendance::table
        .filter(attendance::session_id.eq_any(pending))
        .select((attendance::user_id, attendance::status));
    match only {
        Some(user) => early.filter(attendance::user_id.eq(user)).load(conn),
        None => early.load(conn),
    }
}

/// The cohorts where `user` holds a learner's seat, latest start first.
pub fn my_cohorts(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<(CohortId, String)>> {
    memberships::table
        .inner_join(cohorts_t::table)
        .filter(memberships::user_id.eq(user))
        .filter(memberships::role.eq(MemberRole::Learner))
        .filter(memberships::status.eq_any(SEAT_HOLDERS))
        .order(cohorts_t::starts_on.desc())
        .select((cohorts_t::id, cohorts_t::name))
        .load(conn)
}

/// One record of a learner: session, title, start, status, method, when.
pub type MyRecordRow = (
    SessionId,
    String,
    NaiveDateTime,
    AttendanceStatus,
    AttendanceMethod,
    NaiveDateTime,
);

/// Every record of `user` in the live sessions of `cohort`, by start.
pub fn my_records(
    conn: &mut DbConnection,
    user: UserId,
    cohort: CohortId,
) -> QueryResult<Vec<MyRecordRow>> {
    attendance::table
        .inner_join(sessions::table)
        .filter(attendance::user_id.eq(user))
        .filter(sessions::cohort_id.eq(cohort))
        .filter(sessions::deleted_at.is_null())
        .order(sessions::starts_at.asc())
        .select((
            sessions::id,
            sessions::title,
            sessions::starts_at,
            attendance::status,
            attendance::method,
            attendance::marked_at,
        ))
        .load(conn)
}
