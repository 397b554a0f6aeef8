//! `ApiError`, and the one place where every failure becomes an HTTP status and the contract's
//! body `{"error": {"code", "message", "details"}}`.

use lambda_http::http::header::{ALLOW, HeaderValue, RETRY_AFTER};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Response};
use serde_json::json;
use standing_domain::DomainError;

/// Everything a request can fail with at the edge, plus the domain's own errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No verified token claims, or none naming the caller (401).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The body is over the limit (413).
    #[error("the request body is {size} bytes; send at most {limit} bytes")]
    PayloadTooLarge { size: usize, limit: usize },
    /// The body is not UTF-8 JSON of the right overall shape (400).
    #[error("{message}")]
    InvalidJson {
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    },
    /// No route has this path (404).
    #[error("there is no route {method} {path}; see the API reference for the routes")]
    NotFound { method: Method, path: String },
    /// The path exists, the method does not (405, with `Allow`).
    #[error("{method} is not allowed on {path}; use {}", join(.allow))]
    MethodNotAllowed {
        method: Method,
        path: String,
        allow: Vec<Method>,
    },
    /// The client did not send the request in time (the local stack's edge; API Gateway has
    /// its own limits).
    #[error("the request did not arrive within {seconds} s; send it in one go")]
    RequestTimeout { seconds: u64 },
    /// What the use cases refuse or fail with, including `invalid_field` (see `invalid_field`).
    #[error(transparent)]
    Domain(#[from] DomainError),
}

fn join(methods: &[Method]) -> String {
    methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a 503 says: storage detail stays in the logs.
const UNAVAILABLE_MESSAGE: &str =
    "the service is temporarily unavailable; nothing was changed, please retry in a moment";
/// What a 500 says: the fault is ours, it is logged, and retrying will not mend it.
const INTERNAL_MESSAGE: &str = "something went wrong on our side and it has been logged; retrying will not help until it is fixed";

impl ApiError {
    /// A missing or malformed field, path parameter or query parameter (400 `invalid_field`):
    /// the same error the domain raises, so there is one shape for it.
    pub fn invalid_field(field: impl Into<String>, problem: impl std::fmt::Display) -> Self {
        Self::Domain(DomainError::invalid(field, problem))
    }

    /// A body that cannot be read as the JSON object a command is (400 `invalid_json`), where no
    /// line and column say more.
    pub fn invalid_json(message: impl Into<String>) -> Self {
        Self::InvalidJson {
            message: message.into(),
            line: None,
            column: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InvalidJson { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::Domain(e) => {
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    /// The stable code of the contract.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "unauthenticated",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::InvalidJson { .. } => "invalid_json",
            Self::NotFound { .. } => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::RequestTimeout { .. } => "request_timeout",
            Self::Domain(e) => e.code(),
        }
    }

    /// A sentence a person can act on. Storage failures say only that, never their cause.
    pub fn message(&self) -> String {
        match self {
            Self::Domain(DomainError::Unavailable(_)) => UNAVAILABLE_MESSAGE.to_owned(),
            Self::Domain(DomainError::Internal(_)) => INTERNAL_MESSAGE.to_owned(),
            other => other.to_string(),
        }
    }

    pub fn details(&self) -> serde_json::Value {
        match self {
            Self::PayloadTooLarge { limit, .. } => json!({ "limit_bytes": limit }),
            Self::InvalidJson { line, column, .. } => match (line, column) {
                (Some(line), Some(column)) => json!({ "line": line, "column": column }),
                _ => json!({}),
            },
            Self::MethodNotAllowed { allow, .. } => {
                json!({ "allow": allow.iter().map(Method::as_str).collect::<Vec<_>>() })
            }
            Self::Domain(DomainError::Unavailable(_) | DomainError::Internal(_)) => json!({}),
            Self::Domain(e) => e.details(),
            Self::RequestTimeout { seconds } => json!({ "timeout_seconds": seconds }),
            Self::Unauthenticated(_) | Self::NotFound { .. } => json!({}),
        }
    }

    /// The error as the contract's response. Logs 5xx with their cause and 4xx briefly.
    pub fn into_response(self) -> Response<Body> {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), code = self.code(), error = %self, "request failed");
        } else {
            tracing::info!(
                status = status.as_u16(),
                code = self.code(),
                "request refused"
            );
        }
        let body = json!({
            "error": {
                "code": self.code(),
                "message": self.message(),
                "details": self.details(),
            }
        });
        let mut response = crate::response::json(status, &body);
        match &self {
            Self::MethodNotAllowed { allow, .. } => {
                if let Ok(value) = HeaderValue::from_str(&join(allow)) {
                    response.headers_mut().insert(ALLOW, value);
                }
            }
            Self::Domain(DomainError::Unavailable(_)) => {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use standing_domain::PolicyRefusal;

    fn body(e: ApiError) -> (StatusCode, serde_json::Value, Response<Body>) {
        let response = e.into_response();
        let value = serde_json::from_slice(response.body().as_ref()).unwrap();
        (response.status(), value, response)
    }

    #[test]
    fn every_error_is_json_with_code_message_and_details() {
        let (status, value, response) = body(ApiError::Unauthenticated("send a bearer token"));
        assert_eq!(status, 401);
        assert_eq!(value["error"]["code"], "unauthenticated");
        assert_eq!(value["error"]["message"], "send a bearer token");
        assert_eq!(value["error"]["details"], json!({}));
        assert_eq!(response.headers()["content-type"], "application/json");
    }

    #[test]
    fn a_storage_failure_is_a_503_that_does_not_leak_its_cause() {
        let (status, value, response) = body(
            DomainError::Unavailable("ProvisionedThroughputExceeded on table prod-standing".into())
                .into(),
        );
        assert_eq!(status, 503);
        assert_eq!(value["error"]["code"], "unavailable");
        let text = value.to_string();
        assert!(!text.contains("prod-standing"), "{text}");
        assert!(!text.contains("Provisioned"), "{text}");
        assert_eq!(response.headers()["retry-after"], "1");
    }

    #[test]
    fn a_fault_of_ours_is_a_500_that_does_not_leak_its_cause_or_ask_for_a_retry() {
        let (status, value, response) = body(
            DomainError::Internal("FL#fl-1 / CONTRACT#c-9 does not match the schema".into()).into(),
        );
        assert_eq!(status, 500);
        assert_eq!(value["error"]["code"], "internal");
        let text = value.to_string();
        assert!(
            !text.contains("FL#fl-1") && !text.contains("schema"),
            "{text}"
        );
        assert!(text.contains("retrying will not help"), "{text}");
        assert!(response.headers().get("retry-after").is_none());
    }

    #[test]
    fn a_policy_refusal_keeps_the_domains_code_sentence_and_details() {
        let opens_at = "2027-02-28T00:00:00Z".parse().unwrap();
        let (status, value, _) =
            body(DomainError::from(PolicyRefusal::AppealNotYetOpen { opens_at }).into());
        assert_eq!(status, 422);
        assert_eq!(value["error"]["code"], "appeal_not_yet_open");
        assert_eq!(
            value["error"]["details"]["opens_at"],
            "2027-02-28T00:00:00Z"
        );
        assert!(
            value["error"]["message"]
                .as_str()
                .unwrap()
                .contains("2027-02-28")
        );
    }

    #[test]
    fn an_invalid_field_names_the_field_in_details() {
        let (status, value, _) = body(ApiError::invalid_field("contract_id", "must not be empty"));
        assert_eq!(status, 400);
        assert_eq!(value["error"]["code"], "invalid_field");
        assert_eq!(value["error"]["details"]["field"], "contract_id");
        assert_eq!(value["error"]["message"], "`contract_id` must not be empty");
    }

    #[test]
    fn a_wrong_method_answers_405_with_an_allow_header() {
        let (status, value, response) = body(ApiError::MethodNotAllowed {
            method: Method::DELETE,
            path: "/contracts/c-1".into(),
            allow: vec![Method::GET, Method::PUT],
        });
        assert_eq!(status, 405);
        assert_eq!(value["error"]["code"], "method_not_allowed");
        assert_eq!(response.headers()["allow"], "GET, PUT");
        assert_eq!(value["error"]["details"]["allow"], json!(["GET", "PUT"]));
    }

    #[test]
    fn each_domain_error_keeps_its_status_and_code() {
        let cases: Vec<(DomainError, u16, &str)> = vec![
            (DomainError::Forbidden("no".into()), 403, "forbidden"),
            (DomainError::not_found("contract", "c-1"), 404, "not_found"),
            (
                DomainError::AlreadyExists("twice".into()),
                409,
                "already_exists",
            ),
            (DomainError::Conflict("stale".into()), 409, "conflict"),
            (
                PolicyRefusal::PrivateFeedbackImmutable.into(),
                422,
                "private_feedback_immutable",
            ),
        ];
        for (error, status, code) in cases {
            let e = ApiError::from(error);
            assert_eq!(e.status().as_u16(), status);
            assert_eq!(e.code(), code);
        }
    }
}
