//! The HTTP handlers of progress and certificates.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::certificates::{self, verification_url};
use super::dto::{
    CertificateDto, CertificateParams, CohortProgress, IssuedCertificates, MyCertificates,
    MyProgress, ProgressParams, RevocationRequest,
};
use super::pdf::{self, CertificatePage};
use super::service;
use crate::attendance::report_routes::csv_asked;
use crate::cache;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{AuthUser, Json};
use crate::i18n::Lang;
use crate::materials::dto::FileBytes;
use crate::state::AppState;
use crate::vocab::CohortId;

/// `GET /api/v1/me/progress`: the caller's progress in every cohort they learn in, in one small answer.
#[utoipa::path(
    get, path = "/api/v1/me/progress", tag = "progress",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One item per cohort where the caller is a learner", body = MyProgress),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_progress(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let late_weight = state.settings.attendance_late_weight;
    let body = db::run(&state.pool, move |conn| {
        service::mine(conn, &auth, now, late_weight)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /api/v1/cohorts/{id}/progress`: every learner's progress, as JSON or CSV (staff, the cohort's trainers).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/progress", tag = "progress",
    security(("bearer" = [])),
    description = "Per learner (active or completed): the attendance report's rate, accepted \
        submissions, and `completed` by the programme's rule. `Accept: text/csv` or \
        `?format=csv` returns UTF-8 CSV with a byte-order mark; cells starting with = + - @ \
        are prefixed with `'`.",
    params(
        ("id" = CohortId, Path),
        ProgressParams,
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of an answer the client holds"),
    ),
    responses(
        (status = 200, description = "The progress, as JSON or as CSV", content(
            (CohortProgress = "application/json"),
            (String = "text/csv"),
        ), headers(("ETag" = String, description = "Weak validator of this answer; send it back in `If-None-Match`"))),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown format or delimiter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cohort_progress(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    params: web::Query<ProgressParams>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (id, params) = (id.into_inner(), params.into_inner());
    let csv = csv_asked(params.format.as_deref(), params.delimiter.as_deref(), &req)?;
    let wants_csv = csv.is_some();
    let now = state.clock.now_naive();
    let late_weight = state.settings.attendance_late_weight;
    let completed = params.completed;
    let cache = state.cache.clone();
    let answer = db::run(&state.pool, move |conn| {
        service::cohort(conn, &cache, &auth, id, completed, csv, now, late_weight)
    })
    .await?;
    if wants_csv {
        let mut res = cache::respond(&req, &answer, "text/csv; charset=utf-8");
        res.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            header::HeaderValue::try_from(format!("attachment; filename=\"progress-{id}.csv\""))
                .map_err(|e| AppError::Internal(e.to_string()))?,
        );
        return Ok(res);
    }
    Ok(cache::respond(&req, &answer, cache::JSON))
}

/// `POST /api/v1/cohorts/{id}/certificates`: issue a certificate to every learner who has completed and has none yet (staff).
#[utoipa::path(
    post, path = "/api/v1/cohorts/{id}/certificates", tag = "certificates",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    responses(
        (status = 200, description = "The certificates issued by this call (none when every completed learner has one)", body = IssuedCertificates),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn issue_certificates(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let late_weight = state.settings.attendance_late_weight;
    let body = db::run(&state.pool, move |conn| {
        certificates::issue(conn, &auth, id, now, late_weight)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /api/v1/me/certificates`: the caller's certificates, newest first.
#[utoipa::path(
    get, path = "/api/v1/me/certificates", tag = "certificates",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's certificates", body = MyCertificates),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_certificates(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, AppError> {
    let base = public_base(&state);
    let body = db::run(&state.pool, move |conn| {
        certificates::mine(conn, &auth, &base)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

fn public_base(state: &AppState) -> String {
    state.settings.public_base_url.clone().unwrap_or_default()
}

/// `GET /api/v1/certificates/{code}`: verify a certificate, as JSON or as its printable PDF page (anyone).
#[utoipa::path(
    get, path = "/api/v1/certificates/{code}", tag = "certificates",
    description = "Public. The code is read ignoring case, dashes and spaces. `?format=pdf` or \
        `Accept: application/pdf` gives one A4 landscape page with the same facts, in the \
        reader's language (`Accept-Language`), and a QR code of this address.",
    params(
        ("code" = String, Path, description = "As printed, e.g. `7K2M-9QXD-4HNP-WT3R-A8C0`"),
        CertificateParams,
    ),
    responses(
        (status = 200, description = "The certificate's public facts, or its PDF page", content(
            (CertificateDto = "application/json"),
            (FileBytes = "application/pdf"),
        )),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No certificate has this code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown format", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn verify_certificate(
    state: web::Data<AppState>,
    code: web::Path<String>,
    params: web::Query<CertificateParams>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let format = params.into_inner().format;
    let wants_pdf = match format.as_deref() {
        Some("pdf") => true,
        Some("json") => false,
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/pdf")),
        Some(_) => {
            return Err(AppError::field(
                "format",
                crate::error::Issue::OneOf(vec!["pdf".into(), "json".into()]),
            ))
        }
    };
    let typed = code.into_inner();
    let (certificate, country) =
        db::run(&state.pool, move |conn| certificates::find(conn, &typed)).await?;
    let public = CertificateDto::from(&certificate);
    if !wants_pdf {
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .json(public));
    }
    let lang = Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let url = verification_url(&public_base(&state), &certificate.code);
    // Rendering is CPU work: off the async workers.
    let bytes = web::block(move || {
        pdf::render(&CertificatePage {
            full_name: &public.full_name,
            programme_title: &public.programme_title,
            cohort_name: &public.cohort_name,
            country_name: country.as_deref(),
            issued_on: certificate.issued_at.date(),
            code: &public.code,
            verify_url: &url,
            revoked: public.revoked,
            lang,
        })
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Accept, Accept-Language"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"certificat-{}.pdf\"", certificate.code),
        ))
        .body(bytes))
}

/// `POST /api/v1/certificates/{code}/revocation`: revoke a certificate, with a reason (admins, coordinators of the cohort's country).
#[utoipa::path(
    post, path = "/api/v1/certificates/{code}/revocation", tag = "certificates",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "As printed, e.g. `7K2M-9QXD-4HNP-WT3R-A8C0`")),
    request_body = RevocationRequest,
    responses(
        (status = 200, description = "The certificate, now `revoked: true`", body = CertificateDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Revoked already (`already_revoked`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_certificate(
    state: web::Data<AppState>,
    auth: AuthUser,
    code: web::Path<String>,
    body: Json<RevocationRequest>,
) -> Result<HttpResponse, AppError> {
    let (typed, body, now) = (code.into_inner(), body.0, state.clock.now_naive());
    let dto = db::run(&state.pool, move |conn| {
        certificates::revoke(conn, &auth, &typed, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}
