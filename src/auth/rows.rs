//! The `refresh_tokens` table: one row per token ever issued, by hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{invitations, refresh_tokens};
pub use crate::vocab::LoginSessionId as SessionId;
use crate::vocab::UserId;

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
pub struct NewRefreshToken<'a> {
    pub id: RefreshTokenId,
    pub user_id: UserId,
    pub family_id: SessionId,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A single-use invitation to set a password, by the digest of its token.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub token_hash: String,
    pub user_id: UserId,
    pub cohort_id: Option<crate::vocab::CohortId>,
    pub created_by: UserId,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}
