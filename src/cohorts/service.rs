//! Cohort use cases: who may see and change a cohort, creating, listing and
//! editing cohorts, and the seats they offer.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::dto::{CohortDto, CohortFilters, CreateCohortRequest, UpdateCohortRequest};
use super::queries::{self, ListFilter};
use super::rows::{Cohort, CohortChanges};
use crate::access::{self, Actor, CohortAccess};
use crate::countries;
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, FieldError, Issue};
use crate::http::{AuthUser, MaybeAuthUser};
use crate::pagination::{page_from, Page};
use crate::programmes;
use crate::users::{self, UserId};
use crate::vocab::{CohortId, CohortStatus};

/// Reads the caller's membership of `cohort` and the access it gives.
pub fn access(
    conn: &mut DbConnection,
    actor: &Actor,
    cohort: &Cohort,
) -> QueryResult<CohortAccess> {
    let membership = queries::membership_of(conn, cohort.id, actor.id)?;
    Ok(cohort.access_of(Some(actor), membership))
}

/// The cohort and the caller's access to it, checked against `rule`: 404
/// for those who may not know it exists, 403 for insiders without the
/// right. With `lock`, the row stays locked until the transaction ends
/// (PostgreSQL; see [`queries::lock_cohort`]).
pub fn cohort_for(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CohortId,
    lock: bool,
    rule: impl Fn(&CohortAccess) -> bool,
) -> Result<(Cohort, CohortAccess), AppError> {
    let (cohort, access) = if lock {
        let cohort = queries::lock_cohort(conn, id)?.ok_or(AppError::NotFound)?;
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
        return Ok(queries::find(conn, id)?.map(|c| {
            let access = c.access_of(None, None);
            (c, access)
        }));
    };
    let row = queries::with_membership(conn, id, actor.id)?;
    Ok(row.map(|(cohort, membership)| {
        let access = cohort.access_of(Some(actor), membership);
        (cohort, access)
    }))
}

/// The catalogue, plus drafts the caller staffs or belongs to: one page of
/// `limit` after the cohort `after`.
pub fn list(
    conn: &mut DbConnection,
    auth: MaybeAuthUser,
    filters: CohortFilters,
    after: Option<CohortId>,
    limit: i64,
) -> Result<Page<CohortDto>, AppError> {
    let actor = users::optional_actor(conn, auth)?;
    let filter = ListFilter {
        programme_id: filters.programme_id,
        country: filters.country.map(|c| c.to_uppercase()),
        status: filters.status,
        after,
    };
    let rows = queries::list(conn, access::cohort_scope(actor.as_ref()), filter, limit)?;
    Ok(page_from(rows, limit, |c| c.id, CohortDto::from))
}

/// Creates a cohort (admin; coordinator in their country).
pub fn create(
    conn: &mut DbConnection,
    auth: AuthUser,
    body: CreateCohortRequest,
    now: NaiveDateTime,
) -> Result<CohortDto, AppError> {
    let actor = users::actor(conn, &auth)?;
    let country = body.country_code.as_ref().map(|c| c.to_uppercase());
    access::require_cohort_country(&actor, country.as_deref())?;
    let (timezone, status) = check_new(conn, &body, country.as_deref())?;
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
        casework_version: 0,
    };
    queries::insert(conn, &row)?;
    Ok(CohortDto::from(row))
}

/// The cross-field checks of a new cohort in `country` (upper-case); its
/// time zone (the body's, else the country's) and initial status.
fn check_new(
    conn: &mut DbConnection,
    body: &CreateCohortRequest,
    country: Option<&str>,
) -> Result<(Option<String>, CohortStatus), AppError> {
    let mut errors = Vec::new();
    if programmes::find(conn, body.programme_id)?.is_none() {
        errors.push(FieldError::new("programme_id", Issue::Unknown));
    }
    let country_tz = match country {
        Some(code) => match countries::find(conn, code)? {
            Some(c) => Some(c.timezone),
            None => {
                errors.push(FieldError::new("country_code", Issue::UnknownCountry));
                None
            }
        },
        None => None,
    };
    let timezone = body.timezone.clone().or(country_tz);
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
    Ok((timezone, status))
}

/// The cohort, if the caller may see it.
pub fn get(
    conn: &mut DbConnection,
    auth: MaybeAuthUser,
    id: CohortId,
) -> Result<CohortDto, AppError> {
    let actor = users::optional_actor(conn, auth)?;
    Ok(CohortDto::from(load_visible(conn, actor.as_ref(), id)?.0))
}

/// Edits a cohort or moves its status (staff), in one write transaction
/// with the cohort locked; more seats move the waitlist up.
pub fn update(
    conn: &mut DbConnection,
    auth: AuthUser,
    id: CohortId,
    body: UpdateCohortRequest,
    now: NaiveDateTime,
) -> Result<CohortDto, AppError> {
    let actor = users::actor(conn, &auth)?;
    let cohort = write_tx(conn, |conn| {
        let (current, _) = cohort_for(conn, &actor, id, true, CohortAccess::can_manage_cohort)?;
        let country = body
            .country_code
            .clone()
            .map(|c| c.map(|c| c.to_uppercase()));
        check_changes(conn, &actor, &current, &body, country.as_ref())?;
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
        let updated = queries::update(conn, id, &changes)?;
        // More seats: the waitlist moves up in the same transaction.
        promote_waitlisted(conn, &updated, now)?;
        Ok::<_, AppError>(updated)
    })?;
    Ok(CohortDto::from(cohort))
}

/// The checks of an edit of `current`: 403 when moving it to a country the
/// caller does not staff, else every invalid field at once. `country` is
/// the body's, upper-case.
fn check_changes(
    conn: &mut DbConnection,
    actor: &Actor,
    current: &Cohort,
    body: &UpdateCohortRequest,
    country: Option<&Option<String>>,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if let Some(target) = country {
        access::require_cohort_country(actor, target.as_deref())?;
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
        if !access::can_move_cohort_status(actor, current.status, to) {
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
        let taken = queries::seats_taken(conn, current.id)?;
        if i64::from(capacity) < taken {
            errors.push(FieldError::new("capacity", Issue::BelowTaken(taken)));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(())
}

/// A learner admitted now would get a seat (see [`super::seats`]).
pub fn has_free_seat(conn: &mut DbConnection, cohort: &Cohort) -> QueryResult<bool> {
    Ok(queries::seats_taken(conn, cohort.id)? < i64::from(cohort.capacity))
}

/// Fills free seats from the waitlist, oldest application first; returns
/// who moved up. Call inside `write_tx`, the cohort locked.
pub fn promote_waitlisted(
    conn: &mut DbConnection,
    cohort: &Cohort,
    now: NaiveDateTime,
) -> QueryResult<Vec<UserId>> {
    let free = i64::from(cohort.capacity) - queries::seats_taken(conn, cohort.id)?;
    if free <= 0 {
        return Ok(Vec::new());
    }
    let promoted = queries::oldest_waitlisted(conn, cohort.id, free)?;
    if !promoted.is_empty() {
        queries::activate(conn, cohort.id, &promoted, now)?;
        tracing::info!(cohort_id = %cohort.id, count = promoted.len(), "waitlist promoted");
    }
    Ok(promoted)
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
