//! The `standing` binary. This crate is not the binary's package, so Cargo does not hand us its
//! path: it is built once per test process (a no-op when the workspace build already made it) and
//! its path taken from Cargo's own report of the artifact.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use standing_tests::repo_root;

use super::process::run;

/// Ample for a clean debug build of the stack on two busy cores.
const BUILD: Duration = Duration::from_secs(30 * 60);

/// The path of an up-to-date `standing` binary.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build)
}

fn build() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let built = run(
        Command::new(cargo)
            .current_dir(repo_root())
            .args(["build", "-p", "standing-local", "--bin", "standing"])
            .arg("--message-format=json-render-diagnostics"),
        BUILD,
    );
    assert!(
        built.status.success(),
        "building the standing binary failed ({}):\n{}",
        built.status,
        built.stderr
    );
    let path = executable(&built.stdout).unwrap_or_else(conventional_path);
    assert!(path.is_file(), "no standing binary at {}", path.display());
    path
}

/// The executable Cargo reports for the `standing` target.
fn executable(report: &str) -> Option<PathBuf> {
    report
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "standing")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// `$CARGO_TARGET_DIR/debug/standing`, else the workspace's `target/debug/standing`.
fn conventional_path() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => repo_root().join(dir),
        None => repo_root().join("target"),
    };
    target.join("debug").join("standing")
}
