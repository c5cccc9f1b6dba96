//! Enrolment. Learners apply; auto-accept cohorts admit them while seats
//! last, others leave the application pending for staff; a full cohort
//! waitlists. Staff add trainers and learners, accept, reject, withdraw and
//! complete; a freed seat promotes the oldest waitlisted learner in the same
//! transaction.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::access::CohortAccess;
use crate::cohorts::seats::{self, SEAT_HOLDERS};
use crate::cohorts::{cohort_for, Cohort, CohortId, MemberRole, MemberStatus};
use crate::db::{self, write_tx, DbConnection, MultiBackend};
use crate::error::{AppError, Issue, Msg, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::pagination::{page_from, Page, PageParams};
use crate::schema::{memberships, users};
use crate::state::AppState;
use crate::users::UserId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub cohort_id: CohortId,
    pub user_id: UserId,
    pub role: MemberRole,
    pub status: MemberStatus,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipDto {
    pub cohort_id: CohortId,
    pub user_id: UserId,
    pub role: MemberRole,
    pub status: MemberStatus,
    pub full_name: String,
    pub email: String,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
}

type MemberRow = (Membership, String, String);

fn dto((m, full_name, email): MemberRow) -> MembershipDto {
    MembershipDto {
        cohort_id: m.cohort_id,
        user_id: m.user_id,
        role: m.role,
        status: m.status,
        full_name,
        email,
        created_at: m.created_at.and_utc(),
        updated_at: m.updated_at.and_utc(),
    }
}

fn load_member(conn: &mut DbConnection, cohort: CohortId, user: UserId) -> QueryResult<MemberRow> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::cohort_id.eq(cohort))
        .filter(memberships::user_id.eq(user))
        .select((Membership::as_select(), users::full_name, users::email))
        .first(conn)
}

fn find_membership(
    conn: &mut DbConnection,
    cohort: CohortId,
    user: UserId,
) -> QueryResult<Option<Membership>> {
    memberships::table
        .find((cohort, user))
        .select(Membership::as_select())
        .first(conn)
        .optional()
}

/// Status a learner ends up with when admitted now.
fn admit(conn: &mut DbConnection, cohort: &Cohort) -> QueryResult<MemberStatus> {
    Ok(if seats::has_free_seat(conn, cohort)? {
        MemberStatus::Active
    } else {
        MemberStatus::Waitlisted
    })
}

/// `POST /api/v1/cohorts/{id}/applications`: the caller applies as a learner.
#[utoipa::path(
    post, path = "/api/v1/cohorts/{id}/applications", tag = "members",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    responses(
        (status = 201, description = "`active` (auto-accept, seat free), `pending` (staff will decide) or `waitlisted` (full)", body = MembershipDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already applied, or the cohort is not open", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn apply(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let member = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            let (cohort, _) = cohort_for(conn, &actor, id, true, CohortAccess::can_see_cohort)?;
            if find_membership(conn, id, actor.id)?.is_some() {
                return Err(AppError::Conflict(Msg::AlreadyMember));
            }
            if cohort.status != super::CohortStatus::Open {
                return Err(AppError::Conflict(Msg::NotAcceptingApplications));
            }
            let status = if cohort.auto_accept {
                admit(conn, &cohort)?
            } else {
                MemberStatus::Pending
            };
            insert(conn, id, actor.id, MemberRole::Learner, status, now)?;
            Ok(load_member(conn, id, actor.id)?)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(dto(member)))
}

fn insert(
    conn: &mut DbConnection,
    cohort: CohortId,
    user: UserId,
    role: MemberRole,
    status: MemberStatus,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(memberships::table)
        .values(Membership {
            cohort_id: cohort,
            user_id: user,
            role,
            status,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict(Msg::AlreadyMember),
            other => other,
        })?;
    Ok(())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberFilters {
    pub role: Option<MemberRole>,
    pub status: Option<MemberStatus>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
}

/// `GET /api/v1/cohorts/{id}/members`: members, oldest first (staff, trainers).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/members", tag = "members",
    security(("bearer" = [])),
    params(("id" = CohortId, Path), MemberFilters),
    responses(
        (status = 200, body = Page<MembershipDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_members(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    filters: web::Query<MemberFilters>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let filters = filters.into_inner();
    let paging = PageParams::new(filters.limit, filters.cursor.clone());
    let limit = paging.limit()?;
    let after: Option<(NaiveDateTime, UserId)> = paging.cursor()?;
    let page = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        cohort_for(conn, &actor, id, false, CohortAccess::can_view_members)?;
        let mut query = memberships::table
            .inner_join(users::table)
            .filter(memberships::cohort_id.eq(id))
            .into_boxed::<MultiBackend>();
        if let Some(role) = filters.role {
            query = query.filter(memberships::role.eq(role));
        }
        if let Some(status) = filters.status {
            query = query.filter(memberships::status.eq(status));
        }
        if let Some((at, user)) = after {
            query = query.filter(
                memberships::created_at.gt(at).or(memberships::created_at
                    .eq(at)
                    .and(memberships::user_id.gt(user))),
            );
        }
        let rows: Vec<MemberRow> = query
            .order((memberships::created_at.asc(), memberships::user_id.asc()))
            .limit(limit + 1)
            .select((Membership::as_select(), users::full_name, users::email))
            .load(conn)?;
        Ok(page_from(
            rows,
            limit,
            |(m, _, _)| (m.created_at, m.user_id),
            dto,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct AddMemberRequest {
    pub user_id: UserId,
    pub role: MemberRole,
    /// For learners: `active` (default; waitlisted if full), `pending` or
    /// `waitlisted`. Trainers are always `active`.
    pub status: Option<MemberStatus>,
}

/// `POST /api/v1/cohorts/{id}/members`: staff enrol a trainer or a learner.
#[utoipa::path(
    post, path = "/api/v1/cohorts/{id}/members", tag = "members",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    request_body = AddMemberRequest,
    responses(
        (status = 201, body = MembershipDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_member(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    Json(body): Json<AddMemberRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let member = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            let (cohort, _) = cohort_for(conn, &actor, id, true, CohortAccess::can_manage_cohort)?;
            let exists: bool = diesel::select(diesel::dsl::exists(users::table.find(body.user_id)))
                .get_result(conn)?;
            if !exists {
                return Err(AppError::field("user_id", Issue::UnknownUser));
            }
            let status = match (body.role, body.status) {
                (MemberRole::Trainer, _) => MemberStatus::Active,
                (MemberRole::Learner, None | Some(MemberStatus::Active)) => admit(conn, &cohort)?,
                (
                    MemberRole::Learner,
                    Some(s @ (MemberStatus::Pending | MemberStatus::Waitlisted)),
                ) => s,
                (MemberRole::Learner, Some(_)) => {
                    return Err(AppError::field(
                        "status",
                        Issue::OneOf(vec!["active".into(), "pending".into(), "waitlisted".into()]),
                    ))
                }
            };
            insert(conn, id, body.user_id, body.role, status, now)?;
            Ok(load_member(conn, id, body.user_id)?)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(dto(member)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateMemberRequest {
    /// `active` admits (or waitlists if full), `rejected`, `withdrawn`,
    /// `completed`, `pending`, `waitlisted`.
    pub status: Option<MemberStatus>,
    pub role: Option<MemberRole>,
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

/// `PATCH /api/v1/cohorts/{id}/members/{user_id}`: accept, reject, withdraw, complete (staff).
#[utoipa::path(
    patch, path = "/api/v1/cohorts/{id}/members/{user_id}", tag = "members",
    security(("bearer" = [])),
    params(("id" = CohortId, Path), ("user_id" = UserId, Path)),
    request_body = UpdateMemberRequest,
    responses(
        (status = 200, description = "Accepting into a full cohort waitlists a pending applicant", body = MembershipDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Full cohort for a waitlisted learner", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_member(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(CohortId, UserId)>,
    Json(body): Json<UpdateMemberRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = path.into_inner();
    let now = state.clock.now_naive();
    let member = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            let (cohort, _) = cohort_for(conn, &actor, id, true, CohortAccess::can_manage_cohort)?;
            let current = find_membership(conn, id, user)?.ok_or(AppError::NotFound)?;
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
            let takes_seat = role == MemberRole::Learner && SEAT_HOLDERS.contains(&status);
            let held_seat =
                current.role == MemberRole::Learner && SEAT_HOLDERS.contains(&current.status);
            if takes_seat && !held_seat && !seats::has_free_seat(conn, &cohort)? {
                if current.status == MemberStatus::Waitlisted {
                    return Err(AppError::Conflict(Msg::CohortFull));
                }
                status = MemberStatus::Waitlisted;
            }
            diesel::update(memberships::table.find((id, user)))
                .set((
                    memberships::role.eq(role),
                    memberships::status.eq(status),
                    memberships::updated_at.eq(now),
                ))
                .execute(conn)?;
            if held_seat {
                seats::promote_waitlisted(conn, &cohort, now)?;
            }
            Ok(load_member(conn, id, user)?)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto(member)))
}

/// `DELETE /api/v1/cohorts/{id}/members/{user_id}`: withdraw a member (staff, or the member themselves).
#[utoipa::path(
    delete, path = "/api/v1/cohorts/{id}/members/{user_id}", tag = "members",
    security(("bearer" = [])),
    params(("id" = CohortId, Path), ("user_id" = UserId, Path)),
    responses(
        (status = 204, description = "Withdrawn (the record is kept); a freed seat goes to the waitlist"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn remove_member(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(CohortId, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = path.into_inner();
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        let is_self = actor.id == user;
        write_tx(conn, |conn| {
            let (cohort, _) =
                cohort_for(conn, &actor, id, true, |a| is_self || a.can_manage_cohort())?;
            let current = find_membership(conn, id, user)?.ok_or(AppError::NotFound)?;
            if current.status == MemberStatus::Withdrawn {
                return Ok(());
            }
            diesel::update(memberships::table.find((id, user)))
                .set((
                    memberships::status.eq(MemberStatus::Withdrawn),
                    memberships::updated_at.eq(now),
                ))
                .execute(conn)?;
            if current.role == MemberRole::Learner && SEAT_HOLDERS.contains(&current.status) {
                seats::promote_waitlisted(conn, &cohort, now)?;
            }
            Ok::<_, AppError>(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
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
