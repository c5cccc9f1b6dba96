//! `AuthUser`: the verified caller, from `Authorization: Bearer <jwt>`. It
//! checks only the token; handlers that need the account's current state
//! load an [`Actor`](crate::access::Actor).

use std::future::{ready, Ready};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use crate::error::{AppError, Msg};
use crate::state::AppState;
use crate::vocab::LoginSessionId;
use crate::vocab::UserId;

#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub id: UserId,
    pub session: LoginSessionId,
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

pub fn authenticate(req: &HttpRequest) -> Result<AuthUser, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("app state missing".into()))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(AppError::Unauthorized(Msg::MissingToken))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthorized(Msg::InvalidToken))?;
    let (id, session) = state.jwt.verify(token, state.clock.now().timestamp())?;
    Ok(AuthUser {
        id,
        session: LoginSessionId(session),
    })
}

/// For endpoints open to everyone that show more to signed-in users: no
/// `Authorization` header means anonymous, but a bad token is still a 401
/// (a client should learn its token expired, not silently see less).
#[derive(Debug, Clone, Copy)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequest for MaybeAuthUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if req.headers().contains_key(header::AUTHORIZATION) {
            ready(authenticate(req).map(|a| MaybeAuthUser(Some(a))))
        } else {
            ready(Ok(MaybeAuthUser(None)))
        }
    }
}
