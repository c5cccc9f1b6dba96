//! The cohort endpoints: extract, call [`super::service`], answer.

use actix_web::{web, HttpResponse};

use super::dto::{CohortDto, CohortFilters, CreateCohortRequest, UpdateCohortRequest};
use super::service;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::Json;
use crate::http::{AuthUser, MaybeAuthUser};
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use crate::vocab::CohortId;

/// `GET /api/v1/cohorts`: the catalogue, plus drafts the caller staffs or belongs to.
#[utoipa::path(
    get, path = "/api/v1/cohorts", tag = "cohorts",
    params(CohortFilters),
    responses(
        (status = 200, body = Page<CohortDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_cohorts(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    filters: web::Query<CohortFilters>,
) -> Result<HttpResponse, AppError> {
    let filters = filters.into_inner();
    let paging = PageParams::new(filters.limit, filters.cursor.clone());
    let limit = paging.limit()?;
    let after: Option<CohortId> = paging.cursor()?;
    let page = db::run(&state.pool, move |conn| {
        service::list(conn, auth, filters, after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `POST /api/v1/cohorts`: create a cohort (admin; coordinator in their country).
#[utoipa::path(
    post, path = "/api/v1/cohorts", tag = "cohorts",
    security(("bearer" = [])),
    request_body = CreateCohortRequest,
    responses(
        (status = 201, body = CohortDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_cohort(
    state: web::Data<AppState>,
    auth: AuthUser,
    Json(body): Json<CreateCohortRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let cohort = db::run(&state.pool, move |conn| {
        service::create(conn, auth, body, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(cohort))
}

/// `GET /api/v1/cohorts/{id}`: one cohort, if the caller may see it.
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}", tag = "cohorts",
    params(("id" = CohortId, Path)),
    responses(
        (status = 200, body = CohortDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_cohort(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    id: web::Path<CohortId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let cohort = db::run(&state.pool, move |conn| service::get(conn, auth, id)).await?;
    Ok(HttpResponse::Ok().json(cohort))
}

/// `PATCH /api/v1/cohorts/{id}`: edit a cohort or move its status (staff).
#[utoipa::path(
    patch, path = "/api/v1/cohorts/{id}", tag = "cohorts",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    request_body = UpdateCohortRequest,
    responses(
        (status = 200, body = CohortDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, backward status move, capacity below seats taken", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_cohort(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    Json(body): Json<UpdateCohortRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let cohort = db::run(&state.pool, move |conn| {
        service::update(conn, auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(cohort))
}
