//! `GET /sync`: a phone catches up with what changed, in pages, never
//! missing a change, with deletes for what is gone or no longer its own.

use diesel::connection::SimpleConnection;
use serde_json::{json, Value};

use crate::fixtures::{class, new_session, Class};
use crate::helpers::{is_postgres, Session, TestApp};

/// Every page from `since` on: the changes, and the last token.
async fn sync_all(
    app: &TestApp,
    who: &Session,
    since: Option<&str>,
    limit: u32,
) -> (Vec<Value>, String) {
    let mut changes = Vec::new();
    let mut since = since.map(str::to_owned);
    for _ in 0..1000 {
        let path = match &since {
            Some(s) => format!("/api/v1/sync?limit={limit}&since={s}"),
            None => format!("/api/v1/sync?limit={limit}"),
        };
        let res = app.get(&path, Some(&who.access_token)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let body = res.json();
        changes.extend(body["changes"].as_array().unwrap().iter().cloned());
        since = Some(body["next"].as_str().unwrap().to_owned());
        if body["more"] == false {
            return (changes, since.unwrap());
        }
    }
    panic!("sync never ended");
}

fn of<'a>(changes: &'a [Value], kind: &str) -> Vec<&'a Value> {
    changes.iter().filter(|c| c["type"] == kind).collect()
}

fn ids(changes: &[Value], kind: &str, op: &str) -> Vec<String> {
    of(changes, kind)
        .into_iter()
        .filter(|c| c["op"] == op)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn checked_in_class() -> Class {
    let c = class(&["Awa", "Kofi"]).await;
    let res = c
        .app
        .put(
            &format!("/api/v1/sessions/{}/attendance", c.session),
            Some(&c.trainer.access_token),
            &json!({ "records": [
                { "user_id": c.learners[0].user_id, "status": "present" },
                { "user_id": c.learners[1].user_id, "status": "late" },
            ] }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    c
}

#[actix_rt::test]
async fn a_first_sync_lists_what_the_member_keeps_and_a_second_nothing() {
    // Arrange
    let c = checked_in_class().await;
    let awa = &c.learners[0];
    let other = new_session(&c.app, &c.trainer, &c.cohort, 30).await;

    // Act: in pages of two.
    let (changes, token) = sync_all(&c.app, awa, None, 2).await;
    let again = c
        .app
        .get(
            &format!("/api/v1/sync?since={token}"),
            Some(&awa.access_token),
        )
        .await;

    // Assert
    assert_eq!(ids(&changes, "cohort", "upsert"), vec![c.cohort.clone()]);
    assert_eq!(
        ids(&changes, "membership", "upsert"),
        vec![c.cohort.clone()]
    );
    let mut sessions = ids(&changes, "session", "upsert");
    sessions.sort();
    let mut expected = vec![c.session.clone(), other.clone()];
    expected.sort();
    assert_eq!(sessions, expected);
    let attendance = of(&changes, "attendance");
    assert_eq!(attendance.len(), 1, "only the caller's own records");
    assert_eq!(attendance[0]["data"]["status"], "present");
    assert_eq!(attendance[0]["data"]["user_id"], awa.user_id.as_str());
    assert!(changes.iter().all(|c| c["op"] == "upsert"));
    // Unchanged: an empty answer, under 300 bytes.
    assert_eq!(again.status, 200);
    let body = again.json();
    assert_eq!(body["changes"], json!([]));
    assert_eq!(body["more"], false);
    assert!(again.text().len() < 300, "{} bytes", again.text().len());
}

#[actix_rt::test]
async fn changes_come_once_with_deletes_for_what_is_gone_or_left() {
    // Arrange
    let c = checked_in_class().await;
    let awa = &c.learners[0];
    let (_, token) = sync_all(&c.app, awa, None, 200).await;

    // Act: a new session, an edited one, a deleted one, Kofi's mark
    // changed (not Awa's business), Awa's changed.
    let added = new_session(&c.app, &c.trainer, &c.cohort, 48).await;
    let doomed = new_session(&c.app, &c.trainer, &c.cohort, 72).await;
    let res = c
        .app
        .patch(
            &format!("/api/v1/sessions/{}", c.session),
            Some(&c.trainer.access_token),
            &json!({ "title": "Storytelling, deuxième partie" }),
        )
        .await;
    assert_eq!(res.status, 200);
    let res = c
        .app
        .delete(
            &format!("/api/v1/sessions/{doomed}"),
            Some(&c.trainer.access_token),
        )
        .await;
    assert_eq!(res.status, 204);
    c.app
        .put(
            &format!("/api/v1/sessions/{}/attendance", c.session),
            Some(&c.trainer.access_token),
            &json!({ "records": [
                { "user_id": c.learners[0].user_id, "status": "excused" },
                { "user_id": c.learners[1].user_id, "status": "absent" },
            ] }),
        )
        .await;
    let (changes, token) = sync_all(&c.app, awa, Some(&token), 200).await;

    // Assert
    let mut upserted = ids(&changes, "session", "upsert");
    upserted.sort();
    let mut expected = vec![c.session.clone(), added.clone()];
    expected.sort();
    assert_eq!(upserted, expected);
    assert_eq!(ids(&changes, "session", "delete"), vec![doomed]);
    let edited = of(&changes, "session")
        .into_iter()
        .find(|s| s["id"] == c.session.as_str())
        .unwrap();
    assert_eq!(edited["data"]["title"], "Storytelling, deuxième partie");
    let attendance = of(&changes, "attendance");
    assert_eq!(attendance.len(), 1);
    assert_eq!(attendance[0]["data"]["status"], "excused");

    // Awa leaves: her cohort goes, with a delete.
    let res = c
        .app
        .patch(
            &format!("/api/v1/cohorts/{}/members/{}", c.cohort, awa.user_id),
            Some(&c.admin.access_token),
            &json!({ "status": "withdrawn" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (changes, token) = sync_all(&c.app, awa, Some(&token), 200).await;
    assert_eq!(ids(&changes, "cohort", "delete"), vec![c.cohort.clone()]);
    let membership = of(&changes, "membership");
    assert_eq!(membership[0]["data"]["status"], "withdrawn");

    // And nothing of it reaches her after.
    new_session(&c.app, &c.trainer, &c.cohort, 96).await;
    let (changes, _) = sync_all(&c.app, awa, Some(&token), 200).await;
    assert!(ids(&changes, "session", "upsert").is_empty(), "{changes:?}");
}

#[actix_rt::test]
async fn a_change_committed_late_is_not_skipped() {
    // Arrange
    let c = class(&["Awa"]).await;
    let awa = &c.learners[0];
    let (_, token) = sync_all(&c.app, awa, None, 200).await;
    if !is_postgres() {
        // SQLite admits one writer at a time: commit order is log order,
        // and holding a write open here would block the API. The parallel
        // writers below still run.
        return parallel_writers(&c, awa, token).await;
    }

    // Act: a transaction writes a session in Awa's other cohort and stays
    // open while the API writes and commits one in this cohort (a later
    // transaction id; another cohort, so neither waits for the other).
    let second = c.app.cohort(&c.admin, json!({ "name": "Seconde" })).await;
    c.app.enrol(&c.admin, &second, awa, "learner").await;
    let (_, token) = sync_all(&c.app, awa, Some(&token), 200).await;
    let mut slow = c.app.pool.get().expect("connection");
    let late_id = uuid::Uuid::now_v7().to_string();
    slow.batch_execute(&format!(
        "BEGIN; INSERT INTO sessions (id, cohort_id, kind, title, description, starts_at, ends_at, \
         status, counts_for_completion, created_at, updated_at) VALUES ('{late_id}', '{}', \
         'veille', 'Tard', '', '2026-03-20 09:00:00', '2026-03-20 10:00:00', 'scheduled', true, \
         '2026-03-02 08:00:00', '2026-03-02 08:00:00');",
        second
    ))
    .expect("slow write");
    let quick = new_session(&c.app, &c.trainer, &c.cohort, 50).await;
    let (first, token) = sync_all(&c.app, awa, Some(&token), 200).await;
    slow.batch_execute("COMMIT;").expect("commit");
    let (second, _) = sync_all(&c.app, awa, Some(&token), 200).await;

    // Assert: the quick one first; the late one next time, not lost.
    assert_eq!(ids(&first, "session", "upsert"), vec![quick]);
    assert_eq!(ids(&second, "session", "upsert"), vec![late_id]);
    let token = c
        .app
        .get("/api/v1/sync?limit=1", Some(&awa.access_token))
        .await
        .json()["next"]
        .as_str()
        .unwrap()
        .to_owned();
    parallel_writers(&c, awa, token).await;
}

/// Sessions written from many requests at once while the member syncs
/// again and again: every one of them reaches the phone.
async fn parallel_writers(c: &Class, awa: &Session, mut token: String) {
    let writes = futures_util::future::join_all(
        (0..12).map(|i| new_session(&c.app, &c.trainer, &c.cohort, 100 + i)),
    );
    let reads = async {
        let mut seen = Vec::new();
        for _ in 0..6 {
            let (changes, next) = sync_all(&c.app, awa, Some(&token), 3).await;
            seen.extend(ids(&changes, "session", "upsert"));
            token = next;
        }
        (seen, token)
    };
    let (created, (mut seen, token)) = futures_util::join!(writes, reads);
    let (rest, _) = sync_all(&c.app, awa, Some(&token), 3).await;
    seen.extend(ids(&rest, "session", "upsert"));
    for id in &created {
        assert!(seen.contains(id), "session {id} never synced");
    }
}

#[actix_rt::test]
async fn tokens_are_the_servers_own() {
    let c = class(&["Awa"]).await;
    let awa = &c.learners[0];
    for bad in ["nope", "eyJiIjoiLTEifQ", "eyJiIjoiMTo6In0"] {
        c.app
            .get(
                &format!("/api/v1/sync?since={bad}"),
                Some(&awa.access_token),
            )
            .await
            .assert_problem(422, "validation_failed");
    }
    c.app
        .get("/api/v1/sync?limit=0", Some(&awa.access_token))
        .await
        .assert_problem(422, "validation_failed");
    c.app
        .get("/api/v1/sync", None)
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_rt::test]
async fn a_token_older_than_the_kept_log_is_gone_and_a_fresh_sync_recovers() {
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;
    use griot::clock::Clock;
    #[derive(QueryableByName)]
    struct Pos {
        #[diesel(sql_type = BigInt)]
        pos: i64,
    }

    // Arrange: a phone synced, then the log moved on.
    let c = class(&["Awa"]).await;
    let awa = &c.learners[0];
    let (_, old) = sync_all(&c.app, awa, None, 200).await;
    let added = new_session(&c.app, &c.trainer, &c.cohort, 30).await;
    // A housekeeping mark from 40 days ago of where the log stands now,
    // taken as housekeeping takes it (on PostgreSQL, the oldest
    // transaction running in the whole cluster).
    let now = c.app.clock.now_naive();
    let mark = c.app.db(|conn| {
        let sql = if is_postgres() {
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS pos"
        } else {
            "SELECT seq AS pos FROM sqlite_sequence WHERE name = 'sync_log'"
        };
        let pos = diesel::sql_query(sql).get_result::<Pos>(conn).unwrap().pos;
        diesel::insert_into(griot::schema::sync_marks::table)
            .values((
                griot::schema::sync_marks::marked_at.eq(now - chrono::Duration::days(40)),
                griot::schema::sync_marks::pos.eq(pos),
            ))
            .execute(conn)
            .unwrap();
        pos
    });
    // Where the old token read from: its seq, or its snapshot's xmin.
    let old_from: i64 = {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&old)
            .unwrap();
        let token: Value = serde_json::from_slice(&raw).unwrap();
        let b = token["b"].as_str().unwrap();
        b.split(':').next().unwrap().parse().unwrap()
    };

    // Act
    let report = c
        .app
        .db(|conn| griot::app::housekeeping::run_once(conn, &c.app.settings, now))
        .unwrap();
    let gone = c
        .app
        .get(
            &format!("/api/v1/sync?since={old}"),
            Some(&awa.access_token),
        )
        .await;

    // Assert: the old token is refused; syncing from scratch recovers.
    let behind_mark = c.app.db(|conn| {
        let sql = if is_postgres() {
            "SELECT COUNT(*) AS pos FROM sync_log WHERE pos < $1"
        } else {
            "SELECT COUNT(*) AS pos FROM sync_log WHERE seq <= $1"
        };
        diesel::sql_query(sql)
            .bind::<BigInt, _>(mark)
            .get_result::<Pos>(conn)
            .unwrap()
            .pos
    });
    assert_eq!(behind_mark, 0, "{report:?}");
    if !is_postgres() {
        assert!(report.sync_log >= 1, "{report:?}");
    }
    if old_from < mark {
        gone.assert_problem(410, "sync_token_expired");
    } else {
        // PostgreSQL only: a transaction of another test database was
        // running since before the old token, so nothing it may not have
        // read was pruned, and it still works.
        assert!(is_postgres());
        assert_eq!(gone.status, 200, "{}", gone.text());
    }
    let (fresh, token) = sync_all(&c.app, awa, None, 200).await;
    assert!(ids(&fresh, "session", "upsert").contains(&added));
    let again = c
        .app
        .get(
            &format!("/api/v1/sync?since={token}"),
            Some(&awa.access_token),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
}

#[actix_rt::test]
async fn a_phone_signed_out_or_deactivated_is_refused_its_re_sync_and_home() {
    // The re-sync reads the caller's rights with the log, and the home
    // with its cache key: both must still refuse a token whose login
    // session ended or whose account was closed.
    let c = class(&["Awa"]).await;
    let app = &c.app;
    for way in ["logout", "deactivate"] {
        let who = app.register(&format!("{way}@example.org")).await;
        let (_, token) = sync_all(app, &who, None, 50).await;
        let resync = format!("/api/v1/sync?since={token}");
        for path in [resync.as_str(), "/api/v1/me/home"] {
            let res = app.get(path, Some(&who.access_token)).await;
            assert_eq!(res.status, 200, "{way} {path}: {}", res.text());
        }
        let res = if way == "logout" {
            let body = json!({ "refresh_token": who.refresh_token });
            app.post("/api/v1/auth/logout", None, &body).await
        } else {
            let body = json!({ "is_active": false });
            let path = format!("/api/v1/users/{}", who.user_id);
            app.patch(&path, Some(&c.admin.access_token), &body).await
        };
        assert!(res.status < 300, "{way}: {}", res.text());
        for path in [resync.as_str(), "/api/v1/me/home"] {
            app.get(path, Some(&who.access_token))
                .await
                .assert_problem(401, "unauthorized");
        }
    }
}
