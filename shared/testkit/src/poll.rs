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

/// The pause between two reads that must agree, when a stack cannot say how far behind its
/// stream is.
const REREAD_PAUSE: Duration = Duration::from_millis(1500);

/// What `read` answers once a local stack's stream has caught up with the writes made so far.
/// `pending` asks the stack how many change records it has not delivered yet (`None`: it cannot
/// tell, as on DynamoDB Local's stream). Once that is 0, within `within`, every evaluation those
/// writes triggered has committed, and `read` is answered. When the stack cannot tell, it is what
/// `read` answers twice running, [`REREAD_PAUSE`] apart, within `rereads` reads more. Panics,
/// saying `context()`, when neither comes.
#[allow(clippy::panic)]
#[track_caller]
pub fn settled<T: PartialEq>(
    within: Duration,
    rereads: u32,
    pending: impl Fn() -> Option<u64>,
    read: impl Fn() -> T,
    context: impl Fn() -> String,
) -> T {
    if pending().is_some() {
        let quiet = poll(within, || (pending() == Some(0)).then_some(()));
        assert!(
            quiet.is_some(),
            "the stream did not catch up with the writes within {within:?}; {}",
            context()
        );
        return read();
    }
    let mut last = read();
    for _ in 0..rereads {
        thread::sleep(REREAD_PAUSE);
        let now = read();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("what was read kept changing; {}", context())
}
