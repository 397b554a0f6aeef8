//! End to end: the real `standing` binary over HTTP on a free loopback port, each scenario on the
//! embedded store and on DynamoDB Local, each test with its own data directory and table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

mod api;

mod authorization;
mod concurrency;
mod conflicts;
mod console;
mod decisions;
mod durability;
mod errors;
mod events;
mod fuzz;
mod hostile;
mod journey;
mod policies;
mod shown;
mod transparency;
