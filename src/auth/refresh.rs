//! Refresh tokens: random opaque strings, stored only as SHA-256 hashes,
//! rotated on every use. Tokens rotated from one login form a family; a
//! spent token presented again means it leaked, so the whole family is
//! revoked and the client must log in again.

use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::crypto::hash_token;
use crate::db::{write_tx, DbConnection};
use crate::error::AppError;
use crate::schema::{refresh_tokens, users};
use crate::users::UserId;
pub use crate::vocab::LoginSessionId as SessionId;

crate::id_type!(RefreshTokenId);

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: RefreshTokenId,
    pub user_id: UserId,
    pub family_id: SessionId,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
struct NewRefreshToken<'a> {
    id: RefreshTokenId,
    user_id: UserId,
    family_id: SessionId,
    token_hash: &'a str,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// Stores a new token of `family` and returns its clear text (shown once).
pub fn issue(
    conn: &mut DbConnection,
    user: UserId,
    family: SessionId,
    now: NaiveDateTime,
    ttl_days: i64,
) -> QueryResult<String> {
    let bytes: [u8; 32] = rand::random();
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    diesel::insert_into(refresh_tokens::table)
        .values(NewRefreshToken {
            id: RefreshTokenId::new(),
            user_id: user,
            family_id: family,
            token_hash: &hash_token(&token),
            created_at: now,
            expires_at: now + Duration::days(ttl_days),
        })
        .execute(conn)?;
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
        let Some(row) = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(&hash))
            .select(RefreshToken::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(Rotation::Invalid);
        };
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Ok(Rotation::Invalid);
        }
        // Spend it only if nobody else has: a concurrent or later reuse finds
        // no row to update and revokes the family.
        let spent = diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::id.eq(row.id))
                .filter(refresh_tokens::used_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(now))
        .execute(conn)?;
        if spent == 0 {
            revoke_family(conn, row.family_id, now)?;
            return Ok(Rotation::Reused);
        }
        let active: bool = users::table
            .find(row.user_id)
            .select(users::is_active)
            .first(conn)?;
        if !active {
            revoke_family(conn, row.family_id, now)?;
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

pub fn revoke_family(
    conn: &mut DbConnection,
    family: SessionId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// Revokes the family of `presented`, if it is a known token (logout).
pub fn revoke_by_token(
    conn: &mut DbConnection,
    presented: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let family: Option<SessionId> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash_token(presented)))
        .select(refresh_tokens::family_id)
        .first(conn)
        .optional()?;
    match family {
        Some(f) => revoke_family(conn, f, now),
        None => Ok(0),
    }
}
