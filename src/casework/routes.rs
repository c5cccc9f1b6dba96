//! The HTTP handlers of case studies: read the request (JSON, or a
//! multipart hand-in whose file is streamed into the store), run the
//! service on the blocking pool, answer.

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::TryStreamExt;

use super::dto::{
    AssignmentDto, AssignmentList, CreateAssignmentRequest, ReviewRequest, SubmissionDto,
    SubmissionFilter, SubmissionForm, SubmissionHistory, SubmissionList, SubmitRequest,
    UpdateAssignmentRequest, MAX_BODY_CHARS, MAX_LINK_CHARS,
};
use super::rows::{AssignmentId, Submission, SubmissionId};
use super::service::{self, HandIn};
use crate::db;
use crate::error::{AppError, Issue, Problem};
use crate::http::{AuthUser, Json};
use crate::materials::dto::FileBytes;
use crate::materials::sniff::Accept;
use crate::materials::{form, ranges, serve, upload};
use crate::state::AppState;
use crate::vocab::{CohortId, SessionId};

/// `POST /api/v1/sessions/{id}/assignment`: give a session its assignment, one per session (staff, the cohort's trainers).
#[utoipa::path(
    post, path = "/api/v1/sessions/{id}/assignment", tag = "case studies",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    request_body = CreateAssignmentRequest,
    responses(
        (status = 201, description = "The assignment", body = AssignmentDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The session has an assignment already", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_assignment(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
    body: Json<CreateAssignmentRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, body, now) = (id.into_inner(), body.0, state.clock.now_naive());
    let dto = db::run(&state.pool, move |conn| {
        service::create_assignment(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// `GET /api/v1/assignments/{id}`: an assignment (staff, admitted members).
#[utoipa::path(
    get, path = "/api/v1/assignments/{id}", tag = "case studies",
    security(("bearer" = [])),
    params(("id" = AssignmentId, Path)),
    responses(
        (status = 200, description = "The assignment", body = AssignmentDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_assignment(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<AssignmentId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let dto = db::run(&state.pool, move |conn| {
        service::get_assignment(conn, &auth, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// `PATCH /api/v1/assignments/{id}`: change the brief, due date or maximum score (staff, the cohort's trainers).
#[utoipa::path(
    patch, path = "/api/v1/assignments/{id}", tag = "case studies",
    security(("bearer" = [])),
    params(("id" = AssignmentId, Path)),
    request_body = UpdateAssignmentRequest,
    responses(
        (status = 200, description = "The assignment as changed", body = AssignmentDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, or a maximum below a score already given", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_assignment(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<AssignmentId>,
    body: Json<UpdateAssignmentRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, body, now) = (id.into_inner(), body.0, state.clock.now_naive());
    let dto = db::run(&state.pool, move |conn| {
        service::update_assignment(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// `GET /api/v1/cohorts/{id}/assignments`: a cohort's assignments by due date, with the caller's own standing (staff, admitted members).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/assignments", tag = "case studies",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    responses(
        (status = 200, description = "The assignments", body = AssignmentList),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cohort_assignments(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let list = db::run(&state.pool, move |conn| {
        service::cohort_assignments(conn, &auth, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `POST /api/v1/assignments/{id}/submissions`: hand in work, as JSON or multipart with a file (active learners of the cohort).
#[utoipa::path(
    post, path = "/api/v1/assignments/{id}/submissions", tag = "case studies",
    security(("bearer" = [])),
    params(("id" = AssignmentId, Path)),
    request_body(content(
        (SubmitRequest = "application/json"),
        (SubmissionForm = "multipart/form-data"),
    ), description = "Text (`body`), an `https` link (`link_url`), and in a multipart body a file (`file`, \
        sent last, streamed); at least one of them. A second hand-in is possible only once the \
        current one `needs_revision`; the earlier version is kept in the history."),
    responses(
        (status = 201, description = "The submission (`late` when after `due_at`)", body = SubmissionDto),
        (status = 400, description = "Unreadable JSON or multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an active learner of the cohort", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The body stalled", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Work already handed in and not sent back for revision (`already_submitted`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A file over the size allowed (`file_too_large`); nothing is kept", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Nothing handed in, an invalid field, or a file of a type not taken", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn hand_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<AssignmentId>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if !form::is_multipart(&req) {
        let mut payload = payload.into_inner();
        let Json(body) = Json::<SubmitRequest>::from_request(&req, &mut payload).await?;
        let hand_in = HandIn {
            body: body.body,
            link_url: body.link_url,
            file: None,
        };
        let now = state.clock.now_naive();
        let dto = db::run(&state.pool, move |conn| {
            service::submit(conn, &auth, id, hand_in, now)
        })
        .await?;
        return Ok(HttpResponse::Created().json(dto));
    }
    // The right first: nobody else gets to send a byte.
    let who = auth;
    db::run(&state.pool, move |conn| {
        service::require_submit_right(conn, &who, id)
    })
    .await?;
    let hand_in = receive_hand_in(&state, &req, payload).await?;
    let key = hand_in.file.as_ref().map(|(stored, _)| stored.key.clone());
    let now = state.clock.now_naive();
    let recorded = db::run(&state.pool, move |conn| {
        service::submit(conn, &auth, id, hand_in, now)
    })
    .await;
    match recorded {
        Ok(dto) => Ok(HttpResponse::Created().json(dto)),
        Err(e) => {
            if let Some(key) = key {
                state.storage.discard(&[&key]).await;
            }
            Err(e)
        }
    }
}

/// Reads a multipart hand-in, its parts in any order: the text parts
/// `body` and `link_url`, and (optionally) the part `file`, streamed into
/// the store. Every part sent is read, before or after the file, so none is
/// dropped; a form refused for any reason keeps nothing in the store.
async fn receive_hand_in(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<HandIn, AppError> {
    let limit = state.settings.max_document_bytes;
    let declared = form::declared_length(req);
    if declared.is_some_and(|n| n > limit + form::FORM_OVERHEAD) {
        return Err(AppError::FileTooLarge(limit));
    }
    let mut parts = form::read(req, &state.settings, payload);
    let mut hand_in = HandIn {
        body: None,
        link_url: None,
        file: None,
    };
    let outcome = async {
        while let Some(field) = form::next_part(&mut parts).await? {
            match field.name() {
                Some("body") if hand_in.body.is_some() => {
                    return Err(AppError::field("body", Issue::Duplicate))
                }
                Some("body") => {
                    hand_in.body =
                        Some(form::text_part(field, "body", MAX_BODY_CHARS as usize).await?)
                }
                Some("link_url") if hand_in.link_url.is_some() => {
                    return Err(AppError::field("link_url", Issue::Duplicate))
                }
                Some("link_url") => {
                    let url = form::text_part(field, "link_url", MAX_LINK_CHARS as usize).await?;
                    let url = url.trim().to_owned();
                    if !url.is_empty() {
                        crate::materials::dto::https_url(&url)
                            .map_err(|_| AppError::field("link_url", Issue::Url))?;
                        hand_in.link_url = Some(url);
                    }
                }
                Some("file") if hand_in.file.is_some() => {
                    return Err(AppError::field("file", Issue::Duplicate))
                }
                Some("file") => {
                    let file_name = ranges::clean_file_name(
                        field.content_disposition().and_then(|d| d.get_filename()),
                    );
                    let bytes = field.map_err(form::multipart_error);
                    let stored = upload::store(
                        &state.storage,
                        Accept::HandIn,
                        Submission::KEY_PREFIX,
                        &file_name,
                        limit,
                        bytes,
                    )
                    .await?;
                    hand_in.file = Some((stored, file_name));
                }
                // Other parts are not read.
                _ => {}
            }
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(hand_in),
        Err(e) => {
            if let Some((stored, _)) = hand_in.file {
                state.storage.discard(&[&stored.key]).await;
            }
            Err(e)
        }
    }
}

/// `GET /api/v1/assignments/{id}/submissions`: the current submissions, everyone's for staff and trainers, their own for a learner.
#[utoipa::path(
    get, path = "/api/v1/assignments/{id}/submissions", tag = "case studies",
    security(("bearer" = [])),
    params(("id" = AssignmentId, Path), SubmissionFilter),
    responses(
        (status = 200, description = "The submissions, by learner name", body = SubmissionList),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_submissions(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<AssignmentId>,
    filter: web::Query<SubmissionFilter>,
) -> Result<HttpResponse, AppError> {
    let (id, status) = (id.into_inner(), filter.0.status);
    let list: SubmissionList = db::run(&state.pool, move |conn| {
        service::list_submissions(conn, &auth, id, status)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `PATCH /api/v1/submissions/{id}/review`: accept work or send it back for revision, with a score and feedback (staff, the cohort's trainers).
#[utoipa::path(
    patch, path = "/api/v1/submissions/{id}/review", tag = "case studies",
    security(("bearer" = [])),
    params(("id" = SubmissionId, Path)),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "The submission as reviewed; the review is kept in its history", body = SubmissionDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A version since replaced by a resubmission", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, or a score above the assignment's `max_score`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn review_submission(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SubmissionId>,
    body: Json<ReviewRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, body, now) = (id.into_inner(), body.0, state.clock.now_naive());
    let dto = db::run(&state.pool, move |conn| {
        service::review(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// `GET /api/v1/submissions/{id}/history`: every version of that learner's work for the assignment, newest first, with every review (the author, staff, the cohort's trainers).
#[utoipa::path(
    get, path = "/api/v1/submissions/{id}/history", tag = "case studies",
    security(("bearer" = [])),
    params(("id" = SubmissionId, Path)),
    responses(
        (status = 200, description = "The versions", body = SubmissionHistory),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn submission_history(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SubmissionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = db::run(&state.pool, move |conn| service::history(conn, &auth, id)).await?;
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /api/v1/submissions/{id}/attachment`: the file handed in, whole or by byte range (the author, staff, the cohort's trainers).
#[utoipa::path(
    get, path = "/api/v1/submissions/{id}/attachment", tag = "case studies",
    security(("bearer" = [])),
    params(
        ("id" = SubmissionId, Path),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=1048576-` to resume"),
        ("If-Range" = Option<String>, Header, description = "The `ETag` held: the range is sent only if the file is still that one"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` held"),
    ),
    responses(
        (status = 200, description = "The whole file, with its own `Content-Type` (`application/octet-stream` when its type is unknown)", content((FileBytes = "*/*"), (FileBytes = "application/octet-stream")),
            headers(
                ("ETag" = String, description = "Strong validator: the SHA-256 of the bytes"),
                ("Accept-Ranges" = String, description = "`bytes`"),
                ("Content-Disposition" = String, description = "`attachment` with the original file name (RFC 6266)"),
            )),
        (status = 206, description = "The range asked for", content((FileBytes = "*/*"), (FileBytes = "application/octet-stream")),
            headers(("Content-Range" = String, description = "`bytes start-end/size`"))),
        (status = 304, description = "Unchanged: the `ETag` sent in `If-None-Match` is this file's"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such submission for the caller, or one without a file", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range starts past the end (`range_not_satisfiable`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn submission_attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<SubmissionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let file = db::run(&state.pool, move |conn| {
        service::attachment(conn, &auth, id)
    })
    .await?;
    serve::respond(&state.storage, &req, file).await
}
