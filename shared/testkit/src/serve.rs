//! A `standing serve` process for tests and benchmarks, in one place: started by the caller's
//! command on a loopback port, its standard output read to the end on a thread of its own (a
//! full pipe would stall the stack, which prints a line per request) and kept, and its
//! "listening on" line waited for, bounded in time.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What `standing serve` prints once it accepts connections.
const LISTENING: &str = "standing: listening on http://";

/// One running `standing serve`. Dropping it kills the process.
#[derive(Debug)]
pub struct Serving {
    child: Child,
    addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Option<PathBuf>,
}

impl Serving {
    /// Starts `command` (`standing serve --addr 127.0.0.1:0 …`, its arguments and environment
    /// set) with its standard error written to `stderr` (inherited when `None`), and returns
    /// once it said where it listens. Panics, with what it wrote on standard error, when it
    /// exits first or says nothing within `within`.
    #[allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]
    pub fn start(mut command: Command, stderr: Option<&Path>, within: Duration) -> Serving {
        let errors = match stderr {
            Some(path) => Stdio::from(File::create(path).expect("the stderr log can be created")),
            None => Stdio::inherit(),
        };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(errors)
            .spawn()
            .expect("the standing binary starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (said, listening) = mpsc::channel::<String>();
        let pipe = child.stdout.take().expect("standard output is piped");
        let kept = Arc::clone(&lines);
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix(LISTENING) {
                    let _ = said.send(url.trim().to_owned());
                }
                kept.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        let log = || {
            stderr
                .map(|p| std::fs::read_to_string(p).unwrap_or_default())
                .unwrap_or_default()
        };
        let deadline = Instant::now() + within;
        let addr: SocketAddr = loop {
            match listening.recv_timeout(Duration::from_millis(50)) {
                Ok(url) => break url.parse().expect("the stack prints a socket address"),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        panic!(
                            "the stack exited with {status} before listening:\n{}",
                            log()
                        );
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait().ok();
                    panic!(
                        "the stack closed its output before listening ({status:?}):\n{}",
                        log()
                    );
                }
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the stack did not say where it listens within {within:?}:\n{}",
                    log()
                );
            }
        };
        assert!(addr.ip().is_loopback(), "the stack listens on {addr}");
        Serving {
            child,
            addr,
            lines,
            stderr: stderr.map(Path::to_path_buf),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// What the stack printed on standard output so far.
    pub fn output(&self) -> Vec<String> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// What the stack wrote on standard error so far (empty when it was inherited).
    pub fn stderr(&self) -> String {
        self.stderr
            .as_ref()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
