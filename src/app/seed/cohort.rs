//! One seeded cohort: trainers, learners, sessions and attendance.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;

use crate::attendance::{Attendance, AttendanceMethod, AttendanceStatus};
use crate::cohorts::members::Membership;
use crate::cohorts::{Cohort, MemberRole, MemberStatus};
use crate::db::{write_tx, DbConnection};
use crate::schema::{cohorts, memberships, sessions, users};
use crate::sessions::{Session, SessionId, SessionKind, SessionStatus};
use crate::users::{NewUser, ProfileType, UserId};

use super::{name, user, SeedOptions, CHUNK, SEED_DOMAIN};

/// One cohort with its trainers, learners, sessions and attendance, in
/// one transaction. Returns (users, sessions, attendance rows).
#[allow(clippy::too_many_arguments)]
pub(super) fn seed_cohort(
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
