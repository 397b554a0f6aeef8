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
        // From here on a panic drops `serving`, which kills the process.
        let mut serving = Serving {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            lines: Arc::clone(&lines),
            stderr: stderr.map(Path::to_path_buf),
        };
        thread::spawn(move || {
            // Lines as bytes: a line that is not UTF-8 must not end the reading (a full pipe
            // would stall the stack).
            let mut reader = BufReader::new(pipe);
            let mut raw = Vec::new();
            while matches!(reader.read_until(b'\n', &mut raw), Ok(n) if n > 0) {
                let line = String::from_utf8_lossy(&raw).trim_end().to_owned();
                raw.clear();
                if let Some(url) = line.strip_prefix(LISTENING) {
                    let _ = said.send(url.trim().to_owned());
                }
                lines.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        let deadline = Instant::now() + within;
        let url = loop {
            match listening.recv_timeout(Duration::from_millis(50)) {
                Ok(url) => break url,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(Some(status)) = serving.child.try_wait() {
                        panic!(
                            "the stack exited with {status} before listening:\n{}",
                            serving.stderr()
                        );
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => panic!(
                    "the stack closed its output before saying where it listens:\n{}",
                    serving.stderr()
                ),
            }
            if Instant::now() >= deadline {
                panic!(
                    "the stack did not say where it listens within {within:?}:\n{}",
                    serving.stderr()
                );
            }
        };
        serving.addr = url
            .parse()
            .unwrap_or_else(|_| panic!("the stack listens on {url:?}, not a socket address"));
        assert!(
            serving.addr.ip().is_loopback(),
            "the stack listens on {}",
            serving.addr
        );
        serving
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
