//! Housekeeping deletes what nothing needs any more, and only that; several
//! processes take turns.

use chrono::Duration;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use griot::app::housekeeping::{run_once, Report};
use griot::clock::Clock;
use serde_json::json;

use crate::fixtures::class;
use crate::helpers::{is_postgres, PASSWORD};

fn count(app: &crate::helpers::TestApp, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    app.db(|c| {
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<N>(c)
            .unwrap()
            .n
    })
}

#[actix_rt::test]
async fn expired_tokens_old_revocations_closed_windows_and_spent_throttles_go() {
    // Arrange: a session with a check-in window and a wrong code, a logout,
    // a failed sign-in; then a month passes.
    let c = class(&["A"]).await;
    let app = &c.app;
    c.open_window(30).await;
    let res = app
        .post(
            &format!("/api/v1/sessions/{}/check-in", c.session),
            Some(&c.learners[0].access_token),
            &json!({ "code": "000000" }),
        )
        .await;
    assert!(matches!(res.status, 201 | 422), "{}", res.text());
    let leaving = app.register("leaving@example.org").await;
    app.post(
        "/api/v1/auth/logout",
        None,
        &json!({ "refresh_token": leaving.refresh_token }),
    )
    .await;
    app.login("leaving@example.org", "wrong password!").await;
    let fresh_now = app.clock.now_naive();
    let later = fresh_now + Duration::days(31);

    // Act: a run right now deletes nothing; a run a month later does.
    let early = app
        .db(|conn| run_once(conn, &app.settings, fresh_now))
        .unwrap();
    let report = app.db(|conn| run_once(conn, &app.settings, later)).unwrap();
    let again = app.db(|conn| run_once(conn, &app.settings, later)).unwrap();

    // Assert
    assert_eq!(
        early.refresh_tokens + early.check_in_rows + early.revoked_sessions,
        0
    );
    assert!(report.refresh_tokens >= 1, "{report:?}");
    assert_eq!(report.revoked_sessions, 1, "{report:?}");
    assert!(report.check_in_rows >= 1, "{report:?}");
    assert!(report.throttles >= 1, "{report:?}");
    assert_eq!(again, Report::default());
    for table in [
        "revoked_sessions",
        "check_in_windows",
        "check_in_failures",
        "throttles",
    ] {
        assert_eq!(count(app, table), 0, "{table}");
    }
    // What is still needed stays: the account signs in again.
    app.clock.advance(Duration::days(31));
    assert_eq!(app.login("leaving@example.org", PASSWORD).await.status, 200);
}

#[actix_rt::test]
async fn a_second_process_skips_its_turn_while_one_runs() {
    if !is_postgres() {
        // SQLite admits one writer at a time: the question does not arise.
        return;
    }
    // Arrange: one connection holds the run's lock in an open transaction.
    let c = class(&[]).await;
    let app = &c.app;
    let mut holder = app.pool.get().unwrap();
    holder.batch_execute("BEGIN").unwrap();
    holder
        .batch_execute("SELECT pg_advisory_xact_lock(113741092844545)")
        .unwrap();

    // Act
    let now = app.clock.now_naive();
    let skipped = app.db(|conn| run_once(conn, &app.settings, now)).unwrap();
    holder.batch_execute("COMMIT").unwrap();
    let ran = app.db(|conn| run_once(conn, &app.settings, now)).unwrap();

    // Assert
    assert!(skipped.skipped);
    assert!(!ran.skipped);
}
