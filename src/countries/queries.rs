//! Every query of the countries area: the chapters and their coordinators.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::DbConnection;
use crate::schema::{countries, country_coordinators, users};
use crate::users::{User, UserId};

use super::rows::Country;

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

/// Makes `user` a coordinator of `code`; being one already is no error.
pub fn appoint(
    conn: &mut DbConnection,
    code: &str,
    user: UserId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let appointed = diesel::insert_into(country_coordinators::table)
        .values((
            country_coordinators::country_code.eq(code),
            country_coordinators::user_id.eq(user),
            country_coordinators::created_at.eq(now),
        ))
        .execute(conn);
    match appointed {
        // Already a coordinator: the PUT states a fact, so it holds.
        Ok(_) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
        Err(e) => Err(e),
    }
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
