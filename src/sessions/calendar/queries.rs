//! Every diesel call of calendar feeds: feed tokens, the account's
//! language, and the bounded lists of sessions a feed shows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::cohorts::{CohortId, MemberStatus};
use crate::db::DbConnection;
use crate::schema::{calendar_tokens, cohorts, memberships, sessions, users};
use crate::sessions::rows::Session;
use crate::users::{Language, UserId};

/// Feeds start with sessions that ended up to this many days ago.
pub const FEED_PAST_DAYS: i64 = 90;
/// And hold at most this many events.
pub const FEED_MAX_EVENTS: i64 = 1000;

/// Forgets the user's feed token, if any: apps using it get 401.
pub fn delete_token(conn: &mut DbConnection, user: UserId) -> QueryResult<()> {
    diesel::delete(calendar_tokens::table.find(user)).execute(conn)?;
    Ok(())
}

/// Stores the hash of a user's new feed token (after [`delete_token`]:
/// one per user).
pub fn insert_token(
    conn: &mut DbConnection,
    user: UserId,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(calendar_tokens::table)
        .values((
            calendar_tokens::user_id.eq(user),
            calendar_tokens::token_hash.eq(hash),
            calendar_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whose feed token has this hash.
pub fn token_owner(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<UserId>> {
    calendar_tokens::table
        .filter(calendar_tokens::token_hash.eq(hash))
        .select(calendar_tokens::user_id)
        .first(conn)
        .optional()
}

/// The account's preferred language.
pub fn language_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Language> {
    users::table.find(user).select(users::language).first(conn)
}

/// A cohort's live sessions that ended at `since` or later, earliest first,
/// at most [`FEED_MAX_EVENTS`].
pub fn cohort_feed_sessions(
    conn: &mut DbConnection,
    cohort: CohortId,
    since: NaiveDateTime,
) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::cohort_id.eq(cohort))
        .filter(sessions::deleted_at.is_null())
        .filter(sessions::ends_at.ge(since))
        .order((sessions::starts_at.asc(), sessions::id.asc()))
        .limit(FEED_MAX_EVENTS)
        .select(Session::as_select())
        .load(conn)
}

/// The same over every cohort the user is an admitted (active or
/// completed) member of, each with its cohort's name.
pub fn my_feed_sessions(
    conn: &mut DbConnection,
    user: UserId,
    since: NaiveDateTime,
) -> QueryResult<Vec<(Session, String)>> {
    let mine = memberships::table
        .filter(memberships::user_id.eq(user))
        .filter(memberships::status.eq_any([MemberStatus::Active, MemberStatus::Completed]))
        .select(memberships::cohort_id);
    sessions::table
        .inner_join(cohorts::table)
        .filter(sessions::cohort_id.eq_any(mine))
        .filter(sessions::deleted_at.is_null())
        .filter(sessions::ends_at.ge(since))
        .order((sessions::starts_at.asc(), sessions::id.asc()))
        .limit(FEED_MAX_EVENTS)
        .select((Session::as_select(), cohorts::name))
        .load(conn)
}
