//! Country chapters and their coordinators.

use actix_web::{web, HttpResponse};

use crate::db;
use crate::error::{AppError, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::pagination::Page;
use crate::state::AppState;
use crate::users::{UserDto, UserId};

use super::dto::{CountryDto, CreateCountryRequest, TeamMemberDto};
use super::service;

/// `GET /api/v1/countries`: every country chapter (public).
#[utoipa::path(
    get, path = "/api/v1/countries", tag = "countries",
    responses((status = 200, body = Page<CountryDto>))
)]
pub async fn list_countries(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let page = db::run(&state.pool, service::list_countries).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(page))
}

/// `POST /api/v1/countries`: add a country chapter (admin).
#[utoipa::path(
    post, path = "/api/v1/countries", tag = "countries",
    security(("bearer" = [])),
    request_body = CreateCountryRequest,
    responses(
        (status = 201, body = CountryDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_country(
    state: web::Data<AppState>,
    auth: AuthUser,
    Json(body): Json<CreateCountryRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let country = db::run(&state.pool, move |conn| {
        service::create_country(conn, &auth, body, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(country))
}

/// `GET /api/v1/countries/{code}/coordinators`: the country's coordinators (admin, or one of them).
#[utoipa::path(
    get, path = "/api/v1/countries/{code}/coordinators", tag = "countries",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "ML")),
    responses(
        (status = 200, description = "Every coordinator, by name; never paginated", body = Page<UserDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown country", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_coordinators(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = path.into_inner().to_uppercase();
    let page = db::run(&state.pool, move |conn| {
        service::list_coordinators(conn, &auth, &code)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `PUT /api/v1/countries/{code}/coordinators/{user_id}`: appoint a coordinator (admin; idempotent).
#[utoipa::path(
    put, path = "/api/v1/countries/{code}/coordinators/{user_id}", tag = "countries",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "ML"), ("user_id" = UserId, Path)),
    responses(
        (status = 204, description = "The user coordinates the country (already did, or now does)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown country or user", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_coordinator(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (code, user_id) = path.into_inner();
    let code = code.to_uppercase();
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        service::add_coordinator(conn, &auth, &code, user_id, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/v1/countries/{code}/coordinators/{user_id}`: remove a coordinator (admin).
#[utoipa::path(
    delete, path = "/api/v1/countries/{code}/coordinators/{user_id}", tag = "countries",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "ML"), ("user_id" = UserId, Path)),
    responses(
        (status = 204, description = "No longer a coordinator of the country; the term stays in the team's history"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a coordinator of this country", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn remove_coordinator(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (code, user_id) = path.into_inner();
    let code = code.to_uppercase();
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        service::remove_coordinator(conn, &auth, &code, user_id, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/countries/{code}/team`: the chapter's coordinators and volunteers, past terms included (admins, its coordinators and volunteers).
#[utoipa::path(
    get, path = "/api/v1/countries/{code}/team", tag = "countries",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "BF")),
    responses(
        (status = 200, description = "Every term: current ones first, then by role and start; never paginated", body = Page<TeamMemberDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown country", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn chapter_team(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = path.into_inner().to_uppercase();
    let page = db::run(&state.pool, move |conn| service::team(conn, &auth, &code)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `PUT /api/v1/countries/{code}/volunteers/{user_id}`: make someone a volunteer of the chapter (admins, its coordinators; idempotent).
#[utoipa::path(
    put, path = "/api/v1/countries/{code}/volunteers/{user_id}", tag = "countries",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "BF"), ("user_id" = UserId, Path)),
    responses(
        (status = 204, description = "The user volunteers for the chapter (already did, or now does)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown country or user", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_volunteer(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (code, user_id) = path.into_inner();
    let code = code.to_uppercase();
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        service::add_volunteer(conn, &auth, &code, user_id, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/v1/countries/{code}/volunteers/{user_id}`: end someone's term as a volunteer of the chapter (admins, its coordinators).
#[utoipa::path(
    delete, path = "/api/v1/countries/{code}/volunteers/{user_id}", tag = "countries",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "BF"), ("user_id" = UserId, Path)),
    responses(
        (status = 204, description = "No longer a volunteer; the term stays in the team's history"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown country, or not a current volunteer of it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn remove_volunteer(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (code, user_id) = path.into_inner();
    let code = code.to_uppercase();
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        service::remove_volunteer(conn, &auth, &code, user_id, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
