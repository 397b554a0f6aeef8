//! Waiting for something asynchronous (the stream's re-evaluation, a process's exit), bounded in
//! time and count.

use std::thread;
use std::time::{Duration, Instant};

const EVERY: Duration = Duration::from_millis(50);

/// Asks `probe` every 50 ms until it answers `Some`, at most for `within` (and so at most
/// `within / 50 ms + 1` times). `None` when it never did.
pub fn poll<T>(within: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    let attempts = within.as_millis() / EVERY.as_millis() + 1;
    for _ in 0..attempts {
        if let Some(found) = probe() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            break;
        }
        thread::sleep(EVERY);
    }
    None
}
