//! Enrolment use cases. Each change runs in one write transaction with the
//! cohort row locked (see [`crate::cohorts::seats`]): the seat count, the
//! write and the promotion of the waitlist see the same seats.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::dto::{AddMemberRequest, MemberFilters, MembershipDto, UpdateMemberRequest};
use super::queries;
use crate::access::CohortAccess;
use crate::cohorts::rows::Cohort;
use crate::cohorts::seats::holds_seat;
use crate::cohorts::service::{cohort_for, has_free_seat, promote_waitlisted};
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Issue, Msg};
use crate::http::AuthUser;
use crate::pagination::{page_from, Page};
use crate::users::{self, UserId};
use crate::vocab::{CohortId, CohortStatus, MemberRole, MemberStatus};

/// Status a learner ends up with when admitted now.
fn admit(conn: &mut DbConnection, cohort: &Cohort) -> QueryResult<MemberStatus> {
    Ok(if has_free_seat(conn, cohort)? {
        MemberStatus::Active
    } else {
        MemberStatus::Waitlisted
    })
}

/// The caller applies as a learner: `active` (auto-accept, seat free),
/// `pending` or `waitlisted` (full).
pub fn apply(
    conn: &mut DbConnection,
    auth: AuthUser,
    id: CohortId,
    now: NaiveDateTime,
) -> Result<MembershipDto, AppError> {
    let actor = users::actor(conn, &auth)?;
    let member = write_tx(conn, |conn| {
        let (cohort, _) = cohort_for(conn, &actor, id, true, CohortAccess::can_see_cohort)?;
        if queries::find_membership(conn, id, actor.id)?.is_some() {
            return Err(AppError::Conflict(Msg::AlreadyMember));
        }
        if cohort.status != CohortStatus::Open {
            return Err(AppError::Conflict(Msg::NotAcceptingApplications));
        }
        let status = if cohort.auto_accept {
            admit(conn, &cohort)?
        } else {
            MemberStatus::Pending
        };
        queries::insert(conn, id, actor.id, MemberRole::Learner, status, now)?;
        Ok(queries::load_member(conn, id, actor.id)?)
    })?;
    Ok(MembershipDto::from(member))
}

/// Members, oldest first (staff, trainers): one page of `limit` after the
/// cursor `after`.
pub fn list(
    conn: &mut DbConnection,
    auth: AuthUser,
    id: CohortId,
    filters: MemberFilters,
    after: Option<(NaiveDateTime, UserId)>,
    limit: i64,
) -> Result<Page<MembershipDto>, AppError> {
    let actor = users::actor(conn, &auth)?;
    cohort_for(conn, &actor, id, false, CohortAccess::can_view_members)?;
    let rows = queries::list(conn, id, filters.role, filters.status, after, limit)?;
    Ok(page_from(
        rows,
        limit,
        |(m, _, _)| (m.created_at, m.user_id),
        MembershipDto::from,
    ))
}

/// Staff enrol a trainer or a learner.
pub fn add(
    conn: &mut DbConnection,
    auth: AuthUser,
    id: CohortId,
    body: AddMemberRequest,
    now: NaiveDateTime,
) -> Result<MembershipDto, AppError> {
    let actor = users::actor(conn, &auth)?;
    let member = write_tx(conn, |conn| {
        let (cohort, _) = cohort_for(conn, &actor, id, true, CohortAccess::can_manage_cohort)?;
        if !queries::user_exists(conn, body.user_id)? {
            return Err(AppError::field("user_id", Issue::UnknownUser));
        }
        let status = initial_status(conn, &cohort, body.role, body.status)?;
        queries::insert(conn, id, body.user_id, body.role, status, now)?;
        Ok(queries::load_member(conn, id, body.user_id)?)
    })?;
    Ok(MembershipDto::from(member))
}

/// The status of a member staff add with `role`, asking for `status`:
/// trainers are active; learners asked active are admitted (or waitlisted
/// when full).
fn initial_status(
    conn: &mut DbConnection,
    cohort: &Cohort,
    role: MemberRole,
    status: Option<MemberStatus>,
) -> Result<MemberStatus, AppError> {
    Ok(match (role, status) {
        (MemberRole::Trainer, _) => MemberStatus::Active,
        (MemberRole::Learner, None | Some(MemberStatus::Active)) => admit(conn, cohort)?,
        (MemberRole::Learner, Some(s @ (MemberStatus::Pending | MemberStatus::Waitlisted))) => s,
        (MemberRole::Learner, Some(_)) => {
            return Err(AppError::field(
                "status",
                Issue::OneOf(vec!["active".into(), "pending".into(), "waitlisted".into()]),
            ))
        }
    })
}

/// Moves a staff member may make. Admitting is handled apart (capacity).
fn transition_allowed(from: MemberStatus, to: MemberStatus) -> bool {
    use MemberStatus::*;
    from == to
        || matches!(
            (from, to),
            (Pending, Active | Waitlisted | Rejected | Withdrawn)
                | (Waitlisted, Active | Rejected | Withdrawn)
                | (Active, Withdrawn | Completed)
                | (Completed, Active)
                | (Withdrawn, Active | Pending)
                | (Rejected, Active | Pending)
        )
}

/// Staff accept, reject, withdraw, complete. Accepting into a full cohort
/// waitlists a pending applicant and refuses a waitlisted one (409); a
/// freed seat goes to the waitlist.
pub fn update(
    conn: &mut DbConnection,
    auth: AuthUser,
    id: CohortId,
    user: UserId,
    body: UpdateMemberRequest,
    now: NaiveDateTime,
) -> Result<MembershipDto, AppError> {
    let actor = users::actor(conn, &auth)?;
    let member = write_tx(conn, |conn| {
        let (cohort, _) = cohort_for(conn, &actor, id, true, CohortAccess::can_manage_cohort)?;
        let current = queries::find_membership(conn, id, user)?.ok_or(AppError::NotFound)?;
        let role = body.role.unwrap_or(current.role);
        let mut status = body.status.unwrap_or(current.status);
        if !transition_allowed(current.status, status) {
            return Err(AppError::field(
                "status",
                Issue::Transition {
                    from: current.status.to_string(),
                    to: status.to_string(),
                },
            ));
        }
        let takes_seat = holds_seat(role, status);
        let held_seat = holds_seat(current.role, current.status);
        if takes_seat && !held_seat && !has_free_seat(conn, &cohort)? {
            if current.status == MemberStatus::Waitlisted {
                return Err(AppError::Conflict(Msg::CohortFull));
            }
            status = MemberStatus::Waitlisted;
        }
        queries::set_role_and_status(conn, id, user, role, status, now)?;
        if held_seat {
            promote_waitlisted(conn, &cohort, now)?;
        }
        Ok(queries::load_member(conn, id, user)?)
    })?;
    Ok(MembershipDto::from(member))
}

/// Withdraws a member (staff, or the member themselves); the record is
/// kept and a freed seat goes to the waitlist.
pub fn remove(
    conn: &mut DbConnection,
    auth: AuthUser,
    id: CohortId,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let actor = users::actor(conn, &auth)?;
    write_tx(conn, |conn| {
        let (cohort, _) = cohort_for(conn, &actor, id, true, |a| {
            a.can_withdraw_member(&actor, user)
        })?;
        let current = queries::find_membership(conn, id, user)?.ok_or(AppError::NotFound)?;
        if current.status == MemberStatus::Withdrawn {
            return Ok(());
        }
        queries::withdraw(conn, id, user, now)?;
        if holds_seat(current.role, current.status) {
            promote_waitlisted(conn, &cohort, now)?;
        }
        Ok::<_, AppError>(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_transitions() {
        use MemberStatus::*;
        assert!(transition_allowed(Pending, Active));
        assert!(transition_allowed(Active, Completed));
        assert!(transition_allowed(Rejected, Pending));
        assert!(!transition_allowed(Completed, Withdrawn));
        assert!(!transition_allowed(Active, Pending));
        assert!(!transition_allowed(Active, Waitlisted));
    }
}
