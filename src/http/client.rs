//! [`ClientAddr`]: the address a request comes from, for per-client limits.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::error::AppError;
use crate::state::AppState;

/// The client's IP address: the connection's peer, or, when
/// `TRUST_FORWARDED_FOR` is set (behind a proxy that writes it), the
/// address the proxy reports. Untrusted, the header would let anyone
/// choose their own address and escape the limits.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl FromRequest for ClientAddr {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trust = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.settings.trust_forwarded_for);
        let info = req.connection_info();
        let addr = if trust {
            info.realip_remote_addr().map(|a| {
                a.parse::<std::net::SocketAddr>()
                    .map_or_else(|_| a.to_owned(), |s| s.ip().to_string())
            })
        } else {
            req.peer_addr().map(|a| a.ip().to_string())
        };
        ready(Ok(ClientAddr(addr.unwrap_or_else(|| "unknown".into()))))
    }
}
