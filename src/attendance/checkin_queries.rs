//! Every diesel call of self check-in: the window, the wrong tries, the
//! record a check-in makes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use super::rows::{Attendance, AttendanceChange, Window};
use crate::db::DbConnection;
use crate::schema::{attendance, check_in_failures, check_in_windows};
use crate::vocab::{SessionId, UserId};

/// The tries of one learner in one window: session, learner, window opening.
pub type FailuresKey = (SessionId, UserId, NaiveDateTime);

pub fn find_window(conn: &mut DbConnection, session: SessionId) -> QueryResult<Option<Window>> {
    check_in_windows::table
        .find(session)
        .select(Window::as_select())
        .first(conn)
        .optional()
}

/// Replaces the session's window (if any) by this one.
pub fn replace_window(conn: &mut DbConnection, window: &Window) -> QueryResult<()> {
    diesel::delete(check_in_windows::table.find(window.session_id)).execute(conn)?;
    diesel::insert_into(check_in_windows::table)
        .values(window)
        .execute(conn)?;
    Ok(())
}

/// Takes one of the learner's tries in this window, unless all `max` are
/// spent: the tries used, this one included, or `None`. Counted by the
/// database in one statement, so parallel tries cannot read the same count
/// and all get through.
pub fn take_try(conn: &mut DbConnection, key: FailuresKey, max: i32) -> QueryResult<Option<i32>> {
    #[derive(QueryableByName)]
    struct Used {
        #[diesel(sql_type = Integer)]
        failures: i32,
    }
    let (session, user, opened_at) = key;
    let sql = conn.numbered_sql(TAKE_TRY);
    let used: Option<Used> = crate::on_backend!(conn, c => diesel::sql_query(&sql)
        .bind::<Text, _>(session)
        .bind::<Text, _>(user)
        .bind::<Timestamp, _>(opened_at)
        .bind::<Integer, _>(max)
        .get_result(c)
        .optional())?;
    Ok(used.map(|u| u.failures))
}

/// `$1` session, `$2` learner, `$3` window opening, `$4` most tries.
const TAKE_TRY: &str = "\
INSERT INTO check_in_failures (session_id, user_id, opened_at, failures) \
VALUES ($1, $2, $3, 1) \
ON CONFLICT (session_id, user_id, opened_at) DO UPDATE \
SET failures = check_in_failures.failures + 1 \
WHERE check_in_failures.failures < $4 \
RETURNING failures";

/// Gives back the try of a right code: only wrong codes count.
pub fn give_back_try(conn: &mut DbConnection, key: FailuresKey) -> QueryResult<()> {
    diesel::update(check_in_failures::table.find(key))
        .set(check_in_failures::failures.eq(check_in_failures::failures - 1))
        .execute(conn)?;
    Ok(())
}

/// Inserts a check-in's record unless one exists (an earlier check-in, or
/// the trainer's mark, which stays); the number of rows inserted.
pub fn insert_if_unmarked(conn: &mut DbConnection, record: &Attendance) -> QueryResult<usize> {
    crate::on_backend!(conn, c => diesel::insert_into(attendance::table)
        .values(record)
        .on_conflict_do_nothing()
        .execute(c))
}

pub fn insert_change(conn: &mut DbConnection, change: AttendanceChange) -> QueryResult<()> {
    super::queries::insert_changes(conn, &[change])
}

/// The record of one learner in one session.
pub fn find_record(
    conn: &mut DbConnection,
    session: SessionId,
    user: UserId,
) -> QueryResult<Attendance> {
    attendance::table
        .find((session, user))
        .select(Attendance::as_select())
        .first(conn)
}

/// Check-in windows closed before `before`, and the wrong tries of windows
/// opened before it (a window lasts at most four hours). For
/// housekeeping; how many rows went.
pub fn forget_closed_windows(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    let windows =
        diesel::delete(check_in_windows::table.filter(check_in_windows::closes_at.lt(before)))
            .execute(conn)?;
    let tries =
        diesel::delete(check_in_failures::table.filter(check_in_failures::opened_at.lt(before)))
            .execute(conn)?;
    Ok(windows + tries)
}
