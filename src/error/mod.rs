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

mod messages;

pub use messages::{Issue, Msg};

pub const PROBLEM_JSON: &str = "application/problem+json";

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
    /// Someone else is at it right now (another PATCH of one upload):
    /// retry in a moment.
    #[error("locked: {0:?}")]
    Locked(Msg),
    /// A door scan before the door opens: when it opens, as an instant and
    /// as the event's local time (`2026-03-14T07:00:00+00:00`).
    #[error("door opens at {opens_at}")]
    DoorNotOpen {
        opens_at: chrono::DateTime<chrono::Utc>,
        local: String,
    },
    /// What the request refers to is no longer kept (an expired sync token).
    #[error("gone: {0:?}")]
    Gone(Msg),
    #[error("payload too large")]
    PayloadTooLarge,
    /// An uploaded file over the limit of its kind, in bytes.
    #[error("file over {0} bytes")]
    FileTooLarge(u64),
    /// A byte range that starts past the end of a file of this size.
    #[error("range past {0} bytes")]
    RangeNotSatisfiable(u64),
    /// A tus request without `Tus-Resumable: 1.0.0`.
    #[error("unsupported tus version")]
    TusVersion,
    #[error("request body too slow")]
    RequestTimeout,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("rate limited")]
    RateLimited,
    /// Too many sign-in or registration attempts: retry after this many seconds.
    #[error("throttled for {0} s")]
    Throttled(u64),
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
    /// For `door_not_open`: when the door opens (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, example = "2026-03-13T21:00:00Z")]
    pub opens_at: Option<String>,
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
            AppError::Conflict(_) | AppError::DoorNotOpen { .. } => StatusCode::CONFLICT,
            AppError::Locked(_) => StatusCode::LOCKED,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::PayloadTooLarge | AppError::FileTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            AppError::TusVersion => StatusCode::PRECONDITION_FAILED,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RateLimited | AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
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
            AppError::DoorNotOpen { .. } => "door_not_open",
            AppError::Locked(m) => m.code().unwrap_or("locked"),
            AppError::Gone(m) => m.code().unwrap_or("gone"),
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::FileTooLarge(_) => "file_too_large",
            AppError::RangeNotSatisfiable(_) => "range_not_satisfiable",
            AppError::TusVersion => "tus_version",
            AppError::RequestTimeout => "request_timeout",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::RateLimited | AppError::Throttled(_) => "rate_limited",
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
            AppError::Conflict(_) | AppError::DoorNotOpen { .. } => ("Conflit", "Conflict"),
            AppError::Locked(_) => ("Occupé", "Locked"),
            AppError::Gone(_) => ("Disparu", "Gone"),
            AppError::PayloadTooLarge | AppError::FileTooLarge(_) => {
                ("Contenu trop volumineux", "Payload too large")
            }
            AppError::RangeNotSatisfiable(_) => ("Plage non satisfiable", "Range not satisfiable"),
            AppError::TusVersion => (
                "Version de tus non prise en charge",
                "Unsupported tus version",
            ),
            AppError::RequestTimeout => ("Délai dépassé", "Request timeout"),
            AppError::UnsupportedMediaType => (
                "Type de contenu non pris en charge",
                "Unsupported media type",
            ),
            AppError::RateLimited | AppError::Throttled(_) => {
                ("Trop de requêtes", "Too many requests")
            }
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
            AppError::BadRequest(m)
            | AppError::Unauthorized(m)
            | AppError::Conflict(m)
            | AppError::Locked(m)
            | AppError::Gone(m) => m.text(lang).to_owned(),
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
            AppError::TusVersion => generic(
                "Envoyez Tus-Resumable: 1.0.0, la version de tus que ce serveur parle.",
                "Send Tus-Resumable: 1.0.0, the tus version this server speaks.",
            ),
            AppError::DoorNotOpen { local, .. } => {
                if lang == Lang::Fr {
                    format!("Les entrées de cet événement ouvrent le {local}.")
                } else {
                    format!("The door of this event opens at {local}.")
                }
            }
            AppError::RangeNotSatisfiable(size) => {
                if lang == Lang::Fr {
                    format!("La plage demandée commence après la fin du fichier ({size} octets).")
                } else {
                    format!("The range asked for starts past the end of the file ({size} bytes).")
                }
            }
            AppError::FileTooLarge(limit) => {
                let mib = limit.div_ceil(1 << 20);
                if lang == Lang::Fr {
                    format!(
                        "Le fichier dépasse la taille permise pour ce type de support ({mib} Mio)."
                    )
                } else {
                    format!(
                        "The file exceeds the size allowed for this kind of material ({mib} MiB)."
                    )
                }
            }
            AppError::PayloadTooLarge => generic(
                "Le corps de la requête dépasse la taille permise.",
                "The request body exceeds the allowed size.",
            ),
            AppError::RequestTimeout => generic(
                "Le corps de la requête est arrivé trop lentement.",
                "The request body took too long to arrive.",
            ),
            AppError::UnsupportedMediaType => Msg::UnsupportedMediaType.text(lang).to_owned(),
            AppError::RateLimited => generic(
                "Trop de tentatives ; réessayez plus tard.",
                "Too many attempts; try again later.",
            ),
            AppError::Throttled(seconds) => {
                if lang == Lang::Fr {
                    format!("Trop de tentatives ; réessayez dans {seconds} s.")
                } else {
                    format!("Too many attempts; try again in {seconds} s.")
                }
            }
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
        let opens_at = match self {
            AppError::DoorNotOpen { opens_at, .. } => {
                Some(opens_at.format("%Y-%m-%dT%H:%M:%SZ").to_string())
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
            opens_at,
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
        match self {
            AppError::Unavailable | AppError::RateLimited => {
                builder.insert_header((header::RETRY_AFTER, "5"));
            }
            AppError::Throttled(seconds) => {
                builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            AppError::TusVersion => {
                builder.insert_header(("Tus-Version", "1.0.0"));
            }
            AppError::RangeNotSatisfiable(size) => {
                builder.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
                builder.insert_header((header::ACCEPT_RANGES, "bytes"));
            }
            _ => {}
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
        collect_field_errors(&errors, "", &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        AppError::Validation(out)
    }
}

/// The errors of `errors` and of the structs and lists nested in it, named
/// by their path (`repeat.count`, `records[2].status`).
fn collect_field_errors(
    errors: &validator::ValidationErrors,
    prefix: &str,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind as Kind;
    for (field, kind) in errors.errors() {
        let path = format!("{prefix}{field}");
        match kind {
            Kind::Field(errs) => {
                for e in errs {
                    out.push(FieldError::new(path.clone(), issue_from_validator(e)));
                }
            }
            Kind::Struct(inner) => collect_field_errors(inner, &format!("{path}."), out),
            Kind::List(items) => {
                for (i, inner) in items {
                    collect_field_errors(inner, &format!("{path}[{i}]."), out);
                }
            }
        }
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
        "instant" => Issue::Implausible,
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
            (AppError::RequestTimeout, 408, "request_timeout"),
            (AppError::Conflict(Msg::EmailTaken), 409, "conflict"),
            (
                AppError::DoorNotOpen {
                    opens_at: chrono::DateTime::UNIX_EPOCH,
                    local: "1970-01-01T00:00:00+00:00".into(),
                },
                409,
                "door_not_open",
            ),
            (AppError::PayloadTooLarge, 413, "payload_too_large"),
            (
                AppError::UnsupportedMediaType,
                415,
                "unsupported_media_type",
            ),
            (AppError::RateLimited, 429, "rate_limited"),
            (AppError::Throttled(7), 429, "rate_limited"),
            (AppError::FileTooLarge(1 << 20), 413, "file_too_large"),
            (AppError::TusVersion, 412, "tus_version"),
            (
                AppError::RangeNotSatisfiable(10),
                416,
                "range_not_satisfiable",
            ),
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
