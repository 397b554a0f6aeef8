//! The local stack, end to end: the real `standing` binary on a free loopback port.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod scenario;
mod support;

mod auth;
mod dev_clock;
mod dynamodb;
mod lifecycle;
mod routes;
mod stream;
