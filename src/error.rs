//! The one error type of the HTTP layer and its problem+json rendering
//! (RFC 9457). `code` is a stable machine word; `title`, `detail` and field
//! messages are in the request's language. Unexpected failures become a
//! generic 500 whose cause is only logged.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::Lang;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Messages carried by errors, each in French and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    MalformedJson,
    UnsupportedMediaType,
    InvalidQuery,
    MissingToken,
    InvalidToken,
    ExpiredToken,
    InvalidCredentials,
    AccountDisabled,
    InvalidRefreshToken,
    RefreshTokenReused,
    EmailTaken,
    CountryExists,
    Duplicate,
    StillReferenced,
    AdminOnly,
    StaffOnly,
    ProgrammeHasCohorts,
    NotAcceptingApplications,
    AlreadyMember,
    CohortFull,
    NotYourCountry,
    CheckInClosed,
    SessionCancelled,
    NotALearner,
    InvalidCalendarToken,
}

impl Msg {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Msg::MalformedJson => (
                "Le corps de la requête n'est pas un JSON valide.",
                "The request body is not valid JSON.",
            ),
            Msg::UnsupportedMediaType => (
                "Le corps doit être envoyé en application/json.",
                "The body must be sent as application/json.",
            ),
            Msg::InvalidQuery => (
                "Les paramètres de la requête sont invalides.",
                "The query parameters are invalid.",
            ),
            Msg::MissingToken => (
                "Authentification requise : envoyez un jeton d'accès (Authorization: Bearer).",
                "Authentication required: send an access token (Authorization: Bearer).",
            ),
            Msg::InvalidToken => (
                "Le jeton d'accès est invalide.",
                "The access token is invalid.",
            ),
            Msg::ExpiredToken => (
                "Le jeton d'accès a expiré ; renouvelez-le.",
                "The access token has expired; refresh it.",
            ),
            Msg::InvalidCredentials => (
                "Adresse e-mail ou mot de passe incorrect.",
                "Incorrect email address or password.",
            ),
            Msg::AccountDisabled => (
                "Ce compte est désactivé.",
                "This account is deactivated.",
            ),
            Msg::InvalidRefreshToken => (
                "Le jeton de rafraîchissement est invalide ou expiré ; reconnectez-vous.",
                "The refresh token is invalid or expired; log in again.",
            ),
            Msg::RefreshTokenReused => (
                "Ce jeton de rafraîchissement a déjà servi : la session est révoquée, reconnectez-vous.",
                "This refresh token was already used: the session is revoked, log in again.",
            ),
            Msg::EmailTaken => (
                "Un compte existe déjà avec cette adresse e-mail.",
                "An account already exists with this email address.",
            ),
            Msg::CountryExists => ("Ce pays existe déjà.", "This country already exists."),
            Msg::Duplicate => (
                "Cette ressource existe déjà.",
                "This resource already exists.",
            ),
            Msg::StillReferenced => (
                "Cette ressource est encore utilisée ailleurs.",
                "This resource is still referenced elsewhere.",
            ),
            Msg::AdminOnly => (
                "Réservé aux administrateurs.",
                "Administrators only.",
            ),
            Msg::StaffOnly => (
                "Réservé aux administrateurs et aux coordinateurs de pays.",
                "Administrators and country coordinators only.",
            ),
            Msg::ProgrammeHasCohorts => (
                "Ce programme a encore des cohortes ; archivez-les plutôt.",
                "This programme still has cohorts; archive them instead.",
            ),
            Msg::NotAcceptingApplications => (
                "Cette cohorte n'accepte pas de candidatures en ce moment.",
                "This cohort is not accepting applications right now.",
            ),
            Msg::AlreadyMember => (
                "Cette personne est déjà inscrite à cette cohorte.",
                "This person is already enrolled in this cohort.",
            ),
            Msg::CohortFull => (
                "La cohorte est complète.",
                "The cohort is full.",
            ),
            Msg::CheckInClosed => (
                "Le pointage n'est pas ouvert pour cette séance.",
                "Check-in is not open for this session.",
            ),
            Msg::SessionCancelled => (
                "Cette séance est annulée.",
                "This session is cancelled.",
            ),
            Msg::NotALearner => (
                "Seuls les apprenants actifs de la cohorte peuvent pointer.",
                "Only active learners of the cohort can check in.",
            ),
            Msg::NotYourCountry => (
                "Vous ne coordonnez pas ce pays.",
                "You do not coordinate this country.",
            ),
            Msg::InvalidCalendarToken => (
                "Ce lien d'agenda est invalide ou révoqué ; créez-en un nouveau.",
                "This calendar link is invalid or revoked; create a new one.",
            ),
        }
    }

    /// A more precise machine word than the status's generic one, for
    /// errors a client reacts to differently.
    pub fn code(self) -> Option<&'static str> {
        match self {
            Msg::CheckInClosed => Some("check_in_closed"),
            Msg::SessionCancelled => Some("session_cancelled"),
            Msg::NotALearner => Some("not_a_learner"),
            _ => None,
        }
    }

    pub fn text(self, lang: Lang) -> &'static str {
        let (fr, en) = self.texts();
        lang.pick(fr, en)
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Issue {
    Required,
    Invalid,
    InvalidType,
    Email,
    Length {
        min: Option<u64>,
        max: Option<u64>,
    },
    Range {
        min: Option<f64>,
        max: Option<f64>,
    },
    OneOf(Vec<String>),
    UnknownCountry,
    UnknownTimezone,
    IncorrectPassword,
    Url,
    /// A change an administrator may not make to their own account.
    OwnAccount,
    /// An end (date or instant) that is not after the start.
    EndBeforeStart,
    /// A status change the lifecycle does not allow.
    Transition {
        from: String,
        to: String,
    },
    /// Capacity below the seats already taken.
    BelowTaken(i64),
    NotATrainer,
    UnknownUser,
    /// A reference to something that does not exist.
    Unknown,
    /// A wrong check-in code, with the tries left in this window.
    WrongCode {
        remaining: i32,
    },
    NotALearner,
    Duplicate,
}

impl Issue {
    pub fn message(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            Issue::Required => lang
                .pick("Ce champ est obligatoire.", "This field is required.")
                .into(),
            Issue::Invalid => lang.pick("Valeur invalide.", "Invalid value.").into(),
            Issue::InvalidType => lang
                .pick("Type de valeur incorrect.", "Wrong type of value.")
                .into(),
            Issue::Email => lang
                .pick("Adresse e-mail invalide.", "Invalid email address.")
                .into(),
            Issue::Url => lang
                .pick("Adresse web (URL) invalide.", "Invalid web address (URL).")
                .into(),
            Issue::Length { min, max } => match (min, max, fr) {
                (Some(a), Some(b), true) => format!("Doit compter entre {a} et {b} caractères."),
                (Some(a), Some(b), false) => {
                    format!("Must be between {a} and {b} characters long.")
                }
                (Some(a), None, true) => format!("Doit compter au moins {a} caractères."),
                (Some(a), None, false) => format!("Must be at least {a} characters long."),
                (None, Some(b), true) => format!("Doit compter au plus {b} caractères."),
                (None, Some(b), false) => format!("Must be at most {b} characters long."),
                (None, None, _) => Issue::Invalid.message(lang),
            },
            Issue::Range { min, max } => match (min, max, fr) {
                (Some(a), Some(b), true) => format!("Doit être compris entre {a} et {b}."),
                (Some(a), Some(b), false) => format!("Must be between {a} and {b}."),
                (Some(a), None, true) => format!("Doit être au moins {a}."),
                (Some(a), None, false) => format!("Must be at least {a}."),
                (None, Some(b), true) => format!("Doit être au plus {b}."),
                (None, Some(b), false) => format!("Must be at most {b}."),
                (None, None, _) => Issue::Invalid.message(lang),
            },
            Issue::OneOf(words) => {
                let list = words.join(", ");
                if fr {
                    format!("Valeur inconnue ; valeurs permises : {list}.")
                } else {
                    format!("Unknown value; allowed values: {list}.")
                }
            }
            Issue::UnknownCountry => lang.pick("Pays inconnu.", "Unknown country.").into(),
            Issue::UnknownTimezone => lang
                .pick(
                    "Fuseau horaire IANA inconnu (ex. Africa/Abidjan).",
                    "Unknown IANA time zone (e.g. Africa/Abidjan).",
                )
                .into(),
            Issue::IncorrectPassword => lang
                .pick(
                    "Mot de passe actuel incorrect.",
                    "Current password is incorrect.",
                )
                .into(),
            Issue::OwnAccount => lang
                .pick(
                    "Impossible sur votre propre compte : demandez à un autre administrateur.",
                    "Not allowed on your own account: ask another administrator.",
                )
                .into(),
            Issue::EndBeforeStart => lang
                .pick(
                    "La fin doit venir après le début.",
                    "The end must come after the start.",
                )
                .into(),
            Issue::Transition { from, to } => {
                if fr {
                    format!("Passage de « {from} » à « {to} » non permis.")
                } else {
                    format!("Moving from \"{from}\" to \"{to}\" is not allowed.")
                }
            }
            Issue::BelowTaken(n) => {
                if fr {
                    format!("Doit être au moins {n} : places déjà occupées.")
                } else {
                    format!("Must be at least {n}: seats already taken.")
                }
            }
            Issue::NotATrainer => lang
                .pick(
                    "Cette personne n'est pas formatrice de la cohorte.",
                    "This person is not a trainer of the cohort.",
                )
                .into(),
            Issue::UnknownUser => lang.pick("Utilisateur inconnu.", "Unknown user.").into(),
            Issue::Unknown => lang.pick("N'existe pas.", "Does not exist.").into(),
            Issue::WrongCode { remaining } => {
                if fr {
                    format!("Code incorrect ; encore {remaining} essai(s).")
                } else {
                    format!("Wrong code; {remaining} attempt(s) left.")
                }
            }
            Issue::NotALearner => lang
                .pick(
                    "N'est pas apprenant·e actif·ve de la cohorte.",
                    "Not an active learner of the cohort.",
                )
                .into(),
            Issue::Duplicate => lang.pick("En double.", "Duplicated.").into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub issue: Issue,
}

impl FieldError {
    pub fn new(field: impl Into<String>, issue: Issue) -> Self {
        Self {
            field: field.into(),
            issue,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("bad request: {0:?}")]
    BadRequest(Msg),
    #[error("unauthorized: {0:?}")]
    Unauthorized(Msg),
    #[error("forbidden")]
    Forbidden(Option<Msg>),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0:?}")]
    Conflict(Msg),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("rate limited")]
    RateLimited,
    #[error("service unavailable")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(String),
}

/// The problem+json body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// URI naming the kind of problem (`urn:griot:problem:<code>`).
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine word: `validation_failed`, `unauthorized`, `not_found`…
    pub code: String,
    /// Field → messages, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

impl AppError {
    pub fn field(field: impl Into<String>, issue: Issue) -> Self {
        AppError::Validation(vec![FieldError::new(field, issue)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::BadRequest(m) => m.code().unwrap_or("bad_request"),
            AppError::Unauthorized(m) => m.code().unwrap_or("unauthorized"),
            AppError::Forbidden(m) => m.and_then(Msg::code).unwrap_or("forbidden"),
            AppError::NotFound => "not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Conflict(m) => m.code().unwrap_or("conflict"),
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::RateLimited => "rate_limited",
            AppError::Unavailable => "service_unavailable",
            AppError::Internal(_) => "internal_error",
        }
    }

    fn title(&self, lang: Lang) -> &'static str {
        let (fr, en) = match self {
            AppError::Validation(_) => ("Données invalides", "Invalid data"),
            AppError::BadRequest(_) => ("Requête incorrecte", "Bad request"),
            AppError::Unauthorized(_) => ("Non authentifié", "Unauthorized"),
            AppError::Forbidden(_) => ("Accès refusé", "Forbidden"),
            AppError::NotFound => ("Introuvable", "Not found"),
            AppError::MethodNotAllowed => ("Méthode non permise", "Method not allowed"),
            AppError::Conflict(_) => ("Conflit", "Conflict"),
            AppError::PayloadTooLarge => ("Contenu trop volumineux", "Payload too large"),
            AppError::UnsupportedMediaType => (
                "Type de contenu non pris en charge",
                "Unsupported media type",
            ),
            AppError::RateLimited => ("Trop de requêtes", "Too many requests"),
            AppError::Unavailable => ("Service indisponible", "Service unavailable"),
            AppError::Internal(_) => ("Erreur interne", "Internal error"),
        };
        lang.pick(fr, en)
    }

    fn detail(&self, lang: Lang) -> String {
        let generic = |fr: &'static str, en: &'static str| lang.pick(fr, en).to_owned();
        match self {
            AppError::Validation(_) => generic(
                "Certains champs sont invalides ; voir « errors ».",
                "Some fields are invalid; see \"errors\".",
            ),
            AppError::BadRequest(m) | AppError::Unauthorized(m) | AppError::Conflict(m) => {
                m.text(lang).to_owned()
            }
            AppError::Forbidden(Some(m)) => m.text(lang).to_owned(),
            AppError::Forbidden(None) => generic(
                "Vous n'avez pas le droit de faire cela.",
                "You are not allowed to do this.",
            ),
            AppError::NotFound => generic(
                "La ressource demandée n'existe pas.",
                "The requested resource does not exist.",
            ),
            AppError::MethodNotAllowed => generic(
                "Cette méthode HTTP n'est pas permise sur cette adresse.",
                "This HTTP method is not allowed on this path.",
            ),
            AppError::PayloadTooLarge => generic(
                "Le corps de la requête dépasse la taille permise.",
                "The request body exceeds the allowed size.",
            ),
            AppError::UnsupportedMediaType => Msg::UnsupportedMediaType.text(lang).to_owned(),
            AppError::RateLimited => generic(
                "Trop de tentatives ; réessayez plus tard.",
                "Too many attempts; try again later.",
            ),
            AppError::Unavailable => generic(
                "Le service est momentanément indisponible ; réessayez.",
                "The service is temporarily unavailable; try again.",
            ),
            AppError::Internal(_) => generic(
                "Une erreur inattendue s'est produite.",
                "An unexpected error occurred.",
            ),
        }
    }

    pub fn problem(&self, lang: Lang) -> Problem {
        let errors = match self {
            AppError::Validation(fields) => {
                let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for f in fields {
                    map.entry(f.field.clone())
                        .or_default()
                        .push(f.issue.message(lang));
                }
                Some(map)
            }
            _ => None,
        };
        let code = self.code();
        Problem {
            type_: format!("urn:griot:problem:{code}"),
            title: self.title(lang).to_owned(),
            status: self.status().as_u16(),
            detail: self.detail(lang),
            code: code.to_owned(),
            errors,
        }
    }

    /// The response in a given language.
    pub fn render(&self, lang: Lang) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status());
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        builder.insert_header((header::CONTENT_LANGUAGE, lang.pick("fr", "en")));
        if matches!(self, AppError::Unauthorized(_)) {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if matches!(self, AppError::Unavailable | AppError::RateLimited) {
            builder.insert_header((header::RETRY_AFTER, "5"));
        }
        builder.json(self.problem(lang))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    /// Rendered in French; the language middleware re-renders it in the
    /// language the client asked for.
    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        self.render(Lang::Fr)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => AppError::NotFound,
            E::DatabaseError(K::UniqueViolation, _) => AppError::Conflict(Msg::Duplicate),
            E::DatabaseError(K::ForeignKeyViolation, _) => AppError::Conflict(Msg::StillReferenced),
            E::DatabaseError(_, ref info) if info.message().contains("database is locked") => {
                tracing::warn!("sqlite busy timeout reached");
                AppError::Unavailable
            }
            other => AppError::Internal(format!("database: {other}")),
        }
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Internal(format!("json: {e}"))
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut out = Vec::new();
        for (field, errs) in errors.field_errors() {
            for e in errs {
                out.push(FieldError::new(field.to_string(), issue_from_validator(e)));
            }
        }
        out.sort_by(|a, b| a.field.cmp(&b.field));
        AppError::Validation(out)
    }
}

fn issue_from_validator(e: &validator::ValidationError) -> Issue {
    let num = |k: &str| e.params.get(k).and_then(|v| v.as_f64());
    match e.code.as_ref() {
        "length" => Issue::Length {
            min: num("min").map(|v| v as u64),
            max: num("max").map(|v| v as u64),
        },
        "range" => Issue::Range {
            min: num("min"),
            max: num("max"),
        },
        "email" => Issue::Email,
        "url" => Issue::Url,
        "required" => Issue::Required,
        "unknown_country" => Issue::UnknownCountry,
        "unknown_timezone" => Issue::UnknownTimezone,
        _ => Issue::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_maps_to_its_status_and_code() {
        let cases: Vec<(AppError, u16, &str)> = vec![
            (
                AppError::field("x", Issue::Required),
                422,
                "validation_failed",
            ),
            (AppError::BadRequest(Msg::MalformedJson), 400, "bad_request"),
            (
                AppError::Unauthorized(Msg::MissingToken),
                401,
                "unauthorized",
            ),
            (AppError::Forbidden(None), 403, "forbidden"),
            (AppError::NotFound, 404, "not_found"),
            (AppError::MethodNotAllowed, 405, "method_not_allowed"),
            (AppError::Conflict(Msg::EmailTaken), 409, "conflict"),
            (AppError::PayloadTooLarge, 413, "payload_too_large"),
            (
                AppError::UnsupportedMediaType,
                415,
                "unsupported_media_type",
            ),
            (AppError::RateLimited, 429, "rate_limited"),
            (AppError::Unavailable, 503, "service_unavailable"),
            (AppError::Internal("boom".into()), 500, "internal_error"),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status().as_u16(), status, "{err:?}");
            assert_eq!(err.code(), code, "{err:?}");
            assert_eq!(err.problem(Lang::En).status, status);
        }
    }

    #[test]
    fn internal_errors_never_leak_their_cause() {
        let p = AppError::Internal("SELECT secret FROM users".into()).problem(Lang::En);
        assert!(!p.detail.contains("SELECT"));
        assert_eq!(p.detail, "An unexpected error occurred.");
    }

    #[test]
    fn database_errors_map_to_http_kinds() {
        assert!(matches!(
            AppError::from(diesel::result::Error::NotFound),
            AppError::NotFound
        ));
    }

    #[test]
    fn validation_messages_follow_the_language() {
        let err = AppError::field(
            "password",
            Issue::Length {
                min: Some(10),
                max: None,
            },
        );
        let fr = err.problem(Lang::Fr).errors.unwrap();
        let en = err.problem(Lang::En).errors.unwrap();
        assert_eq!(fr["password"], vec!["Doit compter au moins 10 caractères."]);
        assert_eq!(en["password"], vec!["Must be at least 10 characters long."]);
    }
}
