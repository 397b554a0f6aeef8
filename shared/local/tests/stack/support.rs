//! Starts the real `standing` binary on a free loopback port and talks HTTP/1.1 to it, with a
//! bound on every wait.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;
use standing_local::jwt::{self, Secret};

pub use standing_testkit::TempDir;

/// The secret every test stack signs with.
pub const SECRET: &str = "tests-secret-of-the-standing-local-stack";
/// How long a stack may take to start (DynamoDB table creation included) or to stop.
const START: Duration = Duration::from_secs(120);
const STOP: Duration = Duration::from_secs(60);
const REQUEST: Duration = Duration::from_secs(30);

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

/// One running `standing serve`.
pub struct Stack {
    child: Child,
    pub addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: PathBuf,
}

impl Stack {
    /// `standing serve --addr 127.0.0.1:0 --data DATA ARGS…`, once it says where it listens.
    pub fn start(data: &Path, args: &[&str]) -> Stack {
        let stderr = data.with_extension("stderr.log");
        let mut child = Command::new(binary())
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(args)
            .env("STANDING_JWT_SECRET", SECRET)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(File::create(&stderr).unwrap()))
            .spawn()
            .expect("the standing binary starts");
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let kept = Arc::clone(&lines);
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                kept.lock().unwrap().push(line.clone());
                let _ = tx.send(line);
            }
        });
        let addr = wait_for_address(&rx, &mut child, &stderr);
        Stack {
            child,
            addr,
            lines,
            stderr,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the stack printed on standard output so far.
    pub fn output(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
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

    /// One request on its own connection.
    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Reply {
        send(self.addr, method, path, token, body)
    }

    /// Sends `signal` (`TERM`, `INT`, `KILL`) to the stack and waits for it to exit.
    pub fn signal(&mut self, signal: &str) -> ExitStatus {
        let sent = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} failed");
        self.wait()
    }

    pub fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + STOP;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
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

impl Drop for Stack {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn wait_for_address(rx: &Receiver<String>, child: &mut Child, stderr: &Path) -> SocketAddr {
    let deadline = Instant::now() + START;
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix("standing: listening on http://") {
                    return url.trim().parse().unwrap();
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "the stack exited with {status} before listening; stderr:\n{}",
                        std::fs::read_to_string(stderr).unwrap_or_default()
                    );
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    panic!(
        "the stack did not say where it listens within {START:?}; stderr:\n{}",
        std::fs::read_to_string(stderr).unwrap_or_default()
    );
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Value,
}

/// One HTTP/1.1 request with `Connection: close`, read to the end.
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let mut stream = TcpStream::connect_timeout(&addr, REQUEST).unwrap();
    stream.set_read_timeout(Some(REQUEST)).unwrap();
    stream.set_write_timeout(Some(REQUEST)).unwrap();
    let body = body.unwrap_or("");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_reply(&raw)
}

/// One HTTP/1.1 request written as `head` (request line and headers, without the blank line),
/// with `Connection: close` added, read to the end: for headers [`send`] would write correctly.
pub fn send_head(addr: SocketAddr, head: &str) -> Reply {
    let mut stream = TcpStream::connect_timeout(&addr, REQUEST).unwrap();
    stream.set_read_timeout(Some(REQUEST)).unwrap();
    stream.set_write_timeout(Some(REQUEST)).unwrap();
    let head = format!("{head}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// Calls `probe` every 20 ms until it answers `Some` or `within` has passed.
pub fn eventually<T>(within: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}
