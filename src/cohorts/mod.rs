//! Cohorts: runs of a programme, in one country or pan-African, with a
//! lifecycle `draft → open → running → completed → archived` that only
//! moves forward (admins may move it back). The catalogue (open and running
//! cohorts) is public; drafts are for staff and members.

pub mod members;
pub mod seats;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::access::{is_cohort_staff, Actor, CohortAccess, Membership};
use crate::db::{self, write_tx, DbConnection, MultiBackend};
use crate::error::{AppError, FieldError, Issue, Msg, Problem};
use crate::http::Json;
use crate::http::{AuthUser, MaybeAuthUser};
use crate::pagination::{page_from, Page, PageParams};
use crate::programmes::{self, ProgrammeId};
use crate::schema::{cohorts, memberships};
use crate::state::AppState;
use crate::validation::{iana_timezone, not_blank};
pub use crate::vocab::{CohortId, CohortStatus, MemberRole, MemberStatus};
use crate::{countries, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cohorts)]
pub struct Cohort {
    pub id: CohortId,
    pub programme_id: ProgrammeId,
    pub name: String,
    pub country_code: Option<String>,
    pub timezone: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
    pub auto_accept: bool,
    pub status: CohortStatus,
    pub late_after_minutes: i32,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub updated_at: NaiveDateTime,
    /// Bumped by triggers when the cohort's memberships or its members'
    /// names change (keys of cached rosters; see `crate::cache`).
    #[diesel(skip_insertion)]
    pub members_version: i64,
    /// Bumped by triggers when any of the cohort's sessions changes.
    #[diesel(skip_insertion)]
    pub sessions_version: i64,
}

impl Cohort {
    /// The access of `actor` (`None`: anonymous) given its membership,
    /// read by the caller.
    pub fn access_of(&self, actor: Option<&Actor>, membership: Option<Membership>) -> CohortAccess {
        CohortAccess::new(actor, self.status, self.country_code.as_deref(), membership)
    }
}

/// Reads the caller's membership of `cohort` and the access it gives.
pub fn access(
    conn: &mut DbConnection,
    actor: &Actor,
    cohort: &Cohort,
) -> QueryResult<CohortAccess> {
    let membership = memberships::table
        .find((cohort.id, actor.id))
        .select((memberships::role, memberships::status))
        .first(conn)
        .optional()?;
    Ok(cohort.access_of(Some(actor), membership))
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cohorts)]
struct CohortChanges {
    name: Option<String>,
    country_code: Option<Option<String>>,
    timezone: Option<String>,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    capacity: Option<i32>,
    auto_accept: Option<bool>,
    status: Option<CohortStatus>,
    late_after_minutes: Option<i32>,
    updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CohortDto {
    pub id: CohortId,
    pub programme_id: ProgrammeId,
    pub name: String,
    /// Null for a pan-African cohort.
    pub country_code: Option<String>,
    /// IANA zone in which its sessions are shown.
    #[schema(example = "Africa/Abidjan")]
    pub timezone: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Seats for learners (active and completed learners hold one).
    pub capacity: i32,
    /// Applications are admitted at once while seats last.
    pub auto_accept: bool,
    pub status: CohortStatus,
    /// A self check-in this many minutes after the start counts as late.
    pub late_after_minutes: i32,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<Cohort> for CohortDto {
    fn from(c: Cohort) -> Self {
        Self {
            id: c.id,
            programme_id: c.programme_id,
            name: c.name,
            country_code: c.country_code,
            timezone: c.timezone,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            capacity: c.capacity,
            auto_accept: c.auto_accept,
            status: c.status,
            late_after_minutes: c.late_after_minutes,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateCohortRequest {
    pub programme_id: ProgrammeId,
    #[validate(custom(function = "not_blank"), length(max = 200))]
    pub name: String,
    /// Omit (or null) for a pan-African cohort (admins only).
    #[validate(length(equal = 2))]
    pub country_code: Option<String>,
    /// IANA zone; defaults to the country's. Required for pan-African cohorts.
    #[validate(custom(function = "iana_timezone"))]
    pub timezone: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[validate(range(min = 1, max = 100000))]
    pub capacity: i32,
    /// Default false.
    pub auto_accept: Option<bool>,
    /// `draft` (default) or `open`.
    pub status: Option<CohortStatus>,
    /// Default 15.
    #[validate(range(min = 0, max = 240))]
    pub late_after_minutes: Option<i32>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateCohortRequest {
    #[validate(custom(function = "not_blank"), length(max = 200))]
    pub name: Option<String>,
    /// A country code, or null to make the cohort pan-African (admins only).
    #[serde(default, deserialize_with = "crate::validation::double_option")]
    #[schema(value_type = Option<String>)]
    pub country_code: Option<Option<String>>,
    #[validate(custom(function = "iana_timezone"))]
    pub timezone: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    #[validate(range(min = 1, max = 100000))]
    pub capacity: Option<i32>,
    pub auto_accept: Option<bool>,
    pub status: Option<CohortStatus>,
    #[validate(range(min = 0, max = 240))]
    pub late_after_minutes: Option<i32>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CohortFilters {
    pub programme_id: Option<ProgrammeId>,
    /// Country code.
    pub country: Option<String>,
    pub status: Option<CohortStatus>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
}

pub fn find(conn: &mut DbConnection, id: CohortId) -> QueryResult<Option<Cohort>> {
    cohorts::table
        .find(id)
        .select(Cohort::as_select())
        .first(conn)
        .optional()
}

/// The cohort and the caller's access to it, checked against `rule`: 404
/// for those who may not know it exists, 403 for insiders without the
/// right. With `lock`, the row stays locked until the transaction ends
/// (PostgreSQL; see [`seats::lock_cohort`]).
pub fn cohort_for(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CohortId,
    lock: bool,
    rule: impl Fn(&CohortAccess) -> bool,
) -> Result<(Cohort, CohortAccess), AppError> {
    let (cohort, access) = if lock {
        let cohort = seats::lock_cohort(conn, id)?.ok_or(AppError::NotFound)?;
        let access = access(conn, actor, &cohort)?;
        (cohort, access)
    } else {
        with_access(conn, Some(actor), id)?.ok_or(AppError::NotFound)?
    };
    access.require(rule(&access))?;
    Ok((cohort, access))
}

/// The cohort and what the caller, perhaps anonymous, may do with it; 404
/// if they may not see it.
pub fn load_visible(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    id: CohortId,
) -> Result<(Cohort, CohortAccess), AppError> {
    let (cohort, access) = with_access(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if !access.can_see_cohort() {
        return Err(AppError::NotFound);
    }
    Ok((cohort, access))
}

/// The cohort with the caller's membership, in one query.
fn with_access(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    id: CohortId,
) -> QueryResult<Option<(Cohort, CohortAccess)>> {
    let Some(actor) = actor else {
        return Ok(find(conn, id)?.map(|c| {
            let access = c.access_of(None, None);
            (c, access)
        }));
    };
    let query = cohorts::table
        .left_join(
            memberships::table.on(memberships::cohort_id
                .eq(cohorts::id)
                .and(memberships::user_id.eq(actor.id))),
        )
        .filter(cohorts::id.eq(id));
    let membership = (memberships::role, memberships::status).nullable();
    // Hot path: on the concrete connection (see `db::on_backend!`).
    let row: Option<(Cohort, Option<Membership>)> = crate::on_backend!(conn, c => query
        .select((Cohort::as_select(), membership))
        .first(c)
        .optional())?;
    Ok(row.map(|(cohort, membership)| {
        let access = cohort.access_of(Some(actor), membership);
        (cohort, access)
    }))
}

/// `GET /api/v1/cohorts`: the catalogue, plus drafts the caller staffs or belongs to.
#[utoipa::path(
    get, path = "/api/v1/cohorts", tag = "cohorts",
    params(CohortFilters),
    responses(
        (status = 200, body = Page<CohortDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_cohorts(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    filters: web::Query<CohortFilters>,
) -> Result<HttpResponse, AppError> {
    let filters = filters.into_inner();
    let paging = PageParams::new(filters.limit, filters.cursor.clone());
    let limit = paging.limit()?;
    let after: Option<CohortId> = paging.cursor()?;
    let page = db::run(&state.pool, move |conn| {
        let actor = crate::users::optional_actor(conn, auth)?;
        let mut query = cohorts::table.into_boxed::<MultiBackend>();
        match &actor {
            Some(a) if a.is_admin => {}
            Some(a) => {
                let mine = memberships::table
                    .filter(memberships::user_id.eq(a.id))
                    .select(memberships::cohort_id);
                query = query.filter(
                    cohorts::status
                        .eq_any(CohortStatus::CATALOGUE)
                        .or(cohorts::country_code.eq_any(a.coordinates.clone()))
                        .or(cohorts::id.eq_any(mine)),
                );
            }
            None => query = query.filter(cohorts::status.eq_any(CohortStatus::CATALOGUE)),
        }
        if let Some(p) = filters.programme_id {
            query = query.filter(cohorts::programme_id.eq(p));
        }
        if let Some(c) = &filters.country {
            query = query.filter(cohorts::country_code.eq(c.to_uppercase()));
        }
        if let Some(s) = filters.status {
            query = query.filter(cohorts::status.eq(s));
        }
        if let Some(after) = after {
            query = query.filter(cohorts::id.gt(after));
        }
        let rows = query
            .order(cohorts::id.asc())
            .limit(limit + 1)
            .select(Cohort::as_select())
            .load(conn)?;
        Ok(page_from(rows, limit, |c| c.id, CohortDto::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `POST /api/v1/cohorts`: create a cohort (admin; coordinator in their country).
#[utoipa::path(
    post, path = "/api/v1/cohorts", tag = "cohorts",
    security(("bearer" = [])),
    request_body = CreateCohortRequest,
    responses(
        (status = 201, body = CohortDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_cohort(
    state: web::Data<AppState>,
    auth: AuthUser,
    Json(body): Json<CreateCohortRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let cohort = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        let country = body.country_code.map(|c| c.to_uppercase());
        if !is_cohort_staff(&actor, country.as_deref()) {
            return Err(AppError::Forbidden(Some(Msg::NotYourCountry)));
        }
        let mut errors = Vec::new();
        if programmes::find(conn, body.programme_id)?.is_none() {
            errors.push(FieldError::new("programme_id", Issue::Unknown));
        }
        let country_tz = match &country {
            Some(code) => match countries::find(conn, code)? {
                Some(c) => Some(c.timezone),
                None => {
                    errors.push(FieldError::new("country_code", Issue::UnknownCountry));
                    None
                }
            },
            None => None,
        };
        let timezone = body.timezone.or(country_tz);
        if timezone.is_none() && country.is_none() {
            errors.push(FieldError::new("timezone", Issue::Required));
        }
        if body.ends_on < body.starts_on {
            errors.push(FieldError::new("ends_on", Issue::EndBeforeStart));
        }
        let status = body.status.unwrap_or(CohortStatus::Draft);
        if !matches!(status, CohortStatus::Draft | CohortStatus::Open) {
            errors.push(FieldError::new(
                "status",
                Issue::OneOf(vec!["draft".into(), "open".into()]),
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let row = Cohort {
            id: CohortId::new(),
            programme_id: body.programme_id,
            name: body.name.trim().to_owned(),
            country_code: country,
            timezone: timezone.unwrap_or_default(),
            starts_on: body.starts_on,
            ends_on: body.ends_on,
            capacity: body.capacity,
            auto_accept: body.auto_accept.unwrap_or(false),
            status,
            late_after_minutes: body.late_after_minutes.unwrap_or(15),
            created_at: now,
            updated_at: now,
            members_version: 0,
            sessions_version: 0,
        };
        diesel::insert_into(cohorts::table)
            .values(&row)
            .execute(conn)?;
        Ok(row)
    })
    .await?;
    Ok(HttpResponse::Created().json(CohortDto::from(cohort)))
}

/// `GET /api/v1/cohorts/{id}`: one cohort, if the caller may see it.
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}", tag = "cohorts",
    params(("id" = CohortId, Path)),
    responses(
        (status = 200, body = CohortDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_cohort(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    id: web::Path<CohortId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let cohort = db::run(&state.pool, move |conn| {
        let actor = crate::users::optional_actor(conn, auth)?;
        Ok(load_visible(conn, actor.as_ref(), id)?.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CohortDto::from(cohort)))
}

/// `PATCH /api/v1/cohorts/{id}`: edit a cohort or move its status (staff).
#[utoipa::path(
    patch, path = "/api/v1/cohorts/{id}", tag = "cohorts",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    request_body = UpdateCohortRequest,
    responses(
        (status = 200, body = CohortDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, backward status move, capacity below seats taken", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_cohort(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    Json(body): Json<UpdateCohortRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let cohort = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            let (current, _) = cohort_for(conn, &actor, id, true, CohortAccess::can_manage_cohort)?;

            let mut errors = Vec::new();
            let country = body
                .country_code
                .clone()
                .map(|c| c.map(|c| c.to_uppercase()));
            if let Some(target) = &country {
                if !is_cohort_staff(&actor, target.as_deref()) {
                    return Err(AppError::Forbidden(Some(Msg::NotYourCountry)));
                }
                if let Some(code) = target {
                    if !users::country_exists(conn, code)? {
                        errors.push(FieldError::new("country_code", Issue::UnknownCountry));
                    }
                }
            }
            let starts_on = body.starts_on.unwrap_or(current.starts_on);
            let ends_on = body.ends_on.unwrap_or(current.ends_on);
            if ends_on < starts_on {
                errors.push(FieldError::new("ends_on", Issue::EndBeforeStart));
            }
            if let Some(to) = body.status {
                if !current.status.can_move_to(to, actor.is_admin) {
                    errors.push(FieldError::new(
                        "status",
                        Issue::Transition {
                            from: current.status.to_string(),
                            to: to.to_string(),
                        },
                    ));
                }
            }
            if let Some(capacity) = body.capacity {
                let taken = seats::seats_taken(conn, id)?;
                if i64::from(capacity) < taken {
                    errors.push(FieldError::new("capacity", Issue::BelowTaken(taken)));
                }
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let changes = CohortChanges {
                name: body.name.map(|n| n.trim().to_owned()),
                country_code: country,
                timezone: body.timezone,
                starts_on: body.starts_on,
                ends_on: body.ends_on,
                capacity: body.capacity,
                auto_accept: body.auto_accept,
                status: body.status,
                late_after_minutes: body.late_after_minutes,
                updated_at: Some(now),
            };
            let updated: Cohort = diesel::update(cohorts::table.find(id))
                .set(&changes)
                .returning(<Cohort as Selectable<MultiBackend>>::construct_selection())
                .get_result(conn)?;
            // More seats: the waitlist moves up in the same transaction.
            seats::promote_waitlisted(conn, &updated, now)?;
            Ok(updated)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(CohortDto::from(cohort)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_only_moves_forward_except_for_admins() {
        use CohortStatus::*;
        assert!(Draft.can_move_to(Open, false));
        assert!(Open.can_move_to(Completed, false));
        assert!(Running.can_move_to(Running, false));
        assert!(!Running.can_move_to(Open, false));
        assert!(!Archived.can_move_to(Draft, false));
        assert!(Archived.can_move_to(Open, true));
    }
}
