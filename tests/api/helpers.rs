//! Test harness: every test starts the real server on port 0 with its own
//! fresh database (a temporary SQLite file, or a new PostgreSQL database
//! when `TEST_DATABASE_URL` points at a server) and a manual clock.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use awc::http::Method;
use chrono::{TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use griot::app::Application;
use griot::clock::{Clock, ManualClock};
use griot::config::{Secret, Settings};
use griot::crypto::jwt::JwtKeys;
use griot::db::{DbConnection, DbPool};
use griot::users::{Language, NewUser, ProfileType, UserId};
use serde_json::Value;

pub const TEST_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";
pub const PASSWORD: &str = "correct horse battery staple";
pub const ALLOWED_ORIGIN: &str = "https://app.example.org";

pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another server's database: its owner drops it.
    Borrowed,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ =
                    conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    /// The settings the server runs with.
    pub settings: Settings,
    pub clock: Arc<ManualClock>,
    pub pool: DbPool,
    pub client: awc::Client,
    jwt: JwtKeys,
    _db: TestDb,
    _data_dir: tempfile::TempDir,
}

/// A signed-in user as a client holds it.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

pub struct TestResponse {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts a problem+json error with this status and code; returns it.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "body: {}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["code"], code, "body: {body}");
        assert_eq!(body["status"], status);
        assert!(body["title"].is_string() && body["detail"].is_string());
        body
    }
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            griot::telemetry::init(griot::config::LogFormat::Text);
        }
    });
}

/// The instant every test's clock starts at: a Monday, 08:00 UTC.
pub fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (database_url, db) = fresh_database();
    spawn_app_on(database_url, db, configure).await
}

async fn spawn_app_on(
    database_url: String,
    db: TestDb,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    init_logs();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database_url),
        ("BIND_ADDR", "127.0.0.1:0".into()),
        ("DATA_DIR", data_dir.path().display().to_string()),
        ("JWT_SECRET", TEST_SECRET.into()),
        ("DB_POOL_SIZE", "4".into()),
        ("WORKERS", "1".into()),
        ("SHUTDOWN_TIMEOUT_SECONDS", "0".into()),
        ("PASSWORD_HASH_CONCURRENCY", "2".into()),
        ("CORS_ALLOWED_ORIGINS", ALLOWED_ORIGIN.into()),
    ]);
    let mut settings =
        Settings::from_lookup(|k| env.get(k).cloned()).expect("test settings are valid");
    configure(&mut settings);
    let database_url = settings.database_url.clone();
    let settings_copy = settings.clone();
    let clock = Arc::new(ManualClock::new(start_time()));
    let jwt = JwtKeys::new(&Secret::new(TEST_SECRET), settings.access_token_ttl_seconds);
    let app = Application::build(settings, clock.clone())
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool();
    actix_rt::spawn(app.run_until_stopped());
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .disable_redirects()
        .finish();
    TestApp {
        address,
        database_url,
        settings: settings_copy,
        clock,
        pool,
        client,
        jwt,
        _db: db,
        _data_dir: data_dir,
    }
}

fn fresh_database() -> (String, TestDb) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("griot_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is unreachable: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create test database");
            let base = admin_url
                .rsplit_once('/')
                .map(|(base, _)| base)
                .expect("TEST_DATABASE_URL has a database path");
            (
                format!("{base}/{name}"),
                TestDb::Postgres { admin_url, name },
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("griot.db").display());
            (url, TestDb::Sqlite(dir))
        }
    }
}

/// One argon2 hash of [`PASSWORD`] for users created directly in the database.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| griot::crypto::password::hash_blocking(PASSWORD).expect("hash"))
}

pub fn is_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

/// The answer to a request as a test reads it, checked against the OpenAPI
/// document (see `conformance`).
async fn received<S>(
    method_name: &str,
    path: &str,
    sent: Result<awc::ClientResponse<S>, awc::error::SendRequestError>,
) -> TestResponse
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
{
    let mut res = sent.unwrap_or_else(|e| panic!("request to {path} failed: {e}"));
    // A HEAD answer has no body, whatever its headers announce.
    let bytes = if method_name == "HEAD" {
        Default::default()
    } else {
        res.body().limit(64 * 1024 * 1024).await.expect("body")
    };
    let response = TestResponse {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: bytes.to_vec(),
    };
    crate::conformance::check(
        method_name,
        path,
        response.status,
        response.header("content-type").as_deref(),
        &response.body,
    );
    response
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let method_name = method.to_string();
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let sent = match body {
            Some(b) => req.send_json(b).await,
            None => req.send().await,
        };
        received(&method_name, path, sent).await
    }

    /// Sends `body` as it is, with `content_type`; `chunked` sends it as a
    /// stream of 64 KiB chunks without a `Content-Length`.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
        chunked: bool,
    ) -> TestResponse {
        let method_name = method.to_string();
        let mut req = self
            .client
            .request(method, self.url(path))
            .insert_header(("Content-Type", content_type));
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let sent = if chunked {
            let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = body
                .chunks(64 << 10)
                .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
                .collect();
            req.send_stream(futures_util::stream::iter(chunks)).await
        } else {
            req.send_body(body).await
        };
        received(&method_name, path, sent).await
    }

    /// Any request: these headers, and `body` sent as it is.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> TestResponse {
        let method_name = method.to_string();
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let sent = match body {
            Some(body) => req.send_body(body).await,
            None => req.send().await,
        };
        received(&method_name, path, sent).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::GET, path, token, None, &[]).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
        self.request(Method::POST, path, token, Some(body), &[])
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
        self.request(Method::PATCH, path, token, Some(body), &[])
            .await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
        self.request(Method::PUT, path, token, Some(body), &[])
            .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::DELETE, path, token, None, &[]).await
    }

    /// Registers through the API, as a client would.
    pub async fn register(&self, email: &str) -> Session {
        let res = self
            .post(
                "/api/v1/auth/register",
                None,
                &serde_json::json!({
                    "email": email,
                    "password": PASSWORD,
                    "full_name": "Awa Traoré",
                    "country_code": "CI",
                    "profile_type": "professional",
                }),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        session_from(&res.json())
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Runs a closure on a database connection (for arranging state).
    /// A second server process on the same database, with the same
    /// settings (a scale-out of two); it must outlive none of `self`.
    /// A server on another database, e.g. a restored backup.
    pub async fn on_database(&self, database_url: String) -> TestApp {
        let settings = self.settings.clone();
        spawn_app_on(database_url.clone(), TestDb::Borrowed, move |s| {
            *s = Settings {
                bind_addr: "127.0.0.1:0".into(),
                database_url,
                ..settings
            };
        })
        .await
    }

    pub async fn sibling(&self) -> TestApp {
        self.sibling_with(|_| {}).await
    }

    /// The same, with some settings changed.
    pub async fn sibling_with(&self, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let settings = self.settings.clone();
        spawn_app_on(self.database_url.clone(), TestDb::Borrowed, move |s| {
            *s = Settings {
                bind_addr: "127.0.0.1:0".into(),
                ..settings
            };
            configure(s);
        })
        .await
    }

    pub fn db<T>(&self, f: impl FnOnce(&mut DbConnection) -> T) -> T {
        let mut conn = self.pool.get().expect("connection");
        f(&mut conn)
    }

    /// Creates a user straight in the database and mints an access token for
    /// them: fast arrangement for tests about something else than sign-in.
    pub fn user(&self, spec: UserSpec<'_>) -> Session {
        let now = self.clock.now_naive();
        let id = UserId::new();
        let email = spec
            .email
            .map(str::to_owned)
            .unwrap_or_else(|| format!("user-{}@example.org", id.0.simple()));
        self.db(|conn| {
            griot::users::insert(
                conn,
                &NewUser {
                    id,
                    email: &email,
                    password_hash: password_hash(),
                    full_name: spec.full_name.unwrap_or("Kofi Mensah"),
                    country_code: spec.country.unwrap_or("CI"),
                    profile_type: ProfileType::Professional,
                    language: Language::Fr,
                    is_admin: spec.admin,
                    is_active: true,
                    created_at: now,
                    updated_at: now,
                },
            )
            .expect("insert user");
        });
        Session {
            user_id: id.to_string(),
            email,
            access_token: self.token_for(id),
            refresh_token: String::new(),
        }
    }

    pub fn admin(&self) -> Session {
        self.user(UserSpec {
            admin: true,
            ..Default::default()
        })
    }

    pub fn token_for(&self, id: UserId) -> String {
        self.jwt
            .issue(id, uuid::Uuid::now_v7(), self.clock.now().timestamp())
            .expect("token")
    }

    /// Makes `user` a coordinator of `country` straight in the database
    /// (no extra admin account to skew user lists); the endpoint that does
    /// it has its own tests.
    pub fn make_coordinator(&self, user: &Session, country: &str) {
        use diesel::{ExpressionMethods, RunQueryDsl};
        use griot::schema::country_coordinators as cc;
        let now = self.clock.now_naive();
        let user_id: UserId = user.user_id.parse().expect("user id");
        self.db(|conn| {
            diesel::insert_into(cc::table)
                .values((
                    cc::country_code.eq(country),
                    cc::user_id.eq(user_id),
                    cc::created_at.eq(now),
                ))
                .execute(conn)
                .expect("insert coordinator");
        });
    }

    /// Creates a programme through the API as `admin`; returns its id.
    pub async fn programme(&self, admin: &Session) -> String {
        let res = self
            .post(
                "/api/v1/programmes",
                Some(&admin.access_token),
                &serde_json::json!({ "title": "Community management", "min_attendance_rate": 75 }),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["id"].as_str().unwrap().to_owned()
    }

    /// Creates an open cohort through the API as `staff` (a new programme is
    /// made by an admin first); `overrides` replace fields of the body.
    pub async fn cohort(&self, staff: &Session, overrides: Value) -> String {
        let admin = self.admin();
        let programme = self.programme(&admin).await;
        let mut body = serde_json::json!({
            "programme_id": programme,
            "name": "Cohorte Abidjan 2026",
            "country_code": "CI",
            "starts_on": "2026-03-01",
            "ends_on": "2026-06-30",
            "capacity": 30,
            "auto_accept": true,
            "status": "open",
        });
        if let (Some(b), Some(o)) = (body.as_object_mut(), overrides.as_object()) {
            for (k, v) in o {
                b.insert(k.clone(), v.clone());
            }
        }
        let res = self
            .post("/api/v1/cohorts", Some(&staff.access_token), &body)
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["id"].as_str().unwrap().to_owned()
    }

    /// Enrols `user` with `role` (`learner` or `trainer`) as `staff`; returns the membership.
    pub async fn enrol(&self, staff: &Session, cohort: &str, user: &Session, role: &str) -> Value {
        let res = self
            .post(
                &format!("/api/v1/cohorts/{cohort}/members"),
                Some(&staff.access_token),
                &serde_json::json!({ "user_id": user.user_id, "role": role }),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()
    }
}

#[derive(Default)]
pub struct UserSpec<'a> {
    pub email: Option<&'a str>,
    pub full_name: Option<&'a str>,
    pub country: Option<&'a str>,
    pub admin: bool,
}

pub fn session_from(body: &Value) -> Session {
    Session {
        user_id: body["user"]["id"].as_str().expect("user.id").to_owned(),
        email: body["user"]["email"]
            .as_str()
            .expect("user.email")
            .to_owned(),
        access_token: body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned(),
        refresh_token: body["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .to_owned(),
    }
}
