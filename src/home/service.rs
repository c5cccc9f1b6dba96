//! The home screen: the caller's own things, no access rule beyond being
//! signed in (everything listed is the caller's). One read of the
//! memberships serves the cohorts and the progress; the next sessions are
//! read only for someone active somewhere.

use chrono::NaiveDateTime;

use super::dto::{Home, HomeCohort, HomeEvent, HomeSession};
use super::queries;
use crate::cohorts::seats::holds_seat;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::http::AuthUser;
use crate::sessions::local_time;
use crate::vocab::MemberStatus;

/// Sessions the home screen shows at most.
pub const NEXT_SESSIONS: i64 = 10;

pub fn home(
    conn: &mut DbConnection,
    auth: &AuthUser,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<Home, AppError> {
    let me = crate::users::actor(conn, auth)?.id;
    let mine = queries::my_cohorts(conn, me)?;
    // The seats a learner holds, in the same order as `my_learning`.
    let learning = mine
        .iter()
        .filter(|m| holds_seat(m.2, m.3))
        .map(|m| (m.0, m.1.clone(), m.5, m.6))
        .collect();
    let progress = crate::progress::service::mine_in(conn, me, learning, now, late_weight)?;
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
    Ok(Home {
        cohorts,
        next_sessions,
        progress: progress.items,
        events,
    })
}
