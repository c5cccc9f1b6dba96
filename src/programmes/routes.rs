//! Programmes: the catalogue and the admin's edits.

use actix_web::{web, HttpResponse};

use crate::db;
use crate::error::{AppError, Problem};
use crate::http::Json;
use crate::http::{AuthUser, MaybeAuthUser};
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use crate::vocab::ProgrammeId;

use super::dto::{CreateProgrammeRequest, ProgrammeDto, UpdateProgrammeRequest};
use super::service;

/// `GET /api/v1/programmes`: the catalogue (everything, for staff).
#[utoipa::path(
    get, path = "/api/v1/programmes", tag = "programmes",
    params(PageParams),
    responses(
        (status = 200, body = Page<ProgrammeDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_programmes(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let limit = params.limit()?;
    let after: Option<ProgrammeId> = params.cursor()?;
    let page = db::run(&state.pool, move |conn| {
        service::list_programmes(conn, auth, after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `POST /api/v1/programmes`: create a programme (admin).
#[utoipa::path(
    post, path = "/api/v1/programmes", tag = "programmes",
    security(("bearer" = [])),
    request_body = CreateProgrammeRequest,
    responses(
        (status = 201, body = ProgrammeDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_programme(
    state: web::Data<AppState>,
    auth: AuthUser,
    Json(body): Json<CreateProgrammeRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let programme = db::run(&state.pool, move |conn| {
        service::create_programme(conn, &auth, body, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(programme))
}

/// `GET /api/v1/programmes/{id}`: one programme, if visible to the caller.
#[utoipa::path(
    get, path = "/api/v1/programmes/{id}", tag = "programmes",
    params(("id" = ProgrammeId, Path)),
    responses(
        (status = 200, body = ProgrammeDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_programme(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    id: web::Path<ProgrammeId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let programme = db::run(&state.pool, move |conn| {
        service::get_programme(conn, auth, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(programme))
}

/// `PATCH /api/v1/programmes/{id}`: edit a programme (admin).
#[utoipa::path(
    patch, path = "/api/v1/programmes/{id}", tag = "programmes",
    security(("bearer" = [])),
    params(("id" = ProgrammeId, Path)),
    request_body = UpdateProgrammeRequest,
    responses(
        (status = 200, body = ProgrammeDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_programme(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<ProgrammeId>,
    Json(body): Json<UpdateProgrammeRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let programme = db::run(&state.pool, move |conn| {
        service::update_programme(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(programme))
}

/// `DELETE /api/v1/programmes/{id}`: delete a programme without cohorts (admin).
#[utoipa::path(
    delete, path = "/api/v1/programmes/{id}", tag = "programmes",
    security(("bearer" = [])),
    params(("id" = ProgrammeId, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It still has cohorts", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_programme(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<ProgrammeId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    db::run(&state.pool, move |conn| {
        service::delete_programme(conn, &auth, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
