//! Typed settings read once from the environment (and an optional `.env`),
//! then passed down; nothing reads the environment later. A bad value stops
//! start-up with one line naming the variable.

use std::fmt;
use std::path::{Path, PathBuf};

/// A secret that never shows up in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind_addr: String,
    pub data_dir: PathBuf,
    pub jwt_secret: Secret,
    pub access_token_ttl_seconds: i64,
    pub refresh_token_ttl_days: i64,
    pub db_pool_size: u32,
    pub workers: usize,
    pub log_format: LogFormat,
    pub cors_allowed_origins: Vec<String>,
    pub json_body_limit_bytes: usize,
    /// How long a client may take to send a request body.
    pub body_read_timeout_seconds: u64,
    /// The slowest average a large body may keep after that (see
    /// [`crate::http::deadline`]).
    pub body_min_bytes_per_second: u64,
    pub shutdown_timeout_seconds: u64,
    pub password_hash_concurrency: usize,
    /// Seconds between self check-in codes.
    pub check_in_rotate_seconds: i32,
    /// Wrong codes a learner may try per check-in window.
    pub check_in_max_failures: i32,
    /// How long after a check-in window closes an offline check-in may
    /// still be replayed.
    pub check_in_replay_hours: i64,
    /// Days the sync change log is kept; an older token is answered 410.
    pub sync_log_days: i64,
    /// How long an invitation to set a password stays valid (`INVITATION_DAYS`).
    pub invitation_days: i64,
    /// Largest CSV a member import takes, in bytes (`IMPORT_MAX_BYTES`).
    pub import_max_bytes: usize,
    /// Most learners one member import takes (`IMPORT_MAX_ROWS`).
    pub import_max_rows: usize,
    /// What a late arrival counts for in the attendance rate (present = 1).
    pub attendance_late_weight: f64,
    /// Memory for cached rosters and session lists, per process (0: off).
    pub response_cache_mb: usize,
    /// Sign-in throttling (see `auth::throttle`).
    pub throttle: Throttle,
    /// Seconds between housekeeping runs of each process (0: none).
    pub housekeeping_interval_seconds: u64,
    /// Take the client's address from `X-Forwarded-For` (behind a proxy
    /// that sets it) rather than from the connection.
    pub trust_forwarded_for: bool,
    /// Where uploaded files live (see `storage`): `None` is the folder
    /// `files` under `data_dir`.
    pub storage_url: Option<String>,
    /// How to reach an S3-compatible store (`STORAGE_URL=s3://bucket`),
    /// from the usual `AWS_*` variables.
    pub s3: S3Settings,
    /// Largest recording a trainer may upload, in bytes.
    pub max_recording_bytes: u64,
    /// Largest slides or document, in bytes.
    pub max_document_bytes: u64,
    /// The address the public reaches this server at (`PUBLIC_BASE_URL`,
    /// no trailing slash), for links printed on paper such as a
    /// certificate's QR code; `None`: the address the server listens on.
    pub public_base_url: Option<String>,
}

/// An S3-compatible store: AWS itself, or MinIO, Garage, Ceph… at
/// `endpoint` (path-style requests).
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// `AWS_ENDPOINT_URL`; none for AWS.
    pub endpoint: Option<String>,
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`), default `us-east-1`.
    pub region: String,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: Option<String>,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<Secret>,
    /// `AWS_ALLOW_HTTP=true` for a plain-http endpoint (tests, a private
    /// network).
    pub allow_http: bool,
}

/// Limits on sign-in and registration attempts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    /// Failed sign-ins an account may have before each further attempt must
    /// wait a back-off that doubles (1 s, 2 s, 4 s …).
    pub account_free_failures: i32,
    /// The longest back-off, in seconds.
    pub account_max_backoff_seconds: i64,
    /// Failed sign-ins one client address may make per window.
    pub client_max_failures: i32,
    /// Registrations one client address may make per window (accounts, and
    /// invitations redeemed or looked at, each counted apart).
    pub client_max_registrations: i32,
    /// Anonymous (guest) event registrations one client address may make
    /// per window. Generous: a mobile operator puts many phones behind one
    /// address.
    pub client_max_guest_registrations: i32,
    /// The window of the client limits, in seconds.
    pub client_window_seconds: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Reads the process environment, after loading `.env` if present.
    pub fn from_env() -> Result<Settings, ConfigError> {
        let _ = dotenvy::dotenv();
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    /// Without `JWT_SECRET`, uses the secret stored under `DATA_DIR`,
    /// generating it on first start (logged, so call after tracing is up).
    pub fn ensure_jwt_secret(&mut self) -> Result<(), ConfigError> {
        if self.jwt_secret.expose().is_empty() {
            self.jwt_secret = generated_secret(&self.data_dir)?;
        }
        Ok(())
    }

    /// Parses settings from any key → value lookup. An empty `jwt_secret`
    /// means "not configured".
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("griot.db").display()));
        let jwt_secret = match get("JWT_SECRET") {
            Some(s) if s.len() < MIN_SECRET_BYTES => {
                return Err(ConfigError(format!(
                    "JWT_SECRET is {} bytes long; it must be at least {MIN_SECRET_BYTES} bytes \
                     (e.g. `openssl rand -base64 48`)",
                    s.len()
                )))
            }
            Some(s) => Secret::new(s),
            None => Secret::new(""),
        };
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError(format!(
                    "LOG_FORMAT must be `text` or `json`, not `{other}`"
                )))
            }
        };
        let cors_allowed_origins = get("CORS_ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Ok(Settings {
            database_url,
            bind_addr: get("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into()),
            storage_url: get("STORAGE_URL").filter(|v| !v.trim().is_empty()),
            s3: S3Settings {
                endpoint: get("AWS_ENDPOINT_URL").filter(|v| !v.is_empty()),
                region: get("AWS_REGION")
                    .or_else(|| get("AWS_DEFAULT_REGION"))
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| "us-east-1".into()),
                access_key_id: get("AWS_ACCESS_KEY_ID").filter(|v| !v.is_empty()),
                secret_access_key: get("AWS_SECRET_ACCESS_KEY")
                    .filter(|v| !v.is_empty())
                    .map(Secret::new),
                allow_http: flag(&get, "AWS_ALLOW_HTTP")?,
            },
            max_recording_bytes: number(&get, "MAX_RECORDING_BYTES", 2 << 30, 1 << 20, 1 << 40)?,
            max_document_bytes: number(&get, "MAX_DOCUMENT_BYTES", 100 << 20, 1 << 10, 1 << 40)?,
            data_dir,
            jwt_secret,
            access_token_ttl_seconds: number(&get, "ACCESS_TOKEN_TTL_SECONDS", 900, 30, 86_400)?,
            refresh_token_ttl_days: number(&get, "REFRESH_TOKEN_TTL_DAYS", 30, 1, 365)?,
            db_pool_size: number(&get, "DB_POOL_SIZE", 8, 1, 500)?,
            workers: number(&get, "WORKERS", cpus, 1, 256)?,
            log_format,
            cors_allowed_origins,
            json_body_limit_bytes: number(
                &get,
                "JSON_BODY_LIMIT_BYTES",
                262_144,
                1_024,
                67_108_864,
            )?,
            body_read_timeout_seconds: number(&get, "BODY_READ_TIMEOUT_SECONDS", 60, 1, 3_600)?,
            body_min_bytes_per_second: number(
                &get,
                "BODY_MIN_BYTES_PER_SECOND",
                1_024,
                1,
                1 << 30,
            )?,
            shutdown_timeout_seconds: number(&get, "SHUTDOWN_TIMEOUT_SECONDS", 30, 0, 3_600)?,
            password_hash_concurrency: number(&get, "PASSWORD_HASH_CONCURRENCY", cpus, 1, 64)?,
            check_in_rotate_seconds: number(&get, "CHECK_IN_ROTATE_SECONDS", 20, 10, 60)?,
            check_in_max_failures: number(&get, "CHECK_IN_MAX_FAILURES", 5, 1, 50)?,
            check_in_replay_hours: number(&get, "CHECK_IN_REPLAY_HOURS", 72, 0, 720)?,
            sync_log_days: number(&get, "SYNC_LOG_DAYS", 30, 1, 3650)?,
            invitation_days: number(&get, "INVITATION_DAYS", 14, 1, 90)?,
            import_max_bytes: number(&get, "IMPORT_MAX_BYTES", 1 << 20, 1024, 64 << 20)?,
            import_max_rows: number(&get, "IMPORT_MAX_ROWS", 2000, 1, 100_000)?,
            attendance_late_weight: number(&get, "ATTENDANCE_LATE_WEIGHT", 0.8, 0.0, 1.0)?,
            response_cache_mb: number(&get, "RESPONSE_CACHE_MB", 32, 0, 4_096)?,
            throttle: Throttle {
                account_free_failures: number(&get, "LOGIN_FREE_FAILURES", 5, 1, 100)?,
                account_max_backoff_seconds: number(
                    &get,
                    "LOGIN_MAX_BACKOFF_SECONDS",
                    900,
                    1,
                    86_400,
                )?,
                client_max_failures: number(&get, "CLIENT_MAX_LOGIN_FAILURES", 100, 1, 1_000_000)?,
                client_max_registrations: number(
                    &get,
                    "CLIENT_MAX_REGISTRATIONS",
                    50,
                    1,
                    1_000_000,
                )?,
                client_max_guest_registrations: number(
                    &get,
                    "GUEST_REGISTRATIONS_PER_CLIENT",
                    100,
                    1,
                    1_000_000,
                )?,
                client_window_seconds: number(&get, "CLIENT_WINDOW_SECONDS", 600, 1, 86_400)?,
            },
            housekeeping_interval_seconds: number(
                &get,
                "HOUSEKEEPING_INTERVAL_SECONDS",
                3_600,
                0,
                604_800,
            )?,
            trust_forwarded_for: flag(&get, "TRUST_FORWARDED_FOR")?,
            public_base_url: match get("PUBLIC_BASE_URL") {
                None => None,
                Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                    Some(url.trim().trim_end_matches('/').to_owned())
                }
                Some(other) => {
                    return Err(ConfigError(format!(
                        "PUBLIC_BASE_URL must start with https:// or http://, not `{other}`"
                    )))
                }
            },
        })
    }
}

fn flag(get: &impl Fn(&str) -> Option<String>, key: &str) -> Result<bool, ConfigError> {
    match get(key).as_deref().map(str::trim) {
        None | Some("" | "0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(other) => Err(ConfigError(format!(
            "{key} must be `true` or `false`, not `{other}`"
        ))),
    }
}

fn number<T>(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
    min: T,
    max: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    let Some(raw) = get(key) else {
        return Ok(default);
    };
    match raw.trim().parse::<T>() {
        Ok(v) if v >= min && v <= max => Ok(v),
        _ => Err(ConfigError(format!(
            "{key} must be a number from {min} to {max}, not `{raw}`"
        ))),
    }
}

/// With no `JWT_SECRET`, reuse the one stored under the data folder or make
/// one (owner-only permissions) so tokens survive restarts.
fn generated_secret(data_dir: &Path) -> Result<Secret, ConfigError> {
    use base64::Engine;
    let path = data_dir.join("jwt_secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= MIN_SECRET_BYTES {
            return Ok(Secret::new(existing));
        }
    }
    std::fs::create_dir_all(data_dir).map_err(|e| {
        ConfigError(format!(
            "cannot create DATA_DIR {}: {e}",
            data_dir.display()
        ))
    })?;
    let bytes: [u8; 48] = rand::random();
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    write_owner_only(&path, &secret)
        .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
    tracing::warn!(
        path = %path.display(),
        "JWT_SECRET is not set: generated a random secret and stored it; \
         set JWT_SECRET (the same on every process) in production"
    );
    Ok(Secret::new(secret))
}

fn write_owner_only(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database_url, "sqlite://./data/griot.db");
        assert_eq!(s.bind_addr, "127.0.0.1:8080");
        assert_eq!(s.access_token_ttl_seconds, 900);
        assert!(s.cors_allowed_origins.is_empty());
    }

    #[test]
    fn short_jwt_secret_is_refused() {
        let err = settings(&[("JWT_SECRET", "too-short")]).unwrap_err();
        assert!(err.0.contains("JWT_SECRET"), "{err}");
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        let err = settings(&[("DB_POOL_SIZE", "lots")]).unwrap_err();
        assert!(err.0.starts_with("DB_POOL_SIZE"), "{err}");
        let err = settings(&[("ACCESS_TOKEN_TTL_SECONDS", "5")]).unwrap_err();
        assert!(err.0.starts_with("ACCESS_TOKEN_TTL_SECONDS"), "{err}");
    }

    #[test]
    fn generated_secret_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = generated_secret(dir.path()).unwrap();
        let second = generated_secret(dir.path()).unwrap();
        assert_eq!(first.expose(), second.expose());
        assert!(first.expose().len() >= MIN_SECRET_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("jwt_secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let s = settings(&[("JWT_SECRET", "x".repeat(40).as_str())]).unwrap();
        assert!(!format!("{s:?}").contains("xxxx"));
    }
}
