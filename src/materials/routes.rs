//! The HTTP handlers of materials: read the request (JSON, or a multipart
//! body streamed part by part), call [`service`] and [`upload`], answer
//! (downloads streamed from the store, with ranges and validators).

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::TryStreamExt;
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::{
    file_kind, file_title, CreateLinkRequest, FileBytes, MaterialDto, UploadForm, VariantDto,
    VariantForm, MAX_TITLE_CHARS,
};
use super::form;
use super::ranges;
use super::rows::{Material, MaterialId, MaterialKind};
use super::serve;
use super::service;
use super::sniff::{self, Accept};
use super::upload::{self, Stored};
use crate::db;
use crate::error::{AppError, Issue, Problem};
use crate::http::{AuthUser, Json};
use crate::state::AppState;
use crate::vocab::SessionId;

/// The materials of a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialList {
    /// Oldest first.
    pub items: Vec<MaterialDto>,
}

/// `POST /api/v1/sessions/{id}/materials`: add a file (multipart) or a link (JSON) to a session (staff, the cohort's trainers).
#[utoipa::path(
    post, path = "/api/v1/sessions/{id}/materials", tag = "materials",
    security(("bearer" = [])),
    params(
        ("id" = SessionId, Path),
    ),
    request_body(content(
        (UploadForm = "multipart/form-data"),
        (CreateLinkRequest = "application/json"),
    ), description = "A file: `title` and `kind` first, then the part `file`, streamed. A link: JSON."),
    responses(
        (status = 201, description = "The new material", body = MaterialDto),
        (status = 200, description = "The session already has a file with the same bytes: that one", body = MaterialDto),
        (status = 400, description = "Unreadable multipart or JSON body", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The body stalled", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the size allowed for the kind (`file_too_large`); nothing is kept", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither multipart/form-data nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid field, or a file whose bytes do not fit the kind", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_material(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<SessionId>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let session = id.into_inner();
    if !form::is_multipart(&req) {
        // A link; `Json` refuses what is not JSON with 415.
        let mut payload = payload.into_inner();
        let Json(body) = Json::<CreateLinkRequest>::from_request(&req, &mut payload).await?;
        let now = state.clock.now_naive();
        let material = db::run(&state.pool, move |conn| {
            service::create_link(conn, &auth, session, body, now)
        })
        .await?;
        return Ok(HttpResponse::Created().json(material));
    }
    // The right first: nobody else gets to send a byte.
    let who = auth;
    db::run(&state.pool, move |conn| {
        service::require_upload_right(conn, &who, session)
    })
    .await?;
    let received = receive_form(&state, &req, payload, None).await?;
    let (title, kind, file_name, stored) = (
        received.title,
        received.kind,
        received.file_name,
        received.stored,
    );
    let now = state.clock.now_naive();
    let kept = stored.clone();
    let recorded = db::run(&state.pool, move |conn| {
        service::record_file(conn, &auth, session, title, kind, file_name, &kept, now)
    })
    .await;
    match recorded {
        Ok((material, true)) => Ok(HttpResponse::Created().json(material)),
        Ok((material, false)) => {
            state.storage.discard(&[&stored.key]).await;
            Ok(HttpResponse::Ok().json(material))
        }
        Err(e) => {
            state.storage.discard(&[&stored.key]).await;
            Err(e)
        }
    }
}

/// A file received from a form, now in the store.
struct Received {
    title: String,
    kind: MaterialKind,
    file_name: String,
    stored: Stored,
}

/// Reads a multipart form, its parts in any order: the text parts `title`
/// and (unless `fixed_kind`) `kind`, and the part `file`, streamed into the
/// store. Generated clients send the file first, as the schema lists it
/// last only since this was fixed: when the kind is not known yet, the
/// file is taken as any material would be and held to its kind once the
/// form is read. A form refused for any reason keeps nothing in the store.
async fn receive_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    fixed_kind: Option<MaterialKind>,
) -> Result<Received, AppError> {
    let declared = form::declared_length(req);
    let settings = &state.settings;
    let largest = settings
        .max_recording_bytes
        .max(settings.max_document_bytes);
    if declared.is_some_and(|n| n > largest + form::FORM_OVERHEAD) {
        return Err(AppError::FileTooLarge(largest));
    }
    let mut form = form::read(req, settings, payload);
    let mut file: Option<(Stored, String)> = None;
    let outcome = async {
        let (mut title, mut kind) = (None::<String>, fixed_kind);
        while let Some(field) = form::next_part(&mut form).await? {
            match field.name() {
                // A part given twice is ambiguous: refused, not guessed.
                Some("title") if title.is_some() => {
                    return Err(AppError::field("title", Issue::Duplicate))
                }
                Some("title") => {
                    let raw = form::text_part(field, "title", MAX_TITLE_CHARS).await?;
                    title = Some(file_title(Some(&raw))?);
                }
                Some("kind") if fixed_kind.is_none() => {
                    if kind.is_some() {
                        return Err(AppError::field("kind", Issue::Duplicate));
                    }
                    let raw = form::text_part(field, "kind", MAX_TITLE_CHARS).await?;
                    kind = Some(file_kind(&raw)?);
                }
                Some("file") if file.is_some() => {
                    return Err(AppError::field("file", Issue::Duplicate))
                }
                Some("file") => {
                    // The kind's own rules when it is known, before any byte.
                    let (accept, limit) = match kind {
                        Some(kind) => (Accept::Material(kind), upload::limit_for(settings, kind)),
                        None => (Accept::AnyMaterial, largest),
                    };
                    if declared.is_some_and(|n| n > limit + form::FORM_OVERHEAD) {
                        return Err(AppError::FileTooLarge(limit));
                    }
                    let file_name = ranges::clean_file_name(
                        field.content_disposition().and_then(|d| d.get_filename()),
                    );
                    let bytes = field.map_err(form::multipart_error);
                    let stored = upload::store(
                        &state.storage,
                        accept,
                        Material::KEY_PREFIX,
                        &file_name,
                        limit,
                        bytes,
                    )
                    .await?;
                    file = Some((stored, file_name));
                }
                // Other parts are not read.
                _ => {}
            }
        }
        let title = title.ok_or(AppError::field("title", Issue::Required))?;
        let kind = kind.ok_or(AppError::field("kind", Issue::Required))?;
        let (stored, _) = file
            .as_ref()
            .ok_or(AppError::field("file", Issue::Required))?;
        // A file sent before its kind, held to the kind now.
        if !sniff::fits(kind, stored.content_type) {
            return Err(AppError::field(
                "file",
                Issue::FileType {
                    found: Some(stored.content_type.to_owned()),
                    accepted: sniff::accepted(kind),
                },
            ));
        }
        let limit = upload::limit_for(settings, kind);
        if stored.size > limit {
            return Err(AppError::FileTooLarge(limit));
        }
        Ok((title, kind))
    }
    .await;
    match (outcome, file) {
        (Ok((title, kind)), Some((stored, file_name))) => Ok(Received {
            title,
            kind,
            file_name,
            stored,
        }),
        (outcome, file) => {
            if let Some((stored, _)) = file {
                state.storage.discard(&[&stored.key]).await;
            }
            Err(outcome
                .err()
                .unwrap_or(AppError::field("file", Issue::Required)))
        }
    }
}

/// `POST /api/v1/materials/{id}/variants`: attach a lighter copy of a file (an audio-only or low-resolution recording, a compressed PDF) that members may download instead (staff, the cohort's trainers).
#[utoipa::path(
    post, path = "/api/v1/materials/{id}/variants", tag = "materials",
    security(("bearer" = [])),
    params(("id" = MaterialId, Path, description = "The file the variant is a copy of")),
    request_body(content((VariantForm = "multipart/form-data")),
        description = "`title` (e.g. \"Audio seul\"), then the part `file`, streamed; its type must fit the material's kind."),
    responses(
        (status = 201, description = "The variant", body = VariantDto),
        (status = 400, description = "Unreadable multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The body stalled", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A link, or a variant itself, takes no variant", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the size allowed for the kind", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid field, or bytes that do not fit the kind", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_variant(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<MaterialId>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let parent = id.into_inner();
    if !form::is_multipart(&req) {
        return Err(AppError::UnsupportedMediaType);
    }
    let kind = db::run(&state.pool, move |conn| {
        service::require_variant_right(conn, &auth, parent)
    })
    .await?;
    let received = receive_form(&state, &req, payload, Some(kind)).await?;
    let now = state.clock.now_naive();
    let kept = received.stored.clone();
    let (title, file_name) = (received.title, received.file_name);
    let recorded = db::run(&state.pool, move |conn| {
        service::record_variant(conn, &auth, parent, title, file_name, &kept, now)
    })
    .await;
    match recorded {
        Ok(variant) => Ok(HttpResponse::Created().json(variant)),
        Err(e) => {
            state.storage.discard(&[&received.stored.key]).await;
            Err(e)
        }
    }
}

/// `GET /api/v1/sessions/{id}/materials`: a session's materials with their sizes (staff and admitted members).
#[utoipa::path(
    get, path = "/api/v1/sessions/{id}/materials", tag = "materials",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    responses(
        (status = 200, body = MaterialList),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_materials(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let items = db::run(&state.pool, move |conn| service::list(conn, &auth, id)).await?;
    Ok(HttpResponse::Ok().json(MaterialList { items }))
}

/// `GET /api/v1/materials/{id}/content`: download a material, whole or by byte range (staff and admitted members).
#[utoipa::path(
    get, path = "/api/v1/materials/{id}/content", tag = "materials",
    security(("bearer" = [])),
    params(
        ("id" = MaterialId, Path),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=1048576-` to resume"),
        ("If-Range" = Option<String>, Header, description = "The `ETag` held: the range is sent only if the file is still that one"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` held"),
    ),
    responses(
        (status = 200, description = "The whole file, with its own `Content-Type` (`application/octet-stream` when its type is unknown) (`content_type` of the material)", content((FileBytes = "*/*"), (FileBytes = "application/octet-stream")),
            headers(
                ("ETag" = String, description = "Strong validator: the SHA-256 of the bytes"),
                ("Accept-Ranges" = String, description = "`bytes`"),
                ("Content-Disposition" = String, description = "`attachment` with the original file name (RFC 6266)"),
            )),
        (status = 206, description = "The range asked for", content((FileBytes = "*/*"), (FileBytes = "application/octet-stream")),
            headers(("Content-Range" = String, description = "`bytes start-end/size`"))),
        (status = 303, description = "A link: its address is in `Location`"),
        (status = 304, description = "Unchanged: the `ETag` sent in `If-None-Match` is this file's"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range starts past the end (`range_not_satisfiable`); `Content-Range: bytes */size`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<MaterialId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let material = db::run(&state.pool, move |conn| {
        service::for_download(conn, &auth, id)
    })
    .await?;
    let (Some(key), Some(sha256), Some(size)) =
        (material.storage_key, material.sha256, material.size_bytes)
    else {
        // A link has no bytes here: send the client on its way.
        let url = material.url.unwrap_or_default();
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, url))
            .finish());
    };
    let file = serve::StoredFile {
        key,
        sha256,
        size: size as u64,
        content_type: material.content_type,
        file_name: material.file_name.unwrap_or_else(|| "material".to_owned()),
    };
    serve::respond(&state.storage, &req, file).await
}

/// `DELETE /api/v1/materials/{id}`: delete a material and its bytes (staff, the cohort's trainers).
#[utoipa::path(
    delete, path = "/api/v1/materials/{id}", tag = "materials",
    security(("bearer" = [])),
    params(("id" = MaterialId, Path)),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_material(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<MaterialId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let keys = db::run(&state.pool, move |conn| service::delete(conn, &auth, id)).await?;
    state.storage.discard(&keys).await;
    Ok(HttpResponse::NoContent().finish())
}
