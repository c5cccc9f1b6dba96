//! The request's outer layer: a request id (taken from a sane incoming
//! `X-Request-Id` or made here) on the tracing span and echoed in the
//! response, one access-log line, and every error rendered as problem+json
//! in the language of `Accept-Language` (including actix's own 404/405),
//! and the headers every answer carries: no sniffing, no framing, no
//! referrer, and `Cache-Control: no-store` on API answers that do not
//! choose their own caching (tokens and personal data must not be kept by
//! a shared cache or the browser's disk).

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};
use tracing::Instrument;

use crate::error::{AppError, Msg, PROBLEM_JSON};
use crate::i18n::Lang;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn usable_request_id(value: Option<&HeaderValue>) -> Option<String> {
    let v = value?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    ok.then(|| v.to_owned())
}

/// A UUIDv7 (time-ordered, like our ids) from the thread's generator:
/// `Uuid::now_v7` asks the kernel for randomness twice per call, two
/// system calls on every request.
fn new_request_id() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    uuid::Builder::from_unix_timestamp_millis(millis, &rand::random())
        .into_uuid()
        .simple()
        .to_string()
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id =
        usable_request_id(req.headers().get(&REQUEST_ID)).unwrap_or_else(new_request_id);
    let lang = Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    req.extensions_mut().insert(lang);
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    // Text hygiene for every query string, before any handler sees it.
    if let Some(name) = crate::http::query_with_control(req.query_string()) {
        let problem = AppError::field(name, crate::error::Issue::ControlCharacter).render(lang);
        let mut res = req.into_response(problem);
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            res.headers_mut().insert(REQUEST_ID, value);
        }
        secure(&mut res);
        span.in_scope(|| tracing::info!(status = 422, "request refused: control character"));
        return Ok(res);
    }
    let mut res = match next.call(req).instrument(span.clone()).await {
        Ok(res) => res.map_into_boxed_body(),
        // Only middleware fails this way (e.g. a malformed CORS preflight);
        // the request is gone, so answer with a French problem of that status.
        Err(err) => {
            let status = err.as_response_error().status_code();
            return Err(error_for_status(status).into());
        }
    };

    if let Some(problem) = as_problem(&res, lang) {
        // A 405 keeps the `Allow` its resource set (RFC 9110 §15.5.6).
        let allow = res.headers().get(header::ALLOW).cloned();
        res = res.into_response(problem);
        if let Some(allow) = allow {
            res.headers_mut().insert(header::ALLOW, allow);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    secure(&mut res);
    let status = res.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request completed");
        }
    });
    Ok(res)
}

/// The headers of [the module](self) that every answer carries.
fn secure(res: &mut ServiceResponse<BoxBody>) {
    let api = res.request().path().starts_with("/api/");
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The error to re-render, if the response is an error that is not yet a
/// problem+json in the right language.
fn as_problem(res: &ServiceResponse<BoxBody>, lang: Lang) -> Option<HttpResponse> {
    let status = res.status();
    if !status.is_client_error() && !status.is_server_error() {
        return None;
    }
    if let Some(app) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
    {
        // Already rendered in French by `ResponseError`.
        return (lang != Lang::Fr).then(|| app.render(lang));
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return None;
    }
    if let Some(e) = res.response().error() {
        if status.is_server_error() {
            tracing::error!(error = %e, "unhandled error");
        }
    }
    Some(error_for_status(status).render(lang))
}

fn error_for_status(status: StatusCode) -> AppError {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
        StatusCode::UNAUTHORIZED => AppError::Unauthorized(Msg::MissingToken),
        StatusCode::FORBIDDEN => AppError::Forbidden(None),
        StatusCode::SERVICE_UNAVAILABLE => AppError::Unavailable,
        s if s.is_server_error() => AppError::Internal(String::new()),
        _ => AppError::BadRequest(Msg::InvalidQuery),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_request_ids_are_distinct_uuid_v7() {
        let a = new_request_id();
        let b = new_request_id();
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn only_sane_request_ids_are_echoed() {
        let ok = HeaderValue::from_static("abc-123_x.y");
        assert_eq!(usable_request_id(Some(&ok)).as_deref(), Some("abc-123_x.y"));
        let bad = HeaderValue::from_static("a b");
        assert_eq!(usable_request_id(Some(&bad)), None);
        let long = HeaderValue::from_str(&"a".repeat(65)).unwrap();
        assert_eq!(usable_request_id(Some(&long)), None);
    }
}
