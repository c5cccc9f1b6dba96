//! The caller's own account: read, edit, change password.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::crypto::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::db::{self, write_tx};
use crate::error::{AppError, Issue, Msg, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::state::AppState;
use crate::users::{self, Language, ProfileType, UserChanges, UserDto};
use crate::validation::not_blank;

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateMeRequest {
    #[validate(custom(function = "not_blank"), length(max = 120))]
    pub full_name: Option<String>,
    #[validate(length(equal = 2))]
    pub country_code: Option<String>,
    pub profile_type: Option<ProfileType>,
    pub language: Option<Language>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = MAX_PASSWORD_CHARS))]
    pub current_password: String,
    #[validate(length(min = MIN_PASSWORD_CHARS, max = MAX_PASSWORD_CHARS))]
    pub new_password: String,
}

/// `GET /api/v1/me`: the signed-in account.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = UserDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_me(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, AppError> {
    let user = db::run(&state.pool, move |conn| load_active(conn, &auth)).await?;
    Ok(HttpResponse::Ok().json(UserDto::from(user)))
}

fn load_active(conn: &mut db::DbConnection, auth: &AuthUser) -> Result<users::User, AppError> {
    match users::find(conn, auth.id)? {
        Some(user) if user.is_active => Ok(user),
        _ => Err(AppError::Unauthorized(Msg::InvalidToken)),
    }
}

/// `PATCH /api/v1/me`: edit one's name, country, profile type or language.
#[utoipa::path(
    patch, path = "/api/v1/me", tag = "me",
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, body = UserDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: AuthUser,
    Json(body): Json<UpdateMeRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let user = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            load_active(conn, &auth)?;
            let country_code = body.country_code.map(|c| c.to_uppercase());
            if let Some(code) = &country_code {
                if !users::country_exists(conn, code)? {
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
            Ok(users::update(conn, auth.id, &changes)?)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserDto::from(user)))
}

/// `POST /api/v1/me/password`: change password; other sessions are signed out.
#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "me",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; every other session's refresh token is revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password or too short a new one", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_password(
    state: web::Data<AppState>,
    auth: AuthUser,
    Json(body): Json<ChangePasswordRequest>,
) -> Result<HttpResponse, AppError> {
    let user = db::run(&state.pool, move |conn| load_active(conn, &auth)).await?;
    let ok = state
        .passwords
        .verify(Some(user.password_hash), body.current_password)
        .await?;
    if !ok {
        return Err(AppError::field(
            "current_password",
            Issue::IncorrectPassword,
        ));
    }
    let hash = state.passwords.hash(body.new_password).await?;
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let changes = UserChanges {
                password_hash: Some(hash),
                updated_at: Some(now),
                ..Default::default()
            };
            users::update(conn, auth.id, &changes)?;
            users::revoke_sessions(conn, auth.id, Some(auth.session), now)?;
            Ok::<_, AppError>(())
        })
    })
    .await?;
    tracing::info!(user_id = %auth.id, "password changed; other sessions revoked");
    Ok(HttpResponse::NoContent().finish())
}
