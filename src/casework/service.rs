//! The use cases of case studies: assignments set by the cohort's staff
//! and trainers, work handed in by its learners, reviews. Who may do what
//! is decided by the rules of `access`; the bytes of an attachment are
//! moved by the routes (through `materials::upload`) before the row is
//! written here.

use chrono::NaiveDateTime;

use super::dto::{
    AssignmentDto, AssignmentList, CohortAssignment, CreateAssignmentRequest, MySubmission,
    ReviewDto, ReviewRequest, SubmissionDto, SubmissionHistory, SubmissionList, SubmissionVersion,
    UpdateAssignmentRequest,
};
use super::queries::{self, AssignmentContext};
use super::rows::{
    Assignment, AssignmentId, Review, ReviewId, Submission, SubmissionId, SubmissionStatus,
};
use crate::access::{Actor, CohortAccess};
use crate::cohorts::{self, Cohort};
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Issue, Msg};
use crate::http::AuthUser;
use crate::materials::serve::StoredFile;
use crate::materials::upload::Stored;
use crate::sessions::{session_for, Session};
use crate::vocab::{CohortId, SessionId};

/// An assignment the caller may reach under `rule`, with its session,
/// cohort and the caller's access; 404 to outsiders, 403 to insiders
/// without the right.
fn assignment_for(
    conn: &mut DbConnection,
    actor: &Actor,
    id: AssignmentId,
    rule: impl Fn(&CohortAccess) -> bool,
) -> Result<(Assignment, Session, Cohort, CohortAccess), AppError> {
    let (assignment, session, cohort, membership) =
        queries::assignment_with_cohort(conn, actor.id, id)?.ok_or(AppError::NotFound)?;
    let access = cohort.access_of(Some(actor), membership);
    access.require(rule(&access))?;
    Ok((assignment, session, cohort, access))
}

/// `POST /sessions/{id}/assignment`: one per session (staff, trainers).
pub fn create_assignment(
    conn: &mut DbConnection,
    auth: &AuthUser,
    session: SessionId,
    body: CreateAssignmentRequest,
    now: NaiveDateTime,
) -> Result<AssignmentDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    write_tx(conn, |conn| {
        let (session, cohort, _) =
            session_for(conn, &actor, session, CohortAccess::can_manage_assignments)?;
        if queries::of_session(conn, session.id)?.is_some() {
            return Err(AppError::Conflict(Msg::AssignmentExists));
        }
        let row = Assignment {
            id: AssignmentId::new(),
            session_id: session.id,
            brief: body.brief.trim().to_owned(),
            due_at: crate::sessions::to_utc(body.due_at),
            max_score: body.max_score,
            created_by: actor.id,
            created_at: now,
            updated_at: now,
        };
        // A parallel creation breaks the unique session_id: 409 as well.
        queries::insert_assignment(conn, &row).map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict(Msg::AssignmentExists),
            other => other,
        })?;
        Ok(AssignmentDto::new(row, cohort.id))
    })
}

/// `GET /assignments/{id}` (staff, admitted members).
pub fn get_assignment(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: AssignmentId,
) -> Result<AssignmentDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (assignment, _, cohort, _) =
        assignment_for(conn, &actor, id, CohortAccess::can_see_assignments)?;
    Ok(AssignmentDto::new(assignment, cohort.id))
}

/// `PATCH /assignments/{id}` (staff, trainers). The maximum may not go
/// below a score already given.
pub fn update_assignment(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: AssignmentId,
    body: UpdateAssignmentRequest,
    now: NaiveDateTime,
) -> Result<AssignmentDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    write_tx(conn, |conn| {
        let (mut assignment, _, cohort, _) =
            assignment_for(conn, &actor, id, CohortAccess::can_manage_assignments)?;
        if let Some(brief) = body.brief {
            assignment.brief = brief.trim().to_owned();
        }
        if let Some(due_at) = body.due_at {
            assignment.due_at = crate::sessions::to_utc(due_at);
        }
        if let Some(max_score) = body.max_score {
            if let Some(highest) = queries::highest_score(conn, id)? {
                if max_score < highest {
                    return Err(AppError::field(
                        "max_score",
                        Issue::Range {
                            min: Some(f64::from(highest)),
                            max: Some(f64::from(super::dto::MAX_SCORE)),
                        },
                    ));
                }
            }
            assignment.max_score = max_score;
        }
        assignment.updated_at = now;
        queries::update_assignment(
            conn,
            id,
            &assignment.brief,
            assignment.due_at,
            assignment.max_score,
            now,
        )?;
        Ok(AssignmentDto::new(assignment, cohort.id))
    })
}

/// `GET /cohorts/{id}/assignments` (staff, admitted members); a learner
/// also sees where their own work stands.
pub fn cohort_assignments(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: CohortId,
) -> Result<AssignmentList, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (cohort, access) =
        cohorts::cohort_for(conn, &actor, id, false, CohortAccess::can_see_assignments)?;
    let rows = queries::of_cohort(conn, cohort.id)?;
    let learner = matches!(
        access.membership,
        Some((crate::vocab::MemberRole::Learner, _))
    );
    let mut mine = if learner {
        let ids: Vec<AssignmentId> = rows.iter().map(|(a, _, _)| a.id).collect();
        queries::current_of_user(conn, actor.id, &ids)?
    } else {
        Vec::new()
    };
    let items = rows
        .into_iter()
        .map(|(assignment, session_title, starts_at)| {
            let my_submission = mine
                .iter()
                .position(|s| s.assignment_id == assignment.id)
                .map(|i| mine.swap_remove(i))
                .map(|s| MySubmission {
                    id: s.id,
                    status: s.status,
                    score: s.score,
                    late: s.late,
                });
            CohortAssignment {
                assignment: AssignmentDto::new(assignment, cohort.id),
                session_title,
                session_starts_at: starts_at.and_utc(),
                my_submission,
            }
        })
        .collect();
    Ok(AssignmentList {
        items,
        next_cursor: None,
    })
}

/// Checks, before a byte is read, that the caller may hand in work for
/// the assignment and has no submission waiting or accepted.
pub fn require_submit_right(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: AssignmentId,
) -> Result<(), AppError> {
    let actor = crate::users::actor(conn, auth)?;
    assignment_for(conn, &actor, id, CohortAccess::can_submit)?;
    if let Some(current) = queries::current_for_update(conn, id, actor.id)? {
        refuse_unless_revisable(&current)?;
    }
    Ok(())
}

fn refuse_unless_revisable(current: &Submission) -> Result<(), AppError> {
    match current.status {
        SubmissionStatus::NeedsRevision => Ok(()),
        SubmissionStatus::Submitted | SubmissionStatus::Accepted => {
            Err(AppError::Conflict(Msg::AlreadySubmitted))
        }
    }
}

/// What a learner hands in: text, a link, a stored file (with its
/// original name), at least one of them.
pub struct HandIn {
    pub body: Option<String>,
    pub link_url: Option<String>,
    pub file: Option<(Stored, String)>,
}

/// `POST /assignments/{id}/submissions` (active learners): a first
/// hand-in, or a new version of work that needs revision (the earlier one
/// is kept, superseded). Late work is accepted and flagged.
pub fn submit(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: AssignmentId,
    hand_in: HandIn,
    now: NaiveDateTime,
) -> Result<SubmissionDto, AppError> {
    let body = hand_in.body.filter(|b| !b.trim().is_empty());
    if body.is_none() && hand_in.link_url.is_none() && hand_in.file.is_none() {
        return Err(AppError::field("body", Issue::Required));
    }
    let actor = crate::users::actor(conn, auth)?;
    let full_name = crate::users::find(conn, actor.id)?
        .ok_or(AppError::NotFound)?
        .full_name;
    write_tx(conn, |conn| {
        // The right is read again: it may have gone during an upload.
        let (assignment, ..) = assignment_for(conn, &actor, id, CohortAccess::can_submit)?;
        // Versions are only ever superseded by the next one, in this
        // transaction: without a current version there is none at all.
        let version = match queries::current_for_update(conn, id, actor.id)? {
            Some(current) => {
                refuse_unless_revisable(&current)?;
                queries::supersede(conn, current.id, now)?;
                current.version + 1
            }
            None => 1,
        };
        let (file_name, stored) = match hand_in.file {
            Some((stored, name)) => (Some(name), Some(stored)),
            None => (None, None),
        };
        let row = Submission {
            id: stored
                .as_ref()
                .map_or_else(SubmissionId::new, |s| SubmissionId(s.id)),
            assignment_id: id,
            user_id: actor.id,
            version,
            body,
            link_url: hand_in.link_url,
            file_name,
            content_type: stored.as_ref().map(|s| s.content_type.to_owned()),
            size_bytes: stored.as_ref().map(|s| s.size as i64),
            sha256: stored.as_ref().map(|s| s.sha256.clone()),
            storage_key: stored.as_ref().map(|s| s.key.clone()),
            status: SubmissionStatus::Submitted,
            score: None,
            feedback: None,
            late: now > assignment.due_at,
            submitted_at: now,
            reviewed_by: None,
            reviewed_at: None,
            superseded_at: None,
        };
        // Two first hand-ins at once: the unique current index refuses one.
        queries::insert_submission(conn, &row).map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict(Msg::AlreadySubmitted),
            other => other,
        })?;
        Ok(SubmissionDto::new(row, full_name))
    })
}

/// `GET /assignments/{id}/submissions`: every current submission for
/// staff and trainers; a learner's own for a learner.
pub fn list_submissions(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: AssignmentId,
    status: Option<SubmissionStatus>,
) -> Result<SubmissionList, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (_, _, _, access) = assignment_for(conn, &actor, id, CohortAccess::can_see_assignments)?;
    let only = (!access.can_review()).then_some(actor.id);
    let items = queries::current_of_assignment(conn, id, only, status)?
        .into_iter()
        .map(|(s, name)| SubmissionDto::new(s, name))
        .collect();
    Ok(SubmissionList {
        items,
        next_cursor: None,
    })
}

/// A submission the caller may read: its author's, or anyone's for staff
/// and trainers. Everyone else gets 404: another learner's work is not
/// theirs to know of.
fn submission_for(
    conn: &mut DbConnection,
    actor: &Actor,
    id: SubmissionId,
    lock: bool,
) -> Result<(Submission, String, AssignmentContext, CohortAccess), AppError> {
    let (submission, name, context) =
        queries::submission_with_context(conn, actor.id, id, lock)?.ok_or(AppError::NotFound)?;
    let access = context.2.access_of(Some(actor), context.3);
    if submission.user_id != actor.id && !access.can_review() {
        return Err(AppError::NotFound);
    }
    Ok((submission, name, context, access))
}

/// `GET /submissions/{id}/history`: every version of that learner's work
/// for the assignment, with every review (author, staff, trainers).
pub fn history(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SubmissionId,
) -> Result<SubmissionHistory, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (submission, name, ..) = submission_for(conn, &actor, id, false)?;
    let versions = queries::versions(conn, submission.assignment_id, submission.user_id)?;
    let ids: Vec<SubmissionId> = versions.iter().map(|v| v.id).collect();
    let mut reviews = queries::reviews_of(conn, &ids)?;
    let items = versions
        .into_iter()
        .map(|v| {
            let (mine, rest): (Vec<_>, Vec<_>) = reviews
                .drain(..)
                .partition(|(r, _)| r.submission_id == v.id);
            reviews = rest;
            let mine = mine
                .into_iter()
                .map(|(r, reviewer)| ReviewDto::new(r, reviewer))
                .collect();
            SubmissionVersion::new(v, name.clone(), mine)
        })
        .collect();
    Ok(SubmissionHistory { items })
}

/// The attachment of a submission to download (author, staff, trainers);
/// 404 when it has none.
pub fn attachment(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SubmissionId,
) -> Result<StoredFile, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (submission, ..) = submission_for(conn, &actor, id, false)?;
    match (
        submission.storage_key,
        submission.sha256,
        submission.size_bytes,
    ) {
        (Some(key), Some(sha256), Some(size)) => Ok(StoredFile {
            key,
            sha256,
            size: size as u64,
            content_type: submission.content_type,
            file_name: submission
                .file_name
                .unwrap_or_else(|| "submission".to_owned()),
        }),
        _ => Err(AppError::NotFound),
    }
}

/// `PATCH /submissions/{id}/review` (staff, trainers): the verdict on the
/// current version; every review is kept.
pub fn review(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SubmissionId,
    body: ReviewRequest,
    now: NaiveDateTime,
) -> Result<SubmissionDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    write_tx(conn, |conn| {
        let (mut submission, name, (assignment, ..), access) =
            submission_for(conn, &actor, id, true)?;
        // The author is a learner: 403, they know their own work exists.
        access.require(access.can_review())?;
        if submission.superseded_at.is_some() {
            return Err(AppError::Conflict(Msg::NotCurrentVersion));
        }
        if let Some(score) = body.score {
            if score > assignment.max_score {
                return Err(AppError::field(
                    "score",
                    Issue::Range {
                        min: Some(0.0),
                        max: Some(f64::from(assignment.max_score)),
                    },
                ));
            }
        }
        let feedback = body.feedback.filter(|f| !f.trim().is_empty());
        let review = Review {
            id: ReviewId::new(),
            submission_id: submission.id,
            reviewer_id: actor.id,
            status: body.status,
            score: body.score,
            feedback: feedback.clone(),
            reviewed_at: now,
        };
        queries::record_review(conn, &review)?;
        submission.status = body.status.into();
        submission.score = body.score;
        submission.feedback = feedback;
        submission.reviewed_by = Some(actor.id);
        submission.reviewed_at = Some(now);
        Ok(SubmissionDto::new(submission, name))
    })
}

/// Which of `keys` a submission still names (housekeeping's sweep of
/// orphaned bytes).
pub fn known_keys(
    conn: &mut DbConnection,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, AppError> {
    let mut known = std::collections::HashSet::new();
    for batch in keys.chunks(500) {
        known.extend(queries::known_keys(conn, batch)?);
    }
    Ok(known)
}
