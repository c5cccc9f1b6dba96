//! Answers worth keeping: rosters, session lists, reports and the home
//! screen, as the JSON bytes sent, with their ETag.
//!
//! A cached answer is keyed by the versions of everything it was made from
//! (see migration `list_versions`: database triggers bump them on every
//! write, whoever writes). The handler reads those versions in the query
//! that authorises the request, before it reads the content, so:
//! - a change committed by any process changes the key, and the next read
//!   misses: processes of a scale-out never serve each other stale answers;
//! - content read after the versions is at least as new as they say, so an
//!   entry is never older than its key.
//!
//! An answer that time alone changes (the home screen, once a session it
//! lists ends) also says from when it is stale, on the application's clock.
//!
//! Each process keeps its own bounded memory (`RESPONSE_CACHE_MB`), oldest
//! entry out first; entries also expire after [`MAX_AGE`], which bounds
//! what a database restored under a running process could serve.
//!
//! Every answer carries a weak ETag (a digest of its bytes) and
//! `Cache-Control: private, no-cache`, so a phone that revalidates with
//! `If-None-Match` gets a 304 with no body when nothing changed.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The content type of JSON answers.
pub const JSON: &str = "application/json";

/// How long an entry may serve at most, whatever its versions say.
pub const MAX_AGE: Duration = Duration::from_secs(300);

/// One answer: the bytes of its body and their ETag.
#[derive(Debug)]
pub struct Cached {
    pub body: Bytes,
    pub etag: String,
    stored_at: Instant,
    /// For an answer that time alone changes (a session ends, say): the
    /// instant, on the application's clock, from which it is stale.
    until: Option<NaiveDateTime>,
}

impl Cached {
    /// `value` as JSON, with its ETag.
    pub fn json(value: &impl Serialize) -> serde_json::Result<Cached> {
        let body = serde_json::to_vec(value)?;
        Ok(Cached::new(body.into()))
    }

    /// These bytes, with their ETag.
    pub fn new(body: Bytes) -> Cached {
        let digest = Sha256::digest(&body);
        Cached {
            etag: weak_etag(&digest[..16]),
            body,
            stored_at: Instant::now(),
            until: None,
        }
    }

    /// The same answer, stale from `until` on (never if `None`).
    pub fn valid_until(self, until: Option<NaiveDateTime>) -> Cached {
        Cached { until, ..self }
    }

    /// Whether the answer may still serve at `now` (`None`: a caller that
    /// does not know the time, for whom an answer with an end is stale).
    fn serves_at(&self, now: Option<NaiveDateTime>) -> bool {
        self.stored_at.elapsed() < MAX_AGE
            && match (self.until, now) {
                (None, _) => true,
                (Some(until), Some(now)) => now < until,
                (Some(_), None) => false,
            }
    }
}

/// `W/"<hex>"`: weak, because compression may change the bytes on the wire.
pub fn weak_etag(digest: &[u8]) -> String {
    format!("W/\"{}\"", hex::encode(digest))
}

/// Whether an `If-None-Match` header names `etag` (weak comparison, `*`
/// matches anything).
pub fn matches(req: &HttpRequest, etag: &str) -> bool {
    names(
        req.headers()
            .get_all(header::IF_NONE_MATCH)
            .filter_map(|v| v.to_str().ok()),
        etag,
    )
}

/// Whether these `If-None-Match` values name `etag` (weak comparison, `*`
/// matches anything).
pub fn names<'a>(if_none_match: impl Iterator<Item = &'a str>, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    if_none_match
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == ours)
}

/// 304 when the client already holds these bytes, else 200 with them.
pub fn respond(req: &HttpRequest, answer: &Cached, content_type: &str) -> HttpResponse {
    let fresh = matches(req, &answer.etag);
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, answer.etag.clone()))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    if fresh {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, content_type))
        .body(answer.body.clone())
}

/// What a cached answer is made of: a type per kind of answer, built by the
/// area's queries from what its version query returned plus the request's
/// parameters, so a handler cannot leave an input out of the key. The key
/// text is the value's `Debug` form, which names the type and every field.
pub trait CacheKey: std::fmt::Debug {
    fn cache_key(&self) -> String {
        format!("{self:?}")
    }
}

/// Bounded map from keys to answers, shared by a process's workers.
pub struct ResponseCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Arc<Cached>>,
    /// Keys in the order they were stored: the oldest leaves first.
    order: VecDeque<String>,
    bytes: usize,
}

impl ResponseCache {
    /// A cache of at most `budget` bytes of bodies (0 keeps nothing).
    pub fn new(budget: usize) -> ResponseCache {
        ResponseCache {
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The answer stored under `key`, unless it has expired.
    pub fn get(&self, key: &str) -> Option<Arc<Cached>> {
        self.get_at(key, None)
    }

    /// The answer stored under `key`, unless it has expired or is stale at
    /// `now`.
    fn get_at(&self, key: &str, now: Option<NaiveDateTime>) -> Option<Arc<Cached>> {
        if self.budget == 0 {
            return None;
        }
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.entries.get(key).filter(|c| c.serves_at(now)).cloned()
    }

    /// The answer stored under `key`, or the one `make` builds, kept for
    /// the next request when it fits. `make` runs outside the lock.
    pub fn get_or_make_for<E>(
        &self,
        key: &impl CacheKey,
        make: impl FnOnce() -> Result<Cached, E>,
    ) -> Result<Arc<Cached>, E> {
        self.get_or_make(key.cache_key(), None, make)
    }

    /// The same for an answer that may go stale with time (see
    /// [`Cached::valid_until`]), at `now` on the application's clock.
    pub fn get_or_make_at<E>(
        &self,
        key: &impl CacheKey,
        now: NaiveDateTime,
        make: impl FnOnce() -> Result<Cached, E>,
    ) -> Result<Arc<Cached>, E> {
        self.get_or_make(key.cache_key(), Some(now), make)
    }

    fn get_or_make<E>(
        &self,
        key: String,
        now: Option<NaiveDateTime>,
        make: impl FnOnce() -> Result<Cached, E>,
    ) -> Result<Arc<Cached>, E> {
        if let Some(hit) = self.get_at(&key, now) {
            return Ok(hit);
        }
        let made = Arc::new(make()?);
        self.put(key, made.clone());
        Ok(made)
    }

    fn put(&self, key: String, answer: Arc<Cached>) {
        let size = answer.body.len() + key.len();
        // One answer may not take more than an eighth of the budget.
        if size > self.budget / 8 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = inner.entries.insert(key.clone(), answer) {
            // An expired entry, or two requests that missed at once.
            inner.bytes -= old.body.len() + key.len();
            inner.order.retain(|k| *k != key);
        }
        inner.bytes += size;
        inner.order.push_back(key);
        while inner.bytes > self.budget {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(gone) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.body.len() + oldest.len();
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().unwrap().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn answer(n: usize) -> Result<Cached, ()> {
        Ok(Cached::new(Bytes::from(vec![b'x'; n])))
    }

    #[test]
    fn the_oldest_entries_leave_first_within_the_budget() {
        let cache = ResponseCache::new(1000);
        for k in 0..10 {
            cache
                .get_or_make(format!("k{k}"), None, || answer(98))
                .unwrap();
        }
        // 10 entries of 100 bytes (98 + a 2-byte key) fill 1000 bytes exactly.
        assert_eq!(cache.len(), 10);
        // A 3-byte key: 100 bytes again, so exactly one entry leaves.
        cache
            .get_or_make("k10".into(), None, || answer(97))
            .unwrap();
        assert_eq!(cache.len(), 10);
        assert!(cache.get("k0").is_none());
        assert!(cache.get("k1").is_some());
        assert!(cache.get("k10").is_some());
    }

    #[test]
    fn a_hit_does_not_make_again_and_a_miss_does() {
        let cache = ResponseCache::new(1 << 20);
        let first = cache.get_or_make("a".into(), None, || answer(10)).unwrap();
        let again = cache
            .get_or_make("a".into(), None, || -> Result<Cached, ()> {
                panic!("made twice")
            })
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let failed = cache.get_or_make("b".into(), None, || Err::<Cached, _>("no"));
        assert_eq!(failed.unwrap_err(), "no");
        assert!(cache.get("b").is_none());
    }

    #[test]
    fn a_zero_budget_or_an_oversized_answer_keeps_nothing() {
        let off = ResponseCache::new(0);
        let made = off.get_or_make("a".into(), None, || answer(10)).unwrap();
        assert_eq!(made.body.len(), 10);
        assert!(off.get("a").is_none());
        let small = ResponseCache::new(800);
        small
            .get_or_make("big".into(), None, || answer(101))
            .unwrap();
        assert!(small.get("big").is_none());
        small.get_or_make("ok".into(), None, || answer(98)).unwrap();
        assert!(small.get("ok").is_some());
    }

    #[test]
    fn an_answer_with_an_end_serves_until_then_and_only_to_who_knows_the_time() {
        let cache = ResponseCache::new(1 << 20);
        let t = |h| {
            chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        let timed = || -> Result<Cached, ()> { Ok(answer(10)?.valid_until(Some(t(10)))) };
        let first = cache.get_or_make("h".into(), Some(t(8)), timed).unwrap();
        let hit = cache.get_or_make("h".into(), Some(t(9)), timed).unwrap();
        assert!(Arc::ptr_eq(&first, &hit), "before its end: a hit");
        let after = cache.get_or_make("h".into(), Some(t(10)), timed).unwrap();
        assert!(!Arc::ptr_eq(&first, &after), "at its end: made again");
        assert!(
            cache.get("h").is_none(),
            "stale to a caller without the time"
        );
        assert!(cache.get_at("h", Some(t(9))).is_some());
    }

    #[test]
    fn storing_a_key_again_counts_its_bytes_once() {
        let cache = ResponseCache::new(1000);
        let key = "k".to_string();
        for _ in 0..20 {
            cache.put(key.clone(), Arc::new(answer(99).unwrap()));
        }
        assert_eq!(cache.inner.lock().unwrap().bytes, 100);
        assert_eq!(cache.inner.lock().unwrap().order.len(), 1);
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_stars() {
        let etag = Cached::new(Bytes::from_static(b"{}")).etag;
        assert!(etag.starts_with("W/\"") && etag.len() == 3 + 32 + 1);
        let bare = etag.trim_start_matches("W/").to_string();
        for (header, expected) in [
            (etag.clone(), true),
            (bare, true),
            (format!("W/\"0000\", {etag}"), true),
            ("*".to_string(), true),
            ("W/\"0000\"".to_string(), false),
            (String::new(), false),
        ] {
            let req = TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, header.as_str()))
                .to_http_request();
            assert_eq!(matches(&req, &etag), expected, "{header}");
        }
        assert!(!matches(&TestRequest::default().to_http_request(), &etag));
    }
}
