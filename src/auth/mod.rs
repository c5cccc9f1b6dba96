//! Signing in: registration, login, token refresh and logout. Who is
//! calling is the `http::AuthUser` extractor; what they may do is `access`.

pub mod dto;
pub mod invitation_service;
pub mod queries;
pub mod refresh_service;
pub mod routes;
pub mod rows;
pub mod service;
pub mod throttle;
