//! Every diesel call of resumable uploads.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{Segment, Upload, UploadId};
use crate::db::DbConnection;
use crate::materials::MaterialId;
use crate::schema::{upload_segments, uploads};

pub fn insert(conn: &mut DbConnection, row: &Upload) -> QueryResult<()> {
    diesel::insert_into(uploads::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: UploadId) -> QueryResult<Option<Upload>> {
    uploads::table
        .find(id)
        .select(Upload::as_select())
        .first(conn)
        .optional()
}

/// Moves the offset from `from` to `to` if it is still `from` and the
/// PATCH still holds the lease (`token`): a PATCH a newer one took over
/// from stores nothing.
pub fn advance(
    conn: &mut DbConnection,
    id: UploadId,
    from: i64,
    to: i64,
    token: &str,
) -> QueryResult<bool> {
    diesel::update(
        uploads::table
            .find(id)
            .filter(uploads::upload_offset.eq(from))
            .filter(uploads::length.ge(to))
            .filter(uploads::patch_lease.eq(token)),
    )
    .set(uploads::upload_offset.eq(to))
    .execute(conn)
    .map(|n| n == 1)
}

/// Takes the PATCH lease of an unfinished upload whose offset is still
/// `offset`, from whoever holds it: the newest PATCH wins, as in tusd (the
/// client has given up on an older one, whose connection may be dead
/// without the server knowing). The one statement that decides which PATCH
/// may store its bytes.
pub fn take_lease(
    conn: &mut DbConnection,
    id: UploadId,
    offset: i64,
    token: &str,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        uploads::table
            .find(id)
            .filter(uploads::upload_offset.eq(offset))
            .filter(uploads::upload_offset.lt(uploads::length))
            .filter(uploads::material_id.is_null()),
    )
    .set((
        uploads::patch_lease.eq(token),
        uploads::patch_lease_until.eq(until),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Takes the lease of a complete upload without its material, to make it,
/// only if nobody holds it (or its holder let it lapse): two requests never
/// assemble one upload at once.
pub fn take_free_lease(
    conn: &mut DbConnection,
    id: UploadId,
    token: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        uploads::table
            .find(id)
            .filter(uploads::upload_offset.eq(uploads::length))
            .filter(uploads::material_id.is_null())
            .filter(
                uploads::patch_lease
                    .is_null()
                    .or(uploads::patch_lease_until.lt(now)),
            ),
    )
    .set((
        uploads::patch_lease.eq(token),
        uploads::patch_lease_until.eq(until),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Extends a lease its holder still has; `false` if it lapsed and was taken.
pub fn renew_lease(
    conn: &mut DbConnection,
    id: UploadId,
    token: &str,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        uploads::table
            .find(id)
            .filter(uploads::patch_lease.eq(token)),
    )
    .set(uploads::patch_lease_until.eq(until))
    .execute(conn)
    .map(|n| n == 1)
}

/// Gives a lease back, if it is still this holder's.
pub fn release_lease(conn: &mut DbConnection, id: UploadId, token: &str) -> QueryResult<()> {
    diesel::update(
        uploads::table
            .find(id)
            .filter(uploads::patch_lease.eq(token)),
    )
    .set((
        uploads::patch_lease.eq(None::<String>),
        uploads::patch_lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .map(|_| ())
}

pub fn insert_segment(conn: &mut DbConnection, row: &Segment) -> QueryResult<()> {
    diesel::insert_into(upload_segments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The segments of an upload, in order.
pub fn segments(conn: &mut DbConnection, id: UploadId) -> QueryResult<Vec<Segment>> {
    upload_segments::table
        .filter(upload_segments::upload_id.eq(id))
        .order(upload_segments::start_offset.asc())
        .select(Segment::as_select())
        .load(conn)
}

/// The upload became `material`; its segments are forgotten (their keys
/// are returned so their bytes can go).
pub fn complete(
    conn: &mut DbConnection,
    id: UploadId,
    material: MaterialId,
) -> QueryResult<Vec<String>> {
    let keys = segment_keys(conn, &[id])?;
    diesel::delete(upload_segments::table.filter(upload_segments::upload_id.eq(id)))
        .execute(conn)?;
    diesel::update(uploads::table.find(id))
        .set(uploads::material_id.eq(Some(material)))
        .execute(conn)?;
    Ok(keys)
}

fn segment_keys(conn: &mut DbConnection, ids: &[UploadId]) -> QueryResult<Vec<String>> {
    upload_segments::table
        .filter(upload_segments::upload_id.eq_any(ids))
        .select(upload_segments::storage_key)
        .load(conn)
}

/// Deletes uploads and their segments; answers the segments' keys.
pub fn delete(conn: &mut DbConnection, ids: &[UploadId]) -> QueryResult<Vec<String>> {
    let keys = segment_keys(conn, ids)?;
    diesel::delete(upload_segments::table.filter(upload_segments::upload_id.eq_any(ids)))
        .execute(conn)?;
    diesel::delete(uploads::table.filter(uploads::id.eq_any(ids))).execute(conn)?;
    Ok(keys)
}

/// Uploads past their expiry, at most `limit`.
pub fn expired(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<UploadId>> {
    uploads::table
        .filter(uploads::expires_at.lt(now))
        .order(uploads::expires_at.asc())
        .limit(limit)
        .select(uploads::id)
        .load(conn)
}
