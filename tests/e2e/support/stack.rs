//! A store of the test's own (a data directory, and a DynamoDB Local table when on DynamoDB) and
//! the real `standing serve` running on it, on a free loopback port.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, ExitStatus};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use standing_testkit::http::{Reply, send};
use standing_testkit::poll::StreamProgress;
use standing_testkit::serve::Serving;
use standing_testkit::{DynamoDbLocal, TempDir, unique_table_name};

use super::binary::binary;
use super::callers::{Caller, SECRET};
use standing_testkit::poll;

/// How long a stack may take to start (creating its DynamoDB table included) or to stop.
const START: Duration = Duration::from_secs(120);
const STOP: Duration = Duration::from_secs(60);

/// Where a scenario's data lives: its own data directory, and on DynamoDB Local its own table.
pub struct Store {
    dir: TempDir,
    table: Option<(String, String)>,
    starts: Mutex<u32>,
}

impl Store {
    /// The embedded engine, in a fresh data directory.
    pub fn embedded(scenario: &str) -> Store {
        Store {
            dir: TempDir::new(&format!("e2e-{scenario}")).unwrap(),
            table: None,
            starts: Mutex::new(0),
        }
    }

    /// A fresh table on this process's DynamoDB Local (started on first use), re-evaluation fed by
    /// its real stream.
    pub fn dynamodb_local(scenario: &str) -> Store {
        let local = DynamoDbLocal::shared().unwrap_or_else(|e| panic!("{e}"));
        let endpoint = local.endpoint().to_owned();
        assert!(
            endpoint.starts_with("http://127.0.0.1:"),
            "DynamoDB Local is not on loopback: {endpoint}"
        );
        Store {
            dir: TempDir::new(&format!("e2e-ddb-{scenario}")).unwrap(),
            table: Some((endpoint, unique_table_name(&format!("e2e-{scenario}")))),
            starts: Mutex::new(0),
        }
    }

    /// Where the stack keeps the table: the embedded engine's file, or DynamoDB Local's endpoint
    /// and the table's name.
    pub(super) fn location(&self) -> Location {
        match &self.table {
            None => Location::Embedded(self.dir.path().join("data").join(EMBEDDED_FILE)),
            Some((endpoint, table)) => Location::DynamoDb {
                endpoint: endpoint.clone(),
                table: table.clone(),
            },
        }
    }

    fn args(&self) -> Vec<String> {
        let mut args = vec![
            "--data".to_owned(),
            self.dir.path().join("data").display().to_string(),
        ];
        if let Some((endpoint, table)) = &self.table {
            args.extend([
                "--dynamodb-endpoint".to_owned(),
                endpoint.clone(),
                "--table".to_owned(),
                table.clone(),
            ]);
        }
        args
    }

    /// Runs `standing <command> <args>` on this store (not a served stack) to its end.
    pub fn run_command(&self, command: &str, args: &[&str]) -> super::process::Finished {
        super::process::run(
            Command::new(binary())
                .arg(command)
                .args(args)
                .args(self.args()),
            START,
        )
    }

    fn next_log(&self) -> PathBuf {
        let mut starts = self.starts.lock().unwrap();
        *starts += 1;
        self.dir.path().join(format!("stack-{starts}.stderr.log"))
    }
}

/// The OpenAPI document, read once.
fn document() -> &'static standing_tests::openapi::Document {
    static DOCUMENT: std::sync::OnceLock<standing_tests::openapi::Document> =
        std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| standing_tests::openapi::Document::load().unwrap())
}

/// The embedded engine's file in the data directory (`standing serve` names it so).
const EMBEDDED_FILE: &str = "standing.redb";

/// Where a store's table lives.
pub(super) enum Location {
    Embedded(PathBuf),
    DynamoDb { endpoint: String, table: String },
}

/// Whether the stack runs on the development clock (`POST /_dev/clock`, `POST /_dev/tick`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    Wall,
    Dev,
}

/// One running `standing serve`. Dropping it kills the process.
pub struct Stack {
    serving: Serving,
    /// DynamoDB Local's endpoint and the table, when the stack is on one.
    table: Option<(String, String)>,
}

impl Stack {
    /// Starts the stack on `store` and returns once it says where it listens.
    pub fn start(store: &Store, clock: Clock) -> Stack {
        Stack::start_with(store, clock, &[])
    }

    /// Starts the stack with `extra` arguments to `standing serve` (`--rollout-page 2`).
    pub fn start_with(store: &Store, clock: Clock, extra: &[&str]) -> Stack {
        Stack::start_with_env(store, clock, extra, &[])
    }

    /// [`Stack::start_with`], with `env` set for the process (a webhook's secret).
    pub fn start_with_env(
        store: &Store,
        clock: Clock,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Stack {
        let stderr = store.next_log();
        let mut command = Command::new(binary());
        command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(store.args())
            .args(extra);
        if clock == Clock::Dev {
            command.arg("--dev-clock");
        }
        command
            .env("STANDING_JWT_SECRET", SECRET)
            .envs(env.iter().copied())
            .env_remove("RUST_LOG");
        Stack {
            serving: Serving::start(command, Some(&stderr), START),
            table: store.table.clone(),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.serving.addr()
    }

    /// What the stack wrote to standard error so far (its warnings and errors).
    pub fn stderr(&self) -> String {
        self.serving.stderr()
    }

    /// SIGTERM, then the exit: requests in flight finish and the change log is delivered.
    pub fn stop(mut self) -> ExitStatus {
        let pid = self.serving.pid();
        let sent = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM {pid} failed");
        self.wait()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) -> ExitStatus {
        self.serving.child().kill().unwrap();
        self.wait()
    }

    fn wait(&mut self) -> ExitStatus {
        let child = self.serving.child();
        let exited = poll(STOP, || child.try_wait().unwrap());
        exited.unwrap_or_else(|| {
            panic!(
                "the stack did not exit within {STOP:?}:\n{}",
                self.serving.stderr()
            )
        })
    }

    /// One request; `Err` only when the connection fails.
    pub fn try_send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> io::Result<Reply> {
        send(self.addr(), method, path, token, body)
    }

    /// One request, which must be answered.
    #[track_caller]
    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Reply {
        let reply = self
            .try_send(method, path, token, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\nstack stderr:\n{}", self.stderr()));
        // Every answer is one the OpenAPI document describes.
        let bare = path.split('?').next().unwrap_or(path);
        if let Err(e) = document().check_response(method, bare, reply.status, &reply.body) {
            panic!("{e}\nthe body: {}", reply.body);
        }
        reply
    }

    /// Writes a stream mark to the stack's DynamoDB table (see
    /// [`standing_testkit::write_stream_mark`]) and returns its number. Panics on the embedded
    /// store, which has no use for one.
    pub fn write_stream_mark(&self) -> u64 {
        let Some((endpoint, table)) = &self.table else {
            panic!("the embedded store's stream says what it has not delivered; it needs no mark")
        };
        standing_testkit::write_stream_mark(endpoint, table).unwrap_or_else(|e| panic!("{e}"))
    }

    /// How far the stack's stream has got, read from `/metrics` at this moment: the change
    /// records committed and not yet delivered, or, on DynamoDB Local's stream (read through its
    /// own API, which does not say how far behind it is), the highest stream mark read. Panics
    /// when the stack gave up on a record: its evaluation never committed, so the stream is not
    /// caught up whatever it says.
    pub fn stream_progress(&self) -> StreamProgress {
        let text = self.send("GET", "/metrics", None, None).body;
        let text = text.as_str().unwrap_or_default();
        standing_testkit::http::stream_progress(text)
            .unwrap_or_else(|e| panic!("{e}; stderr:\n{}", self.stderr()))
    }

    #[track_caller]
    pub fn get(&self, path: &str, caller: &Caller) -> Reply {
        self.send("GET", path, Some(&caller.token), None)
    }

    #[track_caller]
    pub fn post(&self, path: &str, caller: &Caller, body: &Value) -> Reply {
        self.send("POST", path, Some(&caller.token), Some(&body.to_string()))
    }

    #[track_caller]
    pub fn put(&self, path: &str, caller: &Caller, body: &Value) -> Reply {
        self.send("PUT", path, Some(&caller.token), Some(&body.to_string()))
    }

    #[track_caller]
    pub fn patch(&self, path: &str, caller: &Caller, body: &Value) -> Reply {
        self.send("PATCH", path, Some(&caller.token), Some(&body.to_string()))
    }

    /// Moves the development clock to `now`; answers the stack's new time.
    #[track_caller]
    pub fn set_clock(&self, now: &str) -> DateTime<Utc> {
        self.move_clock(&json!({ "now": now }))
    }

    /// Moves the development clock on by `days`; answers the stack's new time.
    #[track_caller]
    pub fn advance_days(&self, days: u32) -> DateTime<Utc> {
        self.move_clock(&json!({ "advance_days": days }))
    }

    /// The stack's time (the development clock's, which goes on ticking).
    #[track_caller]
    pub fn now(&self) -> DateTime<Utc> {
        self.advance_days(0)
    }

    #[track_caller]
    fn move_clock(&self, body: &Value) -> DateTime<Utc> {
        let moved = self.post("/_dev/clock", &Caller::service(), body);
        moved.expect(200)["now"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("the dev clock answered {}", moved.body))
    }
}
