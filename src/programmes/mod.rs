//! Programmes: what is taught and the rule for completing it. Admins manage
//! them; the public sees those with a cohort in the catalogue (open or
//! running); staff (admins, coordinators) see all.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::access::{require_admin, Actor};
use crate::db::{self, write_tx, DbConnection, MultiBackend};
use crate::error::{AppError, Msg, Problem};
use crate::http::Json;
use crate::http::{AuthUser, MaybeAuthUser};
use crate::pagination::{page_from, Page, PageParams};
use crate::schema::{cohorts, memberships, programmes};
use crate::state::AppState;
use crate::users::Language;
use crate::validation::not_blank;
use crate::vocab::CohortStatus;
pub use crate::vocab::ProgrammeId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = programmes)]
pub struct Programme {
    pub id: ProgrammeId,
    pub title: String,
    pub description: String,
    pub language: Language,
    pub min_attendance_rate: i32,
    pub required_submissions: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = programmes)]
struct ProgrammeChanges {
    title: Option<String>,
    description: Option<String>,
    language: Option<Language>,
    min_attendance_rate: Option<i32>,
    required_submissions: Option<i32>,
    updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeDto {
    pub id: ProgrammeId,
    pub title: String,
    pub description: String,
    pub language: Language,
    /// Minimum attendance rate (0–100) to complete the programme.
    pub min_attendance_rate: i32,
    /// Case-study submissions that must be accepted to complete it.
    pub required_submissions: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Programme> for ProgrammeDto {
    fn from(p: Programme) -> Self {
        Self {
            id: p.id,
            title: p.title,
            description: p.description,
            language: p.language,
            min_attendance_rate: p.min_attendance_rate,
            required_submissions: p.required_submissions,
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateProgrammeRequest {
    #[validate(custom(function = "not_blank"), length(max = 200))]
    pub title: String,
    #[validate(length(max = 10000))]
    #[serde(default)]
    pub description: String,
    /// Defaults to `fr`.
    pub language: Option<Language>,
    /// 0–100, default 75.
    #[validate(range(min = 0, max = 100))]
    pub min_attendance_rate: Option<i32>,
    /// Default 0.
    #[validate(range(min = 0, max = 1000))]
    pub required_submissions: Option<i32>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateProgrammeRequest {
    #[validate(custom(function = "not_blank"), length(max = 200))]
    pub title: Option<String>,
    #[validate(length(max = 10000))]
    pub description: Option<String>,
    pub language: Option<Language>,
    #[validate(range(min = 0, max = 100))]
    pub min_attendance_rate: Option<i32>,
    #[validate(range(min = 0, max = 1000))]
    pub required_submissions: Option<i32>,
}

pub fn find(conn: &mut DbConnection, id: ProgrammeId) -> QueryResult<Option<Programme>> {
    programmes::table
        .find(id)
        .select(Programme::as_select())
        .first(conn)
        .optional()
}

type BoxedProgrammes<'a> = programmes::BoxedQuery<'a, MultiBackend>;

/// Programmes the caller may see: all for staff; otherwise those with a
/// catalogue cohort or a cohort the caller belongs to.
fn visible_programmes<'a>(actor: Option<&Actor>) -> BoxedProgrammes<'a> {
    let query = programmes::table.into_boxed();
    if actor.is_some_and(|a| a.is_admin || !a.coordinates.is_empty()) {
        return query;
    }
    let catalogue = cohorts::table
        .filter(cohorts::status.eq_any(CohortStatus::CATALOGUE))
        .select(cohorts::programme_id);
    match actor {
        None => query.filter(programmes::id.eq_any(catalogue)),
        Some(a) => {
            let mine = cohorts::table
                .inner_join(memberships::table)
                .filter(memberships::user_id.eq(a.id))
                .select(cohorts::programme_id);
            query.filter(
                programmes::id
                    .eq_any(catalogue)
                    .or(programmes::id.eq_any(mine)),
            )
        }
    }
}

/// `GET /api/v1/programmes`: the catalogue (everything, for staff).
#[utoipa::path(
    get, path = "/api/v1/programmes", tag = "programmes",
    params(PageParams),
    responses(
        (status = 200, body = Page<ProgrammeDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_programmes(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let limit = params.limit()?;
    let after: Option<ProgrammeId> = params.cursor()?;
    let page = db::run(&state.pool, move |conn| {
        let actor = crate::users::optional_actor(conn, auth)?;
        let mut query = visible_programmes(actor.as_ref());
        if let Some(after) = after {
            query = query.filter(programmes::id.gt(after));
        }
        let rows = query
            .order(programmes::id.asc())
            .limit(limit + 1)
            .select(Programme::as_select())
            .load(conn)?;
        Ok(page_from(rows, limit, |p| p.id, ProgrammeDto::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `POST /api/v1/programmes`: create a programme (admin).
#[utoipa::path(
    post, path = "/api/v1/programmes", tag = "programmes",
    security(("bearer" = [])),
    request_body = CreateProgrammeRequest,
    responses(
        (status = 201, body = ProgrammeDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_programme(
    state: web::Data<AppState>,
    auth: AuthUser,
    Json(body): Json<CreateProgrammeRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let programme = db::run(&state.pool, move |conn| {
        require_admin(&crate::users::actor(conn, &auth)?)?;
        let row = Programme {
            id: ProgrammeId::new(),
            title: body.title.trim().to_owned(),
            description: body.description,
            language: body.language.unwrap_or(Language::Fr),
            min_attendance_rate: body.min_attendance_rate.unwrap_or(75),
            required_submissions: body.required_submissions.unwrap_or(0),
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(programmes::table)
            .values(&row)
            .execute(conn)?;
        Ok(row)
    })
    .await?;
    Ok(HttpResponse::Created().json(ProgrammeDto::from(programme)))
}

/// `GET /api/v1/programmes/{id}`: one programme, if visible to the caller.
#[utoipa::path(
    get, path = "/api/v1/programmes/{id}", tag = "programmes",
    params(("id" = ProgrammeId, Path)),
    responses(
        (status = 200, body = ProgrammeDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_programme(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    id: web::Path<ProgrammeId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let programme = db::run(&state.pool, move |conn| {
        let actor = crate::users::optional_actor(conn, auth)?;
        visible_programmes(actor.as_ref())
            .filter(programmes::id.eq(id))
            .select(Programme::as_select())
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ProgrammeDto::from(programme)))
}

/// `PATCH /api/v1/programmes/{id}`: edit a programme (admin).
#[utoipa::path(
    patch, path = "/api/v1/programmes/{id}", tag = "programmes",
    security(("bearer" = [])),
    params(("id" = ProgrammeId, Path)),
    request_body = UpdateProgrammeRequest,
    responses(
        (status = 200, body = ProgrammeDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_programme(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<ProgrammeId>,
    Json(body): Json<UpdateProgrammeRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let programme = db::run(&state.pool, move |conn| {
        require_admin(&crate::users::actor(conn, &auth)?)?;
        find(conn, id)?.ok_or(AppError::NotFound)?;
        let changes = ProgrammeChanges {
            title: body.title.map(|t| t.trim().to_owned()),
            description: body.description,
            language: body.language,
            min_attendance_rate: body.min_attendance_rate,
            required_submissions: body.required_submissions,
            updated_at: Some(now),
        };
        Ok(diesel::update(programmes::table.find(id))
            .set(&changes)
            .returning(<Programme as Selectable<MultiBackend>>::construct_selection())
            .get_result::<Programme>(conn)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ProgrammeDto::from(programme)))
}

/// `DELETE /api/v1/programmes/{id}`: delete a programme without cohorts (admin).
#[utoipa::path(
    delete, path = "/api/v1/programmes/{id}", tag = "programmes",
    security(("bearer" = [])),
    params(("id" = ProgrammeId, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It still has cohorts", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_programme(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<ProgrammeId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    db::run(&state.pool, move |conn| {
        require_admin(&crate::users::actor(conn, &auth)?)?;
        write_tx(conn, |conn| {
            find(conn, id)?.ok_or(AppError::NotFound)?;
            let has_cohorts: bool = diesel::select(diesel::dsl::exists(
                cohorts::table.filter(cohorts::programme_id.eq(id)),
            ))
            .get_result(conn)?;
            if has_cohorts {
                return Err(AppError::Conflict(Msg::ProgrammeHasCohorts));
            }
            diesel::delete(programmes::table.find(id)).execute(conn)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
