//! The local stack's own tests stand on the workspace's one HTTP harness
//! (`standing_testkit::serve` and `standing_testkit::http`): the real `standing` binary on a
//! free loopback port, every wait bounded. What is here is theirs alone: the stack's secret,
//! its signals, and heads written by hand.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;
use standing_local::jwt::{self, Secret};
use standing_testkit::serve::Serving;

pub use standing_testkit::http::Reply;
pub use standing_testkit::{TempDir, poll};

/// The secret every test stack signs with.
pub const SECRET: &str = "tests-secret-of-the-standing-local-stack";
/// How long a stack may take to start (DynamoDB table creation included) or to stop.
const START: Duration = Duration::from_secs(120);
const STOP: Duration = Duration::from_secs(60);

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_standing")
}

pub fn secret() -> Secret {
    Secret::new(SECRET).unwrap()
}

/// A token for `sub` with `roles`, valid for an hour.
pub fn token(sub: &str, roles: &[&str]) -> String {
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    jwt::sign(&jwt::local_claims(sub, &roles, Utc::now(), 3600), &secret())
}

/// One running `standing serve`. Dropping it kills the process.
pub struct Stack {
    serving: Serving,
    pub addr: SocketAddr,
    /// `--dynamodb-endpoint` and `--table`, when the stack was started on DynamoDB Local.
    table: Option<(String, String)>,
}

impl Stack {
    /// `standing serve --addr 127.0.0.1:0 --data DATA ARGS…`, once it says where it listens.
    pub fn start(data: &Path, args: &[&str]) -> Stack {
        let stderr = data.with_extension("stderr.log");
        let mut command = Command::new(binary());
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(args)
            .env("STANDING_JWT_SECRET", SECRET)
            .env_remove("RUST_LOG");
        let serving = Serving::start(command, Some(&stderr), START);
        let value = |flag: &str| {
            let at = args.iter().position(|a| *a == flag)?;
            args.get(at + 1).map(|v| (*v).to_owned())
        };
        Stack {
            addr: serving.addr(),
            serving,
            table: value("--dynamodb-endpoint").zip(value("--table")),
        }
    }

    /// Writes a stream mark to the stack's DynamoDB table and returns its number (see
    /// `standing_testkit::write_stream_mark`). Panics on the embedded store.
    pub fn write_stream_mark(&self) -> u64 {
        let Some((endpoint, table)) = &self.table else {
            panic!("the embedded store's stream says what it has not delivered; it needs no mark")
        };
        standing_testkit::write_stream_mark(endpoint, table).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the stack printed on standard output so far.
    pub fn output(&self) -> Vec<String> {
        self.serving.output()
    }

    pub fn stderr(&self) -> String {
        self.serving.stderr()
    }

    pub fn pid(&self) -> u32 {
        self.serving.pid()
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send("GET", path, token, None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send("POST", path, token, Some(&body.to_string()))
    }

    pub fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send("PUT", path, token, Some(&body.to_string()))
    }

    /// One request on its own connection, which must be answered.
    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Reply {
        standing_testkit::http::send(self.addr, method, path, token, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\nstack stderr:\n{}", self.stderr()))
    }

    /// Sends `signal` (`TERM`, `INT`, `KILL`) to the stack and waits for it to exit.
    pub fn signal(&mut self, signal: &str) -> ExitStatus {
        let sent = Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} failed");
        self.wait()
    }

    pub fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + STOP;
        loop {
            if let Some(status) = self.serving.child().try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the stack did not exit within {STOP:?}; stderr:\n{}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// One HTTP/1.1 request written as `head` (request line and headers, without the blank line),
/// with `Connection: close` added, read to the end: for headers a client would write correctly.
pub fn send_head(addr: SocketAddr, head: &str) -> Reply {
    let head = format!("{head}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    standing_testkit::http::send_raw(addr, head.as_bytes()).unwrap()
}
