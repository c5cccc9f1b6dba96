//! Enrolling a cohort from a CSV file. The whole file is one transaction:
//! a real run with any error writes nothing, and a dry run runs the very
//! same steps and rolls them back, so its report is what a real run would
//! do. Learners take the free seats in file order; the rest are
//! waitlisted in file order (their `created_at` keeps it, one microsecond
//! apart), as applications are. New accounts have no password and get a
//! single-use invitation. An account the import did not create is only
//! enrolled: its sign-in link is never handed to the importer (who may be
//! anyone's staff), even when it has no password yet.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};

use super::dto::{ImportError, ImportItem, ImportReport, ImportStatus};
use super::import::{self, LineError};
use super::queries;
use super::rows::Membership;
use crate::access::CohortAccess;
use crate::auth::invitation_service;
use crate::cohorts::queries::seats_taken;
use crate::cohorts::service::cohort_for;
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, FieldError, Issue};
use crate::http::AuthUser;
use crate::i18n::Lang;
use crate::users::{self, Language, NewUser, ProfileType, UserId};
use crate::vocab::{CohortId, MemberRole, MemberStatus};

/// What an import needs besides the file.
pub struct ImportOptions {
    pub dry_run: bool,
    pub max_rows: usize,
    pub invitation_days: i64,
    /// `PUBLIC_BASE_URL`: invitation links are
    /// `{base}/api/v1/auth/invitations/{token}`.
    pub base_url: String,
    pub lang: Lang,
}

/// Why the transaction ends without committing.
enum Stop {
    Failed(AppError),
    /// A dry run, done: its report.
    DryRun(ImportReport),
}

impl From<diesel::result::Error> for Stop {
    fn from(e: diesel::result::Error) -> Self {
        Stop::Failed(e.into())
    }
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Stop::Failed(e)
    }
}

/// Whether the caller may import into cohort `id` (its staff): checked
/// before the file is read, so nobody else gets to send a megabyte.
pub fn may_import(conn: &mut DbConnection, auth: &AuthUser, id: CohortId) -> Result<(), AppError> {
    let actor = users::actor(conn, auth)?;
    cohort_for(conn, &actor, id, false, CohortAccess::can_manage_cohort)?;
    Ok(())
}

/// Imports `file` into cohort `id` (its staff).
pub fn import(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: CohortId,
    file: &[u8],
    options: ImportOptions,
    now: NaiveDateTime,
) -> Result<ImportReport, AppError> {
    let actor = users::actor(conn, auth)?;
    let parsed = import::parse(file, options.max_rows);
    let outcome = write_tx(conn, |conn| {
        let (cohort, _) = cohort_for(conn, &actor, id, true, CohortAccess::can_manage_cohort)?;
        // Nothing to preview in a file without its columns: 422 either way.
        if parsed.unreadable() {
            return Err(Stop::Failed(rejected(&parsed.errors)));
        }
        let mut errors = parsed.errors.clone();
        let codes: Vec<String> = parsed
            .lines
            .iter()
            .map(|l| l.country_code.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let known: HashSet<String> = queries::known_countries(conn, &codes)?
            .into_iter()
            .collect();
        let lines: Vec<_> = parsed
            .lines
            .iter()
            .filter(|l| {
                let ok = known.contains(&l.country_code);
                if !ok {
                    errors.push(LineError {
                        line: l.line,
                        error: FieldError::new("country_code", Issue::UnknownCountry),
                    });
                }
                ok
            })
            .collect();
        errors.sort_by_key(|e| e.line);
        if !errors.is_empty() && !options.dry_run {
            return Err(Stop::Failed(rejected(&errors)));
        }

        let emails: Vec<String> = lines.iter().map(|l| l.email.clone()).collect();
        let accounts: HashMap<String, UserId> = queries::accounts_by_email(conn, &emails)?
            .into_iter()
            .map(|(id, email)| (email, id))
            .collect();
        let ids: Vec<UserId> = accounts.values().copied().collect();
        let members: HashMap<UserId, MemberStatus> = queries::memberships_among(conn, id, &ids)?
            .into_iter()
            .map(|m| (m.user_id, m.status))
            .collect();
        let mut free = i64::from(cohort.capacity) - seats_taken(conn, id)?;

        let mut report = ImportReport {
            dry_run: options.dry_run,
            created_accounts: 0,
            enrolled: 0,
            waitlisted: 0,
            already_members: 0,
            errors: errors
                .iter()
                .map(|e| ImportError {
                    line: e.line,
                    field: e.error.field.clone(),
                    message: e.error.issue.message(options.lang),
                })
                .collect(),
            items: Vec::with_capacity(lines.len()),
        };
        // Written after the loop, one statement per table and few hundred
        // rows: accounts, then memberships, then invitations.
        let mut new_users = Vec::new();
        let mut new_members = Vec::new();
        let mut invitations = Vec::new();
        let mut seen = HashSet::new();
        for (n, line) in lines.into_iter().enumerate() {
            let mut item = ImportItem {
                line: line.line,
                email: line.email.clone(),
                user_id: None,
                status: ImportStatus::Duplicate,
                member_status: None,
                invite_url: None,
            };
            if !seen.insert(line.email.clone()) {
                report.items.push(item);
                continue;
            }
            let (user, created) = match accounts.get(&line.email) {
                Some(user) => {
                    item.status = ImportStatus::Enrolled;
                    (*user, false)
                }
                None => {
                    let user = UserId::new();
                    new_users.push(NewUser {
                        id: user,
                        email: &line.email,
                        password_hash: "",
                        full_name: &line.full_name,
                        country_code: &line.country_code,
                        profile_type: ProfileType::Other,
                        language: Language::Fr,
                        is_admin: false,
                        is_active: true,
                        created_at: now,
                        updated_at: now,
                    });
                    report.created_accounts += 1;
                    item.status = ImportStatus::Created;
                    (user, true)
                }
            };
            if item.status == ImportStatus::Enrolled || !options.dry_run {
                item.user_id = Some(user);
            }
            if let Some(status) = members.get(&user) {
                item.status = ImportStatus::AlreadyMember;
                item.member_status = Some(*status);
                report.already_members += 1;
            } else {
                let status = match line.role {
                    MemberRole::Trainer => MemberStatus::Active,
                    MemberRole::Learner if free > 0 => {
                        free -= 1;
                        MemberStatus::Active
                    }
                    MemberRole::Learner => {
                        report.waitlisted += 1;
                        MemberStatus::Waitlisted
                    }
                };
                // File order, for the waitlist: a microsecond per line.
                let at = now + Duration::microseconds(n as i64);
                new_members.push(Membership {
                    cohort_id: id,
                    user_id: user,
                    role: line.role,
                    status,
                    created_at: at,
                    updated_at: at,
                });
                item.member_status = Some(status);
                report.enrolled += 1;
            }
            // Only the accounts made here: a link to any other would sign
            // the importer in as its owner (the owner's own link stays).
            if created && !options.dry_run {
                let (token, row) = invitation_service::new_invitation(
                    user,
                    Some(id),
                    actor.id,
                    now,
                    options.invitation_days,
                );
                invitations.push(row);
                item.invite_url = Some(format!(
                    "{}/api/v1/auth/invitations/{token}",
                    options.base_url
                ));
            }
            report.items.push(item);
        }
        users::insert_many(conn, &new_users)?;
        queries::insert_many(conn, &new_members)?;
        invitation_service::store(conn, &invitations)?;
        if options.dry_run {
            return Err(Stop::DryRun(report));
        }
        Ok(report)
    });
    match outcome {
        Ok(report) | Err(Stop::DryRun(report)) => Ok(report),
        Err(Stop::Failed(e)) => Err(e),
    }
}

/// The 422 of a real run with errors: each named `line N: column`.
fn rejected(errors: &[LineError]) -> AppError {
    AppError::Validation(
        errors
            .iter()
            .map(|e| {
                FieldError::new(
                    format!("line {}: {}", e.line, e.error.field),
                    e.error.issue.clone(),
                )
            })
            .collect(),
    )
}
