//! Every diesel call of materials.

use diesel::prelude::*;

use super::rows::{Material, MaterialId};
use crate::access::Membership;
use crate::cohorts::Cohort;
use crate::db::DbConnection;
use crate::schema::{cohorts, materials, memberships, sessions};
use crate::vocab::{SessionId, UserId};

/// Inserts a material; a second copy of the same bytes in one session
/// breaks `materials_same_bytes_idx` (see `service::record_file`).
pub fn insert(conn: &mut DbConnection, row: &Material) -> QueryResult<()> {
    diesel::insert_into(materials::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The materials of a live session, oldest first.
pub fn of_session(conn: &mut DbConnection, session: SessionId) -> QueryResult<Vec<Material>> {
    materials::table
        .filter(materials::session_id.eq(session))
        .filter(materials::parent_id.is_null())
        .order((materials::created_at.asc(), materials::id.asc()))
        .select(Material::as_select())
        .load(conn)
}

/// The variants of these materials, oldest first.
pub fn variants_of(conn: &mut DbConnection, parents: &[MaterialId]) -> QueryResult<Vec<Material>> {
    materials::table
        .filter(materials::parent_id.eq_any(parents))
        .order((materials::created_at.asc(), materials::id.asc()))
        .select(Material::as_select())
        .load(conn)
}

/// A material of a live session, its cohort and `user`'s membership of
/// it, in one round trip.
pub fn with_cohort(
    conn: &mut DbConnection,
    user: UserId,
    id: MaterialId,
) -> QueryResult<Option<(Material, Cohort, Option<Membership>)>> {
    materials::table
        .inner_join(sessions::table.inner_join(cohorts::table))
        .left_join(
            memberships::table.on(memberships::cohort_id
                .eq(sessions::cohort_id)
                .and(memberships::user_id.eq(user))),
        )
        .filter(materials::id.eq(id))
        .filter(sessions::deleted_at.is_null())
        .select((
            Material::as_select(),
            Cohort::as_select(),
            (memberships::role, memberships::status).nullable(),
        ))
        .first(conn)
        .optional()
}

/// The file of `session` with these bytes, if there is one.
pub fn same_bytes(
    conn: &mut DbConnection,
    session: SessionId,
    sha256: &str,
) -> QueryResult<Option<Material>> {
    materials::table
        .filter(materials::session_id.eq(session))
        .filter(materials::sha256.eq(sha256))
        .filter(materials::parent_id.is_null())
        .select(Material::as_select())
        .first(conn)
        .optional()
}

/// Deletes a material (and, by cascade, its variants); the storage keys of
/// every deleted row are returned so their bytes can go too.
pub fn delete(conn: &mut DbConnection, id: MaterialId) -> QueryResult<Vec<String>> {
    let keys: Vec<Option<String>> = materials::table
        .filter(materials::id.eq(id).or(materials::parent_id.eq(id)))
        .select(materials::storage_key)
        .load(conn)?;
    diesel::delete(materials::table.filter(materials::parent_id.eq(id))).execute(conn)?;
    diesel::delete(materials::table.find(id)).execute(conn)?;
    Ok(keys.into_iter().flatten().collect())
}

/// Which of `keys` a material or an upload segment still names.
pub fn known_keys(conn: &mut DbConnection, keys: &[String]) -> QueryResult<Vec<String>> {
    use crate::schema::upload_segments;
    let mut known: Vec<Option<String>> = materials::table
        .filter(materials::storage_key.eq_any(keys))
        .select(materials::storage_key)
        .load(conn)?;
    let segments: Vec<String> = upload_segments::table
        .filter(upload_segments::storage_key.eq_any(keys))
        .select(upload_segments::storage_key)
        .load(conn)?;
    known.extend(segments.into_iter().map(Some));
    Ok(known.into_iter().flatten().collect())
}
