//! The use cases of sessions: who may see and manage them, the rules a
//! request cannot check on its own, and the answers.

use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::dto::{
    local_time, to_utc, CreateSeriesRequest, CreateSessionRequest, RepeatRequest, SeriesCancelled,
    SeriesDto, SessionDto, SessionFilters, UpdateSessionRequest,
};
use super::queries::{self, SessionCursor, SessionPageKey};
use super::rows::{Series, SeriesId, Session, SessionChanges, SessionStatus, MAX_SESSION_DAYS};
use super::series::{self, End, Repeat};
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

/// Refuses (422 on `trainer_id`) when `trainer` already leads another
/// live, scheduled session overlapping one of `spans`; `except` is the
/// session being edited. Takes the trainer's lock first (see
/// [`queries::lock_trainer`]), so the check holds until the commit.
fn check_trainer_free(
    conn: &mut DbConnection,
    trainer: UserId,
    spans: &[(NaiveDateTime, NaiveDateTime)],
    except: Option<SessionId>,
    timezone: &str,
) -> Result<(), AppError> {
    let (Some(from), Some(to)) = (
        spans.iter().map(|s| s.0).min(),
        spans.iter().map(|s| s.1).max(),
    ) else {
        return Ok(());
    };
    queries::lock_trainer(conn, trainer)?;
    let busy = queries::trainer_sessions_between(conn, trainer, from, to, except)?;
    let clash = spans.iter().find_map(|(start, end)| {
        busy.iter()
            .find(|(_, _, s, e)| s < end && e > start)
            .map(|(_, title, s, _)| (title, s))
    });
    match clash {
        Some((title, at)) => Err(AppError::field(
            "trainer_id",
            Issue::TrainerBusy {
                at: local_time(*at, timezone),
                title: title.clone(),
            },
        )),
        None => Ok(()),
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
        if let Some(trainer) = body.trainer_id {
            check_trainer_free(
                conn,
                trainer,
                &[(starts_at, ends_at)],
                None,
                &cohort.timezone,
            )?;
        }
        let row = new_session(id, &body, starts_at, ends_at, None, now);
        queries::insert_sessions(conn, std::slice::from_ref(&row))?;
        Ok::<_, AppError>((row, cohort.timezone))
    })?;
    Ok(SessionDto::new(session, &timezone))
}

/// A scheduled session from the fields of `body`, at `starts_at`–`ends_at`.
fn new_session(
    cohort: CohortId,
    body: &CreateSessionRequest,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    series_id: Option<SeriesId>,
    now: NaiveDateTime,
) -> Session {
    Session {
        id: SessionId::new(),
        cohort_id: cohort,
        kind: body.kind,
        title: body.title.trim().to_owned(),
        description: body.description.clone().unwrap_or_default(),
        starts_at,
        ends_at,
        online_url: optional_text(body.online_url.clone()),
        venue: optional_text(body.venue.clone()),
        trainer_id: body.trainer_id,
        status: SessionStatus::Scheduled,
        counts_for_completion: body.counts_for_completion.unwrap_or(true),
        created_at: now,
        updated_at: now,
        deleted_at: None,
        series_id,
    }
}

/// The rule of `repeat`: `count` or `until`, not both.
fn repeat_rule(repeat: &RepeatRequest) -> Result<Repeat, AppError> {
    let end = match (repeat.count, repeat.until) {
        (Some(n), None) => End::Count(usize::try_from(n).unwrap_or(0)),
        (None, Some(date)) => End::Until(date),
        _ => return Err(AppError::field("repeat", Issue::CountOrUntil)),
    };
    Ok(Repeat {
        frequency: repeat.frequency,
        interval: u32::try_from(repeat.interval.unwrap_or(1)).unwrap_or(1),
        end,
    })
}

/// Schedules every occurrence of a series in one transaction (staff, the
/// cohort's trainers), at the first one's local time in the cohort's zone.
pub fn create_series(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: CohortId,
    body: CreateSeriesRequest,
    now: NaiveDateTime,
) -> Result<SeriesDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let rule = repeat_rule(&body.repeat)?;
    let (series_id, rows, timezone) = write_tx(conn, |conn| {
        let (cohort, _) =
            cohorts::cohort_for(conn, &actor, id, false, CohortAccess::can_manage_sessions)?;
        let first = &body.first;
        let starts_at = to_utc(first.starts_at);
        let ends_at = to_utc(first.ends_at);
        check(conn, id, first.trainer_id, starts_at, ends_at)?;
        let zone: chrono_tz::Tz = cohort
            .timezone
            .parse()
            .map_err(|_| AppError::Internal(format!("cohort zone {}", cohort.timezone)))?;
        let length = ends_at - starts_at;
        let spans: Vec<_> = series::starts(starts_at, zone, &rule)
            .map_err(|e| AppError::Validation(vec![e]))?
            .into_iter()
            .map(|start| (start, start + length))
            .collect();
        if let Some(trainer) = first.trainer_id {
            check_trainer_free(conn, trainer, &spans, None, &cohort.timezone)?;
        }
        let series_id = SeriesId::new();
        queries::insert_series(
            conn,
            &Series {
                id: series_id,
                cohort_id: id,
                frequency: rule.frequency,
                repeat_interval: i32::try_from(rule.interval).unwrap_or(1),
                occurrences: i32::try_from(spans.len()).unwrap_or(i32::MAX),
                created_by: actor.id,
                created_at: now,
                cancelled_at: None,
            },
        )?;
        let rows: Vec<Session> = spans
            .into_iter()
            .map(|(start, end)| new_session(id, first, start, end, Some(series_id), now))
            .collect();
        queries::insert_sessions(conn, &rows)?;
        Ok::<_, AppError>((series_id, rows, cohort.timezone))
    })?;
    Ok(SeriesDto {
        series_id,
        items: rows
            .into_iter()
            .map(|s| SessionDto::new(s, &timezone))
            .collect(),
    })
}

/// Cancels the occurrences of a series that have not started (staff, the
/// cohort's trainers); past ones and their attendance stay. Doing it again
/// cancels nothing more.
pub fn cancel_series(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SeriesId,
    now: NaiveDateTime,
) -> Result<SeriesCancelled, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    write_tx(conn, |conn| {
        let series = queries::find_series(conn, id)?.ok_or(AppError::NotFound)?;
        cohorts::cohort_for(
            conn,
            &actor,
            series.cohort_id,
            false,
            CohortAccess::can_manage_sessions,
        )?;
        let cancelled = i64::try_from(queries::cancel_series(conn, id, now)?).unwrap_or(0);
        let total = queries::count_in_series(conn, id)?;
        Ok(SeriesCancelled {
            series_id: id,
            cancelled,
            kept: total - cancelled,
        })
    })
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
        let (start, end) = (
            starts_at.unwrap_or(current.starts_at),
            ends_at.unwrap_or(current.ends_at),
        );
        check(conn, current.cohort_id, new_trainer, start, end)?;
        // The lead trainer's other sessions, when this edit could make a
        // clash: a new lead, new times, or a cancelled session restored.
        let trainer = body.trainer_id.unwrap_or(current.trainer_id);
        let status = body.status.unwrap_or(current.status);
        let moved = (start, end) != (current.starts_at, current.ends_at)
            || trainer != current.trainer_id
            || status != current.status;
        if let (Some(trainer), true, SessionStatus::Scheduled) = (trainer, moved, status) {
            check_trainer_free(conn, trainer, &[(start, end)], Some(id), &cohort.timezone)?;
        }
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
