//! The store behind `Idempotency-Key`: per user and key, the hash of the
//! first request and, once it has run, its answer. Kept in the database,
//! so every process of a deployment sees the same keys; the HTTP side is
//! `app::idempotency`.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{write_tx, DbConnection};
use crate::schema::idempotency_keys as keys;
use crate::vocab::UserId;

/// How long a key's answer is replayed.
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
    /// The key is new (or expired): this request runs, and its answer is
    /// kept with [`finish`] (or the key given back with [`release`]).
    Mine,
    /// The same request ran: its answer, to replay.
    Replay(Answer),
    /// The same key is running right now in another request.
    Running,
    /// The key was used for another request.
    OtherRequest,
}

/// Claims `key` for `user`'s request of digest `hash`, in one transaction.
pub fn claim(
    conn: &mut DbConnection,
    user: UserId,
    key: &str,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Claim> {
    write_tx(conn, |conn| {
        let mine = keys::table
            .filter(keys::user_id.eq(user))
            .filter(keys::idempotency_key.eq(key));
        diesel::delete(mine.filter(keys::created_at.lt(now - Duration::hours(KEY_LIFETIME_HOURS))))
            .execute(conn)?;
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
        let (stored_hash, status, headers, body): (
            String,
            Option<i32>,
            Option<String>,
            Option<Vec<u8>>,
        ) = mine
            .select((keys::request_hash, keys::status, keys::headers, keys::body))
            .first(conn)?;
        if stored_hash != hash {
            return Ok(Claim::OtherRequest);
        }
        Ok(match status {
            None => Claim::Running,
            Some(status) => Claim::Replay(Answer {
                status: u16::try_from(status).unwrap_or(500),
                headers: headers
                    .and_then(|h| serde_json::from_str(&h).ok())
                    .unwrap_or_default(),
                body: body.unwrap_or_default(),
            }),
        })
    })
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

/// Gives `key` back: the request failed in a way a retry may fix.
pub fn release(conn: &mut DbConnection, user: UserId, key: &str) -> QueryResult<()> {
    diesel::delete(
        keys::table
            .filter(keys::user_id.eq(user))
            .filter(keys::idempotency_key.eq(key)),
    )
    .execute(conn)?;
    Ok(())
}

/// Forgets keys past their lifetime: the rows removed.
pub fn sweep(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        keys::table.filter(keys::created_at.lt(now - Duration::hours(KEY_LIFETIME_HOURS))),
    )
    .execute(conn)
}
