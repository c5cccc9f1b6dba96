//! The store behind `Idempotency-Key`: per user and key, the hash of the
//! request and its answer, written in the same transaction as the
//! request's own changes (see `crate::db::Reserved`), so a key exists
//! exactly when its change committed, whatever kills the process when.
//! Kept in the database, so every process of a deployment sees the same
//! keys; the HTTP side is `app::idempotency`. After [`KEY_LIFETIME_HOURS`]
//! the answer is dropped but the key stays, as a tombstone: a retry then is
//! refused, never run as new.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::idempotency_keys as keys;
use crate::vocab::UserId;

/// How long a key's answer is replayed; the key itself is kept longer.
pub const KEY_LIFETIME_HOURS: i64 = 24;

/// A stored answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What a request with a key finds.
#[derive(Debug)]
pub enum Claim {
    /// The key is new: this request runs in the transaction that claimed
    /// it, and its answer is kept with [`finish`] before it commits.
    Mine,
    /// The same request ran: its answer, to replay.
    Replay(Answer),
    /// The same request ran more than [`KEY_LIFETIME_HOURS`] ago: its
    /// change was made, its answer is no longer kept.
    Forgotten,
    /// The key was used for another request.
    OtherRequest,
}

/// Claims `key` for `user`'s request of digest `hash`, inside the
/// request's transaction. A twin whose transaction has not ended yet holds
/// the key's row: on PostgreSQL the insert waits for it (then replays its
/// answer, or runs if it rolled back); on SQLite the transaction's
/// `BEGIN IMMEDIATE` already waited.
pub fn claim(
    conn: &mut DbConnection,
    user: UserId,
    key: &str,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Claim> {
    {
        let mine = keys::table
            .filter(keys::user_id.eq(user))
            .filter(keys::idempotency_key.eq(key));
        let row = (
            keys::user_id.eq(user),
            keys::idempotency_key.eq(key),
            keys::request_hash.eq(hash),
            keys::created_at.eq(now),
        );
        let inserted = crate::on_backend!(conn, c => diesel::insert_into(keys::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        if inserted == 1 {
            return Ok(Claim::Mine);
        }
        let (stored_hash, status, headers, body, created_at): (
            String,
            Option<i32>,
            Option<String>,
            Option<Vec<u8>>,
            NaiveDateTime,
        ) = mine
            .select((
                keys::request_hash,
                keys::status,
                keys::headers,
                keys::body,
                keys::created_at,
            ))
            .first(conn)?;
        if stored_hash != hash {
            return Ok(Claim::OtherRequest);
        }
        if created_at < now - Duration::hours(KEY_LIFETIME_HOURS) {
            return Ok(Claim::Forgotten);
        }
        Ok(match status {
            // Left by a version that claimed keys outside the change's
            // transaction: whether its change committed is unknown.
            None => Claim::Forgotten,
            Some(status) => Claim::Replay(Answer {
                status: u16::try_from(status).unwrap_or(500),
                headers: headers
                    .and_then(|h| serde_json::from_str(&h).ok())
                    .unwrap_or_default(),
                body: body.unwrap_or_default(),
            }),
        })
    }
}

/// Keeps the answer of the request that claimed `key`.
pub fn finish(
    conn: &mut DbConnection,
    user: UserId,
    key: &str,
    answer: &Answer,
) -> QueryResult<()> {
    let headers = serde_json::to_string(&answer.headers).unwrap_or_else(|_| "[]".into());
    diesel::update(
        keys::table
            .filter(keys::user_id.eq(user))
            .filter(keys::idempotency_key.eq(key)),
    )
    .set((
        keys::status.eq(i32::from(answer.status)),
        keys::headers.eq(headers),
        keys::body.eq(&answer.body),
    ))
    .execute(conn)?;
    Ok(())
}

/// Forgets `key`, inside the request's transaction: its answer is one a
/// retry may not get (401, 408, 429).
pub fn forget(conn: &mut DbConnection, user: UserId, key: &str) -> QueryResult<()> {
    diesel::delete(
        keys::table
            .filter(keys::user_id.eq(user))
            .filter(keys::idempotency_key.eq(key)),
    )
    .execute(conn)?;
    Ok(())
}

/// Drops the answers of keys past their lifetime, keeping the keys as
/// tombstones (the user, the key, the request's hash: a hundred bytes), so
/// an old retry is refused instead of run again: the rows emptied.
pub fn sweep(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        keys::table
            .filter(keys::created_at.lt(now - Duration::hours(KEY_LIFETIME_HOURS)))
            .filter(keys::body.is_not_null().or(keys::headers.is_not_null())),
    )
    .set((
        keys::headers.eq(None::<String>),
        keys::body.eq(None::<Vec<u8>>),
    ))
    .execute(conn)
}
