//! The OpenAPI document (`shared/lambda/openapi.json`) against the code: the same operations as
//! the functions' route tables, security on every route but the document's own, the list routes'
//! paging parameters, every reference resolving and every schema in the keywords the response
//! checks read. (Bodies are checked against it where they are produced: every response of the
//! end-to-end tests, and Schemathesis in CI.)

use std::collections::BTreeSet;

use serde_json::Value;
use standing_tests::openapi::Document;

fn code_operations() -> BTreeSet<(String, String)> {
    fn add<H>(set: &mut BTreeSet<(String, String)>, routes: &[standing_lambda::Route<H>]) {
        for r in routes {
            set.insert((r.method.as_str().to_owned(), r.template.to_owned()));
        }
    }
    let mut set = BTreeSet::new();
    add(&mut set, submit_feedback::ROUTES);
    add(&mut set, file_complaint::ROUTES);
    add(&mut set, evaluate_freelancer::ROUTES);
    add(&mut set, process_appeal::ROUTES);
    set
}

fn each_operation(document: &Document) -> Vec<(String, String, &Value)> {
    document
        .operations()
        .into_iter()
        .map(|(method, template)| {
            let op = &document.root()["paths"][&template][method.to_lowercase()];
            (method, template, op)
        })
        .collect()
}

#[test]
fn the_document_describes_exactly_the_routes_the_functions_serve() {
    let document = Document::load().unwrap();
    let described: BTreeSet<(String, String)> = document.operations().into_iter().collect();
    let served = code_operations();
    let missing: Vec<_> = served.difference(&described).collect();
    let extra: Vec<_> = described.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "served but not in the document: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in the document but not served: {extra:?}"
    );
    assert_eq!(document.root()["openapi"], "3.1.0");
}

#[test]
fn every_route_but_the_document_itself_needs_the_bearer_token() {
    let document = Document::load().unwrap();
    let root = document.root();
    assert_eq!(root["security"], serde_json::json!([{"bearer": []}]));
    assert_eq!(
        root["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (method, template, op) in each_operation(&document) {
        let open = op["security"] == serde_json::json!([]);
        assert_eq!(
            open,
            template == standing_lambda::openapi::PATH,
            "{method} {template}: security {}",
            op["security"]
        );
        if !open {
            assert!(
                !op["responses"]["401"].is_null() && !op["responses"]["403"].is_null(),
                "{method} {template} does not list 401 and 403"
            );
        }
        for status in ["200", "201"] {
            if let Some(response) = op["responses"].get(status) {
                assert!(
                    !response["content"]["application/json"]["schema"].is_null(),
                    "{method} {template} {status} has no JSON schema"
                );
            }
        }
    }
}

#[test]
fn every_list_route_takes_limit_and_cursor() {
    let document = Document::load().unwrap();
    let lists = [
        "/complaints",
        "/appeals",
        "/freelancers/{freelancer_id}/audit",
        "/freelancers/{freelancer_id}/profile",
        "/policies",
        "/policies/{version}/shadow-report",
        "/transparency/statements",
        "/feedback-reports",
    ];
    for template in lists {
        let op = &document.root()["paths"][template]["get"];
        let names: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert!(
            names.contains("limit") && names.contains("cursor"),
            "GET {template} takes {names:?}"
        );
    }
}

/// Every `$ref` in the document names something, and every schema under components uses only
/// keywords the response checks read (a keyword they ignored would be a rule nobody checks).
#[test]
fn every_reference_resolves_and_every_schema_is_checkable() {
    let document = Document::load().unwrap();
    let root = document.root();
    let mut refs = Vec::new();
    collect_refs(root, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let pointer = reference.strip_prefix('#').unwrap_or("~");
        assert!(root.pointer(pointer).is_some(), "{reference} names nothing");
    }
    let schemas = root["components"]["schemas"].as_object().unwrap();
    for (name, schema) in schemas {
        if name.ends_with("Request") || is_request_schema(root, name) {
            continue;
        }
        let unchecked = standing_tests::openapi::unchecked_keywords(schema, name);
        assert!(
            unchecked.is_empty(),
            "response schemas may only use what the response checks read: {unchecked:?}"
        );
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    if let Some(r) = v.as_str() {
                        out.push(r.to_owned());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Whether the schema `name` is a request body's (those may use length and pattern keywords).
fn is_request_schema(root: &Value, name: &str) -> bool {
    let wanted = format!("#/components/schemas/{name}");
    root["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .any(|op| op["requestBody"]["content"]["application/json"]["schema"]["$ref"] == wanted)
}
