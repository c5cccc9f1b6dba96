//! Certificates: issued by a cohort's staff to every learner who has
//! completed and has none yet, in one transaction (the cohort row locked,
//! and one certificate per learner and cohort held by a unique key, so
//! parallel calls issue each exactly once); verified by anyone from their
//! code; revoked by an admin or the coordinators of the cohort's country,
//! the reason and who revoked kept in the record.

use chrono::NaiveDateTime;

use super::codes;
use super::dto::{
    CertificateDto, IssuedCertificate, IssuedCertificates, MyCertificate, MyCertificates,
    RevocationRequest,
};
use super::queries;
use super::rows::{Certificate, CertificateId};
use super::service::of_cohort;
use crate::access::{can_revoke_certificate, CohortAccess};
use crate::cohorts::{self, Cohort};
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Msg};
use crate::http::AuthUser;
use crate::programmes::{self, Programme};
use crate::vocab::{CohortId, UserId};

/// The public address of a certificate (printed as its QR code).
pub fn verification_url(base: &str, code: &str) -> String {
    format!("{base}/api/v1/certificates/{}", codes::display(code))
}

/// `POST /cohorts/{id}/certificates` (staff).
pub fn issue(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: CohortId,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<IssuedCertificates, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    write_tx(conn, |conn| {
        // Locked: a parallel call waits here, then finds the certificates.
        let (cohort, _) =
            cohorts::cohort_for(conn, &actor, id, true, CohortAccess::can_issue_certificates)?;
        let programme = programmes::find(conn, cohort.programme_id)?.ok_or(AppError::NotFound)?;
        let items: Vec<IssuedCertificate> =
            issue_completed(conn, &cohort, &programme, actor.id, now, late_weight)?
                .iter()
                .map(|row| IssuedCertificate {
                    user_id: row.user_id,
                    certificate: CertificateDto::from(row),
                })
                .collect();
        Ok(IssuedCertificates {
            issued: items.len(),
            items,
        })
    })
}

/// Inside the caller's transaction: a certificate for every learner of
/// `cohort` who has completed and has none; answers those inserted.
pub fn issue_completed(
    conn: &mut DbConnection,
    cohort: &Cohort,
    programme: &Programme,
    issued_by: UserId,
    now: NaiveDateTime,
    late_weight: f64,
) -> Result<Vec<Certificate>, AppError> {
    let mut issued = Vec::new();
    for learner in of_cohort(conn, cohort, programme, now, late_weight)? {
        let p = &learner.progress;
        if !p.completed || p.certificate_code.is_some() {
            continue;
        }
        let row = Certificate {
            id: CertificateId::new(),
            code: codes::generate(),
            cohort_id: cohort.id,
            user_id: learner.user_id,
            full_name: learner.full_name,
            programme_title: programme.title.clone(),
            cohort_name: cohort.name.clone(),
            country_code: cohort.country_code.clone(),
            issued_at: now,
            issued_by,
            revoked_at: None,
            revoked_by: None,
            revocation_reason: None,
        };
        // Whoever inserts first wins; the other insert does nothing.
        if queries::insert_if_new(conn, &row)? == 1 {
            issued.push(row);
        }
    }
    Ok(issued)
}

/// A certificate by a code as typed (any case, dashes or not), with the
/// name of its cohort's country; 404 for what cannot be a code.
pub fn find(
    conn: &mut DbConnection,
    typed: &str,
) -> Result<(Certificate, Option<String>), AppError> {
    let code = codes::normalize(typed).ok_or(AppError::NotFound)?;
    queries::by_code(conn, &code)?.ok_or(AppError::NotFound)
}

/// `POST /certificates/{code}/revocation` (admins, coordinators of the
/// cohort's country).
pub fn revoke(
    conn: &mut DbConnection,
    auth: &AuthUser,
    typed: &str,
    body: RevocationRequest,
    now: NaiveDateTime,
) -> Result<CertificateDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    write_tx(conn, |conn| {
        let (mut certificate, _) = find(conn, typed)?;
        // The certificate is public: refusing says nothing it does not.
        if !can_revoke_certificate(&actor, certificate.country_code.as_deref()) {
            return Err(AppError::Forbidden(Some(Msg::StaffOnly)));
        }
        if certificate.revoked_at.is_some() {
            return Err(AppError::Conflict(Msg::AlreadyRevoked));
        }
        let reason = body.reason.trim();
        queries::revoke(conn, certificate.id, actor.id, reason, now)?;
        certificate.revoked_at = Some(now);
        Ok(CertificateDto::from(&certificate))
    })
}

/// `GET /me/certificates`.
pub fn mine(
    conn: &mut DbConnection,
    auth: &AuthUser,
    base_url: &str,
) -> Result<MyCertificates, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let items = queries::of_user(conn, actor.id)?
        .iter()
        .map(|c| MyCertificate {
            certificate: CertificateDto::from(c),
            cohort_id: c.cohort_id,
            verification_url: verification_url(base_url, &c.code),
        })
        .collect();
    Ok(MyCertificates { items })
}
