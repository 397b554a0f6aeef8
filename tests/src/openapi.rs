//! The OpenAPI document (`shared/lambda/openapi.json`) as the tests read it: which operation a
//! request reached, and whether a response is one the document describes — its status listed for
//! that operation, its JSON body valid against the schema given for it.
//!
//! The validator knows exactly the JSON Schema keywords the document's response schemas may use
//! (`$ref`, `type`, `properties`, `required`, `additionalProperties`, `items`, `enum`, `oneOf`,
//! `minimum`, `maximum`, `format`, and the annotations `description`, `example`); any other keyword is an error,
//! so a schema can never pass through a rule nobody checks.

use serde_json::Value;

/// The document.
pub struct Document {
    root: Value,
}

/// Keywords a response schema may use (validated) and annotations (ignored).
const VALIDATED: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "oneOf",
    "minimum",
    "maximum",
    "format",
];
const ANNOTATIONS: &[&str] = &["description", "example", "title"];

impl Document {
    /// The repository's document.
    pub fn load() -> Result<Self, String> {
        let path = crate::repo_root().join("shared/lambda/openapi.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let root: Value =
            serde_json::from_str(text).map_err(|e| format!("the document is not JSON: {e}"))?;
        Ok(Self { root })
    }

    pub fn root(&self) -> &Value {
        &self.root
    }

    /// Every (method, path template) the document describes, methods in upper case.
    pub fn operations(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(paths) = self.root["paths"].as_object() {
            for (template, item) in paths {
                for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
                    if ["get", "put", "post", "patch", "delete", "head", "options"]
                        .contains(&method.as_str())
                    {
                        out.push((method.to_uppercase(), template.clone()));
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// The template and operation a request to `path` (no query) reaches, if the document has it.
    pub fn operation(&self, method: &str, path: &str) -> Option<(&str, &Value)> {
        let paths = self.root["paths"].as_object()?;
        let segments: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, &str, &Value)> = None;
        for (template, item) in paths {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                continue;
            }
            let mut literal = 0;
            let fits = parts.iter().zip(&segments).all(|(p, s)| {
                if p.starts_with('{') && p.ends_with('}') {
                    !s.is_empty()
                } else {
                    literal += 1;
                    p == s
                }
            });
            let op = &item[method.to_lowercase()];
            if fits && op.is_object() && best.is_none_or(|(l, _, _)| literal > l) {
                best = Some((literal, template.as_str(), op));
            }
        }
        best.map(|(_, template, op)| (template, op))
    }

    /// Whether the response is one the document describes for this request. Requests the
    /// document does not describe (an unknown path, the local stack's own routes) pass.
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), String> {
        let Some((template, op)) = self.operation(method, path) else {
            return Ok(());
        };
        let mut response = &op["responses"][status.to_string()];
        if response.is_null() {
            return Err(format!(
                "{method} {template} answered {status}, which the document does not list for it"
            ));
        }
        if let Some(reference) = response["$ref"].as_str() {
            response = self.resolve(reference)?;
        }
        let schema = &response["content"]["application/json"]["schema"];
        if schema.is_null() {
            return Ok(());
        }
        self.validate(schema, body, "body").map_err(|e| {
            format!("{method} {template} answered {status} with a body the document refuses: {e}")
        })
    }

    fn resolve(&self, reference: &str) -> Result<&Value, String> {
        let pointer = reference
            .strip_prefix('#')
            .ok_or_else(|| format!("only local references are read: {reference}"))?;
        let target = self
            .root
            .pointer(pointer)
            .ok_or_else(|| format!("{reference} names nothing"))?;
        Ok(target)
    }

    /// `value` against `schema`; the error names where (`at`) it fails and why.
    pub fn validate(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        let Some(keywords) = schema.as_object() else {
            return match schema {
                Value::Bool(true) => Ok(()),
                _ => Err(format!("{at}: the schema is not an object: {schema}")),
            };
        };
        for key in keywords.keys() {
            if !VALIDATED.contains(&key.as_str()) && !ANNOTATIONS.contains(&key.as_str()) {
                return Err(format!(
                    "{at}: the schema uses `{key}`, which these tests do not check"
                ));
            }
        }
        if let Some(reference) = schema["$ref"].as_str() {
            let target = self.resolve(reference)?;
            self.validate(target, value, at)?;
        }
        if let Some(types) = keywords.get("type") {
            let allowed: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                other => return Err(format!("{at}: `type` is {other}")),
            };
            if !allowed.iter().any(|t| is_type(value, t)) {
                return Err(format!("{at}: {value} is not of type {allowed:?}"));
            }
        }
        if let Some(choices) = keywords.get("enum").and_then(Value::as_array)
            && !choices.contains(value)
        {
            return Err(format!("{at}: {value} is not one of {choices:?}"));
        }
        if let Some(options) = keywords.get("oneOf").and_then(Value::as_array) {
            let fitting = options
                .iter()
                .filter(|option| self.validate(option, value, at).is_ok())
                .count();
            if fitting != 1 {
                return Err(format!(
                    "{at}: {value} fits {fitting} of the {} options of oneOf, not exactly one",
                    options.len()
                ));
            }
        }
        if let Some(n) = value.as_f64() {
            if let Some(min) = keywords.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                return Err(format!("{at}: {n} is below the minimum {min}"));
            }
            if let Some(max) = keywords.get("maximum").and_then(Value::as_f64)
                && n > max
            {
                return Err(format!("{at}: {n} is above the maximum {max}"));
            }
        }
        if keywords.get("format").and_then(Value::as_str) == Some("date-time")
            && let Some(text) = value.as_str()
            && chrono::DateTime::parse_from_rfc3339(text).is_err()
        {
            return Err(format!("{at}: {text:?} is not an RFC 3339 date-time"));
        }
        if let Some(object) = value.as_object() {
            let properties = keywords.get("properties").and_then(Value::as_object);
            if let Some(required) = keywords.get("required").and_then(Value::as_array) {
                for name in required.iter().filter_map(Value::as_str) {
                    if !object.contains_key(name) {
                        return Err(format!("{at}: the required field `{name}` is missing"));
                    }
                }
            }
            for (name, field) in object {
                match properties.and_then(|p| p.get(name)) {
                    Some(field_schema) => {
                        self.validate(field_schema, field, &format!("{at}.{name}"))?
                    }
                    None if keywords.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        return Err(format!("{at}: the field `{name}` is not in the document"));
                    }
                    None => {}
                }
            }
        }
        if let (Some(items), Some(array)) = (keywords.get("items"), value.as_array()) {
            for (n, item) in array.iter().enumerate() {
                self.validate(items, item, &format!("{at}[{n}]"))?;
            }
        }
        Ok(())
    }
}

/// The keywords in `schema` and the schemas inside it that [`Document::validate`] neither checks
/// nor ignores as annotations, with where they are.
pub fn unchecked_keywords(schema: &Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(keywords) = schema.as_object() else {
        return out;
    };
    for (key, inner) in keywords {
        if !VALIDATED.contains(&key.as_str()) && !ANNOTATIONS.contains(&key.as_str()) {
            out.push(format!("{at}: {key}"));
        }
        match key.as_str() {
            "properties" => {
                for (name, field) in inner.as_object().into_iter().flatten() {
                    out.extend(unchecked_keywords(field, &format!("{at}.{name}")));
                }
            }
            "items" => out.extend(unchecked_keywords(inner, &format!("{at}[]"))),
            "oneOf" => {
                for (n, option) in inner.as_array().into_iter().flatten().enumerate() {
                    out.extend(unchecked_keywords(option, &format!("{at}/oneOf{n}")));
                }
            }
            _ => {}
        }
    }
    out
}

fn is_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document() -> Document {
        Document::parse(
            &json!({
                "openapi": "3.1.0",
                "paths": {
                    "/things/{id}": {"get": {"responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                        "404": {"$ref": "#/components/responses/NotFound"}
                    }}},
                    "/things/special": {"get": {"responses": {"204": {"description": "nothing"}}}}
                },
                "components": {
                    "schemas": {
                        "Thing": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["id", "kind"],
                            "properties": {
                                "id": {"type": "string"},
                                "kind": {"enum": ["a", "b"]},
                                "score": {"type": "integer", "minimum": 0, "maximum": 100},
                                "at": {"type": ["string", "null"], "format": "date-time"},
                                "tags": {"type": "array", "items": {"type": "string"}},
                                "either": {"oneOf": [{"type": "string"}, {"type": "null"}]}
                            }
                        },
                        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object"}}}
                    },
                    "responses": {"NotFound": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
                }
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn a_body_the_schema_describes_passes() {
        let d = document();
        let body =
            json!({"id": "t1", "kind": "a", "score": 7, "at": null, "tags": ["x"], "either": "s"});
        assert_eq!(d.check_response("GET", "/things/t1", 200, &body), Ok(()));
        assert_eq!(
            d.check_response("GET", "/things/t1", 404, &json!({"error": {}})),
            Ok(())
        );
    }

    #[test]
    fn every_kind_of_mismatch_is_refused_with_where_it_is() {
        let d = document();
        let bad = [
            json!({"kind": "a"}),
            json!({"id": "t1", "kind": "c"}),
            json!({"id": 1, "kind": "a"}),
            json!({"id": "t1", "kind": "a", "extra": true}),
            json!({"id": "t1", "kind": "a", "score": 101}),
            json!({"id": "t1", "kind": "a", "score": -1}),
            json!({"id": "t1", "kind": "a", "at": "yesterday"}),
            json!({"id": "t1", "kind": "a", "tags": [1]}),
            json!({"id": "t1", "kind": "a", "either": 3}),
        ];
        for body in bad {
            assert!(
                d.check_response("GET", "/things/t1", 200, &body).is_err(),
                "{body} passed"
            );
        }
        let unlisted = d.check_response("GET", "/things/t1", 409, &json!({}));
        assert!(unlisted.unwrap_err().contains("does not list"));
    }

    #[test]
    fn the_most_literal_template_wins_and_undescribed_requests_pass() {
        let d = document();
        assert_eq!(
            d.operation("GET", "/things/special").unwrap().0,
            "/things/special"
        );
        assert_eq!(
            d.operation("GET", "/things/other").unwrap().0,
            "/things/{id}"
        );
        assert!(d.operation("POST", "/things/t1").is_none());
        assert_eq!(
            d.check_response("GET", "/_dev/clock", 200, &json!(1)),
            Ok(())
        );
    }

    #[test]
    fn a_keyword_the_validator_does_not_know_is_an_error_not_a_pass() {
        let d = document();
        let schema = json!({"type": "string", "pattern": "^a"});
        assert!(
            d.validate(&schema, &json!("b"), "x")
                .unwrap_err()
                .contains("pattern")
        );
        let nested = json!({"type": "object", "properties": {"a": {"items": {"maxLength": 3}}}});
        assert_eq!(unchecked_keywords(&nested, "S"), ["S.a[]: maxLength"]);
    }
}
