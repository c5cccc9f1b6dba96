//! Self check-in. A trainer opens a window; the learner types (or scans)
//! the current code; the server records `present`, or `late` past the
//! cohort's threshold after the start. A few wrong codes per learner and
//! window, then 429, so six digits cannot be brute-forced.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::checkin_dto::CheckInCode;
use super::checkin_queries as q;
use super::codes;
use super::queries::lock_session;
use super::rows::{Attendance, AttendanceChange, AttendanceMethod, AttendanceStatus, Window};
use crate::access::CohortAccess;

use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Issue, Msg};
use crate::http::AuthUser;
use crate::sessions::{self, Session, SessionStatus};
use crate::vocab::{MemberRole, MemberStatus, SessionId};

impl Window {
    fn is_open(&self, now: NaiveDateTime) -> bool {
        self.opened_at <= now && now < self.closes_at
    }

    fn key(&self, server_key: &[u8; 32]) -> [u8; 32] {
        codes::window_key(server_key, &self.session_id.to_string(), self.opened_at)
    }
}

fn code_body(window: &Window, server_key: &[u8; 32], now: DateTime<Utc>) -> CheckInCode {
    let step = codes::step(now, window.rotate_seconds);
    let code = codes::code_at(&window.key(server_key), step);
    CheckInCode {
        qr_payload: format!(
            "griot:check-in?session_id={}&code={code}",
            window.session_id
        ),
        code,
        rotates_every_seconds: window.rotate_seconds,
        code_valid_until: codes::step_ends(step, window.rotate_seconds),
        closes_at: window.closes_at.and_utc(),
    }
}

/// Opens (or reopens) the session's window for `minutes` (trainer): the
/// current code of the new window.
pub fn open_window(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
    minutes: i64,
    now: DateTime<Utc>,
    rotate_seconds: i32,
    server_key: &[u8; 32],
) -> Result<CheckInCode, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let window = write_tx(conn, |conn| {
        let (session, _, _) =
            sessions::session_for(conn, &actor, id, CohortAccess::can_manage_sessions)?;
        if session.status == SessionStatus::Cancelled {
            return Err(AppError::Conflict(Msg::SessionCancelled));
        }
        let window = Window {
            session_id: id,
            opened_by: actor.id,
            opened_at: now.naive_utc(),
            closes_at: (now + Duration::minutes(minutes)).naive_utc(),
            rotate_seconds,
        };
        q::replace_window(conn, &window)?;
        Ok(window)
    })?;
    Ok(code_body(&window, server_key, now))
}

/// The current code of the session's open window (trainer).
pub fn current_code(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
    now: DateTime<Utc>,
    server_key: &[u8; 32],
) -> Result<CheckInCode, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    sessions::session_for(conn, &actor, id, CohortAccess::can_manage_sessions)?;
    let window = match q::find_window(conn, id)? {
        Some(w) if w.is_open(now.naive_utc()) => w,
        _ => return Err(AppError::Conflict(Msg::CheckInClosed)),
    };
    Ok(code_body(&window, server_key, now))
}

enum Outcome {
    Recorded(Attendance, bool),
    Wrong { remaining: i32 },
    TooManyTries,
}

/// What a self check-in records at `now`.
pub fn status_for(
    session: &Session,
    late_after_minutes: i32,
    now: NaiveDateTime,
) -> AttendanceStatus {
    if now > session.starts_at + Duration::minutes(i64::from(late_after_minutes)) {
        AttendanceStatus::Late
    } else {
        AttendanceStatus::Present
    }
}

/// How far a phone's clock may be from the server's, either way: a scan
/// may be dated this far ahead of now, and a replayed (offline) scan this
/// far outside the window (or the door's hours) and still count.
pub const CLOCK_SKEW_SECONDS: i64 = 120;

/// A code as a learner's phone scanned it: now, or at `scanned_at` and
/// replayed later (offline).
#[derive(Debug, Clone, Copy)]
pub struct Scan<'a> {
    pub code: &'a str,
    pub scanned_at: Option<DateTime<Utc>>,
    /// How long after a window closes a scan made in it may be replayed.
    pub replay_hours: i64,
}

impl Scan<'_> {
    /// Whether a scan at `at`, arriving at `now`, counts in `window`: live,
    /// the window is open now; replayed, the scan lies in the window, give
    /// or take [`CLOCK_SKEW_SECONDS`] of the phone's clock, and arrives at
    /// most `replay_hours` after it closed.
    pub fn counts_in(&self, window: &Window, at: NaiveDateTime, now: NaiveDateTime) -> bool {
        let skew = Duration::seconds(CLOCK_SKEW_SECONDS);
        match self.scanned_at {
            None => window.is_open(now),
            Some(_) => {
                at >= window.opened_at - skew
                    && at < window.closes_at + skew
                    && now <= window.closes_at + Duration::hours(self.replay_hours)
            }
        }
    }

    /// Whether `code` is right for a scan at `at`: live, the current code
    /// or the one before; replayed, the code of any step of the window
    /// within [`CLOCK_SKEW_SECONDS`] of `at` (or the step before), as the
    /// phone's clock may have drifted from the screen's.
    fn code_matches(&self, window: &Window, key: &[u8; 32], at: DateTime<Utc>) -> bool {
        let rotate = window.rotate_seconds;
        if self.scanned_at.is_none() {
            return codes::accepts(key, at, rotate, self.code);
        }
        let skew = Duration::seconds(CLOCK_SKEW_SECONDS);
        let first = codes::step(window.opened_at.and_utc(), rotate);
        let last = codes::step(window.closes_at.and_utc(), rotate);
        let from = (codes::step(at - skew, rotate) - 1).max(first);
        let to = codes::step(at + skew, rotate).min(last);
        codes::accepts_any(key, from..=to, self.code)
    }
}

/// A learner checks in with `code`: the record, and whether this check-in
/// made it (else it was there already). A wrong code is counted, and the
/// count committed, before the error is returned.
pub fn check_in(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
    scan: Scan<'_>,
    now: DateTime<Utc>,
    server_key: &[u8; 32],
    max_failures: i32,
) -> Result<(Attendance, bool), AppError> {
    let actor = crate::users::actor(conn, auth)?;
    // A replayed scan is judged at the time it was made.
    let at = scan.scanned_at.unwrap_or(now);
    if at > now + Duration::seconds(CLOCK_SKEW_SECONDS) {
        return Err(AppError::field("scanned_at", Issue::Implausible));
    }
    let outcome = write_tx(conn, |conn| {
        lock_session(conn, id, false)?;
        let (session, cohort, access) =
            sessions::session_for(conn, &actor, id, CohortAccess::can_see_private)?;
        if access.membership != Some((MemberRole::Learner, MemberStatus::Active)) {
            return Err(AppError::Forbidden(Some(Msg::NotALearner)));
        }
        if session.status == SessionStatus::Cancelled {
            return Err(AppError::Conflict(Msg::SessionCancelled));
        }
        let window = match q::find_window(conn, id)? {
            Some(w) if scan.counts_in(&w, at.naive_utc(), now.naive_utc()) => w,
            _ => return Err(AppError::Conflict(Msg::CheckInClosed)),
        };
        let failures_key = (id, actor.id, window.opened_at);
        // The try is taken before the code is compared, and given back if
        // the code is right: however many arrive at once, at most
        // `max_failures` wrong codes are ever compared.
        let Some(used) = q::take_try(conn, failures_key, max_failures)? else {
            return Ok(Outcome::TooManyTries);
        };
        if !scan.code_matches(&window, &window.key(server_key), at) {
            // Committed with the transaction: the error is returned after it.
            return Ok(Outcome::Wrong {
                remaining: max_failures - used,
            });
        }
        q::give_back_try(conn, failures_key)?;
        let record = Attendance {
            session_id: id,
            user_id: actor.id,
            status: status_for(&session, cohort.late_after_minutes, at.naive_utc()),
            method: AttendanceMethod::Code,
            note: None,
            marked_by: actor.id,
            marked_at: now.naive_utc(),
            scanned_at: scan.scanned_at.map(|t| t.naive_utc()),
        };
        // An existing record (an earlier check-in, or the trainer's mark) stays.
        let inserted = q::insert_if_unmarked(conn, &record)?;
        if inserted == 1 {
            q::insert_change(conn, AttendanceChange::of(&record, None))?;
        }
        let stored = q::find_record(conn, id, actor.id)?;
        Ok(Outcome::Recorded(stored, inserted == 1))
    })?;
    match outcome {
        Outcome::Recorded(record, created) => Ok((record, created)),
        Outcome::Wrong { remaining } => {
            Err(AppError::field("code", Issue::WrongCode { remaining }))
        }
        Outcome::TooManyTries => Err(AppError::RateLimited),
    }
}
