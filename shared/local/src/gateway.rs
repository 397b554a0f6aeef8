//! What API Gateway's HTTP API does between a client and a function: an HTTP request becomes a
//! payload 2.0 event (with the authorizer's claims), which `lambda_http` reads exactly as the
//! Lambda runtime does in AWS; the function's response becomes the HTTP response.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use lambda_http::http::request::Parts;
use lambda_http::http::{HeaderMap, header};
use lambda_http::{Body, Request, Response};
use serde_json::{Map, Value, json};

/// The account and API id the local stack claims in events.
pub const ACCOUNT_ID: &str = "000000000000";
pub const API_ID: &str = "local";

/// One request as API Gateway sees it once the route and the caller are known.
pub struct Incoming<'a> {
    pub parts: &'a Parts,
    pub body: &'a [u8],
    pub peer: SocketAddr,
    /// The route's template (`/contracts/{contract_id}`).
    pub template: &'static str,
    /// The verified claims, rendered as the JWT authorizer renders them.
    pub claims: Option<&'a BTreeMap<String, String>>,
    pub request_id: &'a str,
    pub received_at: DateTime<Utc>,
}

/// The payload 2.0 event for `incoming`.
pub fn event(incoming: &Incoming<'_>) -> Value {
    let parts = incoming.parts;
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let raw_query = parts.uri.query().unwrap_or("");
    let route_key = format!("{method} {}", incoming.template);
    let host = header_text(&parts.headers, header::HOST.as_str())
        .unwrap_or_else(|| incoming.peer.to_string());

    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers(&parts.headers),
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or(""),
            "http": {
                "method": method,
                "path": path,
                "protocol": protocol(parts),
                "sourceIp": incoming.peer.ip().to_string(),
                "userAgent": header_text(&parts.headers, header::USER_AGENT.as_str()).unwrap_or_default(),
            },
            "requestId": incoming.request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": incoming.received_at.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": incoming.received_at.timestamp_millis(),
        },
        "isBase64Encoded": false,
    });
    let cookies = cookies(&parts.headers);
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    let query = query_parameters(raw_query);
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    let params = path_parameters(incoming.template, path);
    if !params.is_empty() {
        event["pathParameters"] = Value::Object(params);
    }
    if let Some(claims) = incoming.claims {
        event["requestContext"]["authorizer"] = json!({
            "jwt": { "claims": claims, "scopes": null }
        });
    }
    if !incoming.body.is_empty() {
        match std::str::from_utf8(incoming.body) {
            Ok(text) => event["body"] = json!(text),
            Err(_) => {
                event["body"] = json!(STANDARD.encode(incoming.body));
                event["isBase64Encoded"] = json!(true);
            }
        }
    }
    event
}

/// The event as the `lambda_http::Request` a function receives, built exactly as in Lambda
/// (the same sanitising step: a header the request builder cannot parse never crashes the stack).
pub fn request(event: &Value) -> Result<Request, String> {
    standing_lambda::events::http_request(event.clone())
}

/// A function's response as bytes for the client.
pub fn response_bytes(response: Response<Body>) -> (lambda_http::http::response::Parts, Vec<u8>) {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Vec::new(),
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        other => other.as_ref().to_vec(),
    };
    (parts, bytes)
}

fn protocol(parts: &Parts) -> &'static str {
    match parts.version {
        lambda_http::http::Version::HTTP_10 => "HTTP/1.0",
        lambda_http::http::Version::HTTP_2 => "HTTP/2.0",
        _ => "HTTP/1.1",
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Headers with lower-case names; repeated headers joined with commas, as payload 2.0 does.
/// Cookies travel in `cookies` instead.
fn headers(headers: &HeaderMap) -> Map<String, Value> {
    let mut out: Map<String, Value> = Map::new();
    for name in headers.keys() {
        if name == header::COOKIE {
            continue;
        }
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if !values.is_empty() {
            out.insert(name.as_str().to_owned(), json!(values.join(",")));
        }
    }
    out
}

fn cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Query parameters, decoded; a repeated name's values joined with commas.
fn query_parameters(raw: &str) -> Map<String, Value> {
    let mut joined: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        joined
            .entry(percent_decode(name))
            .or_default()
            .push(percent_decode(value));
    }
    joined
        .into_iter()
        .map(|(name, values)| (name, json!(values.join(","))))
        .collect()
}

/// The `{name}` segments of `template` in `path`, decoded.
fn path_parameters(template: &str, path: &str) -> Map<String, Value> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(want, got)| {
            let name = want.strip_prefix('{')?.strip_suffix('}')?;
            Some((name.to_owned(), json!(percent_decode(got))))
        })
        .collect()
}

/// `%XX` escapes decoded; a malformed escape or a result that is not UTF-8 is kept as written.
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'%')
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match byte {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::RequestExt;
    use lambda_http::http::Request as HttpRequest;

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = HttpRequest::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn incoming<'a>(
        parts: &'a Parts,
        body: &'a [u8],
        template: &'static str,
        claims: Option<&'a BTreeMap<String, String>>,
    ) -> Incoming<'a> {
        Incoming {
            parts,
            body,
            peer: "127.0.0.1:50000".parse().unwrap(),
            template,
            claims,
            request_id: "req-1",
            received_at: "2026-11-24T09:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn a_request_becomes_the_payload_2_event_api_gateway_sends() {
        let parts = parts(
            "POST",
            "/contracts/c%2D1/feedback?x=1&y=a%20b&x=2",
            &[
                ("host", "localhost:8080"),
                ("content-type", "application/json"),
                ("cookie", "a=1; b=2"),
                ("accept", "text/plain"),
                ("accept", "application/json"),
            ],
        );
        let claims = BTreeMap::from([
            ("sub".to_owned(), "cl-1".to_owned()),
            ("roles".to_owned(), "[client reviewer]".to_owned()),
        ]);
        let body = br#"{"public":{}}"#;
        let event = event(&incoming(
            &parts,
            body,
            "/contracts/{contract_id}/feedback",
            Some(&claims),
        ));
        assert_eq!(event["version"], "2.0");
        assert_eq!(event["routeKey"], "POST /contracts/{contract_id}/feedback");
        assert_eq!(event["rawPath"], "/contracts/c%2D1/feedback");
        assert_eq!(event["rawQueryString"], "x=1&y=a%20b&x=2");
        assert_eq!(
            event["queryStringParameters"],
            json!({"x": "1,2", "y": "a b"})
        );
        assert_eq!(event["pathParameters"], json!({"contract_id": "c-1"}));
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        assert_eq!(event["headers"]["accept"], "text/plain,application/json");
        assert!(event["headers"].get("cookie").is_none());
        assert_eq!(
            event["requestContext"]["authorizer"]["jwt"]["claims"]["roles"],
            "[client reviewer]"
        );
        assert_eq!(event["requestContext"]["http"]["sourceIp"], "127.0.0.1");
        assert_eq!(
            event["requestContext"]["time"],
            "24/Nov/2026:09:00:00 +0000"
        );
        assert_eq!(event["body"], r#"{"public":{}}"#);
        assert_eq!(event["isBase64Encoded"], false);

        let request = request(&event).unwrap();
        assert_eq!(request.method(), "POST");
        assert_eq!(request.raw_http_path(), "/contracts/c%2D1/feedback");
        assert_eq!(request.body().as_ref(), body);
        let actor = standing_lambda::actor(&request).unwrap();
        assert_eq!(actor.user_id.as_str(), "cl-1");
        assert_eq!(actor.roles.len(), 2);
    }

    #[test]
    fn a_body_that_is_not_utf8_travels_base64_encoded() {
        let parts = parts("PUT", "/contracts/c1", &[]);
        let event = event(&incoming(
            &parts,
            &[0xff, 0x00],
            "/contracts/{contract_id}",
            None,
        ));
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], "/wA=");
        assert!(event["requestContext"].get("authorizer").is_none());
        let request = request(&event).unwrap();
        assert_eq!(request.body().as_ref(), &[0xff, 0x00]);
    }

    #[test]
    fn percent_decoding_keeps_what_it_cannot_decode() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%FF"), "%FF");
    }
}
