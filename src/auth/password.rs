//! argon2id with the crate's default (OWASP) parameters: m = 19 MiB, t = 2,
//! p = 1. Each hash costs tens of milliseconds of CPU and 19 MiB, so hashing
//! runs on the blocking pool behind a semaphore sized to the cores.

use std::sync::Arc;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use tokio::sync::Semaphore;

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

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so a login takes
    /// the same time either way.
    dummy_hash: Arc<String>,
}

impl Passwords {
    pub fn new(concurrency: usize) -> Result<Self, AppError> {
        let dummy = hash_blocking(&uuid::Uuid::new_v4().to_string())?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: Arc::new(dummy),
        })
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let _permit = self.permit().await?;
        actix_web::web::block(move || hash_blocking(&password))
            .await
            .map_err(|e| AppError::Internal(format!("blocking hash: {e}")))?
    }

    /// Verifies `password` against `hash`, or against a dummy hash when the
    /// account is unknown (then always false).
    pub async fn verify(&self, hash: Option<String>, password: String) -> Result<bool, AppError> {
        let _permit = self.permit().await?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let ok = actix_web::web::block(move || verify_blocking(&hash, &password))
            .await
            .map_err(|e| AppError::Internal(format!("blocking verify: {e}")))?;
        Ok(known && ok)
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AppError> {
        self.permits
            .acquire()
            .await
            .map_err(|_| AppError::Internal("password semaphore closed".into()))
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
