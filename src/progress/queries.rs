//! Every diesel call of progress and certificates.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{Certificate, CertificateId};
use crate::attendance::report_queries::Counting;
use crate::cache::CacheKey;
use crate::cohorts::seats::SEAT_HOLDERS;
use crate::cohorts::Cohort;
use crate::db::DbConnection;
use crate::programmes::Programme;
use crate::schema::{certificates, cohorts, countries, memberships, programmes};
use crate::vocab::{CohortId, MemberRole, UserId};

/// Everything a cohort's progress is made of: the cohort as read (its name
/// and dates through `updated_at`; its members', sessions' and case
/// studies' versions, kept by triggers), the attendance of its counted
/// sessions and how many have ended, the programme's rule, and the
/// request's filter and format. Built only by [`progress_key`], from the
/// rows read, so no input can be left out.
// Its fields are read by `Debug`, which makes the key text.
#[allow(dead_code)]
#[derive(Debug)]
pub struct ProgressKey {
    cohort: CohortId,
    updated_at: NaiveDateTime,
    versions: (i64, i64, i64),
    counting: (i64, i64),
    rule: (i32, i32, NaiveDateTime),
    completed: Option<bool>,
    csv: Option<char>,
}

impl CacheKey for ProgressKey {}

pub fn progress_key(
    cohort: &Cohort,
    programme: &Programme,
    counting: &Counting,
    completed: Option<bool>,
    csv: Option<char>,
) -> ProgressKey {
    ProgressKey {
        cohort: cohort.id,
        updated_at: cohort.updated_at,
        versions: (
            cohort.members_version,
            cohort.sessions_version,
            cohort.casework_version,
        ),
        counting: (counting.versions, counting.counted),
        rule: (
            programme.min_attendance_rate,
            programme.required_submissions,
            programme.updated_at,
        ),
        completed,
        csv,
    }
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
