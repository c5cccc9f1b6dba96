//! `griot bench-fixture`: ids and tokens of seeded users for the benchmark.

use std::time::Instant;

use diesel::prelude::*;
use serde::Serialize;

use crate::app::connect_and_migrate;
use crate::clock::{Clock, SystemClock};
use crate::cohorts::{CohortId, CohortStatus, MemberRole, MemberStatus};
use crate::config::Settings;
use crate::crypto::jwt::JwtKeys;
use crate::crypto::password::hash_blocking;
use crate::events::rows::{EventId, EventStatus};
use crate::programmes::ProgrammeId;
use crate::schema::{
    certificates, cohorts, country_coordinators, events, memberships, sessions, users,
};
use crate::sessions::{SessionId, SessionStatus};
use crate::users::UserId;

use super::SEED_PASSWORD;

/// What `scripts/bench.sh` needs to drive a seeded server.
#[derive(Debug, Serialize)]
pub struct Fixture {
    pub cohort_id: CohortId,
    pub session_id: SessionId,
    pub storm_session_id: SessionId,
    pub cohort_ids: Vec<CohortId>,
    pub trainer_token: String,
    pub admin_token: String,
    pub learner_tokens: Vec<String>,
    pub storm_tokens: Vec<String>,
    pub roster_user_ids: Vec<UserId>,
    pub login_emails: Vec<String>,
    pub login_password: String,
    pub argon2_hash_ms: f64,
    /// Codes of issued certificates (stored form), for the PDF scenario.
    pub certificate_codes: Vec<String>,
    /// The seeded pan-African Déconnexion edition (published).
    pub deconnexion_event_id: EventId,
    /// Countries with a published event, for the public list's filter.
    pub event_countries: Vec<String>,
    /// Issue 17's writes. The cohort's programme and country, for fresh
    /// cohorts to import into and schedule series in; a coordinator of that
    /// country (who may create them, enrol and import); the id of the
    /// trainer behind `trainer_token`, to lead series there.
    pub programme_id: ProgrammeId,
    pub country_code: String,
    pub coordinator_token: String,
    pub trainer_id: UserId,
}

/// Reads a seeded database and mints 24-hour access tokens with the
/// server's secret.
pub fn bench_fixture(settings: &Settings, users_wanted: i64) -> Result<Fixture, String> {
    let pool = connect_and_migrate(settings).map_err(|e| e.0)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let conn = &mut *conn;
    let fail = |e: diesel::result::Error| e.to_string();
    let now = SystemClock.now_naive();
    let jwt = JwtKeys::new(&settings.jwt_secret, 86_400);
    let ts = SystemClock.now().timestamp();
    let token = |id: UserId| {
        jwt.issue(id, uuid::Uuid::now_v7(), ts)
            .map_err(|e| e.to_string())
    };

    let (cohort, programme_id, country): (CohortId, ProgrammeId, Option<String>) = cohorts::table
        .filter(cohorts::status.eq(CohortStatus::Running))
        .order(cohorts::id.asc())
        .select((cohorts::id, cohorts::programme_id, cohorts::country_code))
        .first(conn)
        .map_err(|_| "no running cohort: run `griot seed` first".to_string())?;
    let country_code = country.ok_or("the running cohort has no country")?;
    let coordinator: UserId = country_coordinators::table
        .filter(country_coordinators::country_code.eq(&country_code))
        .order(country_coordinators::user_id.asc())
        .select(country_coordinators::user_id)
        .first(conn)
        .map_err(|_| format!("no coordinator for {country_code}"))?;
    let cohort_ids: Vec<CohortId> = cohorts::table
        .order(cohorts::id.asc())
        .select(cohorts::id)
        .load(conn)
        .map_err(fail)?;
    let session_id: SessionId = sessions::table
        .filter(sessions::cohort_id.eq(cohort))
        .filter(sessions::ends_at.lt(now))
        .order(sessions::starts_at.desc())
        .select(sessions::id)
        .first(conn)
        .map_err(|_| "the cohort has no past session".to_string())?;
    let storm_session_id: SessionId = sessions::table
        .filter(sessions::cohort_id.eq(cohort))
        .filter(sessions::starts_at.gt(now))
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .order(sessions::starts_at.asc())
        .select(sessions::id)
        .first(conn)
        .map_err(|_| "the cohort has no upcoming session".to_string())?;
    let members: Vec<(UserId, MemberRole)> = memberships::table
        .filter(memberships::cohort_id.eq(cohort))
        .filter(memberships::status.eq(MemberStatus::Active))
        .select((memberships::user_id, memberships::role))
        .load(conn)
        .map_err(fail)?;
    let trainer = members
        .iter()
        .find(|(_, r)| *r == MemberRole::Trainer)
        .map(|(u, _)| *u)
        .ok_or("the cohort has no trainer")?;
    let roster: Vec<UserId> = members
        .iter()
        .filter(|(_, r)| *r == MemberRole::Learner)
        .map(|(u, _)| *u)
        .collect();
    let admin: UserId = users::table
        .filter(users::is_admin.eq(true))
        .select(users::id)
        .first(conn)
        .map_err(|_| "no administrator".to_string())?;
    // Those who can sign in: not the imported learners still invited.
    let learners: Vec<(UserId, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::role.eq(MemberRole::Learner))
        .filter(users::password_hash.ne(""))
        .order(memberships::user_id.asc())
        .limit(users_wanted)
        .select((users::id, users::email))
        .load(conn)
        .map_err(fail)?;
    let mut timings: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let _ = hash_blocking(SEED_PASSWORD);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    timings.sort_by(f64::total_cmp);
    let certificate_codes: Vec<String> = certificates::table
        .order(certificates::id.asc())
        .limit(50)
        .select(certificates::code)
        .load(conn)
        .map_err(fail)?;
    let deconnexion_event_id: EventId = events::table
        .filter(events::country_code.is_null())
        .filter(events::title.like("Déconnexion%"))
        .filter(events::status.eq(EventStatus::Published))
        .order((events::starts_at.asc(), events::id.asc()))
        .select(events::id)
        .first(conn)
        .map_err(|_| "no Déconnexion event: seed with this version of `griot seed`".to_string())?;
    let event_countries: Vec<Option<String>> = events::table
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::country_code.is_not_null())
        .select(events::country_code)
        .distinct()
        .order(events::country_code.asc())
        .load(conn)
        .map_err(fail)?;
    Ok(Fixture {
        cohort_id: cohort,
        session_id,
        storm_session_id,
        cohort_ids,
        trainer_token: token(trainer)?,
        admin_token: token(admin)?,
        learner_tokens: learners
            .iter()
            .map(|(u, _)| token(*u))
            .collect::<Result<_, _>>()?,
        storm_tokens: roster.iter().map(|u| token(*u)).collect::<Result<_, _>>()?,
        roster_user_ids: roster,
        login_emails: learners.iter().take(200).map(|(_, e)| e.clone()).collect(),
        login_password: SEED_PASSWORD.into(),
        argon2_hash_ms: (timings[2] * 100.0).round() / 100.0,
        certificate_codes,
        deconnexion_event_id,
        event_countries: event_countries.into_iter().flatten().collect(),
        programme_id,
        country_code,
        coordinator_token: token(coordinator)?,
        trainer_id: trainer,
    })
}
