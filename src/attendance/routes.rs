//! Handlers of the roll call and its audit trail.

use actix_web::{web, HttpRequest, HttpResponse};

use super::dto::{AttendanceChangeDto, HistoryParams, MarkRequest, Roster};
use super::service;
use crate::cache::{self, JSON};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use crate::vocab::SessionId;

/// `GET /api/v1/sessions/{id}/attendance`: the roster, every learner with a status or `unmarked`.
#[utoipa::path(
    get, path = "/api/v1/sessions/{id}/attendance", tag = "attendance",
    security(("bearer" = [])),
    params(
        ("id" = SessionId, Path),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a roster the client holds"),
    ),
    responses(
        (status = 200, description = "Every active (or completed) learner of the cohort, by name", body = Roster,
            headers(("ETag" = String, description = "Weak validator of this answer; send it back in `If-None-Match`"))),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn roster(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let cache = state.cache.clone();
    let answer = db::run(&state.pool, move |conn| {
        service::roster(conn, &cache, &auth, id)
    })
    .await?;
    Ok(cache::respond(&req, &answer, JSON))
}

/// `PUT /api/v1/sessions/{id}/attendance`: set many records at once (trainer; idempotent).
#[utoipa::path(
    put, path = "/api/v1/sessions/{id}/attendance", tag = "attendance",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    request_body = MarkRequest,
    responses(
        (status = 200, description = "The roster after the change. Sending the same body again changes nothing.", body = Roster),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session_cancelled`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A user who is not a learner of the cohort (`records[i].user_id`), a duplicate, a bad status: nothing is written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn mark(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
    Json(body): Json<MarkRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let roster = db::run(&state.pool, move |conn| {
        service::mark(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(roster))
}

/// `GET /api/v1/sessions/{id}/attendance/history`: the audit trail, oldest first (staff, trainers).
#[utoipa::path(
    get, path = "/api/v1/sessions/{id}/attendance/history", tag = "attendance",
    security(("bearer" = [])),
    params(("id" = SessionId, Path), HistoryParams),
    responses(
        (status = 200, body = Page<AttendanceChangeDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn history(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let params = params.into_inner();
    let paging = PageParams::new(params.limit, params.cursor.clone());
    let limit = paging.limit()?;
    let after: Option<(i64, super::rows::AttendanceChangeId)> = paging.cursor()?;
    let page = db::run(&state.pool, move |conn| {
        service::history(conn, &auth, id, params.user_id, after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}
