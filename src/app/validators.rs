//! Validators for every JSON answer: a `GET` that answers `200` with a
//! JSON body and no validator of its own gets a weak `ETag` (a digest of
//! its bytes), and `304 Not Modified` with no body when the client's
//! `If-None-Match` names it. Answers that know their version (rosters,
//! session lists, reports, feeds, file downloads) set their own ETag
//! before this layer and are left alone.
//!
//! The digest is taken here, inside the compression layer, over the bytes
//! the handler made: the ETag is weak because compression re-encodes
//! them on the wire. Only the caller's own answers get here: whoever may
//! not see a resource still gets its 404, never a 304. Caching rules are
//! left as they were: personal answers stay `no-store` (see
//! `middleware`), so only the app itself keeps them and revalidates.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use sha2::{Digest, Sha256};

use crate::cache::{names, weak_etag};

/// Bodies above this are sent without a validator rather than held twice.
const MAX_DIGESTED_BYTES: u64 = 8 << 20;

pub async fn validators(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let method = req.method().clone();
    let if_none_match: Vec<String> = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let res = next.call(req).await?.map_into_boxed_body();
    if method != Method::GET || res.status() != StatusCode::OK || !digestible(&res) {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("unreadable body"))?;
    let etag = weak_etag(&Sha256::digest(&bytes)[..16]);
    let mut res = if names(if_none_match.iter().map(String::as_str), &etag) {
        let mut not_modified = HttpResponse::NotModified().finish();
        for (name, value) in head.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                not_modified
                    .headers_mut()
                    .append(name.clone(), value.clone());
            }
        }
        not_modified
    } else {
        head.set_body(BoxBody::new(bytes))
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, value);
    }
    Ok(ServiceResponse::new(req, res))
}

/// A JSON answer of known, bounded size without a validator of its own.
fn digestible(res: &ServiceResponse<BoxBody>) -> bool {
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let sized =
        matches!(res.response().body().size(), body::BodySize::Sized(n) if n <= MAX_DIGESTED_BYTES);
    json && sized && !res.headers().contains_key(header::ETAG)
}
