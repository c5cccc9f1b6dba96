//! Every diesel call on memberships (seats are counted in
//! [`crate::cohorts::queries`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{MemberRow, Membership};
use crate::db::{DbConnection, MultiBackend};
use crate::error::{AppError, Msg};
use crate::schema::{countries, memberships, users};
use crate::users::UserId;
use crate::vocab::{CohortId, MemberRole, MemberStatus};

pub fn load_member(
    conn: &mut DbConnection,
    cohort: CohortId,
    user: UserId,
) -> QueryResult<MemberRow> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::cohort_id.eq(cohort))
        .filter(memberships::user_id.eq(user))
        .select((Membership::as_select(), users::full_name, users::email))
        .first(conn)
}

pub fn find_membership(
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

/// A new membership; 409 `AlreadyMember` if there is one.
pub fn insert(
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

/// Many new memberships, a few hundred per statement (an import; the
/// cohort is locked and none of them existed).
pub fn insert_many(conn: &mut DbConnection, rows: &[Membership]) -> QueryResult<usize> {
    crate::insert_chunked!(conn, memberships::table, rows, 500)
}

/// One page (plus one row) of the members of `cohort`, oldest first, after
/// the keyset cursor `after` (created at, user).
pub fn list(
    conn: &mut DbConnection,
    cohort: CohortId,
    role: Option<MemberRole>,
    status: Option<MemberStatus>,
    after: Option<(NaiveDateTime, UserId)>,
    limit: i64,
) -> QueryResult<Vec<MemberRow>> {
    let mut query = memberships::table
        .inner_join(users::table)
        .filter(memberships::cohort_id.eq(cohort))
        .into_boxed::<MultiBackend>();
    if let Some(role) = role {
        query = query.filter(memberships::role.eq(role));
    }
    if let Some(status) = status {
        query = query.filter(memberships::status.eq(status));
    }
    if let Some((at, user)) = after {
        query = query.filter(
            memberships::created_at.gt(at).or(memberships::created_at
                .eq(at)
                .and(memberships::user_id.gt(user))),
        );
    }
    query
        .order((memberships::created_at.asc(), memberships::user_id.asc()))
        .limit(limit + 1)
        .select((Membership::as_select(), users::full_name, users::email))
        .load(conn)
}

pub fn user_exists(conn: &mut DbConnection, user: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.find(user))).get_result(conn)
}

pub fn set_role_and_status(
    conn: &mut DbConnection,
    cohort: CohortId,
    user: UserId,
    role: MemberRole,
    status: MemberStatus,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(memberships::table.find((cohort, user)))
        .set((
            memberships::role.eq(role),
            memberships::status.eq(status),
            memberships::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn withdraw(
    conn: &mut DbConnection,
    cohort: CohortId,
    user: UserId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(memberships::table.find((cohort, user)))
        .set((
            memberships::status.eq(MemberStatus::Withdrawn),
            memberships::updated_at.eq(now),
        ))
        .execute(conn)
}

/// The accounts of `emails` (stored lower-cased): `(id, email)`.
pub fn accounts_by_email(
    conn: &mut DbConnection,
    emails: &[String],
) -> QueryResult<Vec<(UserId, String)>> {
    let mut out = Vec::new();
    for chunk in emails.chunks(500) {
        out.extend(
            users::table
                .filter(users::email.eq_any(chunk))
                .select((users::id, users::email))
                .load::<(UserId, String)>(conn)?,
        );
    }
    Ok(out)
}

/// The memberships of `cohort` among `people`.
pub fn memberships_among(
    conn: &mut DbConnection,
    cohort: CohortId,
    people: &[UserId],
) -> QueryResult<Vec<Membership>> {
    let mut out = Vec::new();
    for chunk in people.chunks(500) {
        out.extend(
            memberships::table
                .filter(memberships::cohort_id.eq(cohort))
                .filter(memberships::user_id.eq_any(chunk))
                .select(Membership::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Which of `codes` are known countries.
pub fn known_countries(conn: &mut DbConnection, codes: &[String]) -> QueryResult<Vec<String>> {
    countries::table
        .filter(countries::code.eq_any(codes))
        .select(countries::code)
        .load(conn)
}
