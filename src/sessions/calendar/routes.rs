//! The HTTP handlers of calendar feeds: extract, call [`service`], answer
//! (feeds as `text/calendar` with a weak ETag).

use actix_web::{web, HttpRequest, HttpResponse};

use super::dto::{CalendarTokenDto, FeedParams};
use super::service;
use crate::cache::{self, Cached};
use crate::cohorts::CohortId;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{AuthUser, MaybeAuthUser};
use crate::sessions::ics::{self, Calendar};
use crate::state::AppState;

const ICS_CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// The feed as an HTTP response, with a weak ETag so polling apps that
/// revalidate download nothing when nothing changed.
fn ics_response(req: &HttpRequest, calendar: &Calendar) -> HttpResponse {
    let answer = Cached::new(ics::render(calendar).into());
    cache::respond(req, &answer, ICS_CONTENT_TYPE)
}

/// `POST /api/v1/me/calendar-token`: a new feed token for calendar apps, replacing any previous one.
#[utoipa::path(
    post, path = "/api/v1/me/calendar-token", tag = "calendar",
    security(("bearer" = [])),
    responses(
        (status = 201, body = CalendarTokenDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_token(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let origin = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let dto = db::run(&state.pool, move |conn| {
        service::create_token(conn, &auth, &origin, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// `DELETE /api/v1/me/calendar-token`: revoke the feed token; subscribed apps get 401.
#[utoipa::path(
    delete, path = "/api/v1/me/calendar-token", tag = "calendar",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked (also when there was none)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_token(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, AppError> {
    db::run(&state.pool, move |conn| service::revoke_token(conn, &auth)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/cohorts/{id}/calendar.ics`: the cohort's sessions as an iCalendar feed (staff and admitted members).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/calendar.ics", tag = "calendar",
    security((), ("bearer" = [])),
    params(("id" = CohortId, Path), FeedParams),
    responses(
        (status = 200, description = "RFC 5545 calendar", body = String, content_type = "text/calendar"),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 401, description = "No credentials, or a bad or revoked token", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cohort_feed(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    id: web::Path<CohortId>,
    params: web::Query<FeedParams>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let token = params.into_inner().token;
    let now = state.clock.now_naive();
    let calendar = db::run(&state.pool, move |conn| {
        service::cohort_feed(conn, auth, token.as_deref(), id, now)
    })
    .await?;
    Ok(ics_response(&req, &calendar))
}

/// `GET /api/v1/me/calendar.ics`: sessions of every cohort the caller is an admitted learner or trainer of.
#[utoipa::path(
    get, path = "/api/v1/me/calendar.ics", tag = "calendar",
    security((), ("bearer" = [])),
    params(FeedParams),
    responses(
        (status = 200, description = "RFC 5545 calendar; each event's description starts with its cohort's name", body = String, content_type = "text/calendar"),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 401, description = "No credentials, or a bad or revoked token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_feed(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    params: web::Query<FeedParams>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let token = params.into_inner().token;
    let now = state.clock.now_naive();
    let calendar = db::run(&state.pool, move |conn| {
        service::my_feed(conn, auth, token.as_deref(), now)
    })
    .await?;
    Ok(ics_response(&req, &calendar))
}
