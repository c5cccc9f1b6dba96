//! Lists: `?limit=` (default 50, max 200) and an opaque `?cursor=`; the body
//! is `{items, next_cursor}`. Cursors carry the sort key of the last row
//! returned, so each page is an index seek whatever its depth.

use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, Issue};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl PageParams {
    /// From a list's own filter struct: serde_urlencoded cannot flatten
    /// this one into it (numbers in flattened structs fail to parse).
    pub fn new(limit: Option<i64>, cursor: Option<String>) -> Self {
        Self { limit, cursor }
    }

    pub fn limit(&self) -> Result<i64, AppError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(AppError::field(
                "limit",
                Issue::Range {
                    min: Some(1.0),
                    max: Some(MAX_LIMIT as f64),
                },
            )),
        }
    }

    /// The decoded cursor, if any; a tampered cursor is a 422 on `cursor`.
    /// The key after which the page starts; an empty `cursor=` is the
    /// first page, as if absent (forms and generated clients send it).
    pub fn cursor<K: DeserializeOwned>(&self) -> Result<Option<K>, AppError> {
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()
    }
}

pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// The longest cursor read (the document says so too); the server's own are
/// under 200 characters.
pub const MAX_CURSOR_CHARS: usize = 512;

pub fn decode_cursor<K: DeserializeOwned>(raw: &str) -> Result<K, AppError> {
    Some(raw)
        .filter(|r| r.len() <= MAX_CURSOR_CHARS)
        .and_then(|r| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(r)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::field("cursor", Issue::Invalid))
}

/// Builds a page from up to `limit + 1` rows: the extra row only says that
/// another page exists.
pub fn page_from<R, T: ToSchema, K: Serialize>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> K,
    map: impl FnMut(R) -> T,
) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| encode_cursor(&key(r)))
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(map).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(&("2026-01-01T00:00:00", "abc"));
        let back: (String, String) = decode_cursor(&c).unwrap();
        assert_eq!(back, ("2026-01-01T00:00:00".into(), "abc".into()));
        assert!(decode_cursor::<(String, String)>("!!!").is_err());
    }

    #[test]
    fn limit_is_bounded() {
        let p = |limit| PageParams {
            limit,
            cursor: None,
        };
        assert_eq!(p(None).limit().unwrap(), 50);
        assert_eq!(p(Some(200)).limit().unwrap(), 200);
        assert!(p(Some(0)).limit().is_err());
        assert!(p(Some(201)).limit().is_err());
    }
}
