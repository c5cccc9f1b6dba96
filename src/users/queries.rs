//! Every query of the users area: accounts by id or e-mail, inserts and
//! updates, the rights an actor is loaded from, and the directory listing.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, MultiBackend};
use crate::schema::{countries, country_coordinators, refresh_tokens, revoked_sessions, users};
use crate::vocab::{LoginSessionId, UserId};

use super::rows::{normalize_email, NewUser, User, UserChanges};

// Portable case folding: `ilike` does not exist on the multi backend.
diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Whether the login session `session` has been ended, as a column.
pub fn session_revoked(
    session: LoginSessionId,
) -> diesel::dsl::exists<diesel::dsl::Find<revoked_sessions::table, LoginSessionId>> {
    diesel::dsl::exists(revoked_sessions::table.find(session))
}

/// The account, and whether `session` (the caller's login session) has
/// been ended.
pub fn find_in_session(
    conn: &mut DbConnection,
    id: UserId,
    session: LoginSessionId,
) -> QueryResult<Option<(User, bool)>> {
    // On the concrete connection: see `db::on_backend!` (hot path).
    crate::on_backend!(conn, c => users::table
        .find(id)
        .select((User::as_select(), session_revoked(session)))
        .first(c)
        .optional())
}

pub fn find(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<User>> {
    // On the concrete connection: see `db::on_backend!` (hot path).
    crate::on_backend!(conn, c => users::table
        .find(id)
        .select(User::as_select())
        .first(c)
        .optional())
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(<User as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
}

/// Many accounts, a few hundred per statement (an import).
pub fn insert_many(conn: &mut DbConnection, rows: &[NewUser<'_>]) -> QueryResult<usize> {
    crate::insert_chunked!(conn, users::table, rows, 500)
}

pub fn update(conn: &mut DbConnection, id: UserId, changes: &UserChanges) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(<User as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
}

pub fn country_exists(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(countries::table.find(code))).get_result(conn)
}

/// Takes the account's row lock for the rest of the transaction (on
/// PostgreSQL; SQLite's `BEGIN IMMEDIATE` already admits one writer).
/// Every change to an account's login sessions (refresh, reuse, logout,
/// password change, deactivation) holds it before it touches
/// `refresh_tokens` or `revoked_sessions`, so they queue in one order
/// instead of each locking token rows and the revocation in its own order
/// (six concurrent refreshes of one token deadlocked on PostgreSQL). The
/// updates of `users` that revoke sessions take the same lock. `FOR NO KEY
/// UPDATE`: inserts that reference the account still pass.
pub fn lock_account(conn: &mut DbConnection, user: UserId) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        users::table
            .find(user)
            .select(users::id)
            .for_no_key_update()
            .first::<UserId>(pg)
            .optional()?;
    }
    Ok(())
}

/// Revokes every live token of `user` except those of `keep` (the session
/// that asked, e.g. when changing the password), and their access tokens
/// with them (see [`record_revoked`]).
pub fn revoke_sessions(
    conn: &mut DbConnection,
    user: UserId,
    keep: Option<LoginSessionId>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut live = refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user))
        .filter(refresh_tokens::revoked_at.is_null())
        .select(refresh_tokens::family_id)
        .distinct()
        .into_boxed::<MultiBackend>();
    if let Some(keep) = keep {
        live = live.filter(refresh_tokens::family_id.ne(keep));
    }
    let families: Vec<LoginSessionId> = live.load(conn)?;
    record_revoked(conn, user, &families, now)?;
    let mut q = diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::user_id.eq(user))
        .filter(refresh_tokens::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        q = q.filter(refresh_tokens::family_id.ne(keep));
    }
    q.set(refresh_tokens::revoked_at.eq(now)).execute(conn)
}

/// Ends `user`'s login sessions `families` for their access tokens too:
/// every authenticated request checks its session against this list
/// ([`rights`]). Revoking a session twice keeps the first instant.
pub fn record_revoked(
    conn: &mut DbConnection,
    user: UserId,
    families: &[LoginSessionId],
    now: NaiveDateTime,
) -> QueryResult<()> {
    if families.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = families
        .iter()
        .map(|f| {
            (
                revoked_sessions::id.eq(*f),
                revoked_sessions::user_id.eq(user),
                revoked_sessions::revoked_at.eq(now),
            )
        })
        .collect();
    // Upsert and multi-row insert: on the concrete connection (DATABASE.md).
    crate::on_backend!(conn, c => diesel::insert_into(revoked_sessions::table)
        .values(&rows)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Revocations older than `before`: every access token of those sessions
/// has expired by then. For housekeeping; how many went.
pub fn forget_revocations(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(revoked_sessions::table.filter(revoked_sessions::revoked_at.lt(before)))
        .execute(conn)
}

/// `(is_admin, is_active, coordinated country, session revoked)`.
pub type Rights = (bool, bool, Option<String>, bool);

/// The account's [`Rights`], once per country it coordinates (once with `None` if it
/// coordinates none); no row if the account does not exist. `session` is
/// the login session of the caller's access token.
pub fn rights(
    conn: &mut DbConnection,
    id: UserId,
    session: LoginSessionId,
) -> QueryResult<Vec<Rights>> {
    // One round trip: the account's flags, once per country it coordinates,
    // and whether the session was ended (a primary-key probe of a table
    // that holds only recent revocations).
    let query = of_account(id).select(rights_columns(session));
    // On the concrete connection: see `db::on_backend!` (every request).
    crate::on_backend!(conn, c => query.load(c))
}

/// The account `id`, once per country it coordinates: what
/// [`rights_columns`] reads from (an area that reads more with the rights,
/// in the same round trip, selects from it too).
#[diesel::dsl::auto_type]
pub fn of_account(id: UserId) -> _ {
    users::table
        .left_join(country_coordinators::table)
        .filter(users::id.eq(id))
}

/// The columns of [`Rights`] over [`of_account`].
#[diesel::dsl::auto_type]
pub fn rights_columns(session: LoginSessionId) -> _ {
    let revoked: diesel::dsl::exists<diesel::dsl::Find<revoked_sessions::table, LoginSessionId>> =
        session_revoked(session);
    (
        users::is_admin,
        users::is_active,
        country_coordinators::country_code.nullable(),
        revoked,
    )
}

/// A `LIKE` pattern matching `q` anywhere, lower-cased, with the wildcards
/// `%` and `_` (and the escape `\` itself) taken literally.
pub fn contains_pattern(q: &str) -> String {
    let mut pattern = String::with_capacity(q.len() + 2);
    pattern.push('%');
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One page of the directory, by id: members of `countries` (`None`: all)
/// whose name or e-mail contains `q`, after `after`; `limit + 1` rows so
/// the caller knows whether there is a next page.
pub fn directory_page(
    conn: &mut DbConnection,
    countries: Option<Vec<String>>,
    q: Option<String>,
    after: Option<UserId>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let mut query = users::table.into_boxed::<MultiBackend>();
    if let Some(countries) = countries {
        query = query.filter(users::country_code.eq_any(countries));
    }
    if let Some(q) = q {
        let pattern = contains_pattern(&q);
        query = query.filter(
            lower(users::full_name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::email).like(pattern).escape('\\')),
        );
    }
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    query
        .order(users::id.asc())
        .limit(limit + 1)
        .select(User::as_select())
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_substrings_literally() {
        assert_eq!(contains_pattern("TraORé"), "%traoré%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    /// Every request reads the caller's rights: its query must stay
    /// prepared with the session check in it.
    #[test]
    fn the_rights_query_stays_prepared_with_its_session_check() {
        let session = LoginSessionId(uuid::Uuid::nil());
        let query = users::table
            .left_join(country_coordinators::table)
            .filter(users::id.eq(UserId::new()))
            .select((
                users::is_admin,
                users::is_active,
                country_coordinators::country_code.nullable(),
                session_revoked(session),
            ));
        assert!(crate::db::kept_prepared(&query));
    }
}
