//! Secrets and their checks, shared by several areas: access tokens
//! ([`jwt`]), password hashes ([`password`]) and the digests under which
//! opaque tokens (refresh, calendar feed) are stored.

pub mod jwt;
pub mod password;

use sha2::{Digest, Sha256};

/// How an opaque token is stored: its SHA-256, in hex. The clear text is
/// shown once and never kept.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
