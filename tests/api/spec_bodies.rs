//! The committed OpenAPI document's request bodies are the server's: a
//! client that builds a body from the document (its examples, else its
//! required fields) is never refused for the body's shape. Two Rust types
//! once shared the schema name `CheckInRequest`, and the learners'
//! check-in was documented with the door's body: every generated client
//! got a 422 for the most common write of the product.

use awc::http::Method;
use serde_json::{json, Map, Value};

use crate::helpers::spawn_app;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/api-spec/openapi.json");

fn committed() -> Value {
    serde_json::from_str(&std::fs::read_to_string(COMMITTED).expect("api-spec/openapi.json"))
        .expect("the committed document is JSON")
}

/// Follows `$ref`s to the schema they name.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        schema = &doc["components"]["schemas"][name];
    }
    schema
}

/// A value of `schema` as a client would write it from the document: the
/// example when there is one, else the required fields filled by type.
fn sample(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema.get("examples").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let chosen = options
                .iter()
                .find(|o| o.get("type") != Some(&json!("null")))
                .unwrap_or(&options[0]);
            return sample(doc, chosen);
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            if let Value::Object(m) = sample(doc, part) {
                merged.extend(m);
            }
        }
        return Value::Object(merged);
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_owned(),
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "null".to_owned(),
    };
    match ty.as_str() {
        "object" => {
            let mut body = Map::new();
            let required = schema["required"].as_array().cloned().unwrap_or_default();
            for name in required.iter().filter_map(Value::as_str) {
                body.insert(name.to_owned(), sample(doc, &schema["properties"][name]));
            }
            Value::Object(body)
        }
        "array" => {
            let n = schema["minItems"].as_u64().unwrap_or(0);
            Value::Array((0..n).map(|_| sample(doc, &schema["items"])).collect())
        }
        "integer" | "number" => {
            let low = schema["minimum"].as_f64().unwrap_or(1.0);
            json!(low
                .max(1.0)
                .min(schema["maximum"].as_f64().unwrap_or(f64::MAX)) as i64)
        }
        "boolean" => json!(true),
        "string" => json!(text(schema)),
        _ => Value::Null,
    }
}

fn text(schema: &Value) -> String {
    match schema["format"].as_str() {
        Some("uuid") => return uuid::Uuid::now_v7().to_string(),
        Some("date") => return "2026-03-02".to_owned(),
        Some("date-time") => return "2026-03-02T09:00:00Z".to_owned(),
        Some("email") => return format!("body-{}@example.org", uuid::Uuid::now_v7().simple()),
        _ => {}
    }
    if schema["pattern"]
        .as_str()
        .is_some_and(|p| p.starts_with("^https://"))
    {
        return "https://example.org/page".to_owned();
    }
    let min = schema["minLength"].as_u64().unwrap_or(1).max(1) as usize;
    "x".repeat(min)
}

/// The errors that say a body does not have the documented shape: a field
/// missing, of another type, or a word outside its list (as opposed to a
/// value the rules refuse, such as an unknown country).
fn shape_errors(problem: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for (field, messages) in problem["errors"].as_object().into_iter().flatten() {
        for m in messages
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if m == "This field is required."
                || m == "Wrong type of value."
                || m.starts_with("Unknown value; allowed values")
            {
                found.push(format!("{field}: {m}"));
            }
        }
    }
    found
}

#[actix_rt::test]
async fn every_json_body_built_from_the_document_has_a_shape_the_server_takes() {
    // Arrange
    let doc = committed();
    let app = spawn_app().await;
    let admin = app.admin();
    let mut failures = Vec::new();
    let mut sent = 0;

    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let content = &op["requestBody"]["content"]["application/json"];
            if !content.is_object() {
                continue;
            }
            let body = content
                .get("example")
                .cloned()
                .unwrap_or_else(|| sample(&doc, &content["schema"]));
            // Ids of rows that do not exist: a 404 after the body is read is fine.
            let url: String = path
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        uuid::Uuid::now_v7().to_string()
                    } else {
                        s.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");

            // Act
            let res = app
                .request(
                    method.clone(),
                    &url,
                    Some(&admin.access_token),
                    Some(&body),
                    &[("Accept-Language", "en")],
                )
                .await;
            sent += 1;

            // Assert
            if res.status == 422 {
                let problem = res.json();
                let shape = shape_errors(&problem);
                if !shape.is_empty() {
                    failures.push(format!("{method} {path} with {body}: {shape:?}"));
                }
            }
        }
    }
    assert!(sent > 30, "only {sent} JSON bodies in the document");
    assert!(
        failures.is_empty(),
        "bodies built from the document refused for their shape:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_learners_check_in_and_the_door_have_their_own_bodies() {
    let doc = committed();
    let body = |path: &str| {
        let schema =
            &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"];
        resolve(&doc, schema).clone()
    };
    let learner = body("/api/v1/sessions/{id}/check-in");
    assert_eq!(learner["required"], json!(["code"]), "{learner}");
    let door = body("/api/v1/events/{id}/check-ins");
    assert_eq!(door["required"], json!(["ticket_code"]), "{door}");
}

/// utoipa keeps one schema per name: a second type of the same name
/// silently replaces the first everywhere the name is used. Every type that
/// derives or implements `ToSchema` must claim a name of its own (its type
/// name, or the one given with `#[schema(as = ...)]`).
#[test]
fn every_schema_name_is_claimed_by_one_type() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut claimed: std::collections::HashMap<String, Vec<String>> = Default::default();
    let mut stack = vec![std::path::PathBuf::from(src)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let code = std::fs::read_to_string(&path).expect("source");
            let file = path
                .strip_prefix(src)
                .unwrap_or(&path)
                .display()
                .to_string();
            for name in schema_names(&code) {
                claimed.entry(name).or_default().push(file.clone());
            }
        }
    }
    assert!(
        claimed.contains_key("Problem"),
        "no schema found: {claimed:?}"
    );
    let twice: Vec<_> = claimed
        .iter()
        .filter(|(_, files)| files.len() > 1)
        .collect();
    assert!(
        twice.is_empty(),
        "schema names claimed by more than one type: {twice:?}"
    );
}

/// The schema names a source file claims: types under a `derive` naming
/// `ToSchema` (or their `#[schema(as = ...)]`), and `impl ToSchema for`.
fn schema_names(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let lines: Vec<&str> = code.lines().map(str::trim).collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(rest) = line
            .strip_prefix("impl ToSchema for ")
            .or_else(|| line.strip_prefix("impl utoipa::ToSchema for "))
        {
            names.push(ident(rest));
            continue;
        }
        if !(line.starts_with("#[derive(") && line.contains("ToSchema")) {
            continue;
        }
        let mut alias = None;
        for next in &lines[i + 1..] {
            if let Some(at) = next.find("as = ") {
                if next.starts_with("#[schema(") {
                    alias = Some(ident(next[at + 5..].rsplit("::").next().unwrap_or("")));
                }
            }
            let decl = next
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub(super) ")
                .trim_start_matches("pub ");
            if let Some(rest) = decl
                .strip_prefix("struct ")
                .or_else(|| decl.strip_prefix("enum "))
            {
                names.push(alias.take().unwrap_or_else(|| ident(rest)));
                break;
            }
        }
    }
    names
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn the_scan_sees_a_rename_and_a_collision() {
    let code = "#[derive(Debug, ToSchema)]\n#[schema(as = events::DoorScan)]\npub struct CheckInRequest {}\n\
                #[derive(ToSchema)]\n/// doc\n#[serde(deny_unknown_fields)]\npub enum Kind {}\n\
                impl ToSchema for FileBytes {}\n";
    assert_eq!(schema_names(code), vec!["DoorScan", "Kind", "FileBytes"]);
}
