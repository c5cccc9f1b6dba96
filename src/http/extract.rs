//! Request extractors that fail with our problem+json errors: a JSON body
//! parsed with the path of the offending field and then validated, and the
//! configs that map actix's own query and path errors.

use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::rt::time::timeout;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{AppError, FieldError, Issue, Msg};
use crate::state::AppState;

/// The wait for a body when no settings are at hand (unit tests).
const DEFAULT_BODY_PATIENCE: Duration = Duration::from_secs(60);

/// A JSON body that has been parsed and validated.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> FromRequest for Json<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json(req, payload, false);
        Box::pin(async move {
            match body.await? {
                Some(value) => Ok(Json(value)),
                None => Err(AppError::BadRequest(Msg::MalformedJson)),
            }
        })
    }
}

/// A JSON body that may be absent: no bytes at all is `None` (whatever the
/// content type says); anything else is read like [`Json`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T> FromRequest for OptionalJson<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json(req, payload, true);
        Box::pin(async move { body.await.map(OptionalJson) })
    }
}

/// Reads, parses and validates a JSON body; `None` only when `optional`
/// and the body is empty.
fn read_json<T>(
    req: &HttpRequest,
    payload: &mut Payload,
    optional: bool,
) -> LocalBoxFuture<'static, Result<Option<T>, AppError>>
where
    T: DeserializeOwned + Validate + 'static,
{
    let is_json = req.mime_type().ok().flatten().is_some_and(|m| {
        m.subtype() == mime_json() || m.suffix().is_some_and(|s| s == mime_json())
    });
    let body = web::Bytes::from_request(req, payload);
    let patience = req
        .app_data::<web::Data<AppState>>()
        .map_or(DEFAULT_BODY_PATIENCE, |s| {
            Duration::from_secs(s.settings.body_read_timeout_seconds)
        });
    Box::pin(async move {
        if !is_json && !optional {
            return Err(AppError::UnsupportedMediaType);
        }
        // A body dripped a byte at a time would hold a connection and a
        // buffer for ever: past the setting, the request is refused.
        let body = timeout(patience, body)
            .await
            .map_err(|_| AppError::RequestTimeout)?;
        let bytes = body.map_err(|e| {
            if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::BadRequest(Msg::MalformedJson)
            }
        })?;
        if optional && bytes.is_empty() {
            return Ok(None);
        }
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let value = parse_json::<T>(&bytes)?;
        value.validate()?;
        Ok(Some(value))
    })
}

fn mime_json() -> &'static str {
    "json"
}

/// Parses JSON; syntax errors are 400, shape errors 422 naming the field,
/// and so is text with a control character (see [`control_free`]).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if may_hold_controls(bytes) {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
            let mut found = Vec::new();
            controls(&value, &mut Vec::new(), &mut found);
            // Only text the request reads is refused: unknown fields are
            // ignored, whatever they hold.
            if let Some(path) = found.into_iter().find(|p| is_read::<T>(&value, p)) {
                let field = display(&path);
                let field = if field.is_empty() {
                    "body".into()
                } else {
                    field
                };
                return Err(AppError::field(field, Issue::ControlCharacter));
            }
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => value,
        // JSON Schema counts 3.0 as an integer, and so do the clients and
        // fuzzers that read the contract: read such numbers as integers.
        Err(e)
            if e.inner()
                .to_string()
                .starts_with("invalid type: floating point") =>
        {
            let mut value: serde_json::Value = serde_json::from_slice(bytes)
                .map_err(|_| AppError::BadRequest(Msg::MalformedJson))?;
            integral_floats_as_integers(&mut value);
            return serde_path_to_error::deserialize(value).map_err(shape_error);
        }
        Err(e) => return Err(shape_error(e)),
    };
    // Trailing garbage after the value is malformed JSON too.
    de.end()
        .map_err(|_| AppError::BadRequest(Msg::MalformedJson))?;
    Ok(value)
}

/// Turns every number with no fractional part (`3.0`, `1e3`) that fits an
/// `i64` into an integer; other numbers stay as they are.
fn integral_floats_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                // Below 2^63 in magnitude, so the cast is exact.
                if f.fract() == 0.0 && f.abs() < 9.2e18 {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

/// Whether a text may go to the database: NUL and the other control
/// characters are refused everywhere (PostgreSQL rejects NUL outright, the
/// others end up in calendar files, CSV exports and logs); tab and line
/// breaks stay, descriptions have paragraphs.
pub fn control_free(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// A cheap look at the raw bytes: a forbidden character in a JSON string
/// can only be an escape (`\u…`), DEL, or a C1 character (UTF-8 `C2 80`–`C2 9F`).
/// Bodies without any skip the second look.
fn may_hold_controls(bytes: &[u8]) -> bool {
    bytes
        .windows(2)
        .any(|w| matches!(w, [b'\\', b'u'] | [0xC2, 0x80..=0x9F]) || w[0] == 0x7F || w[1] == 0x7F)
}

/// One step into a JSON document: a field or an index.
#[derive(Debug, Clone)]
enum Step {
    Field(String),
    Index(usize),
}

/// The paths of every string with a forbidden character.
fn controls(value: &serde_json::Value, here: &mut Vec<Step>, found: &mut Vec<Vec<Step>>) {
    use serde_json::Value;
    match value {
        Value::String(s) if !control_free(s) => found.push(here.clone()),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                here.push(Step::Index(i));
                controls(v, here, found);
                here.pop();
            }
        }
        Value::Object(fields) => {
            for (k, v) in fields {
                here.push(Step::Field(k.clone()));
                controls(v, here, found);
                here.pop();
            }
        }
        _ => {}
    }
}

/// `records[2].note`, as field errors name a place.
fn display(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Field(k) if out.is_empty() => out.push_str(k),
            Step::Field(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Whether `T` reads the string at `path`: put something that is no
/// string there, and see whether `T` then fails at that very place.
fn is_read<T: DeserializeOwned>(value: &serde_json::Value, path: &[Step]) -> bool {
    let mut probe = value.clone();
    let mut slot = &mut probe;
    for step in path {
        slot = match (step, slot) {
            (Step::Field(k), serde_json::Value::Object(m)) => match m.get_mut(k) {
                Some(v) => v,
                None => return true,
            },
            (Step::Index(i), serde_json::Value::Array(a)) => match a.get_mut(*i) {
                Some(v) => v,
                None => return true,
            },
            _ => return true,
        };
    }
    *slot = serde_json::Value::Object(serde_json::Map::new());
    match serde_path_to_error::deserialize::<_, T>(probe) {
        Ok(_) => false,
        // Failing elsewhere only for a missing field: the place is unknown.
        Err(e) => {
            e.path().to_string() == display(path)
                || !e.inner().to_string().starts_with("missing field")
        }
    }
}

/// The name of the first query parameter whose decoded value (or name)
/// holds a forbidden character (see [`control_free`]).
pub fn query_with_control(query: &str) -> Option<String> {
    if !query.contains('%') && control_free(query) {
        return None;
    }
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            let bytes = percent_decode(s.replace('+', " ").as_bytes());
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let clean = control_free(&decode(name)) && control_free(&decode(value));
        (!clean).then(|| decode(name))
    })
}

fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let (b'%', Some(&h), Some(&l)) = (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            if let (Some(h), Some(l)) = (hex(h), hex(l)) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn shape_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    use serde_json::error::Category;
    let path = e.path().to_string();
    let inner = e.into_inner();
    if !matches!(inner.classify(), Category::Data) {
        return AppError::BadRequest(Msg::MalformedJson);
    }
    let message = inner.to_string();
    let join = |leaf: &str| {
        if path == "." || path.is_empty() {
            leaf.to_owned()
        } else {
            format!("{path}.{leaf}")
        }
    };
    let here = if path == "." || path.is_empty() {
        "body".to_owned()
    } else {
        path.clone()
    };
    let between = |s: &str| s.split('`').nth(1).map(str::to_owned);
    let error = if let Some(rest) = message.strip_prefix("missing field ") {
        FieldError::new(join(&between(rest).unwrap_or_default()), Issue::Required)
    } else if message.starts_with("unknown variant") {
        let allowed: Vec<String> = message
            .split("expected ")
            .nth(1)
            .map(|list| {
                list.split('`')
                    .enumerate()
                    .filter(|(i, _)| i % 2 == 1)
                    .map(|(_, w)| w.to_owned())
                    .collect()
            })
            .unwrap_or_default();
        FieldError::new(here, Issue::OneOf(allowed))
    } else if message.starts_with("invalid type") || message.starts_with("invalid length") {
        FieldError::new(here, Issue::InvalidType)
    } else {
        FieldError::new(here, Issue::Invalid)
    };
    AppError::Validation(vec![error])
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|_, _| AppError::BadRequest(Msg::InvalidQuery).into())
}

/// A path segment that does not parse (e.g. not a UUID) names nothing.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_tabs_and_line_breaks_kept() {
        assert!(control_free("Ligne 1\nLigne 2\tfin\r\n"));
        for bad in ["a\u{0}b", "\u{1b}[31m", "x\u{7f}", "\u{85}"] {
            assert!(!control_free(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_json_string_with_a_control_character_names_its_field() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Mark {
            note: Option<String>,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Marks {
            records: Vec<Mark>,
        }
        let body = br#"{"records":[{"note":"ok"},{"note":"a\u0000b"}]}"#;
        match parse_json::<Marks>(body) {
            Err(AppError::Validation(errors)) => {
                assert_eq!(errors[0].field, "records[1].note");
                assert_eq!(errors[0].issue, Issue::ControlCharacter);
            }
            other => panic!("{other:?}"),
        }
        let fine = br#"{"records":[{"note":"\u00e9t\u00e9\n"}]}"#;
        assert!(parse_json::<Marks>(fine).is_ok());
        // Unknown fields are ignored, whatever they hold, at any depth.
        let unknown = br#"{"x\u0001":"\u0000","records":[{"note":"ok","y":["\u001b"]}]}"#;
        assert!(parse_json::<Marks>(unknown).is_ok());
        // A known field is named even when the body misses another one.
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Two {
            a: String,
            b: String,
        }
        match parse_json::<Two>(br#"{"a":"\u0000"}"#) {
            Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, "a"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn query_parameters_with_control_characters_are_named() {
        assert_eq!(query_with_control("q=%00").as_deref(), Some("q"));
        assert_eq!(query_with_control("limit=5&q=a%1Fb").as_deref(), Some("q"));
        assert_eq!(query_with_control("q=%C2%85").as_deref(), Some("q"));
        assert_eq!(query_with_control("q=caf%C3%A9&limit=5"), None);
        assert_eq!(query_with_control("q=a+b%20c"), None);
        assert_eq!(query_with_control(""), None);
    }
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        kind: Kind,
        inner: Option<Inner>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        MasterClass,
        Veille,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        n: u32,
    }

    fn fields(e: AppError) -> Vec<(String, Issue)> {
        match e {
            AppError::Validation(f) => f.into_iter().map(|f| (f.field, f.issue)).collect(),
            other => panic!("expected validation, got {other:?}"),
        }
    }

    #[test]
    fn integral_floats_are_read_as_integers() {
        #[derive(Debug, serde::Deserialize)]
        struct Window {
            minutes: i32,
            weight: Option<f64>,
        }
        let w: Window = parse_json(br#"{"minutes": 19.0, "weight": 1.0}"#).unwrap();
        assert_eq!((w.minutes, w.weight), (19, Some(1.0)));
        let w: Window = parse_json(br#"{"minutes": 2e1}"#).unwrap();
        assert_eq!(w.minutes, 20);
        let e = parse_json::<Window>(br#"{"minutes": 19.5}"#).unwrap_err();
        assert_eq!(fields(e), vec![("minutes".to_owned(), Issue::InvalidType)]);
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        assert!(matches!(
            parse_json::<Body>(b"{\"email\": "),
            Err(AppError::BadRequest(Msg::MalformedJson))
        ));
        assert!(matches!(
            parse_json::<Body>(br#"{"email":"a","kind":"veille"} trailing"#),
            Err(AppError::BadRequest(Msg::MalformedJson))
        ));
    }

    #[test]
    fn shape_errors_name_the_field() {
        let f = fields(parse_json::<Body>(br#"{"kind":"veille"}"#).unwrap_err());
        assert_eq!(f, vec![("email".into(), Issue::Required)]);
        let f = fields(parse_json::<Body>(br#"{"email":"a","kind":"nope"}"#).unwrap_err());
        assert_eq!(
            f,
            vec![(
                "kind".into(),
                Issue::OneOf(vec!["master_class".into(), "veille".into()])
            )]
        );
        let f = fields(
            parse_json::<Body>(br#"{"email":"a","kind":"veille","inner":{"n":"x"}}"#).unwrap_err(),
        );
        assert_eq!(f, vec![("inner.n".into(), Issue::InvalidType)]);
    }
}
