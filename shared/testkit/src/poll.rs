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

/// How far a stack's stream has got, as its `/metrics` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamProgress {
    /// Change records committed and not yet delivered (the embedded change log): 0 means every
    /// write committed before the scrape was delivered and its evaluation committed.
    Pending(u64),
    /// The highest stream mark read (a DynamoDB table's stream, which does not say how far
    /// behind it is; see [`crate::write_stream_mark`]): every write made before that mark was
    /// delivered and its evaluation committed.
    MarkRead(u64),
}

/// What `read` answers once a stack's stream has caught up with the writes made so far:
/// `progress` reads the stack's [`StreamProgress`] (and panics when the stack gave up on a
/// record). On the embedded change log that is pending 0. On a DynamoDB stream, `mark` writes a
/// stream mark to the stack's table (after every write so far) and returns its number, and it is
/// that mark read. Panics, saying `context()`, when neither comes within `within`.
#[allow(clippy::panic)]
#[track_caller]
pub fn settled<T>(
    within: Duration,
    progress: impl Fn() -> StreamProgress,
    mark: impl FnOnce() -> u64,
    read: impl Fn() -> T,
    context: impl Fn() -> String,
) -> T {
    let goal = match progress() {
        StreamProgress::Pending(_) => StreamProgress::Pending(0),
        StreamProgress::MarkRead(_) => StreamProgress::MarkRead(mark()),
    };
    let quiet = poll(within, || caught_up(goal, progress()).then_some(()));
    assert!(
        quiet.is_some(),
        "the stream did not catch up with the writes within {within:?}; {}",
        context()
    );
    read()
}

/// Whether the stream shows, `now`, that it reached `goal`.
fn caught_up(goal: StreamProgress, now: StreamProgress) -> bool {
    match (goal, now) {
        (StreamProgress::Pending(_), StreamProgress::Pending(pending)) => pending == 0,
        (StreamProgress::MarkRead(wanted), StreamProgress::MarkRead(read)) => read >= wanted,
        // A stack restarted on the other kind of stream between the scrapes cannot tell.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn the_embedded_log_is_caught_up_once_nothing_is_pending() {
        let goal = StreamProgress::Pending(0);
        assert!(!caught_up(goal, StreamProgress::Pending(1)));
        assert!(caught_up(goal, StreamProgress::Pending(0)));
    }

    #[test]
    fn a_dynamodb_stream_is_caught_up_once_the_mark_written_after_the_writes_is_read() {
        let goal = StreamProgress::MarkRead(7);
        assert!(!caught_up(goal, StreamProgress::MarkRead(0)));
        assert!(!caught_up(goal, StreamProgress::MarkRead(6)));
        assert!(caught_up(goal, StreamProgress::MarkRead(7)));
        assert!(caught_up(goal, StreamProgress::MarkRead(8)));
        assert!(!caught_up(goal, StreamProgress::Pending(0)));
    }

    #[test]
    fn settled_writes_a_mark_only_on_a_dynamodb_stream_and_reads_once_it_is_read() {
        let scrapes = [StreamProgress::MarkRead(4), StreamProgress::MarkRead(5)];
        let scraped = Cell::new(0);
        let progress = || {
            let i = scraped.get();
            scraped.set(i + 1);
            scrapes[i.min(1)]
        };
        let answer = settled(
            Duration::from_secs(5),
            progress,
            || 5,
            || "read",
            String::new,
        );
        assert_eq!((answer, scraped.get()), ("read", 2));

        let marked = Cell::new(false);
        settled(
            Duration::from_secs(5),
            || StreamProgress::Pending(0),
            || {
                marked.set(true);
                1
            },
            || (),
            String::new,
        );
        assert!(!marked.get(), "a mark was written for the embedded log");
    }

    #[test]
    #[should_panic(expected = "did not catch up with the writes within 0ns; the context")]
    fn a_stream_that_never_catches_up_fails_with_its_context() {
        settled(
            Duration::ZERO,
            || StreamProgress::MarkRead(4),
            || 5,
            || (),
            || "the context".to_owned(),
        );
    }
}
