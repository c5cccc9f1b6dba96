//! [`ClientAddr`]: the address a request comes from, for per-client limits.

use std::future::{ready, Ready};
use std::net::{IpAddr, SocketAddr};

use actix_web::{dev::Payload, http::header::HeaderMap, web, FromRequest, HttpRequest};

use crate::error::AppError;
use crate::state::AppState;

/// The client's IP address: the connection's peer, or, when
/// `TRUST_FORWARDED_FOR` is set (behind one proxy that appends the address
/// it sees to `X-Forwarded-For`, as nginx, HAProxy, Caddy and cloud load
/// balancers do), the last address of that header: the one the proxy
/// wrote. The addresses before it are whatever the client sent, so taking
/// the first would let anyone choose their own address and escape the
/// limits. Untrusted, the header is ignored for the same reason.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl FromRequest for ClientAddr {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trust = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.settings.trust_forwarded_for);
        let forwarded = if trust {
            last_forwarded(req.headers())
        } else {
            None
        };
        let addr = forwarded.or_else(|| req.peer_addr().map(|a| a.ip().to_string()));
        ready(Ok(ClientAddr(addr.unwrap_or_else(|| "unknown".into()))))
    }
}

/// The last address of the `X-Forwarded-For` lines (all of them, in
/// order), without a port; `None` when there is none that reads as one.
fn last_forwarded(headers: &HeaderMap) -> Option<String> {
    let last = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .last()?;
    let ip = last
        .parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|s| s.ip()))?;
    Some(ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for l in lines {
            map.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(l).unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_proxys_own_entry_is_the_last() {
        assert_eq!(
            last_forwarded(&headers(&["6.6.6.6, 203.0.113.7"])).as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(
            last_forwarded(&headers(&["6.6.6.6", "203.0.113.7:4711"])).as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(
            last_forwarded(&headers(&["[2001:db8::1]:80"])).as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(last_forwarded(&headers(&["unknown"])), None);
        assert_eq!(last_forwarded(&headers(&[])), None);
    }
}
