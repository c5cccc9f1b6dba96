//! Every diesel call of self check-in: the window, the wrong tries, the
//! record a check-in makes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{Attendance, AttendanceChange, Window};
use crate::db::DbConnection;
use crate::schema::{attendance, attendance_changes, check_in_failures, check_in_windows};
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

/// How many wrong codes the learner has sent in this window, if any.
pub fn failures(conn: &mut DbConnection, key: FailuresKey) -> QueryResult<Option<i32>> {
    check_in_failures::table
        .find(key)
        .select(check_in_failures::failures)
        .first(conn)
        .optional()
}

/// Counts one more wrong code, `failures` being the count read before.
pub fn record_failure(conn: &mut DbConnection, key: FailuresKey, failures: i32) -> QueryResult<()> {
    let (session, user, opened_at) = key;
    if failures == 0 {
        diesel::insert_into(check_in_failures::table)
            .values((
                check_in_failures::session_id.eq(session),
                check_in_failures::user_id.eq(user),
                check_in_failures::opened_at.eq(opened_at),
                check_in_failures::failures.eq(1),
            ))
            .execute(conn)?;
    } else {
        diesel::update(check_in_failures::table.find(key))
            .set(check_in_failures::failures.eq(failures + 1))
            .execute(conn)?;
    }
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
    diesel::insert_into(attendance_changes::table)
        .values(change)
        .execute(conn)?;
    Ok(())
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
