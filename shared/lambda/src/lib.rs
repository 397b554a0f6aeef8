//! What every Standing function shares at the edge: configuration and tracing, claims → `Actor`,
//! request parsing, the one mapping of errors to HTTP, table-driven routing, and DynamoDB stream
//! records → the freelancers to re-evaluate. No rule lives here: rules are in `standing-domain`.

pub mod aws;
pub mod body;
pub mod claims;
mod clock;
pub mod command;
pub mod config;
pub mod error;
pub mod events;
pub mod metrics;
pub mod openapi;
pub mod request;
pub mod response;
pub mod router;
pub mod stream;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod transparency;

pub use aws::repository_on_dynamodb;
pub use claims::actor;
pub use clock::SystemClock;
pub use config::{Config, ConfigError, LogFormat, init_tracing};
pub use error::ApiError;
pub use events::{Incoming, Outgoing, answer_http, http_response, misrouted, serve};
pub use request::{MAX_BODY_BYTES, page_request, parse_body, parse_json, query_choice, query_time};
pub use response::{json, respond};
pub use router::{PathParams, Route, route};
pub use stream::{ChangedFreelancer, batch_item_failures, changed_freelancers};

/// Re-exported so that function crates name the same HTTP and event types as this crate.
pub use lambda_http::{Body, Request, Response, http::Method, http::StatusCode};
