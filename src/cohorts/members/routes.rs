//! The member endpoints: extract, call [`super::service`], answer.

use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;

use super::dto::{AddMemberRequest, MemberFilters, MembershipDto, UpdateMemberRequest};
use super::service;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use crate::users::UserId;
use crate::vocab::CohortId;

/// `POST /api/v1/cohorts/{id}/applications`: the caller applies as a learner.
#[utoipa::path(
    post, path = "/api/v1/cohorts/{id}/applications", tag = "members",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    responses(
        (status = 201, description = "`active` (auto-accept, seat free), `pending` (staff will decide) or `waitlisted` (full)", body = MembershipDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already applied, or the cohort is not open", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn apply(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let member = db::run(&state.pool, move |conn| service::apply(conn, auth, id, now)).await?;
    Ok(HttpResponse::Created().json(member))
}

/// `GET /api/v1/cohorts/{id}/members`: members, oldest first (staff, trainers).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/members", tag = "members",
    security(("bearer" = [])),
    params(("id" = CohortId, Path), MemberFilters),
    responses(
        (status = 200, body = Page<MembershipDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_members(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    filters: web::Query<MemberFilters>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let filters = filters.into_inner();
    let paging = PageParams::new(filters.limit, filters.cursor.clone());
    let limit = paging.limit()?;
    let after: Option<(NaiveDateTime, UserId)> = paging.cursor()?;
    let page = db::run(&state.pool, move |conn| {
        service::list(conn, auth, id, filters, after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `POST /api/v1/cohorts/{id}/members`: staff enrol a trainer or a learner.
#[utoipa::path(
    post, path = "/api/v1/cohorts/{id}/members", tag = "members",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    request_body = AddMemberRequest,
    responses(
        (status = 201, body = MembershipDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_member(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    Json(body): Json<AddMemberRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let member = db::run(&state.pool, move |conn| {
        service::add(conn, auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(member))
}

/// `PATCH /api/v1/cohorts/{id}/members/{user_id}`: accept, reject, withdraw, complete (staff).
#[utoipa::path(
    patch, path = "/api/v1/cohorts/{id}/members/{user_id}", tag = "members",
    security(("bearer" = [])),
    params(("id" = CohortId, Path), ("user_id" = UserId, Path)),
    request_body = UpdateMemberRequest,
    responses(
        (status = 200, description = "Accepting into a full cohort waitlists a pending applicant", body = MembershipDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Full cohort for a waitlisted learner", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_member(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(CohortId, UserId)>,
    Json(body): Json<UpdateMemberRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = path.into_inner();
    let now = state.clock.now_naive();
    let member = db::run(&state.pool, move |conn| {
        service::update(conn, auth, id, user, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(member))
}

/// `DELETE /api/v1/cohorts/{id}/members/{user_id}`: withdraw a member (staff, or the member themselves).
#[utoipa::path(
    delete, path = "/api/v1/cohorts/{id}/members/{user_id}", tag = "members",
    security(("bearer" = [])),
    params(("id" = CohortId, Path), ("user_id" = UserId, Path)),
    responses(
        (status = 204, description = "Withdrawn (the record is kept); a freed seat goes to the waitlist"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn remove_member(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(CohortId, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = path.into_inner();
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        service::remove(conn, auth, id, user, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
