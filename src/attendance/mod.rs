//! Attendance: one record per session and learner (the primary key says
//! so), set by the trainer's roll call, by self check-in with a rotating
//! code, or by import. Every change is written to an audit trail. A
//! trainer's mark always wins over a later self check-in.

pub mod checkin;
pub mod codes;
pub mod report;
pub mod versions;

use std::collections::{HashMap, HashSet};

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::access::CohortAccess;
use crate::cache::{self, Cached, JSON};
use crate::cohorts::seats::SEAT_HOLDERS;
use crate::cohorts::{CohortId, MemberRole};
use crate::db::{self, write_tx, DbConnection, MultiBackend};
use crate::error::{AppError, FieldError, Issue, Msg, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::pagination::{page_from, Page, PageParams};
use crate::schema::{attendance, attendance_changes, memberships, sessions as sessions_t, users};
use crate::sessions::{self, SessionId, SessionStatus};
use crate::state::AppState;
use crate::users::UserId;

crate::id_type!(AttendanceChangeId);

crate::text_enum!(
    /// How a learner attended a session.
    AttendanceStatus {
        Present => "present",
        Late => "late",
        Excused => "excused",
        Absent => "absent",
    }
);

crate::text_enum!(
    /// Who or what set the record.
    AttendanceMethod {
        Trainer => "trainer",
        Code => "code",
        Import => "import",
    }
);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendance, treat_none_as_default_value = false)]
pub struct Attendance {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub note: Option<String>,
    pub marked_by: UserId,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub marked_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendance_changes, treat_none_as_default_value = false)]
pub struct AttendanceChange {
    pub id: AttendanceChangeId,
    pub session_id: SessionId,
    pub user_id: UserId,
    pub from_status: Option<AttendanceStatus>,
    pub to_status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub note: Option<String>,
    pub changed_by: UserId,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub changed_at: NaiveDateTime,
}

impl AttendanceChange {
    pub fn of(record: &Attendance, from: Option<AttendanceStatus>) -> Self {
        Self {
            id: AttendanceChangeId::new(),
            session_id: record.session_id,
            user_id: record.user_id,
            from_status: from,
            to_status: record.status,
            method: record.method,
            note: record.note.clone(),
            changed_by: record.marked_by,
            changed_at: record.marked_at,
        }
    }
}

/// A record as clients see it; `status` is `unmarked` on a roster line
/// with no record yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceDto {
    pub session_id: SessionId,
    pub user_id: UserId,
    /// `present`, `late`, `excused`, `absent`, or `unmarked` (roster only).
    #[schema(example = "present")]
    pub status: String,
    pub method: Option<AttendanceMethod>,
    pub note: Option<String>,
    pub marked_by: Option<UserId>,
    #[serde(serialize_with = "crate::db::instants::utc_opt")]
    pub marked_at: Option<DateTime<Utc>>,
}

impl From<Attendance> for AttendanceDto {
    fn from(a: Attendance) -> Self {
        Self {
            session_id: a.session_id,
            user_id: a.user_id,
            status: a.status.to_string(),
            method: Some(a.method),
            note: a.note,
            marked_by: Some(a.marked_by),
            marked_at: Some(a.marked_at.and_utc()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RosterLine {
    #[serde(flatten)]
    pub record: AttendanceDto,
    pub full_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Roster {
    pub items: Vec<RosterLine>,
    /// Always null: a roster comes whole.
    pub next_cursor: Option<String>,
}

/// Locks the session row until the end of the transaction on PostgreSQL
/// (SQLite's write transaction already excludes other writers), so a roll
/// call reads the records it replaces without a check-in slipping in
/// between, and its audit trail says truthfully what each mark replaced.
/// A roll call takes the lock exclusively; check-ins share it, so they do
/// not queue behind one another.
pub(crate) fn lock_session(
    conn: &mut DbConnection,
    id: SessionId,
    exclusive: bool,
) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        let row = sessions_t::table.find(id).select(sessions_t::id);
        if exclusive {
            row.for_update().first::<SessionId>(pg).optional()?;
        } else {
            row.for_share().first::<SessionId>(pg).optional()?;
        }
    }
    Ok(())
}

/// The learners holding a seat in a cohort, by name: the lines of rosters
/// and reports.
pub(crate) fn learners_by_name(
    conn: &mut DbConnection,
    cohort: CohortId,
) -> QueryResult<Vec<(UserId, String)>> {
    let seats = memberships::table
        .filter(memberships::cohort_id.eq(cohort))
        .filter(memberships::role.eq(MemberRole::Learner))
        .filter(memberships::status.eq_any(SEAT_HOLDERS));
    // Hot path: on the concrete connection (see `db::on_backend!`).
    match conn {
        // SQLite probes users by key for each seat, as wanted.
        DbConnection::Sqlite(c) => seats
            .inner_join(users::table)
            .order((users::full_name.asc(), users::id.asc()))
            .select((users::id, users::full_name))
            .load(c),
        // PostgreSQL's planner hash-joins a sequential scan of all users
        // instead (2.6 ms at scale 1, most of a roster's database time);
        // a correlated subquery makes it one key probe per seat (0.7 ms).
        // The ORDER BY repeats the subquery, which PostgreSQL evaluates once.
        DbConnection::Pg(c) => seats
            .order((MemberName.asc(), memberships::user_id.asc()))
            .select((memberships::user_id, MemberName))
            .load(c),
    }
}

crate::static_sql!(
    /// A member's name, for a query over `memberships`, kept prepared (see
    /// `crate::static_sql`): as a `sql()` literal, PostgreSQL parsed and
    /// planned the learners' query at every roster and report it made.
    pub MemberName: diesel::sql_types::Text =
        "(SELECT users.full_name FROM users WHERE users.id = memberships.user_id)"
);

/// The roster of `session` for these learners (from [`learners_by_name`]).
fn load_roster(
    conn: &mut DbConnection,
    learners: Vec<(UserId, String)>,
    session: SessionId,
) -> QueryResult<Roster> {
    // The session's records in primary-key order, merged here with the
    // learners (read through the seat index). A join probing attendance once
    // per learner cost about twice as much on SQLite.
    let records = attendance::table.filter(attendance::session_id.eq(session));
    let mut records: HashMap<UserId, Attendance> =
        crate::on_backend!(conn, c => records.select(Attendance::as_select()).load::<Attendance>(c))?
            .into_iter()
            .map(|a| (a.user_id, a))
            .collect();
    let items = learners
        .into_iter()
        .map(|(user_id, full_name)| RosterLine {
            record: records
                .remove(&user_id)
                .map(AttendanceDto::from)
                .unwrap_or(AttendanceDto {
                    session_id: session,
                    user_id,
                    status: "unmarked".into(),
                    method: None,
                    note: None,
                    marked_by: None,
                    marked_at: None,
                }),
            full_name,
        })
        .collect();
    Ok(Roster {
        items,
        next_cursor: None,
    })
}

/// `GET /api/v1/sessions/{id}/attendance`: the roster, every learner with a status or `unmarked`.
#[utoipa::path(
    get, path = "/api/v1/sessions/{id}/attendance", tag = "attendance",
    security(("bearer" = [])),
    params(
        ("id" = SessionId, Path),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a roster the client holds"),
    ),
    responses(
        (status = 200, description = "Every active (or completed) learner of the cohort, by name", body = Roster,
            headers(("ETag" = String, description = "Weak validator of this answer; send it back in `If-None-Match`"))),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn roster(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let cache = state.cache.clone();
    let answer = db::run(&state.pool, move |conn| {
        let versions =
            versions::roster_versions(conn, &auth, id, CohortAccess::can_manage_sessions)?;
        cache.get_or_make_for(&versions.key, || -> Result<Cached, AppError> {
            let learners = learners_by_name(conn, versions.key.cohort)?;
            Ok(Cached::json(&load_roster(conn, learners, id)?)?)
        })
    })
    .await?;
    Ok(cache::respond(&req, &answer, JSON))
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct MarkRecord {
    pub user_id: UserId,
    pub status: AttendanceStatus,
    #[validate(length(max = 500))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct MarkRequest {
    #[validate(length(min = 1, max = 1000), nested)]
    pub records: Vec<MarkRecord>,
}

/// `PUT /api/v1/sessions/{id}/attendance`: set many records at once (trainer; idempotent).
#[utoipa::path(
    put, path = "/api/v1/sessions/{id}/attendance", tag = "attendance",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    request_body = MarkRequest,
    responses(
        (status = 200, description = "The roster after the change. Sending the same body again changes nothing.", body = Roster),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session_cancelled`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A user who is not a learner of the cohort (`records[i].user_id`), a duplicate, a bad status: nothing is written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn mark(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
    Json(body): Json<MarkRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let roster = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            lock_session(conn, id, true)?;
            let (session, _, _) =
                sessions::session_for(conn, &actor, id, CohortAccess::can_manage_sessions)?;
            if session.status == SessionStatus::Cancelled {
                return Err(AppError::Conflict(Msg::SessionCancelled));
            }
            let roster_lines = learners_by_name(conn, session.cohort_id)?;
            let learners: HashSet<UserId> = roster_lines.iter().map(|(u, _)| *u).collect();
            let mut errors = Vec::new();
            let mut seen = HashSet::new();
            for (i, r) in body.records.iter().enumerate() {
                if !seen.insert(r.user_id) {
                    errors.push(FieldError::new(
                        format!("records[{i}].user_id"),
                        Issue::Duplicate,
                    ));
                } else if !learners.contains(&r.user_id) {
                    errors.push(FieldError::new(
                        format!("records[{i}].user_id"),
                        Issue::NotALearner,
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let existing: HashMap<UserId, Attendance> = attendance::table
                .filter(attendance::session_id.eq(id))
                .select(Attendance::as_select())
                .load(conn)?
                .into_iter()
                .map(|a| (a.user_id, a))
                .collect();
            let mut records = Vec::new();
            let mut changes = Vec::new();
            for r in body.records {
                let note = r
                    .note
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty());
                let before = existing.get(&r.user_id);
                let unchanged = before.is_some_and(|b| {
                    b.status == r.status && b.note == note && b.method == AttendanceMethod::Trainer
                });
                if unchanged {
                    continue;
                }
                let record = Attendance {
                    session_id: id,
                    user_id: r.user_id,
                    status: r.status,
                    method: AttendanceMethod::Trainer,
                    note,
                    marked_by: actor.id,
                    marked_at: now,
                };
                changes.push(AttendanceChange::of(&record, before.map(|b| b.status)));
                records.push(record);
            }
            if !records.is_empty() {
                // The tallies' triggers lock one row per learner: in learner
                // order, so two roll calls in one cohort cannot deadlock.
                records.sort_unstable_by_key(|r| r.user_id);
                crate::on_backend!(conn, c => diesel::insert_into(attendance::table)
                    .values(&records)
                    .on_conflict((attendance::session_id, attendance::user_id))
                    .do_update()
                    .set((
                        attendance::status.eq(excluded(attendance::status)),
                        attendance::method.eq(excluded(attendance::method)),
                        attendance::note.eq(excluded(attendance::note)),
                        attendance::marked_by.eq(excluded(attendance::marked_by)),
                        attendance::marked_at.eq(excluded(attendance::marked_at)),
                    ))
                    .execute(c))?;
                crate::on_backend!(conn, c => diesel::insert_into(attendance_changes::table)
                    .values(&changes)
                    .execute(c))?;
            }
            Ok(load_roster(conn, roster_lines, id)?)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(roster))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceChangeDto {
    pub id: AttendanceChangeId,
    pub session_id: SessionId,
    pub user_id: UserId,
    /// Null when the learner was unmarked.
    pub from_status: Option<AttendanceStatus>,
    pub to_status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub note: Option<String>,
    pub changed_by: UserId,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub changed_at: DateTime<Utc>,
}

impl From<AttendanceChange> for AttendanceChangeDto {
    fn from(c: AttendanceChange) -> Self {
        Self {
            id: c.id,
            session_id: c.session_id,
            user_id: c.user_id,
            from_status: c.from_status,
            to_status: c.to_status,
            method: c.method,
            note: c.note,
            changed_by: c.changed_by,
            changed_at: c.changed_at.and_utc(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Only the changes of one learner.
    pub user_id: Option<UserId>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
}

/// `GET /api/v1/sessions/{id}/attendance/history`: the audit trail, oldest first (staff, trainers).
#[utoipa::path(
    get, path = "/api/v1/sessions/{id}/attendance/history", tag = "attendance",
    security(("bearer" = [])),
    params(("id" = SessionId, Path), HistoryParams),
    responses(
        (status = 200, body = Page<AttendanceChangeDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn history(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let params = params.into_inner();
    let paging = PageParams::new(params.limit, params.cursor.clone());
    let limit = paging.limit()?;
    let after: Option<(NaiveDateTime, AttendanceChangeId)> = paging.cursor()?;
    let page = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        sessions::session_for(conn, &actor, id, CohortAccess::can_manage_sessions)?;
        let mut query = attendance_changes::table
            .filter(attendance_changes::session_id.eq(id))
            .into_boxed::<MultiBackend>();
        if let Some(user) = params.user_id {
            query = query.filter(attendance_changes::user_id.eq(user));
        }
        if let Some((at, change)) = after {
            query = query.filter(
                attendance_changes::changed_at
                    .gt(at)
                    .or(attendance_changes::changed_at
                        .eq(at)
                        .and(attendance_changes::id.gt(change))),
            );
        }
        let rows = query
            .order((
                attendance_changes::changed_at.asc(),
                attendance_changes::id.asc(),
            ))
            .limit(limit + 1)
            .select(AttendanceChange::as_select())
            .load(conn)?;
        Ok(page_from(
            rows,
            limit,
            |c| (c.changed_at, c.id),
            AttendanceChangeDto::from,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_as_words() {
        for s in AttendanceStatus::ALL {
            assert_eq!(s.as_str().parse::<AttendanceStatus>().unwrap(), *s);
        }
        assert!("unmarked".parse::<AttendanceStatus>().is_err());
    }

    #[test]
    fn the_learners_query_by_name_stays_prepared() {
        use crate::db::kept_prepared;
        let query = memberships::table
            .order((MemberName.asc(), memberships::user_id.asc()))
            .select((memberships::user_id, MemberName));
        assert!(kept_prepared(&query));
    }
}
