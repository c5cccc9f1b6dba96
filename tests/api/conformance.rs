//! Every response the suite receives is checked against the OpenAPI
//! document: the operation must document the status, and a JSON body must
//! match the schema documented for that status and content type. So the
//! whole suite doubles as a contract test of the published API description.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

struct Spec {
    doc: Value,
    /// (method, path template split on '/')
    templates: Vec<(String, Vec<String>)>,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let doc: Value = serde_json::from_str(&griot::app::openapi::spec_json()).expect("spec");
        let mut templates = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                templates.push((method.clone(), path.split('/').map(str::to_owned).collect()));
            }
        }
        Spec {
            doc,
            templates,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

fn find_template(method: &str, path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    spec()
        .templates
        .iter()
        .filter(|(m, t)| m == method && t.len() == segments.len())
        .find(|(_, t)| {
            t.iter()
                .zip(&segments)
                .all(|(a, b)| (a.starts_with('{') && a.ends_with('}') && !b.is_empty()) || a == b)
        })
        .map(|(_, t)| t.join("/"))
}

/// Panics with a readable message when a response breaks the contract.
pub fn check(
    method: &str,
    path_and_query: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) {
    let path = path_and_query.split('?').next().unwrap_or_default();
    let method = method.to_ascii_lowercase();
    let Some(template) = find_template(&method, path) else {
        return; // not an API operation (unknown route, /docs assets)
    };
    let op = &spec().doc["paths"][&template][&method];
    let responses = &op["responses"];
    let documented = &responses[status.to_string()];
    assert!(
        documented.is_object(),
        "{} {template} answered {status}, which the OpenAPI document does not list (it lists {:?}): {}",
        method.to_uppercase(),
        responses.as_object().map(|r| r.keys().cloned().collect::<Vec<_>>()),
        String::from_utf8_lossy(body)
    );
    let ct = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    if body.is_empty() || !(ct == "application/json" || ct == "application/problem+json") {
        return;
    }
    let schema = &documented["content"][&ct]["schema"];
    assert!(
        schema.is_object(),
        "{} {template} {status}: a {ct} body is not documented for this status",
        method.to_uppercase()
    );
    let key = format!("{method} {template} {status} {ct}");
    let validator = {
        let mut cache = spec().validators.lock().unwrap();
        cache
            .entry(key.clone())
            .or_insert_with(|| {
                let mut root = schema.clone();
                root["components"] = spec().doc["components"].clone();
                std::sync::Arc::new(jsonschema::validator_for(&root).expect("valid schema"))
            })
            .clone()
    };
    let instance: Value = serde_json::from_slice(body).expect("JSON body");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "{key}: the body does not match the documented schema:\n  {}\nbody: {}",
        errors.join("\n  "),
        String::from_utf8_lossy(body)
            .chars()
            .take(600)
            .collect::<String>()
    );
}
