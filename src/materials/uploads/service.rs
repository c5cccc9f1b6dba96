//! The rules of resumable uploads that touch the database. An upload is
//! its creator's alone: anyone else, including other staff, gets 404.

use chrono::{Duration, NaiveDateTime};

use super::queries;
use super::rows::{Segment, Upload, UploadId};
use crate::access::CohortAccess;
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Msg};
use crate::http::AuthUser;
use crate::materials::dto::MaterialDto;
use crate::materials::upload::Stored;
use crate::materials::{service as materials, MaterialKind};
use crate::sessions::session_for;
use crate::vocab::SessionId;

/// How long an unfinished upload is kept.
pub const UPLOAD_LIFETIME_HOURS: i64 = 24;

/// What `POST /uploads` asks for.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub session: SessionId,
    pub title: String,
    pub kind: MaterialKind,
    pub file_name: String,
    pub length: u64,
}

/// Creates an upload for a session the caller may add materials to.
pub fn create(
    conn: &mut DbConnection,
    auth: &AuthUser,
    new: NewUpload,
    now: NaiveDateTime,
) -> Result<Upload, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    session_for(
        conn,
        &actor,
        new.session,
        CohortAccess::can_manage_materials,
    )?;
    let row = Upload {
        id: UploadId::new(),
        session_id: new.session,
        created_by: actor.id,
        title: new.title,
        kind: new.kind,
        file_name: new.file_name,
        length: new.length as i64,
        upload_offset: 0,
        material_id: None,
        created_at: now,
        expires_at: now + Duration::hours(UPLOAD_LIFETIME_HOURS),
    };
    queries::insert(conn, &row)?;
    Ok(row)
}

/// The caller's own upload, if it has not expired.
pub fn own(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: UploadId,
    now: NaiveDateTime,
) -> Result<Upload, AppError> {
    crate::users::actor(conn, auth)?;
    match queries::find(conn, id)? {
        Some(u) if u.created_by == auth.id && u.expires_at > now => Ok(u),
        _ => Err(AppError::NotFound),
    }
}

/// How a PATCH goes, decided from its headers before its body is read.
#[derive(Debug)]
pub enum Patch {
    /// The PATCH holds the upload's lease: it may send its bytes.
    Send(Upload),
    /// Every byte is already there (a client that lost the last answer):
    /// nothing to read. If the upload has no material yet (the process
    /// that stored the last bytes died), the PATCH holds the lease to make it.
    Complete(Upload),
}

/// Decides a PATCH before a byte of its body is read, so that a client on
/// a phone's network is not made to send megabytes for a refusal: a stale
/// `Upload-Offset` is 409, bytes past `Upload-Length` 413 (`declared` is
/// the PATCH's `Content-Length`), a complete upload being made into its
/// material by another request 423. Else the PATCH takes the lease under
/// `token` until `until` (from an older PATCH, which then stores nothing),
/// and must give it back ([`release`]).
#[allow(clippy::too_many_arguments)]
pub fn begin_patch(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: UploadId,
    offset: i64,
    declared: Option<u64>,
    token: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Patch, AppError> {
    let upload = own(conn, auth, id, now)?;
    if offset != upload.upload_offset {
        return Err(AppError::Conflict(Msg::UploadOffsetMoved));
    }
    let room = (upload.length - offset) as u64;
    if declared.is_some_and(|n| n > room) {
        return Err(AppError::FileTooLarge(upload.length as u64));
    }
    if room == 0 {
        if upload.material_id.is_none() && !take_for_assembly(conn, &upload, token, now, until)? {
            return Err(AppError::Locked(Msg::UploadBusy));
        }
        return Ok(Patch::Complete(upload));
    }
    if !queries::take_lease(conn, id, offset, token, until)? {
        // Another PATCH moved the offset in between.
        return Err(AppError::Conflict(Msg::UploadOffsetMoved));
    }
    Ok(Patch::Send(upload))
}

/// Takes the lease of an upload whose bytes are all there but whose
/// material is missing (the process died while making it), to make it;
/// `false` if another request is at it.
pub fn take_for_assembly(
    conn: &mut DbConnection,
    upload: &Upload,
    token: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<bool, AppError> {
    Ok(queries::take_free_lease(
        conn, upload.id, token, now, until,
    )?)
}

/// Keeps a lease while bytes flow; `false` if it lapsed and another
/// request took it.
pub fn renew(
    conn: &mut DbConnection,
    id: UploadId,
    token: &str,
    until: NaiveDateTime,
) -> Result<bool, AppError> {
    Ok(queries::renew_lease(conn, id, token, until)?)
}

/// Gives the lease back.
pub fn release(conn: &mut DbConnection, id: UploadId, token: &str) -> Result<(), AppError> {
    Ok(queries::release_lease(conn, id, token)?)
}

/// Records a stored segment and moves the offset past it, if the offset
/// is still `segment.start_offset` and the PATCH still holds the lease
/// (else 423: a newer PATCH took over).
pub fn append(conn: &mut DbConnection, segment: &Segment, token: &str) -> Result<i64, AppError> {
    let to = segment.start_offset + segment.size;
    write_tx(conn, |conn| {
        if !queries::advance(conn, segment.upload_id, segment.start_offset, to, token)? {
            return Err(AppError::Locked(Msg::UploadBusy));
        }
        queries::insert_segment(conn, segment)?;
        Ok(to)
    })
}

pub fn segments(conn: &mut DbConnection, id: UploadId) -> Result<Vec<Segment>, AppError> {
    Ok(queries::segments(conn, id)?)
}

/// The assembled file becomes a material (or the session's file with the
/// same bytes); answers it, whether it is new, and the segment keys whose
/// bytes can go.
pub fn complete(
    conn: &mut DbConnection,
    auth: &AuthUser,
    upload: &Upload,
    stored: &Stored,
    now: NaiveDateTime,
) -> Result<(MaterialDto, bool, Vec<String>), AppError> {
    let (material, created) = materials::record_file(
        conn,
        auth,
        upload.session_id,
        upload.title.clone(),
        upload.kind,
        upload.file_name.clone(),
        stored,
        now,
    )?;
    let keys = write_tx(conn, |conn| queries::complete(conn, upload.id, material.id))?;
    Ok((material, created, keys))
}

/// Ends an upload (termination, or a refused file); answers the segment
/// keys whose bytes must go.
pub fn remove(conn: &mut DbConnection, id: UploadId) -> Result<Vec<String>, AppError> {
    Ok(write_tx(conn, |conn| queries::delete(conn, &[id]))?)
}

/// Housekeeping, inside its transaction: deletes up to `limit` expired
/// uploads; answers how many, and the keys whose bytes must go.
pub fn sweep_expired(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<(usize, Vec<String>), AppError> {
    let ids = queries::expired(conn, now, limit)?;
    if ids.is_empty() {
        return Ok((0, Vec::new()));
    }
    Ok((ids.len(), queries::delete(conn, &ids)?))
}
