//! tus 1.0.0 over HTTP: the protocol's headers in and out, the bytes of
//! each PATCH streamed into one segment of the file store, and the final
//! assembly streamed segment by segment into the material's file.

use std::time::Duration;

use actix_web::http::header::{self, HeaderMap};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use futures_util::{stream, StreamExt, TryStreamExt};

use super::rows::{Segment, Upload, UploadId};
use super::service::{self, NewUpload, Patch};
use crate::db;
use crate::error::{AppError, Issue, Msg, Problem};
use crate::http::AuthUser;
use crate::materials::dto::{file_kind, file_title, FileBytes};
use crate::materials::{ranges, sniff, upload, MaterialId};
use crate::state::AppState;
use crate::vocab::SessionId;

pub const TUS_VERSION: &str = "1.0.0";

/// The only `Tus-Resumable` this server speaks.
#[derive(Debug, Clone, Copy, utoipa::ToSchema)]
#[allow(dead_code)]
pub enum TusResumable {
    #[schema(rename = "1.0.0")]
    V1,
}
const EXTENSIONS: &str = "creation,termination,expiration";

fn tus(builder: &mut actix_web::HttpResponseBuilder) -> &mut actix_web::HttpResponseBuilder {
    builder
        .insert_header(("Tus-Resumable", TUS_VERSION))
        .insert_header((header::CACHE_CONTROL, "no-store"))
}

/// Every request but `OPTIONS` names the protocol version it speaks.
fn require_version(req: &HttpRequest) -> Result<(), AppError> {
    match req
        .headers()
        .get("Tus-Resumable")
        .and_then(|v| v.to_str().ok())
    {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(AppError::TusVersion),
    }
}

fn number(headers: &HeaderMap, name: &str) -> Result<u64, AppError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok())
        .ok_or(AppError::BadRequest(Msg::TusHeader))
}

/// Base64 as clients write it: padding optional, stray low bits of the
/// last character ignored (the document's pattern says the same).
const LENIENT_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// `Upload-Metadata`: comma-separated `key base64value` pairs; values are
/// bytes until a known key reads them as text.
fn metadata(headers: &HeaderMap) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    let Some(raw) = headers.get("Upload-Metadata") else {
        return Ok(Vec::new());
    };
    let raw = raw
        .to_str()
        .map_err(|_| AppError::BadRequest(Msg::TusHeader))?;
    raw.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
            let bytes = LENIENT_BASE64
                .decode(value.trim())
                .map_err(|_| AppError::BadRequest(Msg::TusHeader))?;
            Ok((key.to_owned(), bytes))
        })
        .collect()
}

fn expires(at: chrono::NaiveDateTime) -> String {
    at.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// `OPTIONS /api/v1/uploads`: what this tus server supports.
#[utoipa::path(
    options, path = "/api/v1/uploads", tag = "materials",
    responses(
        (status = 204, description = "The tus versions, extensions and the largest upload",
            headers(
                ("Tus-Version" = String, description = "`1.0.0`"),
                ("Tus-Extension" = String, description = "`creation,termination,expiration`"),
                ("Tus-Max-Size" = u64, description = "The largest upload, in bytes (a recording)"),
            )),
    )
)]
pub async fn options(state: web::Data<AppState>) -> HttpResponse {
    let max = state
        .settings
        .max_recording_bytes
        .max(state.settings.max_document_bytes);
    tus(&mut HttpResponse::NoContent())
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", EXTENSIONS))
        .insert_header(("Tus-Max-Size", max.to_string()))
        .finish()
}

/// `POST /api/v1/uploads`: create a resumable upload of a session's material (tus creation; staff, the cohort's trainers).
#[utoipa::path(
    post, path = "/api/v1/uploads", tag = "materials",
    security(("bearer" = [])),
    params(
        ("Tus-Resumable" = TusResumable, Header, description = "The protocol version"),
        ("Upload-Length" = u64, Header, description = "The file's size in bytes"),
        ("Upload-Metadata" = String, Header, description = "`session_id`, `title`, `kind` (`recording|slides|document`) and `filename`, each base64 as tus says",
            pattern = "^[A-Za-z0-9_.-]+( (?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}={0,2}|[A-Za-z0-9+/]{3}=?)?)?(,[A-Za-z0-9_.-]+( (?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}={0,2}|[A-Za-z0-9+/]{3}=?)?)?)*$"),
    ),
    responses(
        (status = 201, description = "Created; send the bytes with PATCH to `Location`",
            headers(
                ("Location" = String, description = "`/api/v1/uploads/{id}`"),
                ("Upload-Expires" = String, description = "When an unfinished upload is dropped"),
            )),
        (status = 400, description = "A tus header is missing or unreadable", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Missing or unsupported `Tus-Resumable`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the size allowed for the kind", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid metadata", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
) -> Result<HttpResponse, AppError> {
    require_version(&req)?;
    let length = number(req.headers(), "Upload-Length")?;
    let meta = metadata(req.headers())?;
    let text = |key: &'static str| -> Result<Option<&str>, AppError> {
        meta.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| std::str::from_utf8(v).map_err(|_| AppError::field(key, Issue::Invalid)))
            .transpose()
    };
    for key in ["session_id", "title", "kind", "filename"] {
        text(key)?;
    }
    let get = |key: &'static str| text(key).ok().flatten();
    let session: SessionId = get("session_id")
        .ok_or(AppError::field("session_id", Issue::Required))?
        .parse()
        .map_err(|_| AppError::field("session_id", Issue::Invalid))?;
    let title = file_title(get("title"))?;
    let kind = file_kind(get("kind").unwrap_or(""))?;
    let limit = upload::limit_for(&state.settings, kind);
    if length > limit {
        return Err(AppError::FileTooLarge(limit));
    }
    let new = NewUpload {
        session,
        title,
        kind,
        file_name: ranges::clean_file_name(get("filename")),
        length,
    };
    let now = state.clock.now_naive();
    let created = db::run(&state.pool, move |conn| {
        service::create(conn, &auth, new, now)
    })
    .await?;
    Ok(tus(&mut HttpResponse::Created())
        .insert_header((header::LOCATION, format!("/api/v1/uploads/{}", created.id)))
        .insert_header(("Upload-Expires", expires(created.expires_at)))
        .finish())
}

/// `HEAD /api/v1/uploads/{id}`: how many bytes arrived (the upload's creator).
#[utoipa::path(
    head, path = "/api/v1/uploads/{id}", tag = "materials",
    security(("bearer" = [])),
    params(
        ("id" = UploadId, Path),
        ("Tus-Resumable" = TusResumable, Header, description = "The protocol version"),
    ),
    responses(
        (status = 200, description = "Resume from `Upload-Offset`",
            headers(
                ("Upload-Offset" = u64, description = "Bytes received so far"),
                ("Upload-Length" = u64, description = "The file's size"),
                ("Material-Id" = String, description = "Once complete: the material"),
            )),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 404, description = "No such upload, expired, or someone else's"),
        (status = 412, description = "Missing or unsupported `Tus-Resumable`"),
        (status = 423, description = "All bytes are there and the material is being made by another request: retry in a moment"),
    )
)]
pub async fn head(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<UploadId>,
) -> Result<HttpResponse, AppError> {
    require_version(&req)?;
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let who = auth;
    let upload = db::run(&state.pool, move |conn| service::own(conn, &who, id, now)).await?;
    let mut material = upload.material_id;
    if upload.upload_offset == upload.length && material.is_none() {
        // Every byte, no material: the process that stored the last bytes
        // died before it made the material. Finish it now, so that "all
        // there" is never said without the material it became.
        let token = uuid::Uuid::new_v4().simple().to_string();
        let (row, held, until) = (upload.clone(), token.clone(), now + lease_for());
        let took = db::run(&state.pool, move |conn| {
            service::take_for_assembly(conn, &row, &held, now, until)
        })
        .await?;
        if !took {
            return Err(AppError::Locked(Msg::UploadBusy));
        }
        let outcome = assemble_holding(&state, auth, &upload, &token).await;
        release(&state, id, token).await;
        material = Some(outcome?);
    }
    let mut res = HttpResponse::Ok();
    tus(&mut res)
        .insert_header(("Upload-Offset", upload.upload_offset.to_string()))
        .insert_header(("Upload-Length", upload.length.to_string()))
        .insert_header(("Upload-Expires", expires(upload.expires_at)));
    if let Some(material) = material {
        res.insert_header(("Material-Id", material.to_string()));
    }
    Ok(res.finish())
}

/// `PATCH /api/v1/uploads/{id}`: send bytes from `Upload-Offset`; the last ones make the material (the upload's creator).
#[utoipa::path(
    patch, path = "/api/v1/uploads/{id}", tag = "materials",
    security(("bearer" = [])),
    params(
        ("id" = UploadId, Path),
        ("Tus-Resumable" = TusResumable, Header, description = "The protocol version"),
        ("Upload-Offset" = u64, Header, description = "Where these bytes start: the offset `HEAD` gave"),
    ),
    request_body(content = FileBytes, content_type = "application/octet-stream",
        description = "The bytes from `Upload-Offset` on, as `application/offset+octet-stream` (tus 1.0.0, what tus clients send) or `application/octet-stream` (what generated clients send)"),
    responses(
        (status = 204, description = "Stored (even a part, if the connection broke)",
            headers(
                ("Upload-Offset" = u64, description = "Bytes received so far"),
                ("Material-Id" = String, description = "With the last bytes: the material (new, or the session's file with the same bytes)"),
            )),
        (status = 400, description = "A tus header is missing or unreadable", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such upload, expired, or someone else's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`Upload-Offset` is not the offset reached (answered before the body is read)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Missing or unsupported `Tus-Resumable`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More bytes than `Upload-Length` (a `Content-Length` past it is answered before the body is read, even on a finished upload)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither `application/offset+octet-stream` nor `application/octet-stream`", body = Problem, content_type = "application/problem+json"),
        (status = 423, description = "A newer PATCH of this upload took over (this one keeps nothing; it stops being read within a second), or the complete upload is being made into its material by another request (`upload_busy`): `HEAD`, then resume", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file does not fit its kind (read from its first bytes, else at the end); the upload is removed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<UploadId>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    require_version(&req)?;
    let is_offset_stream = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            // tus clients send the first; generated clients the second.
            let v = v.trim();
            v.eq_ignore_ascii_case("application/offset+octet-stream")
                || v.eq_ignore_ascii_case("application/octet-stream")
        });
    if !is_offset_stream {
        return Err(AppError::UnsupportedMediaType);
    }
    let offset = number(req.headers(), "Upload-Offset")? as i64;
    let id = id.into_inner();
    let declared = crate::materials::form::declared_length(&req);
    // Decided on the headers: a PATCH that cannot win is answered before
    // its body crosses the network.
    let token = uuid::Uuid::new_v4().simple().to_string();
    let lease = lease_for();
    let now = state.clock.now_naive();
    let (who, held) = (auth, token.clone());
    let begun = db::run(&state.pool, move |conn| {
        service::begin_patch(conn, &who, id, offset, declared, &held, now, now + lease)
    })
    .await?;
    let upload = match begun {
        Patch::Complete(upload) if upload.material_id.is_some() => {
            return Ok(finished(&upload, upload.length, upload.material_id))
        }
        Patch::Complete(upload) => {
            // All the bytes, no material: make what a dead process left.
            let outcome = assemble_holding(&state, auth, &upload, &token).await;
            release(&state, id, token).await;
            return Ok(finished(&upload, upload.length, Some(outcome?)));
        }
        Patch::Send(upload) => upload,
    };
    let outcome = async {
        let reached = receive(&state, &upload, offset, body, &token).await?;
        let material = if reached == upload.length {
            Some(assemble_holding(&state, auth, &upload, &token).await?)
        } else {
            None
        };
        Ok::<_, AppError>((reached, material))
    }
    .await;
    release(&state, id, token).await;
    let (reached, material) = outcome?;
    Ok(finished(&upload, reached, material))
}

/// How long a lease lasts between renewals (its holder renews it every
/// second while it sends or assembles). A newer PATCH takes the lease at
/// once whatever its age; its end only matters to making a complete
/// upload into its material, which a holder that died blocks for at most
/// this long.
fn lease_for() -> chrono::Duration {
    chrono::Duration::seconds(5)
}

/// [`assemble`], renewing the lease every second meanwhile, so that a
/// process that dies while assembling blocks the upload for seconds only.
async fn assemble_holding(
    state: &AppState,
    auth: AuthUser,
    upload: &Upload,
    token: &str,
) -> Result<MaterialId, AppError> {
    let id = upload.id;
    let beat = async {
        loop {
            actix_web::rt::time::sleep(Duration::from_secs(1)).await;
            let (held, until) = (token.to_owned(), state.clock.now_naive() + lease_for());
            let renewed = db::run(&state.pool, move |conn| {
                service::renew(conn, id, &held, until)
            });
            match renewed.await {
                Ok(true) => {}
                // Lost (it lapsed and another request took it): stop.
                Ok(false) => return AppError::Locked(Msg::UploadBusy),
                Err(e) => {
                    tracing::warn!(upload = %id, error = %e, "an upload lease was not renewed")
                }
            }
        }
    };
    let work = assemble(state, auth, upload);
    futures_util::pin_mut!(beat, work);
    match futures_util::future::select(work, beat).await {
        futures_util::future::Either::Left((made, _)) => made,
        futures_util::future::Either::Right((lost, _)) => Err(lost),
    }
}

/// Gives a PATCH's lease back; a failure is only logged (the lease lapses).
async fn release(state: &AppState, id: UploadId, token: String) {
    if let Err(e) = db::run(&state.pool, move |conn| service::release(conn, id, &token)).await {
        tracing::warn!(upload = %id, error = %e, "an upload lease was not given back");
    }
}

/// The answer to a PATCH: the offset reached, and the material once done.
fn finished(upload: &Upload, reached: i64, material: Option<MaterialId>) -> HttpResponse {
    let mut res = HttpResponse::NoContent();
    tus(&mut res).insert_header(("Upload-Offset", reached.to_string()));
    if let (true, Some(material)) = (reached == upload.length, material) {
        res.insert_header(("Material-Id", material.to_string()));
    }
    res.finish()
}

/// Streams a PATCH's body into one segment of the store and records it;
/// answers the offset reached. What arrived before a broken connection is
/// kept, so the client resumes after it.
async fn receive(
    state: &AppState,
    upload: &Upload,
    offset: i64,
    body: web::Payload,
    token: &str,
) -> Result<i64, AppError> {
    let id = upload.id;
    let mut body = crate::http::deadline::for_body(&state.settings, body.into_inner());
    let key = Upload::segment_key(id, offset);
    let room = (upload.length - offset) as u64;
    let mut segment = state.storage.begin(&key).await?;
    let mut size = 0u64;
    let mut broken = None;
    // Only the PATCH that starts the file looks at its type.
    let sniff_at = (sniff::SNIFF_BYTES as u64).min(upload.length as u64) as usize;
    let mut head = (offset == 0).then(Vec::new);
    // While bytes flow, the lease is checked (and renewed) every second: a
    // PATCH a newer one took over stops reading within a second.
    let lease = lease_for();
    let renew_every = Duration::from_secs(1);
    let mut renewed = std::time::Instant::now();
    loop {
        let chunk = match body.next().await {
            None => break,
            Some(Err(e)) if crate::http::deadline::is_late(&e) => {
                broken = Some(AppError::RequestTimeout);
                break;
            }
            Some(Err(_)) => {
                broken = Some(AppError::BadRequest(Msg::TusHeader));
                break;
            }
            Some(Ok(chunk)) => chunk,
        };
        size += chunk.len() as u64;
        if size > room {
            segment.abort().await;
            return Err(AppError::FileTooLarge(upload.length as u64));
        }
        // The first bytes of the file tell its type: a file that does
        // not fit its kind is refused now, not after gigabytes.
        let mut looked = false;
        if let Some(head) = head.as_mut() {
            let need = sniff_at.saturating_sub(head.len());
            head.extend_from_slice(&chunk[..need.min(chunk.len())]);
            if head.len() >= sniff_at {
                looked = true;
                let found = sniff::content_type(head, &upload.file_name);
                if !found.is_some_and(|t| sniff::fits(upload.kind, t)) {
                    segment.abort().await;
                    let keys = db::run(&state.pool, move |conn| service::remove(conn, id)).await?;
                    state.storage.discard(&keys).await;
                    return Err(AppError::field(
                        "file",
                        Issue::FileType {
                            found: found.map(str::to_owned),
                            accepted: sniff::accepted(upload.kind),
                        },
                    ));
                }
            }
        }
        if looked {
            head = None;
        }
        segment.write(&chunk).await?;
        if renewed.elapsed() >= renew_every {
            renewed = std::time::Instant::now();
            let (held, until) = (token.to_owned(), state.clock.now_naive() + lease);
            let kept = db::run(&state.pool, move |conn| {
                service::renew(conn, id, &held, until)
            })
            .await;
            if !matches!(kept, Ok(true)) {
                segment.abort().await;
                return Err(AppError::Locked(Msg::UploadBusy));
            }
        }
    }
    let mut reached = offset;
    if size == 0 {
        segment.abort().await;
    } else {
        segment.finish().await?;
        let row = Segment {
            upload_id: id,
            start_offset: offset,
            size: size as i64,
            storage_key: key.clone(),
        };
        let held = token.to_owned();
        match db::run(&state.pool, move |conn| service::append(conn, &row, &held)).await {
            Ok(to) => reached = to,
            Err(e) => {
                state.storage.discard(&[&key]).await;
                return Err(e);
            }
        }
    }
    if let Some(e) = broken {
        tracing::info!(upload = %id, reached, "upload interrupted; the client may resume");
        if reached < upload.length {
            return Err(e);
        }
    }
    Ok(reached)
}

/// Reads the segments back in order into the material's file, and records
/// it; a file that does not fit its kind ends the upload.
async fn assemble(
    state: &AppState,
    auth: AuthUser,
    upload: &Upload,
) -> Result<MaterialId, AppError> {
    let id = upload.id;
    let segments = db::run(&state.pool, move |conn| service::segments(conn, id)).await?;
    // The segments are forgotten once the material exists: none left (its
    // material was deleted since) is an upload that names nothing.
    if segments.iter().map(|s| s.size).sum::<i64>() != upload.length {
        return Err(AppError::NotFound);
    }
    let storage = state.storage.clone();
    let bytes = stream::iter(segments)
        .then(move |segment| {
            let storage = storage.clone();
            async move { storage.read(&segment.storage_key, None).await }
        })
        .try_flatten()
        .map_err(AppError::from)
        .boxed();
    let stored = match upload::store_file(
        &state.storage,
        upload.kind,
        &upload.file_name,
        upload.length as u64,
        bytes,
    )
    .await
    {
        Ok(stored) => stored,
        Err(e) => {
            if matches!(e, AppError::Validation(_)) {
                let keys = db::run(&state.pool, move |conn| service::remove(conn, id)).await?;
                state.storage.discard(&keys).await;
            }
            return Err(e);
        }
    };
    let now = state.clock.now_naive();
    let (row, kept) = (upload.clone(), stored.clone());
    let done = db::run(&state.pool, move |conn| {
        service::complete(conn, &auth, &row, &kept, now)
    })
    .await;
    match done {
        Ok((material, created, keys)) => {
            if !created {
                state.storage.discard(&[&stored.key]).await;
            }
            state.storage.discard(&keys).await;
            Ok(material.id)
        }
        Err(e) => {
            state.storage.discard(&[&stored.key]).await;
            Err(e)
        }
    }
}

/// `DELETE /api/v1/uploads/{id}`: abandon an upload; its bytes go (tus termination; the upload's creator).
#[utoipa::path(
    delete, path = "/api/v1/uploads/{id}", tag = "materials",
    security(("bearer" = [])),
    params(
        ("id" = UploadId, Path),
        ("Tus-Resumable" = TusResumable, Header, description = "The protocol version"),
    ),
    responses(
        (status = 204, description = "Gone, with what was received"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Missing or unsupported `Tus-Resumable`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn terminate(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<UploadId>,
) -> Result<HttpResponse, AppError> {
    require_version(&req)?;
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let keys = db::run(&state.pool, move |conn| {
        service::own(conn, &auth, id, now)?;
        service::remove(conn, id)
    })
    .await?;
    state.storage.discard(&keys).await;
    Ok(tus(&mut HttpResponse::NoContent()).finish())
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    #[test]
    fn metadata_values_are_read_as_clients_write_base64() {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("upload-metadata"),
            HeaderValue::from_static("title U8OpYW5jZQ==,kind c2xpZGVz,a QM==,b YWI,empty"),
        );
        let meta = super::metadata(&headers).unwrap();
        assert_eq!(meta[0], ("title".to_owned(), "Séance".as_bytes().to_vec()));
        assert_eq!(meta[1].1, b"slides");
        assert_eq!(meta[3].1, b"ab");
        assert_eq!(meta[4], ("empty".to_owned(), Vec::new()));
        headers.insert(
            HeaderName::from_static("upload-metadata"),
            HeaderValue::from_static("title a"),
        );
        assert!(super::metadata(&headers).is_err());
    }
}
