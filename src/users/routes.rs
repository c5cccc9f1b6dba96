//! The caller's own account (read, edit, change password) and the user
//! directory, for staff.

use actix_web::{web, HttpResponse};

use crate::db;
use crate::error::{AppError, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use crate::vocab::UserId;

use super::directory_service;
use super::dto::{ChangePasswordRequest, UpdateMeRequest, UpdateUserRequest, UserDto, UserFilter};
use super::service;

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
    let user = db::run(&state.pool, move |conn| service::me(conn, &auth)).await?;
    Ok(HttpResponse::Ok().json(user))
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
        service::update_me(conn, &auth, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(user))
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
    service::change_password(
        &state.pool,
        &state.passwords,
        state.clock.as_ref(),
        auth.id,
        auth.session,
        body,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/users`: accounts the caller oversees (admin: all; coordinator: their countries).
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    params(UserFilter, PageParams),
    responses(
        (status = 200, description = "Ordered by id (creation order)", body = Page<UserDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither admin nor coordinator, or a country the caller does not coordinate", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: AuthUser,
    filter: web::Query<UserFilter>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let limit = params.limit()?;
    let after: Option<UserId> = params.cursor()?;
    let search = directory_service::search(filter.into_inner())?;
    let page = db::run(&state.pool, move |conn| {
        directory_service::list_users(conn, &auth, search, after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `GET /api/v1/users/{id}`: one account (admin, its country's coordinator, or oneself).
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = UserId, Path)),
    responses(
        (status = 200, body = UserDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user = db::run(&state.pool, move |conn| {
        directory_service::get_user(conn, &auth, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(user))
}

/// `PATCH /api/v1/users/{id}`: edit an account (staff, or one's own profile); deactivating signs it out.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = UserId, Path)),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, body = UserDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin-only field, an admin's account, or a country the coordinator does not coordinate", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, unknown country, or an admin deactivating or demoting themselves", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<UserId>,
    Json(body): Json<UpdateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let now = state.clock.now_naive();
    let user = db::run(&state.pool, move |conn| {
        directory_service::update_user(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(user))
}
