//! The HTTP handler of `/sync`.

use actix_web::{web, HttpResponse};

use super::dto::{SyncPage, SyncParams};
use super::service;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::AuthUser;
use crate::state::AppState;

/// `GET /api/v1/sync`: what changed that the caller may see since their token (everything without one), page by page.
#[utoipa::path(
    get, path = "/api/v1/sync", tag = "me",
    security(("bearer" = [])),
    params(SyncParams),
    responses(
        (status = 200, description = "Changes in the order they happened; `delete` for what is gone or no longer the caller's to see. An unchanged re-sync is an empty list.", body = SyncPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The token is older than the change log kept (`SYNC_LOG_DAYS`): sync again without `since` (`sync_token_expired`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A `since` this server did not give, or a bad `limit`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn sync(
    state: web::Data<AppState>,
    auth: AuthUser,
    params: web::Query<SyncParams>,
) -> Result<HttpResponse, AppError> {
    let params = params.into_inner();
    let page = db::run(&state.pool, move |conn| {
        service::sync(conn, &auth, params.since.as_deref(), params.limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}
