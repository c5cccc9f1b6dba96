//! Country coordinators: admins appoint and remove them; admins and the
//! country's own coordinators see who they are. Rights are read on every
//! request, so an appointment or removal takes effect on the next one.

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::access::require_admin;
use crate::db;
use crate::error::{AppError, Msg, Problem};
use crate::http::AuthUser;
use crate::pagination::Page;
use crate::schema::{country_coordinators, users};
use crate::state::AppState;
use crate::users::{User, UserDto, UserId};

/// `GET /api/v1/countries/{code}/coordinators`: the country's coordinators (admin, or one of them).
#[utoipa::path(
    get, path = "/api/v1/countries/{code}/coordinators", tag = "countries",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "ML")),
    responses(
        (status = 200, description = "Every coordinator, by name; never paginated", body = Page<UserDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown country", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_coordinators(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = path.into_inner().to_uppercase();
    let rows = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        if super::find(conn, &code)?.is_none() {
            return Err(AppError::NotFound);
        }
        if !actor.is_admin && !actor.coordinates_country(&code) {
            return Err(AppError::Forbidden(Some(Msg::NotYourCountry)));
        }
        Ok(users::table
            .inner_join(country_coordinators::table)
            .filter(country_coordinators::country_code.eq(&code))
            .order((users::full_name.asc(), users::id.asc()))
            .select(User::as_select())
            .load(conn)?)
    })
    .await?;
    let page = Page {
        items: rows.into_iter().map(UserDto::from).collect(),
        next_cursor: None,
    };
    Ok(HttpResponse::Ok().json(page))
}

/// `PUT /api/v1/countries/{code}/coordinators/{user_id}`: appoint a coordinator (admin; idempotent).
#[utoipa::path(
    put, path = "/api/v1/countries/{code}/coordinators/{user_id}", tag = "countries",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "ML"), ("user_id" = UserId, Path)),
    responses(
        (status = 204, description = "The user coordinates the country (already did, or now does)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown country or user", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_coordinator(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (code, user_id) = path.into_inner();
    let code = code.to_uppercase();
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        require_admin(&crate::users::actor(conn, &auth)?)?;
        if super::find(conn, &code)?.is_none() || crate::users::find(conn, user_id)?.is_none() {
            return Err(AppError::NotFound);
        }
        let appointed = diesel::insert_into(country_coordinators::table)
            .values((
                country_coordinators::country_code.eq(&code),
                country_coordinators::user_id.eq(user_id),
                country_coordinators::created_at.eq(now),
            ))
            .execute(conn);
        match appointed {
            // Already a coordinator: the PUT states a fact, so it holds.
            Ok(_) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    tracing::info!(user_id = %user_id, by = %auth.id, "coordinator appointed");
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/v1/countries/{code}/coordinators/{user_id}`: remove a coordinator (admin).
#[utoipa::path(
    delete, path = "/api/v1/countries/{code}/coordinators/{user_id}", tag = "countries",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "ML"), ("user_id" = UserId, Path)),
    responses(
        (status = 204, description = "No longer a coordinator of the country"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a coordinator of this country", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn remove_coordinator(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (code, user_id) = path.into_inner();
    let code = code.to_uppercase();
    db::run(&state.pool, move |conn| {
        require_admin(&crate::users::actor(conn, &auth)?)?;
        let removed = diesel::delete(
            country_coordinators::table
                .filter(country_coordinators::country_code.eq(&code))
                .filter(country_coordinators::user_id.eq(user_id)),
        )
        .execute(conn)?;
        if removed == 0 {
            return Err(AppError::NotFound);
        }
        Ok(())
    })
    .await?;
    tracing::info!(user_id = %user_id, by = %auth.id, "coordinator removed");
    Ok(HttpResponse::NoContent().finish())
}
