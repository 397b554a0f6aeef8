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
    /// Reads of every shard that found nothing new, so far (a DynamoDB table's stream, which
    /// does not say how far behind it is): one that began after a write means the write was
    /// delivered and its evaluation committed.
    IdleReads(u64),
}

/// What `read` answers once a stack's stream has caught up with the writes made so far:
/// `progress` reads the stack's [`StreamProgress`] (and panics when the stack gave up on a
/// record). On the embedded change log that is pending 0. On a DynamoDB stream it is two idle
/// reads more than the first scrape showed: the first of them may have begun before the scrape,
/// the second began after it, so after the writes. Panics, saying `context()`, when neither
/// comes within `within`.
#[allow(clippy::panic)]
#[track_caller]
pub fn settled<T>(
    within: Duration,
    progress: impl Fn() -> StreamProgress,
    read: impl Fn() -> T,
    context: impl Fn() -> String,
) -> T {
    let first = progress();
    let quiet = poll(within, || caught_up(first, progress()).then_some(()));
    assert!(
        quiet.is_some(),
        "the stream did not catch up with the writes within {within:?}; {}",
        context()
    );
    read()
}

/// Whether the stream shows, `now`, that it caught up with what was written before the scrape
/// that showed `first`.
fn caught_up(first: StreamProgress, now: StreamProgress) -> bool {
    match (first, now) {
        (_, StreamProgress::Pending(pending)) => pending == 0,
        (StreamProgress::IdleReads(seen), StreamProgress::IdleReads(reads)) => reads >= seen + 2,
        // The stack restarted on the other kind of stream between the scrapes: its count
        // started again, so only a second scrape of it can tell.
        (StreamProgress::Pending(_), StreamProgress::IdleReads(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn the_embedded_log_is_caught_up_once_nothing_is_pending() {
        let first = StreamProgress::Pending(3);
        assert!(!caught_up(first, StreamProgress::Pending(1)));
        assert!(caught_up(first, StreamProgress::Pending(0)));
    }

    #[test]
    fn a_dynamodb_stream_is_caught_up_after_two_idle_reads_more_than_the_first_scrape_saw() {
        let first = StreamProgress::IdleReads(7);
        assert!(!caught_up(first, StreamProgress::IdleReads(7)));
        // This read may have begun before the writes the scrape followed.
        assert!(!caught_up(first, StreamProgress::IdleReads(8)));
        assert!(caught_up(first, StreamProgress::IdleReads(9)));
    }

    #[test]
    fn settled_reads_once_the_stream_has_caught_up() {
        let scrapes = [StreamProgress::IdleReads(4), StreamProgress::IdleReads(6)];
        let scraped = Cell::new(0);
        let progress = || {
            let i = scraped.get();
            scraped.set(i + 1);
            scrapes[i.min(1)]
        };
        let answer = settled(Duration::from_secs(5), progress, || "read", String::new);
        assert_eq!((answer, scraped.get()), ("read", 2));
    }

    #[test]
    #[should_panic(expected = "did not catch up with the writes within 0ns; the context")]
    fn a_stream_that_never_catches_up_fails_with_its_context() {
        settled(
            Duration::ZERO,
            || StreamProgress::IdleReads(4),
            || (),
            || "the context".to_owned(),
        );
    }
}
