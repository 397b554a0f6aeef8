//! Load on the local stack over its embedded store: feedback writes per second with their
//! re-evaluations, and the lag from a write to the standing it changes.
//!
//! `cargo bench -p standing-local --bench load` starts the release `standing serve` on a fresh
//! data directory, creates the contracts, then sends every client's feedback on
//! `STANDING_LOAD_CONNECTIONS` keep-alive connections and waits until the stream has delivered
//! every write to the evaluation. The setting is a list, one run on a fresh stack each (default
//! `8,16`: a closed loop of 8 clients cannot offer 3,000 writes a second at this machine's
//! 3-4 ms per durable request; 16 can). It prints, for each:
//! - writes per second acknowledged, and per second with their re-evaluations (until the
//!   stream is drained), with the requests' own latency (p50, p99);
//! - the lag from each write's commit to the end of the evaluation it triggered (p50, p99), from
//!   the stack's own `stream_lag` summary at `GET /metrics`;
//! - the stack's CPU per write, and the share of it the embedded engine's one committing thread
//!   took (from `/proc`, on Linux).
//!
//! `STANDING_LOAD_WRITES` sets the number of feedback writes (default 30,000);
//! `STANDING_BENCH_DIR` the disk the data directory is on (default the system's temporary
//! directory); `STANDING_LOAD_BINARY` another `standing` binary to load (to compare two builds
//! side by side: this machine's figures move by a third from one hour to the next).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark support code

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;
use standing_local::jwt::{self, Secret};
use standing_store::COMMIT_THREAD;
use standing_testkit::TempDir;
use standing_testkit::http::metric;
use standing_testkit::serve::Serving;

const SECRET: &str = "the-load-benchmark-secret-of-the-local-stack";
/// Clients per freelancer: every freelancer gets feedback on this many contracts.
const CLIENTS_PER_FREELANCER: usize = 5;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn token(sub: &str, role: &str) -> String {
    let secret = Secret::new(SECRET).unwrap();
    jwt::sign(
        &jwt::local_claims(sub, &[role.to_owned()], Utc::now(), 7200),
        &secret,
    )
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        Connection {
            reader: BufReader::new(stream),
        }
    }

    /// Sends one request; answers its status and body.
    fn send(&mut self, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP status line: {line:?}"));
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// A contract ended yesterday between `client` and `freelancer`.
fn contract_body(client: &str, freelancer: &str) -> String {
    let ended = Utc::now() - chrono::Duration::days(1);
    json!({
        "client_id": client,
        "freelancer_id": freelancer,
        "started_at": ended - chrono::Duration::days(30),
        "ended_at": ended,
        "total_charged_minor": 50_000,
        "currency": "USD",
    })
    .to_string()
}

/// A client's feedback: one freelancer in ten is rated poorly by every client (and blocked).
fn feedback_body(poor: bool) -> String {
    let (score, reason) = if poor {
        (1, "lacked_skills")
    } else {
        (5, "completed_successfully")
    };
    json!({
        "public": {
            "scores": {
                "skills": score, "quality": score, "availability": score,
                "deadlines": score, "communication": score, "cooperation": score,
            },
            "comment": "Delivered what was agreed, on time and with clear updates.",
        },
        "private": {"reason_ended": reason, "recommend": if poor { 0 } else { 9 }},
    })
    .to_string()
}

struct Planned {
    contract: String,
    client: String,
    poor: bool,
}

/// Every write, spread over `connections` lists.
fn plan(writes: usize, connections: usize) -> Vec<Vec<Planned>> {
    let mut lists: Vec<Vec<Planned>> = (0..connections).map(|_| Vec::new()).collect();
    for n in 0..writes {
        let freelancer = n / CLIENTS_PER_FREELANCER;
        let client = n % CLIENTS_PER_FREELANCER;
        lists[n % connections].push(Planned {
            contract: format!("ct-{freelancer}-{client}"),
            client: format!("cl-{client}"),
            poor: freelancer.is_multiple_of(10),
        });
    }
    lists
}

fn freelancer_of(contract: &str) -> String {
    let mut parts = contract.split('-');
    format!("fl-{}", parts.nth(1).unwrap())
}

/// Runs `connections` threads, each sending its list; answers each request's latency.
fn drive(
    addr: SocketAddr,
    lists: &[Vec<Planned>],
    request: impl Fn(&mut Connection, &Planned) -> (u16, String) + Sync,
) -> Vec<Duration> {
    thread::scope(|scope| {
        let workers: Vec<_> = lists
            .iter()
            .map(|list| {
                let request = &request;
                scope.spawn(move || {
                    let mut connection = Connection::open(addr);
                    let mut times = Vec::with_capacity(list.len());
                    for write in list {
                        let started = Instant::now();
                        let (status, body) = request(&mut connection, write);
                        times.push(started.elapsed());
                        assert!(
                            (200..300).contains(&status),
                            "{} answered {status}: {body}",
                            write.contract
                        );
                    }
                    times
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    })
}

/// `GET /metrics`: the stack's Prometheus text.
fn metrics(addr: SocketAddr) -> String {
    let mut connection = Connection::open(addr);
    let (status, text) = connection.send("GET", "/metrics", "", "");
    assert_eq!(status, 200, "{text}");
    text
}

/// The stream's figures at `GET /metrics`: (records delivered, pending, lag p50, lag p99).
fn stream_figures(addr: SocketAddr) -> (u64, Option<u64>, f64, f64) {
    let text = metrics(addr);
    (
        metric(&text, "stream_lag_count").unwrap_or(0.0) as u64,
        metric(&text, "stream_pending_records").map(|v| v as u64),
        metric(&text, "stream_lag{quantile=\"0.5\"}").unwrap_or(f64::NAN),
        metric(&text, "stream_lag{quantile=\"0.99\"}").unwrap_or(f64::NAN),
    )
}

/// CPU time the process has used so far (user and system), from `/proc/<pid>/stat`: the stack's
/// own cost beside its rate. It moves with the machine's other load too (a busy host makes each
/// write cost more CPU), but it tells two builds apart when they run in the same hour.
/// `None` off Linux.
fn cpu_time(pid: u32) -> Option<Duration> {
    stat_cpu_time(&format!("/proc/{pid}/stat"))
}

/// The CPU time of the process's thread named `name` (its `comm`), from
/// `/proc/<pid>/task/<tid>/stat`: here the embedded engine's one committing thread
/// (`embedded-commit`), whose work every write waits for. Its share of the process's CPU does
/// not move with the machine as the CPU per write does, so it shows a change to the committer's
/// work within one run. `None` off Linux, or without such a thread.
fn thread_cpu_time(pid: u32, name: &str) -> Option<Duration> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .filter_map(Result::ok)
        .find(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|c| c.trim() == name)
        })
        .and_then(|task| stat_cpu_time(&task.path().join("stat").to_string_lossy()))
}

/// utime + stime of a `/proc/.../stat` line.
fn stat_cpu_time(path: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(path).ok()?;
    // The fields after the command name (which may hold spaces) in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are the 14th and 15th fields of the line, the 12th and 13th after it.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

fn start(data: &std::path::Path) -> Serving {
    // Another build of the binary, to compare two versions in the same hour of a noisy machine.
    let binary = std::env::var_os("STANDING_LOAD_BINARY")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_standing").into());
    let mut command = Command::new(binary);
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("STANDING_JWT_SECRET", SECRET)
        .env("RUST_LOG", "warn");
    Serving::start(command, None, Duration::from_secs(60))
}

fn main() {
    // `cargo bench` passes `--bench`; a plain `cargo test --benches` run passes nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let writes = setting("STANDING_LOAD_WRITES", 30_000);
    let connections: Vec<usize> = std::env::var("STANDING_LOAD_CONNECTIONS")
        .ok()
        .map(|v| v.split(',').filter_map(|c| c.trim().parse().ok()).collect())
        .filter(|c: &Vec<usize>| !c.is_empty())
        .unwrap_or_else(|| vec![8, 16]);
    for connections in connections {
        load(writes, connections.max(1));
    }
}

/// One run on a fresh stack: `writes` contracts, then their feedback, on `connections`
/// keep-alive connections.
fn load(writes: usize, connections: usize) {
    let base = std::env::var_os("STANDING_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = match &base {
        Some(base) => TempDir::new_in(base, "load").unwrap(),
        None => TempDir::new("load").unwrap(),
    };
    let stack = start(dir.path());
    let addr = stack.addr();
    let lists = plan(writes, connections);

    let service = token("marketplace", "service");
    let started = Instant::now();
    drive(addr, &lists, |connection, write| {
        let path = format!("/contracts/{}", write.contract);
        let body = contract_body(&write.client, &freelancer_of(&write.contract));
        connection.send("PUT", &path, &service, &body)
    });
    let setup = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(300);
    let contracts_delivered = loop {
        let (delivered, pending, _, _) = stream_figures(addr);
        if pending == Some(0) {
            break delivered;
        }
        assert!(
            Instant::now() < deadline,
            "the stream did not drain in 300 s"
        );
        thread::sleep(Duration::from_millis(5));
    };

    let clients: Vec<String> = (0..CLIENTS_PER_FREELANCER)
        .map(|c| token(&format!("cl-{c}"), "client"))
        .collect();
    let cpu_before = cpu_time(stack.pid());
    let committer_before = thread_cpu_time(stack.pid(), COMMIT_THREAD);
    let started = Instant::now();
    let mut times = drive(addr, &lists, |connection, write| {
        let path = format!("/contracts/{}/feedback", write.contract);
        let client: usize = write.client[3..].parse().unwrap();
        connection.send("POST", &path, &clients[client], &feedback_body(write.poor))
    });
    let acknowledged = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(300);
    let (delivered, p50, p99) = loop {
        let (delivered, pending, p50, p99) = stream_figures(addr);
        if delivered >= contracts_delivered + writes as u64 && pending == Some(0) {
            break (delivered - contracts_delivered, p50, p99);
        }
        assert!(
            Instant::now() < deadline,
            "the stream delivered {delivered} records in 300 s"
        );
        thread::sleep(Duration::from_millis(5));
    };
    let drained = started.elapsed();
    let cpu = cpu_before.zip(cpu_time(stack.pid())).map(|(a, b)| b - a);
    let committer = committer_before
        .zip(thread_cpu_time(stack.pid(), COMMIT_THREAD))
        .map(|(a, b)| b - a);
    let grouped = {
        let text = metrics(addr);
        let value = |series| metric(&text, series).unwrap_or(f64::NAN);
        (
            value("embedded_writes_per_commit_sum"),
            value("embedded_writes_per_commit_count"),
        )
    };
    // Dropping the stack kills it.
    drop(stack);

    times.sort();
    println!(
        "load: {writes} contracts created on {connections} connections in {:.2} s ({:.0}/s)",
        setup.as_secs_f64(),
        writes as f64 / setup.as_secs_f64()
    );
    println!(
        "load: {writes} feedback writes on {connections} keep-alive connections: acknowledged in {:.2} s = {:.0} writes/s (request p50 {:.2} ms, p99 {:.2} ms)",
        acknowledged.as_secs_f64(),
        writes as f64 / acknowledged.as_secs_f64(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
    );
    println!(
        "load: every write's re-evaluation done {:.2} s after the first write = {:.0} writes/s with their re-evaluations",
        drained.as_secs_f64(),
        writes as f64 / drained.as_secs_f64()
    );
    if let Some(cpu) = cpu {
        println!(
            "load: the stack used {:.2} s of CPU for them = {:.3} ms of CPU per write with its re-evaluation ({:.0} writes per second of two cores)",
            cpu.as_secs_f64(),
            cpu.as_secs_f64() * 1000.0 / writes as f64,
            2.0 * writes as f64 / cpu.as_secs_f64()
        );
        if let Some(committer) = committer {
            println!(
                "load: the embedded engine's committing thread used {:.2} s of it ({:.3} of the stack's CPU)",
                committer.as_secs_f64(),
                committer.as_secs_f64() / cpu.as_secs_f64()
            );
        }
    }
    println!(
        "load: lag from write to standing over {delivered} stream records: p50 {p50:.1} ms, p99 {p99:.1} ms"
    );
    println!(
        "load: {:.0} writes in {:.0} durable commits of the embedded engine ({:.1} writes per commit)",
        grouped.0,
        grouped.1,
        grouped.0 / grouped.1
    );
}
