//! The one route table: every path the server answers, grouped by URL
//! prefix, each pointing at its handler. To find the code behind a path,
//! find the path here. The OpenAPI document lists the same handlers
//! (`app::openapi`); a test below checks that every operation of the
//! document is routed here. A method a path does not serve gets a 405 with
//! the `Allow` header that RFC 9110 requires.

use actix_web::http::{header, Method};
use actix_web::web::{self, resource, scope};
use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, Route};

use super::health;
use crate::{
    attendance, auth, casework, cohorts, countries, events, home, materials, programmes, progress,
    sessions, sync, users,
};

pub fn table(cfg: &mut web::ServiceConfig) {
    cfg.service(
        scope("/api/v1")
            // Signing in.
            .service(at("/auth/register", [post(auth::routes::register)]))
            .service(at("/auth/login", [post(auth::routes::login)]))
            .service(at("/auth/refresh", [post(auth::routes::refresh_tokens)]))
            .service(at("/auth/logout", [post(auth::routes::logout)]))
            .service(at(
                "/auth/invitations/{token}",
                [
                    get(auth::routes::get_invitation),
                    post(auth::routes::redeem_invitation),
                ],
            ))
            // The signed-in account.
            .service(at(
                "/me",
                [get(users::routes::get_me), patch(users::routes::update_me)],
            ))
            .service(at("/me/password", [post(users::routes::change_password)]))
            .service(at(
                "/me/attendance",
                [get(attendance::report_routes::my_attendance)],
            ))
            .service(at("/me/progress", [get(progress::routes::my_progress)]))
            .service(at(
                "/me/certificates",
                [get(progress::routes::my_certificates)],
            ))
            .service(at("/me/home", [get(home::routes::my_home)]))
            .service(at("/sync", [get(sync::routes::sync)]))
            .service(at(
                "/me/registrations",
                [get(events::routes::my_registrations)],
            ))
            .service(at(
                "/me/calendar-token",
                [
                    post(sessions::calendar::routes::create_token),
                    delete(sessions::calendar::routes::revoke_token),
                ],
            ))
            .service(at(
                "/me/calendar.ics",
                [get(sessions::calendar::routes::my_feed)],
            ))
            // The user directory.
            .service(at("/users", [get(users::routes::list_users)]))
            .service(at(
                "/users/{id}",
                [
                    get(users::routes::get_user),
                    patch(users::routes::update_user),
                ],
            ))
            // Country chapters.
            .service(at(
                "/countries",
                [
                    get(countries::routes::list_countries),
                    post(countries::routes::create_country),
                ],
            ))
            .service(at(
                "/countries/{code}/coordinators",
                [get(countries::routes::list_coordinators)],
            ))
            .service(at(
                "/countries/{code}/coordinators/{user_id}",
                [
                    put(countries::routes::add_coordinator),
                    delete(countries::routes::remove_coordinator),
                ],
            ))
            .service(at(
                "/countries/{code}/team",
                [get(countries::routes::chapter_team)],
            ))
            .service(at(
                "/countries/{code}/volunteers/{user_id}",
                [
                    put(countries::routes::add_volunteer),
                    delete(countries::routes::remove_volunteer),
                ],
            ))
            // Programmes.
            .service(at(
                "/programmes",
                [
                    get(programmes::routes::list_programmes),
                    post(programmes::routes::create_programme),
                ],
            ))
            .service(at(
                "/programmes/{id}",
                [
                    get(programmes::routes::get_programme),
                    patch(programmes::routes::update_programme),
                    delete(programmes::routes::delete_programme),
                ],
            ))
            // Cohorts and their members, sessions, calendar and report.
            .service(at(
                "/cohorts",
                [
                    get(cohorts::routes::list_cohorts),
                    post(cohorts::routes::create_cohort),
                ],
            ))
            .service(at(
                "/cohorts/{id}",
                [
                    get(cohorts::routes::get_cohort),
                    patch(cohorts::routes::update_cohort),
                ],
            ))
            .service(at(
                "/cohorts/{id}/applications",
                [post(cohorts::members::routes::apply)],
            ))
            .service(at(
                "/cohorts/{id}/members",
                [
                    get(cohorts::members::routes::list_members),
                    post(cohorts::members::routes::add_member),
                ],
            ))
            .service(at(
                "/cohorts/{id}/members/import",
                [post(cohorts::members::routes::import_members)],
            ))
            .service(at(
                "/cohorts/{id}/members/{user_id}",
                [
                    patch(cohorts::members::routes::update_member),
                    delete(cohorts::members::routes::remove_member),
                ],
            ))
            .service(at(
                "/cohorts/{id}/sessions/series",
                [post(sessions::routes::create_series)],
            ))
            .service(at(
                "/series/{id}",
                [delete(sessions::routes::cancel_series)],
            ))
            .service(at(
                "/cohorts/{id}/sessions",
                [
                    get(sessions::routes::list_sessions),
                    post(sessions::routes::create_session),
                ],
            ))
            .service(at(
                "/cohorts/{id}/calendar.ics",
                [get(sessions::calendar::routes::cohort_feed)],
            ))
            .service(at(
                "/cohorts/{id}/attendance",
                [get(attendance::report_routes::cohort_report)],
            ))
            .service(at(
                "/cohorts/{id}/feedback",
                [get(attendance::feedback_routes::cohort_feedback)],
            ))
            .service(at(
                "/cohorts/{id}/assignments",
                [get(casework::routes::cohort_assignments)],
            ))
            .service(at(
                "/cohorts/{id}/progress",
                [get(progress::routes::cohort_progress)],
            ))
            .service(at(
                "/cohorts/{id}/certificates",
                [post(progress::routes::issue_certificates)],
            ))
            // Sessions: the session itself, its attendance and self check-in.
            .service(at(
                "/sessions/{id}",
                [
                    get(sessions::routes::get_session),
                    patch(sessions::routes::update_session),
                    delete(sessions::routes::delete_session),
                ],
            ))
            .service(at(
                "/sessions/{id}/feedback",
                [
                    get(attendance::feedback_routes::session_feedback),
                    put(attendance::feedback_routes::give_feedback),
                ],
            ))
            .service(at(
                "/sessions/{id}/attendance",
                [
                    get(attendance::routes::roster),
                    put(attendance::routes::mark),
                ],
            ))
            .service(at(
                "/sessions/{id}/attendance/history",
                [get(attendance::routes::history)],
            ))
            .service(at(
                "/sessions/{id}/check-in-window",
                [post(attendance::checkin_routes::open_window)],
            ))
            .service(at(
                "/sessions/{id}/check-in-code",
                [get(attendance::checkin_routes::current_code)],
            ))
            .service(at(
                "/sessions/{id}/check-in",
                [post(attendance::checkin_routes::check_in)],
            ))
            // Materials: uploads hang off a session; a material has its own
            // address for downloads and deletion.
            .service(at(
                "/sessions/{id}/materials",
                [
                    get(materials::routes::list_materials),
                    post(materials::routes::create_material),
                ],
            ))
            .service(at(
                "/materials/{id}",
                [delete(materials::routes::delete_material)],
            ))
            .service(at(
                "/materials/{id}/content",
                [get(materials::routes::download)],
            ))
            .service(at(
                "/materials/{id}/variants",
                [post(materials::routes::add_variant)],
            ))
            // Case studies: a session's assignment, the work handed in, reviews.
            .service(at(
                "/sessions/{id}/assignment",
                [post(casework::routes::create_assignment)],
            ))
            .service(at(
                "/assignments/{id}",
                [
                    get(casework::routes::get_assignment),
                    patch(casework::routes::update_assignment),
                ],
            ))
            .service(at(
                "/assignments/{id}/submissions",
                [
                    get(casework::routes::list_submissions),
                    post(casework::routes::hand_in),
                ],
            ))
            .service(at(
                "/submissions/{id}/review",
                [patch(casework::routes::review_submission)],
            ))
            .service(at(
                "/submissions/{id}/history",
                [get(casework::routes::submission_history)],
            ))
            .service(at(
                "/submissions/{id}/attachment",
                [get(casework::routes::submission_attachment)],
            ))
            // Certificates: public verification, revocation by staff.
            .service(at(
                "/certificates/{code}",
                [get(progress::routes::verify_certificate)],
            ))
            .service(at(
                "/certificates/{code}/revocation",
                [post(progress::routes::revoke_certificate)],
            ))
            // Community events: registrations, tickets, the door.
            .service(at(
                "/events",
                [
                    get(events::routes::list_events),
                    post(events::routes::create_event),
                ],
            ))
            .service(at(
                "/events/{id}",
                [
                    get(events::routes::get_event),
                    patch(events::routes::update_event),
                ],
            ))
            .service(at(
                "/events/{id}/calendar.ics",
                [get(events::routes::event_calendar)],
            ))
            .service(at(
                "/events/{id}/registrations",
                [
                    get(events::routes::list_registrations),
                    post(events::routes::register_for_event),
                ],
            ))
            .service(at(
                "/events/{id}/registrations/{registration_id}",
                [
                    get(events::routes::get_registration),
                    delete(events::routes::cancel_registration),
                ],
            ))
            .service(at(
                "/events/{id}/check-ins",
                [post(events::routes::check_in_ticket)],
            ))
            // Resumable uploads (tus 1.0.0).
            .service(at(
                "/uploads",
                [
                    options(materials::uploads::routes::options),
                    post(materials::uploads::routes::create),
                ],
            ))
            .service(at(
                "/uploads/{id}",
                [
                    head(materials::uploads::routes::head),
                    patch(materials::uploads::routes::patch),
                    delete(materials::uploads::routes::terminate),
                ],
            )),
    )
    // Probes, outside the versioned API.
    .service(at("/health/live", [get(health::live)]))
    .service(at("/health/ready", [get(health::ready)]));
}

/// A path served by `routes`; any other method is answered 405 with
/// `Allow` naming these (the middleware turns it into a problem and keeps
/// the header).
fn at<const N: usize>(path: &str, routes: [(Method, Route); N]) -> Resource {
    let allow = routes
        .iter()
        .map(|(m, _)| m.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut res = resource(path);
    for (_, route) in routes {
        res = res.route(route);
    }
    res.default_service(web::to(move || {
        let allow = allow.clone();
        async move {
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, allow))
                .finish()
        }
    }))
}

macro_rules! method {
    ($name:ident, $method:ident) => {
        fn $name<F, Args>(handler: F) -> (Method, Route)
        where
            F: Handler<Args>,
            Args: FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            (Method::$method, web::method(Method::$method).to(handler))
        }
    };
}
method!(get, GET);
method!(post, POST);
method!(put, PUT);
method!(patch, PATCH);
method!(delete, DELETE);
method!(head, HEAD);
method!(options, OPTIONS);

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;
    use actix_web::{test, App};
    use utoipa::OpenApi;

    use super::table;

    /// Every operation of the OpenAPI document reaches a handler of this
    /// table: routed, it is neither 404 nor 405 before the handler runs
    /// (without the application's state, handlers fail their extractors
    /// with other statuses).
    #[actix_web::test]
    async fn every_documented_operation_is_routed() {
        let app = test::init_service(App::new().configure(table)).await;
        let doc = crate::app::openapi::ApiDoc::openapi();
        let id = "0190b6e4-5b8e-7c4a-9f1e-2d3c4b5a6978";
        let mut checked = 0;
        for (path, item) in &doc.paths.paths {
            let concrete = path
                .replace("{code}", "CI")
                .split('/')
                .map(|seg| if seg.starts_with('{') { id } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let ops = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            for (method, _) in ops.iter().filter(|(_, documented)| *documented) {
                let req = test::TestRequest::default()
                    .method(method.parse().unwrap())
                    .uri(&concrete)
                    .to_request();
                let status = test::call_service(&app, req).await.status();
                assert!(
                    status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is documented but answers {status}"
                );
                checked += 1;
            }
        }
        assert!(checked >= 40, "only {checked} operations checked");
    }

    #[actix_web::test]
    async fn an_unserved_method_names_the_served_ones() {
        let app = test::init_service(App::new().configure(table)).await;
        let req = test::TestRequest::put().uri("/api/v1/me").to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(res.headers().get("allow").unwrap(), "GET, PATCH");
    }
}
