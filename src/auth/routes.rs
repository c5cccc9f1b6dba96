//! Registration, login, token refresh and logout.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::refresh::{self, Rotation, SessionId};
use crate::crypto::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::db::{self, write_tx};
use crate::error::{AppError, Issue, Msg, Problem};
use crate::http::Json;
use crate::state::AppState;
use crate::users::{self, normalize_email, Language, NewUser, ProfileType, User, UserDto};
use crate::validation::{not_blank, trimmed};

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RegisterRequest {
    #[validate(email, length(max = 254))]
    #[serde(deserialize_with = "trimmed")]
    #[schema(example = "awa.traore@example.com")]
    pub email: String,
    /// At least 10 characters.
    #[validate(length(min = MIN_PASSWORD_CHARS, max = MAX_PASSWORD_CHARS))]
    pub password: String,
    #[validate(custom(function = "not_blank"), length(max = 120))]
    pub full_name: String,
    /// ISO 3166-1 alpha-2 code of a known country, e.g. `CI`.
    #[validate(length(equal = 2))]
    pub country_code: String,
    pub profile_type: ProfileType,
    /// Defaults to `fr`.
    pub language: Option<Language>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 254))]
    #[serde(deserialize_with = "trimmed")]
    pub email: String,
    #[validate(length(min = 1, max = MAX_PASSWORD_CHARS))]
    pub password: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 200))]
    pub refresh_token: String,
}

/// Tokens for a session, with the account they belong to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthResponse {
    pub user: UserDto,
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque; single use: every refresh returns a new one.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

pub(crate) fn auth_response(
    state: &AppState,
    user: User,
    session: SessionId,
    refresh_token: String,
) -> Result<AuthResponse, AppError> {
    let access_token = state
        .jwt
        .issue(user.id, session.0, state.clock.now().timestamp())?;
    Ok(AuthResponse {
        user: user.into(),
        access_token,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: state.jwt.ttl_seconds,
    })
}

/// `POST /api/v1/auth/register`: create an account and sign in.
#[utoipa::path(
    post, path = "/api/v1/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created, signed in", body = AuthResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Email already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    state: web::Data<AppState>,
    Json(body): Json<RegisterRequest>,
) -> Result<HttpResponse, AppError> {
    let email = normalize_email(&body.email);
    let country = body.country_code.to_uppercase();
    // Cheap checks first, so a doomed request spends no argon2 time.
    {
        let (email, country) = (email.clone(), country.clone());
        db::run(&state.pool, move |conn| {
            if !users::country_exists(conn, &country)? {
                return Err(AppError::field("country_code", Issue::UnknownCountry));
            }
            if users::find_by_email(conn, &email)?.is_some() {
                return Err(AppError::Conflict(Msg::EmailTaken));
            }
            Ok(())
        })
        .await?;
    }
    let hash = state.passwords.hash(body.password).await?;
    let now = state.clock.now_naive();
    let ttl_days = state.settings.refresh_token_ttl_days;
    let full_name = body.full_name.trim().to_owned();
    let (user, session, token) = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let new = NewUser {
                id: users::UserId::new(),
                email: &email,
                password_hash: &hash,
                full_name: &full_name,
                country_code: &country,
                profile_type: body.profile_type,
                language: body.language.unwrap_or(Language::Fr),
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
            let token = refresh::issue(conn, user.id, session, now, ttl_days)?;
            Ok::<_, AppError>((user, session, token))
        })
    })
    .await?;
    tracing::info!(user_id = %user.id, "account registered");
    Ok(HttpResponse::Created().json(auth_response(&state, user, session, token)?))
}

/// `POST /api/v1/auth/login`: exchange email and password for tokens.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Account deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    Json(body): Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let email = body.email;
    let user = db::run(&state.pool, move |conn| {
        Ok(users::find_by_email(conn, &email)?)
    })
    .await?;
    // Unknown accounts are checked against a dummy hash: same answer, same time.
    let ok = state
        .passwords
        .verify(
            user.as_ref().map(|u| u.password_hash.clone()),
            body.password,
        )
        .await?;
    let user = match user {
        Some(user) if ok => user,
        _ => return Err(AppError::Unauthorized(Msg::InvalidCredentials)),
    };
    if !user.is_active {
        return Err(AppError::Forbidden(Some(Msg::AccountDisabled)));
    }
    let now = state.clock.now_naive();
    let ttl_days = state.settings.refresh_token_ttl_days;
    let user_id = user.id;
    let (session, token) = db::run(&state.pool, move |conn| {
        let session = SessionId::new();
        Ok((
            session,
            refresh::issue(conn, user_id, session, now, ttl_days)?,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(auth_response(&state, user, session, token)?))
}

/// `POST /api/v1/auth/refresh`: spend a refresh token for a new pair.
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New access and refresh tokens", body = AuthResponse),
        (status = 401, description = "Invalid, expired or reused token (a reuse revokes the session)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn refresh_tokens(
    state: web::Data<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let ttl_days = state.settings.refresh_token_ttl_days;
    let outcome = db::run(&state.pool, move |conn| {
        match refresh::rotate(conn, &body.refresh_token, now, ttl_days)? {
            Rotation::Rotated {
                user,
                family,
                token,
            } => {
                let user = users::find(conn, user)?.ok_or(AppError::NotFound)?;
                Ok(Ok((user, family, token)))
            }
            Rotation::Invalid => Ok(Err(Msg::InvalidRefreshToken)),
            Rotation::Reused => Ok(Err(Msg::RefreshTokenReused)),
        }
    })
    .await?;
    match outcome {
        Ok((user, session, token)) => {
            Ok(HttpResponse::Ok().json(auth_response(&state, user, session, token)?))
        }
        Err(msg) => {
            if msg == Msg::RefreshTokenReused {
                tracing::warn!("spent refresh token presented again: session revoked");
            }
            Err(AppError::Unauthorized(msg))
        }
    }
}

/// `POST /api/v1/auth/logout`: end the session of a refresh token.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Session ended (also when the token was already unknown)"),
        (status = 422, description = "Missing token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn logout(
    state: web::Data<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        Ok(refresh::revoke_by_token(conn, &body.refresh_token, now)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
