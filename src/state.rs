//! [`AppState`]: what every handler shares, built once by
//! `app::Application::build`. Layer 0: it names no area.

use std::sync::Arc;

use crate::cache::ResponseCache;
use crate::clock::Clock;
use crate::config::Settings;
use crate::crypto::jwt::JwtKeys;
use crate::crypto::password::Passwords;
use crate::db::DbPool;
use crate::storage::Storage;

/// Shared by every request handler.
pub struct AppState {
    pub pool: DbPool,
    pub clock: Arc<dyn Clock>,
    pub jwt: JwtKeys,
    pub passwords: Passwords,
    pub settings: Arc<Settings>,
    /// Key from which check-in codes derive (see `attendance::codes`).
    pub check_in_key: [u8; 32],
    /// Rosters and session lists already made (see `cache`).
    pub cache: Arc<ResponseCache>,
    /// Uploaded files (see `storage`).
    pub storage: Storage,
}
