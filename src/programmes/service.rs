//! The programmes' use cases: who sees which, and the admin's edits.

use chrono::NaiveDateTime;

use crate::access::{require_admin, Actor};
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Msg};
use crate::http::{AuthUser, MaybeAuthUser};
use crate::pagination::{page_from, Page};
use crate::users::Language;
use crate::vocab::ProgrammeId;

use super::dto::{CreateProgrammeRequest, ProgrammeDto, UpdateProgrammeRequest};
use super::queries::{self, Visible};
use super::rows::{Programme, ProgrammeChanges};

/// Programmes the caller may see: all for staff; otherwise those with a
/// catalogue cohort or a cohort the caller belongs to.
fn visible_to(actor: Option<&Actor>) -> Visible {
    match actor {
        Some(a) if a.is_admin || !a.coordinates.is_empty() => Visible::All,
        Some(a) => Visible::CatalogueOrMemberOf(a.id),
        None => Visible::Catalogue,
    }
}

/// One page of the programmes the caller may see, by id.
pub fn list_programmes(
    conn: &mut DbConnection,
    auth: MaybeAuthUser,
    after: Option<ProgrammeId>,
    limit: i64,
) -> Result<Page<ProgrammeDto>, AppError> {
    let actor = crate::users::optional_actor(conn, auth)?;
    let rows = queries::page(conn, visible_to(actor.as_ref()), after, limit)?;
    Ok(page_from(rows, limit, |p| p.id, ProgrammeDto::from))
}

/// Creates a programme (admin), with the default completion rule where
/// the body names none.
pub fn create_programme(
    conn: &mut DbConnection,
    auth: &AuthUser,
    body: CreateProgrammeRequest,
    now: NaiveDateTime,
) -> Result<ProgrammeDto, AppError> {
    require_admin(&crate::users::actor(conn, auth)?)?;
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
    queries::insert(conn, &row)?;
    Ok(ProgrammeDto::from(row))
}

/// One programme, if the caller may see it; otherwise not found.
pub fn get_programme(
    conn: &mut DbConnection,
    auth: MaybeAuthUser,
    id: ProgrammeId,
) -> Result<ProgrammeDto, AppError> {
    let actor = crate::users::optional_actor(conn, auth)?;
    let programme =
        queries::find_visible(conn, visible_to(actor.as_ref()), id)?.ok_or(AppError::NotFound)?;
    Ok(ProgrammeDto::from(programme))
}

/// Edits a programme (admin).
pub fn update_programme(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: ProgrammeId,
    body: UpdateProgrammeRequest,
    now: NaiveDateTime,
) -> Result<ProgrammeDto, AppError> {
    require_admin(&crate::users::actor(conn, auth)?)?;
    queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    let changes = ProgrammeChanges {
        title: body.title.map(|t| t.trim().to_owned()),
        description: body.description,
        language: body.language,
        min_attendance_rate: body.min_attendance_rate,
        required_submissions: body.required_submissions,
        updated_at: Some(now),
    };
    Ok(ProgrammeDto::from(queries::update(conn, id, &changes)?))
}

/// Deletes a programme that has no cohorts (admin).
pub fn delete_programme(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: ProgrammeId,
) -> Result<(), AppError> {
    require_admin(&crate::users::actor(conn, auth)?)?;
    write_tx(conn, |conn| {
        queries::find(conn, id)?.ok_or(AppError::NotFound)?;
        if queries::has_cohorts(conn, id)? {
            return Err(AppError::Conflict(Msg::ProgrammeHasCohorts));
        }
        queries::delete(conn, id)?;
        Ok(())
    })
}
