//! A webhook receiver as a marketplace would run one: a real HTTP server on a loopback port that
//! checks every delivery's Standard Webhooks signature with an HMAC of its own, can be told to
//! fail the next deliveries, and can be stopped and started again on the same port. What it
//! received outlives a restart (the `Log` is shared).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// One delivery as it arrived.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub body: String,
    pub accepted: bool,
}

impl Delivery {
    pub fn event(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// Everything the receiver saw, across restarts.
#[derive(Debug, Default)]
pub struct Log {
    pub deliveries: Vec<Delivery>,
    /// Requests whose signature or timestamp did not verify (never accepted).
    pub refused: Vec<String>,
    fail_next: u32,
}

pub type SharedLog = Arc<Mutex<Log>>;

pub fn shared_log() -> SharedLog {
    Arc::new(Mutex::new(Log::default()))
}

/// The next `n` deliveries are answered 500.
pub fn fail_next(log: &SharedLog, n: u32) {
    log.lock().unwrap().fail_next = n;
}

/// The accepted deliveries.
pub fn accepted(log: &SharedLog) -> Vec<Delivery> {
    log.lock()
        .unwrap()
        .deliveries
        .iter()
        .filter(|d| d.accepted)
        .cloned()
        .collect()
}

pub struct Receiver {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Listens on `port` (0: a free one) and verifies with `secret` (`whsec_…`).
    pub fn start(secret: &str, port: u16, log: SharedLog) -> Receiver {
        let key = STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, &key, &log),
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Receiver {
            port,
            stop,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/standing-events", self.port)
    }

    /// Closes the port: deliveries meanwhile find nobody listening.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.halt();
    }
}

fn serve(stream: TcpStream, key: &[u8], log: &SharedLog) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut headers = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body = String::from_utf8(body).unwrap();
    let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
    let status = if !verifies(key, &id, &timestamp, &body, &header("webhook-signature")) {
        log.lock().unwrap().refused.push(id);
        "400 Bad Request"
    } else {
        let mut log = log.lock().unwrap();
        let accepted = log.fail_next == 0;
        log.fail_next = log.fail_next.saturating_sub(1);
        log.deliveries.push(Delivery { id, body, accepted });
        if accepted {
            "204 No Content"
        } else {
            "500 Internal Server Error"
        }
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
}

/// The spec's check: one of the space-separated `v1,<base64>` signatures is the HMAC-SHA256 of
/// `id.timestamp.body`, and the timestamp is within five minutes of now.
fn verifies(key: &[u8], id: &str, timestamp: &str, body: &str, signatures: &str) -> bool {
    let Ok(sent) = timestamp.parse::<i64>() else {
        return false;
    };
    if (chrono::Utc::now().timestamp() - sent).abs() > 300 || id.is_empty() {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    signatures
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}
