//! The member endpoints: extract, call [`super::service`], answer.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use futures_util::StreamExt;

use super::dto::{
    AddMemberRequest, ImportParams, ImportReport, MemberFilters, MembershipDto, UpdateMemberRequest,
};
use super::import_service::{self, ImportOptions};
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

/// The media types a CSV arrives as: browsers on Windows send Excel's.
const CSV_TYPES: [&str; 5] = [
    "text/csv",
    "application/csv",
    "text/plain",
    "application/vnd.ms-excel",
    // A file picked with no known type; what generated clients send for
    // the raw bytes the document describes.
    "application/octet-stream",
];

/// `POST /api/v1/cohorts/{id}/members/import`: enrol people from a CSV, or check it with `?dry_run=true` (staff).
#[utoipa::path(
    post, path = "/api/v1/cohorts/{id}/members/import", tag = "members",
    security(("bearer" = [])),
    description = "Columns `email, full_name, country_code` and optionally `role` \
        (`learner`, the default, or `trainer`), named on the first line in any case and \
        order; UTF-8 with or without a byte-order mark; comma, semicolon or tab; quoted \
        fields; blank lines skipped. Existing accounts (email in any case) are enrolled; \
        new ones are created without a password and get a single-use `invite_url` valid \
        `INVITATION_DAYS` (14). An account that existed before never gets an `invite_url`, \
        even one still without a password: a link to it would sign the importer in as \
        its owner. Learners take the free seats in file order and the rest \
        are waitlisted in that order; trainers are always active. The whole file is one \
        transaction: a real run with any error writes nothing (422, each error named \
        `line N: column`), a dry run writes nothing and reports everything (a file that is not UTF-8 or \
        lacks a column is a 422 either way), and running \
        the same file again changes nothing (`already_member`).",
    params(("id" = CohortId, Path), ImportParams),
    request_body(content = crate::http::FileBytes, content_type = "application/octet-stream", description = "The file, at most `IMPORT_MAX_BYTES` (1 MiB) and `IMPORT_MAX_ROWS` (2,000) lines. Sent as `text/csv`, `application/csv`, `text/plain`, `application/vnd.ms-excel` (what browsers may name a `.csv` file) or `application/octet-stream` (a file of no known type; what generated clients send)"),
    responses(
        (status = 200, description = "What was done, or (dry run) would be done, line by line; a dry run also lists the errors", body = ImportReport),
        (status = 400, description = "Unreadable `dry_run`, or a body cut short", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than `IMPORT_MAX_BYTES`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as CSV, text or bytes (see the body's types)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A real run of a file with errors, each named `line N: column` (nothing was written)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import_members(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<CohortId>,
    params: web::Query<ImportParams>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    db::run(&state.pool, move |conn| {
        import_service::may_import(conn, &auth, id)
    })
    .await?;
    let csv = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| CSV_TYPES.iter().any(|t| v.trim().eq_ignore_ascii_case(t)));
    if !csv {
        return Err(AppError::UnsupportedMediaType);
    }
    // A bounded buffer: the file is parsed whole, and is at most a few
    // thousand short lines.
    let limit = state.settings.import_max_bytes;
    let mut body = crate::http::deadline::for_body(&state.settings, body);
    let mut file = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            if crate::http::deadline::is_late(&e) {
                AppError::RequestTimeout
            } else {
                AppError::BadRequest(crate::error::Msg::BrokenBody)
            }
        })?;
        if file.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge);
        }
        file.extend_from_slice(&chunk);
    }
    let options = ImportOptions {
        dry_run: params.dry_run.unwrap_or(false),
        max_rows: state.settings.import_max_rows,
        invitation_days: state.settings.invitation_days,
        base_url: state.settings.public_base_url.clone().unwrap_or_default(),
        lang: crate::i18n::Lang::from_accept_language(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        ),
    };
    let now = state.clock.now_naive();
    let report = db::run(&state.pool, move |conn| {
        import_service::import(conn, &auth, id, &file, options, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
