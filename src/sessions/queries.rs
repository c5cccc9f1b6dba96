//! Every diesel call of sessions (calendar feeds excepted, see
//! `calendar::queries`), and the version read that keys a cached page.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::dto::SessionFilters;
use super::rows::{Series, SeriesId, Session, SessionChanges, SessionKind, SessionStatus};
use crate::access::{Actor, CohortAccess, Membership};
use crate::cache::CacheKey;
use crate::cohorts::{self, Cohort, CohortId, MemberRole, MemberStatus};
use crate::db::{DbConnection, MultiBackend};
use crate::error::AppError;
use crate::schema::{cohorts as cohorts_t, memberships, session_series, sessions, users};
use crate::vocab::{SessionId, UserId};

/// Which order a listing walks; the cursor carries it so that a cursor
/// from one kind of listing is refused by the other.
pub const BY_START: &str = "s";
pub const BY_UPDATE: &str = "u";

/// Where a page resumes: the order walked, then the last `(instant, id)` sent.
pub type SessionCursor = (String, NaiveDateTime, SessionId);

/// A live session, its cohort and the caller's membership of it, in one
/// round trip (see `service::session_for`).
pub fn session_with_cohort(
    conn: &mut DbConnection,
    user: UserId,
    id: SessionId,
) -> QueryResult<Option<(Session, Cohort, Option<Membership>)>> {
    let query = sessions::table
        .inner_join(cohorts_t::table)
        .left_join(
            memberships::table.on(memberships::cohort_id
                .eq(cohorts_t::id)
                .and(memberships::user_id.eq(user))),
        )
        .filter(sessions::id.eq(id))
        .filter(sessions::deleted_at.is_null());
    let membership = (memberships::role, memberships::status).nullable();
    // Hot path: on the concrete connection (see `db::on_backend!`).
    crate::on_backend!(conn, c => query
            .select((Session::as_select(), Cohort::as_select(), membership))
            .first(c)
            .optional())
}

/// A live session, for an edit: on PostgreSQL the session row stays locked
/// until the end of the transaction (SQLite's write transaction already
/// excludes other writers).
pub fn session_for_update(conn: &mut DbConnection, id: SessionId) -> QueryResult<Option<Session>> {
    let live = sessions::table
        .find(id)
        .filter(sessions::deleted_at.is_null());
    match conn {
        DbConnection::Pg(pg) => live
            .select(Session::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(lite) => live.select(Session::as_select()).first(lite).optional(),
    }
}

/// Whether `user` is an active trainer of `cohort`.
pub fn is_active_trainer(
    conn: &mut DbConnection,
    cohort: CohortId,
    user: UserId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        memberships::table
            .filter(memberships::cohort_id.eq(cohort))
            .filter(memberships::user_id.eq(user))
            .filter(memberships::role.eq(MemberRole::Trainer))
            .filter(memberships::status.eq(MemberStatus::Active)),
    ))
    .get_result(conn)
}

/// Serialises the scheduling of `trainer`'s sessions: on PostgreSQL their
/// user row stays locked (without blocking references to it) until the
/// end of the transaction, so two requests cannot both find a slot free
/// and both take it; SQLite's write transaction already admits one writer.
pub fn lock_trainer(conn: &mut DbConnection, trainer: UserId) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        users::table
            .find(trainer)
            .select(users::id)
            .for_no_key_update()
            .first::<UserId>(pg)
            .optional()?;
    }
    Ok(())
}

/// The live, scheduled sessions `trainer` leads that overlap `[from, to)`,
/// `except` one, by start: `(id, title, starts_at, ends_at)`.
pub fn trainer_sessions_between(
    conn: &mut DbConnection,
    trainer: UserId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    except: Option<SessionId>,
) -> QueryResult<Vec<(SessionId, String, NaiveDateTime, NaiveDateTime)>> {
    // A session lasts at most `MAX_SESSION_DAYS`: the bound lets the
    // (trainer_id, starts_at) index read a range.
    let earliest = from - chrono::Duration::days(super::rows::MAX_SESSION_DAYS);
    let mut query = sessions::table
        .filter(sessions::trainer_id.eq(trainer))
        .filter(sessions::starts_at.gt(earliest))
        .filter(sessions::starts_at.lt(to))
        .filter(sessions::ends_at.gt(from))
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .filter(sessions::deleted_at.is_null())
        .into_boxed::<MultiBackend>();
    if let Some(except) = except {
        query = query.filter(sessions::id.ne(except));
    }
    query
        .order(sessions::starts_at.asc())
        .select((
            sessions::id,
            sessions::title,
            sessions::starts_at,
            sessions::ends_at,
        ))
        .load::<(
            SessionId,
            String,
            crate::db::instants::Ts,
            crate::db::instants::Ts,
        )>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(|(id, title, s, e)| (id, title, s.into(), e.into()))
                .collect()
        })
}

pub fn insert_series(conn: &mut DbConnection, row: &Series) -> QueryResult<()> {
    diesel::insert_into(session_series::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A series, cancelled or not.
pub fn find_series(conn: &mut DbConnection, id: SeriesId) -> QueryResult<Option<Series>> {
    session_series::table
        .find(id)
        .select(Series::as_select())
        .first(conn)
        .optional()
}

/// Cancels the occurrences of `series` that start after `now` and are still
/// scheduled; returns how many, and marks the series cancelled.
pub fn cancel_series(
    conn: &mut DbConnection,
    series: SeriesId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let cancelled = diesel::update(
        sessions::table
            .filter(sessions::series_id.eq(series))
            .filter(sessions::starts_at.gt(now))
            .filter(sessions::status.eq(SessionStatus::Scheduled))
            .filter(sessions::deleted_at.is_null()),
    )
    .set(&SessionChanges {
        status: Some(SessionStatus::Cancelled),
        updated_at: Some(now),
        ..Default::default()
    })
    .execute(conn)?;
    diesel::update(session_series::table.find(series))
        .set(session_series::cancelled_at.eq(now))
        .execute(conn)?;
    Ok(cancelled)
}

/// How many live occurrences `series` has.
pub fn count_in_series(conn: &mut DbConnection, series: SeriesId) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::series_id.eq(series))
        .filter(sessions::deleted_at.is_null())
        .count()
        .get_result(conn)
}

/// New sessions in one statement: one, or the occurrences of a series
/// (at most 100 rows).
pub fn insert_sessions(conn: &mut DbConnection, rows: &[Session]) -> QueryResult<usize> {
    crate::on_backend!(conn, c => diesel::insert_into(sessions::table).values(rows).execute(c))
}

/// Applies `changes` and returns the session as it now is.
pub fn update_session(
    conn: &mut DbConnection,
    id: SessionId,
    changes: &SessionChanges,
) -> QueryResult<Session> {
    diesel::update(sessions::table.find(id))
        .set(changes)
        .returning(<Session as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
}

/// Soft deletion: the row stays as a tombstone for syncing clients.
pub fn mark_deleted(conn: &mut DbConnection, id: SessionId, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set(&SessionChanges {
            updated_at: Some(now),
            deleted_at: Some(Some(now)),
            ..Default::default()
        })
        .execute(conn)?;
    Ok(())
}

/// Everything a page of sessions is made of: the cohort's sessions, its
/// time zone, and the request's filters. Only [`session_page_key`] makes
/// one, from what its query read, and [`page_of_sessions`] reads the page
/// it names, so the key cannot leave out an input of the page.
// Its fields are read by `Debug`, which makes the key text.
#[allow(dead_code)]
#[derive(Debug)]
pub struct SessionPageKey {
    cohort: CohortId,
    version: i64,
    timezone: String,
    kind: Option<SessionKind>,
    /// `from`, `to` and `updated_since`.
    window: (
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    ),
    limit: i64,
    after: Option<SessionCursor>,
}

impl CacheKey for SessionPageKey {}

impl SessionPageKey {
    /// The cohort's IANA zone, as the page shows it.
    pub fn timezone(&self) -> &str {
        &self.timezone
    }

    /// The page size asked for.
    pub fn limit(&self) -> i64 {
        self.limit
    }

    /// [`BY_UPDATE`] for a sync (`updated_since`), else [`BY_START`].
    pub fn order(&self) -> &'static str {
        order_of(self.window.2)
    }
}

/// The order a listing with this `updated_since` walks.
pub fn order_of(updated_since: Option<NaiveDateTime>) -> &'static str {
    if updated_since.is_some() {
        BY_UPDATE
    } else {
        BY_START
    }
}

/// The cohort, checked against `rule` like [`cohorts::cohort_for`], and
/// the key of the page of its sessions that `filters`, `limit` and `after`
/// ask for: the sessions version and time zone come from that same query,
/// read before any session (see `crate::cache`).
pub fn session_page_key(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CohortId,
    rule: impl Fn(&CohortAccess) -> bool,
    filters: &SessionFilters,
    limit: i64,
    after: Option<SessionCursor>,
) -> Result<SessionPageKey, AppError> {
    let (cohort, _) = cohorts::cohort_for(conn, actor, id, false, rule)?;
    Ok(SessionPageKey {
        cohort: id,
        version: cohort.sessions_version,
        timezone: cohort.timezone,
        kind: filters.kind,
        window: (filters.from, filters.to, filters.updated_since),
        limit,
        after,
    })
}

/// The sessions of the page `key` names, one more than its limit (so the
/// caller knows whether another page follows): by `(starts_at, id)`, live
/// ones only; or for a sync, changed after `updated_since`, tombstones
/// included, by `(updated_at, id)`.
pub fn page_of_sessions(
    conn: &mut DbConnection,
    key: &SessionPageKey,
) -> QueryResult<Vec<Session>> {
    let (from, to, updated_since) = key.window;
    let mut query = sessions::table
        .filter(sessions::cohort_id.eq(key.cohort))
        .into_boxed::<MultiBackend>();
    if let Some(kind) = key.kind {
        query = query.filter(sessions::kind.eq(kind));
    }
    if let Some(from) = from {
        query = query.filter(sessions::ends_at.gt(from));
    }
    if let Some(to) = to {
        query = query.filter(sessions::starts_at.lt(to));
    }
    if let Some(since) = updated_since {
        query = query
            .filter(sessions::updated_at.gt(since))
            .order((sessions::updated_at.asc(), sessions::id.asc()));
        if let Some((_, at, last)) = key.after.as_ref() {
            query = query.filter(
                sessions::updated_at
                    .gt(*at)
                    .or(sessions::updated_at.eq(*at).and(sessions::id.gt(*last))),
            );
        }
    } else {
        query = query
            .filter(sessions::deleted_at.is_null())
            .order((sessions::starts_at.asc(), sessions::id.asc()));
        if let Some((_, at, last)) = key.after.as_ref() {
            query = query.filter(
                sessions::starts_at
                    .gt(*at)
                    .or(sessions::starts_at.eq(*at).and(sessions::id.gt(*last))),
            );
        }
    }
    query
        .limit(key.limit + 1)
        .select(Session::as_select())
        .load(conn)
}
