//! Every query of the countries area: the chapters and their coordinators.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::{chapter_roles, countries, country_coordinators, users};
use crate::users::{User, UserId};

use super::rows::{ChapterRole, Country, Term};

pub fn find(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Country>> {
    countries::table
        .find(code)
        .select(Country::as_select())
        .first(conn)
        .optional()
}

/// Every country, by code.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Country>> {
    countries::table
        .order(countries::code.asc())
        .select(Country::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, row: &Country) -> QueryResult<usize> {
    diesel::insert_into(countries::table)
        .values(row)
        .execute(conn)
}

/// The coordinators of `code`, by name.
pub fn coordinators(conn: &mut DbConnection, code: &str) -> QueryResult<Vec<User>> {
    users::table
        .inner_join(country_coordinators::table)
        .filter(country_coordinators::country_code.eq(code))
        .order((users::full_name.asc(), users::id.asc()))
        .select(User::as_select())
        .load(conn)
}

/// Makes `user` a coordinator of `code`; being one already is no error
/// (and, being `ON CONFLICT DO NOTHING`, leaves a PostgreSQL transaction
/// usable).
pub fn appoint(
    conn: &mut DbConnection,
    code: &str,
    user: UserId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let row = (
        country_coordinators::country_code.eq(code),
        country_coordinators::user_id.eq(user),
        country_coordinators::created_at.eq(now),
    );
    crate::on_backend!(conn, c => diesel::insert_into(country_coordinators::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Removes `user` from the coordinators of `code`: the rows removed (0 or 1).
pub fn remove_coordinator(conn: &mut DbConnection, code: &str, user: UserId) -> QueryResult<usize> {
    diesel::delete(
        country_coordinators::table
            .filter(country_coordinators::country_code.eq(code))
            .filter(country_coordinators::user_id.eq(user)),
    )
    .execute(conn)
}

/// Whether `user` volunteers for `country` now.
pub fn is_volunteer(conn: &mut DbConnection, user: UserId, country: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        chapter_roles::table
            .filter(chapter_roles::user_id.eq(user))
            .filter(chapter_roles::country_code.eq(country))
            .filter(chapter_roles::role.eq(ChapterRole::Volunteer))
            .filter(chapter_roles::until.is_null()),
    ))
    .get_result(conn)
}

/// Opens a term of `user` in `role` for `country` from `now`; one already
/// open stays as it is (`Ok(false)`).
pub fn open_term(
    conn: &mut DbConnection,
    code: &str,
    user: UserId,
    role: ChapterRole,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let term = Term {
        id: uuid::Uuid::now_v7().to_string(),
        country_code: code.to_owned(),
        user_id: user,
        role,
        since: now,
        until: None,
    };
    // The partial unique index on open terms makes a second one a no-op.
    let opened = crate::on_backend!(conn, c => diesel::insert_into(chapter_roles::table)
        .values(&term)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(opened == 1)
}

/// Ends the open term of `user` in `role` for `country` at `now`, keeping
/// the row: the terms ended (0 or 1).
pub fn end_term(
    conn: &mut DbConnection,
    code: &str,
    user: UserId,
    role: ChapterRole,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        chapter_roles::table
            .filter(chapter_roles::country_code.eq(code))
            .filter(chapter_roles::user_id.eq(user))
            .filter(chapter_roles::role.eq(role))
            .filter(chapter_roles::until.is_null()),
    )
    .set(chapter_roles::until.eq(now))
    .execute(conn)
}

/// Every term of the country's team, past ones included, with the
/// person's name: current ones first, then by role and start.
pub fn team(conn: &mut DbConnection, code: &str) -> QueryResult<Vec<(Term, String)>> {
    chapter_roles::table
        .inner_join(users::table)
        .filter(chapter_roles::country_code.eq(code))
        .order((
            chapter_roles::until.is_not_null().asc(),
            chapter_roles::role.asc(),
            chapter_roles::since.asc(),
            chapter_roles::id.asc(),
        ))
        .select((Term::as_select(), users::full_name))
        .load(conn)
}
