//! The HTTP handler of the home screen.

use actix_web::{web, HttpResponse};

use super::dto::Home;
use super::service;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::AuthUser;
use crate::state::AppState;

/// `GET /api/v1/me/home`: the caller's cohorts, next sessions, progress and event tickets, in one small answer for a phone.
#[utoipa::path(
    get, path = "/api/v1/me/home", tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Home),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_home(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let late_weight = state.settings.attendance_late_weight;
    let body = db::run(&state.pool, move |conn| {
        service::home(conn, &auth, now, late_weight)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
