//! The HTTP handler of the home screen.

use actix_web::{web, HttpRequest, HttpResponse};

use super::dto::Home;
use super::service;
use crate::cache::{self, JSON};
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
pub async fn my_home(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let late_weight = state.settings.attendance_late_weight;
    let cache = state.cache.clone();
    let answer = db::run(&state.pool, move |conn| {
        service::home(conn, &cache, &auth, now, late_weight)
    })
    .await?;
    Ok(cache::respond(&req, &answer, JSON))
}
