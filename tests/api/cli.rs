//! The operator commands, run as the real binary.

use std::process::{Command, Stdio};

use crate::helpers::{spawn_app, TEST_SECRET};

fn griot(database_url: &str, data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_griot"));
    cmd.env_clear()
        .env("DATABASE_URL", database_url)
        .env("DATA_DIR", data_dir)
        .env("JWT_SECRET", TEST_SECRET)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

#[actix_rt::test]
async fn create_admin_then_sign_in_as_that_admin() {
    // Arrange: a running server; the CLI works on the same database.
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app().await;
    let url = app.database_url.clone();

    // Act: create the admin with the password from the environment.
    let out = griot(&url, dir.path())
        .args([
            "create-admin",
            "--email",
            "Root@Example.org",
            "--name",
            "Mariam Koné",
        ])
        .env("GRIOT_ADMIN_PASSWORD", "a long admin password")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Assert: the admin signs in through the API.
    let res = app.login("root@example.org", "a long admin password").await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["user"]["is_admin"], true);
    assert_eq!(body["user"]["full_name"], "Mariam Koné");

    // Promoting an existing account needs no password.
    app.register("member@example.org").await;
    let out = griot(&url, dir.path())
        .args(["create-admin", "--email", "member@example.org"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let member = app
        .login("member@example.org", crate::helpers::PASSWORD)
        .await
        .json();
    assert_eq!(member["user"]["is_admin"], true);
}

#[test]
fn create_admin_reads_the_password_from_stdin() {
    if crate::helpers::is_postgres() {
        return; // covered on SQLite; the command path is the same
    }
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("griot.db").display());
    let mut child = griot(&url, dir.path())
        .args(["create-admin", "--email", "stdin@example.org"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"password from stdin\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created"));
}

#[test]
fn migrate_applies_once_and_then_nothing() {
    if crate::helpers::is_postgres() {
        return; // the server's start-up runs the same code on PostgreSQL in every test
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sub/griot.db").display());
    for _ in 0..2 {
        let out = griot(&url, dir.path()).arg("migrate").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(dir.path().join("sub/griot.db").exists());
}

#[test]
fn a_bad_setting_stops_start_up_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = griot("sqlite://unused.db", dir.path())
        .env("JWT_SECRET", "short")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JWT_SECRET"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn an_unreachable_database_is_reported_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let out = griot("postgres://nobody@127.0.0.1:1/none", dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_server_reports_ready_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    if crate::helpers::is_postgres() {
        return; // process behaviour does not depend on the database
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("griot.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = griot(&url, dir.path())
        .env("BIND_ADDR", &addr)
        .env("RUST_LOG", "info")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The log says when the socket is bound; no polling, no sleeping.
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let listening = lines.by_ref().take(50).map_while(Result::ok).any(|l| {
        seen.push(l.clone());
        l.contains("listening")
    });
    assert!(listening, "the server never said it was listening");
    // Written to a pipe (a file, journald), the text log has no colour codes.
    assert!(
        seen.iter().all(|l| !l.contains('\u{1b}')),
        "ANSI codes in {seen:?}"
    );

    let probe = || {
        griot(&url, dir.path())
            .env("BIND_ADDR", &addr)
            .arg("healthcheck")
            .status()
            .unwrap()
    };
    assert!(
        probe().success(),
        "healthcheck should pass on a running server"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "SIGTERM should end the server cleanly, got {status}"
    );
    assert!(
        !probe().success(),
        "healthcheck should fail once the server is gone"
    );
}

#[actix_rt::test]
async fn a_backup_taken_while_serving_restores_to_a_working_server() {
    // Arrange: a running server with an account.
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app().await;
    app.register("kept@example.org").await;
    let copy = dir.path().join("copy.db");

    // Act
    let out = griot(&app.database_url, dir.path())
        .arg("backup")
        .arg(&copy)
        .output()
        .unwrap();

    // Assert
    let stderr = String::from_utf8_lossy(&out.stderr);
    if crate::helpers::is_postgres() {
        assert!(!out.status.success());
        assert!(stderr.contains("pg_dump"), "{stderr}");
        return;
    }
    assert!(out.status.success(), "{stderr}");
    // A second backup to the same file is refused rather than overwriting.
    let again = griot(&app.database_url, dir.path())
        .arg("backup")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(!again.status.success());
    // The copy, served on its own, holds the account.
    let restored = app
        .on_database(format!("sqlite://{}", copy.display()))
        .await;
    let res = restored
        .login("kept@example.org", crate::helpers::PASSWORD)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
}

#[actix_rt::test]
async fn housekeeping_runs_once_and_reports_what_went() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app().await;

    // Act
    let out = griot(&app.database_url, dir.path())
        .arg("housekeeping")
        .output()
        .unwrap();

    // Assert
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["skipped"], false);
    assert!(report["refresh_tokens"].is_u64(), "{report}");
}
