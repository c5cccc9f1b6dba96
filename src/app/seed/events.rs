//! Seeded community life: a pan-African Déconnexion edition and one meetup
//! per country, each with a line of registrations (members, and guests
//! without an account), and the chapters' volunteers. Runs after the
//! cohorts, whose accounts it registers.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use crate::countries::rows::{ChapterRole, Term};
use crate::db::{write_tx, DbConnection};
use crate::events::rows::{
    Event, EventId, EventStatus, Registration, RegistrationId, RegistrationStatus,
};
use crate::progress::codes;
use crate::schema::{chapter_roles, event_registrations, events, users};
use crate::users::UserId;

use super::{name, CHUNK, COUNTRIES, SEED_DOMAIN};

const DECONNEXION_DAYS_AHEAD: i64 = 45;
const DECONNEXION_CAPACITY: i32 = 150;
const DECONNEXION_MEMBERS: usize = 95;
const DECONNEXION_GUESTS: usize = 5;
const MEETUP_CAPACITY: i32 = 60;
const MEETUP_REGISTRATIONS: usize = 20;
/// Burkina Faso's chapter is the largest; the others have a few hands.
const VOLUNTEERS_BF: usize = 8;
const VOLUNTEERS: usize = 3;

/// What the events added.
#[derive(Debug, Default)]
pub(super) struct Added {
    pub events: usize,
    pub registrations: usize,
    pub volunteers: usize,
}

/// One of this run's accounts: id, email, full name, country.
type Person = (UserId, String, String, String);

/// `hour`:00 on `day` in `zone`, as the UTC instant the tables keep.
fn local(day: NaiveDate, hour: i64, zone: &str) -> NaiveDateTime {
    let at = day.and_time(NaiveTime::MIN) + Duration::hours(hour);
    zone.parse::<chrono_tz::Tz>()
        .ok()
        .and_then(|tz| tz.from_local_datetime(&at).single())
        .map_or(at, |t| t.naive_utc())
}

/// A published event whose first `taken` places are seated: the counters
/// the registration statements keep, set to match the seeded line.
#[allow(clippy::too_many_arguments)]
fn event(
    title: String,
    description: &str,
    country: Option<&str>,
    timezone: &str,
    (starts_at, ends_at): (NaiveDateTime, NaiveDateTime),
    venue: &str,
    capacity: i32,
    taken: usize,
    by: UserId,
    now: NaiveDateTime,
) -> Event {
    Event {
        id: EventId::new(),
        title,
        description: description.to_owned(),
        country_code: country.map(str::to_owned),
        starts_at,
        ends_at,
        timezone: timezone.to_owned(),
        venue: Some(venue.to_owned()),
        online_url: None,
        capacity: Some(capacity),
        status: EventStatus::Published,
        registered_count: taken as i32,
        waitlisted_count: 0,
        last_position: taken as i64,
        last_seated: true,
        created_by: by,
        created_at: now,
        updated_at: now,
    }
}

/// A seat at `position` in the event's line.
fn seat(
    event: EventId,
    user: Option<UserId>,
    email: &str,
    full_name: &str,
    position: usize,
    now: NaiveDateTime,
) -> Registration {
    Registration {
        id: RegistrationId::new(),
        event_id: event,
        user_id: user,
        email: email.to_owned(),
        full_name: full_name.to_owned(),
        status: RegistrationStatus::Registered,
        queue_position: position as i64,
        ticket_code: codes::generate(),
        // A guest cancels with a token given once; nobody holds these.
        cancel_token_hash: user
            .is_none()
            .then(|| crate::crypto::hash_token(&crate::crypto::random_token())),
        created_at: now,
        updated_at: now,
        cancelled_at: None,
        cancelled_by: None,
        checked_in_at: None,
        checked_in_by: None,
    }
}

/// The Déconnexion edition, the country meetups and the volunteers, in
/// one transaction. `coordinators[i]` runs `COUNTRIES[i]` and creates its
/// meetup; the members are drawn from this run's non-admin accounts.
pub(super) fn seed_events(
    conn: &mut DbConnection,
    admin: UserId,
    coordinators: &[UserId],
    run: &str,
    now: NaiveDateTime,
    rng: &mut StdRng,
) -> QueryResult<Added> {
    // Every seeded address but the admin's has `-{run}-` in it; ordered so
    // that the draws repeat from one seed to the next.
    let people: Vec<Person> = users::table
        .filter(users::email.like(format!("%-{run}-%@{SEED_DOMAIN}")))
        .filter(users::is_admin.eq(false))
        .order(users::email.asc())
        .select((
            users::id,
            users::email,
            users::full_name,
            users::country_code,
        ))
        .load(conn)?;
    let names: HashMap<String, String> = crate::countries::queries::all(conn)?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect();
    let today = now.date();
    let mut rows: Vec<Event> = Vec::new();
    let mut seats: Vec<Registration> = Vec::new();

    // Déconnexion: members from every country, and a few guests.
    let members: Vec<&Person> = people.choose_multiple(rng, DECONNEXION_MEMBERS).collect();
    let day = today + Duration::days(DECONNEXION_DAYS_AHEAD);
    let zone = crate::events::service::PAN_AFRICAN_TIMEZONE;
    let deconnexion = event(
        format!("Déconnexion {}", day.year()),
        "Deux jours loin des écrans pour toute la communauté Griot : ateliers, \
         rencontres entre pays, bilan de l'année.",
        None,
        zone,
        (
            local(day, 9, zone),
            local(day + Duration::days(1), 17, zone),
        ),
        "Grand-Bassam, Côte d'Ivoire",
        DECONNEXION_CAPACITY,
        members.len() + DECONNEXION_GUESTS,
        admin,
        now,
    );
    for (i, (id, email, full_name, _)) in members.iter().enumerate() {
        seats.push(seat(
            deconnexion.id,
            Some(*id),
            email,
            full_name,
            i + 1,
            now,
        ));
    }
    for g in 0..DECONNEXION_GUESTS {
        let email = format!("guest-{run}-{g}@{SEED_DOMAIN}");
        let full_name = name(rng);
        seats.push(seat(
            deconnexion.id,
            None,
            &email,
            &full_name,
            members.len() + g + 1,
            now,
        ));
    }
    rows.push(deconnexion);

    // A meetup per country, a week apart from three weeks on, by people of
    // that country (where the seed made some), and its volunteers.
    let mut terms: Vec<Term> = Vec::new();
    for (i, ((code, zone), coordinator)) in COUNTRIES.iter().zip(coordinators).enumerate() {
        let locals: Vec<&Person> = people.iter().filter(|p| p.3 == *code).collect();
        let comers: Vec<&&Person> = locals.choose_multiple(rng, MEETUP_REGISTRATIONS).collect();
        let day = today + Duration::days(21 + 7 * i as i64);
        let country = names.get(*code).map_or(*code, String::as_str);
        let meetup = event(
            format!("Rencontre Griot {country}"),
            "La rencontre du chapitre : retours des cohortes, projets des membres, \
             et un verre ensemble.",
            Some(code),
            zone,
            (local(day, 18, zone), local(day, 21, zone)),
            "Espace communautaire du chapitre",
            MEETUP_CAPACITY,
            comers.len(),
            *coordinator,
            now,
        );
        for (k, (id, email, full_name, _)) in comers.iter().enumerate() {
            seats.push(seat(meetup.id, Some(*id), email, full_name, k + 1, now));
        }
        rows.push(meetup);

        let wanted = if *code == "BF" {
            VOLUNTEERS_BF
        } else {
            VOLUNTEERS
        };
        let candidates: Vec<&&Person> = locals
            .iter()
            .filter(|p| !coordinators.contains(&p.0))
            .collect();
        terms.extend(
            candidates
                .choose_multiple(rng, wanted)
                .map(|(id, _, _, _)| Term {
                    id: uuid::Uuid::now_v7().to_string(),
                    country_code: (*code).to_owned(),
                    user_id: *id,
                    role: ChapterRole::Volunteer,
                    since: now,
                    until: None,
                }),
        );
    }

    write_tx(conn, |conn| {
        insert_chunks!(conn, events::table, rows);
        insert_chunks!(conn, event_registrations::table, seats);
        insert_chunks!(conn, chapter_roles::table, terms);
        Ok(Added {
            events: rows.len(),
            registrations: seats.len(),
            volunteers: terms.len(),
        })
    })
}
