//! One seeded cohort: trainers, learners, sessions and attendance.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;

use crate::attendance::{Attendance, AttendanceMethod, AttendanceStatus};
use crate::casework::rows::{
    Assignment, AssignmentId, Review, ReviewId, Submission, SubmissionId, SubmissionStatus, Verdict,
};
use crate::cohorts::members::Membership;
use crate::cohorts::{Cohort, MemberRole, MemberStatus};
use crate::db::{write_tx, DbConnection};
use crate::schema::{cohorts, memberships, sessions, users};
use crate::sessions::{Session, SessionId, SessionKind, SessionStatus};
use crate::users::{NewUser, ProfileType, UserId};

use super::{name, user, SeedOptions, CHUNK, SEED_DOMAIN};

/// What one cohort added.
#[derive(Debug, Default)]
pub(super) struct Added {
    pub users: usize,
    pub sessions: usize,
    pub attendance: usize,
    pub assignments: usize,
    pub submissions: usize,
}

/// One cohort with its trainers, learners, sessions, attendance, and the
/// case studies' assignments, hand-ins and reviews, in one transaction.
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
) -> QueryResult<Added> {
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
                    series_id: None,
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
                    scanned_at: None,
                });
            }
        }
        insert_chunks!(conn, crate::schema::attendance::table, marks);
        let (assignments, submissions) = seed_casework(conn, &sessions_rows, &learners, now, rng)?;
        Ok(Added {
            users: trainers.len() + learners.len(),
            sessions: sessions_rows.len(),
            attendance: marks.len(),
            assignments,
            submissions,
        })
    })
}

/// An assignment for every case study that has ended, due a week later;
/// most learners hand in (some late), most work is accepted after review,
/// some is sent back and handed in again, some still waits for review.
/// Returns (assignments, submissions).
fn seed_casework(
    conn: &mut DbConnection,
    sessions_rows: &[Session],
    learners: &[(UserId, String, String)],
    now: NaiveDateTime,
    rng: &mut StdRng,
) -> QueryResult<(usize, usize)> {
    use crate::schema::{assignments, submission_reviews, submissions};
    let mut works = Vec::new();
    let mut subs = Vec::new();
    let mut reviews = Vec::new();
    for s in sessions_rows
        .iter()
        .filter(|s| s.kind == SessionKind::CaseStudy && s.ends_at < now)
    {
        let due_at = s.ends_at + Duration::days(7);
        let work = Assignment {
            id: AssignmentId::new(),
            session_id: s.id,
            brief: format!(
                "{} : analysez la campagne, ses cibles, ses canaux.",
                s.title
            ),
            due_at,
            max_score: 20,
            created_by: s.trainer_id.unwrap_or(learners[0].0),
            created_at: s.starts_at,
            updated_at: s.starts_at,
        };
        let reviewer = work.created_by;
        for (id, _, _) in learners {
            let roll: u32 = rng.random_range(0..100);
            if roll >= 88 {
                continue; // handed nothing in
            }
            let submitted_at = if roll < 12 {
                due_at + Duration::hours(rng.random_range(1..72))
            } else {
                due_at - Duration::hours(rng.random_range(1..120))
            };
            let submitted_at = submitted_at.min(now);
            let base = |version, status, at: NaiveDateTime| Submission {
                id: SubmissionId::new(),
                assignment_id: work.id,
                user_id: *id,
                version,
                body: Some("Analyse de la campagne : cibles, ton, résultats.".into()),
                link_url: None,
                file_name: None,
                content_type: None,
                size_bytes: None,
                sha256: None,
                storage_key: None,
                status,
                score: None,
                feedback: None,
                late: at > due_at,
                submitted_at: at,
                reviewed_by: None,
                reviewed_at: None,
                superseded_at: None,
            };
            let reviewed = |sub: &mut Submission, verdict: Verdict, score: i32, at| {
                sub.status = verdict.into();
                sub.score = Some(score);
                sub.reviewed_by = Some(reviewer);
                sub.reviewed_at = Some(at);
                Review {
                    id: ReviewId::new(),
                    submission_id: sub.id,
                    reviewer_id: reviewer,
                    status: verdict,
                    score: Some(score),
                    feedback: None,
                    reviewed_at: at,
                }
            };
            let review_at = (submitted_at + Duration::days(2)).min(now);
            match roll {
                // Sent back, then handed in again and accepted.
                0..=9 => {
                    let mut first = base(1, SubmissionStatus::Submitted, submitted_at);
                    reviews.push(reviewed(&mut first, Verdict::NeedsRevision, 8, review_at));
                    let again_at = (review_at + Duration::days(1)).min(now);
                    first.superseded_at = Some(again_at);
                    let mut second = base(2, SubmissionStatus::Submitted, again_at);
                    let accepted_at = (again_at + Duration::days(1)).min(now);
                    reviews.push(reviewed(&mut second, Verdict::Accepted, 14, accepted_at));
                    subs.push(first);
                    subs.push(second);
                }
                // Sent back, not handed in again yet.
                10..=14 => {
                    let mut sub = base(1, SubmissionStatus::Submitted, submitted_at);
                    reviews.push(reviewed(&mut sub, Verdict::NeedsRevision, 9, review_at));
                    subs.push(sub);
                }
                // Waiting for review.
                15..=22 => subs.push(base(1, SubmissionStatus::Submitted, submitted_at)),
                _ => {
                    let mut sub = base(1, SubmissionStatus::Submitted, submitted_at);
                    let score = rng.random_range(10..=20);
                    reviews.push(reviewed(&mut sub, Verdict::Accepted, score, review_at));
                    subs.push(sub);
                }
            }
        }
        works.push(work);
    }
    insert_chunks!(conn, assignments::table, works);
    insert_chunks!(conn, submissions::table, subs);
    insert_chunks!(conn, submission_reviews::table, reviews);
    Ok((works.len(), subs.len()))
}
