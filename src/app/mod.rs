//! Layer 2: builds the application (pool, migrations, state, middleware
//! and the one route table in [`routes`]). The binary and the tests start
//! the very same server. Nothing below this module imports it.

pub mod backup;
pub mod cli;
pub mod health;
pub mod housekeeping;
pub mod idempotency;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod seed;
pub mod validators;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpResponse, HttpServer};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::cache::ResponseCache;
use crate::clock::Clock;
use crate::config::Settings;
use crate::crypto::jwt::JwtKeys;
use crate::crypto::password::Passwords;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::state::AppState;
use crate::storage::Storage;
use crate::{attendance, http};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
}

impl Application {
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        let pool = connect_and_migrate(&settings)?;
        let passwords = Passwords::new(settings.password_hash_concurrency)
            .map_err(|e| StartupError(e.to_string()))?;
        let listener = TcpListener::bind(&settings.bind_addr)
            .map_err(|e| StartupError(format!("cannot listen on {}: {e}", settings.bind_addr)))?;
        let bound = listener
            .local_addr()
            .map_err(|e| StartupError(e.to_string()))?;
        let port = bound.port();
        let mut settings = settings;
        if settings.public_base_url.is_none() {
            settings.public_base_url = Some(format!("http://{bound}"));
        }
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            clock,
            jwt: JwtKeys::new(&settings.jwt_secret, settings.access_token_ttl_seconds),
            passwords,
            check_in_key: attendance::codes::server_key(&settings.jwt_secret),
            cache: Arc::new(ResponseCache::new(settings.response_cache_mb << 20)),
            storage: Storage::open(&settings).map_err(StartupError)?,
            settings: Arc::new(settings.clone()),
        });
        if settings.housekeeping_interval_seconds > 0 {
            housekeeping::spawn_timer(
                pool.clone(),
                state.storage.clone(),
                state.settings.clone(),
                state.clock.clone(),
                Duration::from_secs(settings.housekeeping_interval_seconds),
            );
        }
        let spec = openapi::ApiDoc::openapi();
        let server = HttpServer::new(move || {
            let settings = &state.settings;
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(settings.json_body_limit_bytes))
                .app_data(http::query_config())
                .app_data(http::path_config())
                .wrap(from_fn(validators::validators))
                .wrap(from_fn(idempotency::idempotency))
                .wrap(cors(&settings.cors_allowed_origins))
                .wrap(from_fn(middleware::observe))
                .wrap(Compress::default())
                .configure(routes::table)
                .service(web::resource("/docs").route(web::get().to(docs_redirect)))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", spec.clone()))
                .default_service(web::to(not_found))
        })
        .workers(settings.workers)
        .worker_max_blocking_threads(blocking_threads_per_worker(
            settings.db_pool_size,
            settings.workers,
        ))
        .shutdown_timeout(settings.shutdown_timeout_seconds)
        // Small answers go out at once: with Nagle's algorithm on, the
        // tail of a compressed answer waited for the client's delayed ACK
        // (about 40 ms per request on a kept-alive connection).
        .tcp_nodelay(true)
        .listen(listener)
        .map_err(|e| StartupError(format!("cannot start the server: {e}")))?
        .run();
        tracing::info!(port, "listening");
        Ok(Self { port, server, pool })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> DbPool {
        self.pool.clone()
    }

    /// Runs until SIGINT/SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Opens the pool and applies pending migrations.
pub fn connect_and_migrate(settings: &Settings) -> Result<DbPool, StartupError> {
    let pool =
        db::build_pool(&settings.database_url, settings.db_pool_size).map_err(StartupError)?;
    let mut conn = pool
        .get_timeout(Duration::from_secs(10))
        .map_err(|e| StartupError(format!("cannot connect to the database: {e}")))?;
    let applied = db::run_migrations(&mut conn).map_err(StartupError)?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(pool)
}

/// What a tus client sends besides `Authorization` and `Content-Type`.
const TUS_REQUEST_HEADERS: [&str; 6] = [
    "Tus-Resumable",
    "Upload-Length",
    "Upload-Metadata",
    "Upload-Offset",
    "Upload-Concat",
    "Upload-Defer-Length",
];

/// What a tus client (and a ranged download) must read in an answer.
const TUS_RESPONSE_HEADERS: [&str; 10] = [
    "Location",
    "Upload-Offset",
    "Upload-Length",
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Upload-Expires",
    "Material-Id",
    "Content-Range",
];

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_NONE_MATCH,
            header::RANGE,
            middleware::REQUEST_ID,
            idempotency::IDEMPOTENCY_KEY,
        ])
        // tus from a browser app on another origin (tus-js-client, Uppy).
        .allowed_headers(TUS_REQUEST_HEADERS)
        .expose_headers([
            middleware::REQUEST_ID,
            header::ETAG,
            header::CONTENT_DISPOSITION,
            header::RETRY_AFTER,
            idempotency::REPLAYED,
        ])
        .expose_headers(TUS_RESPONSE_HEADERS)
        .max_age(3600)
        // Leave the verdict to the browser; same-origin tools (e.g. /docs)
        // send an Origin header too.
        .block_on_origin_mismatch(false);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Database calls run on each worker's blocking pool ([`db::run`]). More
/// threads than pooled connections only adds threads parked on the pool's
/// mutex, and context switches: under load, a worker gets its share of the
/// connections and queues the rest as tasks. (actix's default is
/// 512 / workers threads.)
fn blocking_threads_per_worker(db_pool_size: u32, workers: usize) -> usize {
    let pool = usize::try_from(db_pool_size).unwrap_or(usize::MAX);
    pool.div_ceil(workers.max(1)).max(2)
}

#[cfg(test)]
mod tests {
    use super::blocking_threads_per_worker;

    #[test]
    fn blocking_threads_share_the_pool_between_workers() {
        assert_eq!(blocking_threads_per_worker(8, 2), 4);
        assert_eq!(blocking_threads_per_worker(9, 2), 5);
        assert_eq!(blocking_threads_per_worker(2, 4), 2);
        assert_eq!(blocking_threads_per_worker(1, 0), 2);
    }
}

/// Every area's closed sets of words, in one place that sees them all.
#[cfg(test)]
mod words {
    use crate::attendance::{AttendanceMethod, AttendanceStatus};
    use crate::cohorts::{CohortStatus, MemberRole, MemberStatus};
    use crate::sessions::{SessionKind, SessionStatus};
    use crate::users::{Language, ProfileType};

    fn same_words<T: serde::Serialize + std::fmt::Display>(all: &[T]) {
        for v in all {
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                v.to_string(),
                "serde and SQL words differ"
            );
        }
    }

    #[test]
    fn serde_and_database_words_agree() {
        same_words(AttendanceMethod::ALL);
        same_words(AttendanceStatus::ALL);
        same_words(CohortStatus::ALL);
        same_words(MemberRole::ALL);
        same_words(MemberStatus::ALL);
        same_words(SessionKind::ALL);
        same_words(SessionStatus::ALL);
        same_words(Language::ALL);
        same_words(ProfileType::ALL);
    }
}
