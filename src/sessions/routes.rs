//! The HTTP handlers of sessions: extract, call [`service`], answer.

use actix_web::{web, HttpRequest, HttpResponse};

use super::dto::{
    CreateSeriesRequest, CreateSessionRequest, SeriesCancelled, SeriesDto, SessionDto,
    SessionFilters, UpdateSessionRequest,
};
use super::rows::SeriesId;
use super::service;
use crate::cache::{self, JSON};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{AuthUser, Json};
use crate::pagination::Page;
use crate::state::AppState;
use crate::vocab::{CohortId, SessionId};

/// `GET /api/v1/cohorts/{id}/sessions`: sessions by start time, or changes since an instant (staff and admitted members).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/sessions", tag = "sessions",
    security(("bearer" = [])),
    params(
        ("id" = CohortId, Path),
        SessionFilters,
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a page the client holds"),
    ),
    responses(
        (status = 200, description = "Ordered by `(starts_at, id)`; with `updated_since`, by `(updated_at, id)` with tombstones", body = Page<SessionDto>,
            headers(("ETag" = String, description = "Weak validator of this answer; send it back in `If-None-Match`"))),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 400, description = "Unreadable filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<CohortId>,
    filters: web::Query<SessionFilters>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let filters = filters.into_inner();
    let (limit, after) = service::page_request(&filters)?;
    let cache = state.cache.clone();
    let answer = db::run(&state.pool, move |conn| {
        service::list_sessions(conn, &auth, id, &filters, limit, after, &cache)
    })
    .await?;
    Ok(cache::respond(&req, &answer, JSON))
}

/// `POST /api/v1/cohorts/{id}/sessions`: schedule a session (staff, the cohort's trainers).
#[utoipa::path(
    post, path = "/api/v1/cohorts/{id}/sessions", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    request_body = CreateSessionRequest,
    responses(
        (status = 201, body = SessionDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, end not after start, lead trainer not a trainer of the cohort or already leading a session at that time", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_session(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    Json(body): Json<CreateSessionRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let session = db::run(&state.pool, move |conn| {
        service::create_session(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(session))
}

/// `GET /api/v1/sessions/{id}`: one session (staff and admitted members).
#[utoipa::path(
    get, path = "/api/v1/sessions/{id}", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    responses(
        (status = 200, body = SessionDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, deleted, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_session(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let session = db::run(&state.pool, move |conn| {
        service::get_session(conn, &auth, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(session))
}

/// `PATCH /api/v1/sessions/{id}`: edit, cancel or restore a session (staff, the cohort's trainers).
#[utoipa::path(
    patch, path = "/api/v1/sessions/{id}", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    request_body = UpdateSessionRequest,
    responses(
        (status = 200, body = SessionDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, end not after start, lead trainer not a trainer of the cohort or already leading a session at that time", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_session(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
    Json(body): Json<UpdateSessionRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let session = db::run(&state.pool, move |conn| {
        service::update_session(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(session))
}

/// `DELETE /api/v1/sessions/{id}`: delete a session (staff, the cohort's trainers).
#[utoipa::path(
    delete, path = "/api/v1/sessions/{id}", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    responses(
        (status = 204, description = "Deleted; syncing clients see a tombstone"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_session(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        service::delete_session(conn, &auth, id, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/cohorts/{id}/sessions/series`: schedule a recurring session (staff, the cohort's trainers).
#[utoipa::path(
    post, path = "/api/v1/cohorts/{id}/sessions/series", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    request_body = CreateSeriesRequest,
    responses(
        (status = 201, description = "Every occurrence, in order, at the first one's local time in the cohort's zone; all created in one transaction", body = SeriesDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field; both or neither of `repeat.count` and `repeat.until`; more than 100 occurrences; `until` before the first; the lead trainer not a trainer of the cohort or already leading a session at one of the times; nothing is created", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_series(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    Json(body): Json<CreateSeriesRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let series = db::run(&state.pool, move |conn| {
        service::create_series(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(series))
}

/// `DELETE /api/v1/series/{id}`: cancel the occurrences of a series that have not started (staff, the cohort's trainers).
#[utoipa::path(
    delete, path = "/api/v1/series/{id}", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = SeriesId, Path)),
    responses(
        (status = 200, description = "Occurrences not yet started are cancelled (they stay in lists and calendars as cancelled); past ones and their attendance stay. Again: nothing more is cancelled", body = SeriesCancelled),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel_series(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SeriesId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let cancelled = db::run(&state.pool, move |conn| {
        service::cancel_series(conn, &auth, id, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(cancelled))
}
