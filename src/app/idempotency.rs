//! `Idempotency-Key` on `POST`, `PUT`, `PATCH` and `DELETE`: a retry of the
//! same request (same user, key, method, path and body) within 24 hours
//! gets the first answer again, with `Idempotent-Replayed: true`, and
//! changes nothing; the same key with another request is a 422; a twin
//! arriving while the first still runs waits for it and gets its answer.
//!
//! The whole request runs on one connection in one transaction
//! ([`db::Reserved`]): the key is claimed first, the handler's changes
//! follow, and the answer is stored last, before one COMMIT. So a key is
//! there exactly when its change is: a process killed at any moment leaves
//! both or neither, and the retry after a restart replays the answer or
//! runs once, never twice. Past 24 hours the answer goes and the key stays
//! (`crate::idempotency`): an old retry is refused with a 409
//! (`idempotency_key_expired`), never run again.
//!
//! Keys are per signed-in user and kept in the database, so they hold
//! across processes. Anonymous requests ignore the header: without an
//! account, one client could replay another's answer. Answers a retry may
//! change are not kept: a 5xx rolls the whole request back; a 401 (a
//! refreshed token retries), 408 or 429 forgets the key but commits what
//! the request did (a throttle's count). `/auth/` and the tus `/uploads`
//! take no key (see [`unkeyed`]). The body is read whole to be digested, up to the JSON
//! body limit (a larger one is a 413: big files go through resumable
//! uploads).

use std::time::Duration;

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::rt::time::timeout;
use actix_web::{web, HttpMessage, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::db;
use crate::error::{AppError, Issue, Msg};
use crate::i18n::Lang;
use crate::idempotency::{self, Answer, Claim};
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The longest key taken (UUIDs are 36 characters).
pub const MAX_KEY_CHARS: usize = 255;

/// Answers larger than this are not kept (the key is given back).
const MAX_KEPT_BYTES: usize = 1 << 20;

/// Headers of an answer that are about this exchange, not the answer.
const NOT_KEPT: [&str; 5] = [
    "date",
    "x-request-id",
    "content-length",
    "content-encoding",
    "set-cookie",
];

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let writes = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let key = req
        .headers()
        .get(&IDEMPOTENCY_KEY)
        .map(|v| v.to_str().map(str::to_owned));
    let (Some(key), true, false) = (key, writes, unkeyed(req.path())) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    let refuse = |req: ServiceRequest, e: AppError| Ok(req.into_response(e.render(lang)));
    let key = match key {
        Ok(k)
            if (1..=MAX_KEY_CHARS).contains(&k.len())
                && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            k
        }
        _ => return refuse(req, AppError::field("Idempotency-Key", Issue::Invalid)),
    };
    // Anonymous (or a bad token, which the handler will refuse): no key.
    let Ok(auth) = crate::http::auth::authenticate(req.request()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body = match read_body(&mut req, &state).await {
        Ok(body) => body,
        Err(e) => return refuse(req, e),
    };
    let mut digest = Sha256::new();
    digest.update(req.method().as_str());
    digest.update(b" ");
    digest.update(req.uri().path_and_query().map_or("", |p| p.as_str()));
    digest.update(b"\n");
    digest.update(&body);
    let hash = hex::encode(digest.finalize());
    let now = state.clock.now_naive();
    let user = auth.id;
    let begun = {
        let (key, hash) = (key.clone(), hash.clone());
        let backend = db::Backend::from_url(&state.settings.database_url);
        db::Reserved::begin(&state.pool, &backend, move |conn| {
            idempotency::claim(conn, user, &key, &hash, now).map_err(AppError::from)
        })
        .await
    };
    let (tx, claim) = match begun {
        Ok(begun) => begun,
        Err(e) => return refuse(req, e),
    };
    let settled = match claim {
        Claim::Mine => None,
        Claim::OtherRequest => Some(Err(AppError::field("Idempotency-Key", Issue::KeyReused))),
        Claim::Forgotten => Some(Err(AppError::Conflict(Msg::IdempotencyKeyExpired))),
        Claim::Replay(answer) => Some(Ok(answer)),
    };
    if let Some(settled) = settled {
        tx.rollback().await;
        return match settled {
            Ok(answer) => Ok(req.into_response(replay(answer))),
            Err(e) => refuse(req, e),
        };
    }
    req.set_payload(Payload::from(web::Bytes::from(body)));
    match tx.scope(next.call(req)).await {
        Ok(res) => keep(res.map_into_boxed_body(), tx, &state, user, key, lang).await,
        Err(e) => {
            tx.rollback().await;
            Err(e)
        }
    }
}

/// Paths that take no key. Sign-in and the other account doors: their
/// failures are counted by throttles, which must commit whatever the
/// answer (a key would let a caller with any token retry for free). And
/// tus uploads, which resume by offset and would otherwise stream and
/// assemble a whole recording inside one transaction.
pub fn unkeyed(path: &str) -> bool {
    path.starts_with("/api/v1/auth/") || path.starts_with("/api/v1/uploads")
}

/// The request's body, whole, within the JSON body limit and patience.
async fn read_body(req: &mut ServiceRequest, state: &AppState) -> Result<Vec<u8>, AppError> {
    let limit = state.settings.json_body_limit_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(AppError::PayloadTooLarge);
    }
    let mut payload = req.take_payload();
    let read = async {
        let mut body = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| AppError::BadRequest(Msg::MalformedJson))?;
            if body.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    timeout(
        Duration::from_secs(state.settings.body_read_timeout_seconds),
        read,
    )
    .await
    .map_err(|_| AppError::RequestTimeout)?
}

fn replay(answer: Answer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    for (name, value) in &answer.headers {
        res.append_header((name.as_str(), value.as_str()));
    }
    res.insert_header((REPLAYED, "true"));
    res.body(answer.body)
}

/// Keeps the answer with the request's changes and commits them together,
/// or rolls everything back when a retry may be answered otherwise.
async fn keep(
    res: ServiceResponse<BoxBody>,
    tx: db::Reserved,
    state: &AppState,
    user: crate::vocab::UserId,
    key: String,
    lang: Lang,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let status = res.status();
    if status.is_server_error() {
        tx.rollback().await;
        return Ok(res);
    }
    if matches!(status.as_u16(), 401 | 408 | 429) {
        // A retry may be answered otherwise (a refreshed token, a later
        // turn): the key is forgotten, but what the request did commits
        // (a throttle's count of failures, say).
        let forgotten = tx
            .commit(move |conn| idempotency::forget(conn, user, &key).map_err(AppError::from))
            .await;
        if let Err(e) = forgotten {
            tracing::error!(error = %e, "a keyed request did not commit");
        }
        return Ok(res);
    }
    let small = match res.response().body().size() {
        body::BodySize::None => true,
        body::BodySize::Sized(n) => n <= MAX_KEPT_BYTES as u64,
        body::BodySize::Stream => false,
    };
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    // An answer too large to keep still commits its change: its status and
    // headers are kept, and a replay has an empty body.
    let (bytes, body) = if small {
        let bytes = body::to_bytes(body)
            .await
            .map_err(|_| actix_web::error::ErrorInternalServerError("unreadable body"))?;
        (bytes.to_vec(), BoxBody::new(bytes))
    } else {
        (Vec::new(), body)
    };
    let answer = Answer {
        status: status.as_u16(),
        headers: head
            .headers()
            .iter()
            .filter(|(name, _)| !NOT_KEPT.contains(&name.as_str()))
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
            .collect(),
        body: bytes,
    };
    let deferred = tx.deferred_discards();
    let kept = tx
        .commit(move |conn| idempotency::finish(conn, user, &key, &answer).map_err(AppError::from))
        .await;
    // Bytes whose rows the request deleted go once that is committed.
    if kept.is_ok() {
        state.storage.discard(&deferred).await;
    }
    if let Err(e) = kept {
        // Nothing of the request committed: say so, and a retry runs it.
        tracing::error!(error = %e, "a keyed request did not commit");
        return Ok(ServiceResponse::new(req, e.render(lang)));
    }
    let mut res = head.set_body(body);
    res.headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("false"));
    Ok(ServiceResponse::new(req, res))
}
