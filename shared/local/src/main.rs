//! `standing`: see `standing help` and the crate's documentation.

use std::io::Write;
use std::process::ExitCode;

use standing_local::cli::{self, Command, USAGE};
use standing_local::server::say;
use standing_local::{serve, token};

/// mimalloc: glibc's allocator was a quarter of the stack's CPU time under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(e) => {
            complain(&format!("standing: {e}\n\n{USAGE}"));
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            say(USAGE);
            ExitCode::SUCCESS
        }
        Command::Token(options) => match token::run(&options) {
            Ok(token) => {
                say(&token);
                ExitCode::SUCCESS
            }
            Err(e) => {
                complain(&format!("standing token: {e}"));
                ExitCode::FAILURE
            }
        },
        Command::Generate(options) => match standing_local::lab::run_generate(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                complain(&format!("standing generate: {e}"));
                ExitCode::FAILURE
            }
        },
        Command::Import(options) => {
            init_tracing();
            finish(
                "import",
                runtime().and_then(|rt| rt.block_on(standing_local::lab::run_import(&options))),
            )
        }
        Command::Simulate(options) => {
            init_tracing();
            finish(
                "simulate",
                runtime().and_then(|rt| rt.block_on(standing_local::lab::run_simulate(&options))),
            )
        }
        Command::ExportStatements(options) => {
            init_tracing();
            // Standard output is the batches; the count goes to standard error.
            match runtime().and_then(|rt| rt.block_on(standing_local::export::run(&options))) {
                Ok(summary) => {
                    complain(&summary);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    complain(&format!("standing export-statements: {e}"));
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve(options) => {
            init_tracing();
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    complain(&format!(
                        "standing serve: cannot start the async runtime: {e}"
                    ));
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(serve::run(options)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    complain(&format!("standing serve: {e}"));
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Diagnostics go to standard error: warnings and errors of every part, and the stack's own
/// notes; `RUST_LOG` widens it (`RUST_LOG=info` shows each function's log lines too).
fn init_tracing() {
    let asked = std::env::var("RUST_LOG")
        .ok()
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| "warn,standing_local=info".to_owned());
    // No level logs tokens, bodies or stream images (the runtime and HTTP crates stay at info).
    let filter =
        tracing_subscriber::EnvFilter::try_new(standing_lambda::config::redacting_filter(&asked))
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,standing_local=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(false)
        .try_init();
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// A lab command's outcome: its report on standard output, or its failure on standard error.
fn finish(command: &str, outcome: Result<String, String>) -> ExitCode {
    match outcome {
        Ok(report) => {
            say(&report);
            ExitCode::SUCCESS
        }
        Err(e) => {
            complain(&format!("standing {command}: {e}"));
            ExitCode::FAILURE
        }
    }
}

fn complain(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}
