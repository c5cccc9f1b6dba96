//! The home screen: the caller's own things, no access rule beyond being
//! signed in (everything listed is the caller's).
//!
//! Phones ask for it at every start, so it is cached: the query that reads
//! the caller's rights reads the key too (see [`queries::HomeKey`]), and a
//! hit costs that one query. A home is also stale at the next instant time
//! alone changes it: the end of a session it lists or counts, or of an
//! event it lists. On a miss, one read of the memberships serves the
//! cohorts and the progress; the next sessions are read only for someone
//! active somewhere.

use std::sync::Arc;

use chrono::NaiveDateTime;

use super::dto::{Home, HomeCohort, HomeEvent, HomeSession};
use super::queries::{self, HomeKey};
use crate::cache::{Cached, ResponseCache};
use crate::clock::earliest;
use crate::cohorts::seats::holds_seat;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::http::AuthUser;
use crate::sessions::local_time;
use crate::vocab::{MemberStatus, UserId};

/// Sessions the home screen shows at most.
pub const NEXT_SESSIONS: i64 = 10;

/// `GET /me/home`, from the cache when the caller's key is there and the
/// answer still holds at `now`.
pub fn home(
    conn: &mut DbConnection,
    cache: &ResponseCache,
    auth: &AuthUser,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<Arc<Cached>, AppError> {
    let rows = queries::rights_and_key(conn, auth.id, auth.session)?;
    // Every row carries the same key; the rights refuse an empty answer.
    let (stamp, cohorts) = rows.first().map_or((0, 0), |&(_, s, c)| (s, c));
    let rights = rows.into_iter().map(|(rights, _, _)| rights).collect();
    let me = crate::users::service::actor_of(auth.id, rights)?.id;
    let key = HomeKey {
        user: me,
        stamp,
        cohorts,
    };
    cache.get_or_make_at(&key, now, || -> Result<Cached, AppError> {
        let (home, until) = build(conn, me, now, late_weight)?;
        Ok(Cached::json(&home)?.valid_until(until))
    })
}

/// The home of `me` at `now`, and the instant from which time alone
/// changes it (`None`: only a write does).
fn build(
    conn: &mut DbConnection,
    me: UserId,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<(Home, Option<NaiveDateTime>), AppError> {
    let mine = queries::my_cohorts(conn, me)?;
    // The seats a learner holds, in the same order as `my_learning`.
    let learning = mine
        .iter()
        .filter(|m| holds_seat(m.2, m.3))
        .map(|m| (m.0, m.1.clone(), m.5, m.6))
        .collect();
    let (progress, mut until) =
        crate::progress::service::mine_in(conn, me, learning, now, late_weight)?;
    let active = mine.iter().any(|m| m.3 == MemberStatus::Active);
    let cohorts = mine
        .into_iter()
        .map(|(id, name, role, status, cohort_status, _, _)| HomeCohort {
            id,
            name,
            role,
            status,
            cohort_status,
        })
        .collect();
    let upcoming = if active {
        queries::next_sessions(conn, me, now, NEXT_SESSIONS)?
    } else {
        Vec::new()
    };
    let next_sessions = upcoming
        .into_iter()
        .inspect(|(s, _)| until = earliest(until, Some(s.ends_at)))
        .map(|(s, timezone)| HomeSession {
            local_starts_at: local_time(s.starts_at, &timezone),
            local_ends_at: local_time(s.ends_at, &timezone),
            id: s.id,
            cohort_id: s.cohort_id,
            kind: s.kind,
            title: s.title,
            starts_at: s.starts_at.and_utc(),
            ends_at: s.ends_at.and_utc(),
            timezone,
            online_url: s.online_url,
            venue: s.venue,
        })
        .collect();
    let events = crate::events::queries::registrations_of(conn, me)?
        .into_iter()
        .filter(|(_, e)| e.ends_at > now)
        .inspect(|(_, e)| until = earliest(until, Some(e.ends_at)))
        .map(|(r, e)| HomeEvent {
            local_starts_at: local_time(e.starts_at, &e.timezone),
            id: e.id,
            title: e.title,
            status: e.status,
            starts_at: e.starts_at.and_utc(),
            venue: e.venue,
            online_url: e.online_url,
            registration_id: r.id,
            registration_status: r.status,
            ticket_code: r.ticket_code,
        })
        .collect();
    let home = Home {
        cohorts,
        next_sessions,
        progress: progress.items,
        events,
    };
    Ok((home, until))
}
