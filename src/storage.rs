//! Where uploaded bytes live: one interface, [`Storage`], over
//! `object_store`, so the same code streams to the local disk (the default,
//! under `DATA_DIR/files`) and, with several processes behind a load
//! balancer, to an S3-compatible store (`STORAGE_URL=s3://bucket/prefix`,
//! credentials and endpoint from the usual `AWS_*` variables).
//!
//! Bytes are streamed both ways: an [`Upload`] sends parts as they fill
//! (at most [`PART_BYTES`] × [`PARTS_IN_FLIGHT`] held), a read is a stream
//! of chunks. Keys are chosen by the caller (`materials/<id>`).

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::multipart::MultipartStore;
use object_store::path::Path;
use object_store::{
    GetOptions, GetRange, GetResultPayload, MultipartUpload, ObjectStore, ObjectStoreExt,
    WriteMultipart,
};

use crate::config::{S3Settings, Settings};

/// Size of the parts an upload sends (S3 wants at least 5 MiB but the
/// last).
pub const PART_BYTES: usize = 8 << 20;
/// Parts being written at once, per upload.
pub const PARTS_IN_FLIGHT: usize = 2;

#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StorageError(String);

/// A store that fails a request is the server's problem, not the client's.
impl From<StorageError> for crate::error::AppError {
    fn from(e: StorageError) -> Self {
        crate::error::AppError::Internal(e.to_string())
    }
}

impl From<object_store::Error> for StorageError {
    fn from(e: object_store::Error) -> Self {
        StorageError(e.to_string())
    }
}

/// Where S3 uploads in progress are recorded (`staging/<id>`: the object's
/// path and the upload's id); the orphan sweep never looks here.
pub const STAGING: &str = "staging";

/// A stream of stored bytes.
pub type ByteStream = BoxStream<'static, Result<Bytes, StorageError>>;

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// On S3, the same bucket's multipart calls: each upload is tracked by
    /// a marker under [`STAGING`] until it completes or is aborted, so
    /// one a killed process left can be aborted by housekeeping.
    multipart: Option<Arc<dyn MultipartStore>>,
    /// Where, for logs and errors.
    pub describe: String,
    /// The folder of a local store: written files are flushed to disk
    /// there before they count as stored.
    local_root: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Storage({})", self.describe)
    }
}

impl Storage {
    /// The store `STORAGE_URL` names: unset, the folder `files` under
    /// `DATA_DIR`; `file:///some/dir`, that folder; `s3://bucket` or
    /// `s3://bucket/prefix`, that bucket (see [`S3Settings`]).
    pub fn open(settings: &Settings) -> Result<Storage, String> {
        let Some(url) = settings.storage_url.as_deref() else {
            return Storage::local(&settings.data_dir.join("files"));
        };
        if let Some(dir) = url.strip_prefix("file://").filter(|d| !d.is_empty()) {
            return Storage::local(std::path::Path::new(dir));
        }
        if let Some(rest) = url.strip_prefix("s3://").filter(|r| !r.is_empty()) {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            return Storage::s3(&settings.s3, bucket, prefix.trim_matches('/'));
        }
        Err(format!(
            "STORAGE_URL `{url}` is not supported: use s3://bucket/prefix, file:///a/folder, or leave it unset"
        ))
    }

    /// A bucket of an S3-compatible store, keys under `prefix`.
    pub fn s3(s3: &S3Settings, bucket: &str, prefix: &str) -> Result<Storage, String> {
        use object_store::aws::AmazonS3Builder;
        use object_store::{ClientOptions, RetryConfig};
        // reqwest is built without a TLS provider of its own (see
        // Cargo.toml); ring is it. A second call finds it installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Missing keys would make object_store fall back to the EC2
        // metadata endpoint and fail only at the first upload.
        let key = s3
            .access_key_id
            .as_deref()
            .ok_or("STORAGE_URL is s3://: set AWS_ACCESS_KEY_ID")?;
        let secret = s3
            .secret_access_key
            .as_ref()
            .ok_or("STORAGE_URL is s3://: set AWS_SECRET_ACCESS_KEY")?;
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(&s3.region)
            .with_access_key_id(key)
            .with_secret_access_key(secret.expose())
            .with_virtual_hosted_style_request(false)
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(s3.allow_http)
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(120)),
            )
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(30),
                ..RetryConfig::default()
            });
        if let Some(endpoint) = &s3.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let store = builder
            .build()
            .map_err(|e| format!("cannot use the S3 bucket `{bucket}`: {e}"))?;
        let describe = format!("s3://{bucket}/{prefix}");
        let (store, multipart): (Arc<dyn ObjectStore>, Arc<dyn MultipartStore>) =
            if prefix.is_empty() {
                let store = Arc::new(store);
                (store.clone(), store)
            } else {
                let store = Arc::new(object_store::prefix::PrefixStore::new(store, prefix));
                (store.clone(), store)
            };
        Ok(Storage {
            store,
            multipart: Some(multipart),
            describe,
            local_root: None,
        })
    }

    /// Files under `dir`, created if missing.
    pub fn local(dir: &std::path::Path) -> Result<Storage, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the file folder {}: {e}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| format!("cannot use the file folder {}: {e}", dir.display()))?
            .with_automatic_cleanup(true);
        Ok(Storage {
            store: Arc::new(store),
            multipart: None,
            describe: format!("file://{}", dir.display()),
            local_root: Some(dir.canonicalize().map_err(|e| e.to_string())?),
        })
    }

    /// Starts writing `key`; nothing is visible under it before
    /// [`Upload::finish`].
    pub async fn begin(&self, key: &str) -> Result<Upload, StorageError> {
        let path = Path::from(key);
        let upload: Box<dyn MultipartUpload> = match &self.multipart {
            None => self.store.put_multipart(&path).await?,
            Some(multipart) => {
                let id = multipart.create_multipart(&path).await?;
                let marker = Path::from(format!("{STAGING}/{}", uuid::Uuid::now_v7()));
                let note = format!("{key}\n{id}");
                self.store.put(&marker, note.into_bytes().into()).await?;
                Box::new(Tracked {
                    multipart: multipart.clone(),
                    store: self.store.clone(),
                    path,
                    id,
                    marker,
                    parts: Arc::default(),
                    next: 0,
                })
            }
        };
        Ok(Upload {
            inner: WriteMultipart::new_with_chunk_size(upload, PART_BYTES),
            local_file: self.local_root.as_ref().map(|root| root.join(key)),
        })
    }

    /// The bytes of `key`, or of `range` of them.
    pub async fn read(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> Result<ByteStream, StorageError> {
        let options = GetOptions::default().with_range(range.map(GetRange::Bounded));
        let found = self.store.get_opts(&Path::from(key), options).await?;
        match found.payload {
            // object_store reads local files 8 KiB per blocking task; a
            // download goes at a fraction of the disk's speed that way.
            GetResultPayload::File(file, _) => Ok(file_chunks(file, found.range)),
            GetResultPayload::Stream(stream) => Ok(stream.map_err(StorageError::from).boxed()),
        }
    }

    /// Removes `key`; a key already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The keys under `prefix` last written before `cutoff`.
    pub async fn keys_older_than(
        &self,
        prefix: &str,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<String>, StorageError> {
        let prefix = (!prefix.is_empty()).then(|| Path::from(prefix));
        let found: Vec<_> = self.store.list(prefix.as_ref()).try_collect().await?;
        Ok(found
            .into_iter()
            .filter(|m| m.last_modified < cutoff)
            .map(|m| m.location.to_string())
            .collect())
    }

    /// Deletes `keys`, best effort: a failure is logged and the bytes are
    /// left as orphans (space, nothing else), which housekeeping sweeps.
    pub async fn discard<S: AsRef<str>>(&self, keys: &[S]) {
        // Inside a keyed request, once its transaction has committed.
        let named: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
        if crate::db::defer_discard(&named) {
            return;
        }
        for key in keys {
            let key = key.as_ref();
            if let Err(e) = self.delete(key).await {
                tracing::warn!(error = %e, %key, "could not delete stored bytes");
            }
        }
    }

    /// Every key under `prefix` (`""`: all), for checks and sweeps.
    pub async fn keys(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let prefix = (!prefix.is_empty()).then(|| Path::from(prefix));
        let found: Vec<_> = self.store.list(prefix.as_ref()).try_collect().await?;
        Ok(found.into_iter().map(|m| m.location.to_string()).collect())
    }

    /// Deletes the staging files of writes that never finished (a PATCH or
    /// an assembly killed half-way) last written before `cutoff`: on a
    /// local store, object_store writes `<key>#<n>` and renames it at the
    /// end, and its listing skips such names, so the orphan sweep never
    /// sees them. Judged by the file's own age. Answers how many went.
    /// (An S3 store keeps unfinished multipart uploads on its side; a
    /// lifecycle rule on the bucket aborts them, see README.)
    pub async fn sweep_staging(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, StorageError> {
        let Some(root) = self.local_root.clone() else {
            return self.abort_stale_multiparts(cutoff).await;
        };
        let cutoff = std::time::SystemTime::from(cutoff);
        tokio::task::spawn_blocking(move || {
            fn walk(dir: &std::path::Path, cutoff: std::time::SystemTime, gone: &mut usize) {
                let Ok(entries) = std::fs::read_dir(dir) else {
                    return;
                };
                for entry in entries.flatten() {
                    let path = entry.path();
                    let Ok(meta) = entry.metadata() else { continue };
                    if meta.is_dir() {
                        walk(&path, cutoff, gone);
                        continue;
                    }
                    let staging = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.contains('#'));
                    let old = meta.modified().is_ok_and(|at| at < cutoff);
                    if staging && old && std::fs::remove_file(&path).is_ok() {
                        *gone += 1;
                    }
                }
            }
            let mut gone = 0;
            walk(&root, cutoff, &mut gone);
            gone
        })
        .await
        .map_err(|e| StorageError(e.to_string()))
    }

    /// On S3: aborts the multipart uploads whose marker was written before
    /// `cutoff` (a process killed half-way never completed or aborted
    /// them, and S3 keeps their parts, and bills them, until someone does).
    async fn abort_stale_multiparts(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, StorageError> {
        let Some(multipart) = &self.multipart else {
            return Ok(0);
        };
        let mut gone = 0;
        for marker in self.keys_older_than(STAGING, cutoff).await? {
            let marker = Path::from(marker);
            let note = self.store.get(&marker).await?.bytes().await?;
            let note = String::from_utf8_lossy(&note);
            if let Some((key, id)) = note.split_once('\n') {
                match multipart
                    .abort_multipart(&Path::from(key), &id.to_owned())
                    .await
                {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, %key, "could not abort an unfinished upload");
                        continue;
                    }
                }
            }
            self.delete(marker.as_ref()).await?;
            gone += 1;
        }
        Ok(gone)
    }

    /// The size of `key`, if it exists.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, StorageError> {
        match self.store.head(&Path::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// Bytes read from a local file per blocking task.
const READ_CHUNK: u64 = 1 << 20;

/// `range` of `file`, read [`READ_CHUNK`] at a time on the blocking pool.
fn file_chunks(file: std::fs::File, range: Range<u64>) -> ByteStream {
    use std::io::{Read, Seek, SeekFrom};
    let state = (file, range.start, range.end, false);
    futures_util::stream::try_unfold(state, |(mut file, at, end, seeked)| async move {
        if at >= end {
            return Ok(None);
        }
        let read = tokio::task::spawn_blocking(move || {
            if !seeked {
                file.seek(SeekFrom::Start(at))?;
            }
            let want = (end - at).min(READ_CHUNK);
            let mut buffer = Vec::with_capacity(want as usize);
            (&mut file).take(want).read_to_end(&mut buffer)?;
            Ok::<_, std::io::Error>((file, buffer))
        })
        .await
        .map_err(|e| StorageError(e.to_string()))?;
        let (file, buffer) = read.map_err(|e| StorageError(e.to_string()))?;
        if buffer.is_empty() {
            return Err(StorageError("the file ended before its length".into()));
        }
        let next = at + buffer.len() as u64;
        Ok(Some((Bytes::from(buffer), (file, next, end, true))))
    })
    .boxed()
}

/// An S3 multipart upload that removes its marker once it completes or is
/// aborted (object_store's own hides the upload's id).
struct Tracked {
    multipart: Arc<dyn MultipartStore>,
    store: Arc<dyn ObjectStore>,
    path: Path,
    id: object_store::MultipartId,
    marker: Path,
    parts: Arc<std::sync::Mutex<Vec<Option<object_store::multipart::PartId>>>>,
    next: usize,
}

impl std::fmt::Debug for Tracked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tracked({}, {})", self.path, self.id)
    }
}

impl MultipartUpload for Tracked {
    fn put_part(&mut self, data: object_store::PutPayload) -> object_store::UploadPart {
        let index = self.next;
        self.next += 1;
        let (multipart, path, id, parts) = (
            self.multipart.clone(),
            self.path.clone(),
            self.id.clone(),
            self.parts.clone(),
        );
        Box::pin(async move {
            let part = multipart.put_part(&path, &id, index, data).await?;
            let mut parts = parts.lock().unwrap_or_else(|p| p.into_inner());
            if parts.len() <= index {
                parts.resize(index + 1, None);
            }
            parts[index] = Some(part);
            Ok(())
        })
    }

    fn complete<'a, 'b>(
        &'a mut self,
    ) -> futures_util::future::BoxFuture<'b, object_store::Result<object_store::PutResult>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(async move {
            let parts = self
                .parts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .cloned()
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| object_store::Error::Generic {
                    store: "griot",
                    source: "a part of the upload is missing".into(),
                })?;
            let done = self
                .multipart
                .complete_multipart(&self.path, &self.id, parts)
                .await?;
            let _ = self.store.delete(&self.marker).await;
            Ok(done)
        })
    }

    fn abort<'a, 'b>(&'a mut self) -> futures_util::future::BoxFuture<'b, object_store::Result<()>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(async move {
            self.multipart.abort_multipart(&self.path, &self.id).await?;
            let _ = self.store.delete(&self.marker).await;
            Ok(())
        })
    }
}

/// An object being written.
pub struct Upload {
    inner: WriteMultipart,
    /// On a local store, the file the object becomes.
    local_file: Option<std::path::PathBuf>,
}

impl Upload {
    /// Appends `chunk`, waiting while [`PARTS_IN_FLIGHT`] parts are being
    /// sent (so a fast client cannot pile parts up in memory).
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), StorageError> {
        self.inner.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        self.inner.write(chunk);
        Ok(())
    }

    /// Makes the object visible under its key.
    /// On a local store the file is flushed to disk first (`fsync`), as
    /// an S3 store has it durable when it answers: the row that follows
    /// never names bytes a power cut could take.
    pub async fn finish(self) -> Result<(), StorageError> {
        self.inner.finish().await?;
        if let Some(path) = self.local_file {
            tokio::task::spawn_blocking(move || std::fs::File::open(path)?.sync_all())
                .await
                .map_err(|e| StorageError(e.to_string()))?
                .map_err(|e| StorageError(format!("cannot flush a stored file: {e}")))?;
        }
        Ok(())
    }

    /// Drops what was written; nothing is left under the key.
    pub async fn abort(self) {
        if let Err(e) = self.inner.abort().await {
            tracing::warn!(error = %e, "could not abort an upload; housekeeping will sweep it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_rt::test]
    async fn writes_reads_ranges_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::local(dir.path()).unwrap();
        let mut up = storage.begin("materials/a").await.unwrap();
        up.write(b"hello ").await.unwrap();
        up.write(b"world").await.unwrap();
        assert_eq!(storage.size("materials/a").await.unwrap(), None);
        up.finish().await.unwrap();
        assert_eq!(storage.size("materials/a").await.unwrap(), Some(11));
        let read = |range| {
            let storage = storage.clone();
            async move {
                let chunks: Vec<Bytes> = storage
                    .read("materials/a", range)
                    .await
                    .unwrap()
                    .try_collect()
                    .await
                    .unwrap();
                chunks.concat()
            }
        };
        assert_eq!(read(None).await, b"hello world");
        assert_eq!(read(Some(6..11)).await, b"world");
        storage.delete("materials/a").await.unwrap();
        storage.delete("materials/a").await.unwrap();
        assert_eq!(storage.size("materials/a").await.unwrap(), None);

        let mut aborted = storage.begin("materials/b").await.unwrap();
        aborted.write(b"partial").await.unwrap();
        aborted.abort().await;
        assert_eq!(storage.size("materials/b").await.unwrap(), None);
        let left: Vec<_> = walk(dir.path());
        assert!(left.is_empty(), "nothing left behind: {left:?}");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
        files
    }
}
