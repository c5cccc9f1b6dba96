//! The one route table: every path the server answers, grouped by URL
//! prefix, each pointing at its handler. To find the code behind a path,
//! find the path here. The OpenAPI document lists the same handlers
//! (`app::openapi`); a test checks that the two agree.

use actix_web::web::{self, delete, get, patch, post, put, resource, scope};

use super::health;
use crate::{attendance, auth, cohorts, countries, programmes, sessions, users};

pub fn table(cfg: &mut web::ServiceConfig) {
    cfg.service(
        scope("/api/v1")
            // Signing in.
            .service(resource("/auth/register").route(post().to(auth::routes::register)))
            .service(resource("/auth/login").route(post().to(auth::routes::login)))
            .service(resource("/auth/refresh").route(post().to(auth::routes::refresh_tokens)))
            .service(resource("/auth/logout").route(post().to(auth::routes::logout)))
            // The signed-in account.
            .service(
                resource("/me")
                    .route(get().to(users::routes::get_me))
                    .route(patch().to(users::routes::update_me)),
            )
            .service(resource("/me/password").route(post().to(users::routes::change_password)))
            .service(
                resource("/me/attendance")
                    .route(get().to(attendance::report_routes::my_attendance)),
            )
            .service(
                resource("/me/calendar-token")
                    .route(post().to(sessions::calendar::routes::create_token))
                    .route(delete().to(sessions::calendar::routes::revoke_token)),
            )
            .service(
                resource("/me/calendar.ics").route(get().to(sessions::calendar::routes::my_feed)),
            )
            // The user directory.
            .service(resource("/users").route(get().to(users::routes::list_users)))
            .service(
                resource("/users/{id}")
                    .route(get().to(users::routes::get_user))
                    .route(patch().to(users::routes::update_user)),
            )
            // Country chapters.
            .service(
                resource("/countries")
                    .route(get().to(countries::routes::list_countries))
                    .route(post().to(countries::routes::create_country)),
            )
            .service(
                resource("/countries/{code}/coordinators")
                    .route(get().to(countries::routes::list_coordinators)),
            )
            .service(
                resource("/countries/{code}/coordinators/{user_id}")
                    .route(put().to(countries::routes::add_coordinator))
                    .route(delete().to(countries::routes::remove_coordinator)),
            )
            // Programmes.
            .service(
                resource("/programmes")
                    .route(get().to(programmes::routes::list_programmes))
                    .route(post().to(programmes::routes::create_programme)),
            )
            .service(
                resource("/programmes/{id}")
                    .route(get().to(programmes::routes::get_programme))
                    .route(patch().to(programmes::routes::update_programme))
                    .route(delete().to(programmes::routes::delete_programme)),
            )
            // Cohorts and their members, sessions, calendar and report.
            .service(
                resource("/cohorts")
                    .route(get().to(cohorts::routes::list_cohorts))
                    .route(post().to(cohorts::routes::create_cohort)),
            )
            .service(
                resource("/cohorts/{id}")
                    .route(get().to(cohorts::routes::get_cohort))
                    .route(patch().to(cohorts::routes::update_cohort)),
            )
            .service(
                resource("/cohorts/{id}/applications")
                    .route(post().to(cohorts::members::routes::apply)),
            )
            .service(
                resource("/cohorts/{id}/members")
                    .route(get().to(cohorts::members::routes::list_members))
                    .route(post().to(cohorts::members::routes::add_member)),
            )
            .service(
                resource("/cohorts/{id}/members/{user_id}")
                    .route(patch().to(cohorts::members::routes::update_member))
                    .route(delete().to(cohorts::members::routes::remove_member)),
            )
            .service(
                resource("/cohorts/{id}/sessions")
                    .route(get().to(sessions::routes::list_sessions))
                    .route(post().to(sessions::routes::create_session)),
            )
            .service(
                resource("/cohorts/{id}/calendar.ics")
                    .route(get().to(sessions::calendar::routes::cohort_feed)),
            )
            .service(
                resource("/cohorts/{id}/attendance")
                    .route(get().to(attendance::report_routes::cohort_report)),
            )
            // Sessions: the session itself, its attendance and self check-in.
            .service(
                resource("/sessions/{id}")
                    .route(get().to(sessions::routes::get_session))
                    .route(patch().to(sessions::routes::update_session))
                    .route(delete().to(sessions::routes::delete_session)),
            )
            .service(
                resource("/sessions/{id}/attendance")
                    .route(get().to(attendance::routes::roster))
                    .route(put().to(attendance::routes::mark)),
            )
            .service(
                resource("/sessions/{id}/attendance/history")
                    .route(get().to(attendance::routes::history)),
            )
            .service(
                resource("/sessions/{id}/check-in-window")
                    .route(post().to(attendance::checkin_routes::open_window)),
            )
            .service(
                resource("/sessions/{id}/check-in-code")
                    .route(get().to(attendance::checkin_routes::current_code)),
            )
            .service(
                resource("/sessions/{id}/check-in")
                    .route(post().to(attendance::checkin_routes::check_in)),
            ),
    )
    // Probes, outside the versioned API.
    .service(resource("/health/live").route(get().to(health::live)))
    .service(resource("/health/ready").route(get().to(health::ready)));
}
