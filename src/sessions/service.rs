//! The use cases of sessions: who may see and manage them, the rules a
//! request cannot check on its own, and the answers.

use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::dto::{to_utc, CreateSessionRequest, SessionDto, SessionFilters, UpdateSessionRequest};
use super::queries::{self, SessionCursor, SessionPageKey};
use super::rows::{Session, SessionChanges, SessionStatus};
use crate::access::{Actor, CohortAccess};
use crate::cache::{Cached, ResponseCache};
use crate::cohorts::{self, Cohort, CohortId};
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, FieldError, Issue};
use crate::http::AuthUser;
use crate::pagination::{page_from, Page, PageParams};
use crate::vocab::{SessionId, UserId};

/// A live session, its cohort and the caller's access, checked against
/// `rule` like [`cohort_for`], in one round trip. For other modules hanging
/// things off sessions (attendance, materials).
///
/// [`cohort_for`]: crate::cohorts::cohort_for
pub fn session_for(
    conn: &mut DbConnection,
    actor: &Actor,
    id: SessionId,
    rule: impl Fn(&CohortAccess) -> bool,
) -> Result<(Session, Cohort, CohortAccess), AppError> {
    let row = queries::session_with_cohort(conn, actor.id, id)?;
    let (session, cohort, membership) = row.ok_or(AppError::NotFound)?;
    let access = cohort.access_of(Some(actor), membership);
    access.require(rule(&access))?;
    Ok((session, cohort, access))
}

/// The same for an edit: the session row is locked first (see
/// [`queries::session_for_update`]), then its cohort and the caller's
/// access are read.
fn session_to_edit(
    conn: &mut DbConnection,
    actor: &Actor,
    id: SessionId,
    rule: impl Fn(&CohortAccess) -> bool,
) -> Result<(Session, Cohort, CohortAccess), AppError> {
    let session = queries::session_for_update(conn, id)?.ok_or(AppError::NotFound)?;
    let (cohort, access) = cohorts::cohort_for(conn, actor, session.cohort_id, false, rule)?;
    Ok((session, cohort, access))
}

/// The longest a session may last: a residential bootcamp, not a season.
pub const MAX_SESSION_DAYS: i64 = 31;

/// The rules a request cannot check on its own: lead trainer and order of
/// start and end.
fn check(
    conn: &mut DbConnection,
    cohort: CohortId,
    trainer: Option<UserId>,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if ends_at <= starts_at {
        errors.push(FieldError::new("ends_at", Issue::EndBeforeStart));
    } else if ends_at - starts_at > chrono::Duration::days(MAX_SESSION_DAYS) {
        errors.push(FieldError::new(
            "ends_at",
            Issue::LongerThan {
                days: MAX_SESSION_DAYS,
            },
        ));
    }
    if let Some(trainer) = trainer {
        if !queries::is_active_trainer(conn, cohort, trainer)? {
            errors.push(FieldError::new("trainer_id", Issue::NotATrainer));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Trimmed, and empty means none.
fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The page size and cursor a listing asks for, read before anything
/// else: a cursor from the other kind of listing is refused.
pub fn page_request(filters: &SessionFilters) -> Result<(i64, Option<SessionCursor>), AppError> {
    let paging = PageParams::new(filters.limit, filters.cursor.clone());
    let limit = paging.limit()?;
    let order = queries::order_of(filters.updated_since);
    let after: Option<SessionCursor> = paging.cursor()?;
    if after.as_ref().is_some_and(|(o, _, _)| o != order) {
        return Err(AppError::field("cursor", Issue::Invalid));
    }
    Ok((limit, after))
}

/// A page of a cohort's sessions (staff and admitted members), from the
/// cache when its key (see [`SessionPageKey`]) is already there.
pub fn list_sessions(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: CohortId,
    filters: &SessionFilters,
    limit: i64,
    after: Option<SessionCursor>,
    cache: &ResponseCache,
) -> Result<Arc<Cached>, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let key = queries::session_page_key(
        conn,
        &actor,
        id,
        CohortAccess::can_see_private,
        filters,
        limit,
        after,
    )?;
    cache.get_or_make_for(&key, || -> Result<Cached, AppError> {
        let page = page_of_sessions(conn, &key)?;
        Ok(Cached::json(&page)?)
    })
}

/// The page `key` names, with the cursor of the next one.
fn page_of_sessions(
    conn: &mut DbConnection,
    key: &SessionPageKey,
) -> QueryResult<Page<SessionDto>> {
    let rows = queries::page_of_sessions(conn, key)?;
    let order = key.order();
    Ok(page_from(
        rows,
        key.limit(),
        |s| {
            let at = if order == queries::BY_UPDATE {
                s.updated_at
            } else {
                s.starts_at
            };
            (order, at, s.id)
        },
        |s| SessionDto::new(s, key.timezone()),
    ))
}

/// Schedules a session (staff, the cohort's trainers).
pub fn create_session(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: CohortId,
    body: CreateSessionRequest,
    now: NaiveDateTime,
) -> Result<SessionDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (session, timezone) = write_tx(conn, |conn| {
        let (cohort, _) =
            cohorts::cohort_for(conn, &actor, id, false, CohortAccess::can_manage_sessions)?;
        let starts_at = to_utc(body.starts_at);
        let ends_at = to_utc(body.ends_at);
        check(conn, id, body.trainer_id, starts_at, ends_at)?;
        let row = Session {
            id: SessionId::new(),
            cohort_id: id,
            kind: body.kind,
            title: body.title.trim().to_owned(),
            description: body.description.unwrap_or_default(),
            starts_at,
            ends_at,
            online_url: optional_text(body.online_url),
            venue: optional_text(body.venue),
            trainer_id: body.trainer_id,
            status: SessionStatus::Scheduled,
            counts_for_completion: body.counts_for_completion.unwrap_or(true),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        queries::insert_session(conn, &row)?;
        Ok::<_, AppError>((row, cohort.timezone))
    })?;
    Ok(SessionDto::new(session, &timezone))
}

/// One session (staff and admitted members).
pub fn get_session(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
) -> Result<SessionDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (session, cohort, _) = session_for(conn, &actor, id, CohortAccess::can_see_private)?;
    Ok(SessionDto::new(session, &cohort.timezone))
}

/// Edits, cancels or restores a session (staff, the cohort's trainers).
pub fn update_session(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
    body: UpdateSessionRequest,
    now: NaiveDateTime,
) -> Result<SessionDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (session, timezone) = write_tx(conn, |conn| {
        let (current, cohort, _) =
            session_to_edit(conn, &actor, id, CohortAccess::can_manage_sessions)?;
        let starts_at = body.starts_at.map(to_utc);
        let ends_at = body.ends_at.map(to_utc);
        let new_trainer = body.trainer_id.flatten().filter(|t| {
            // Re-checking an unchanged lead trainer would block edits
            // after they left the cohort; only a new one must qualify.
            Some(*t) != current.trainer_id
        });
        check(
            conn,
            current.cohort_id,
            new_trainer,
            starts_at.unwrap_or(current.starts_at),
            ends_at.unwrap_or(current.ends_at),
        )?;
        let changes = SessionChanges {
            kind: body.kind,
            title: body.title.map(|t| t.trim().to_owned()),
            description: body.description.map(Option::unwrap_or_default),
            starts_at,
            ends_at,
            online_url: body.online_url.map(optional_text),
            venue: body.venue.map(optional_text),
            trainer_id: body.trainer_id,
            status: body.status,
            counts_for_completion: body.counts_for_completion,
            updated_at: Some(now),
            deleted_at: None,
        };
        let updated = queries::update_session(conn, id, &changes)?;
        Ok::<_, AppError>((updated, cohort.timezone))
    })?;
    Ok(SessionDto::new(session, &timezone))
}

/// Deletes a session (staff, the cohort's trainers); syncing clients see a
/// tombstone.
pub fn delete_session(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let actor = crate::users::actor(conn, auth)?;
    write_tx(conn, |conn| {
        session_to_edit(conn, &actor, id, CohortAccess::can_manage_sessions)?;
        queries::mark_deleted(conn, id, now)?;
        Ok(())
    })
}
