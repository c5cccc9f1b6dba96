//! Reading `multipart/form-data` bodies part by part: small text parts
//! read whole (bounded), the file part left to be streamed by the caller.
//! Shared by materials and by work handed in for assignments.

use actix_multipart::{Field, Multipart};
use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest};
use futures_util::StreamExt;

use crate::config::Settings;
use crate::error::{AppError, Issue, Msg};
use crate::http::deadline;

/// Room for the multipart framing and the text parts around a file.
pub const FORM_OVERHEAD: u64 = 64 << 10;

/// Whether the request's body is `multipart/form-data`.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.essence_str() == "multipart/form-data")
}

/// The `Content-Length` the client declared, if any.
pub fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// A multipart body read under the body's deadline (see
/// [`crate::http::deadline`]): a client that falls behind is refused
/// with 408, wherever the parser is.
pub fn read(req: &HttpRequest, settings: &Settings, payload: web::Payload) -> Multipart {
    Multipart::new(
        req.headers(),
        deadline::for_body(settings, payload.into_inner()),
    )
}

pub fn multipart_error(e: actix_multipart::MultipartError) -> AppError {
    if let actix_multipart::MultipartError::Payload(p) = &e {
        if deadline::is_late(p) {
            return AppError::RequestTimeout;
        }
    }
    tracing::debug!(error = %e, "unreadable multipart body");
    AppError::BadRequest(Msg::MalformedMultipart)
}

/// The next part, or `None` at the end of the body.
pub async fn next_part(form: &mut Multipart) -> Result<Option<Field>, AppError> {
    match form.next().await {
        None => Ok(None),
        Some(field) => field.map(Some).map_err(multipart_error),
    }
}

/// A text part of at most `max_chars` characters, plain text (no control
/// characters but line breaks and tabs).
pub async fn text_part(
    mut field: Field,
    name: &'static str,
    max_chars: usize,
) -> Result<String, AppError> {
    let too_long = || {
        AppError::field(
            name,
            Issue::Length {
                min: None,
                max: Some(max_chars as u64),
            },
        )
    };
    let mut bytes = Vec::new();
    loop {
        match field.next().await {
            None => break,
            Some(chunk) => {
                bytes.extend_from_slice(&chunk.map_err(multipart_error)?);
                // A character is at most four bytes.
                if bytes.len() > 4 * max_chars {
                    return Err(too_long());
                }
            }
        }
    }
    let text = String::from_utf8(bytes).map_err(|_| AppError::field(name, Issue::Invalid))?;
    if !crate::http::control_free(&text) {
        return Err(AppError::field(name, Issue::ControlCharacter));
    }
    if text.chars().count() > max_chars {
        return Err(too_long());
    }
    Ok(text)
}
