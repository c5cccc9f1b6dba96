//! Progress: where each learner stands against the programme's completion
//! rule. The attendance rate is the attendance report's own (the same
//! tallies, the same formula, `attendance::report_service`); accepted
//! submissions are the current versions accepted by a reviewer.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::codes;
use super::dto::{CohortProgress, LearnerProgress, MyProgress, MyProgressItem, ProgressDto};
use super::queries;
pub use super::rule::Rule;
use crate::access::CohortAccess;
use crate::attendance::report_queries::Counting;
use crate::attendance::report_service::tallies;
use crate::cache::{Cached, ResponseCache};
use crate::casework::queries::accepted_counts;
use crate::cohorts::Cohort;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::http::AuthUser;
use crate::programmes::Programme;
use crate::vocab::{CohortId, UserId};

/// The progress of `learners` (id, name) in a cohort at `now`; of only
/// one of them when `only` is given.
pub fn of_learners(
    conn: &mut DbConnection,
    cohort: CohortId,
    rule: Rule,
    learners: Vec<(UserId, String)>,
    only: Option<UserId>,
    counting: Counting,
    late_weight: f64,
) -> Result<Vec<LearnerProgress>, AppError> {
    let ids: Vec<UserId> = learners.iter().map(|(u, _)| *u).collect();
    let tallies = tallies(conn, cohort, &counting, &ids, only)?;
    let accepted: HashMap<UserId, i64> = accepted_counts(conn, cohort, only)?.into_iter().collect();
    let codes: HashMap<UserId, String> =
        queries::codes_of(conn, cohort, only)?.into_iter().collect();
    Ok(learners
        .into_iter()
        .map(|(user_id, full_name)| {
            let rate = tallies
                .get(&user_id)
                .copied()
                .unwrap_or_default()
                .rate(late_weight);
            let accepted = accepted.get(&user_id).copied().unwrap_or(0);
            LearnerProgress {
                user_id,
                full_name,
                progress: ProgressDto {
                    cohort_id: cohort,
                    attendance_rate: rate,
                    sessions_counted: counting.counted,
                    submissions_accepted: accepted,
                    required_submissions: rule.required_submissions,
                    completed: rule.completed(rate, counting.counted, accepted),
                    certificate_code: codes.get(&user_id).map(|c| codes::display(c)),
                },
            }
        })
        .collect())
}

/// Every learner (active or completed) of a cohort, by name.
pub fn of_cohort(
    conn: &mut DbConnection,
    cohort: &Cohort,
    programme: &Programme,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<Vec<LearnerProgress>, AppError> {
    let counting = Counting::load(conn, cohort.id, now)?;
    of_cohort_counted(conn, cohort, Rule::from(programme), counting, late_weight)
}

fn of_cohort_counted(
    conn: &mut DbConnection,
    cohort: &Cohort,
    rule: Rule,
    counting: Counting,
    late_weight: f64,
) -> Result<Vec<LearnerProgress>, AppError> {
    let learners = crate::attendance::queries::learners_by_name(conn, cohort.id)?;
    of_learners(conn, cohort.id, rule, learners, None, counting, late_weight)
}

/// `GET /me/progress`: the caller's progress in every cohort they learn in.
pub fn mine(
    conn: &mut DbConnection,
    auth: &AuthUser,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<MyProgress, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let learning = queries::my_learning(conn, actor.id)?;
    Ok(mine_in(conn, actor.id, learning, now, late_weight)?.0)
}

/// The progress of `me` in the cohorts of `learning` (see
/// [`queries::my_learning`]), whose rights were read already, and when it
/// next changes with time alone (the end of a session that counts).
pub fn mine_in(
    conn: &mut DbConnection,
    me: UserId,
    learning: Vec<queries::Learning>,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<(MyProgress, Option<NaiveDateTime>), AppError> {
    let mut items = Vec::new();
    let mut changes_at: Option<NaiveDateTime> = None;
    for (cohort, name, min_attendance_rate, required_submissions) in learning {
        let rule = Rule {
            min_attendance_rate,
            required_submissions,
        };
        let only = vec![(me, String::new())];
        // Not cached: the versions would be read for nothing.
        let counting = Counting::load_unversioned(conn, cohort, now)?;
        changes_at = crate::clock::earliest(changes_at, counting.next_end);
        let rows = of_learners(conn, cohort, rule, only, Some(me), counting, late_weight)?;
        items.extend(rows.into_iter().map(|r| MyProgressItem {
            progress: r.progress,
            cohort_name: name.clone(),
        }));
    }
    Ok((MyProgress { items }, changes_at))
}

/// `GET /cohorts/{id}/progress` (staff, trainers), kept to those who have
/// (or have not) completed if asked, as JSON or, with a separator, as CSV;
/// from the cache when nothing it is made of has changed.
#[allow(clippy::too_many_arguments)]
pub fn cohort(
    conn: &mut DbConnection,
    cache: &ResponseCache,
    auth: &AuthUser,
    id: CohortId,
    completed: Option<bool>,
    csv: Option<char>,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<Arc<Cached>, AppError> {
    let (cohort, rule) =
        queries::cohort_for_progress(conn, auth, id, CohortAccess::can_view_progress)?;
    let counting = Counting::load(conn, id, now)?;
    let key = queries::progress_key(&cohort, rule, &counting, completed, csv);
    cache.get_or_make_for(&key, || -> Result<Cached, AppError> {
        let items: Vec<LearnerProgress> =
            of_cohort_counted(conn, &cohort, rule, counting, late_weight)?
                .into_iter()
                .filter(|r| completed.is_none_or(|c| r.progress.completed == c))
                .collect();
        if let Some(delimiter) = csv {
            return Ok(Cached::new(to_csv(&items, delimiter).into()));
        }
        Ok(Cached::json(&CohortProgress {
            cohort_id: cohort.id,
            min_attendance_rate: rule.min_attendance_rate,
            required_submissions: rule.required_submissions,
            items,
            next_cursor: None,
        })?)
    })
}

/// The CSV form of a cohort's progress: the attendance report's BOM,
/// separator choice and formula guard.
pub fn to_csv(rows: &[LearnerProgress], delimiter: char) -> String {
    use crate::attendance::report_dto::{csv_decimal, push_row};
    let mut out = String::from("\u{feff}");
    let header = [
        "user_id",
        "full_name",
        "attendance_rate",
        "sessions_counted",
        "submissions_accepted",
        "required_submissions",
        "completed",
        "certificate_code",
    ];
    push_row(&mut out, header.iter().map(|h| h.to_string()), delimiter);
    for r in rows {
        let p = &r.progress;
        push_row(
            &mut out,
            [
                r.user_id.to_string(),
                r.full_name.clone(),
                csv_decimal(p.attendance_rate, delimiter),
                p.sessions_counted.to_string(),
                p.submissions_accepted.to_string(),
                p.required_submissions.to_string(),
                p.completed.to_string(),
                p.certificate_code.clone().unwrap_or_default(),
            ]
            .into_iter(),
            delimiter,
        );
    }
    out
}
