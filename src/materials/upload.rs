//! Streaming a file into the store: its type read from the first bytes,
//! its size held to the kind's limit, its SHA-256 computed on the way.
//! Nothing of a refused or broken upload stays in the store.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};

use super::rows::{Material, MaterialKind};
use super::sniff::{self, Accept};
use crate::config::Settings;
use crate::error::{AppError, Issue};
use crate::storage::Storage;

/// A file now in the store, not yet a row (a material, a submission).
#[derive(Debug, Clone)]
pub struct Stored {
    /// The id of the row to be (a new v7 id); `key` ends with it.
    pub id: uuid::Uuid,
    pub key: String,
    pub size: u64,
    pub sha256: String,
    pub content_type: &'static str,
}

/// The largest file of `kind` the settings allow.
pub fn limit_for(settings: &Settings, kind: MaterialKind) -> u64 {
    match kind {
        MaterialKind::Recording => settings.max_recording_bytes,
        _ => settings.max_document_bytes,
    }
}

/// Streams `body` into the store as the file of a new material of `kind`
/// (see [`store`]).
pub async fn store_file<S>(
    storage: &Storage,
    kind: MaterialKind,
    file_name: &str,
    limit: u64,
    body: S,
) -> Result<Stored, AppError>
where
    S: Stream<Item = Result<Bytes, AppError>> + Unpin,
{
    let prefix = Material::KEY_PREFIX;
    store(
        storage,
        Accept::Material(kind),
        prefix,
        file_name,
        limit,
        body,
    )
    .await
}

/// Streams `body` into the store under `prefix`/(a new id), as a file of
/// the types `accept` takes (a client body comes under its deadline, see
/// [`crate::http::deadline`]); past `limit` bytes the upload is refused with
/// 413; a type `accept` does not take is refused with 422 on `file`
/// before anything is stored.
pub async fn store<S>(
    storage: &Storage,
    accept: Accept,
    prefix: &str,
    file_name: &str,
    limit: u64,
    mut body: S,
) -> Result<Stored, AppError>
where
    S: Stream<Item = Result<Bytes, AppError>> + Unpin,
{
    let mut next = async || -> Result<Option<Bytes>, AppError> {
        match body.next().await {
            None => Ok(None),
            Some(chunk) => chunk.map(Some),
        }
    };
    // The first bytes, to know what the file is before storing any.
    let mut head: Vec<u8> = Vec::new();
    let mut ended = false;
    while head.len() < sniff::SNIFF_BYTES {
        match next().await? {
            Some(chunk) => {
                head.extend_from_slice(&chunk);
                if head.len() as u64 > limit {
                    return Err(AppError::FileTooLarge(limit));
                }
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    let content_type = match sniff::content_type(&head, file_name) {
        Some(t) if accept.takes(t) => t,
        found => {
            return Err(AppError::field(
                "file",
                Issue::FileType {
                    found: found.map(str::to_owned),
                    accepted: accept.described(),
                },
            ))
        }
    };

    let id = uuid::Uuid::now_v7();
    let key = format!("{prefix}/{id}");
    let mut upload = storage.begin(&key).await?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut pending = Some(Bytes::from(head));
    let outcome: Result<(), AppError> = async {
        loop {
            let chunk = match pending.take() {
                Some(chunk) => chunk,
                None if ended => break,
                None => match next().await? {
                    Some(chunk) => chunk,
                    None => break,
                },
            };
            size += chunk.len() as u64;
            if size > limit {
                return Err(AppError::FileTooLarge(limit));
            }
            hasher.update(&chunk);
            upload.write(&chunk).await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        upload.abort().await;
        return Err(e);
    }
    upload.finish().await?;
    Ok(Stored {
        id,
        key,
        size,
        sha256: hex::encode(hasher.finalize()),
        content_type,
    })
}
