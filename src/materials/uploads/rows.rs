//! The `uploads` and `upload_segments` tables as rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::materials::{MaterialId, MaterialKind};
use crate::schema::{upload_segments, uploads};
use crate::vocab::{SessionId, UserId};

crate::id_type!(
    /// A resumable upload.
    UploadId
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads, treat_none_as_default_value = false)]
pub struct Upload {
    pub id: UploadId,
    pub session_id: SessionId,
    pub created_by: UserId,
    pub title: String,
    pub kind: MaterialKind,
    pub file_name: String,
    pub length: i64,
    pub upload_offset: i64,
    pub material_id: Option<MaterialId>,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub expires_at: NaiveDateTime,
}

impl Upload {
    /// Where a PATCH starting at `offset` keeps its bytes: a key of its
    /// own, so that of two PATCHes from one offset (a stale connection and
    /// its retry) the one that loses the compare-and-set deletes only its
    /// own bytes, never the winner's.
    pub fn segment_key(id: UploadId, offset: i64) -> String {
        format!(
            "uploads/{id}/{offset:020}-{}",
            uuid::Uuid::new_v4().simple()
        )
    }
}

/// What one PATCH stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = upload_segments)]
pub struct Segment {
    pub upload_id: UploadId,
    pub start_offset: i64,
    pub size: i64,
    pub storage_key: String,
}
