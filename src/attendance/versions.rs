//! The versions that key a cached roster (see `crate::cache`), read in the
//! query that authorises the request.

use diesel::prelude::*;

use crate::access::{Actor, CohortAccess, Membership};
use crate::cache::CacheKey;
use crate::db::DbConnection;
use crate::error::{AppError, Msg};
use crate::http::AuthUser;
use crate::schema::{cohorts as cohorts_t, country_coordinators, memberships, sessions, users};
use crate::vocab::{CohortId, CohortStatus, SessionId};

/// What a cached roster needs to know about its session: who may read it,
/// and the versions that key it.
#[derive(Debug, Clone, Copy)]
pub struct RosterVersions {
    pub access: CohortAccess,
    pub key: RosterKey,
}

/// Everything a roster is made of: the session's records and the cohort's
/// learners with their names.
#[derive(Debug, Clone, Copy)]
pub struct RosterKey {
    pub session: SessionId,
    /// Of the session's attendance records (see [`attendance_version`]).
    pub attendance: i64,
    pub cohort: CohortId,
    /// Of the cohort's learners and their names.
    pub members: i64,
}

impl CacheKey for RosterKey {}

/// The caller's access to a live session's roster, checked against `rule`
/// like [`session_for`], and the versions of what the roster is made of
/// (bumped by triggers on every change; see `crate::cache`), in one round
/// trip: the caller's flags are read in the same query instead of by
/// [`Actor::load`], and only the columns needed are read. On PostgreSQL
/// this cut a cached roster's cost by a quarter.
pub fn roster_versions(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: SessionId,
    rule: impl Fn(&CohortAccess) -> bool,
) -> Result<RosterVersions, AppError> {
    let query = sessions::table
        .inner_join(cohorts_t::table)
        .left_join(
            memberships::table.on(memberships::cohort_id
                .eq(cohorts_t::id)
                .and(memberships::user_id.eq(auth.id))),
        )
        .left_join(users::table.on(users::id.eq(auth.id)))
        .left_join(
            country_coordinators::table.on(country_coordinators::user_id.eq(auth.id).and(
                country_coordinators::country_code
                    .nullable()
                    .eq(cohorts_t::country_code),
            )),
        )
        .filter(sessions::id.eq(id))
        .filter(sessions::deleted_at.is_null());
    let membership = (memberships::role, memberships::status).nullable();
    let caller = (users::is_admin, users::is_active).nullable();
    // Hot path: on the concrete connection (see `db::on_backend!`).
    #[allow(clippy::type_complexity)]
    let row: Option<(
        (CohortId, CohortStatus, Option<String>, i64),
        Option<Membership>,
        Option<(bool, bool)>,
        Option<String>,
        i64,
    )> = crate::on_backend!(conn, c => query
        .select((
            (
                cohorts_t::id,
                cohorts_t::status,
                cohorts_t::country_code,
                cohorts_t::members_version,
            ),
            membership,
            caller,
            country_coordinators::country_code.nullable(),
            attendance_version(),
        ))
        .first(c)
        .optional())?;
    let Some(((cohort_id, status, country, members), membership, caller, coordinates, attendance)) =
        row
    else {
        // A deactivated caller is told so before anything else.
        crate::users::actor(conn, auth)?;
        return Err(AppError::NotFound);
    };
    let Some((is_admin, true)) = caller else {
        return Err(AppError::Unauthorized(Msg::InvalidToken));
    };
    // The caller as far as this cohort goes: whether they coordinate its country.
    let actor = Actor {
        id: auth.id,
        is_admin,
        coordinates: coordinates.into_iter().collect(),
    };
    let access = CohortAccess::of(&actor, status, country.as_deref(), membership);
    access.require(rule(&access))?;
    Ok(RosterVersions {
        access,
        key: RosterKey {
            session: id,
            attendance,
            cohort: cohort_id,
            members,
        },
    })
}

/// The version of a session's attendance records, for a query over
/// `sessions`: the sum of its shards (see migration `list_versions`),
/// which grows with every change to one of them.
pub fn attendance_version() -> AttendanceVersion {
    AttendanceVersion
}

crate::static_sql!(
    /// The SQL of [`attendance_version`], kept prepared (see
    /// `crate::static_sql`): re-planning the roster's query cost PostgreSQL
    /// about 1 ms a request.
    pub AttendanceVersion: diesel::sql_types::BigInt =
        "(SELECT CAST(COALESCE(SUM(roster_versions.version), 0) AS BIGINT) \
         FROM roster_versions WHERE roster_versions.session_id = sessions.id)"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_reading_the_attendance_version_stay_prepared() {
        use crate::db::kept_prepared;
        let literal = sessions::table.select(diesel::dsl::sql::<diesel::sql_types::BigInt>("1"));
        assert!(!kept_prepared(&literal), "the check itself works");
        assert!(kept_prepared(
            &sessions::table.select((sessions::id, attendance_version()))
        ));
    }
}
