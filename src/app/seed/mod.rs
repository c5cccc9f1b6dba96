//! `griot seed`: realistic data for development and the benchmark, and
//! `griot bench-fixture`: what the benchmark needs to drive it (ids and
//! tokens of seeded users). Seeding inserts in batches, one transaction per
//! cohort, and gives every seeded account one shared password hash so no
//! time goes into argon2 (all but the invited learners, who have not set
//! one yet).

use std::time::Instant;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::app::connect_and_migrate;
use crate::clock::{Clock, SystemClock};
use crate::cohorts::{Cohort, CohortId, CohortStatus};
use crate::config::Settings;
use crate::countries::rows::ChapterRole;
use crate::crypto::password::hash_blocking;
use crate::db::write_tx;
use crate::programmes::{Programme, ProgrammeId};
use crate::progress::certificates;
use crate::schema::{country_coordinators, programmes, users};
use crate::sessions::SessionKind;
use crate::users::{Language, NewUser, ProfileType, UserId};

/// Every seeded account's password.
pub const SEED_PASSWORD: &str = "griot-seed-password";
pub const SEED_DOMAIN: &str = "seed.griot.invalid";

const COUNTRIES: [(&str, &str); 7] = [
    ("CI", "Africa/Abidjan"),
    ("BF", "Africa/Ouagadougou"),
    ("ML", "Africa/Bamako"),
    ("TG", "Africa/Lome"),
    ("BJ", "Africa/Porto-Novo"),
    ("NE", "Africa/Niamey"),
    ("CM", "Africa/Douala"),
];

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub scale: u32,
    pub cohorts_per_unit: u32,
    pub learners_per_cohort: u32,
    pub sessions_per_cohort: u32,
    pub force: bool,
}

impl Default for SeedOptions {
    fn default() -> Self {
        Self {
            scale: 1,
            cohorts_per_unit: 20,
            learners_per_cohort: 250,
            sessions_per_cohort: 40,
            force: false,
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct SeedSummary {
    pub users: usize,
    pub cohorts: usize,
    pub sessions: usize,
    pub attendance: usize,
    pub assignments: usize,
    pub submissions: usize,
    pub certificates: usize,
    /// Community events: the Déconnexion edition and a meetup per country.
    pub events: usize,
    pub registrations: usize,
    /// Volunteer terms opened in the chapters' teams.
    pub volunteers: usize,
    /// Ratings of ended sessions by learners who were there.
    pub feedback: usize,
    /// Series (a weekly veille per running cohort) and their occurrences,
    /// which `sessions` counts too.
    pub series: usize,
    pub series_sessions: usize,
    /// Imported learners without a password, each with an open invitation
    /// (counted in `users`).
    pub invited: usize,
    pub seconds: f64,
}

/// Rows are inserted this many at a time: under SQLite's 32,766 bound
/// parameters for the widest table.
pub(super) const CHUNK: usize = 1000;

macro_rules! insert_chunks {
    ($conn:expr, $table:expr, $rows:expr) => {{
        crate::insert_chunked!($conn, $table, $rows, CHUNK)?;
    }};
}

// After the macro, which they use.
mod cohort;
mod events;
mod fixture;
mod productivity;

use cohort::seed_cohort;
pub use fixture::{bench_fixture, Fixture};

pub(super) fn user<'a>(
    id: UserId,
    email: &'a str,
    hash: &'a str,
    name: &'a str,
    country: &'a str,
    profile: ProfileType,
    admin: bool,
    now: NaiveDateTime,
) -> NewUser<'a> {
    NewUser {
        id,
        email,
        password_hash: hash,
        full_name: name,
        country_code: country,
        profile_type: profile,
        language: Language::Fr,
        is_admin: admin,
        is_active: true,
        created_at: now,
        updated_at: now,
    }
}

const FIRST: [&str; 16] = [
    "Awa",
    "Kofi",
    "Aminata",
    "Moussa",
    "Fatou",
    "Yao",
    "Mariam",
    "Ibrahim",
    "Adjoa",
    "Kossi",
    "Salimata",
    "Boubacar",
    "Esi",
    "Sékou",
    "Nafissatou",
    "Jean-Baptiste",
];
const LAST: [&str; 16] = [
    "Traoré",
    "Mensah",
    "Diallo",
    "Koné",
    "Ouédraogo",
    "Kouassi",
    "Sawadogo",
    "Agbodjan",
    "Coulibaly",
    "Hounkpatin",
    "Issoufou",
    "Mbarga",
    "Touré",
    "Kaboré",
    "Adjovi",
    "Eto'o",
];

pub(super) fn name(rng: &mut StdRng) -> String {
    format!(
        "{} {}",
        FIRST[rng.random_range(0..FIRST.len())],
        LAST[rng.random_range(0..LAST.len())]
    )
}

/// Fills the database; see `issues` #5 for the shape of one scale unit.
pub fn seed(settings: &Settings, opts: &SeedOptions) -> Result<SeedSummary, String> {
    let started = Instant::now();
    let pool = connect_and_migrate(settings).map_err(|e| e.0)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let existing: i64 = users::table
        .count()
        .get_result(&mut conn)
        .map_err(|e| e.to_string())?;
    if existing > 0 && !opts.force {
        return Err(format!(
            "the database already holds {existing} users; seeding is for empty databases \
             (pass --force to add seed data anyway)"
        ));
    }
    let hash = hash_blocking(SEED_PASSWORD).map_err(|e| e.to_string())?;
    let run = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let now = SystemClock.now_naive();
    let mut rng = StdRng::seed_from_u64(2026);
    let mut summary = SeedSummary::default();
    let conn = &mut *conn;
    let fail = |e: diesel::result::Error| e.to_string();

    // Staff: one admin, one coordinator per country, each with the open
    // term of the chapter's team that the endpoint would have opened.
    let admin = UserId::new();
    let coordinators: Vec<UserId> = COUNTRIES.iter().map(|_| UserId::new()).collect();
    write_tx(conn, |conn| {
        let admin_email = format!("admin-{run}@{SEED_DOMAIN}");
        diesel::insert_into(users::table)
            .values(&user(
                admin,
                &admin_email,
                &hash,
                "Admin Griot",
                "CI",
                ProfileType::Professional,
                true,
                now,
            ))
            .execute(conn)?;
        for (i, ((code, _), &id)) in COUNTRIES.iter().zip(&coordinators).enumerate() {
            let email = format!("coordinator-{run}-{i}@{SEED_DOMAIN}");
            let full_name = name(&mut rng);
            diesel::insert_into(users::table)
                .values(&user(
                    id,
                    &email,
                    &hash,
                    &full_name,
                    code,
                    ProfileType::Professional,
                    false,
                    now,
                ))
                .execute(conn)?;
            diesel::insert_into(country_coordinators::table)
                .values((
                    country_coordinators::country_code.eq(*code),
                    country_coordinators::user_id.eq(id),
                    country_coordinators::created_at.eq(now),
                ))
                .execute(conn)?;
            crate::countries::queries::open_term(conn, code, id, ChapterRole::Coordinator, now)?;
        }
        summary.users += 1 + COUNTRIES.len();
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(fail)?;

    let kinds = SessionKind::ALL;
    let mut seeded: Vec<Cohort> = Vec::new();
    let completed_cohorts = if opts.cohorts_per_unit > 1 {
        opts.cohorts_per_unit * 3 / 5
    } else {
        0
    };
    for unit in 0..opts.scale {
        let programme = Programme {
            id: ProgrammeId::new(),
            title: format!("Community management & marketing digital {}", unit + 1),
            description: "Master classes, études de cas, veille, ateliers créatifs et rencontres."
                .into(),
            language: Language::Fr,
            min_attendance_rate: 75,
            required_submissions: 2,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(programmes::table)
            .values(&programme)
            .execute(conn)
            .map_err(fail)?;
        for c in 0..opts.cohorts_per_unit {
            let (country, timezone) = COUNTRIES[(c as usize) % COUNTRIES.len()];
            let completed = c < completed_cohorts;
            // Completed cohorts ran from 200 to 20 days ago; running ones
            // started 120 days ago and have a few sessions left.
            let start = if completed {
                now - Duration::days(200)
            } else {
                now - Duration::days(120)
            };
            let span_days = 180;
            let cohort = Cohort {
                id: CohortId::new(),
                programme_id: programme.id,
                name: format!("Cohorte {country} {}-{}", unit + 1, c + 1),
                country_code: Some(country.into()),
                timezone: timezone.into(),
                starts_on: start.date(),
                ends_on: start.date() + Duration::days(span_days),
                capacity: opts.learners_per_cohort as i32,
                auto_accept: c % 2 == 0,
                status: if completed {
                    CohortStatus::Completed
                } else {
                    CohortStatus::Running
                },
                late_after_minutes: 15,
                created_at: now,
                updated_at: now,
                members_version: 0,
                sessions_version: 0,
                casework_version: 0,
            };
            let added = seed_cohort(
                conn, &cohort, opts, &hash, run, unit, c, kinds, completed, now, &mut rng,
            )
            .map_err(fail)?;
            summary.users += added.users;
            summary.sessions += added.sessions;
            summary.attendance += added.attendance;
            summary.assignments += added.assignments;
            summary.submissions += added.submissions;
            summary.cohorts += 1;
            seeded.push(cohort.clone());
            if completed {
                // Issued by the same rule and code as the endpoint.
                let issued = write_tx(conn, |conn| {
                    certificates::issue_completed(
                        conn,
                        &cohort,
                        &programme,
                        admin,
                        now,
                        settings.attendance_late_weight,
                    )
                })
                .map_err(|e| e.to_string())?;
                summary.certificates += issued.len();
            }
        }
    }
    let added =
        events::seed_events(conn, admin, &coordinators, run, now, &mut rng).map_err(fail)?;
    summary.events += added.events;
    summary.registrations += added.registrations;
    summary.volunteers += added.volunteers;
    // Last: it reads the attendance above, and draws after the events so
    // that theirs stay as they were.
    let staff: Vec<(&str, UserId)> = COUNTRIES
        .iter()
        .map(|(code, _)| *code)
        .zip(coordinators.iter().copied())
        .collect();
    let added = productivity::seed_productivity(
        conn,
        &seeded,
        &staff,
        admin,
        run,
        now,
        settings.invitation_days,
        &mut rng,
    )
    .map_err(fail)?;
    summary.feedback += added.feedback;
    summary.series += added.series;
    summary.series_sessions += added.series_sessions;
    summary.sessions += added.series_sessions;
    summary.invited += added.invited;
    summary.users += added.invited;
    // The seeded world is where phones start from: their first sync lists
    // it, so the change log of its making (hundreds of thousands of rows
    // at scale 10) is dropped. Only on a database that was empty: with
    // --force, real clients' tokens still read it.
    if existing == 0 {
        diesel::delete(crate::schema::sync_log::table)
            .execute(conn)
            .map_err(fail)?;
    }
    // Fresh statistics, or the planners guess: PostgreSQL ran the attendance
    // report 2.7x slower on a just-seeded database until autoanalyze came by.
    let analyze = if conn.is_postgres() {
        "VACUUM (ANALYZE)"
    } else {
        "ANALYZE"
    };
    diesel::connection::SimpleConnection::batch_execute(conn, analyze).map_err(fail)?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
