//! Housekeeping: rows nothing needs any more, deleted on a timer by every
//! process (`HOUSEKEEPING_INTERVAL_SECONDS`) and by `griot housekeeping`.
//! Safe with several processes: on PostgreSQL a run holds a transaction-
//! scoped advisory lock and a process that cannot take it skips its turn;
//! on SQLite the write transaction already admits one writer, and a second
//! run finds nothing left to delete.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::sql_types::Bool;
use diesel::RunQueryDsl;
use serde::Serialize;

use crate::attendance::checkin_queries;
use crate::auth::{queries as auth_queries, throttle};
use crate::casework::service as casework_service;
use crate::config::Settings;
use crate::db::{self, write_tx, DbConnection, DbPool};
use crate::error::AppError;
use crate::materials::service as materials_service;
use crate::materials::uploads::service as upload_service;
use crate::storage::Storage;
use crate::users::queries as user_queries;

/// Fixed key of the advisory lock of a housekeeping run ("griot\x01").
const LOCK_KEY: i64 = 0x6772_696f_7401;

/// How many rows a run deleted, by kind; `skipped` when another process
/// was already at it.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Report {
    pub skipped: bool,
    pub refresh_tokens: usize,
    pub revoked_sessions: usize,
    pub check_in_rows: usize,
    pub throttles: usize,
    /// Resumable uploads past their expiry.
    pub uploads: usize,
    /// `Idempotency-Key` answers past their 24 hours.
    pub idempotency_keys: usize,
    /// Rows of `/sync`'s change log past `SYNC_LOG_DAYS`.
    pub sync_log: usize,
    /// Invitations expired or used more than 30 days ago (until then a
    /// used or expired link answers 410 rather than 404).
    pub invitations: usize,
    /// The stored bytes of what was deleted, for [`Storage::discard`].
    #[serde(skip)]
    pub dropped_keys: Vec<String>,
}

/// Upload rows one run deletes at most (their bytes are deleted one by one
/// afterwards).
const UPLOADS_PER_RUN: i64 = 500;

/// How old stored bytes that no row names must be before they are swept:
/// far longer than any upload takes between its bytes and its row.
pub const ORPHAN_AGE_HOURS: i64 = 24;

/// Deletes stored files that no material, upload segment or submission
/// names and that were last written before `cutoff` (a process killed
/// between storing bytes and writing their row, a delete that failed), and
/// the staging files of writes killed half-way; answers how many.
pub async fn sweep_orphans(
    pool: &DbPool,
    storage: &Storage,
    cutoff: chrono::DateTime<chrono::Utc>,
) -> Result<usize, AppError> {
    // Half-written files of writes that died: no row can name them.
    let staging = storage.sweep_staging(cutoff).await?;
    let mut candidates = Vec::new();
    for prefix in ["materials/", "uploads/", "submissions/"] {
        candidates.extend(storage.keys_older_than(prefix, cutoff).await?);
    }
    if candidates.is_empty() {
        return Ok(staging);
    }
    let asked = candidates.clone();
    let known = db::run(pool, move |conn| {
        let mut known = materials_service::known_keys(conn, &asked)?;
        known.extend(casework_service::known_keys(conn, &asked)?);
        Ok(known)
    })
    .await?;
    let orphans: Vec<String> = candidates
        .into_iter()
        .filter(|k| !known.contains(k))
        .collect();
    storage.discard(&orphans).await;
    Ok(staging + orphans.len())
}

/// One run, in one transaction.
pub fn run_once(
    conn: &mut DbConnection,
    settings: &Settings,
    now: NaiveDateTime,
) -> Result<Report, AppError> {
    write_tx(conn, |conn| {
        if conn.is_postgres() && !took_lock(conn)? {
            return Ok(Report {
                skipped: true,
                ..Report::default()
            });
        }
        let access_ttl = chrono::Duration::seconds(settings.access_token_ttl_seconds);
        let (uploads, dropped_keys) = upload_service::sweep_expired(conn, now, UPLOADS_PER_RUN)?;
        Ok(Report {
            skipped: false,
            refresh_tokens: auth_queries::delete_expired_tokens(conn, now)?,
            revoked_sessions: user_queries::forget_revocations(conn, now - access_ttl)?,
            // Kept while a check-in made offline in them may be replayed.
            check_in_rows: checkin_queries::forget_closed_windows(
                conn,
                now - chrono::Duration::hours(settings.check_in_replay_hours.max(24)),
            )?,
            throttles: throttle::forget_expired(
                conn,
                &settings.throttle,
                now.and_utc().timestamp(),
            )?,
            uploads,
            idempotency_keys: crate::idempotency::sweep(conn, now)?,
            sync_log: crate::sync::queries::prune(
                conn,
                now,
                now - chrono::Duration::days(settings.sync_log_days),
            )?,
            invitations: auth_queries::forget_invitations(conn, now - chrono::Duration::days(30))?,
            dropped_keys,
        })
    })
}

fn took_lock(conn: &mut DbConnection) -> Result<bool, AppError> {
    #[derive(diesel::QueryableByName)]
    struct Took {
        #[diesel(sql_type = Bool)]
        took: bool,
    }
    let took: Took = diesel::sql_query(format!(
        "SELECT pg_try_advisory_xact_lock({LOCK_KEY}) AS took"
    ))
    .get_result(conn)?;
    Ok(took.took)
}

/// Runs housekeeping every `interval` on the blocking pool, for as long as
/// the process lives; a failed run is logged and the next one tried.
pub fn spawn_timer(
    pool: DbPool,
    storage: Storage,
    settings: Arc<Settings>,
    clock: Arc<dyn crate::clock::Clock>,
    interval: Duration,
) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(interval);
        // The first tick is immediate: housekeeping waits one interval.
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let (settings, now) = (settings.clone(), clock.now_naive());
            match db::run(&pool, move |conn| run_once(conn, &settings, now)).await {
                Ok(report) => {
                    storage.discard(&report.dropped_keys).await;
                    let cutoff = chrono::Utc::now() - chrono::Duration::hours(ORPHAN_AGE_HOURS);
                    let orphans = sweep_orphans(&pool, &storage, cutoff).await;
                    tracing::info!(?report, ?orphans, "housekeeping");
                }
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
        }
    });
}

/// `griot housekeeping`: one run, its report printed as JSON.
pub fn command(settings: &Settings) -> Result<(), String> {
    use crate::clock::{Clock, SystemClock};
    let pool = super::connect_and_migrate(settings).map_err(|e| e.0)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let report =
        run_once(&mut conn, settings, SystemClock.now_naive()).map_err(|e| e.to_string())?;
    let storage = Storage::open(settings)?;
    let cutoff = chrono::Utc::now() - chrono::Duration::hours(ORPHAN_AGE_HOURS);
    let orphans = actix_web::rt::System::new()
        .block_on(async {
            storage.discard(&report.dropped_keys).await;
            sweep_orphans(&pool, &storage, cutoff).await
        })
        .map_err(|e| e.to_string())?;
    eprintln!("orphaned files deleted: {orphans}");
    println!(
        "{}",
        serde_json::to_string(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}
