//! Who is calling, with the rights they hold now ([`actor`], read by every
//! area), and the caller's own account (`/me`).

use chrono::NaiveDateTime;

use crate::access::Actor;
use crate::clock::Clock;
use crate::crypto::password::Passwords;
use crate::db::{self, write_tx, DbConnection, DbPool};
use crate::error::{AppError, Issue, Msg};
use crate::http::{AuthUser, MaybeAuthUser};
use crate::vocab::{LoginSessionId, UserId};

use super::dto::{ChangePasswordRequest, UpdateMeRequest, UserDto};
use super::queries;
use super::rows::{User, UserChanges};

/// The caller with the rights they hold now; a deleted or deactivated
/// account is refused as if the token were invalid.
pub fn actor(conn: &mut DbConnection, auth: &AuthUser) -> Result<Actor, AppError> {
    load_actor(conn, auth.id, auth.session)
}

/// The caller of an endpoint open to everyone: `None` when anonymous.
pub fn optional_actor(
    conn: &mut DbConnection,
    auth: MaybeAuthUser,
) -> Result<Option<Actor>, AppError> {
    auth.0.map(|a| actor(conn, &a)).transpose()
}

/// The same for a user identified otherwise (e.g. by a calendar feed token).
pub fn actor_by_id(conn: &mut DbConnection, id: UserId) -> Result<Actor, AppError> {
    // Not signed in through a login session (a feed token, say): the nil
    // session is never revoked.
    load_actor(conn, id, LoginSessionId(uuid::Uuid::nil()))
}

/// The account's rights, refused like a bad token when the account is
/// gone or deactivated or its login session was ended (logout, a reused
/// refresh token, a password change).
fn load_actor(
    conn: &mut DbConnection,
    id: UserId,
    session: LoginSessionId,
) -> Result<Actor, AppError> {
    actor_of(id, queries::rights(conn, id, session)?)
}

/// The caller `id` with these [`queries::Rights`] (read by
/// `queries::rights`, or with more columns by an area's own query), refused
/// like a bad token when the account is gone or deactivated or its login
/// session was ended.
pub fn actor_of(id: UserId, rows: Vec<queries::Rights>) -> Result<Actor, AppError> {
    let Some(&(is_admin, true, _, false)) = rows.first() else {
        return Err(AppError::Unauthorized(Msg::InvalidToken));
    };
    let coordinates = rows.into_iter().filter_map(|(_, _, c, _)| c).collect();
    Ok(Actor {
        id,
        is_admin,
        coordinates,
    })
}

/// The caller's account, as long as it is active and their login session
/// live: otherwise their token is refused.
fn load_active(
    conn: &mut DbConnection,
    id: UserId,
    session: LoginSessionId,
) -> Result<User, AppError> {
    match queries::find_in_session(conn, id, session)? {
        Some((user, false)) if user.is_active => Ok(user),
        _ => Err(AppError::Unauthorized(Msg::InvalidToken)),
    }
}

/// The signed-in account.
pub fn me(conn: &mut DbConnection, auth: &AuthUser) -> Result<UserDto, AppError> {
    Ok(UserDto::from(load_active(conn, auth.id, auth.session)?))
}

/// Edits one's own name, country, profile type or language.
pub fn update_me(
    conn: &mut DbConnection,
    auth: &AuthUser,
    body: UpdateMeRequest,
    now: NaiveDateTime,
) -> Result<UserDto, AppError> {
    let id = auth.id;
    let user = write_tx(conn, |conn| {
        load_active(conn, id, auth.session)?;
        let country_code = body.country_code.map(|c| c.to_uppercase());
        if let Some(code) = &country_code {
            if !queries::country_exists(conn, code)? {
                return Err(AppError::field("country_code", Issue::UnknownCountry));
            }
        }
        let changes = UserChanges {
            full_name: body.full_name.map(|n| n.trim().to_owned()),
            country_code,
            profile_type: body.profile_type,
            language: body.language,
            updated_at: Some(now),
            ..Default::default()
        };
        Ok::<_, AppError>(queries::update(conn, id, &changes)?)
    })?;
    Ok(UserDto::from(user))
}

/// Changes the password of `user` after checking the current one (both on
/// the password pool), and signs out every session but `session`.
pub async fn change_password(
    pool: &DbPool,
    passwords: &Passwords,
    clock: &dyn Clock,
    user: UserId,
    session: LoginSessionId,
    body: ChangePasswordRequest,
) -> Result<(), AppError> {
    let account = db::run(pool, move |conn| load_active(conn, user, session)).await?;
    let ok = passwords
        .verify(Some(account.password_hash), body.current_password)
        .await?;
    if !ok {
        return Err(AppError::field(
            "current_password",
            Issue::IncorrectPassword,
        ));
    }
    let hash = passwords.hash(body.new_password).await?;
    let now = clock.now_naive();
    db::run(pool, move |conn| {
        set_password(conn, user, session, hash, now)
    })
    .await?;
    tracing::info!(user_id = %user, "password changed; other sessions revoked");
    Ok(())
}

/// Stores the new hash and revokes the refresh tokens of every other
/// session, in one transaction.
fn set_password(
    conn: &mut DbConnection,
    user: UserId,
    keep: LoginSessionId,
    hash: String,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let changes = UserChanges {
            password_hash: Some(hash),
            updated_at: Some(now),
            ..Default::default()
        };
        queries::update(conn, user, &changes)?;
        queries::revoke_sessions(conn, user, Some(keep), now)?;
        Ok::<_, AppError>(())
    })
}
