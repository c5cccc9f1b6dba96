//! Signing in: registration, login, token refresh and logout. Who is
//! calling is the `http::AuthUser` extractor; what they may do is `access`.

pub mod refresh;
pub mod routes;
pub mod throttle;
