//! Every query of the auth area: refresh tokens by hash, spending and
//! revoking them, and whether their account is still active.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::{invitations, refresh_tokens, users};
use crate::vocab::UserId;

use super::rows::{Invitation, NewRefreshToken, RefreshToken, RefreshTokenId, SessionId};

pub fn insert_token(conn: &mut DbConnection, new: NewRefreshToken<'_>) -> QueryResult<usize> {
    diesel::insert_into(refresh_tokens::table)
        .values(new)
        .execute(conn)
}

pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()
}

/// Marks the token `id` used, only if nobody has: 0 rows when it was spent
/// already.
pub fn spend(
    conn: &mut DbConnection,
    id: RefreshTokenId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)
}

pub fn account_is_active(conn: &mut DbConnection, user: UserId) -> QueryResult<bool> {
    users::table.find(user).select(users::is_active).first(conn)
}

/// Ends the login session `family`: its refresh tokens, and its access
/// tokens with them (`users::record_revoked`).
pub fn revoke_family(
    conn: &mut DbConnection,
    family: SessionId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let owner: Option<UserId> = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(family))
        .select(refresh_tokens::user_id)
        .first(conn)
        .optional()?;
    if let Some(owner) = owner {
        crate::users::record_revoked(conn, owner, &[family], now)?;
    }
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// The family of the token whose hash is `hash`, and its account, if any.
pub fn family_of(
    conn: &mut DbConnection,
    hash: String,
) -> QueryResult<Option<(SessionId, UserId)>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select((refresh_tokens::family_id, refresh_tokens::user_id))
        .first(conn)
        .optional()
}

/// Refresh tokens past their expiry: none can be spent any more. For
/// housekeeping; how many went.
pub fn delete_expired_tokens(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(now))).execute(conn)
}

/// Many invitations, a few hundred per statement (an import).
pub fn insert_invitations(conn: &mut DbConnection, rows: &[Invitation]) -> QueryResult<usize> {
    crate::insert_chunked!(conn, invitations::table, rows, 500)
}

/// The invitation whose token has digest `hash`, and its account.
pub fn find_invitation(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<(Invitation, crate::users::User)>> {
    invitations::table
        .inner_join(users::table)
        .filter(invitations::token_hash.eq(hash))
        .select((Invitation::as_select(), crate::users::User::as_select()))
        .first(conn)
        .optional()
}

/// Spends the invitation: one statement, so of two requests with one
/// token only one finds it unused and unexpired (1 row) and goes on.
pub fn spend_invitation(
    conn: &mut DbConnection,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        invitations::table
            .filter(invitations::token_hash.eq(hash))
            .filter(invitations::used_at.is_null())
            .filter(invitations::expires_at.gt(now)),
    )
    .set(invitations::used_at.eq(now))
    .execute(conn)
}

/// Every other open invitation of `user` is closed once one is spent.
pub fn close_invitations(
    conn: &mut DbConnection,
    user: UserId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        invitations::table
            .filter(invitations::user_id.eq(user))
            .filter(invitations::used_at.is_null()),
    )
    .set(invitations::used_at.eq(now))
    .execute(conn)
}

/// Invitations expired or spent before `before`: for housekeeping.
pub fn forget_invitations(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        invitations::table.filter(
            invitations::expires_at
                .lt(before)
                .or(invitations::used_at.lt(before)),
        ),
    )
    .execute(conn)
}
