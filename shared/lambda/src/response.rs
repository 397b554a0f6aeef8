//! JSON responses.

use crate::error::ApiError;
use lambda_http::http::StatusCode;
use lambda_http::http::header::{CONTENT_TYPE, HeaderValue};
use lambda_http::{Body, Response};
use serde::Serialize;

/// `body` as JSON with `status`. A body that cannot be serialised (a bug, never input) becomes a
/// fixed 500 error body rather than a panic.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response<Body> {
    let (status, bytes) = match serde_json::to_string(body) {
        Ok(text) => (status, text),
        Err(e) => {
            tracing::error!(error = %e, "a response body could not be serialised");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"error":{"code":"internal","message":"the response could not be produced; please report this","details":{}}}"#
                    .to_owned(),
            )
        }
    };
    let mut response = Response::new(Body::Text(bytes));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A handler's outcome as the response: errors through [`ApiError::into_response`].
pub fn respond(outcome: Result<Response<Body>, ApiError>) -> Response<Body> {
    outcome.unwrap_or_else(ApiError::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_response_has_its_status_content_type_and_body() {
        let r = json(
            StatusCode::CREATED,
            &serde_json::json!({"report_id": "rp_1"}),
        );
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(r.body().as_ref(), br#"{"report_id":"rp_1"}"#);
    }

    #[test]
    fn a_body_that_cannot_be_serialised_becomes_a_500_not_a_panic() {
        use std::collections::HashMap;
        // JSON object keys must be strings; a map keyed by tuples cannot be written.
        let odd: HashMap<(u8, u8), u8> = HashMap::from([((1, 2), 3)]);
        let r = json(StatusCode::OK, &odd);
        assert_eq!(r.status(), 500);
        let v: serde_json::Value = serde_json::from_slice(r.body().as_ref()).unwrap();
        assert_eq!(v["error"]["code"], "internal");
    }
}
