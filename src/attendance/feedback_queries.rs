//! Every diesel call of session feedback.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::attendance::AttendanceStatus;
use crate::db::DbConnection;
use crate::schema::{attendance, session_feedback, sessions};
use crate::sessions::{SessionKind, SessionStatus};
use crate::vocab::{CohortId, SessionId, UserId};

/// The status the learner was marked with in the session, if any.
pub fn attendance_status(
    conn: &mut DbConnection,
    session: SessionId,
    user: UserId,
) -> QueryResult<Option<AttendanceStatus>> {
    attendance::table
        .find((session, user))
        .select(attendance::status)
        .first(conn)
        .optional()
}

/// Saves the learner's rating, replacing an earlier one (one statement,
/// so two at once leave one row); the row as saved.
pub fn save(
    conn: &mut DbConnection,
    session: SessionId,
    user: UserId,
    rating: i32,
    comment: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<(i32, Option<String>, crate::db::instants::Ts)> {
    let values = (
        session_feedback::session_id.eq(session),
        session_feedback::user_id.eq(user),
        session_feedback::rating.eq(rating),
        session_feedback::comment.eq(comment),
        session_feedback::created_at.eq(now),
        session_feedback::updated_at.eq(now),
    );
    let changes = (
        session_feedback::rating.eq(rating),
        session_feedback::comment.eq(comment),
        session_feedback::updated_at.eq(now),
    );
    let columns = (
        session_feedback::rating,
        session_feedback::comment,
        session_feedback::updated_at,
    );
    crate::on_backend!(conn, c => diesel::insert_into(session_feedback::table)
        .values(values)
        .on_conflict((session_feedback::session_id, session_feedback::user_id))
        .do_update()
        .set(changes)
        .returning(columns)
        .get_result(c))
}

/// How many learners gave each rating to the session: `(rating, count)`.
pub fn ratings(conn: &mut DbConnection, session: SessionId) -> QueryResult<Vec<(i32, i64)>> {
    session_feedback::table
        .filter(session_feedback::session_id.eq(session))
        .group_by(session_feedback::rating)
        .select((session_feedback::rating, count_star()))
        .load(conn)
}

/// The session's comments, in no particular order.
pub fn comments(conn: &mut DbConnection, session: SessionId) -> QueryResult<Vec<String>> {
    session_feedback::table
        .filter(session_feedback::session_id.eq(session))
        .filter(session_feedback::comment.is_not_null())
        .select(session_feedback::comment.assume_not_null())
        .load(conn)
}

/// One row per rated live session of the cohort and rating given:
/// `(session, title, kind, starts_at, rating, count)`, by start.
pub type RatingRow = (
    SessionId,
    String,
    SessionKind,
    crate::db::instants::Ts,
    i32,
    i64,
);

pub fn cohort_ratings(conn: &mut DbConnection, cohort: CohortId) -> QueryResult<Vec<RatingRow>> {
    session_feedback::table
        .inner_join(sessions::table)
        .filter(sessions::cohort_id.eq(cohort))
        .filter(sessions::deleted_at.is_null())
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .group_by((
            sessions::id,
            sessions::title,
            sessions::kind,
            sessions::starts_at,
            session_feedback::rating,
        ))
        .select((
            sessions::id,
            sessions::title,
            sessions::kind,
            sessions::starts_at,
            session_feedback::rating,
            count_star(),
        ))
        .order((sessions::starts_at.asc(), sessions::id.asc()))
        .load(conn)
}
