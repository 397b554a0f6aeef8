//! The SAM template cannot drift from the code: the table against the store's one definition,
//! the stream filter against the store's evidence entity types, the routes against the routes
//! the functions serve.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support code

mod console;
mod events;
mod iam;
mod logs;
mod openapi;
mod routes;
mod table;
