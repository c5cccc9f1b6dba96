//! Sending a stored file: whole or one byte range, with a strong `ETag`
//! (its SHA-256), `If-None-Match` and `If-Range`, streamed from the store.
//! Shared by material downloads and the attachments of handed-in work.

use actix_web::http::header::{self, ContentEncoding};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::TryStreamExt;

use super::ranges::{self, Ranged};
use crate::error::AppError;
use crate::storage::Storage;

/// A file in the store and what a download says of it.
pub struct StoredFile {
    pub key: String,
    pub sha256: String,
    pub size: u64,
    pub content_type: Option<String>,
    /// The original name, for `Content-Disposition`.
    pub file_name: String,
}

/// Answers `req` with `file`: 200, 206 for a range, 304 when the client's
/// copy is this one, 416 for a range past the end. Private to the caller,
/// but a phone may keep it and revalidate for free.
pub async fn respond(
    storage: &Storage,
    req: &HttpRequest,
    file: StoredFile,
) -> Result<HttpResponse, AppError> {
    let size = file.size;
    let etag = ranges::etag(&file.sha256);
    let header_of =
        |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    let cache_control = "private, no-cache";
    if header_of(header::IF_NONE_MATCH).is_some_and(|h| ranges::none_match_holds(h, &etag)) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish());
    }
    let wanted = if ranges::if_range_holds(header_of(header::IF_RANGE), &etag) {
        ranges::range_for(header_of(header::RANGE), size)
    } else {
        Ranged::Full
    };
    let (mut res, range) = match wanted {
        Ranged::Unsatisfiable => return Err(AppError::RangeNotSatisfiable(size)),
        Ranged::Full => (HttpResponse::Ok(), None),
        Ranged::Part { start, end } => {
            let mut res = HttpResponse::PartialContent();
            res.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
            (res, Some(start..end + 1))
        }
    };
    let length = range.as_ref().map_or(size, |r| r.end - r.start);
    let body = storage
        .read(&file.key, range)
        .await?
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()));
    res.insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((
            header::CONTENT_DISPOSITION,
            ranges::content_disposition(&file.file_name),
        ))
        .insert_header((
            header::CONTENT_TYPE,
            file.content_type
                .as_deref()
                .unwrap_or("application/octet-stream"),
        ))
        // Media is compressed already; and ranges count stored bytes.
        .insert_header(ContentEncoding::Identity)
        .no_chunking(length);
    Ok(res.streaming(body))
}
