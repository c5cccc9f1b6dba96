//! What clients send and receive about materials.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::rows::{Material, MaterialId, MaterialKind};
use crate::error::{AppError, Issue};
use crate::validation::not_blank;
use crate::vocab::SessionId;

#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialDto {
    pub id: MaterialId,
    pub session_id: SessionId,
    #[schema(example = "Master class 3 : le calendrier éditorial")]
    pub title: String,
    pub kind: MaterialKind,
    /// The link, for `kind: link`; null for files.
    pub url: Option<String>,
    /// The uploaded file's name; null for links.
    pub file_name: Option<String>,
    /// Read from the file's bytes; null for links.
    #[schema(example = "video/mp4")]
    pub content_type: Option<String>,
    /// What a download costs; null for links.
    #[schema(example = 48_213_554)]
    pub size_bytes: Option<i64>,
    /// Hex SHA-256 of the content (also its `ETag`); null for links.
    pub sha256: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Lighter copies a trainer attached (download them by their `id`).
    pub variants: Vec<VariantDto>,
}

/// A lighter copy of a file: an audio-only or low-resolution recording, a
/// compressed PDF.
#[derive(Debug, Serialize, ToSchema)]
pub struct VariantDto {
    pub id: MaterialId,
    #[schema(example = "Audio seul")]
    pub title: String,
    pub file_name: String,
    #[schema(example = "audio/mpeg")]
    pub content_type: String,
    #[schema(example = 9_482_113)]
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl From<Material> for VariantDto {
    fn from(m: Material) -> Self {
        Self {
            id: m.id,
            title: m.title,
            file_name: super::ranges::strip_invisible(&m.file_name.unwrap_or_default()),
            content_type: m.content_type.unwrap_or_default(),
            size_bytes: m.size_bytes.unwrap_or_default(),
            sha256: m.sha256.unwrap_or_default(),
            created_at: m.created_at.and_utc(),
        }
    }
}

impl MaterialDto {
    pub fn with_variants(m: Material, variants: Vec<Material>) -> Self {
        let mut dto = MaterialDto::from(m);
        dto.variants = variants.into_iter().map(VariantDto::from).collect();
        dto
    }
}

impl From<Material> for MaterialDto {
    fn from(m: Material) -> Self {
        Self {
            id: m.id,
            session_id: m.session_id,
            title: m.title,
            kind: m.kind,
            url: m.url,
            // Names kept before format characters were stripped on the way in.
            file_name: m.file_name.as_deref().map(super::ranges::strip_invisible),
            content_type: m.content_type,
            size_bytes: m.size_bytes,
            sha256: m.sha256,
            created_at: m.created_at.and_utc(),
            variants: Vec::new(),
        }
    }
}

/// `kind` of an upload: every kind but `link`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Recording,
    Slides,
    Document,
}

impl From<FileKind> for MaterialKind {
    fn from(k: FileKind) -> Self {
        match k {
            FileKind::Recording => MaterialKind::Recording,
            FileKind::Slides => MaterialKind::Slides,
            FileKind::Document => MaterialKind::Document,
        }
    }
}

/// `kind` of a link material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Link,
}

/// A link as a material (`application/json`).
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateLinkRequest {
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub kind: LinkKind,
    /// An `https` address.
    #[validate(custom(function = "https_url"), length(max = 2000))]
    #[schema(
        max_length = 2000,
        pattern = "^https://[^\\s]+$",
        example = "https://example.org/replay"
    )]
    pub url: String,
}

/// Only `https` links: learners open them on phones, often on shared
/// networks.
pub fn https_url(value: &str) -> Result<(), ValidationError> {
    use validator::ValidateUrl;
    if value.starts_with("https://")
        && value.validate_url()
        && !value.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        Ok(())
    } else {
        Err(ValidationError::new("url"))
    }
}

/// A file as a material (`multipart/form-data`): the text parts `title`
/// and `kind` first, then the part `file`. (Other parts are skipped when
/// they are well-formed; the document promises none.)
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(min_length = 1, max_length = 200)]
    title: String,
    kind: FileKind,
    /// The file; its name is kept for downloads.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A variant (`multipart/form-data`): the text part `title`, then the part
/// `file`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct VariantForm {
    #[schema(min_length = 1, max_length = 200)]
    title: String,
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

pub use crate::http::FileBytes;

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// The `kind` of a file sent outside JSON (a form part, tus metadata).
pub fn file_kind(raw: &str) -> Result<MaterialKind, AppError> {
    match raw.trim() {
        "recording" => Ok(MaterialKind::Recording),
        "slides" => Ok(MaterialKind::Slides),
        "document" => Ok(MaterialKind::Document),
        _ => Err(AppError::field(
            "kind",
            Issue::OneOf(vec!["recording".into(), "slides".into(), "document".into()]),
        )),
    }
}

/// The `title` of a file sent outside JSON, trimmed: present, plain text,
/// at most [`MAX_TITLE_CHARS`].
pub fn file_title(raw: Option<&str>) -> Result<String, AppError> {
    let title = raw.map(str::trim).unwrap_or("");
    if title.is_empty() {
        return Err(AppError::field("title", Issue::Required));
    }
    if !crate::http::control_free(title) {
        return Err(AppError::field("title", Issue::ControlCharacter));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::field(
            "title",
            Issue::Length {
                min: Some(1),
                max: Some(MAX_TITLE_CHARS as u64),
            },
        ));
    }
    Ok(title.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_links() {
        assert!(https_url("https://example.org/replay?t=10").is_ok());
        assert!(https_url("http://example.org").is_err());
        assert!(https_url("https://exa mple.org").is_err());
        assert!(https_url("javascript:alert(1)").is_err());
    }
}
