//! Resumable uploads with the tus 1.0.0 protocol (core, creation,
//! termination, expiration), so that off-the-shelf clients (tus-js-client,
//! Uppy, TUSKit, tus-android-client, tuspy) can send a two-hour recording
//! over a connection that drops: `POST /api/v1/uploads` creates an upload
//! for a session, `HEAD` tells how much arrived, `PATCH` continues from
//! there. Each PATCH keeps what it received, even when cut short, as one
//! segment in the file store; the final PATCH turns the segments into a
//! material (type read from the bytes, SHA-256, same-bytes dedupe) and
//! answers its id in `Material-Id`.

pub mod queries;
pub mod routes;
pub mod rows;
pub mod service;

pub use rows::UploadId;
