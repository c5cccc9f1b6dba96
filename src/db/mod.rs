//! One binary, two databases. The backend is picked from the URL scheme
//! (`postgres://` or `postgresql://` → PostgreSQL, anything else → an SQLite
//! file), every diesel call runs on the blocking pool through [`run`], and
//! write transactions go through [`write_tx`] so SQLite takes its write lock
//! up front.

pub mod instants;
mod macros;
pub mod types;

#[cfg(test)]
pub use macros::kept_prepared;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::result::QueryResult;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use parking_lot::FairMutex;

use crate::error::AppError;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Arbitrary but fixed key of the advisory lock that serialises migrations
/// when several processes start against the same PostgreSQL database.
const MIGRATION_LOCK_KEY: i64 = 0x6772_696f_7400; // "griot\0"

/// Which database a URL designates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    Sqlite(PathBuf),
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Backend::Postgres(url.to_owned());
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Backend::Sqlite(PathBuf::from(path))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Backend::Postgres(_))
    }
}

/// r2d2 manager that opens the variant named by the URL, so the operator
/// sees the real error ("connection refused") instead of diesel's generic
/// "invalid connection url for multiconnection".
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    backend: Backend,
}

impl ConnectionManager {
    pub fn new(url: &str) -> Self {
        Self {
            backend: Backend::from_url(url),
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match &self.backend {
            Backend::Postgres(url) => PgConnection::establish(url).map(DbConnection::Pg),
            Backend::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)?;
                // Per-connection settings; WAL itself is persistent but cheap to re-assert.
                // Memory-mapped reads: pooled connections share the pages the
                // kernel already holds instead of each copying them into its
                // own 2 MB cache with a read() per miss. At scale 10 (50,000
                // users) those misses made GET /me 1.5 times slower than at
                // scale 1.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA busy_timeout = 10000;
                     PRAGMA mmap_size = 268435456;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    /// A connection still inside a transaction (a request that ended
    /// half-way), or whose transaction manager is broken, never goes back
    /// to the pool: r2d2 drops it. The same rule as diesel's own manager.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        fn in_transaction<C>(conn: &mut C) -> bool
        where
            C: Connection<TransactionManager = AnsiTransactionManager>,
        {
            AnsiTransactionManager::transaction_manager_status_mut(conn)
                .transaction_depth()
                .map_or(true, |depth| depth.is_some())
        }
        std::thread::panicking()
            || match conn {
                DbConnection::Pg(c) => in_transaction(c),
                DbConnection::Sqlite(c) => in_transaction(c),
            }
    }
}

/// Builds the pool, creating the SQLite file's folder first. Fails fast with
/// the driver's own message when the database cannot be reached.
pub fn build_pool(url: &str, size: u32) -> Result<DbPool, String> {
    let manager = ConnectionManager::new(url);
    if let Backend::Sqlite(path) = &manager.backend {
        ensure_parent_dir(path)?;
    }
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        // A checkout test costs a round trip per query; broken connections
        // surface as query errors instead.
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(manager.clone())
        .map_err(|e| {
            // r2d2 hides the cause; reconnect once to report it.
            match r2d2::ManageConnection::connect(&manager) {
                Err(cause) => format!("cannot connect to the database: {cause}"),
                Ok(_) => format!("cannot build the database pool: {e}"),
            }
        })
}

fn ensure_parent_dir(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create database folder {}: {e}", dir.display())),
        _ => Ok(()),
    }
}

/// Applies pending migrations; returns how many ran. On PostgreSQL this
/// holds an advisory lock so that processes starting together take turns.
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, String> {
    let applied = match conn {
        DbConnection::Pg(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .map_err(|e| format!("cannot take the migration lock: {e}"))?;
            let result = pg
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|v| v.len())
                .map_err(|e| format!("migration failed: {e}"));
            let unlock =
                pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"));
            let applied = result?;
            unlock.map_err(|e| format!("cannot release the migration lock: {e}"))?;
            applied
        }
        DbConnection::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len())
            .map_err(|e| format!("migration failed: {e}"))?,
    };
    Ok(applied)
}

/// Runs `f` with a pooled connection on the blocking thread pool, keeping
/// the caller's tracing span; inside a [`Reserved`] scope, on the request's
/// own connection and in its transaction.
pub async fn run<F, T>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    if let Ok(reserved) = RESERVED.try_with(Reserved::clone) {
        return reserved.run(f).await;
    }
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(|e| {
            tracing::error!(error = %e, "database pool exhausted or unreachable");
            AppError::Unavailable
        })?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))?
}

/// One connection for the whole of a request whose effects must commit
/// together with something the request records about itself (the answer
/// kept for its `Idempotency-Key`): checked out once, inside one
/// transaction, and used by every [`run`] the request makes until it
/// commits or rolls back. A kill -9 at any moment leaves either all of it
/// or none of it.
///
/// The connection lives on a thread of its own for the request's length,
/// not on the blocking pool: a request that holds a transaction (and on
/// SQLite the write lock) must never wait for a pool thread that others,
/// waiting for that very lock, hold. On SQLite such requests also take
/// turns before they open their transaction (one at a time per process,
/// waiting asynchronously), so waiting ones hold neither a connection nor
/// a thread. When every handle is gone, an open transaction is rolled back
/// before the connection returns to the pool.
#[derive(Clone)]
pub struct Reserved {
    jobs: std::sync::mpsc::Sender<Job>,
    _turn: Option<Arc<tokio::sync::OwnedSemaphorePermit>>,
    /// Stored bytes the request let go of (see [`defer_discard`]).
    discards: Arc<Mutex<Vec<String>>>,
}

/// Inside a [`Reserved`] request, keeps `keys` to be deleted once the
/// request has committed (the rows that named them are only gone then: a
/// kill before the COMMIT brings them back, and they must still have their
/// bytes) and answers `true`; elsewhere answers `false`, for the caller to
/// delete them now. Bytes kept of a request that rolls back are orphans,
/// which housekeeping sweeps.
pub fn defer_discard(keys: &[&str]) -> bool {
    RESERVED
        .try_with(|r| {
            let mut list = r.discards.lock().unwrap_or_else(|p| p.into_inner());
            list.extend(keys.iter().map(|k| (*k).to_owned()));
        })
        .is_ok()
}

type Job = Box<dyn FnOnce(&mut DbConnection, &mut bool) + Send>;

tokio::task_local! {
    static RESERVED: Reserved;
}

/// Opens the outer transaction of a reserved connection. On SQLite it is
/// `BEGIN IMMEDIATE`: the request writes, and waits its turn now rather
/// than failing on a lock upgrade later.
fn begin_outer(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(_) => {
            <DbConnection as Connection>::TransactionManager::begin_transaction(conn)
        }
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
        }
    }
}

/// Commits (or rolls back) the outer transaction.
fn end_outer(conn: &mut DbConnection, commit: bool) -> QueryResult<()> {
    type Manager = <DbConnection as Connection>::TransactionManager;
    if commit {
        if let Err(e) = Manager::commit_transaction(conn) {
            let _ = Manager::rollback_transaction(conn);
            return Err(e);
        }
        Ok(())
    } else {
        Manager::rollback_transaction(conn)
    }
}

/// The turn SQLite's keyed requests take, one at a time per process.
fn sqlite_turns() -> Arc<tokio::sync::Semaphore> {
    static TURNS: OnceLock<Arc<tokio::sync::Semaphore>> = OnceLock::new();
    TURNS
        .get_or_init(|| Arc::new(tokio::sync::Semaphore::new(1)))
        .clone()
}

impl Reserved {
    /// Checks a connection out of `pool` (of the database `backend`
    /// names), opens the transaction, and runs `first` in it (an error
    /// rolls it back and gives the connection back).
    pub async fn begin<F, T>(
        pool: &DbPool,
        backend: &Backend,
        first: F,
    ) -> Result<(Reserved, T), AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let turn = if !backend.is_postgres() {
            let permit = sqlite_turns()
                .acquire_owned()
                .await
                .map_err(|_| AppError::Unavailable)?;
            Some(Arc::new(permit))
        } else {
            None
        };
        let (jobs, inbox) = std::sync::mpsc::channel::<Job>();
        let (opened, opening) = tokio::sync::oneshot::channel();
        let pool = pool.clone();
        let span = tracing::Span::current();
        std::thread::Builder::new()
            .name("griot-request-tx".into())
            .spawn(move || {
                let _entered = span.enter();
                let mut conn = match pool.get() {
                    Ok(conn) => conn,
                    Err(e) => {
                        tracing::error!(error = %e, "database pool exhausted or unreachable");
                        let _ = opened.send(Err(AppError::Unavailable));
                        return;
                    }
                };
                if let Err(e) = begin_outer(&mut conn) {
                    let _ = opened.send(Err(e.into()));
                    return;
                }
                let value =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| first(&mut conn)))
                        .unwrap_or_else(|_| {
                            Err(AppError::Internal("a database call panicked".into()))
                        });
                let failed = value.is_err();
                let _ = opened.send(value);
                let mut ended = false;
                if failed {
                    let _ = end_outer(&mut conn, false);
                    return;
                }
                // Every job of the request, in order, until the last handle goes.
                for job in inbox {
                    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        job(&mut conn, &mut ended)
                    }));
                    if done.is_err() && !ended {
                        let _ = end_outer(&mut conn, false);
                        ended = true;
                    }
                }
                // Dropped half-way (its client went, a panic): nothing of
                // it commits, and the connection goes back clean.
                if !ended {
                    let _ = end_outer(&mut conn, false);
                }
            })
            .map_err(|e| AppError::Internal(format!("cannot start a request thread: {e}")))?;
        let value = opening
            .await
            .map_err(|_| AppError::Internal("the request's database thread died".into()))??;
        Ok((
            Reserved {
                jobs,
                _turn: turn,
                discards: Arc::default(),
            },
            value,
        ))
    }

    /// Runs `work` so that every [`run`] inside it uses this connection.
    pub async fn scope<F: std::future::Future>(&self, work: F) -> F::Output {
        RESERVED.scope(self.clone(), work).await
    }

    /// Sends `job` to the connection's thread and waits for its answer.
    async fn send<F, T>(&self, job: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection, &mut bool) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move |conn, ended| {
            let _entered = span.enter();
            let result = if *ended {
                Err(AppError::Internal(
                    "the request's transaction is over".into(),
                ))
            } else {
                job(conn, ended)
            };
            let _ = answer.send(result);
        });
        self.jobs
            .send(job)
            .map_err(|_| AppError::Internal("the request's database thread is gone".into()))?;
        answered
            .await
            .map_err(|_| AppError::Internal("a database call of the request failed".into()))?
    }

    /// Runs `f` on the connection, inside the transaction, as a savepoint:
    /// a failed statement (a unique violation a handler answers with 409,
    /// say) undoes only its own call and leaves the transaction usable.
    async fn run<F, T>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.send(move |conn, _| conn.transaction(f)).await
    }

    /// The stored keys to delete once the request has committed.
    pub fn deferred_discards(&self) -> Vec<String> {
        std::mem::take(&mut *self.discards.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Runs `last` in the transaction and commits it all; an error of
    /// `last` rolls it all back.
    pub async fn commit<F>(self, last: F) -> Result<(), AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<(), AppError> + Send + 'static,
    {
        self.send(move |conn, ended| {
            // `ended` only once the transaction has ended: a panic before
            // leaves it open, and the thread rolls it back.
            let outcome = match last(conn) {
                Ok(()) => end_outer(conn, true).map_err(AppError::from),
                Err(e) => end_outer(conn, false).map_err(AppError::from).and(Err(e)),
            };
            *ended = true;
            outcome
        })
        .await
    }

    /// Rolls everything back.
    pub async fn rollback(self) {
        let rolled = self
            .send(move |conn, ended| {
                let outcome = end_outer(conn, false);
                *ended = true;
                Ok(outcome?)
            })
            .await;
        if let Err(e) = rolled {
            tracing::error!(error = %e, "a request's transaction did not roll back");
        }
    }
}

/// A transaction for writes. On SQLite it starts with `BEGIN IMMEDIATE`, so
/// two writers queue instead of failing on a lock upgrade, and in arrival
/// order (see [`sqlite_writers`]); on PostgreSQL it is a plain transaction
/// (rows that guard an invariant are locked explicitly with `FOR UPDATE`).
/// Inside a transaction already open (a [`Reserved`] request's), it is a
/// savepoint on both.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Pg(_) => conn.transaction(f),
        DbConnection::Sqlite(inner) => {
            // Inside a request's transaction (see [`Reserved`]), which
            // holds the write lock already: a savepoint.
            let depth = <AnsiTransactionManager as TransactionManager<SqliteConnection>>::transaction_manager_status_mut(inner)
                .transaction_depth()?;
            if depth.is_some() {
                return conn.transaction(f);
            }
            let writers = sqlite_writers(inner)?;
            let _turn = writers.lock();
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    if let Err(e) =
                        <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
                    {
                        let _ =
                            <DbConnection as Connection>::TransactionManager::rollback_transaction(
                                conn,
                            );
                        return Err(e.into());
                    }
                    Ok(value)
                }
                Err(e) => {
                    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)?;
                    Err(e)
                }
            }
        }
    }
}

/// The queue of this process's writers to one SQLite file. SQLite lets one
/// writer in at a time, and the others sleep in its busy handler with a
/// growing back-off (naps of up to 100 ms), so a writer that just arrived
/// often overtakes one that has waited for seconds: 32 concurrent roll calls
/// on one session had a p99 of about 3 s. Waiting here first, on a fair
/// (first come, first served) mutex, keeps the order; the busy timeout still
/// covers other processes using the same file.
fn sqlite_writers(conn: &mut SqliteConnection) -> QueryResult<Arc<FairMutex<()>>> {
    type Queues = Mutex<HashMap<String, Arc<FairMutex<()>>>>;
    static QUEUES: OnceLock<Queues> = OnceLock::new();

    #[derive(QueryableByName)]
    struct MainFile {
        #[diesel(sql_type = Text)]
        file: String,
    }
    let file = diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .get_result::<MainFile>(conn)?
        .file;
    let mut queues = QUEUES
        .get_or_init(Queues::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(queues.entry(file).or_default().clone())
}

/// Writes a consistent snapshot of an SQLite database to `target` while the
/// server keeps running (`VACUUM INTO`: one read transaction, so writers
/// are not blocked in WAL mode). PostgreSQL has `pg_dump` for this.
pub fn backup(conn: &mut DbConnection, target: &Path) -> Result<(), String> {
    let DbConnection::Sqlite(lite) = conn else {
        return Err("on PostgreSQL, back up with pg_dump (see README, \"Backups\")".into());
    };
    if target.exists() {
        return Err(format!(
            "{} already exists; choose a new file",
            target.display()
        ));
    }
    let path = target
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", target.display()))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(path)
        .execute(lite)
        .map(|_| ())
        .map_err(|e| format!("backup to {path} failed: {e}"))
}

impl DbConnection {
    pub fn is_postgres(&self) -> bool {
        matches!(self, DbConnection::Pg(_))
    }

    /// Raw SQL for this backend, written with PostgreSQL's numbered `$n`
    /// placeholders, which SQLite reads as `?n`: for the few statements
    /// the multi backend cannot express (upserts with a guarded update).
    pub fn numbered_sql(&self, sql: &str) -> String {
        if self.is_postgres() {
            sql.to_owned()
        } else {
            sql.replace('$', "?")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_from_the_url_scheme() {
        assert!(Backend::from_url("postgres://u@h/db").is_postgres());
        assert!(Backend::from_url("postgresql://u@h/db").is_postgres());
        assert_eq!(
            Backend::from_url("sqlite://./data/griot.db"),
            Backend::Sqlite(PathBuf::from("./data/griot.db"))
        );
        assert_eq!(
            Backend::from_url("sqlite:///data/griot.db"),
            Backend::Sqlite(PathBuf::from("/data/griot.db"))
        );
        assert_eq!(
            Backend::from_url("griot.db"),
            Backend::Sqlite(PathBuf::from("griot.db"))
        );
    }

    #[test]
    fn sqlite_writers_of_one_file_share_one_queue() {
        let dir = tempfile::tempdir().expect("temp dir");
        let open = |name: &str| {
            let path = dir.path().join(name);
            SqliteConnection::establish(&path.to_string_lossy()).expect("open")
        };
        let (mut a1, mut a2, mut b) = (open("a.db"), open("a.db"), open("b.db"));
        let qa1 = sqlite_writers(&mut a1).expect("queue");
        let qa2 = sqlite_writers(&mut a2).expect("queue");
        let qb = sqlite_writers(&mut b).expect("queue");
        assert!(Arc::ptr_eq(&qa1, &qa2));
        assert!(!Arc::ptr_eq(&qa1, &qb));
        // Held by one writer, the queue makes the next one wait.
        let turn = qa1.lock();
        assert!(qa2.try_lock().is_none());
        drop(turn);
        assert!(qa2.try_lock().is_some());
    }

    /// `.cargo/config.toml` builds the bundled SQLite with our flags; a
    /// build that missed them (a Dockerfile not copying `.cargo/`, say)
    /// still works but loses the fixes behind the benchmark's numbers.
    #[test]
    fn the_bundled_sqlite_is_built_with_our_flags() {
        #[derive(QueryableByName)]
        struct Opt {
            #[diesel(sql_type = Text)]
            compile_options: String,
        }
        let mut conn = SqliteConnection::establish(":memory:").expect("open");
        let opts: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<Opt>(&mut conn)
            .expect("compile options")
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        for wanted in ["THREADSAFE=2", "ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"] {
            assert!(opts.iter().any(|o| o == wanted), "{wanted} in {opts:?}");
        }
        for unwanted in ["ENABLE_STAT4", "ENABLE_MEMORY_MANAGEMENT"] {
            assert!(
                !opts.iter().any(|o| o == unwanted),
                "{unwanted} in {opts:?}"
            );
        }
    }
}
