//! The roll call: the roster (cached), the trainer's marks, the audit
//! trail.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::dto::{AttendanceChangeDto, AttendanceDto, MarkRecord, MarkRequest, Roster, RosterLine};
use super::queries;
use super::rows::{Attendance, AttendanceChange, AttendanceChangeId, AttendanceMethod};
use crate::access::CohortAccess;
use crate::cache::{Cached, ResponseCache};
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Msg};
use crate::http::AuthUser;
use crate::pagination::{page_from, Page};
use crate::sessions::{self, SessionStatus};
use crate::vocab::{SessionId, UserId};

/// The roster of a session, from the cache when its versions have not
/// moved.
pub fn roster(
    conn: &mut DbConnection,
    cache: &ResponseCache,
    auth: &AuthUser,
    id: SessionId,
) -> Result<Arc<Cached>, AppError> {
    let versions = queries::roster_versions(conn, auth, id, CohortAccess::can_manage_sessions)?;
    cache.get_or_make_for(&versions.key, || -> Result<Cached, AppError> {
        let learners = queries::learners_by_name(conn, versions.key.cohort())?;
        Ok(Cached::json(&load_roster(conn, learners, id)?)?)
    })
}

/// The roster of `session` for these learners (from
/// [`queries::learners_by_name`]).
fn load_roster(
    conn: &mut DbConnection,
    learners: Vec<(UserId, String)>,
    session: SessionId,
) -> Result<Roster, AppError> {
    // The session's records in primary-key order, merged here with the
    // learners (read through the seat index). A join probing attendance once
    // per learner cost about twice as much on SQLite.
    let mut records: HashMap<UserId, Attendance> = queries::roster_records(conn, session)?
        .into_iter()
        .map(|a| (a.user_id, a))
        .collect();
    let items = learners
        .into_iter()
        .map(|(user_id, full_name)| RosterLine {
            record: records
                .remove(&user_id)
                .map(AttendanceDto::from)
                .unwrap_or(AttendanceDto::unmarked(session, user_id)),
            full_name,
        })
        .collect();
    Ok(Roster {
        items,
        next_cursor: None,
    })
}

/// A trainer's roll call: the records that change, written in one
/// transaction under the session's lock, then the roster after it.
pub fn mark(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
    body: MarkRequest,
    now: NaiveDateTime,
) -> Result<Roster, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    write_tx(conn, |conn| {
        queries::lock_session(conn, id, true)?;
        let (session, _, _) =
            sessions::session_for(conn, &actor, id, CohortAccess::can_manage_sessions)?;
        if session.status == SessionStatus::Cancelled {
            return Err(AppError::Conflict(Msg::SessionCancelled));
        }
        let roster_lines = queries::learners_by_name(conn, session.cohort_id)?;
        let learners: HashSet<UserId> = roster_lines.iter().map(|(u, _)| *u).collect();
        body.check_learners(&learners)?;
        let existing: HashMap<UserId, Attendance> = queries::records_to_replace(conn, id)?
            .into_iter()
            .map(|a| (a.user_id, a))
            .collect();
        let (records, changes) = diff(&existing, body.records, id, actor.id, now);
        if !records.is_empty() {
            queries::save_marks(conn, records, &changes)?;
        }
        load_roster(conn, roster_lines, id)
    })
}

/// The records a roll call writes, and their audit trail: a mark equal to
/// the trainer's existing one is left out, so sending the same body again
/// changes nothing.
fn diff(
    existing: &HashMap<UserId, Attendance>,
    marks: Vec<MarkRecord>,
    session: SessionId,
    trainer: UserId,
    now: NaiveDateTime,
) -> (Vec<Attendance>, Vec<AttendanceChange>) {
    let mut records = Vec::new();
    let mut changes = Vec::new();
    for r in marks {
        let note = r.clean_note();
        let before = existing.get(&r.user_id);
        let unchanged = before.is_some_and(|b| {
            b.status == r.status && b.note == note && b.method == AttendanceMethod::Trainer
        });
        if unchanged {
            continue;
        }
        let record = Attendance {
            session_id: session,
            user_id: r.user_id,
            status: r.status,
            method: AttendanceMethod::Trainer,
            note,
            marked_by: trainer,
            marked_at: now,
            scanned_at: None,
        };
        changes.push(AttendanceChange::of(&record, before.map(|b| b.status)));
        records.push(record);
    }
    (records, changes)
}

/// One page of a session's audit trail (staff, trainers).
pub fn history(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
    user: Option<UserId>,
    after: Option<(i64, AttendanceChangeId)>,
    limit: i64,
) -> Result<Page<AttendanceChangeDto>, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    sessions::session_for(conn, &actor, id, CohortAccess::can_manage_sessions)?;
    let rows = queries::history_page(conn, id, user, after, limit)?;
    Ok(page_from(
        rows,
        limit,
        |c| (c.seq, c.id),
        AttendanceChangeDto::from,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attendance::rows::AttendanceStatus;

    fn mark(user: UserId, status: AttendanceStatus, note: Option<&str>) -> MarkRecord {
        MarkRecord {
            user_id: user,
            status,
            note: note.map(str::to_owned),
        }
    }

    #[test]
    fn the_same_mark_again_changes_nothing() {
        let (session, trainer, learner) = (SessionId::new(), UserId::new(), UserId::new());
        let now = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let (records, changes) = diff(
            &HashMap::new(),
            vec![mark(learner, AttendanceStatus::Late, Some("  bus  "))],
            session,
            trainer,
            now,
        );
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].note.as_deref(), Some("bus"));
        assert_eq!(changes[0].from_status, None);
        let existing = HashMap::from([(learner, records[0].clone())]);
        let again = diff(
            &existing,
            vec![mark(learner, AttendanceStatus::Late, Some("bus"))],
            session,
            trainer,
            now,
        );
        assert!(again.0.is_empty() && again.1.is_empty());
        let (records, changes) = diff(
            &existing,
            vec![mark(learner, AttendanceStatus::Present, Some(" "))],
            session,
            trainer,
            now,
        );
        assert_eq!(records[0].note, None);
        assert_eq!(changes[0].from_status, Some(AttendanceStatus::Late));
    }
}
