//! `griot seed`: realistic data for development and the benchmark, and
//! `griot bench-fixture`: what the benchmark needs to drive it (ids and
//! tokens of seeded users). Seeding inserts in batches, one transaction per
//! cohort, and gives every seeded account one shared password hash so no
//! time goes into argon2.

use std::time::Instant;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::app::connect_and_migrate;
use crate::attendance::{Attendance, AttendanceMethod, AttendanceStatus};
use crate::clock::{Clock, SystemClock};
use crate::cohorts::members::Membership;
use crate::cohorts::{Cohort, CohortId, CohortStatus, MemberRole, MemberStatus};
use crate::config::Settings;
use crate::crypto::jwt::JwtKeys;
use crate::crypto::password::hash_blocking;
use crate::db::{write_tx, DbConnection};
use crate::programmes::{Programme, ProgrammeId};
use crate::schema::{cohorts, country_coordinators, memberships, programmes, sessions, users};
use crate::sessions::{Session, SessionId, SessionKind, SessionStatus};
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
    pub seconds: f64,
}

/// Rows are inserted this many at a time: under SQLite's 32,766 bound
/// parameters for the widest table.
const CHUNK: usize = 1000;

macro_rules! insert_chunks {
    ($conn:expr, $table:expr, $rows:expr) => {{
        for chunk in $rows.chunks(CHUNK) {
            crate::on_backend!($conn, c => diesel::insert_into($table).values(chunk).execute(c))?;
        }
    }};
}

fn user<'a>(
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

fn name(rng: &mut StdRng) -> String {
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

    // Staff: one admin, one coordinator per country.
    write_tx(conn, |conn| {
        let admin_email = format!("admin-{run}@{SEED_DOMAIN}");
        diesel::insert_into(users::table)
            .values(&user(
                UserId::new(),
                &admin_email,
                &hash,
                "Admin Griot",
                "CI",
                ProfileType::Professional,
                true,
                now,
            ))
            .execute(conn)?;
        for (i, (code, _)) in COUNTRIES.iter().enumerate() {
            let id = UserId::new();
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
        }
        summary.users += 1 + COUNTRIES.len();
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(fail)?;

    let kinds = SessionKind::ALL;
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
            };
            let counts = seed_cohort(
                conn, &cohort, opts, &hash, run, unit, c, kinds, completed, now, &mut rng,
            )
            .map_err(fail)?;
            summary.users += counts.0;
            summary.sessions += counts.1;
            summary.attendance += counts.2;
            summary.cohorts += 1;
        }
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

/// One cohort with its trainers, learners, sessions and attendance, in
/// one transaction. Returns (users, sessions, attendance rows).
#[allow(clippy::too_many_arguments)]
fn seed_cohort(
    conn: &mut DbConnection,
    cohort: &Cohort,
    opts: &SeedOptions,
    hash: &str,
    run: &str,
    unit: u32,
    index: u32,
    kinds: &[SessionKind],
    completed: bool,
    now: NaiveDateTime,
    rng: &mut StdRng,
) -> QueryResult<(usize, usize, usize)> {
    write_tx(conn, |conn| {
        diesel::insert_into(cohorts::table)
            .values(cohort)
            .execute(conn)?;
        let country = cohort.country_code.clone().unwrap_or_default();
        let prefix = format!("{run}-{unit}-{index}");
        let trainers: Vec<(UserId, String, String)> = (0..2)
            .map(|t| {
                (
                    UserId::new(),
                    format!("trainer-{prefix}-{t}@{SEED_DOMAIN}"),
                    name(rng),
                )
            })
            .collect();
        let learners: Vec<(UserId, String, String)> = (0..opts.learners_per_cohort)
            .map(|l| {
                (
                    UserId::new(),
                    format!("learner-{prefix}-{l}@{SEED_DOMAIN}"),
                    name(rng),
                )
            })
            .collect();
        let profiles = [
            ProfileType::Professional,
            ProfileType::Professional,
            ProfileType::Professional,
            ProfileType::Professional,
            ProfileType::Student,
        ];
        let rows: Vec<NewUser> = trainers
            .iter()
            .map(|(id, e, n)| {
                user(
                    *id,
                    e,
                    hash,
                    n,
                    &country,
                    ProfileType::Professional,
                    false,
                    now,
                )
            })
            .chain(learners.iter().enumerate().map(|(i, (id, e, n))| {
                user(
                    *id,
                    e,
                    hash,
                    n,
                    &country,
                    profiles[i % profiles.len()],
                    false,
                    now,
                )
            }))
            .collect();
        insert_chunks!(conn, users::table, rows);

        let learner_status = if completed {
            MemberStatus::Completed
        } else {
            MemberStatus::Active
        };
        let members: Vec<Membership> = trainers
            .iter()
            .map(|(id, _, _)| (id, MemberRole::Trainer, MemberStatus::Active))
            .chain(
                learners
                    .iter()
                    .map(|(id, _, _)| (id, MemberRole::Learner, learner_status)),
            )
            .map(|(id, role, status)| Membership {
                cohort_id: cohort.id,
                user_id: *id,
                role,
                status,
                created_at: now,
                updated_at: now,
            })
            .collect();
        insert_chunks!(conn, memberships::table, members);

        // Sessions every few days from the start, 16:00–18:00 UTC; a running
        // cohort keeps its last five in the future.
        let n = opts.sessions_per_cohort as i64;
        let first = cohort.starts_on.and_hms_opt(16, 0, 0).unwrap_or_default();
        let last_past = if completed {
            now - Duration::days(21)
        } else {
            now - Duration::days(1)
        };
        let past = if completed { n } else { (n - 5).max(1) };
        let step = ((last_past - first).num_minutes() / past.max(1)).max(60);
        let sessions_rows: Vec<Session> = (0..n)
            .map(|i| {
                let starts_at = if i < past {
                    first + Duration::minutes(step * i)
                } else {
                    now + Duration::days(2 * (i - past + 1))
                };
                Session {
                    id: SessionId::new(),
                    cohort_id: cohort.id,
                    kind: kinds[(i as usize) % kinds.len()],
                    title: format!("{} n°{}", kinds[(i as usize) % kinds.len()], i + 1),
                    description: String::new(),
                    starts_at,
                    ends_at: starts_at + Duration::hours(2),
                    online_url: Some("https://meet.example.org/griot".into()),
                    venue: None,
                    trainer_id: Some(trainers[(i as usize) % trainers.len()].0),
                    status: SessionStatus::Scheduled,
                    counts_for_completion: kinds[(i as usize) % kinds.len()] != SessionKind::Event,
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                }
            })
            .collect();
        insert_chunks!(conn, sessions::table, sessions_rows);

        // A realistic mix: most present, some late or absent, a few excused,
        // about 3 % never marked.
        let mut marks = Vec::new();
        for s in sessions_rows.iter().filter(|s| s.ends_at < now) {
            for (id, _, _) in &learners {
                let roll: u32 = rng.random_range(0..100);
                let status = match roll {
                    0..=2 => continue,
                    3..=69 => AttendanceStatus::Present,
                    70..=81 => AttendanceStatus::Late,
                    82..=87 => AttendanceStatus::Excused,
                    _ => AttendanceStatus::Absent,
                };
                let by_code = matches!(status, AttendanceStatus::Present | AttendanceStatus::Late)
                    && rng.random_range(0..10) < 4;
                marks.push(Attendance {
                    session_id: s.id,
                    user_id: *id,
                    status,
                    method: if by_code {
                        AttendanceMethod::Code
                    } else {
                        AttendanceMethod::Trainer
                    },
                    note: None,
                    marked_by: if by_code {
                        *id
                    } else {
                        s.trainer_id.unwrap_or(*id)
                    },
                    marked_at: s.starts_at + Duration::minutes(rng.random_range(0..30)),
                });
            }
        }
        insert_chunks!(conn, crate::schema::attendance::table, marks);
        Ok((
            trainers.len() + learners.len(),
            sessions_rows.len(),
            marks.len(),
        ))
    })
}

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

    let cohort: CohortId = cohorts::table
        .filter(cohorts::status.eq(CohortStatus::Running))
        .order(cohorts::id.asc())
        .select(cohorts::id)
        .first(conn)
        .map_err(|_| "no running cohort: run `griot seed` first".to_string())?;
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
    let learners: Vec<(UserId, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::role.eq(MemberRole::Learner))
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
    })
}
