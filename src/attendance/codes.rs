//! Self check-in codes, TOTP-style: six digits from an HMAC of a window key
//! and the time step. The window key derives from a server key (itself from
//! `JWT_SECRET`, shared by every process), the session and the instant the
//! window opened, so any process computes the same code and none is stored.
//! The code of the previous step is still accepted, for slow phones.

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length; this cannot fail.
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// The server-wide key for check-in codes.
pub fn server_key(secret: &Secret) -> [u8; 32] {
    mac(secret.expose().as_bytes(), &[b"griot check-in codes v1"])
}

/// The key of one check-in window.
pub fn window_key(server_key: &[u8; 32], session: &str, opened_at: NaiveDateTime) -> [u8; 32] {
    let micros = opened_at.and_utc().timestamp_micros().to_be_bytes();
    mac(server_key, &[session.as_bytes(), b"|", &micros])
}

pub fn step(now: DateTime<Utc>, rotate_seconds: i32) -> i64 {
    now.timestamp().div_euclid(i64::from(rotate_seconds.max(1)))
}

/// The six-digit code of a time step (RFC 4226 dynamic truncation).
pub fn code_at(key: &[u8; 32], step: i64) -> String {
    let h = mac(key, &[&step.to_be_bytes()]);
    let offset = usize::from(h[31] & 0x0f);
    let bin = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    format!("{:06}", bin % 1_000_000)
}

/// When the code of `step` stops being the current one.
pub fn step_ends(step: i64, rotate_seconds: i32) -> DateTime<Utc> {
    DateTime::from_timestamp((step + 1) * i64::from(rotate_seconds), 0).unwrap_or_default()
}

/// True if `code` is the current code or the one just before it.
pub fn accepts(key: &[u8; 32], now: DateTime<Utc>, rotate_seconds: i32, code: &str) -> bool {
    let current = step(now, rotate_seconds);
    [current, current - 1]
        .iter()
        .any(|s| constant_time_eq(code_at(key, *s).as_bytes(), code.trim().as_bytes()))
}

/// True if `code` is the code of one of `steps`: a replayed scan, whose
/// phone clock may have drifted, is checked against every step near it.
pub fn accepts_any(key: &[u8; 32], steps: std::ops::RangeInclusive<i64>, code: &str) -> bool {
    // Every step is compared, so the time does not tell which one matched.
    steps.fold(false, |found, s| {
        found | constant_time_eq(code_at(key, s).as_bytes(), code.trim().as_bytes())
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn key() -> [u8; 32] {
        let server = server_key(&Secret::new("s".repeat(40)));
        let opened = Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .unwrap()
            .naive_utc();
        window_key(&server, "019c0000-0000-7000-8000-000000000001", opened)
    }

    #[test]
    fn codes_have_six_digits_and_rotate() {
        let k = key();
        let a = code_at(&k, 100);
        let b = code_at(&k, 101);
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|c| c.is_ascii_digit()));
        assert_ne!(a, b);
        assert_eq!(a, code_at(&k, 100), "deterministic");
    }

    #[test]
    fn the_previous_code_is_accepted_but_not_older_ones() {
        let k = key();
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let code = code_at(&k, step(t0, 20));
        assert!(accepts(&k, t0, 20, &code));
        assert!(accepts(&k, t0 + chrono::Duration::seconds(20), 20, &code));
        assert!(!accepts(&k, t0 + chrono::Duration::seconds(40), 20, &code));
        assert!(!accepts(&k, t0, 20, "12345"));
    }

    #[test]
    fn windows_of_other_sessions_or_openings_have_other_codes() {
        let server = server_key(&Secret::new("s".repeat(40)));
        let t = Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .unwrap()
            .naive_utc();
        let a = window_key(&server, "a", t);
        let b = window_key(&server, "b", t);
        let c = window_key(&server, "a", t + chrono::Duration::seconds(1));
        let codes: Vec<String> = [a, b, c].iter().map(|k| code_at(k, 7)).collect();
        assert_ne!(codes[0], codes[1]);
        assert_ne!(codes[0], codes[2]);
    }
}
