//! The contract as a document: the OpenAPI 3.1 description of the whole HTTP API, kept by hand
//! next to the edge's types (`openapi.json` in this crate) and served without a token at
//! `GET /openapi.json`. It cannot drift silently: `tests/drift/openapi.rs` compares its paths with
//! every function's routes, the end-to-end tests check every JSON response they receive against
//! its schemas, and CI runs Schemathesis against the local stack with it.

use lambda_http::http::StatusCode;
use lambda_http::http::header::{CONTENT_TYPE, HeaderValue};
use lambda_http::{Body, Response};

/// Where the document is served.
pub const PATH: &str = "/openapi.json";

/// The document, as served.
pub const DOCUMENT: &str = include_str!("../openapi.json");

/// `GET /openapi.json`.
pub fn response() -> Response<Body> {
    let mut response = Response::new(Body::Text(DOCUMENT.to_owned()));
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_json() {
        let document: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        assert!(document["paths"].is_object());
    }
}
