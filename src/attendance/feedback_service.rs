//! Session feedback: learners who were there rate a session once it has
//! started (re-sending changes their rating); staff and the cohort's
//! trainers read counts, a mean, the distribution and the comments, never
//! who wrote what.

use chrono::NaiveDateTime;

use super::feedback_dto::{
    tally, CohortFeedback, FeedbackRequest, FeedbackSummary, KindFeedback, MyFeedback,
    SessionFeedbackLine,
};
use super::feedback_queries as q;
use super::AttendanceStatus;
use crate::access::CohortAccess;
use crate::cohorts;
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Msg};
use crate::http::AuthUser;
use crate::sessions::{self, SessionKind, SessionStatus};
use crate::vocab::{CohortId, SessionId};

/// Rates a session: a learner of the cohort (current or past) marked
/// present or late, after the session started.
pub fn give(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
    body: FeedbackRequest,
    now: NaiveDateTime,
) -> Result<MyFeedback, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let comment = body
        .comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    write_tx(conn, |conn| {
        let (session, _, _) =
            sessions::session_for(conn, &actor, id, CohortAccess::can_rate_sessions)?;
        if session.status == SessionStatus::Cancelled {
            return Err(AppError::Conflict(Msg::SessionCancelled));
        }
        if session.starts_at > now {
            return Err(AppError::Conflict(Msg::SessionNotStarted));
        }
        match q::attendance_status(conn, id, actor.id)? {
            Some(AttendanceStatus::Present | AttendanceStatus::Late) => {}
            _ => return Err(AppError::Forbidden(Some(Msg::NotAttended))),
        }
        let (rating, comment, updated_at) =
            q::save(conn, id, actor.id, body.rating, comment.as_deref(), now)?;
        Ok(MyFeedback {
            session_id: id,
            rating,
            comment,
            updated_at: NaiveDateTime::from(updated_at).and_utc(),
        })
    })
}

/// What learners said of a session (staff, the cohort's trainers).
pub fn summary(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
) -> Result<FeedbackSummary, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    sessions::session_for(conn, &actor, id, CohortAccess::can_read_feedback)?;
    let (count, average, distribution) = tally(q::ratings(conn, id)?);
    let mut comments = q::comments(conn, id)?;
    // By text, the same on both databases: nothing of who or when.
    comments.sort();
    Ok(FeedbackSummary {
        session_id: id,
        count,
        average,
        distribution,
        comments,
    })
}

/// A cohort's feedback per kind of session and per session (staff, the
/// cohort's trainers). Cancelled and deleted sessions are left out.
pub fn cohort_summary(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: CohortId,
) -> Result<CohortFeedback, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    cohorts::cohort_for(conn, &actor, id, false, CohortAccess::can_read_feedback)?;
    let rows = q::cohort_ratings(conn, id)?;
    let mut kinds = Vec::new();
    for kind in SessionKind::ALL {
        let of_kind: Vec<_> = rows.iter().filter(|r| r.2 == *kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let mut rated: Vec<SessionId> = of_kind.iter().map(|r| r.0).collect();
        rated.dedup();
        let (count, average, distribution) = tally(of_kind.iter().map(|r| (r.4, r.5)));
        kinds.push(KindFeedback {
            kind: *kind,
            sessions: i64::try_from(rated.len()).unwrap_or(i64::MAX),
            count,
            average,
            distribution,
        });
    }
    let mut lines: Vec<SessionFeedbackLine> = Vec::new();
    for chunk in rows.chunk_by(|a, b| a.0 == b.0) {
        let (session, title, kind, starts_at, _, _) = &chunk[0];
        let (count, average, _) = tally(chunk.iter().map(|r| (r.4, r.5)));
        lines.push(SessionFeedbackLine {
            session_id: *session,
            title: title.clone(),
            kind: *kind,
            starts_at: NaiveDateTime::from(*starts_at).and_utc(),
            count,
            average,
        });
    }
    Ok(CohortFeedback {
        kinds,
        sessions: lines,
    })
}
