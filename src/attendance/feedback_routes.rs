//! Handlers of session feedback.

use actix_web::{web, HttpResponse};

use super::feedback_dto::{CohortFeedback, FeedbackRequest, FeedbackSummary, MyFeedback};
use super::feedback_service as service;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{AuthUser, Json};
use crate::state::AppState;
use crate::vocab::{CohortId, SessionId};

/// `PUT /api/v1/sessions/{id}/feedback`: rate a session (a learner marked present or late, once it started).
#[utoipa::path(
    put, path = "/api/v1/sessions/{id}/feedback", tag = "attendance",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    request_body = FeedbackRequest,
    responses(
        (status = 200, description = "Saved; sending again replaces the rating and comment", body = MyFeedback),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a learner of the cohort, or not marked present or late (`not_attended`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The session has not started (`session_not_started`) or was cancelled (`session_cancelled`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn give_feedback(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
    Json(body): Json<FeedbackRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let saved = db::run(&state.pool, move |conn| {
        service::give(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// `GET /api/v1/sessions/{id}/feedback`: what learners said of a session, anonymously (staff, the cohort's trainers).
#[utoipa::path(
    get, path = "/api/v1/sessions/{id}/feedback", tag = "attendance",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    responses(
        (status = 200, description = "Count, mean, distribution and comments, with no names", body = FeedbackSummary),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn session_feedback(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let summary = db::run(&state.pool, move |conn| service::summary(conn, &auth, id)).await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// `GET /api/v1/cohorts/{id}/feedback`: a cohort's feedback per kind of session and per session (staff, the cohort's trainers).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/feedback", tag = "attendance",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    responses(
        (status = 200, description = "Ratings per kind of session and per rated session; cancelled and deleted sessions are left out", body = CohortFeedback),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cohort_feedback(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let summary = db::run(&state.pool, move |conn| {
        service::cohort_summary(conn, &auth, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}
