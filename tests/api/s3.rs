//! The file store on S3: the same uploads and downloads against a real
//! S3-compatible server (s3s-fs, which checks request signatures), run
//! inside the test on its own thread. The rest of the suite uses the local
//! store; these tests cover what differs (multipart parts, aborted
//! multipart uploads, listing) on both databases.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use hyper_util::rt::TokioIo;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use crate::fixtures::{class_on, long_tokens, Class};
use crate::helpers::{spawn_app_with, TestApp};
use crate::materials::{content, form, list, mp4, pdf, upload, upload_form};
use crate::uploads::{create, head, patch};

const ACCESS_KEY: &str = "GRIOTTESTACCESSKEY";
const SECRET_KEY: &str = "griot-test-secret-key-0123456789abcdef";
const BUCKET: &str = "griot";

/// An S3-compatible server on 127.0.0.1, its objects as files in a
/// temporary folder; stopped when dropped.
pub struct S3Server {
    pub endpoint: String,
    root: PathBuf,
    _dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl S3Server {
    pub fn start() -> S3Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("root");
        // object_store cannot create buckets; s3s-fs's are folders.
        std::fs::create_dir_all(root.join(BUCKET)).expect("bucket");
        let fs = s3s_fs::FileSystem::new(&root).expect("s3s-fs");
        let service = {
            let mut b = S3ServiceBuilder::new(fs);
            b.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
            b.build()
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr: SocketAddr = listener.local_addr().expect("address");
        let (stop, mut stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    let stream = tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => match accepted {
                            Ok((stream, _)) => stream,
                            Err(_) => continue,
                        },
                    };
                    let service = service.clone();
                    tokio::spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        S3Server {
            endpoint: format!("http://{addr}"),
            root,
            _dir: dir,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Parts of multipart uploads neither completed nor aborted.
    pub fn pending_parts(&self) -> Vec<String> {
        let mut found = Vec::new();
        walk(&self.root, &mut found);
        found
            .into_iter()
            .filter(|name| name.contains(".upload_id-"))
            .collect()
    }
}

fn walk(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path.display().to_string());
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A class on a server whose file store is a bucket of `s3` (keys under
/// `files/`).
async fn class_on_s3(s3: &S3Server, names: &[&str], limit: Option<u64>) -> Class {
    let endpoint = s3.endpoint.clone();
    let app = spawn_app_with(move |s| {
        long_tokens(s);
        s.storage_url = Some(format!("s3://{BUCKET}/files"));
        s.s3 = griot::config::S3Settings {
            endpoint: Some(endpoint),
            region: "us-east-1".into(),
            access_key_id: Some(ACCESS_KEY.into()),
            secret_access_key: Some(griot::config::Secret::new(SECRET_KEY)),
            allow_http: true,
        };
        if let Some(limit) = limit {
            s.max_document_bytes = limit;
        }
    })
    .await;
    class_on(app, names).await
}

async fn keys(app: &TestApp) -> Vec<String> {
    let storage = griot::storage::Storage::open(&app.settings).expect("store");
    storage.keys("").await.expect("list")
}

#[actix_rt::test]
async fn a_recording_goes_to_s3_in_parts_and_comes_back_by_ranges() {
    let s3 = S3Server::start();
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class_on_s3(&s3, &["Awa"], None).await;
    // Three parts of the store's multipart upload (8 MiB each but the last).
    let bytes = mp4(20 << 20);
    let res = upload(
        &app,
        &trainer.access_token,
        &session,
        "recording",
        "mc.mp4",
        &bytes,
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let material = res.json();
    assert_eq!(material["sha256"], hex::encode(Sha256::digest(&bytes)));
    let id = material["id"].as_str().unwrap();
    assert_eq!(keys(&app).await, vec![format!("materials/{id}")]);

    let learner = &learners[0].access_token;
    let whole = content(&app, learner, id, &[]).await;
    assert!(whole.status == 200 && whole.body == bytes);
    // Across the boundary of the first two parts.
    let edge = (8 << 20) - 100;
    let range = format!("bytes={edge}-{}", edge + 199);
    let part = content(&app, learner, id, &[("Range", &range)]).await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body, &bytes[edge..edge + 200]);

    // The same bytes again: the first material, no second object.
    let again = upload(
        &app,
        &trainer.access_token,
        &session,
        "recording",
        "mc.mp4",
        &bytes,
    )
    .await;
    assert_eq!(
        (again.status, again.json()["id"].clone()),
        (200, material["id"].clone())
    );
    assert_eq!(keys(&app).await.len(), 1);

    let deleted = app
        .delete(
            &format!("/api/v1/materials/{id}"),
            Some(&trainer.access_token),
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert!(keys(&app).await.is_empty());
    assert!(s3.pending_parts().is_empty(), "{:?}", s3.pending_parts());
}

#[actix_rt::test]
async fn refused_uploads_leave_no_object_and_no_pending_part_on_s3() {
    let s3 = S3Server::start();
    let Class {
        app,
        trainer,
        session,
        ..
    } = class_on_s3(&s3, &[], Some(12 << 20)).await;
    let token = &trainer.access_token;
    // Over the limit, streamed without a length: refused mid-transfer,
    // after the store has received a part.
    let body = form(
        &[("title", "Trop gros"), ("kind", "document")],
        Some(("gros.pdf", &pdf(20 << 20))),
    );
    upload_form(&app, token, &session, body, true)
        .await
        .assert_problem(413, "file_too_large");
    // Not the kind's type: refused before the store sees a byte.
    upload(&app, token, &session, "slides", "s.pdf", &mp4(1 << 20))
        .await
        .assert_problem(422, "validation_failed");
    assert!(keys(&app).await.is_empty());
    assert!(s3.pending_parts().is_empty(), "{:?}", s3.pending_parts());
    assert_eq!(
        list(&app, token, &session).await.json()["items"],
        serde_json::json!([])
    );
}

#[actix_rt::test]
async fn a_resumable_upload_is_assembled_on_s3() {
    let s3 = S3Server::start();
    let Class {
        app,
        trainer,
        session,
        ..
    } = class_on_s3(&s3, &[], None).await;
    let token = &trainer.access_token;
    let bytes = pdf(3_000_000);
    let location = create(&app, token, &session, "slides", bytes.len())
        .await
        .header("location")
        .unwrap();
    for (from, to) in [(0, 1_000_000), (1_000_000, 2_500_000)] {
        let res = patch(&app, token, &location, from, &bytes[from..to]).await;
        assert_eq!(res.status, 204, "{}", res.text());
    }
    assert_eq!(
        keys(&app).await.len(),
        2,
        "one object per PATCH until the end"
    );
    let last = patch(&app, token, &location, 2_500_000, &bytes[2_500_000..]).await;
    let material = last.header("material-id").expect("Material-Id");
    assert_eq!(keys(&app).await, vec![format!("materials/{material}")]);
    let got = content(&app, token, &material, &[]).await;
    assert_eq!(got.body, bytes);
    assert_eq!(
        head(&app, token, &location).await.header("material-id"),
        Some(material)
    );
    assert!(s3.pending_parts().is_empty());
}

#[actix_rt::test]
async fn housekeeping_aborts_the_multipart_uploads_a_killed_process_left_on_s3() {
    // Arrange: a write that neither completed nor aborted, as a process
    // killed in the middle of a PATCH or an assembly leaves it: parts on
    // S3 that no listing shows.
    let s3 = S3Server::start();
    let Class { app, .. } = class_on_s3(&s3, &[], None).await;
    let storage = griot::storage::Storage::open(&app.settings).expect("store");
    let mut killed = storage.begin("materials/killed").await.expect("begin");
    for _ in 0..3 {
        // The third part waits until the first is on S3.
        killed.write(&vec![7u8; 8 << 20]).await.expect("write");
    }
    drop(killed);
    assert!(!s3.pending_parts().is_empty(), "no part reached S3");
    let staged: Vec<String> = keys(&app).await;
    assert_eq!(staged.len(), 1, "{staged:?}");
    assert!(staged[0].starts_with("staging/"), "{staged:?}");
    let sweep = |cutoff| griot::app::housekeeping::sweep_orphans(&app.pool, &storage, cutoff);

    // Act + Assert: young, it is left alone (a write may be going on);
    // past the grace period it is aborted, parts and marker.
    let now = chrono::Utc::now();
    assert_eq!(sweep(now - chrono::Duration::hours(24)).await.unwrap(), 0);
    assert_eq!(sweep(now + chrono::Duration::hours(1)).await.unwrap(), 1);
    assert!(s3.pending_parts().is_empty(), "{:?}", s3.pending_parts());
    assert!(keys(&app).await.is_empty());
}
