//! Every diesel call of progress and certificates.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{Certificate, CertificateId};
use super::rule::Rule;
use crate::access::{Actor, CohortAccess, Membership};
use crate::attendance::report_queries::Counting;
use crate::cache::CacheKey;
use crate::cohorts::seats::SEAT_HOLDERS;
use crate::cohorts::Cohort;
use crate::db::DbConnection;
use crate::error::{AppError, Msg};
use crate::http::AuthUser;
use crate::schema::{
    certificates, cohorts, countries, country_coordinators, memberships, programmes, users,
};
use crate::vocab::{CohortId, MemberRole, UserId};

/// Everything a cohort's progress is made of: the cohort's members',
/// sessions' and case studies' versions (kept by triggers; the answer shows
/// nothing else of the cohort but its id), the attendance of its counted
/// sessions and how many have ended, the programme's rule, and the
/// request's filter and format. Built only by [`progress_key`], from the
/// rows read, so no input can be left out.
// Its fields are read by `Debug`, which makes the key text.
#[allow(dead_code)]
#[derive(Debug)]
pub struct ProgressKey {
    cohort: CohortId,
    versions: (i64, i64, i64),
    counting: (i64, i64),
    rule: (i32, i32),
    completed: Option<bool>,
    csv: Option<char>,
}

impl CacheKey for ProgressKey {}

pub fn progress_key(
    cohort: &Cohort,
    rule: Rule,
    counting: &Counting,
    completed: Option<bool>,
    csv: Option<char>,
) -> ProgressKey {
    ProgressKey {
        cohort: cohort.id,
        versions: (
            cohort.members_version,
            cohort.sessions_version,
            cohort.casework_version,
        ),
        counting: (counting.versions, counting.counted),
        rule: (rule.min_attendance_rate, rule.required_submissions),
        completed,
        csv,
    }
}

/// A cohort, its programme's rule and the caller's access to it, checked
/// against `rule`, in one round trip: the caller's flags (and whether
/// their login session was ended) are read in the same query instead of by
/// `users::actor`, as for rosters (`attendance::queries::roster_versions`).
pub fn cohort_for_progress(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: CohortId,
    allowed: impl Fn(&CohortAccess) -> bool,
) -> Result<(Cohort, Rule), AppError> {
    let query = cohorts::table
        .inner_join(programmes::table)
        .left_join(
            memberships::table.on(memberships::cohort_id
                .eq(cohorts::id)
                .and(memberships::user_id.eq(auth.id))),
        )
        .left_join(users::table.on(users::id.eq(auth.id)))
        .left_join(
            country_coordinators::table.on(country_coordinators::user_id.eq(auth.id).and(
                country_coordinators::country_code
                    .nullable()
                    .eq(cohorts::country_code),
            )),
        )
        .filter(cohorts::id.eq(id));
    let membership = (memberships::role, memberships::status).nullable();
    let caller = (users::is_admin, users::is_active).nullable();
    #[allow(clippy::type_complexity)]
    let row: Option<(
        Cohort,
        (i32, i32),
        Option<Membership>,
        Option<(bool, bool)>,
        Option<String>,
        bool,
    )> = crate::on_backend!(conn, c => query
        .select((
            Cohort::as_select(),
            (programmes::min_attendance_rate, programmes::required_submissions),
            membership,
            caller,
            country_coordinators::country_code.nullable(),
            crate::users::session_revoked(auth.session),
        ))
        .first(c)
        .optional())?;
    let Some((
        cohort,
        (min_attendance_rate, required_submissions),
        membership,
        caller,
        coordinates,
        revoked,
    )) = row
    else {
        // A deactivated caller is told so before anything else.
        crate::users::actor(conn, auth)?;
        return Err(AppError::NotFound);
    };
    let (Some((is_admin, true)), false) = (caller, revoked) else {
        return Err(AppError::Unauthorized(Msg::InvalidToken));
    };
    let actor = Actor {
        id: auth.id,
        is_admin,
        coordinates: coordinates.into_iter().collect(),
    };
    let access = cohort.access_of(Some(&actor), membership);
    access.require(allowed(&access))?;
    Ok((
        cohort,
        Rule {
            min_attendance_rate,
            required_submissions,
        },
    ))
}

/// A cohort where someone learns, with what its programme asks to
/// complete it: id, name, minimum attendance rate, submissions required.
pub type Learning = (CohortId, String, i32, i32);

/// The cohorts where `user` holds a learner's seat, latest start first.
pub fn my_learning(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<Learning>> {
    memberships::table
        .inner_join(cohorts::table.inner_join(programmes::table))
        .filter(memberships::user_id.eq(user))
        .filter(memberships::role.eq(MemberRole::Learner))
        .filter(memberships::status.eq_any(SEAT_HOLDERS))
        .order((cohorts::starts_on.desc(), cohorts::id.asc()))
        .select((
            cohorts::id,
            cohorts::name,
            programmes::min_attendance_rate,
            programmes::required_submissions,
        ))
        .load(conn)
}

/// The certificate codes of a cohort's learners (or of `only`).
pub fn codes_of(
    conn: &mut DbConnection,
    cohort: CohortId,
    only: Option<UserId>,
) -> QueryResult<Vec<(UserId, String)>> {
    let mut query = certificates::table
        .filter(certificates::cohort_id.eq(cohort))
        .select((certificates::user_id, certificates::code))
        .into_boxed();
    if let Some(user) = only {
        query = query.filter(certificates::user_id.eq(user));
    }
    query.load(conn)
}

/// Inserts a certificate unless the learner has one for the cohort
/// already (whoever got there first): 1 if inserted, 0 if not.
pub fn insert_if_new(conn: &mut DbConnection, row: &Certificate) -> QueryResult<usize> {
    crate::on_backend!(conn, c => diesel::insert_into(certificates::table)
        .values(row)
        .on_conflict((certificates::cohort_id, certificates::user_id))
        .do_nothing()
        .execute(c))
}

/// A certificate by its stored code, with the name of its cohort's country.
pub fn by_code(
    conn: &mut DbConnection,
    code: &str,
) -> QueryResult<Option<(Certificate, Option<String>)>> {
    certificates::table
        .left_join(countries::table.on(countries::code.nullable().eq(certificates::country_code)))
        .filter(certificates::code.eq(code))
        .select((Certificate::as_select(), countries::name.nullable()))
        .first(conn)
        .optional()
}

pub fn revoke(
    conn: &mut DbConnection,
    id: CertificateId,
    by: UserId,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(certificates::table.find(id))
        .set((
            certificates::revoked_at.eq(Some(now)),
            certificates::revoked_by.eq(Some(by)),
            certificates::revocation_reason.eq(Some(reason)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The certificates of `user`, newest first.
pub fn of_user(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<Certificate>> {
    certificates::table
        .filter(certificates::user_id.eq(user))
        .order((certificates::issued_at.desc(), certificates::id.asc()))
        .select(Certificate::as_select())
        .load(conn)
}
