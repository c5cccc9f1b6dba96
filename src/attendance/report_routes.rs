//! Handlers of the reports: a cohort's, and the caller's own.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::report_dto::{CohortReport, MyAttendance, ReportParams};
use super::report_service as service;
use crate::cache;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::AuthUser;
use crate::state::AppState;
use crate::vocab::CohortId;

/// `GET /api/v1/cohorts/{id}/attendance`: per-learner counts and rate, as JSON or CSV (staff, trainers).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/attendance", tag = "attendance",
    security(("bearer" = [])),
    description = "Per learner (active or completed), counts per status over the sessions that \
        count for completion, are not cancelled and have ended, and \
        `attendance_rate = 100 × (present + w × late) / (present + late + absent + unmarked)` \
        where `w` is the late weight (default 0.8); excused sessions are left out of the \
        denominator; 100 when nothing counts yet. `Accept: text/csv` or `?format=csv` returns \
        UTF-8 CSV with a byte-order mark; cells starting with = + - @ are prefixed with `'`.",
    params(
        ("id" = CohortId, Path),
        ReportParams,
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a report the client holds"),
    ),
    responses(
        (status = 200, description = "The report, as JSON or as CSV", content(
            (CohortReport = "application/json"),
            (String = "text/csv"),
        ), headers(("ETag" = String, description = "Weak validator of this answer; send it back in `If-None-Match`"))),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cohort_report(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    params: web::Query<ReportParams>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let params = params.into_inner();
    let below = params.checked_below()?;
    let delimiter = params.separator()?;
    let wants_csv = wants_csv(params.format.as_deref(), &req);
    let csv = wants_csv.then_some(delimiter);
    let at_risk = params.at_risk;
    let now = state.clock.now_naive();
    let late_weight = state.settings.attendance_late_weight;
    let cache = state.cache.clone();
    let answer = db::run(&state.pool, move |conn| {
        service::cohort_report(
            conn,
            &cache,
            &auth,
            id,
            below,
            at_risk,
            csv,
            now,
            late_weight,
        )
    })
    .await?;
    if wants_csv {
        let mut res = cache::respond(&req, &answer, "text/csv; charset=utf-8");
        res.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            header::HeaderValue::try_from(format!("attachment; filename=\"attendance-{id}.csv\""))
                .map_err(|e| AppError::Internal(e.to_string()))?,
        );
        return Ok(res);
    }
    Ok(cache::respond(&req, &answer, cache::JSON))
}

/// The CSV separator when a report is asked for as CSV (`?format=csv` or
/// `Accept: text/csv`), `None` for JSON; an unknown `format` or
/// `delimiter` is a 422.
pub fn csv_asked(
    format: Option<&str>,
    delimiter: Option<&str>,
    req: &HttpRequest,
) -> Result<Option<char>, AppError> {
    let delimiter = crate::attendance::report_dto::csv_separator(delimiter)?;
    if format.is_some_and(|f| f != "csv" && f != "json") {
        return Err(AppError::field(
            "format",
            crate::error::Issue::OneOf(vec!["csv".into(), "json".into()]),
        ));
    }
    Ok(wants_csv(format, req).then_some(delimiter))
}

/// Whether a report is asked for as CSV: `?format=csv` or `Accept: text/csv`.
pub fn wants_csv(format: Option<&str>, req: &HttpRequest) -> bool {
    format == Some("csv")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"))
}

/// `GET /api/v1/me/attendance`: the caller's records and rate in each cohort they learn in.
#[utoipa::path(
    get, path = "/api/v1/me/attendance", tag = "attendance",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MyAttendance),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_attendance(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let late_weight = state.settings.attendance_late_weight;
    let body = db::run(&state.pool, move |conn| {
        service::my_attendance(conn, &auth, now, late_weight)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
