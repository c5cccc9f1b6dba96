//! The reads of `/sync`: the change log in the order it may be read, and
//! the caller's current things, by kind, for a first sync.
//!
//! SQLite has one writer at a time, so its log is read in `seq` order. On
//! PostgreSQL a transaction may commit after another that wrote later
//! rows, so a position cannot be a number: a token holds the snapshot of
//! the last read, and the next read takes the rows visible now that were
//! not visible in it (`pg_visible_in_snapshot` over the writer's
//! transaction id, kept in `pos`).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::attendance::rows::Attendance;
use crate::casework::rows::{Assignment, Submission};
use crate::cohorts::members::Membership;
use crate::cohorts::Cohort;
use crate::db::DbConnection;
use crate::materials::Material;
use crate::schema::{
    assignments, attendance, cohorts, materials, memberships, sessions, submissions,
};
use crate::sessions::Session;
use crate::vocab::{CohortId, LoginSessionId, MemberStatus, UserId};

/// One row of the change log.
#[derive(Debug, Clone, QueryableByName)]
pub struct LogRow {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = BigInt)]
    pub pos: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub entity_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub cohort_id: Option<String>,
}

#[derive(QueryableByName)]
struct Snapshot {
    #[diesel(sql_type = Text)]
    now: String,
}

/// Where the log stands now: the last `seq` on SQLite, the current
/// snapshot (`xmin:xmax:xip…`) on PostgreSQL.
pub fn position_now(conn: &mut DbConnection) -> QueryResult<String> {
    let sql = if conn.is_postgres() {
        "SELECT pg_current_snapshot()::text AS now"
    } else {
        // AUTOINCREMENT's high-water mark: still right once the log is pruned.
        "SELECT CAST(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sync_log'), 0) \
         AS TEXT) AS now"
    };
    Ok(diesel::sql_query(sql).get_result::<Snapshot>(conn)?.now)
}

/// Whose rows a caller reads: their own things, and the shared things of
/// cohorts they have a membership of (of any status, so that leaving
/// still reaches them, as deletes).
/// `me` is the placeholder of the caller's id (`$1` or `?1`).
fn mine(me: &str) -> String {
    format!(
        "(user_id = {me} OR (user_id IS NULL AND cohort_id IN \
         (SELECT cohort_id FROM memberships WHERE user_id = {me})))"
    )
}

/// SQLite: the caller's rows after `after`, in `seq` order.
pub fn changes_after_seq(
    conn: &mut DbConnection,
    user: UserId,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<LogRow>> {
    // Numbered placeholders: SQLite numbers `$n` by first appearance.
    let sql = format!(
        "SELECT seq, seq AS pos, kind, entity_id, cohort_id FROM sync_log \
         WHERE seq > ?2 AND {} ORDER BY seq LIMIT ?3",
        mine("?1")
    );
    diesel::sql_query(sql)
        .bind::<Text, _>(user.to_string())
        .bind::<BigInt, _>(after)
        .bind::<BigInt, _>(limit)
        .load(conn)
}

/// What one PostgreSQL read of the log found (see [`changes_between`]).
pub struct PgRead {
    /// Whether the account is active and the login session live (nothing
    /// else is read when not).
    pub allowed: bool,
    /// Rows below this transaction id are pruned.
    pub horizon: i64,
    /// The snapshot read up to.
    pub upper: String,
    pub rows: Vec<LogRow>,
}

#[derive(QueryableByName)]
struct PgReadRow {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    allowed: bool,
    #[diesel(sql_type = BigInt)]
    horizon: i64,
    #[diesel(sql_type = Text)]
    upper_snapshot: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    seq: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pos: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    kind: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    entity_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    cohort_id: Option<String>,
}

/// PostgreSQL: the caller's rows written by transactions visible in
/// `upper` (the current snapshot when `None`) but not in `lower`, after
/// the cursor `(pos, seq)`, in that order; with the log's horizon, the
/// snapshot read up to and whether the caller's account and login
/// `session` are still good. One round trip: the function `sync_read`
/// (migrations `sync_read`, `sync_read_rights`), whose query plans the
/// connection keeps.
pub fn changes_between(
    conn: &mut DbConnection,
    user: UserId,
    session: LoginSessionId,
    lower: &str,
    upper: Option<&str>,
    after: (i64, i64),
    limit: i64,
) -> QueryResult<PgRead> {
    let found: Vec<PgReadRow> =
        diesel::sql_query("SELECT * FROM sync_read($1, $2, $3, $4, $5, $6, $7)")
            .bind::<Text, _>(user.to_string())
            .bind::<Text, _>(session.to_string())
            .bind::<Text, _>(lower)
            .bind::<Nullable<Text>, _>(upper)
            .bind::<BigInt, _>(after.0)
            .bind::<BigInt, _>(after.1)
            .bind::<BigInt, _>(limit)
            .load(conn)?;
    let (allowed, horizon, upper) = found
        .first()
        .map(|r| (r.allowed, r.horizon, r.upper_snapshot.clone()))
        .ok_or(diesel::result::Error::NotFound)?;
    let rows = found
        .into_iter()
        .filter_map(|r| {
            Some(LogRow {
                seq: r.seq?,
                pos: r.pos?,
                kind: r.kind?,
                entity_id: r.entity_id?,
                cohort_id: r.cohort_id,
            })
        })
        .collect();
    Ok(PgRead {
        allowed,
        horizon,
        upper,
        rows,
    })
}

/// The caller's memberships, every status.
pub fn memberships_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<Membership>> {
    memberships::table
        .filter(memberships::user_id.eq(user))
        .order(memberships::cohort_id.asc())
        .select(Membership::as_select())
        .load(conn)
}

pub fn cohorts_by_id(conn: &mut DbConnection, ids: &[CohortId]) -> QueryResult<Vec<Cohort>> {
    cohorts::table
        .filter(cohorts::id.eq_any(ids))
        .order(cohorts::id.asc())
        .select(Cohort::as_select())
        .load(conn)
}

/// Live sessions of these cohorts with ids in `ids` (all when `None`),
/// after `after`, by id.
pub fn sessions_of(
    conn: &mut DbConnection,
    cohorts_in: &[CohortId],
    ids: Option<&[String]>,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<Session>> {
    let mut q = sessions::table
        .filter(sessions::cohort_id.eq_any(cohorts_in))
        .filter(sessions::deleted_at.is_null())
        .filter(sessions::id.gt(after.to_owned()))
        .select(Session::as_select())
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(ids) = ids {
        q = q.filter(sessions::id.eq_any(ids.to_vec()));
    }
    q.order(sessions::id.asc()).limit(limit).load(conn)
}

/// Materials (not variants) of live sessions of these cohorts, with the
/// cohort, after `after`, by id.
pub fn materials_of(
    conn: &mut DbConnection,
    cohorts_in: &[CohortId],
    ids: Option<&[String]>,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<Material>> {
    let mut q = materials::table
        .inner_join(sessions::table)
        .filter(sessions::cohort_id.eq_any(cohorts_in))
        .filter(sessions::deleted_at.is_null())
        .filter(materials::parent_id.is_null())
        .filter(materials::id.gt(after.to_owned()))
        .select(Material::as_select())
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(ids) = ids {
        q = q.filter(materials::id.eq_any(ids.to_vec()));
    }
    q.order(materials::id.asc()).limit(limit).load(conn)
}

/// Assignments of live sessions of these cohorts, with their cohort.
pub fn assignments_of(
    conn: &mut DbConnection,
    cohorts_in: &[CohortId],
    ids: Option<&[String]>,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<(Assignment, CohortId)>> {
    let mut q = assignments::table
        .inner_join(sessions::table)
        .filter(sessions::cohort_id.eq_any(cohorts_in))
        .filter(sessions::deleted_at.is_null())
        .filter(assignments::id.gt(after.to_owned()))
        .select((Assignment::as_select(), sessions::cohort_id))
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(ids) = ids {
        q = q.filter(assignments::id.eq_any(ids.to_vec()));
    }
    q.order(assignments::id.asc()).limit(limit).load(conn)
}

/// The caller's attendance records in live sessions of these cohorts.
pub fn attendance_of(
    conn: &mut DbConnection,
    user: UserId,
    cohorts_in: &[CohortId],
    ids: Option<&[String]>,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<Attendance>> {
    let mut q = attendance::table
        .inner_join(sessions::table)
        .filter(attendance::user_id.eq(user))
        .filter(sessions::cohort_id.eq_any(cohorts_in))
        .filter(sessions::deleted_at.is_null())
        .filter(attendance::session_id.gt(after.to_owned()))
        .select(Attendance::as_select())
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(ids) = ids {
        q = q.filter(attendance::session_id.eq_any(ids.to_vec()));
    }
    q.order(attendance::session_id.asc())
        .limit(limit)
        .load(conn)
}

/// The caller's submissions (every version) in these cohorts.
pub fn submissions_of(
    conn: &mut DbConnection,
    user: UserId,
    cohorts_in: &[CohortId],
    ids: Option<&[String]>,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<Submission>> {
    let mut q = submissions::table
        .inner_join(assignments::table.inner_join(sessions::table))
        .filter(submissions::user_id.eq(user))
        .filter(sessions::cohort_id.eq_any(cohorts_in))
        .filter(sessions::deleted_at.is_null())
        .filter(submissions::id.gt(after.to_owned()))
        .select(Submission::as_select())
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(ids) = ids {
        q = q.filter(submissions::id.eq_any(ids.to_vec()));
    }
    q.order(submissions::id.asc()).limit(limit).load(conn)
}

/// Cohorts whose content the caller sees: active or completed members.
pub fn sees_content(status: MemberStatus) -> bool {
    matches!(status, MemberStatus::Active | MemberStatus::Completed)
}

/// Cohorts the caller still belongs to in some way.
pub fn sees_cohort(status: MemberStatus) -> bool {
    !matches!(status, MemberStatus::Withdrawn | MemberStatus::Rejected)
}

#[derive(QueryableByName)]
struct Pos {
    #[diesel(sql_type = BigInt)]
    pos: i64,
}

/// Up to where the log has been pruned: SQLite, the last `seq` deleted;
/// PostgreSQL, the transaction id below which rows are deleted.
pub fn pruned_below(conn: &mut DbConnection) -> QueryResult<i64> {
    use crate::schema::sync_horizon;
    sync_horizon::table
        .find(1)
        .select(sync_horizon::pruned_below)
        .first(conn)
}

/// Housekeeping: marks where the log stands at `now`, then deletes the
/// rows behind the latest mark made before `keep_from`, and that mark and
/// older ones; the rows deleted.
pub fn prune(
    conn: &mut DbConnection,
    now: chrono::NaiveDateTime,
    keep_from: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    use crate::schema::{sync_horizon, sync_log, sync_marks};
    let position = if conn.is_postgres() {
        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS pos"
    } else {
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sync_log'), 0) AS pos"
    };
    let here = diesel::sql_query(position).get_result::<Pos>(conn)?.pos;
    diesel::insert_into(sync_marks::table)
        .values((sync_marks::marked_at.eq(now), sync_marks::pos.eq(here)))
        .execute(conn)?;
    let old: Option<i64> = sync_marks::table
        .filter(sync_marks::marked_at.lt(keep_from))
        .select(diesel::dsl::max(sync_marks::pos))
        .first(conn)?;
    let Some(mark) = old else {
        return Ok(0);
    };
    let deleted = if conn.is_postgres() {
        diesel::sql_query("DELETE FROM sync_log WHERE pos < $1")
            .bind::<BigInt, _>(mark)
            .execute(conn)?
    } else {
        diesel::delete(sync_log::table.filter(sync_log::seq.le(mark))).execute(conn)?
    };
    diesel::update(sync_horizon::table.find(1))
        .filter(sync_horizon::pruned_below.lt(mark))
        .set(sync_horizon::pruned_below.eq(mark))
        .execute(conn)?;
    diesel::delete(sync_marks::table.filter(sync_marks::marked_at.lt(keep_from))).execute(conn)?;
    Ok(deleted)
}
