//! Every query of the programmes area.

use diesel::prelude::*;

use crate::db::{DbConnection, MultiBackend};
use crate::schema::{cohorts, memberships, programmes};
use crate::vocab::{CohortStatus, ProgrammeId, UserId};

use super::rows::{Programme, ProgrammeChanges};

pub fn find(conn: &mut DbConnection, id: ProgrammeId) -> QueryResult<Option<Programme>> {
    programmes::table
        .find(id)
        .select(Programme::as_select())
        .first(conn)
        .optional()
}

/// Which programmes a caller may see (the rule is the service's).
#[derive(Debug, Clone, Copy)]
pub enum Visible {
    /// Every programme.
    All,
    /// Those with a catalogue cohort.
    Catalogue,
    /// Those with a catalogue cohort or a cohort this user belongs to.
    CatalogueOrMemberOf(UserId),
}

type BoxedProgrammes<'a> = programmes::BoxedQuery<'a, MultiBackend>;

fn visible_programmes<'a>(visible: Visible) -> BoxedProgrammes<'a> {
    let query = programmes::table.into_boxed();
    let catalogue = || {
        cohorts::table
            .filter(cohorts::status.eq_any(CohortStatus::CATALOGUE))
            .select(cohorts::programme_id)
    };
    match visible {
        Visible::All => query,
        Visible::Catalogue => query.filter(programmes::id.eq_any(catalogue())),
        Visible::CatalogueOrMemberOf(user) => {
            let mine = cohorts::table
                .inner_join(memberships::table)
                .filter(memberships::user_id.eq(user))
                .select(cohorts::programme_id);
            query.filter(
                programmes::id
                    .eq_any(catalogue())
                    .or(programmes::id.eq_any(mine)),
            )
        }
    }
}

/// One page of the visible programmes, by id, after `after`; `limit + 1`
/// rows so the caller knows whether there is a next page.
pub fn page(
    conn: &mut DbConnection,
    visible: Visible,
    after: Option<ProgrammeId>,
    limit: i64,
) -> QueryResult<Vec<Programme>> {
    let mut query = visible_programmes(visible);
    if let Some(after) = after {
        query = query.filter(programmes::id.gt(after));
    }
    query
        .order(programmes::id.asc())
        .limit(limit + 1)
        .select(Programme::as_select())
        .load(conn)
}

/// The programme `id`, if visible.
pub fn find_visible(
    conn: &mut DbConnection,
    visible: Visible,
    id: ProgrammeId,
) -> QueryResult<Option<Programme>> {
    visible_programmes(visible)
        .filter(programmes::id.eq(id))
        .select(Programme::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &Programme) -> QueryResult<usize> {
    diesel::insert_into(programmes::table)
        .values(row)
        .execute(conn)
}

pub fn update(
    conn: &mut DbConnection,
    id: ProgrammeId,
    changes: &ProgrammeChanges,
) -> QueryResult<Programme> {
    diesel::update(programmes::table.find(id))
        .set(changes)
        .returning(<Programme as Selectable<MultiBackend>>::construct_selection())
        .get_result::<Programme>(conn)
}

pub fn has_cohorts(conn: &mut DbConnection, id: ProgrammeId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        cohorts::table.filter(cohorts::programme_id.eq(id)),
    ))
    .get_result(conn)
}

pub fn delete(conn: &mut DbConnection, id: ProgrammeId) -> QueryResult<usize> {
    diesel::delete(programmes::table.find(id)).execute(conn)
}
