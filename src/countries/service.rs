//! Country chapters and their teams: admins add chapters, and appoint and
//! remove coordinators; admins and coordinators appoint and remove
//! volunteers, and every term is kept with its dates; admins and the country's own
//! coordinators see who they are. Rights are read on every request, so an
//! appointment or removal takes effect on the next one.

use chrono::NaiveDateTime;

use crate::access::{can_manage_team, can_view_coordinators, can_view_team, require_admin};
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Msg};
use crate::http::AuthUser;
use crate::pagination::Page;
use crate::users::{UserDto, UserId};

use super::dto::{CountryDto, CreateCountryRequest, TeamMemberDto};
use super::queries;
use super::rows::{ChapterRole, Country};

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

/// Makes `user` a coordinator of `code` (admin; idempotent), opening a
/// term in the chapter's team history.
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
    write_tx(conn, |conn| {
        queries::appoint(conn, code, user, now)?;
        queries::open_term(conn, code, user, ChapterRole::Coordinator, now)?;
        Ok::<_, AppError>(())
    })?;
    tracing::info!(user_id = %user, by = %auth.id, "coordinator appointed");
    Ok(())
}

/// Removes `user` from the coordinators of `code` (admin); their term is
/// closed, not forgotten.
pub fn remove_coordinator(
    conn: &mut DbConnection,
    auth: &AuthUser,
    code: &str,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    require_admin(&crate::users::actor(conn, auth)?)?;
    write_tx(conn, |conn| {
        if queries::remove_coordinator(conn, code, user)? == 0 {
            return Err(AppError::NotFound);
        }
        queries::end_term(conn, code, user, ChapterRole::Coordinator, now)?;
        Ok(())
    })?;
    tracing::info!(user_id = %user, by = %auth.id, "coordinator removed");
    Ok(())
}

/// The caller, refused unless they run the chapter `code` (admins, its
/// coordinators); 404 for an unknown country.
fn chapter_runner(conn: &mut DbConnection, auth: &AuthUser, code: &str) -> Result<(), AppError> {
    let actor = crate::users::actor(conn, auth)?;
    if queries::find(conn, code)?.is_none() {
        return Err(AppError::NotFound);
    }
    if !can_manage_team(&actor, code) {
        return Err(AppError::Forbidden(Some(Msg::NotYourCountry)));
    }
    Ok(())
}

/// Makes `user` a volunteer of `code` (admins, the chapter's
/// coordinators; idempotent).
pub fn add_volunteer(
    conn: &mut DbConnection,
    auth: &AuthUser,
    code: &str,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    chapter_runner(conn, auth, code)?;
    if crate::users::find(conn, user)?.is_none() {
        return Err(AppError::NotFound);
    }
    if queries::open_term(conn, code, user, ChapterRole::Volunteer, now)? {
        tracing::info!(user_id = %user, by = %auth.id, country = code, "volunteer added");
    }
    Ok(())
}

/// Ends `user`'s term as a volunteer of `code` (admins, the chapter's
/// coordinators); the term stays in the team's history.
pub fn remove_volunteer(
    conn: &mut DbConnection,
    auth: &AuthUser,
    code: &str,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    chapter_runner(conn, auth, code)?;
    if queries::end_term(conn, code, user, ChapterRole::Volunteer, now)? == 0 {
        return Err(AppError::NotFound);
    }
    tracing::info!(user_id = %user, by = %auth.id, country = code, "volunteer removed");
    Ok(())
}

/// The chapter's team with its history: current terms first (admins, its
/// coordinators and volunteers).
pub fn team(
    conn: &mut DbConnection,
    auth: &AuthUser,
    code: &str,
) -> Result<Page<TeamMemberDto>, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    if queries::find(conn, code)?.is_none() {
        return Err(AppError::NotFound);
    }
    let volunteer = queries::is_volunteer(conn, actor.id, code)?;
    if !can_view_team(&actor, code, volunteer) {
        return Err(AppError::Forbidden(Some(Msg::NotYourCountry)));
    }
    let rows = queries::team(conn, code)?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|(term, name)| TeamMemberDto::new(term, name))
            .collect(),
        next_cursor: None,
    })
}
