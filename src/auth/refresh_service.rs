//! Refresh tokens: random opaque strings, stored only as SHA-256 hashes,
//! rotated on every use. Tokens rotated from one login form a family; a
//! spent token presented again means it leaked, so the whole family is
//! revoked and the client must log in again.

use base64::Engine;
use chrono::{Duration, NaiveDateTime};

use crate::crypto::hash_token;
use crate::db::{write_tx, DbConnection};
use crate::error::AppError;
use crate::vocab::UserId;

use super::queries;
use super::rows::{NewRefreshToken, RefreshTokenId, SessionId};

/// Stores a new token of `family` and returns its clear text (shown once).
pub fn issue(
    conn: &mut DbConnection,
    user: UserId,
    family: SessionId,
    now: NaiveDateTime,
    ttl_days: i64,
) -> Result<String, AppError> {
    let bytes: [u8; 32] = rand::random();
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    queries::insert_token(
        conn,
        NewRefreshToken {
            id: RefreshTokenId::new(),
            user_id: user,
            family_id: family,
            token_hash: &hash_token(&token),
            created_at: now,
            expires_at: now + Duration::days(ttl_days),
        },
    )?;
    Ok(token)
}

#[derive(Debug)]
pub enum Rotation {
    Rotated {
        user: UserId,
        family: SessionId,
        token: String,
    },
    /// Unknown, expired, revoked, or the account is deactivated.
    Invalid,
    /// A spent token came back: its family is now revoked.
    Reused,
}

/// Spends `presented` and issues its successor, in one transaction.
pub fn rotate(
    conn: &mut DbConnection,
    presented: &str,
    now: NaiveDateTime,
    ttl_days: i64,
) -> Result<Rotation, AppError> {
    let hash = hash_token(presented);
    write_tx(conn, |conn| {
        let Some(found) = queries::find_by_hash(conn, &hash)? else {
            return Ok(Rotation::Invalid);
        };
        // Queue behind every other change to this account's sessions, then
        // read the token again: what the first read said may have changed
        // while we waited (`users::lock_account`).
        crate::users::lock_account(conn, found.user_id)?;
        let Some(row) = queries::find_by_hash(conn, &hash)? else {
            return Ok(Rotation::Invalid);
        };
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Ok(Rotation::Invalid);
        }
        // Spend it only if nobody else has: a concurrent or later reuse finds
        // no row to update and revokes the family.
        let spent = queries::spend(conn, row.id, now)?;
        if spent == 0 {
            queries::revoke_family(conn, row.family_id, now)?;
            return Ok(Rotation::Reused);
        }
        if !queries::account_is_active(conn, row.user_id)? {
            queries::revoke_family(conn, row.family_id, now)?;
            return Ok(Rotation::Invalid);
        }
        let token = issue(conn, row.user_id, row.family_id, now, ttl_days)?;
        Ok(Rotation::Rotated {
            user: row.user_id,
            family: row.family_id,
            token,
        })
    })
}

/// Revokes the family of `presented`, if it is a known token (logout).
pub fn revoke_by_token(
    conn: &mut DbConnection,
    presented: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    write_tx(conn, |conn| {
        Ok(match queries::family_of(conn, hash_token(presented))? {
            Some((family, user)) => {
                crate::users::lock_account(conn, user)?;
                queries::revoke_family(conn, family, now)?
            }
            None => 0,
        })
    })
}
