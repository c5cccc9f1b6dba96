//! The `materials` table as rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::materials;
use crate::vocab::{SessionId, UserId};

crate::id_type!(
    /// A material of a session.
    MaterialId
);

crate::text_enum!(
    /// What a material is; all but `link` are files.
    MaterialKind {
        Recording => "recording",
        Slides => "slides",
        Document => "document",
        Link => "link",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = materials, treat_none_as_default_value = false)]
pub struct Material {
    pub id: MaterialId,
    pub session_id: SessionId,
    pub parent_id: Option<MaterialId>,
    pub title: String,
    pub kind: MaterialKind,
    pub url: Option<String>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub storage_key: Option<String>,
    pub uploaded_by: UserId,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
}

impl Material {
    /// Where the bytes of materials are kept: `materials/<id>`.
    pub const KEY_PREFIX: &'static str = "materials";
}
