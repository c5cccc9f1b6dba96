//! `GET /sync`: what changed that the caller may see since their token.
//!
//! With no token, a first sync lists everything the caller keeps on their
//! phone, page by page, and its last token is the log's position from
//! before the first page (so what changed meanwhile comes again, once).
//! With a token, the log is read from there. Each change is resolved
//! against the rows as they are now and the caller's memberships as they
//! are now: what is gone, or no longer theirs to see, is a `delete`.
//!
//! The phone keeps: its memberships and their cohorts; the sessions,
//! materials (not their variants) and assignments of the cohorts it is an
//! active or completed member of; its own attendance records and
//! submissions. Staff read the lists; `/sync` is the members' view.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::dto::{Change, ChangeOp, ChangeType, SyncMembership, SyncPage};
use super::queries::{self as q, LogRow};
use crate::attendance::dto::AttendanceDto;
use crate::casework::dto::{AssignmentDto, SubmissionDto};
use crate::cohorts::dto::CohortDto;
use crate::cohorts::members::Membership;
use crate::cohorts::Cohort;
use crate::db::DbConnection;
use crate::error::{AppError, Issue, Msg};
use crate::http::AuthUser;
use crate::materials::dto::MaterialDto;
use crate::pagination::{decode_cursor, encode_cursor};
use crate::sessions::dto::SessionDto;
use crate::vocab::{CohortId, UserId};

pub const DEFAULT_LIMIT: i64 = 200;
pub const MAX_LIMIT: i64 = 500;

/// What a `since` token holds.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Token {
    /// Where the log stood: SQLite's last `seq`, PostgreSQL's snapshot.
    b: String,
    /// PostgreSQL, between pages of one round: the snapshot read up to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    u: Option<String>,
    /// Between pages of one round: the last `(pos, seq)` read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<(i64, i64)>,
    /// A first sync under way: the kind reached and the last id listed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    f: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    a: Option<String>,
}

fn bad_token() -> AppError {
    AppError::field("since", Issue::Invalid)
}

/// A position this backend wrote: a `seq`, or a snapshot's text
/// (`xmin:xmax:xip,…` with `0 < xmin ≤ xmax` and the in-progress ids
/// ascending within `[xmin, xmax)`, as PostgreSQL reads it; anything else
/// would be a database error, not a 422).
fn check_position(postgres: bool, p: &str) -> Result<(), AppError> {
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let ok = if postgres {
        let parts: Vec<&str> = p.split(':').collect();
        match (parts.as_slice(), p.len() <= 400) {
            ([xmin, xmax, xip], true) => match (number(xmin), number(xmax)) {
                (Some(lo), Some(hi)) if lo >= 1 && lo <= hi => {
                    let ids: Option<Vec<u64>> = if xip.is_empty() {
                        Some(Vec::new())
                    } else {
                        xip.split(',').map(number).collect()
                    };
                    ids.is_some_and(|ids| {
                        ids.windows(2).all(|w| w[0] < w[1])
                            && ids.iter().all(|x| (lo..hi).contains(x))
                    })
                }
                _ => false,
            },
            _ => false,
        }
    } else {
        p.parse::<i64>().is_ok_and(|n| n >= 0)
    };
    if ok {
        Ok(())
    } else {
        Err(bad_token())
    }
}

fn read_token(postgres: bool, since: Option<&str>) -> Result<Option<Token>, AppError> {
    let Some(raw) = since.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let token: Token = decode_cursor(raw).map_err(|_| bad_token())?;
    check_position(postgres, &token.b)?;
    if let Some(u) = &token.u {
        check_position(postgres, u)?;
    }
    if token
        .k
        .is_some_and(|k| k >= ChangeType::FIRST_SYNC_ORDER.len())
    {
        return Err(bad_token());
    }
    Ok(Some(token))
}

/// Where a token's unread rows start: on SQLite its last `seq`; on
/// PostgreSQL its snapshot's oldest running transaction.
fn read_from(postgres: bool, position: &str) -> Result<i64, AppError> {
    if postgres {
        position.split(':').next().and_then(|x| x.parse().ok())
    } else {
        position.parse().ok()
    }
    .ok_or_else(bad_token)
}

/// Whether rows a token has not read yet may have been pruned.
fn expired(read_from: i64, pruned_below: i64) -> bool {
    read_from < pruned_below
}

/// The caller's memberships, and the cohorts they may see.
struct Reach {
    me: UserId,
    full_name: String,
    memberships: Vec<Membership>,
    cohorts: HashMap<CohortId, Cohort>,
    /// Cohorts whose content the caller sees.
    content: Vec<CohortId>,
}

impl Reach {
    /// For `me`, whose rights were read already.
    fn load(conn: &mut DbConnection, me: UserId) -> Result<Reach, AppError> {
        let user = crate::users::find(conn, me)?.ok_or(AppError::NotFound)?;
        let memberships = q::memberships_of(conn, me)?;
        let seen: Vec<CohortId> = memberships
            .iter()
            .filter(|m| q::sees_cohort(m.status))
            .map(|m| m.cohort_id)
            .collect();
        let content = memberships
            .iter()
            .filter(|m| q::sees_content(m.status))
            .map(|m| m.cohort_id)
            .collect();
        let cohorts = q::cohorts_by_id(conn, &seen)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        Ok(Reach {
            me,
            full_name: user.full_name,
            memberships,
            cohorts,
            content,
        })
    }

    fn timezone(&self, cohort: CohortId) -> &str {
        self.cohorts
            .get(&cohort)
            .map_or("Africa/Abidjan", |c| c.timezone.as_str())
    }

    /// The current things of `kind` the caller sees: those with ids in
    /// `ids` (all when `None`), after `after`, by id, `(id, data)`.
    fn things(
        &self,
        conn: &mut DbConnection,
        kind: ChangeType,
        ids: Option<&[String]>,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, serde_json::Value)>, AppError> {
        let wanted = |id: &str| id > after && ids.is_none_or(|ids| ids.iter().any(|i| i == id));
        let json = |v: &dyn erased::Json| v.to_json();
        let out: Vec<(String, serde_json::Value)> = match kind {
            ChangeType::Membership => self
                .memberships
                .iter()
                .filter(|m| wanted(&m.cohort_id.to_string()))
                .take(limit as usize)
                .map(|m| (m.cohort_id.to_string(), json(&SyncMembership::from(m))))
                .collect(),
            ChangeType::Cohort => {
                let mut cohorts: Vec<&Cohort> = self
                    .cohorts
                    .values()
                    .filter(|c| wanted(&c.id.to_string()))
                    .collect();
                cohorts.sort_by_key(|c| c.id.to_string());
                cohorts
                    .into_iter()
                    .take(limit as usize)
                    .map(|c| (c.id.to_string(), json(&CohortDto::from(c.clone()))))
                    .collect()
            }
            ChangeType::Session => q::sessions_of(conn, &self.content, ids, after, limit)?
                .into_iter()
                .map(|s| {
                    let tz = self.timezone(s.cohort_id).to_owned();
                    (s.id.to_string(), json(&SessionDto::new(s, &tz)))
                })
                .collect(),
            ChangeType::Material => q::materials_of(conn, &self.content, ids, after, limit)?
                .into_iter()
                .map(|m| (m.id.to_string(), json(&MaterialDto::from(m))))
                .collect(),
            ChangeType::Assignment => q::assignments_of(conn, &self.content, ids, after, limit)?
                .into_iter()
                .map(|(a, cohort)| (a.id.to_string(), json(&AssignmentDto::new(a, cohort))))
                .collect(),
            ChangeType::Attendance => {
                q::attendance_of(conn, self.me, &self.content, ids, after, limit)?
                    .into_iter()
                    .map(|a| (a.session_id.to_string(), json(&AttendanceDto::from(a))))
                    .collect()
            }
            ChangeType::Submission => {
                q::submissions_of(conn, self.me, &self.content, ids, after, limit)?
                    .into_iter()
                    .map(|s| {
                        let dto = SubmissionDto::new(s, self.full_name.clone());
                        (dto.id.to_string(), json(&dto))
                    })
                    .collect()
            }
        };
        Ok(out)
    }
}

/// Serialising the DTOs of several areas through one closure.
mod erased {
    pub trait Json {
        fn to_json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}

/// One page of what changed since `since` (everything when `None`).
pub fn sync(
    conn: &mut DbConnection,
    auth: &AuthUser,
    since: Option<&str>,
    limit: Option<i64>,
) -> Result<SyncPage, AppError> {
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return Err(AppError::field(
                "limit",
                Issue::Range {
                    min: Some(1.0),
                    max: Some(MAX_LIMIT as f64),
                },
            ))
        }
    };
    let postgres = conn.is_postgres();
    let token = read_token(postgres, since)?;
    // A re-sync on PostgreSQL reads the caller's rights and the horizon
    // with the log (`log_sync`).
    let token = match token {
        Some(t) if postgres && !t.f => return log_sync(conn, auth, t, postgres, limit),
        other => other,
    };
    let me = crate::users::actor(conn, auth)?.id;
    if let Some(t) = token.as_ref() {
        if expired(read_from(postgres, &t.b)?, q::pruned_below(conn)?) {
            return Err(AppError::Gone(Msg::SyncTokenExpired));
        }
    }
    match token {
        None => {
            let base = q::position_now(conn)?;
            let reach = Reach::load(conn, me)?;
            first_sync(conn, &reach, base, 0, String::new(), limit)
        }
        Some(t) if t.f => {
            let reach = Reach::load(conn, me)?;
            let (kind, after) = (t.k.unwrap_or(0), t.a.unwrap_or_default());
            first_sync(conn, &reach, t.b, kind, after, limit)
        }
        // The log is read first: an unchanged re-sync, the common case,
        // costs the caller's rights, the horizon and one read of the log
        // (on PostgreSQL, one call for the three).
        Some(t) => log_sync(conn, auth, t, postgres, limit),
    }
}

fn first_sync(
    conn: &mut DbConnection,
    reach: &Reach,
    base: String,
    mut kind: usize,
    mut after: String,
    limit: i64,
) -> Result<SyncPage, AppError> {
    let mut changes = Vec::new();
    while kind < ChangeType::FIRST_SYNC_ORDER.len() {
        let remaining = limit - changes.len() as i64;
        let t = ChangeType::FIRST_SYNC_ORDER[kind];
        let things = reach.things(conn, t, None, &after, remaining)?;
        let full = things.len() as i64 == remaining;
        if let Some((last, _)) = things.last() {
            after = last.clone();
        }
        changes.extend(things.into_iter().map(|(id, data)| Change {
            kind: t,
            id,
            op: ChangeOp::Upsert,
            data: Some(data),
        }));
        if full {
            let next = Token {
                b: base,
                f: true,
                k: Some(kind),
                a: Some(after),
                ..Token::default()
            };
            return Ok(SyncPage {
                changes,
                next: encode_cursor(&next),
                more: true,
            });
        }
        kind += 1;
        after = String::new();
    }
    Ok(SyncPage {
        changes,
        next: encode_cursor(&Token {
            b: base,
            ..Token::default()
        }),
        more: false,
    })
}

fn log_sync(
    conn: &mut DbConnection,
    auth: &AuthUser,
    token: Token,
    postgres: bool,
    limit: i64,
) -> Result<SyncPage, AppError> {
    let me = auth.id;
    let (rows, next, more) = if postgres {
        let after = token.c.unwrap_or((-1, -1));
        let (lower, upper) = (&token.b, token.u.as_deref());
        let read = q::changes_between(conn, me, auth.session, lower, upper, after, limit)?;
        if !read.allowed {
            return Err(AppError::Unauthorized(Msg::InvalidToken));
        }
        if expired(read_from(true, &token.b)?, read.horizon) {
            return Err(AppError::Gone(Msg::SyncTokenExpired));
        }
        let (rows, upper) = (read.rows, read.upper);
        if rows.len() as i64 == limit {
            let last = rows.last().map_or(after, |r| (r.pos, r.seq));
            let next = Token {
                b: token.b,
                u: Some(upper),
                c: Some(last),
                ..Token::default()
            };
            (rows, next, true)
        } else {
            (
                rows,
                Token {
                    b: upper,
                    ..Token::default()
                },
                false,
            )
        }
    } else {
        let after: i64 = token.b.parse().map_err(|_| bad_token())?;
        let rows = q::changes_after_seq(conn, me, after, limit)?;
        let last = rows.last().map_or(after, |r| r.seq);
        let more = rows.len() as i64 == limit;
        (
            rows,
            Token {
                b: last.to_string(),
                ..Token::default()
            },
            more,
        )
    };
    let changes = if rows.is_empty() {
        Vec::new()
    } else {
        let reach = Reach::load(conn, me)?;
        resolve(conn, &reach, &rows)?
    };
    Ok(SyncPage {
        changes,
        next: encode_cursor(&next),
        more,
    })
}

/// The log rows as changes against the rows as they are now: each thing
/// once, in the order it first changed; a membership change brings its
/// cohort along (seeing it may have come or gone with it).
fn resolve(
    conn: &mut DbConnection,
    reach: &Reach,
    rows: &[LogRow],
) -> Result<Vec<Change>, AppError> {
    let mut order: Vec<(ChangeType, String)> = Vec::new();
    let mut seen: HashSet<(ChangeType, String)> = HashSet::new();
    let mut push = |t: ChangeType, id: String| {
        if seen.insert((t, id.clone())) {
            order.push((t, id));
        }
    };
    for row in rows {
        let Some(t) = ChangeType::from_kind(&row.kind) else {
            continue;
        };
        push(t, row.entity_id.clone());
        if t == ChangeType::Membership {
            push(ChangeType::Cohort, row.entity_id.clone());
        }
    }
    let mut current: HashMap<(ChangeType, String), serde_json::Value> = HashMap::new();
    for t in ChangeType::FIRST_SYNC_ORDER {
        let ids: Vec<String> = order
            .iter()
            .filter(|(k, _)| *k == t)
            .map(|(_, id)| id.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        for (id, data) in reach.things(conn, t, Some(&ids), "", ids.len() as i64 * 4 + 1)? {
            current.insert((t, id), data);
        }
    }
    Ok(order
        .into_iter()
        .map(|(t, id)| match current.remove(&(t, id.clone())) {
            Some(data) => Change {
                kind: t,
                id,
                op: ChangeOp::Upsert,
                data: Some(data),
            },
            None => Change {
                kind: t,
                id,
                op: ChangeOp::Delete,
                data: None,
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positions_the_backend_could_have_written_are_read() {
        for good in ["5:5:", "5:9:5,7", "1:2:1"] {
            assert!(check_position(true, good).is_ok(), "{good}");
        }
        for bad in [
            "", "5:4:", "0:1:", "5:9:7,5", "5:9:9", "5:9:3", "a:b:", "5:9", "5:9:,",
        ] {
            assert!(check_position(true, bad).is_err(), "{bad}");
        }
        assert!(check_position(false, "12").is_ok());
        assert!(check_position(false, "-1").is_err());
        assert!(check_position(false, "5:5:").is_err());
    }
}
