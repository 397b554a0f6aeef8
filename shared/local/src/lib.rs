//! The whole of Standing on one machine (the `standing` binary): the HTTP API in front of the
//! same handlers as in AWS, fed the same API Gateway events; the table's stream (the embedded
//! engine's change log, or a DynamoDB endpoint's real stream) fed to evaluate-freelancer; the
//! daily schedule fed to process-appeal; HS256 tokens in place of the JWT authorizer.

pub mod cli;
pub mod clock;
pub mod ddb_stream;
pub mod export;
pub mod functions;
pub mod gateway;
pub mod ids;
pub mod jwt;
pub mod lab;
pub mod pump;
pub mod schedule;
pub mod serve;
pub mod server;
pub mod state;
pub mod token;
pub mod webhook;
pub mod wiring;
