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

/// Raw bytes as a body, for the document: a file's content, a tus PATCH, a
/// CSV import.
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for FileBytes {}
