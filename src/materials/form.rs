//! Reading `multipart/form-data` bodies part by part: small text parts
//! read whole (bounded), the file part left to be streamed by the caller.
//! Shared by materials and by work handed in for assignments.

use std::time::Duration;

use actix_multipart::{Field, Multipart};
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest};
use futures_util::StreamExt;

use crate::error::{AppError, Issue, Msg};

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

pub fn multipart_error(e: actix_multipart::MultipartError) -> AppError {
    tracing::debug!(error = %e, "unreadable multipart body");
    AppError::BadRequest(Msg::MalformedMultipart)
}

/// The next part, or `None` at the end of the body; a client that stalls
/// longer than `patience` is refused.
pub async fn next_part(
    form: &mut Multipart,
    patience: Duration,
) -> Result<Option<Field>, AppError> {
    match actix_web::rt::time::timeout(patience, form.next()).await {
        Err(_) => Err(AppError::RequestTimeout),
        Ok(None) => Ok(None),
        Ok(Some(field)) => field.map(Some).map_err(multipart_error),
    }
}

/// A text part of at most `max_chars` characters, plain text (no control
/// characters but line breaks and tabs).
pub async fn text_part(
    mut field: Field,
    name: &'static str,
    max_chars: usize,
    patience: Duration,
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
        let chunk = actix_web::rt::time::timeout(patience, field.next())
            .await
            .map_err(|_| AppError::RequestTimeout)?;
        match chunk {
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
