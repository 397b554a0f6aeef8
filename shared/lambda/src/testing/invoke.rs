//! Invocations as Lambda makes them: the event goes in as JSON and is read the way the runtime
//! reads it ([`Incoming`]); the answer is looked at as the JSON the runtime posts back.

use crate::events::{Incoming, Outgoing};
use lambda_http::{Context, LambdaEvent};
use serde_json::{Map, Value};

/// Who calls: `(sub, roles)` as API Gateway's JWT authorizer hands the claims over, roles
/// flattened to `"[client reviewer]"`; `None` for a request without an authorizer block.
pub type Caller = Option<(&'static str, &'static str)>;

/// An event's JSON read as the runtime reads it, with a context naming the invocation.
pub fn invocation(event: &Value) -> LambdaEvent<Incoming> {
    let payload: Incoming = serde_json::from_value(event.clone())
        .unwrap_or_else(|e| panic!("the test event is not one Lambda would deliver: {e}"));
    let mut context = Context::default();
    context.request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd".to_owned();
    context.invoked_function_arn =
        "arn:aws:lambda:us-east-1:000000000000:function:standing-test".to_owned();
    LambdaEvent::new(payload, context)
}

/// An API Gateway HTTP API request ([`super::apigw_event`]) as an invocation.
pub fn http_invocation(
    method: &str,
    path_and_query: &str,
    caller: Caller,
    body: Option<&str>,
) -> LambdaEvent<Incoming> {
    invocation(&super::apigw_event(method, path_and_query, caller, body))
}

/// A handler's answer as the JSON the runtime posts to Lambda.
pub fn wire(answer: Outgoing) -> Value {
    serde_json::to_value(answer).expect("every answer serialises")
}

/// An HTTP answer, read back from the API Gateway v2 response JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Map<String, Value>,
    /// The body, parsed: every answer of the contract is JSON.
    pub body: Value,
}

impl Reply {
    /// Reads `{"statusCode", "headers", "body", "isBase64Encoded"}` as API Gateway would.
    pub fn from_wire(wire: &Value) -> Self {
        assert_eq!(
            wire["isBase64Encoded"],
            Value::Bool(false),
            "the functions answer JSON as text: {wire}"
        );
        let status = wire["statusCode"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or_else(|| panic!("no statusCode in {wire}"));
        let headers = wire["headers"].as_object().cloned().unwrap_or_default();
        let text = wire["body"]
            .as_str()
            .unwrap_or_else(|| panic!("no body in {wire}"));
        let body = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {text}"));
        Self {
            status,
            headers,
            body,
        }
    }

    /// The answer of a handler to an HTTP invocation.
    pub fn from_answer(answer: Outgoing) -> Self {
        match answer {
            Outgoing::Http(_) => Self::from_wire(&wire(answer)),
            other => panic!("an HTTP invocation was answered as another kind: {other:?}"),
        }
    }

    /// The error code of an error body, or "" for a success.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(Value::as_str)
    }
}

/// The sequence numbers a stream answer reports in `batchItemFailures`.
pub fn batch_item_failures(wire: &Value) -> Vec<String> {
    wire["batchItemFailures"]
        .as_array()
        .unwrap_or_else(|| panic!("not a stream answer: {wire}"))
        .iter()
        .map(|failure| {
            failure["itemIdentifier"]
                .as_str()
                .unwrap_or_else(|| panic!("a failure without itemIdentifier: {wire}"))
                .to_owned()
        })
        .collect()
}
