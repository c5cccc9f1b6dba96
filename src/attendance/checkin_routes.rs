//! Handlers of self check-in.

use actix_web::{web, HttpResponse};

use super::checkin_dto::{CheckInCode, CheckInRequest, OpenWindowRequest};
use super::checkin_service as service;
use super::dto::AttendanceDto;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::state::AppState;
use crate::vocab::SessionId;

/// `POST /api/v1/sessions/{id}/check-in-window`: open (or reopen) self check-in (trainer).
#[utoipa::path(
    post, path = "/api/v1/sessions/{id}/check-in-window", tag = "attendance",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    request_body = OpenWindowRequest,
    responses(
        (status = 201, description = "Window open; reopening starts a new window with new codes and fresh tries", body = CheckInCode),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session_cancelled`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn open_window(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
    Json(body): Json<OpenWindowRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rotate = state.settings.check_in_rotate_seconds;
    let key = state.check_in_key;
    let code = db::run(&state.pool, move |conn| {
        service::open_window(conn, &auth, id, body.minutes, now, rotate, &key)
    })
    .await?;
    Ok(HttpResponse::Created().json(code))
}

/// `GET /api/v1/sessions/{id}/check-in-code`: the current code of an open window (trainer).
#[utoipa::path(
    get, path = "/api/v1/sessions/{id}/check-in-code", tag = "attendance",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    responses(
        (status = 200, body = CheckInCode),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`check_in_closed`: no window open", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn current_code(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let key = state.check_in_key;
    let code = db::run(&state.pool, move |conn| {
        service::current_code(conn, &auth, id, now, &key)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(code))
}

/// `POST /api/v1/sessions/{id}/check-in`: a learner checks in with the current code, or replays a check-in made offline (`scanned_at`).
#[utoipa::path(
    post, path = "/api/v1/sessions/{id}/check-in", tag = "attendance",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    request_body = CheckInRequest,
    responses(
        (status = 201, description = "Recorded `present`, or `late` past the cohort's threshold after the start", body = AttendanceDto),
        (status = 200, description = "Already recorded (by an earlier check-in or by the trainer, whose mark wins): the existing record", body = AttendanceDto),
        (status = 403, description = "`not_a_learner`: trainers and staff do not check in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a member of the cohort", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`check_in_closed` (for a replay: `scanned_at` outside the window, or the replay too late) or `session_cancelled`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong code (`errors.code` says how many tries are left), or `scanned_at` in the future", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong codes in this window", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn check_in(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
    Json(body): Json<CheckInRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let key = state.check_in_key;
    let max_failures = state.settings.check_in_max_failures;
    let replay_hours = state.settings.check_in_replay_hours;
    let (record, created) = db::run(&state.pool, move |conn| {
        let scan = service::Scan {
            code: &body.code,
            scanned_at: body.scanned_at.map(|t| t.with_timezone(&chrono::Utc)),
            replay_hours,
        };
        service::check_in(conn, &auth, id, scan, now, &key, max_failures)
    })
    .await?;
    let record = AttendanceDto::from(record);
    if created {
        Ok(HttpResponse::Created().json(record))
    } else {
        Ok(HttpResponse::Ok().json(record))
    }
}
