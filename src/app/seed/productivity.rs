//! Seeded productivity (issue 17): what learners said of the sessions they
//! attended, a weekly veille scheduled as a series in every running cohort,
//! and a few learners enrolled by a CSV import who have not set a password
//! yet, each holding an open invitation. Runs after the cohorts and events,
//! whose sessions and attendance it reads; one transaction per cohort.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Weekday};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::Rng;

use crate::attendance::AttendanceStatus;
use crate::auth::invitation_service::new_invitation;
use crate::auth::rows::Invitation;
use crate::cohorts::members::Membership;
use crate::cohorts::{Cohort, CohortStatus, MemberRole, MemberStatus};
use crate::db::instants::Ts;
use crate::db::{write_tx, DbConnection};
use crate::schema::{
    attendance, invitations, memberships, session_feedback, session_series, sessions, users,
};
use crate::sessions::rows::{Frequency, Series};
use crate::sessions::series::{self, End, Repeat};
use crate::sessions::{SeriesId, Session, SessionId, SessionKind, SessionStatus};
use crate::users::{Language, NewUser, ProfileType, UserId};

use super::{name, CHUNK, SEED_DOMAIN};

/// Of the learners marked present or late, the share (per cent) who rate
/// a session is drawn per session in this range.
const RESPONSE_PERCENT: std::ops::RangeInclusive<u32> = 25..=55;
/// Of the ratings, the share with a comment; of those, the share in English.
const COMMENT_PERCENT: u32 = 18;
const ENGLISH_PERCENT: u32 = 12;
/// Learners imported into each running cohort who have not signed in yet.
pub(super) const INVITED_PER_COHORT: usize = 5;
/// Local hours tried, in order, for the weekly veille, until its lead
/// trainer is free at all its occurrences.
const VEILLE_HOURS: [u32; 6] = [12, 10, 14, 8, 17, 19];
const VEILLE_MINUTES: i64 = 60;
const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

const PRAISE_FR: [&str; 8] = [
    "Très riche, merci !",
    "Des exemples concrets, je les ai appliqués dès le lendemain.",
    "Excellente séance, le cas pratique était parfait.",
    "Super ambiance, on en redemande.",
    "Clair et bien rythmé.",
    "J'ai enfin compris comment construire un calendrier éditorial.",
    "Les retours personnalisés sur nos visuels valaient le détour.",
    "Merci pour les outils partagés, très utiles au quotidien.",
];
const MIXED_FR: [&str; 4] = [
    "Intéressant mais un peu long.",
    "Bon contenu, mais la connexion coupait souvent.",
    "Il a manqué du temps pour les questions.",
    "Utile, j'aurais aimé plus d'exemples africains.",
];
const CRITIC_FR: [&str; 3] = [
    "Trop théorique pour moi.",
    "Le son était mauvais, difficile de suivre.",
    "La séance a commencé avec beaucoup de retard.",
];
const PRAISE_EN: [&str; 3] = [
    "Great session, very practical.",
    "Loved the case study, thanks!",
    "Clear and inspiring.",
];
const MIXED_EN: [&str; 1] = ["Good content but a bit too fast."];
const CRITIC_EN: [&str; 1] = ["Hard to follow, the audio kept dropping."];

/// What the productivity data added.
#[derive(Debug, Default)]
pub(super) struct Added {
    pub feedback: usize,
    pub series: usize,
    pub series_sessions: usize,
    pub invited: usize,
}

/// A rating as `PUT /sessions/{id}/feedback` stores it. The feedback area
/// writes one row per request (an upsert of columns); a batch needs a row
/// type, and only the seed inserts batches.
#[derive(Insertable)]
#[diesel(table_name = session_feedback)]
struct Feedback {
    session_id: SessionId,
    user_id: UserId,
    rating: i32,
    comment: Option<&'static str>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Feedback in every cohort, and in running ones a weekly series and
/// invited learners. `coordinators` pairs each country with the
/// coordinator who ran its imports; `admin` stands in elsewhere.
pub(super) fn seed_productivity(
    conn: &mut DbConnection,
    cohorts: &[Cohort],
    coordinators: &[(&str, UserId)],
    admin: UserId,
    run: &str,
    now: NaiveDateTime,
    invitation_days: i64,
    rng: &mut StdRng,
) -> QueryResult<Added> {
    let mut added = Added::default();
    for (i, cohort) in cohorts.iter().enumerate() {
        write_tx(conn, |conn| {
            added.feedback += seed_feedback(conn, cohort, now, rng)?;
            if cohort.status != CohortStatus::Running {
                return Ok::<_, diesel::result::Error>(());
            }
            if let Some(occurrences) = seed_series(conn, cohort, i, now)? {
                added.series += 1;
                added.series_sessions += occurrences;
            }
            let by = coordinators
                .iter()
                .find(|(code, _)| cohort.country_code.as_deref() == Some(*code))
                .map_or(admin, |(_, id)| *id);
            let prefix = format!("{run}-{i}");
            added.invited += seed_invited(conn, cohort, by, &prefix, now, invitation_days, rng)?;
            Ok(())
        })?;
    }
    Ok(added)
}

/// Ratings of the cohort's ended sessions by learners marked present or
/// late there, given within a day and a half of the end.
fn seed_feedback(
    conn: &mut DbConnection,
    cohort: &Cohort,
    now: NaiveDateTime,
    rng: &mut StdRng,
) -> QueryResult<usize> {
    // In a fixed order, so that the draws repeat for the same marks.
    let marks: Vec<(SessionId, UserId, Ts)> = attendance::table
        .inner_join(sessions::table)
        .filter(sessions::cohort_id.eq(cohort.id))
        .filter(sessions::ends_at.lt(now))
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .filter(sessions::deleted_at.is_null())
        .filter(attendance::status.eq_any([AttendanceStatus::Present, AttendanceStatus::Late]))
        .order((
            sessions::starts_at.asc(),
            sessions::id.asc(),
            attendance::user_id.asc(),
        ))
        .select((
            attendance::session_id,
            attendance::user_id,
            sessions::ends_at,
        ))
        .load(conn)?;
    let mut rows = Vec::new();
    let mut current = None;
    let mut percent = 0;
    for (session, user, ends_at) in marks {
        if current != Some(session) {
            current = Some(session);
            percent = rng.random_range(RESPONSE_PERCENT);
        }
        if rng.random_range(0..100) >= percent {
            continue;
        }
        let rating = rating(rng);
        let at = (NaiveDateTime::from(ends_at) + Duration::minutes(rng.random_range(5..36 * 60)))
            .min(now);
        rows.push(Feedback {
            session_id: session,
            user_id: user,
            rating,
            comment: comment(rng, rating),
            created_at: at,
            updated_at: at,
        });
    }
    insert_chunks!(conn, session_feedback::table, rows);
    Ok(rows.len())
}

/// Mostly 4 and 5: learners rate sessions they chose to attend.
fn rating(rng: &mut StdRng) -> i32 {
    match rng.random_range(0..100) {
        0..=44 => 5,
        45..=79 => 4,
        80..=91 => 3,
        92..=96 => 2,
        _ => 1,
    }
}

/// A comment in tune with the rating, now and then; mostly in French.
fn comment(rng: &mut StdRng, rating: i32) -> Option<&'static str> {
    if rng.random_range(0..100) >= COMMENT_PERCENT {
        return None;
    }
    let english = rng.random_range(0..100) < ENGLISH_PERCENT;
    let pool: &[&'static str] = match (rating, english) {
        (4.., false) => &PRAISE_FR,
        (4.., true) => &PRAISE_EN,
        (3, false) => &MIXED_FR,
        (3, true) => &MIXED_EN,
        (_, false) => &CRITIC_FR,
        (_, true) => &CRITIC_EN,
    };
    pool.choose(rng).copied()
}

/// The weekly veille of a running cohort, as `POST
/// /cohorts/{id}/sessions/series` would make it: an hour on a working day
/// (the cohort's index picks which) from next week until the cohort ends,
/// at one local time, led by the first of its trainers free at every
/// occurrence (a trainer never leads two overlapping scheduled sessions).
/// Returns how many occurrences, or `None` if the cohort has no trainer.
fn seed_series(
    conn: &mut DbConnection,
    cohort: &Cohort,
    index: usize,
    now: NaiveDateTime,
) -> QueryResult<Option<usize>> {
    let Ok(zone) = cohort.timezone.parse::<chrono_tz::Tz>() else {
        return Ok(None);
    };
    let trainers: Vec<UserId> = memberships::table
        .filter(memberships::cohort_id.eq(cohort.id))
        .filter(memberships::role.eq(MemberRole::Trainer))
        .filter(memberships::status.eq(MemberStatus::Active))
        .order(memberships::user_id.asc())
        .select(memberships::user_id)
        .load(conn)?;
    let Some(&author) = trainers.first() else {
        return Ok(None);
    };
    // Everything those trainers lead from now on, in any cohort.
    let busy: Vec<(Option<UserId>, Ts, Ts)> = sessions::table
        .filter(sessions::trainer_id.eq_any(&trainers))
        .filter(sessions::ends_at.gt(now))
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .filter(sessions::deleted_at.is_null())
        .select((sessions::trainer_id, sessions::starts_at, sessions::ends_at))
        .load(conn)?;
    let today = zone.from_utc_datetime(&now).date_naive();
    let weekday = WEEKDAYS[index % WEEKDAYS.len()];
    let first_day = (1..=7)
        .map(|d| today + Duration::days(d))
        .find(|d| d.weekday() == weekday)
        .unwrap_or(today + Duration::days(7));
    // At least four weeks, for a cohort about to end.
    let until = cohort.ends_on.max(first_day + Duration::weeks(3));
    let length = Duration::minutes(VEILLE_MINUTES);
    let free = |trainer: UserId, spans: &[(NaiveDateTime, NaiveDateTime)]| {
        !busy.iter().any(|(t, s, e)| {
            *t == Some(trainer) && spans.iter().any(|(start, end)| s.0 < *end && e.0 > *start)
        })
    };
    let mut chosen = None;
    'search: for hour in VEILLE_HOURS {
        let spans = veille_spans(zone, first_day, hour, until, length);
        for &trainer in &trainers {
            if !spans.is_empty() && free(trainer, &spans) {
                chosen = Some((trainer, spans));
                break 'search;
            }
        }
    }
    // Nobody free at any of those hours: a veille without a lead trainer.
    let (lead, spans) = match chosen {
        Some((trainer, spans)) => (Some(trainer), spans),
        None => (
            None,
            veille_spans(zone, first_day, VEILLE_HOURS[0], until, length),
        ),
    };
    if spans.is_empty() {
        return Ok(None);
    }
    let created_at = now - Duration::days(3);
    let id = SeriesId::new();
    let series = Series {
        id,
        cohort_id: cohort.id,
        frequency: Frequency::Weekly,
        repeat_interval: 1,
        occurrences: spans.len() as i32,
        created_by: lead.unwrap_or(author),
        created_at,
        cancelled_at: None,
    };
    let rows: Vec<Session> = spans
        .iter()
        .map(|&(starts_at, ends_at)| Session {
            id: SessionId::new(),
            cohort_id: cohort.id,
            kind: SessionKind::Veille,
            title: "Veille de la semaine".into(),
            description: "Tendances, outils et campagnes repérés cette semaine : \
                          chacun apporte une trouvaille."
                .into(),
            starts_at,
            ends_at,
            online_url: Some("https://meet.example.org/griot-veille".into()),
            venue: None,
            trainer_id: lead,
            status: SessionStatus::Scheduled,
            counts_for_completion: true,
            created_at,
            updated_at: created_at,
            deleted_at: None,
            series_id: Some(id),
        })
        .collect();
    diesel::insert_into(session_series::table)
        .values(&series)
        .execute(conn)?;
    insert_chunks!(conn, sessions::table, rows);
    Ok(Some(rows.len()))
}

/// The UTC spans of a weekly hour at `hour`:00 local from `first_day` to
/// `until`, by the endpoint's own rule; none if it refuses.
fn veille_spans(
    zone: chrono_tz::Tz,
    first_day: NaiveDate,
    hour: u32,
    until: NaiveDate,
    length: Duration,
) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    let Some(local) = first_day.and_hms_opt(hour, 0, 0) else {
        return Vec::new();
    };
    let Some(first) = zone.from_local_datetime(&local).earliest() else {
        return Vec::new();
    };
    let rule = Repeat {
        frequency: Frequency::Weekly,
        interval: 1,
        end: End::Until(until),
    };
    series::starts(first.naive_utc(), zone, &rule)
        .map(|starts| starts.into_iter().map(|s| (s, s + length)).collect())
        .unwrap_or_default()
}

/// Learners a coordinator imported from a CSV two days ago who have not
/// signed in: no password, an open invitation each, and a seat if one was
/// free (the seeded cohorts are full: they wait, in file order).
fn seed_invited(
    conn: &mut DbConnection,
    cohort: &Cohort,
    by: UserId,
    prefix: &str,
    now: NaiveDateTime,
    invitation_days: i64,
    rng: &mut StdRng,
) -> QueryResult<usize> {
    let country = cohort.country_code.clone().unwrap_or_default();
    let people: Vec<(UserId, String, String)> = (0..INVITED_PER_COHORT)
        .map(|k| {
            (
                UserId::new(),
                format!("invited-{prefix}-{k}@{SEED_DOMAIN}"),
                name(rng),
            )
        })
        .collect();
    let imported_at = now - Duration::days(2);
    let accounts: Vec<NewUser> = people
        .iter()
        .map(|(id, email, full_name)| NewUser {
            id: *id,
            email,
            // As the import creates them: no password until the invitation
            // is redeemed, so nobody can sign in with one.
            password_hash: "",
            full_name,
            country_code: &country,
            profile_type: ProfileType::Other,
            language: Language::Fr,
            is_admin: false,
            is_active: true,
            created_at: imported_at,
            updated_at: imported_at,
        })
        .collect();
    insert_chunks!(conn, users::table, accounts);
    let mut free =
        i64::from(cohort.capacity) - crate::cohorts::queries::seats_taken(conn, cohort.id)?;
    let members: Vec<Membership> = people
        .iter()
        .enumerate()
        .map(|(k, (id, _, _))| {
            let status = if free > 0 {
                free -= 1;
                MemberStatus::Active
            } else {
                MemberStatus::Waitlisted
            };
            // File order, for the waitlist: a microsecond per line.
            let at = imported_at + Duration::microseconds(k as i64);
            Membership {
                cohort_id: cohort.id,
                user_id: *id,
                role: MemberRole::Learner,
                status,
                created_at: at,
                updated_at: at,
            }
        })
        .collect();
    insert_chunks!(conn, memberships::table, members);
    // Only digests are stored: nobody holds these links, as nobody holds
    // those of a real import but the people they were sent to.
    let links: Vec<Invitation> = people
        .iter()
        .map(|(id, _, _)| {
            let (_, row) = new_invitation(*id, Some(cohort.id), by, imported_at, invitation_days);
            row
        })
        .collect();
    insert_chunks!(conn, invitations::table, links);
    Ok(people.len())
}
