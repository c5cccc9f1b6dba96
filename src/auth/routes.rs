//! Registration, login, token refresh and logout.

use actix_web::{web, HttpResponse};

use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{ClientAddr, Json};
use crate::state::AppState;

use super::dto::{
    AuthResponse, InvitationDto, LoginRequest, RedeemInvitationRequest, RefreshRequest,
    RegisterRequest,
};
use super::invitation_service;
use super::service::{self, SignedIn};

/// The tokens of `signed_in`, the access token issued now.
fn tokens(state: &AppState, signed_in: SignedIn) -> Result<AuthResponse, AppError> {
    service::auth_response(&state.jwt, state.clock.now().timestamp(), signed_in)
}

fn sign_in(state: &AppState, client: ClientAddr) -> service::SignIn<'_> {
    service::SignIn {
        pool: &state.pool,
        passwords: &state.passwords,
        clock: state.clock.as_ref(),
        ttl_days: state.settings.refresh_token_ttl_days,
        limits: state.settings.throttle,
        client: client.0,
    }
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
        (status = 429, description = "Too many registrations from this client address (`rate_limited`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until a new attempt is counted"))),
    )
)]
pub async fn register(
    state: web::Data<AppState>,
    client: ClientAddr,
    Json(body): Json<RegisterRequest>,
) -> Result<HttpResponse, AppError> {
    let signed_in = service::register(sign_in(&state, client), body).await?;
    Ok(HttpResponse::Created().json(tokens(&state, signed_in)?))
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
        (status = 429, description = "Back-off of this account, or too many failures from this client address (`rate_limited`); no password was checked", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is accepted"))),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientAddr,
    Json(body): Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let signed_in = service::login(sign_in(&state, client), body).await?;
    Ok(HttpResponse::Ok().json(tokens(&state, signed_in)?))
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
    let signed_in = db::run(&state.pool, move |conn| {
        service::refresh(conn, &body.refresh_token, now, ttl_days)
    })
    .await?;
    Ok(HttpResponse::Ok().json(tokens(&state, signed_in)?))
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
        service::logout(conn, &body.refresh_token, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/auth/invitations/{token}`: whose invitation a link is, while it can be used.
#[utoipa::path(
    get, path = "/api/v1/auth/invitations/{token}", tag = "auth",
    params(("token" = String, Path, description = "The token at the end of an `invite_url`")),
    responses(
        (status = 200, description = "The invited account, for the page that asks for a password", body = InvitationDto),
        (status = 403, description = "Account deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Already used (`invitation_used`) or expired (`invitation_expired`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many look-ups from this client address (`rate_limited`): `CLIENT_MAX_REGISTRATIONS` per `CLIENT_WINDOW_SECONDS`, like redeeming", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until a new attempt is counted"))),
    )
)]
pub async fn get_invitation(
    state: web::Data<AppState>,
    client: ClientAddr,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let now = state.clock.now();
    let limits = state.settings.throttle;
    let invitation = db::run(&state.pool, move |conn| {
        invitation_service::peek(conn, &limits, &client.0, &token, now)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(invitation))
}

/// `POST /api/v1/auth/invitations/{token}`: set the password of an invited account and sign in.
#[utoipa::path(
    post, path = "/api/v1/auth/invitations/{token}", tag = "auth",
    params(("token" = String, Path, description = "The token at the end of an `invite_url`")),
    request_body = RedeemInvitationRequest,
    responses(
        (status = 200, description = "Password set, signed in; the invitation (and any other of the account) can no longer be used", body = AuthResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Account deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Already used (`invitation_used`) or expired (`invitation_expired`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Password too short or too long", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this client address (`rate_limited`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until a new attempt is counted"))),
    )
)]
pub async fn redeem_invitation(
    state: web::Data<AppState>,
    client: ClientAddr,
    token: web::Path<String>,
    Json(body): Json<RedeemInvitationRequest>,
) -> Result<HttpResponse, AppError> {
    let signed_in =
        invitation_service::redeem(sign_in(&state, client), token.into_inner(), body.password)
            .await?;
    Ok(HttpResponse::Ok().json(tokens(&state, signed_in)?))
}
