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

/// Records a stored segment and moves the offset past it, if the offset
/// is still `segment.start_offset` (else 409: another PATCH won).
pub fn append(conn: &mut DbConnection, segment: &Segment) -> Result<i64, AppError> {
    let to = segment.start_offset + segment.size;
    write_tx(conn, |conn| {
        if !queries::advance(conn, segment.upload_id, segment.start_offset, to)? {
            return Err(AppError::Conflict(Msg::UploadOffsetMoved));
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
