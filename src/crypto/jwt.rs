//! Short-lived HS256 access tokens. Issuer, audience, algorithm and required
//! claims are checked by the library; expiry is checked here against the
//! injected clock.
//!
//! A process remembers the tokens it has verified (until they expire, at
//! most [`VERIFIED_CAPACITY`] of them): a client sends the same token with
//! every request for its whole life, and a hit skips two base64 decodes,
//! three JSON parses and the HMAC. The key is the whole token, signature
//! included, so only a byte-identical token hits.

use std::collections::HashMap;
use std::sync::Arc;

use jsonwebtoken::{
    decode, encode, errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::Secret;
use crate::error::{AppError, Msg};
use crate::vocab::UserId;

pub const ISSUER: &str = "griot";
pub const AUDIENCE: &str = "griot-api";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// The refresh-token family (login session) this token was issued for.
    pub sid: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// How many verified tokens a process keeps (about 400 bytes each); when
/// full, it starts again from empty.
pub const VERIFIED_CAPACITY: usize = 8192;

/// What a verified token says: its user, its session and its expiry.
type Verified = (UserId, Uuid, i64);

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_seconds: i64,
    verified: Arc<Mutex<HashMap<Box<str>, Verified>>>,
}

impl JwtKeys {
    pub fn new(secret: &Secret, ttl_seconds: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud", "jti"]);
        validation.validate_exp = false; // checked against our clock below
        validation.validate_nbf = false;
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
            ttl_seconds,
            verified: Arc::default(),
        }
    }

    pub fn issue(&self, user: UserId, session: Uuid, now: i64) -> Result<String, AppError> {
        let claims = Claims {
            sub: user.to_string(),
            sid: session.to_string(),
            jti: Uuid::now_v7().to_string(),
            iat: now,
            exp: now + self.ttl_seconds,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(format!("jwt encode: {e}")))
    }

    pub fn verify(&self, token: &str, now: i64) -> Result<(UserId, Uuid), AppError> {
        let known = self.verified.lock().get(token).copied();
        let (user, session, exp) = match known {
            Some(v) => v,
            None => {
                let v = self.decode(token)?;
                if v.2 > now {
                    let mut verified = self.verified.lock();
                    if verified.len() >= VERIFIED_CAPACITY {
                        verified.clear();
                    }
                    verified.insert(token.into(), v);
                }
                v
            }
        };
        if exp <= now {
            return Err(AppError::Unauthorized(Msg::ExpiredToken));
        }
        Ok((user, session))
    }

    /// The signature and claims checked by the library, without the cache.
    fn decode(&self, token: &str) -> Result<Verified, AppError> {
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => AppError::Unauthorized(Msg::ExpiredToken),
                    _ => AppError::Unauthorized(Msg::InvalidToken),
                }
            })?;
        let c = data.claims;
        let user = c
            .sub
            .parse()
            .map_err(|_| AppError::Unauthorized(Msg::InvalidToken))?;
        let session = c
            .sid
            .parse()
            .map_err(|_| AppError::Unauthorized(Msg::InvalidToken))?;
        Ok((user, session, c.exp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&Secret::new("k".repeat(40)), 900)
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let k = keys();
        let user = UserId::new();
        let sid = Uuid::now_v7();
        let t = k.issue(user, sid, 1_000).unwrap();
        assert_eq!(k.verify(&t, 1_000).unwrap(), (user, sid));
        assert_eq!(k.verify(&t, 1_899).unwrap().0, user);
        assert!(matches!(
            k.verify(&t, 1_900),
            Err(AppError::Unauthorized(Msg::ExpiredToken))
        ));
    }

    #[test]
    fn a_remembered_token_still_expires_and_a_changed_byte_is_still_checked() {
        let k = keys();
        let user = UserId::new();
        let t = k.issue(user, Uuid::now_v7(), 1_000).unwrap();
        assert_eq!(k.verify(&t, 1_000).unwrap().0, user);
        assert_eq!(k.verify(&t, 1_001).unwrap().0, user, "from memory");
        assert!(matches!(
            k.verify(&t, 1_900),
            Err(AppError::Unauthorized(Msg::ExpiredToken))
        ));
        // The same claims with another signature: not the remembered token.
        let (signed, sig) = t.rsplit_once('.').unwrap();
        let flipped = if sig.starts_with('A') { 'B' } else { 'A' };
        let forged = format!("{signed}.{flipped}{}", &sig[1..]);
        assert!(matches!(
            k.verify(&forged, 1_001),
            Err(AppError::Unauthorized(Msg::InvalidToken))
        ));
    }

    #[test]
    fn the_memory_of_verified_tokens_is_bounded() {
        let k = keys();
        for _ in 0..VERIFIED_CAPACITY + 10 {
            let t = k.issue(UserId::new(), Uuid::now_v7(), 1_000).unwrap();
            k.verify(&t, 1_000).unwrap();
        }
        assert!(k.verified.lock().len() <= VERIFIED_CAPACITY);
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = JwtKeys::new(&Secret::new("o".repeat(40)), 900);
        let t = other.issue(UserId::new(), Uuid::now_v7(), 1_000).unwrap();
        assert!(matches!(
            keys().verify(&t, 1_000),
            Err(AppError::Unauthorized(Msg::InvalidToken))
        ));
    }

    #[test]
    fn a_token_with_alg_none_is_refused() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = b64.encode(
            format!(
                r#"{{"sub":"{}","sid":"{}","jti":"x","iat":1000,"exp":99999,"iss":"griot","aud":"griot-api"}}"#,
                UserId::new(),
                Uuid::now_v7()
            )
            .as_bytes(),
        );
        let forged = format!("{header}.{body}.");
        assert!(keys().verify(&forged, 1_000).is_err());
    }
}
