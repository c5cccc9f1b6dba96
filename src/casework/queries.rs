//! Every diesel call of case studies.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{Assignment, AssignmentId, Review, Submission, SubmissionId, SubmissionStatus};
use crate::access::Membership;
use crate::cohorts::Cohort;
use crate::db::DbConnection;
use crate::schema::{
    assignments, cohorts, memberships, sessions, submission_reviews, submissions, users,
};
use crate::sessions::Session;
use crate::vocab::{CohortId, SessionId, UserId};

/// An assignment of a live session, its session, cohort and `user`'s
/// membership of the cohort, in one round trip.
pub type AssignmentContext = (Assignment, Session, Cohort, Option<Membership>);

pub fn assignment_with_cohort(
    conn: &mut DbConnection,
    user: UserId,
    id: AssignmentId,
) -> QueryResult<Option<AssignmentContext>> {
    assignments::table
        .inner_join(sessions::table.inner_join(cohorts::table))
        .left_join(
            memberships::table.on(memberships::cohort_id
                .eq(sessions::cohort_id)
                .and(memberships::user_id.eq(user))),
        )
        .filter(assignments::id.eq(id))
        .filter(sessions::deleted_at.is_null())
        .select((
            Assignment::as_select(),
            Session::as_select(),
            Cohort::as_select(),
            (memberships::role, memberships::status).nullable(),
        ))
        .first(conn)
        .optional()
}

/// The assignment of a session, if it has one.
pub fn of_session(conn: &mut DbConnection, session: SessionId) -> QueryResult<Option<Assignment>> {
    assignments::table
        .filter(assignments::session_id.eq(session))
        .select(Assignment::as_select())
        .first(conn)
        .optional()
}

pub fn insert_assignment(conn: &mut DbConnection, row: &Assignment) -> QueryResult<()> {
    diesel::insert_into(assignments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update_assignment(
    conn: &mut DbConnection,
    id: AssignmentId,
    brief: &str,
    due_at: NaiveDateTime,
    max_score: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(assignments::table.find(id))
        .set((
            assignments::brief.eq(brief),
            assignments::due_at.eq(due_at),
            assignments::max_score.eq(max_score),
            assignments::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The highest score given to a current submission of the assignment.
pub fn highest_score(conn: &mut DbConnection, id: AssignmentId) -> QueryResult<Option<i32>> {
    submissions::table
        .filter(submissions::assignment_id.eq(id))
        .filter(submissions::superseded_at.is_null())
        .select(diesel::dsl::max(submissions::score))
        .first(conn)
}

/// The assignments of a cohort's live sessions with their session's title
/// and start, by due date.
pub fn of_cohort(
    conn: &mut DbConnection,
    cohort: CohortId,
) -> QueryResult<Vec<(Assignment, String, NaiveDateTime)>> {
    assignments::table
        .inner_join(sessions::table)
        .filter(sessions::cohort_id.eq(cohort))
        .filter(sessions::deleted_at.is_null())
        .order((assignments::due_at.asc(), assignments::id.asc()))
        .select((
            Assignment::as_select(),
            sessions::title,
            sessions::starts_at,
        ))
        .load(conn)
}

/// The current submissions of `user` to these assignments.
pub fn current_of_user(
    conn: &mut DbConnection,
    user: UserId,
    assignments: &[AssignmentId],
) -> QueryResult<Vec<Submission>> {
    submissions::table
        .filter(submissions::user_id.eq(user))
        .filter(submissions::assignment_id.eq_any(assignments))
        .filter(submissions::superseded_at.is_null())
        .select(Submission::as_select())
        .load(conn)
}

/// The current submission of `user` to the assignment; on PostgreSQL
/// locked until the end of the transaction (SQLite's write transaction
/// already excludes other writers).
pub fn current_for_update(
    conn: &mut DbConnection,
    assignment: AssignmentId,
    user: UserId,
) -> QueryResult<Option<Submission>> {
    let current = submissions::table
        .filter(submissions::assignment_id.eq(assignment))
        .filter(submissions::user_id.eq(user))
        .filter(submissions::superseded_at.is_null());
    match conn {
        DbConnection::Pg(pg) => current
            .select(Submission::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(lite) => current
            .select(Submission::as_select())
            .first(lite)
            .optional(),
    }
}

pub fn supersede(conn: &mut DbConnection, id: SubmissionId, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(submissions::table.find(id))
        .set(submissions::superseded_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

pub fn insert_submission(conn: &mut DbConnection, row: &Submission) -> QueryResult<()> {
    diesel::insert_into(submissions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The current submissions to an assignment with their authors' names,
/// by name; only those of `only` if given, only of `status` if given.
pub fn current_of_assignment(
    conn: &mut DbConnection,
    assignment: AssignmentId,
    only: Option<UserId>,
    status: Option<SubmissionStatus>,
) -> QueryResult<Vec<(Submission, String)>> {
    let mut query = submissions::table
        .inner_join(users::table.on(users::id.eq(submissions::user_id)))
        .filter(submissions::assignment_id.eq(assignment))
        .filter(submissions::superseded_at.is_null())
        .select((Submission::as_select(), users::full_name))
        .order((users::full_name.asc(), submissions::id.asc()))
        .into_boxed();
    if let Some(user) = only {
        query = query.filter(submissions::user_id.eq(user));
    }
    if let Some(status) = status {
        query = query.filter(submissions::status.eq(status));
    }
    query.load(conn)
}

/// A submission, its author's name, its assignment's context for `user`
/// (see [`assignment_with_cohort`]); on PostgreSQL, with `lock`, the
/// submission row stays locked until the end of the transaction.
pub fn submission_with_context(
    conn: &mut DbConnection,
    user: UserId,
    id: SubmissionId,
    lock: bool,
) -> QueryResult<Option<(Submission, String, AssignmentContext)>> {
    if let (DbConnection::Pg(pg), true) = (&mut *conn, lock) {
        submissions::table
            .find(id)
            .select(submissions::id)
            .for_update()
            .first::<SubmissionId>(pg)
            .optional()?;
    }
    let found: Option<(Submission, String)> = submissions::table
        .inner_join(users::table.on(users::id.eq(submissions::user_id)))
        .filter(submissions::id.eq(id))
        .select((Submission::as_select(), users::full_name))
        .first(conn)
        .optional()?;
    let Some((submission, name)) = found else {
        return Ok(None);
    };
    Ok(
        assignment_with_cohort(conn, user, submission.assignment_id)?
            .map(|context| (submission, name, context)),
    )
}

/// Every version `user` handed in for the assignment, newest first.
pub fn versions(
    conn: &mut DbConnection,
    assignment: AssignmentId,
    user: UserId,
) -> QueryResult<Vec<Submission>> {
    submissions::table
        .filter(submissions::assignment_id.eq(assignment))
        .filter(submissions::user_id.eq(user))
        .order(submissions::version.desc())
        .select(Submission::as_select())
        .load(conn)
}

/// The reviews of these submissions with their reviewers' names, oldest
/// first.
pub fn reviews_of(
    conn: &mut DbConnection,
    ids: &[SubmissionId],
) -> QueryResult<Vec<(Review, String)>> {
    submission_reviews::table
        .inner_join(users::table.on(users::id.eq(submission_reviews::reviewer_id)))
        .filter(submission_reviews::submission_id.eq_any(ids))
        .order((
            submission_reviews::reviewed_at.asc(),
            submission_reviews::id.asc(),
        ))
        .select((Review::as_select(), users::full_name))
        .load(conn)
}

/// Records a review and sets the submission's standing from it.
pub fn record_review(conn: &mut DbConnection, review: &Review) -> QueryResult<()> {
    diesel::insert_into(submission_reviews::table)
        .values(review)
        .execute(conn)?;
    diesel::update(submissions::table.find(review.submission_id))
        .set((
            submissions::status.eq(SubmissionStatus::from(review.status)),
            submissions::score.eq(review.score),
            submissions::feedback.eq(review.feedback.as_deref()),
            submissions::reviewed_by.eq(Some(review.reviewer_id)),
            submissions::reviewed_at.eq(Some(review.reviewed_at)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Per learner, how many current submissions to the cohort's assignments
/// (of live sessions) are accepted; of `only` if given.
pub fn accepted_counts(
    conn: &mut DbConnection,
    cohort: CohortId,
    only: Option<UserId>,
) -> QueryResult<Vec<(UserId, i64)>> {
    let mut query = submissions::table
        .inner_join(assignments::table.inner_join(sessions::table))
        .filter(sessions::cohort_id.eq(cohort))
        .filter(sessions::deleted_at.is_null())
        .filter(submissions::superseded_at.is_null())
        .filter(submissions::status.eq(SubmissionStatus::Accepted))
        .group_by(submissions::user_id)
        .select((submissions::user_id, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(user) = only {
        query = query.filter(submissions::user_id.eq(user));
    }
    query.load(conn)
}

/// Which of `keys` a submission still names.
pub fn known_keys(conn: &mut DbConnection, keys: &[String]) -> QueryResult<Vec<String>> {
    let known: Vec<Option<String>> = submissions::table
        .filter(submissions::storage_key.eq_any(keys))
        .select(submissions::storage_key)
        .load(conn)?;
    Ok(known.into_iter().flatten().collect())
}
