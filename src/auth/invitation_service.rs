//! Invitations: an account created for someone (a CSV enrolment) has no
//! password; its owner sets one with the single-use link they were sent,
//! and is signed in. Only the token's digest is stored.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::dto::InvitationDto;
use super::queries;
use super::refresh_service as refresh;
use super::rows::{Invitation, SessionId};
use super::service::{SignIn, SignedIn};
use super::throttle;
use crate::config::Throttle;
use crate::crypto::{hash_token, random_token};
use crate::db::{self, write_tx, DbConnection};
use crate::error::{AppError, Msg};
use crate::users::{self, UserChanges};
use crate::vocab::{CohortId, UserId};

/// A new invitation for `user`, valid `days`, not stored yet: the token in
/// clear (to be shown once) and the row (see [`store`]).
pub fn new_invitation(
    user: UserId,
    cohort: Option<CohortId>,
    by: UserId,
    now: NaiveDateTime,
    days: i64,
) -> (String, Invitation) {
    let token = random_token();
    let row = Invitation {
        token_hash: hash_token(&token),
        user_id: user,
        cohort_id: cohort,
        created_by: by,
        created_at: now,
        expires_at: now + Duration::days(days),
        used_at: None,
    };
    (token, row)
}

/// Stores invitations made by [`new_invitation`].
pub fn store(conn: &mut DbConnection, rows: &[Invitation]) -> diesel::QueryResult<usize> {
    queries::insert_invitations(conn, rows)
}

/// The invitation of `token` if it can still be spent: 404 if unknown,
/// 410 if used or expired, 403 if the account was deactivated.
fn usable(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<(Invitation, users::User), AppError> {
    let (invitation, user) =
        queries::find_invitation(conn, &hash_token(token))?.ok_or(AppError::NotFound)?;
    if invitation.used_at.is_some() {
        return Err(AppError::Gone(Msg::InvitationUsed));
    }
    if invitation.expires_at <= now {
        return Err(AppError::Gone(Msg::InvitationExpired));
    }
    if !user.is_active {
        return Err(AppError::Forbidden(Some(Msg::AccountDisabled)));
    }
    Ok((invitation, user))
}

/// Whose invitation this is, for the page that asks for a password.
/// Limited per client address like redeeming (counted apart), so the
/// look-up is no way around the limit on guessing tokens.
pub fn peek(
    conn: &mut DbConnection,
    limits: &Throttle,
    client: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<InvitationDto, AppError> {
    throttle::client_acts(
        conn,
        limits,
        throttle::ClientAction::ReadInvitation,
        client,
        now.timestamp(),
    )?;
    let (invitation, user) = usable(conn, token, now.naive_utc())?;
    Ok(InvitationDto {
        email: user.email,
        full_name: user.full_name,
        expires_at: invitation.expires_at.and_utc(),
    })
}

/// Sets the password of the invited account and signs it in. The token is
/// checked before the password is hashed (an unknown one costs no argon2
/// time) and spent in the same transaction as the password is stored, by
/// one conditional statement: of two requests with one token, one wins.
pub async fn redeem(
    ctx: SignIn<'_>,
    token: String,
    password: String,
) -> Result<SignedIn, AppError> {
    let SignIn {
        pool,
        passwords,
        clock,
        ttl_days,
        limits,
        client,
    } = ctx;
    {
        let token = token.clone();
        let now = clock.now_naive();
        let at = clock.now().timestamp();
        db::run(pool, move |conn| {
            throttle::client_registers(conn, &limits, &client, at)?;
            usable(conn, &token, now).map(|_| ())
        })
        .await?;
    }
    let hash = passwords.hash(password).await?;
    let now = clock.now_naive();
    let signed_in = db::run(pool, move |conn| {
        write_tx(conn, |conn| {
            let (invitation, _) = usable(conn, &token, now)?;
            if queries::spend_invitation(conn, &invitation.token_hash, now)? == 0 {
                return Err(AppError::Gone(Msg::InvitationUsed));
            }
            queries::close_invitations(conn, invitation.user_id, now)?;
            let user = users::update(
                conn,
                invitation.user_id,
                &UserChanges {
                    password_hash: Some(hash),
                    updated_at: Some(now),
                    ..Default::default()
                },
            )?;
            let session = SessionId::new();
            let refresh_token = refresh::issue(conn, user.id, session, now, ttl_days)?;
            Ok(SignedIn {
                user,
                session,
                refresh_token,
            })
        })
    })
    .await?;
    tracing::info!(user_id = %signed_in.user.id, "invitation redeemed");
    Ok(signed_in)
}
