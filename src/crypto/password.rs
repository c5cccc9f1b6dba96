//! argon2id with the crate's default (OWASP) parameters: m = 19 MiB, t = 2,
//! p = 1. Each hash costs tens of milliseconds of CPU and 19 MiB, so at most
//! `PASSWORD_HASH_CONCURRENCY` run at once, on their own threads.

use std::sync::{Arc, Mutex};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};

use crate::error::AppError;

pub const MIN_PASSWORD_CHARS: u64 = 10;
pub const MAX_PASSWORD_CHARS: u64 = 256;

pub fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2 hash: {e}")))
}

fn verify_blocking(hash: &str, password: &str) -> bool {
    // An account created by an import has no password until its
    // invitation is redeemed: nothing matches.
    if hash.is_empty() {
        return false;
    }
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored password hash is unreadable");
            false
        }
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Hashing runs on a few dedicated threads, not on actix's blocking pool:
/// each argon2 call allocates 19 MiB, and glibc keeps freed memory per
/// thread, so hashing on hundreds of pool threads grew the process to
/// gigabytes under a login flood (measured: 3.9 GB peak RSS). A bounded
/// queue in front sheds load with 503 instead of queueing forever.
#[derive(Clone)]
pub struct Passwords {
    jobs: std::sync::mpsc::SyncSender<Job>,
    /// Verified against when the account does not exist, so a login takes
    /// the same time either way.
    dummy_hash: Arc<String>,
}

/// Hashes waiting beyond this many are refused (503) rather than queued.
const QUEUE: usize = 256;

impl Passwords {
    pub fn new(concurrency: usize) -> Result<Self, AppError> {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..concurrency.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    let job = match queue.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return, // every sender is gone: shut down
                    }
                })
                .map_err(|e| AppError::Internal(format!("cannot start hashing thread: {e}")))?;
        }
        let dummy = hash_blocking(&uuid::Uuid::new_v4().to_string())?;
        Ok(Self {
            jobs,
            dummy_hash: Arc::new(dummy),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            let _entered = span.enter();
            let _ = done.send(f());
        });
        self.jobs.try_send(job).map_err(|e| match e {
            std::sync::mpsc::TrySendError::Full(_) => {
                tracing::warn!("password hashing queue full: shedding load");
                AppError::Unavailable
            }
            std::sync::mpsc::TrySendError::Disconnected(_) => {
                AppError::Internal("hashing threads are gone".into())
            }
        })?;
        result
            .await
            .map_err(|_| AppError::Internal("hashing job dropped".into()))
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// Verifies `password` against `hash`, or against a dummy hash when the
    /// account is unknown (then always false).
    pub async fn verify(&self, hash: Option<String>, password: String) -> Result<bool, AppError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let ok = self.run(move || verify_blocking(&hash, &password)).await?;
        Ok(known && ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_blocking("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_blocking(&h, "correct horse battery"));
        assert!(!verify_blocking(&h, "wrong horse battery"));
        assert!(!verify_blocking("not a hash", "x"));
    }
}
