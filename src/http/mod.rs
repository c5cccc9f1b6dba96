//! What every handler shares at the HTTP edge: the JSON body and query
//! extractors that answer in problem+json, and the caller's identity from
//! the access token. No area is imported here.

pub mod auth;
pub mod client;
pub mod deadline;
pub mod extract;

pub use auth::{AuthUser, MaybeAuthUser};
pub use client::ClientAddr;
pub use extract::{
    control_free, parse_json, path_config, query_config, query_with_control, Json, OptionalJson,
};
