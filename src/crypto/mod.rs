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

/// A new opaque token: 32 random bytes, base64url without padding
/// (43 characters).
pub fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
