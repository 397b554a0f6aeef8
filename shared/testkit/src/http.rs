//! HTTP/1.1 to a local stack over a loopback TCP connection, one request per connection, every
//! read and write bounded in time; and the checks every reply goes through. The one HTTP client
//! of the end-to-end tests (`tests/e2e`) and of the local stack's own (`shared/local/tests`).
#![allow(clippy::panic)]

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

use crate::poll::StreamProgress;

/// How long one request may take, start to end.
pub const REQUEST: Duration = Duration::from_secs(30);

/// A response, with the request it answers (for failure messages).
#[derive(Debug, Clone)]
pub struct Reply {
    pub request: String,
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Value,
}

impl Reply {
    /// The body, once the status is `status`.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "{} answered {} with {}",
            self.request, self.status, self.body
        );
        self.body.clone()
    }

    /// The error's `details`, once the reply is a `status` error with `code` in the contract's
    /// shape: `{"error": {"code", "message", "details"}}`, a sentence, and a details object.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> Value {
        let body = self.expect(status);
        let error = &body["error"];
        assert_eq!(error["code"], code, "{} answered {body}", self.request);
        let shape: Vec<&str> = body
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(shape, ["error"], "{} answered {body}", self.request);
        let mut keys: Vec<&str> = error
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["code", "details", "message"],
            "{} answered {body}",
            self.request
        );
        let message = error["message"].as_str().unwrap_or("");
        assert!(
            message.trim().len() > 10,
            "{} answered a message nobody can act on: {body}",
            self.request
        );
        assert!(
            error["details"].is_object(),
            "{} answered {body}",
            self.request
        );
        assert_eq!(
            self.headers.get("content-type").map(String::as_str),
            Some("application/json"),
            "{}",
            self.request
        );
        error["details"].clone()
    }
}

/// Sends one request and reads the whole response. `Err` when the connection fails (the stack is
/// gone, or was killed mid-request).
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> io::Result<Reply> {
    let mut stream = connect(addr)?;
    let body = body.unwrap_or("");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse(&raw, format!("{method} {path}"))
}

/// A connection to a loopback address, every read and write bounded by [`REQUEST`].
pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    assert!(addr.ip().is_loopback(), "{addr} is not a loopback address");
    let stream = TcpStream::connect_timeout(&addr, REQUEST)?;
    stream.set_read_timeout(Some(REQUEST))?;
    stream.set_write_timeout(Some(REQUEST))?;
    Ok(stream)
}

/// The request line of `raw`, to name the reply in failure messages.
pub fn first_line(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    text.lines().next().unwrap_or_default().to_owned()
}

/// Writes `raw` as it is (head and body, the caller's `\r\n`s and all) and reads the response.
pub fn send_raw(addr: SocketAddr, raw: &[u8]) -> io::Result<Reply> {
    let mut stream = connect(addr)?;
    stream.write_all(raw)?;
    stream.flush()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    parse(&answer, first_line(raw))
}

/// A whole response as read off the wire; `request` names what it answers.
pub fn parse(raw: &[u8], request: String) -> io::Result<Reply> {
    let broken = |why: &str| {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("{request}: {why}: {:?}", String::from_utf8_lossy(raw)),
        )
    };
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| broken("no complete response head"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| broken("no status line"))?;
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: Option<usize> = headers.get("content-length").and_then(|l| l.parse().ok());
    if length.is_some_and(|length| body.len() < length) {
        return Err(broken("a body shorter than its Content-Length"));
    }
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()))
    };
    Ok(Reply {
        request,
        status,
        headers,
        body,
    })
}

/// The value of the series `series` (its name with any labels, as printed) in Prometheus text.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse::<f64>().ok())
}

/// What a stack's `/metrics` text says of its stream: on the embedded change log, the records
/// committed and not yet delivered; on a DynamoDB table's stream, the highest stream mark read.
/// `Err`, a sentence, when the stack gave up on records (their evaluations never committed, so
/// the stream is not caught up whatever it says) or reports neither.
pub fn stream_progress(text: &str) -> Result<StreamProgress, String> {
    let given_up = metric(text, "stream_records_given_up").unwrap_or(0.0);
    if given_up > 0.0 {
        return Err(format!("the stack gave up on {given_up} stream records"));
    }
    if let Some(pending) = metric(text, "stream_pending_records") {
        return Ok(StreamProgress::Pending(pending as u64));
    }
    match metric(text, "stream_mark_read") {
        Some(mark) => Ok(StreamProgress::MarkRead(mark as u64)),
        None => Err(
            "the stack's /metrics reports neither stream_pending_records nor stream_mark_read"
                .to_owned(),
        ),
    }
}
