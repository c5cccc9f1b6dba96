//! Country chapters and their coordinators: admins add chapters, and
//! appoint and remove coordinators; admins and the country's own
//! coordinators see who they are. Rights are read on every request, so an
//! appointment or removal takes effect on the next one.

use chrono::NaiveDateTime;

use crate::access::{can_view_coordinators, require_admin};
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Msg};
use crate::http::AuthUser;
use crate::pagination::Page;
use crate::users::{UserDto, UserId};

use super::dto::{CountryDto, CreateCountryRequest};
use super::queries;
use super::rows::Country;

/// Every country chapter, in one page.
pub fn list_countries(conn: &mut DbConnection) -> Result<Page<CountryDto>, AppError> {
    let rows = queries::all(conn)?;
    Ok(Page {
        items: rows.into_iter().map(CountryDto::from).collect(),
        next_cursor: None,
    })
}

/// Adds a country chapter (admin); its code must be new.
pub fn create_country(
    conn: &mut DbConnection,
    auth: &AuthUser,
    body: CreateCountryRequest,
    now: NaiveDateTime,
) -> Result<CountryDto, AppError> {
    require_admin(&crate::users::actor(conn, auth)?)?;
    let country = write_tx(conn, |conn| {
        if queries::find(conn, &body.code)?.is_some() {
            return Err(AppError::Conflict(Msg::CountryExists));
        }
        let row = Country {
            code: body.code,
            name: body.name.trim().to_owned(),
            timezone: body.timezone,
            currency: body.currency,
            created_at: now,
        };
        queries::insert(conn, &row)?;
        Ok(row)
    })?;
    Ok(CountryDto::from(country))
}

/// The coordinators of `code`, by name (admin, or one of them).
pub fn list_coordinators(
    conn: &mut DbConnection,
    auth: &AuthUser,
    code: &str,
) -> Result<Page<UserDto>, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    if queries::find(conn, code)?.is_none() {
        return Err(AppError::NotFound);
    }
    if !can_view_coordinators(&actor, code) {
        return Err(AppError::Forbidden(Some(Msg::NotYourCountry)));
    }
    let rows = queries::coordinators(conn, code)?;
    Ok(Page {
        items: rows.into_iter().map(UserDto::from).collect(),
        next_cursor: None,
    })
}

/// Makes `user` a coordinator of `code` (admin; idempotent).
pub fn add_coordinator(
    conn: &mut DbConnection,
    auth: &AuthUser,
    code: &str,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    require_admin(&crate::users::actor(conn, auth)?)?;
    if queries::find(conn, code)?.is_none() || crate::users::find(conn, user)?.is_none() {
        return Err(AppError::NotFound);
    }
    queries::appoint(conn, code, user, now)?;
    tracing::info!(user_id = %user, by = %auth.id, "coordinator appointed");
    Ok(())
}

/// Removes `user` from the coordinators of `code` (admin).
pub fn remove_coordinator(
    conn: &mut DbConnection,
    auth: &AuthUser,
    code: &str,
    user: UserId,
) -> Result<(), AppError> {
    require_admin(&crate::users::actor(conn, auth)?)?;
    if queries::remove_coordinator(conn, code, user)? == 0 {
        return Err(AppError::NotFound);
    }
    tracing::info!(user_id = %user, by = %auth.id, "coordinator removed");
    Ok(())
}
