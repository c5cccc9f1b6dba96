//! The use cases of materials that touch the database: who may do what,
//! and the rows. The bytes are moved by `upload` and the routes.

use chrono::NaiveDateTime;

use super::dto::{CreateLinkRequest, MaterialDto, VariantDto};
use super::queries;
use super::rows::{Material, MaterialId, MaterialKind};
use super::upload::Stored;
use crate::access::CohortAccess;
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Msg};
use crate::http::AuthUser;
use crate::sessions::session_for;
use crate::vocab::SessionId;

/// Checks, before a byte is read, that the caller may add materials to the
/// session (staff, the cohort's trainers).
pub fn require_upload_right(
    conn: &mut DbConnection,
    auth: &AuthUser,
    session: SessionId,
) -> Result<(), AppError> {
    let actor = crate::users::actor(conn, auth)?;
    session_for(conn, &actor, session, CohortAccess::can_manage_materials)?;
    Ok(())
}

/// A stored file becomes a material. If the session already has a file
/// with the same bytes, that one is answered instead (`false`: nothing
/// created) and the caller drops the new copy.
pub fn record_file(
    conn: &mut DbConnection,
    auth: &AuthUser,
    session: SessionId,
    title: String,
    kind: MaterialKind,
    file_name: String,
    stored: &Stored,
    now: NaiveDateTime,
) -> Result<(MaterialDto, bool), AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let row = Material {
        id: MaterialId(stored.id),
        session_id: session,
        parent_id: None,
        title,
        kind,
        url: None,
        file_name: Some(file_name),
        content_type: Some(stored.content_type.to_owned()),
        size_bytes: Some(stored.size as i64),
        sha256: Some(stored.sha256.clone()),
        storage_key: Some(stored.key.clone()),
        uploaded_by: actor.id,
        created_at: now,
    };
    let inserted = write_tx(conn, |conn| {
        // The right is read again: it may have been taken away during a
        // long upload.
        session_for(conn, &actor, session, CohortAccess::can_manage_materials)?;
        if let Some(existing) = queries::same_bytes(conn, session, &stored.sha256)? {
            return Ok(Some(existing));
        }
        queries::insert(conn, &row)?;
        Ok::<_, AppError>(None)
    });
    match inserted {
        Ok(None) => Ok((row.into(), true)),
        Ok(Some(existing)) => Ok((existing.into(), false)),
        // The same bytes committed by a parallel upload in between.
        Err(AppError::Conflict(msg)) => match queries::same_bytes(conn, session, &stored.sha256)? {
            Some(existing) => Ok((existing.into(), false)),
            None => Err(AppError::Conflict(msg)),
        },
        Err(e) => Err(e),
    }
}

/// A link as a material (staff, the cohort's trainers).
pub fn create_link(
    conn: &mut DbConnection,
    auth: &AuthUser,
    session: SessionId,
    body: CreateLinkRequest,
    now: NaiveDateTime,
) -> Result<MaterialDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let row = Material {
        id: MaterialId::new(),
        session_id: session,
        parent_id: None,
        title: body.title.trim().to_owned(),
        kind: MaterialKind::Link,
        url: Some(body.url),
        file_name: None,
        content_type: None,
        size_bytes: None,
        sha256: None,
        storage_key: None,
        uploaded_by: actor.id,
        created_at: now,
    };
    write_tx(conn, |conn| {
        session_for(conn, &actor, session, CohortAccess::can_manage_materials)?;
        queries::insert(conn, &row)?;
        Ok::<_, AppError>(())
    })?;
    Ok(row.into())
}

/// The materials of a session, oldest first (staff and admitted members).
pub fn list(
    conn: &mut DbConnection,
    auth: &AuthUser,
    session: SessionId,
) -> Result<Vec<MaterialDto>, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    session_for(conn, &actor, session, CohortAccess::can_see_materials)?;
    let rows = queries::of_session(conn, session)?;
    let ids: Vec<MaterialId> = rows.iter().map(|m| m.id).collect();
    let mut variants = queries::variants_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                variants.drain(..).partition(|v| v.parent_id == Some(m.id));
            variants = rest;
            MaterialDto::with_variants(m, mine)
        })
        .collect())
}

/// A material the caller may read, or 404 (403 to insiders without the
/// right).
fn material_for(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: MaterialId,
    rule: impl Fn(&CohortAccess) -> bool,
) -> Result<Material, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (material, cohort, membership) =
        queries::with_cohort(conn, actor.id, id)?.ok_or(AppError::NotFound)?;
    let access = cohort.access_of(Some(&actor), membership);
    access.require(rule(&access))?;
    Ok(material)
}

/// Checks, before a byte is read, that the caller may attach a variant to
/// `parent` (staff, the cohort's trainers) and that it takes one (a file,
/// not a link nor a variant); answers its kind, which the variant keeps.
pub fn require_variant_right(
    conn: &mut DbConnection,
    auth: &AuthUser,
    parent: MaterialId,
) -> Result<MaterialKind, AppError> {
    Ok(variant_parent(conn, auth, parent)?.kind)
}

/// The material a variant may be attached to, for this caller.
fn variant_parent(
    conn: &mut DbConnection,
    auth: &AuthUser,
    parent: MaterialId,
) -> Result<Material, AppError> {
    let material = material_for(conn, auth, parent, CohortAccess::can_manage_materials)?;
    if material.kind == MaterialKind::Link || material.parent_id.is_some() {
        return Err(AppError::Conflict(Msg::NoVariantHere));
    }
    Ok(material)
}

/// A stored file becomes a variant of `parent`.
pub fn record_variant(
    conn: &mut DbConnection,
    auth: &AuthUser,
    parent: MaterialId,
    title: String,
    file_name: String,
    stored: &Stored,
    now: NaiveDateTime,
) -> Result<VariantDto, AppError> {
    write_tx(conn, |conn| {
        // The right is read again: it may have gone during the upload.
        let parent = variant_parent(conn, auth, parent)?;
        let row = Material {
            id: MaterialId(stored.id),
            session_id: parent.session_id,
            parent_id: Some(parent.id),
            title,
            kind: parent.kind,
            url: None,
            file_name: Some(file_name),
            content_type: Some(stored.content_type.to_owned()),
            size_bytes: Some(stored.size as i64),
            sha256: Some(stored.sha256.clone()),
            storage_key: Some(stored.key.clone()),
            uploaded_by: auth.id,
            created_at: now,
        };
        queries::insert(conn, &row)?;
        Ok(row.into())
    })
}

/// The material to download (staff and admitted members).
pub fn for_download(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: MaterialId,
) -> Result<Material, AppError> {
    material_for(conn, auth, id, CohortAccess::can_see_materials)
}

/// Deletes a material (staff, the cohort's trainers); answers the storage
/// keys whose bytes must go.
pub fn delete(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: MaterialId,
) -> Result<Vec<String>, AppError> {
    write_tx(conn, |conn| {
        material_for(conn, auth, id, CohortAccess::can_manage_materials)?;
        Ok(queries::delete(conn, id)?)
    })
}

/// Which of `keys` are still named by a material or an upload segment (in
/// batches, for housekeeping's sweep of orphaned bytes).
pub fn known_keys(
    conn: &mut DbConnection,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, AppError> {
    let mut known = std::collections::HashSet::new();
    for batch in keys.chunks(500) {
        known.extend(queries::known_keys(conn, batch)?);
    }
    Ok(known)
}
