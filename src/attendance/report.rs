//! Attendance reports. The rate counts only sessions that count for
//! completion, are not cancelled or deleted, and have ended:
//!
//! `rate = 100 × (present + w × late) / (present + late + absent + unmarked)`
//!
//! with `w` the late weight (`ATTENDANCE_LATE_WEIGHT`, default 0.8);
//! excused sessions are left out of the denominator. A learner with nothing
//! counted yet has a rate of 100.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AttendanceMethod, AttendanceStatus};
use crate::access::CohortAccess;
use crate::cache::{self, CacheKey, Cached};
use crate::cohorts::seats::SEAT_HOLDERS;
use crate::cohorts::{self, CohortId, MemberRole};
use crate::db::{self, DbConnection};
use crate::error::{AppError, Issue, Problem};
use crate::http::AuthUser;
use crate::programmes;
use crate::schema::{attendance, attendance_tallies, cohorts as cohorts_t, memberships, sessions};
use crate::sessions::{SessionId, SessionStatus};
use crate::state::AppState;
use crate::users::UserId;

/// Counts of one learner over the counted sessions.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Tally {
    pub present: i64,
    pub late: i64,
    pub excused: i64,
    pub absent: i64,
    pub unmarked: i64,
}

impl Tally {
    pub fn add(&mut self, status: AttendanceStatus, n: i64) {
        match status {
            AttendanceStatus::Present => self.present += n,
            AttendanceStatus::Late => self.late += n,
            AttendanceStatus::Excused => self.excused += n,
            AttendanceStatus::Absent => self.absent += n,
        }
    }

    /// Fills `unmarked` from the number of counted sessions.
    pub fn with_total(mut self, counted: i64) -> Self {
        let marked = self.present + self.late + self.excused + self.absent;
        self.unmarked = (counted - marked).max(0);
        self
    }

    /// The rate (0–100, one decimal); see the module documentation.
    pub fn rate(&self, late_weight: f64) -> f64 {
        let denominator = self.present + self.late + self.absent + self.unmarked;
        if denominator == 0 {
            return 100.0;
        }
        let score = self.present as f64 + late_weight * self.late as f64;
        (score / denominator as f64 * 1000.0).round() / 10.0
    }
}

/// Everything a report is made of: the learners and their names, the
/// sessions that count and which of them have ended, their records, the
/// programme's minimum and the request's filters and format.
// Its fields are read by `Debug`, which makes the key text.
#[allow(dead_code)]
#[derive(Debug)]
struct ReportKey {
    cohort: CohortId,
    /// Members and sessions versions of the cohort.
    versions: (i64, i64),
    /// Attendance versions of the counted sessions, and how many have ended.
    counting: (i64, i64),
    min_attendance_rate: i32,
    threshold: Option<u64>,
    csv: Option<char>,
}

impl CacheKey for ReportKey {}

/// The sessions of a cohort that count (counting for completion, not
/// cancelled or deleted), ended or not, at `now`.
pub struct Counting {
    /// How many have ended: they make the report.
    pub counted: i64,
    /// Those that have not ended yet.
    pub pending: Vec<SessionId>,
    /// The sum of their attendance versions (see `crate::cache`): it grows
    /// with every change to a record of theirs.
    pub versions: i64,
}

impl Counting {
    pub fn load(
        conn: &mut DbConnection,
        cohort: CohortId,
        now: NaiveDateTime,
    ) -> QueryResult<Self> {
        let query = sessions::table
            .filter(sessions::cohort_id.eq(cohort))
            .filter(sessions::counts_for_completion.eq(true))
            .filter(sessions::status.eq(SessionStatus::Scheduled))
            .filter(sessions::deleted_at.is_null())
            .select((
                sessions::id,
                sessions::ends_at,
                super::versions::attendance_version(),
            ));
        let rows: Vec<(SessionId, NaiveDateTime, i64)> =
            crate::on_backend!(conn, c => query.load(c))?;
        let pending: Vec<SessionId> = rows
            .iter()
            .filter(|(_, ends_at, _)| *ends_at > now)
            .map(|(id, _, _)| *id)
            .collect();
        Ok(Counting {
            counted: i64::try_from(rows.len() - pending.len()).unwrap_or(i64::MAX),
            pending,
            versions: rows.iter().map(|(_, _, v)| v).sum(),
        })
    }
}

/// Tallies over the sessions of a cohort that count at `now` (see
/// [`Counting`]), for the given learners (or just `only`): a tally per
/// learner.
///
/// The running counts of `attendance_tallies` (kept by triggers, migration
/// 5) cover every counted session, ended or not; the records of those that
/// have not ended yet, usually none or one session's, are taken off. So a
/// report reads one row per learner instead of grouping the cohort's
/// thousands of records.
fn tallies(
    conn: &mut DbConnection,
    cohort: CohortId,
    counting: &Counting,
    learners: &[UserId],
    only: Option<UserId>,
) -> QueryResult<HashMap<UserId, Tally>> {
    let (counted, pending) = (counting.counted, &counting.pending);
    let mut map: HashMap<UserId, Tally> = learners.iter().map(|u| (*u, Tally::default())).collect();
    if counted > 0 && !learners.is_empty() {
        let running = attendance_tallies::table
            .filter(attendance_tallies::cohort_id.eq(cohort))
            .select((
                attendance_tallies::user_id,
                attendance_tallies::present,
                attendance_tallies::late,
                attendance_tallies::excused,
                attendance_tallies::absent,
            ));
        let rows: Vec<(UserId, i32, i32, i32, i32)> = match only {
            Some(user) => crate::on_backend!(conn, c => running
                .filter(attendance_tallies::user_id.eq(user))
                .load(c))?,
            None => crate::on_backend!(conn, c => running.load(c))?,
        };
        for (user, present, late, excused, absent) in rows {
            // Rows of people who are no longer learners here are ignored.
            if let Some(t) = map.get_mut(&user) {
                *t = Tally {
                    present: present.into(),
                    late: late.into(),
                    excused: excused.into(),
                    absent: absent.into(),
                    unmarked: 0,
                };
            }
        }
        if !pending.is_empty() {
            let early = attendance::table
                .filter(attendance::session_id.eq_any(pending))
                .select((attendance::user_id, attendance::status));
            let early: Vec<(UserId, AttendanceStatus)> = match only {
                Some(user) => early.filter(attendance::user_id.eq(user)).load(conn)?,
                None => early.load(conn)?,
            };
            for (user, status) in early {
                if let Some(t) = map.get_mut(&user) {
                    t.add(status, -1);
                }
            }
        }
    }
    for t in map.values_mut() {
        *t = t.with_total(counted);
    }
    Ok(map)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRow {
    pub user_id: UserId,
    pub full_name: String,
    pub present: i64,
    pub late: i64,
    pub excused: i64,
    pub absent: i64,
    pub unmarked: i64,
    /// 0–100.
    pub attendance_rate: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CohortReport {
    pub cohort_id: CohortId,
    /// Sessions counted: counting for completion, not cancelled, ended.
    pub sessions_counted: i64,
    pub late_weight: f64,
    /// The programme's minimum rate, for comparison.
    pub minimum_rate: i32,
    pub items: Vec<ReportRow>,
    /// Always null: a report comes whole.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Only learners whose rate is below this (0–100).
    pub below: Option<f64>,
    /// Only learners below the programme's minimum rate.
    pub at_risk: Option<bool>,
    /// `csv` for a spreadsheet (same as `Accept: text/csv`).
    pub format: Option<String>,
    /// CSV separator: `comma` (default) or `semicolon` (French Excel).
    pub delimiter: Option<String>,
}

/// `GET /api/v1/cohorts/{id}/attendance`: per-learner counts and rate, as JSON or CSV (staff, trainers).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/attendance", tag = "attendance",
    security(("bearer" = [])),
    description = "Per learner (active or completed), counts per status over the sessions that \
        count for completion, are not cancelled and have ended, and \
        `attendance_rate = 100 × (present + w × late) / (present + late + absent + unmarked)` \
        where `w` is the late weight (default 0.8); excused sessions are left out of the \
        denominator; 100 when nothing counts yet. `Accept: text/csv` or `?format=csv` returns \
        UTF-8 CSV with a byte-order mark; cells starting with = + - @ are prefixed with `'`.",
    params(
        ("id" = CohortId, Path),
        ReportParams,
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a report the client holds"),
    ),
    responses(
        (status = 200, description = "The report, as JSON or as CSV", content(
            (CohortReport = "application/json"),
            (String = "text/csv"),
        ), headers(("ETag" = String, description = "Weak validator of this answer; send it back in `If-None-Match`"))),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cohort_report(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    params: web::Query<ReportParams>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let params = params.into_inner();
    if params.below.is_some_and(|b| !(0.0..=100.0).contains(&b)) {
        return Err(AppError::field(
            "below",
            Issue::Range {
                min: Some(0.0),
                max: Some(100.0),
            },
        ));
    }
    let delimiter = match params.delimiter.as_deref() {
        None | Some("comma") => ',',
        Some("semicolon") => ';',
        Some(_) => {
            return Err(AppError::field(
                "delimiter",
                Issue::OneOf(vec!["comma".into(), "semicolon".into()]),
            ))
        }
    };
    let wants_csv = params.format.as_deref() == Some("csv")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"));
    let now = state.clock.now_naive();
    let late_weight = state.settings.attendance_late_weight;
    let cache = state.cache.clone();
    let answer = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        let (cohort, _) =
            cohorts::cohort_for(conn, &actor, id, false, CohortAccess::can_view_members)?;
        let programme = programmes::find(conn, cohort.programme_id)?.ok_or(AppError::NotFound)?;
        let counting = Counting::load(conn, id, now)?;
        let threshold = match (params.below, params.at_risk) {
            (Some(b), _) => Some(b),
            (None, Some(true)) => Some(f64::from(programme.min_attendance_rate)),
            _ => None,
        };
        let key = ReportKey {
            cohort: id,
            versions: (cohort.members_version, cohort.sessions_version),
            counting: (counting.versions, counting.counted),
            min_attendance_rate: programme.min_attendance_rate,
            threshold: threshold.map(f64::to_bits),
            csv: wants_csv.then_some(delimiter),
        };
        cache.get_or_make_for(&key, || -> Result<Cached, AppError> {
            let learners = super::learners_by_name(conn, id)?;
            let ids: Vec<UserId> = learners.iter().map(|(u, _)| *u).collect();
            let tallies = tallies(conn, id, &counting, &ids, None)?;
            let items: Vec<ReportRow> = learners
                .into_iter()
                .map(|(user_id, full_name)| {
                    let t = tallies.get(&user_id).copied().unwrap_or_default();
                    ReportRow {
                        user_id,
                        full_name,
                        present: t.present,
                        late: t.late,
                        excused: t.excused,
                        absent: t.absent,
                        unmarked: t.unmarked,
                        attendance_rate: t.rate(late_weight),
                    }
                })
                .filter(|r| threshold.is_none_or(|th| r.attendance_rate < th))
                .collect();
            if wants_csv {
                return Ok(Cached::new(to_csv(&items, delimiter).into()));
            }
            Ok(Cached::json(&CohortReport {
                cohort_id: id,
                sessions_counted: counting.counted,
                late_weight,
                minimum_rate: programme.min_attendance_rate,
                items,
                next_cursor: None,
            })?)
        })
    })
    .await?;
    if wants_csv {
        let mut res = cache::respond(&req, &answer, "text/csv; charset=utf-8");
        res.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            header::HeaderValue::try_from(format!("attachment; filename=\"attendance-{id}.csv\""))
                .map_err(|e| AppError::Internal(e.to_string()))?,
        );
        return Ok(res);
    }
    Ok(cache::respond(&req, &answer, cache::JSON))
}

/// Excel shows accents with a BOM; a cell that starts like a formula is
/// neutralised so opening the file never runs it.
pub fn to_csv(rows: &[ReportRow], delimiter: char) -> String {
    let mut out = String::from("\u{feff}");
    let header = [
        "user_id",
        "full_name",
        "present",
        "late",
        "excused",
        "absent",
        "unmarked",
        "attendance_rate",
    ];
    push_row(&mut out, header.iter().map(|h| h.to_string()), delimiter);
    for r in rows {
        push_row(
            &mut out,
            [
                r.user_id.to_string(),
                r.full_name.clone(),
                r.present.to_string(),
                r.late.to_string(),
                r.excused.to_string(),
                r.absent.to_string(),
                r.unmarked.to_string(),
                format!("{:.1}", r.attendance_rate),
            ]
            .into_iter(),
            delimiter,
        );
    }
    out
}

fn push_row(out: &mut String, cells: impl Iterator<Item = String>, delimiter: char) {
    let mut first = true;
    for cell in cells {
        if !first {
            out.push(delimiter);
        }
        first = false;
        out.push_str(&csv_cell(&cell, delimiter));
    }
    out.push_str("\r\n");
}

pub fn csv_cell(value: &str, delimiter: char) -> String {
    let mut v = value.to_owned();
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.insert(0, '\'');
    }
    if v.contains([delimiter, '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyRecord {
    pub session_id: SessionId,
    pub session_title: String,
    pub starts_at: DateTime<Utc>,
    pub status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub marked_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyCohortAttendance {
    pub cohort_id: CohortId,
    pub cohort_name: String,
    pub sessions_counted: i64,
    pub present: i64,
    pub late: i64,
    pub excused: i64,
    pub absent: i64,
    pub unmarked: i64,
    pub attendance_rate: f64,
    /// Every record of the learner in this cohort, by session start.
    pub records: Vec<MyRecord>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyAttendance {
    pub items: Vec<MyCohortAttendance>,
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/me/attendance`: the caller's records and rate in each cohort they learn in.
#[utoipa::path(
    get, path = "/api/v1/me/attendance", tag = "attendance",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MyAttendance),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_attendance(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let late_weight = state.settings.attendance_late_weight;
    let body = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        let mine: Vec<(CohortId, String)> = memberships::table
            .inner_join(cohorts_t::table)
            .filter(memberships::user_id.eq(actor.id))
            .filter(memberships::role.eq(MemberRole::Learner))
            .filter(memberships::status.eq_any(SEAT_HOLDERS))
            .order(cohorts_t::starts_on.desc())
            .select((cohorts_t::id, cohorts_t::name))
            .load(conn)?;
        let mut items = Vec::with_capacity(mine.len());
        for (cohort_id, cohort_name) in mine {
            let counting = Counting::load(conn, cohort_id, now)?;
            let counted = counting.counted;
            let tallies = tallies(conn, cohort_id, &counting, &[actor.id], Some(actor.id))?;
            let t = tallies.get(&actor.id).copied().unwrap_or_default();
            let records: Vec<(
                SessionId,
                String,
                NaiveDateTime,
                AttendanceStatus,
                AttendanceMethod,
                NaiveDateTime,
            )> = attendance::table
                .inner_join(sessions::table)
                .filter(attendance::user_id.eq(actor.id))
                .filter(sessions::cohort_id.eq(cohort_id))
                .filter(sessions::deleted_at.is_null())
                .order(sessions::starts_at.asc())
                .select((
                    sessions::id,
                    sessions::title,
                    sessions::starts_at,
                    attendance::status,
                    attendance::method,
                    attendance::marked_at,
                ))
                .load(conn)?;
            items.push(MyCohortAttendance {
                cohort_id,
                cohort_name,
                sessions_counted: counted,
                present: t.present,
                late: t.late,
                excused: t.excused,
                absent: t.absent,
                unmarked: t.unmarked,
                attendance_rate: t.rate(late_weight),
                records: records
                    .into_iter()
                    .map(
                        |(session_id, session_title, starts_at, status, method, marked_at)| {
                            MyRecord {
                                session_id,
                                session_title,
                                starts_at: starts_at.and_utc(),
                                status,
                                method,
                                marked_at: marked_at.and_utc(),
                            }
                        },
                    )
                    .collect(),
            });
        }
        Ok(MyAttendance {
            items,
            next_cursor: None,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(present: i64, late: i64, excused: i64, absent: i64, counted: i64) -> Tally {
        Tally {
            present,
            late,
            excused,
            absent,
            unmarked: 0,
        }
        .with_total(counted)
    }

    #[test]
    fn the_rate_weighs_late_and_leaves_excused_out() {
        // 10 sessions: 6 present, 2 late, 1 excused, 1 unmarked.
        let t = tally(6, 2, 1, 0, 10);
        assert_eq!(t.unmarked, 1);
        // (6 + 0.8 × 2) / (6 + 2 + 0 + 1) = 7.6 / 9 = 84.4 %
        assert_eq!(t.rate(0.8), 84.4);
        assert_eq!(tally(4, 0, 0, 0, 4).rate(0.8), 100.0);
        assert_eq!(tally(0, 0, 0, 3, 3).rate(0.8), 0.0);
        assert_eq!(tally(0, 0, 2, 0, 2).rate(0.8), 100.0, "all excused");
        assert_eq!(tally(0, 0, 0, 0, 0).rate(0.8), 100.0, "nothing counted yet");
        assert_eq!(tally(0, 1, 0, 0, 1).rate(1.0), 100.0);
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("Awa Traoré", ','), "Awa Traoré");
        assert_eq!(
            csv_cell("=HYPERLINK(\"x\")", ','),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(csv_cell("+225 07", ','), "'+225 07");
        assert_eq!(csv_cell("-1", ','), "'-1");
        assert_eq!(csv_cell("@cmd", ','), "'@cmd");
        assert_eq!(csv_cell("Diallo, Aminata", ','), "\"Diallo, Aminata\"");
        assert_eq!(csv_cell("Diallo, Aminata", ';'), "Diallo, Aminata");
    }
}
