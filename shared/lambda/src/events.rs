//! The events of a function with several triggers (HTTP plus the table's stream, or HTTP plus the
//! daily schedule), told apart by their shape, and what goes back to Lambda for each.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_http::{Body, Context, LambdaEvent, Request, RequestExt, Response};
use serde::de::{Error as _, IgnoredAny};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use std::future::Future;

/// One invocation's event.
#[derive(Debug)]
pub enum Incoming {
    /// An API Gateway HTTP API request (payload 2.0), as `lambda_http` builds it.
    Http(Box<Request>),
    /// A batch of the table's stream records.
    Stream(StreamEvent),
    /// An EventBridge (scheduler) event.
    Schedule(EventBridgeEvent),
}

/// What each kind of event answers.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Outgoing {
    Http(Box<ApiGatewayV2httpResponse>),
    Stream(DynamoDbEventResponse),
    Schedule(serde_json::Value),
}

/// The top-level keys that tell the event sources apart.
/// Serves invocations until the runtime stops, handing each to the function's own `handle`;
/// after each, what it counted leaves as one EMF line on stdout, with the dimension
/// `function` = `function` (the function's name in the repository, stable across stacks).
pub async fn serve<F, Fut>(function: &str, handle: F) -> Result<(), lambda_http::Error>
where
    F: Fn(LambdaEvent<Incoming>) -> Fut,
    Fut: Future<Output = Result<Outgoing, lambda_http::Error>>,
{
    let collector = crate::metrics::install_emf(function);
    let handle = &handle;
    lambda_http::lambda_runtime::run(lambda_http::service_fn(move |event| async move {
        let outcome = handle(event).await;
        if let Some(collector) = collector {
            crate::metrics::flush_emf(collector, std::io::stdout().lock());
        }
        outcome
    }))
    .await
}

/// The HTTP arm of every function's `handle`: the request, with its Lambda context, answered by
/// the function's `handle_http` and shaped as API Gateway expects.
pub async fn answer_http<F, Fut>(
    request: Box<Request>,
    context: Context,
    handle_http: F,
) -> Outgoing
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    let request = (*request).with_lambda_context(context);
    Outgoing::Http(Box::new(http_response(handle_http(request).await)))
}

/// An event of a kind this function has no trigger for.
pub fn misrouted(function: &str, kind: &str) -> lambda_http::Error {
    format!("{function} has no {kind} trigger: the event was routed here by mistake").into()
}

#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "Records", default)]
    records: Option<IgnoredAny>,
    #[serde(rename = "requestContext", default)]
    request_context: Option<IgnoredAny>,
    #[serde(rename = "detail-type", default)]
    detail_type: Option<IgnoredAny>,
}

impl<'de> Deserialize<'de> for Incoming {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let probe: Probe = serde_json::from_str(raw.get()).map_err(D::Error::custom)?;
        if probe.records.is_some() {
            serde_json::from_str(raw.get())
                .map(Incoming::Stream)
                .map_err(D::Error::custom)
        } else if probe.request_context.is_some() {
            let event: serde_json::Value =
                serde_json::from_str(raw.get()).map_err(D::Error::custom)?;
            http_request(event)
                .map(|request| Incoming::Http(Box::new(request)))
                .map_err(D::Error::custom)
        } else if probe.detail_type.is_some() {
            serde_json::from_str(raw.get())
                .map(Incoming::Schedule)
                .map_err(D::Error::custom)
        } else {
            Err(D::Error::custom(
                "unrecognised event: expected an API Gateway HTTP API request, a DynamoDB stream batch or an EventBridge event",
            ))
        }
    }
}

/// The `lambda_http::Request` of an API Gateway HTTP API (payload 2.0) event, built the one way
/// both paths build it, in Lambda and in the local stack: what the request builder would panic on
/// (see [`make_uri_safe`]) is made safe first, so no input can crash the process.
pub fn http_request(mut event: serde_json::Value) -> Result<lambda_http::Request, String> {
    make_uri_safe(&mut event);
    flatten_claims(&mut event);
    lambda_http::request::from_str(&event.to_string())
        .map_err(|e| format!("the API Gateway event could not be read: {e}"))
}

/// API Gateway hands over the path and query as the client sent them, and `lambda_http` panics
/// while building the request's URI from characters a URI cannot hold (a raw `"` or space in the
/// query) or from a host or scheme it cannot parse. Escaping keeps the path's and the query's
/// meaning (the router and the query parser decode escapes); a host or scheme that is not plain
/// is dropped (nothing here reads them), so bad input cannot crash the function.
fn make_uri_safe(event: &mut serde_json::Value) {
    for key in ["rawPath", "rawQueryString"] {
        if let Some(serde_json::Value::String(text)) = event.get_mut(key)
            && let Some(escaped) = escape_for_uri(text)
        {
            *text = escaped;
        }
    }
    if let Some(serde_json::Value::Object(headers)) = event.get_mut("headers") {
        headers.retain(|name, value| {
            let value = value.as_str().unwrap_or("");
            if name.eq_ignore_ascii_case("host") {
                is_plain_host(value)
            } else if name.eq_ignore_ascii_case("x-forwarded-proto") {
                is_scheme(value)
            } else {
                true
            }
        });
    }
    let encoded = event.get("isBase64Encoded") == Some(&serde_json::Value::Bool(true));
    let undecodable = event
        .get("body")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|body| !is_canonical_base64(body));
    if encoded && undecodable {
        // API Gateway never sends this; a body that cannot be decoded is treated as absent.
        tracing::warn!("an HTTP event's base64 body could not be decoded; treating it as empty");
        event["body"] = serde_json::Value::from("");
        event["isBase64Encoded"] = serde_json::Value::Bool(false);
    }
    if let Some(serde_json::Value::Object(context)) = event.get_mut("requestContext") {
        let plain = context
            .get("domainName")
            .is_none_or(|d| d.as_str().is_some_and(is_plain_host));
        if !plain {
            context.remove("domainName");
        }
    }
}

/// API Gateway hands over every JWT claim as a string, an array flattened to `"[a b]"`; the
/// event type accepts nothing else. An event built elsewhere (the local stack, a test) may carry
/// the token's own JSON types: they are flattened the same way rather than failing the request.
fn flatten_claims(event: &mut serde_json::Value) {
    use serde_json::Value;
    let Some(Value::Object(claims)) = event.pointer_mut("/requestContext/authorizer/jwt/claims")
    else {
        return;
    };
    claims.retain(|_, value| !value.is_null());
    for value in claims.values_mut() {
        if !value.is_string() {
            *value = Value::String(crate::claims::flatten_claim(value));
        }
    }
}

/// `text` with every byte a URI path or query cannot hold percent-encoded; `None` if none.
fn escape_for_uri(text: &str) -> Option<String> {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b);
    if text.bytes().all(keep) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for b in text.bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Some(out)
}

/// Whether `text` is standard base64 with canonical padding, which is what `lambda_http`'s
/// decoder accepts (it panics on anything else).
fn is_canonical_base64(text: &str) -> bool {
    let value = |b: u8| match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let padding = bytes.iter().rev().take_while(|b| **b == b'=').count();
    let data = &bytes[..bytes.len() - padding];
    if padding > 2 || data.iter().any(|b| value(*b).is_none()) {
        return false;
    }
    // The bits after the last whole byte must be zero.
    let last = data.last().and_then(|b| value(*b)).unwrap_or(0);
    match padding {
        1 => last & 0b11 == 0,
        2 => last & 0b1111 == 0,
        _ => true,
    }
}

/// A DNS name of letters, digits and hyphens whose last label starts with a letter (so it is
/// never read as an IP address), with an optional port: what every URL parser accepts.
fn is_plain_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    let port_ok = port.is_none_or(|p| {
        (1..=5).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= 65_535)
    });
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
            && !l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    };
    port_ok
        && name.len() <= 253
        && labels.iter().all(label_ok)
        && labels
            .last()
            .and_then(|l| l.bytes().next())
            .is_some_and(|b| b.is_ascii_alphabetic())
}

fn is_scheme(scheme: &str) -> bool {
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// A response as API Gateway's HTTP API (payload 2.0) expects it.
pub fn http_response(response: Response<Body>) -> ApiGatewayV2httpResponse {
    let (parts, body) = response.into_parts();
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = i64::from(parts.status.as_u16());
    out.headers = parts.headers;
    out.is_base64_encoded = matches!(body, Body::Binary(_));
    out.body = match body {
        Body::Empty => None,
        other => Some(other),
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::StatusCode;

    #[test]
    fn a_stream_batch_an_http_request_and_a_schedule_are_told_apart() {
        let stream: Incoming = serde_json::from_str(r#"{"Records": []}"#).unwrap();
        assert!(matches!(stream, Incoming::Stream(_)));
        let schedule: Incoming = serde_json::from_str(
            r#"{"version":"0","id":"e-1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-24T03:00:00Z","region":"eu-west-1","resources":["arn:aws:events:eu-west-1:123456789012:rule/daily"],"detail":{}}"#,
        )
        .unwrap();
        assert!(matches!(schedule, Incoming::Schedule(_)));
        let http: Incoming = serde_json::from_str(
            r#"{"version":"2.0","routeKey":"$default","rawPath":"/appeals","rawQueryString":"status=pending","headers":{},"requestContext":{"http":{"method":"GET","path":"/appeals"},"stage":"$default"},"isBase64Encoded":false}"#,
        )
        .unwrap();
        match http {
            Incoming::Http(request) => assert_eq!(request.uri().path(), "/appeals"),
            other => panic!("{other:?}"),
        }
    }

    fn http_event(path: &str, query: &str, host: &str, proto: &str) -> String {
        serde_json::json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": {"host": host, "x-forwarded-proto": proto},
            "requestContext": {
                "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
                "http": {"method": "GET", "path": path},
                "stage": "$default"
            },
            "isBase64Encoded": false
        })
        .to_string()
    }

    #[test]
    fn characters_a_uri_cannot_hold_are_escaped_rather_than_crashing_the_function() {
        let odd = [
            " ", "\"", "<", ">", "\\", "^", "`", "{", "}", "|", "#", "[", "]", "é", "\u{7f}", "\n",
            "%", "%zz", "?", "&&", "==",
        ];
        for c in odd {
            for (path, query, host, proto) in [
                (
                    format!("/complaints/{c}"),
                    "status=open".to_owned(),
                    "api.example.com",
                    "https",
                ),
                (
                    "/complaints".to_owned(),
                    format!("status={c}"),
                    "api.example.com",
                    "https",
                ),
                (
                    "/complaints".to_owned(),
                    format!("{c}=x"),
                    "api.example.com",
                    "https",
                ),
                ("/complaints".to_owned(), String::new(), c, "https"),
                (
                    "/complaints".to_owned(),
                    String::new(),
                    &format!("a{c}b"),
                    "https",
                ),
                (
                    "/complaints".to_owned(),
                    String::new(),
                    "api.example.com",
                    c,
                ),
            ] {
                let event = http_event(&path, &query, host, proto);
                let parsed = std::panic::catch_unwind(|| serde_json::from_str::<Incoming>(&event));
                assert!(
                    matches!(parsed, Ok(Ok(Incoming::Http(_)))),
                    "{path:?} {query:?} {host:?} {proto:?}"
                );
            }
        }
    }

    #[test]
    fn hosts_a_url_parser_could_refuse_are_dropped_and_plain_ones_kept() {
        for host in [
            "[",
            "[::1",
            "1.2.3.999",
            "a.1",
            "xn--a",
            "a..b",
            "-a",
            "a:99999",
            "a:",
            ".",
            "",
            "a b",
            "ex ample.com",
            "é.com",
            "a:1:2",
        ] {
            assert!(!is_plain_host(host), "{host:?}");
            let event = http_event("/complaints", "", host, "https");
            let parsed = std::panic::catch_unwind(|| serde_json::from_str::<Incoming>(&event));
            assert!(matches!(parsed, Ok(Ok(Incoming::Http(_)))), "{host:?}");
        }
        for host in [
            "api.example.com",
            "localhost:3000",
            "abcdef1234.execute-api.eu-west-1.amazonaws.com",
        ] {
            assert!(is_plain_host(host), "{host:?}");
        }
    }

    #[test]
    fn a_base64_body_that_cannot_be_decoded_is_treated_as_absent_not_a_panic() {
        for (body, canonical) in [
            ("eyJhIjoxfQ==", true),
            ("", true),
            ("e30=", true),
            ("e31=", false),
            ("e3=", false),
            ("e30", false),
            ("e3 0=", false),
            ("====", false),
            ("!!!!", false),
        ] {
            assert_eq!(is_canonical_base64(body), canonical, "{body:?}");
            let mut event: serde_json::Value =
                serde_json::from_str(&http_event("/x", "", "api.example.com", "https")).unwrap();
            event["body"] = serde_json::Value::from(body);
            event["isBase64Encoded"] = serde_json::Value::Bool(true);
            let text = event.to_string();
            let parsed = std::panic::catch_unwind(|| serde_json::from_str::<Incoming>(&text));
            assert!(matches!(parsed, Ok(Ok(Incoming::Http(_)))), "{body:?}");
        }
    }

    #[test]
    fn claims_in_the_tokens_own_json_types_are_flattened_as_api_gateway_does() {
        let mut event: serde_json::Value =
            serde_json::from_str(&http_event("/x", "", "api.example.com", "https")).unwrap();
        event["requestContext"]["authorizer"] = serde_json::json!({"jwt": {"claims": {
            "sub": "fl-1",
            "roles": ["freelancer", "reviewer"],
            "iat": 1795510700,
            "email_verified": true,
            "nickname": null
        }}});
        let Ok(Incoming::Http(request)) = serde_json::from_value::<Incoming>(event) else {
            panic!("not an HTTP request");
        };
        let actor = crate::claims::actor(&request).unwrap();
        assert_eq!(
            actor.roles,
            vec![
                standing_domain::Role::Freelancer,
                standing_domain::Role::Reviewer
            ]
        );
        use lambda_http::RequestExt;
        let context = request.request_context();
        let claims = &context.authorizer().unwrap().jwt.as_ref().unwrap().claims;
        assert_eq!(claims["roles"], "[freelancer reviewer]");
        assert_eq!(claims["iat"], "1795510700");
        assert_eq!(claims["email_verified"], "true");
        assert!(!claims.contains_key("nickname"));
    }

    #[test]
    fn an_escaped_query_keeps_its_meaning() {
        let event = http_event(
            "/complaints",
            "status=\"open\" now",
            "api.example.com",
            "https",
        );
        let Ok(Incoming::Http(request)) = serde_json::from_str::<Incoming>(&event) else {
            panic!("not an HTTP request");
        };
        use lambda_http::RequestExt;
        assert_eq!(
            request.query_string_parameters().first("status"),
            Some("\"open\" now")
        );
    }

    #[test]
    fn an_event_of_no_known_source_is_an_error_not_a_panic() {
        assert!(serde_json::from_str::<Incoming>(r#"{"hello": "world"}"#).is_err());
        assert!(serde_json::from_str::<Incoming>("[]").is_err());
    }

    #[test]
    fn an_http_response_keeps_status_headers_and_text_body() {
        let response = crate::response::json(StatusCode::CREATED, &serde_json::json!({"a": 1}));
        let out = http_response(response);
        assert_eq!(out.status_code, 201);
        assert!(!out.is_base64_encoded);
        assert_eq!(out.headers["content-type"], "application/json");
        let wire = serde_json::to_value(Outgoing::Http(Box::new(out))).unwrap();
        assert_eq!(wire["statusCode"], 201);
        assert_eq!(wire["body"], r#"{"a":1}"#);
    }
}
