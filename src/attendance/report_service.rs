//! Attendance reports. The rate counts only sessions that count for
//! completion, are not cancelled or deleted, and have ended:
//!
//! `rate = 100 × (present + w × late) / (present + late + absent + unmarked)`
//!
//! with `w` the late weight (`ATTENDANCE_LATE_WEIGHT`, default 0.8);
//! excused sessions are left out of the denominator. A learner with nothing
//! counted yet has a rate of 100.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::queries::learners_by_name;
use super::report_dto::{
    to_csv, CohortReport, MyAttendance, MyCohortAttendance, MyRecord, ReportRow,
};
use super::report_queries::{self as q, Counting};
use super::rows::AttendanceStatus;
use crate::access::CohortAccess;
use crate::cache::{Cached, ResponseCache};
use crate::cohorts;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::http::AuthUser;
use crate::programmes;
use crate::vocab::{CohortId, UserId};

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

/// Tallies over the sessions of a cohort that count at `now` (see
/// [`Counting`]), for the given learners (or just `only`): a tally per
/// learner.
///
/// The running counts of `attendance_tallies` (kept by triggers, migration
/// 5) cover every counted session, ended or not; the records of those that
/// have not ended yet, usually none or one session's, are taken off. So a
/// report reads one row per learner instead of grouping the cohort's
/// thousands of records.
pub fn tallies(
    conn: &mut DbConnection,
    cohort: CohortId,
    counting: &Counting,
    learners: &[UserId],
    only: Option<UserId>,
) -> Result<HashMap<UserId, Tally>, AppError> {
    let (counted, pending) = (counting.counted, &counting.pending);
    let mut map: HashMap<UserId, Tally> = learners.iter().map(|u| (*u, Tally::default())).collect();
    if counted > 0 && !learners.is_empty() {
        for (user, present, late, excused, absent) in q::running_tallies(conn, cohort, only)? {
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
            for (user, status) in q::pending_records(conn, pending, only)? {
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

/// The learners to keep in a report: those below `below` if given, else
/// those below the programme's minimum if `at_risk`, else all.
fn threshold(below: Option<f64>, at_risk: Option<bool>, minimum: i32) -> Option<f64> {
    match (below, at_risk) {
        (Some(b), _) => Some(b),
        (None, Some(true)) => Some(f64::from(minimum)),
        _ => None,
    }
}

/// A cohort's report (staff, trainers), as JSON or, with a separator, as
/// CSV; from the cache when nothing it is made of has changed.
pub fn cohort_report(
    conn: &mut DbConnection,
    cache: &ResponseCache,
    auth: &AuthUser,
    id: CohortId,
    below: Option<f64>,
    at_risk: Option<bool>,
    csv: Option<char>,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<Arc<Cached>, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (cohort, _) = cohorts::cohort_for(conn, &actor, id, false, CohortAccess::can_view_members)?;
    let programme = programmes::find(conn, cohort.programme_id)?.ok_or(AppError::NotFound)?;
    let counting = Counting::load(conn, id, now)?;
    let threshold = threshold(below, at_risk, programme.min_attendance_rate);
    let key = counting.report_key(&cohort, &programme, threshold, csv);
    cache.get_or_make_for(&key, || -> Result<Cached, AppError> {
        let learners = learners_by_name(conn, id)?;
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
        if let Some(delimiter) = csv {
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
}

/// The caller's records and rate in each cohort they learn in.
pub fn my_attendance(
    conn: &mut DbConnection,
    auth: &AuthUser,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<MyAttendance, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let mine = q::my_cohorts(conn, actor.id)?;
    let mut items = Vec::with_capacity(mine.len());
    for (cohort_id, cohort_name) in mine {
        let counting = Counting::load(conn, cohort_id, now)?;
        let counted = counting.counted;
        let tallies = tallies(conn, cohort_id, &counting, &[actor.id], Some(actor.id))?;
        let t = tallies.get(&actor.id).copied().unwrap_or_default();
        let records = q::my_records(conn, actor.id, cohort_id)?;
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
                    |(session_id, session_title, starts_at, status, method, marked_at)| MyRecord {
                        session_id,
                        session_title,
                        starts_at: starts_at.and_utc(),
                        status,
                        method,
                        marked_at: marked_at.and_utc(),
                    },
                )
                .collect(),
        });
    }
    Ok(MyAttendance {
        items,
        next_cursor: None,
    })
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
    fn below_wins_over_at_risk() {
        assert_eq!(threshold(Some(50.0), Some(true), 80), Some(50.0));
        assert_eq!(threshold(None, Some(true), 80), Some(80.0));
        assert_eq!(threshold(None, Some(false), 80), None);
        assert_eq!(threshold(None, None, 80), None);
    }
}
