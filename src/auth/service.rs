//! Registration, login, token refresh and logout. Passwords are hashed and
//! verified on the password pool, between short database steps.

use chrono::NaiveDateTime;

use crate::clock::Clock;
use crate::crypto::jwt::JwtKeys;
use crate::crypto::password::Passwords;
use crate::db::{self, write_tx, DbConnection, DbPool};
use crate::error::{AppError, Issue, Msg};
use crate::users::{self, normalize_email, Language, NewUser, ProfileType, User};
use crate::vocab::UserId;

use super::dto::{AuthResponse, LoginRequest, RegisterRequest};
use super::refresh_service::{self as refresh, Rotation};
use super::rows::SessionId;
use super::throttle;
use crate::config::Throttle;

/// A new or renewed session: the account, and the refresh token (clear
/// text, shown once) of its family.
pub struct SignedIn {
    pub user: User,
    pub session: SessionId,
    pub refresh_token: String,
}

/// The tokens of `signed_in`, with an access token issued at `now` (Unix
/// seconds).
pub fn auth_response(
    jwt: &JwtKeys,
    now: i64,
    signed_in: SignedIn,
) -> Result<AuthResponse, AppError> {
    let SignedIn {
        user,
        session,
        refresh_token,
    } = signed_in;
    let access_token = jwt.issue(user.id, session.0, now)?;
    Ok(AuthResponse {
        user: user.into(),
        access_token,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: jwt.ttl_seconds,
    })
}

/// What signing in needs from the application: the database, the password
/// pool, the clock, and the limits (see [`throttle`]).
pub struct SignIn<'a> {
    pub pool: &'a DbPool,
    pub passwords: &'a Passwords,
    pub clock: &'a dyn Clock,
    pub ttl_days: i64,
    pub limits: Throttle,
    /// The client's address, for the per-client limits.
    pub client: String,
}

/// Creates an account and signs it in.
pub async fn register(ctx: SignIn<'_>, body: RegisterRequest) -> Result<SignedIn, AppError> {
    let SignIn {
        pool,
        passwords,
        clock,
        ttl_days,
        limits,
        client,
    } = ctx;
    let email = normalize_email(&body.email);
    let country = body.country_code.to_uppercase();
    // Cheap checks first, so a doomed request spends no argon2 time; every
    // attempt counts against the client's registrations.
    {
        let (email, country) = (email.clone(), country.clone());
        let now = clock.now().timestamp();
        db::run(pool, move |conn| {
            throttle::client_registers(conn, &limits, &client, now)?;
            check_registrable(conn, &email, &country)
        })
        .await?;
    }
    let hash = passwords.hash(body.password).await?;
    let account = Account {
        email,
        hash,
        full_name: body.full_name.trim().to_owned(),
        country,
        profile_type: body.profile_type,
        language: body.language.unwrap_or(Language::Fr),
    };
    let now = clock.now_naive();
    let signed_in = db::run(pool, move |conn| {
        create_account(conn, account, now, ttl_days)
    })
    .await?;
    tracing::info!(user_id = %signed_in.user.id, "account registered");
    Ok(signed_in)
}

/// The country exists and the e-mail is free.
fn check_registrable(conn: &mut DbConnection, email: &str, country: &str) -> Result<(), AppError> {
    if !users::country_exists(conn, country)? {
        return Err(AppError::field("country_code", Issue::UnknownCountry));
    }
    if users::find_by_email(conn, email)?.is_some() {
        return Err(AppError::Conflict(Msg::EmailTaken));
    }
    Ok(())
}

/// A registration, checked and hashed.
struct Account {
    email: String,
    hash: String,
    full_name: String,
    country: String,
    profile_type: ProfileType,
    language: Language,
}

/// Inserts the account and its first refresh token, in one transaction.
fn create_account(
    conn: &mut DbConnection,
    account: Account,
    now: NaiveDateTime,
    ttl_days: i64,
) -> Result<SignedIn, AppError> {
    write_tx(conn, |conn| {
        let new = NewUser {
            id: UserId::new(),
            email: &account.email,
            password_hash: &account.hash,
            full_name: &account.full_name,
            country_code: &account.country,
            profile_type: account.profile_type,
            language: account.language,
            is_admin: false,
            is_active: true,
            created_at: now,
            updated_at: now,
        };
        // A concurrent registration of the same email loses on the unique index.
        let user = users::insert(conn, &new).map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict(Msg::EmailTaken),
            other => other,
        })?;
        let session = SessionId::new();
        let refresh_token = refresh::issue(conn, user.id, session, now, ttl_days)?;
        Ok(SignedIn {
            user,
            session,
            refresh_token,
        })
    })
}

/// Exchanges an e-mail and password for a new session. The throttles are
/// checked, and the attempt counted, before the password is hashed.
pub async fn login(ctx: SignIn<'_>, body: LoginRequest) -> Result<SignedIn, AppError> {
    let SignIn {
        pool,
        passwords,
        clock,
        ttl_days,
        limits,
        client,
    } = ctx;
    let email = normalize_email(&body.email);
    let user = {
        let (email, client) = (email.clone(), client.clone());
        let now = clock.now().timestamp();
        db::run(pool, move |conn| {
            throttle::client_may_sign_in(conn, &limits, &client, now)?;
            throttle::account_attempt(conn, &limits, &email, now)?;
            Ok(users::find_by_email(conn, &email)?)
        })
        .await?
    };
    // Unknown accounts are checked against a dummy hash: same answer, same time.
    let ok = passwords
        .verify(
            user.as_ref().map(|u| u.password_hash.clone()),
            body.password,
        )
        .await?;
    let user = match user {
        Some(user) if ok => user,
        _ => {
            let now = clock.now().timestamp();
            db::run(pool, move |conn| {
                Ok(throttle::client_failed(conn, &limits, &client, now)?)
            })
            .await?;
            return Err(AppError::Unauthorized(Msg::InvalidCredentials));
        }
    };
    let now = clock.now_naive();
    let (user_id, active) = (user.id, user.is_active);
    let session = db::run(pool, move |conn| {
        // The right password clears the account's back-off, even when the
        // account turns out to be deactivated.
        throttle::account_succeeded(conn, &email)?;
        if !active {
            return Ok(None);
        }
        let session = SessionId::new();
        Ok(Some((
            session,
            refresh::issue(conn, user_id, session, now, ttl_days)?,
        )))
    })
    .await?;
    let Some((session, refresh_token)) = session else {
        return Err(AppError::Forbidden(Some(Msg::AccountDisabled)));
    };
    Ok(SignedIn {
        user,
        session,
        refresh_token,
    })
}

/// Spends a refresh token for its successor; a reused one revokes its
/// whole family.
pub fn refresh(
    conn: &mut DbConnection,
    presented: &str,
    now: NaiveDateTime,
    ttl_days: i64,
) -> Result<SignedIn, AppError> {
    let msg = match refresh::rotate(conn, presented, now, ttl_days)? {
        Rotation::Rotated {
            user,
            family,
            token,
        } => {
            let user = users::find(conn, user)?.ok_or(AppError::NotFound)?;
            return Ok(SignedIn {
                user,
                session: family,
                refresh_token: token,
            });
        }
        Rotation::Invalid => Msg::InvalidRefreshToken,
        Rotation::Reused => Msg::RefreshTokenReused,
    };
    if msg == Msg::RefreshTokenReused {
        tracing::warn!("spent refresh token presented again: session revoked");
    }
    Err(AppError::Unauthorized(msg))
}

/// Ends the session of `presented`, if it is a known token.
pub fn logout(
    conn: &mut DbConnection,
    presented: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    refresh::revoke_by_token(conn, presented, now)?;
    Ok(())
}
