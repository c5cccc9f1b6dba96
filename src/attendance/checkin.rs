//! Self check-in. A trainer opens a window; the learner types (or scans)
//! the current code; the server records `present`, or `late` past the
//! cohort's threshold after the start. A few wrong codes per learner and
//! window, then 429, so six digits cannot be brute-forced.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::codes;
use super::{
    lock_session, Attendance, AttendanceChange, AttendanceDto, AttendanceMethod, AttendanceStatus,
};
use crate::access::CohortAccess;
use crate::cohorts::{MemberRole, MemberStatus};
use crate::db::{self, write_tx, DbConnection};
use crate::error::{AppError, Issue, Msg, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::schema::{attendance, attendance_changes, check_in_failures, check_in_windows};
use crate::sessions::{self, Session, SessionId, SessionStatus};
use crate::state::AppState;
use crate::users::UserId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = check_in_windows)]
pub struct Window {
    pub session_id: SessionId,
    pub opened_by: UserId,
    pub opened_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub rotate_seconds: i32,
}

impl Window {
    fn is_open(&self, now: NaiveDateTime) -> bool {
        self.opened_at <= now && now < self.closes_at
    }

    fn key(&self, server_key: &[u8; 32]) -> [u8; 32] {
        codes::window_key(server_key, &self.session_id.to_string(), self.opened_at)
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct OpenWindowRequest {
    /// How long learners may check in, 1–240 minutes.
    #[validate(range(min = 1, max = 240))]
    pub minutes: i64,
}

/// The code to show learners, e.g. on a projector.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInCode {
    #[schema(example = "042917")]
    pub code: String,
    pub rotates_every_seconds: i32,
    /// When this code gives way to the next (the previous one stays valid one more period).
    pub code_valid_until: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// Text for a QR code: `griot:check-in?session_id=…&code=…`.
    pub qr_payload: String,
}

fn code_body(window: &Window, server_key: &[u8; 32], now: DateTime<Utc>) -> CheckInCode {
    let step = codes::step(now, window.rotate_seconds);
    let code = codes::code_at(&window.key(server_key), step);
    CheckInCode {
        qr_payload: format!(
            "griot:check-in?session_id={}&code={code}",
            window.session_id
        ),
        code,
        rotates_every_seconds: window.rotate_seconds,
        code_valid_until: codes::step_ends(step, window.rotate_seconds),
        closes_at: window.closes_at.and_utc(),
    }
}

fn find_window(conn: &mut DbConnection, session: SessionId) -> QueryResult<Option<Window>> {
    check_in_windows::table
        .find(session)
        .select(Window::as_select())
        .first(conn)
        .optional()
}

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
    let window = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            let (session, _, _) =
                sessions::session_for(conn, &actor, id, CohortAccess::can_manage_sessions)?;
            if session.status == SessionStatus::Cancelled {
                return Err(AppError::Conflict(Msg::SessionCancelled));
            }
            let window = Window {
                session_id: id,
                opened_by: actor.id,
                opened_at: now.naive_utc(),
                closes_at: (now + Duration::minutes(body.minutes)).naive_utc(),
                rotate_seconds: rotate,
            };
            diesel::delete(check_in_windows::table.find(id)).execute(conn)?;
            diesel::insert_into(check_in_windows::table)
                .values(&window)
                .execute(conn)?;
            Ok(window)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(code_body(&window, &state.check_in_key, now)))
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
    let window = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        sessions::session_for(conn, &actor, id, CohortAccess::can_manage_sessions)?;
        match find_window(conn, id)? {
            Some(w) if w.is_open(now.naive_utc()) => Ok(w),
            _ => Err(AppError::Conflict(Msg::CheckInClosed)),
        }
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(code_body(&window, &state.check_in_key, now)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CheckInRequest {
    #[validate(length(min = 1, max = 12))]
    #[schema(example = "042917")]
    pub code: String,
}

enum Outcome {
    Recorded(Attendance, bool),
    Wrong { remaining: i32 },
    TooManyTries,
}

/// What a self check-in records at `now`.
pub fn status_for(
    session: &Session,
    late_after_minutes: i32,
    now: NaiveDateTime,
) -> AttendanceStatus {
    if now > session.starts_at + Duration::minutes(i64::from(late_after_minutes)) {
        AttendanceStatus::Late
    } else {
        AttendanceStatus::Present
    }
}

/// `POST /api/v1/sessions/{id}/check-in`: a learner checks in with the current code.
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
        (status = 409, description = "`check_in_closed` or `session_cancelled`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong code (`errors.code` says how many tries are left)", body = Problem, content_type = "application/problem+json"),
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
    let outcome = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            lock_session(conn, id, false)?;
            let (session, cohort, access) =
                sessions::session_for(conn, &actor, id, CohortAccess::can_see_private)?;
            if access.membership != Some((MemberRole::Learner, MemberStatus::Active)) {
                return Err(AppError::Forbidden(Some(Msg::NotALearner)));
            }
            if session.status == SessionStatus::Cancelled {
                return Err(AppError::Conflict(Msg::SessionCancelled));
            }
            let window = match find_window(conn, id)? {
                Some(w) if w.is_open(now.naive_utc()) => w,
                _ => return Err(AppError::Conflict(Msg::CheckInClosed)),
            };
            let failures_key = (id, actor.id, window.opened_at);
            let failures: i32 = check_in_failures::table
                .find(failures_key)
                .select(check_in_failures::failures)
                .first(conn)
                .optional()?
                .unwrap_or(0);
            if failures >= max_failures {
                return Ok(Outcome::TooManyTries);
            }
            if !codes::accepts(&window.key(&key), now, window.rotate_seconds, &body.code) {
                // Committed with the transaction: the error is returned after it.
                if failures == 0 {
                    diesel::insert_into(check_in_failures::table)
                        .values((
                            check_in_failures::session_id.eq(id),
                            check_in_failures::user_id.eq(actor.id),
                            check_in_failures::opened_at.eq(window.opened_at),
                            check_in_failures::failures.eq(1),
                        ))
                        .execute(conn)?;
                } else {
                    diesel::update(check_in_failures::table.find(failures_key))
                        .set(check_in_failures::failures.eq(failures + 1))
                        .execute(conn)?;
                }
                return Ok(Outcome::Wrong {
                    remaining: max_failures - failures - 1,
                });
            }
            let record = Attendance {
                session_id: id,
                user_id: actor.id,
                status: status_for(&session, cohort.late_after_minutes, now.naive_utc()),
                method: AttendanceMethod::Code,
                note: None,
                marked_by: actor.id,
                marked_at: now.naive_utc(),
            };
            // An existing record (an earlier check-in, or the trainer's mark) stays.
            let inserted = crate::on_backend!(conn, c => diesel::insert_into(attendance::table)
                .values(&record)
                .on_conflict_do_nothing()
                .execute(c))?;
            if inserted == 1 {
                diesel::insert_into(attendance_changes::table)
                    .values(AttendanceChange::of(&record, None))
                    .execute(conn)?;
            }
            let stored = attendance::table
                .find((id, actor.id))
                .select(Attendance::as_select())
                .first(conn)?;
            Ok(Outcome::Recorded(stored, inserted == 1))
        })
    })
    .await?;
    match outcome {
        Outcome::Recorded(record, true) => {
            Ok(HttpResponse::Created().json(AttendanceDto::from(record)))
        }
        Outcome::Recorded(record, false) => {
            Ok(HttpResponse::Ok().json(AttendanceDto::from(record)))
        }
        Outcome::Wrong { remaining } => {
            Err(AppError::field("code", Issue::WrongCode { remaining }))
        }
        Outcome::TooManyTries => Err(AppError::RateLimited),
    }
}
