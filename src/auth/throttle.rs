//! Sign-in and registration throttling, kept in the database so that every
//! process of a scale-out sees the same counts, and checked before any
//! password hash is computed.
//!
//! - Per account (`account:<email>`): each attempt is counted by the
//!   database in one statement; past `account_free_failures`, an attempt
//!   is let through only once the previous back-off has run out, and sets
//!   the next one, doubling up to `account_max_backoff_seconds`. So a burst
//!   of guesses gets one try per back-off, whatever the concurrency. A
//!   successful sign-in clears the account's row.
//! - Per client address: failed sign-ins (`client:<addr>`), and the
//!   [`ClientAction`]s (account registrations and invitation redemptions
//!   `register:<addr>`, invitation look-ups `invitation:<addr>`, guest
//!   event registrations `guest:<addr>`) per window of
//!   `client_window_seconds`, each counted by the database in one
//!   statement.
//!
//! Instants are Unix seconds of the injected clock.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::config::Throttle;
use crate::db::DbConnection;
use crate::error::AppError;

/// Counts an attempt on `account` and lets it through, or refuses it while
/// the account's back-off runs (429 with the seconds left).
pub fn account_attempt(
    conn: &mut DbConnection,
    limits: &Throttle,
    email: &str,
    now: i64,
) -> Result<(), AppError> {
    let key = format!("account:{email}");
    let sql = conn.numbered_sql(ACCOUNT_ATTEMPT);
    let counted: Vec<Hits> = crate::on_backend!(conn, c => diesel::sql_query(&sql)
        .bind::<Text, _>(&key)
        .bind::<BigInt, _>(now)
        .bind::<Integer, _>(limits.account_free_failures)
        .bind::<BigInt, _>(limits.account_max_backoff_seconds)
        .load(c))?;
    if counted.is_empty() {
        return Err(AppError::Throttled(retry_after(
            blocked_until(conn, &key)?,
            now,
        )));
    }
    Ok(())
}

/// A successful sign-in: the account starts afresh.
pub fn account_succeeded(conn: &mut DbConnection, email: &str) -> QueryResult<()> {
    use crate::schema::throttles;
    diesel::delete(throttles::table.find(format!("account:{email}")))
        .execute(conn)
        .map(|_| ())
}

/// Refuses a sign-in from `client` that has failed too often in the window.
pub fn client_may_sign_in(
    conn: &mut DbConnection,
    limits: &Throttle,
    client: &str,
    now: i64,
) -> Result<(), AppError> {
    use crate::schema::throttles;
    let row: Option<(i32, i64)> = throttles::table
        .find(format!("client:{client}"))
        .select((throttles::hits, throttles::window_start))
        .first(conn)
        .optional()?;
    match row {
        Some((hits, start))
            if hits >= limits.client_max_failures && start > now - limits.client_window_seconds =>
        {
            Err(AppError::Throttled(retry_after(
                start + limits.client_window_seconds,
                now,
            )))
        }
        _ => Ok(()),
    }
}

/// Counts a failed sign-in from `client`.
pub fn client_failed(
    conn: &mut DbConnection,
    limits: &Throttle,
    client: &str,
    now: i64,
) -> QueryResult<()> {
    count_in_window(
        conn,
        &format!("client:{client}"),
        limits.client_window_seconds,
        now,
    )
    .map(|_| ())
}

/// What a client address is limited in, each with its own count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAction {
    /// Creating an account, or redeeming an invitation.
    Register,
    /// Looking an invitation up (`GET /auth/invitations/{token}`): limited
    /// like redeeming one, counted apart so a look-up costs no redemption.
    ReadInvitation,
    /// An anonymous guest's event registration.
    GuestRegistration,
}

impl ClientAction {
    fn key(self, client: &str) -> String {
        let kind = match self {
            ClientAction::Register => "register",
            ClientAction::ReadInvitation => "invitation",
            ClientAction::GuestRegistration => "guest",
        };
        format!("{kind}:{client}")
    }

    fn limit(self, limits: &Throttle) -> i32 {
        match self {
            ClientAction::Register | ClientAction::ReadInvitation => {
                limits.client_max_registrations
            }
            ClientAction::GuestRegistration => limits.client_max_guest_registrations,
        }
    }
}

/// Counts a registration from `client`, refused past the window's limit.
pub fn client_registers(
    conn: &mut DbConnection,
    limits: &Throttle,
    client: &str,
    now: i64,
) -> Result<(), AppError> {
    client_acts(conn, limits, ClientAction::Register, client, now)
}

/// Counts `action` from `client` (one statement, whatever the
/// concurrency), refused with a 429 past the window's limit.
pub fn client_acts(
    conn: &mut DbConnection,
    limits: &Throttle,
    action: ClientAction,
    client: &str,
    now: i64,
) -> Result<(), AppError> {
    let window = limits.client_window_seconds;
    let counted = count_in_window(conn, &action.key(client), window, now)?;
    if counted.hits > action.limit(limits) {
        return Err(AppError::Throttled(retry_after(
            counted.window_start + window,
            now,
        )));
    }
    Ok(())
}

/// Rows with nothing left to enforce: windows and back-offs over. For
/// housekeeping; returns how many went.
pub fn forget_expired(conn: &mut DbConnection, limits: &Throttle, now: i64) -> QueryResult<usize> {
    use crate::schema::throttles;
    let oldest_live_window = now - limits.client_window_seconds;
    diesel::delete(
        throttles::table
            .filter(throttles::window_start.le(oldest_live_window))
            .filter(throttles::blocked_until.le(now))
            // An account row keeps its count until a success, unless idle
            // for as long as the longest back-off.
            .filter(throttles::window_start.le(now - limits.account_max_backoff_seconds)),
    )
    .execute(conn)
}

/// Seconds until `until`, at least one (a `Retry-After` of 0 invites a
/// client to hammer).
fn retry_after(until: i64, now: i64) -> u64 {
    u64::try_from(until - now).unwrap_or(0).max(1)
}

fn blocked_until(conn: &mut DbConnection, key: &str) -> QueryResult<i64> {
    use crate::schema::throttles;
    throttles::table
        .find(key)
        .select(throttles::blocked_until)
        .first(conn)
}

#[derive(QueryableByName)]
struct Hits {
    #[diesel(sql_type = Integer)]
    #[allow(dead_code)]
    hits: i32,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Integer)]
    hits: i32,
    #[diesel(sql_type = BigInt)]
    window_start: i64,
}

fn count_in_window(
    conn: &mut DbConnection,
    key: &str,
    window: i64,
    now: i64,
) -> QueryResult<Counted> {
    let sql = conn.numbered_sql(WINDOW_HIT);
    crate::on_backend!(conn, c => diesel::sql_query(&sql)
        .bind::<Text, _>(key)
        .bind::<BigInt, _>(now)
        .bind::<BigInt, _>(now - window)
        .get_result(c))
}

/// An attempt on an account: counted, and given the next back-off once past
/// the free ones, unless a back-off is running (then no row comes back).
/// `$1` key, `$2` now, `$3` free failures, `$4` longest back-off.
const ACCOUNT_ATTEMPT: &str = "\
INSERT INTO throttles (key, hits, window_start, penalty, blocked_until) \
VALUES ($1, 1, $2, 0, 0) \
ON CONFLICT (key) DO UPDATE SET \
    hits = throttles.hits + 1, \
    window_start = $2, \
    penalty = CASE WHEN throttles.hits + 1 <= $3 THEN 0 \
        WHEN throttles.penalty = 0 THEN 1 \
        WHEN throttles.penalty * 2 > $4 THEN $4 \
        ELSE throttles.penalty * 2 END, \
    blocked_until = $2 + CASE WHEN throttles.hits + 1 <= $3 THEN 0 \
        WHEN throttles.penalty = 0 THEN 1 \
        WHEN throttles.penalty * 2 > $4 THEN $4 \
        ELSE throttles.penalty * 2 END \
WHERE throttles.blocked_until <= $2 \
RETURNING hits";

/// One more hit in a fixed window, the window starting afresh once over.
/// `$1` key, `$2` now, `$3` now minus the window.
const WINDOW_HIT: &str = "\
INSERT INTO throttles (key, hits, window_start, penalty, blocked_until) \
VALUES ($1, 1, $2, 0, 0) \
ON CONFLICT (key) DO UPDATE SET \
    hits = CASE WHEN throttles.window_start <= $3 THEN 1 ELSE throttles.hits + 1 END, \
    window_start = CASE WHEN throttles.window_start <= $3 THEN $2 \
        ELSE throttles.window_start END \
RETURNING hits, window_start";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_at_least_a_second() {
        assert_eq!(retry_after(10, 10), 1);
        assert_eq!(retry_after(5, 10), 1);
        assert_eq!(retry_after(70, 10), 60);
    }
}
