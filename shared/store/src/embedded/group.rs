//! Group commit. redb runs one write transaction at a time, and a durable commit waits for the
//! disk. Writes are handed to one committer thread. While a commit is on its way to the disk the
//! writes that arrive queue up; once it ends, the committer applies every queued write to one new
//! transaction (each sees the writes applied before it, as if committed one after another) and
//! commits it: one disk flush for all. None is acknowledged before that commit is durable.
//!
//! - A refused write (a condition, a token) writes nothing and leaves the others in. Its refusal
//!   may rest on the writes applied before it, so it waits for their commit too, and answers
//!   with that commit's failure if it fails.
//! - A write that fails half-way aborts the transaction: every write grouped with it answers
//!   with an error, none acknowledged, and the queue goes on in a new transaction.
//! - A panic in a write does the same, and the panic is resumed in the writer that sent it.
//!
//! The writers do not wait in threads of their own: each awaits its answer, so a hundred writes
//! in flight cost a hundred small futures, not a hundred blocked threads handing the disk over
//! to one another.

use std::{
    any::Any,
    panic::{AssertUnwindSafe, catch_unwind, resume_unwind},
    sync::{Arc, mpsc},
    thread::JoinHandle,
};

use redb::{Database, WriteTransaction};
use tokio::sync::{oneshot, watch};

use super::{SequenceNumber, backend, is_refusal};
use crate::error::StoreError;

/// A write: applied to the group's transaction, it returns the last change record it wrote. The
/// flag says whether it appends change records (always, outside bulk mode).
pub(super) type Work =
    Box<dyn FnOnce(&WriteTransaction, bool) -> Result<Option<SequenceNumber>, StoreError> + Send>;

/// A writer's answer: its outcome once its group's commit ended, or the panic its write raised.
type Answer = Result<Result<(), StoreError>, Box<dyn Any + Send>>;

struct Job {
    work: Work,
    answer: oneshot::Sender<Answer>,
}

/// The name of the committing thread (what `/proc/<pid>/task/<tid>/comm` shows): the load bench
/// reads its CPU time by it.
pub const COMMIT_THREAD: &str = "embedded-commit";

/// The most writes one commit takes. Under a queue that never empties a group would otherwise
/// grow, and its writers wait, for as long as writes keep coming; at this many it commits and
/// answers them, and the queue goes on in the next. (The load bench's groups cost the committer
/// about 0.13 ms a write on this 2-core machine: a full group is some 35 ms.)
const MAX_WRITES_PER_COMMIT: usize = 256;

/// The committer thread and the queue to it. Dropping it lets the thread finish the queue and
/// waits for it, so the database is closed when the engine is.
pub(super) struct Committer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Committer {
    /// Starts the committer on `db`; it announces each commit's last change record on `latest`.
    pub(super) fn start(
        db: Arc<Database>,
        latest: watch::Sender<Option<SequenceNumber>>,
    ) -> Result<Self, StoreError> {
        Self::start_capped(db, latest, MAX_WRITES_PER_COMMIT)
    }

    /// [`Committer::start`] with groups of at most `cap` writes.
    fn start_capped(
        db: Arc<Database>,
        latest: watch::Sender<Option<SequenceNumber>>,
        cap: usize,
    ) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(COMMIT_THREAD.into())
            .spawn(move || commit_groups(&db, &latest, &queue, cap.max(1)))
            .map_err(|e| StoreError::Backend(format!("starting the committer thread: {e}")))?;
        Ok(Self {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Queues `work`; the answer comes once its group's commit ended.
    pub(super) fn submit(&self, work: Work) -> Pending {
        let (answer, answered) = oneshot::channel();
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(Job { work, answer }).is_ok());
        if sent {
            Pending::Committing(answered)
        } else {
            Pending::Done(Err(stopped()))
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            // A panic on the committer thread was caught per write and per commit; joining only
            // waits for the queue to end.
            let _ = thread.join();
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Backend("the embedded engine's committer thread has stopped".into())
}

/// A write's outcome: known at once (a bulk write, a queue that is gone), or on its way.
pub(super) enum Pending {
    Done(Result<(), StoreError>),
    Committing(oneshot::Receiver<Answer>),
}

impl Pending {
    /// Waits for the outcome; a panic raised by the write goes on here, in its writer.
    pub(super) async fn outcome(self) -> Result<(), StoreError> {
        match self {
            Pending::Done(outcome) => outcome,
            Pending::Committing(answered) => match answered.await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(panic)) => resume_unwind(panic),
                Err(_) => Err(stopped()),
            },
        }
    }
}

/// The committer: one group per turn, until every sender is gone and the queue is empty.
fn commit_groups(
    db: &Database,
    latest: &watch::Sender<Option<SequenceNumber>>,
    queue: &mpsc::Receiver<Job>,
    cap: usize,
) {
    while let Ok(first) = queue.recv() {
        commit_group(db, latest, queue, first, cap);
    }
}

/// Applies `first` and the writes queued behind it, `cap` in all at most, to one transaction
/// and commits it.
fn commit_group(
    db: &Database,
    latest: &watch::Sender<Option<SequenceNumber>>,
    queue: &mpsc::Receiver<Job>,
    first: Job,
    cap: usize,
) {
    let txn = match db.begin_write() {
        Ok(txn) => txn,
        Err(e) => {
            let _ = first.answer.send(Ok(Err(backend(e))));
            return;
        }
    };
    // The writes applied (answered `Ok` after the commit) and the refusals resting on them.
    let mut waiting: Vec<(oneshot::Sender<Answer>, Result<(), StoreError>)> = Vec::new();
    let mut members = 0usize;
    let mut last = None;
    let mut next = Some(first);
    let mut taken = 0usize;
    while taken < cap {
        let Some(job) = next.take().or_else(|| queue.try_recv().ok()) else {
            break;
        };
        taken += 1;
        match catch_unwind(AssertUnwindSafe(|| (job.work)(&txn, true))) {
            Ok(Ok(written)) => {
                members += 1;
                last = written.or(last);
                waiting.push((job.answer, Ok(())));
            }
            // Nothing applied before it: it rests on no one's commit.
            Ok(Err(refused)) if is_refusal(&refused) && members == 0 => {
                let _ = job.answer.send(Ok(Err(refused)));
            }
            Ok(Err(refused)) if is_refusal(&refused) => waiting.push((job.answer, Err(refused))),
            Ok(Err(failed)) => {
                // Aborted, with the writes applied before this one.
                drop(txn);
                let why = format!(
                    "a write grouped into the same commit failed, so this one was not made: {failed}"
                );
                answer_all(waiting, &why);
                let _ = job.answer.send(Ok(Err(failed)));
                return;
            }
            Err(panic) => {
                drop(txn);
                answer_all(waiting, "a write grouped into the same commit panicked");
                let _ = job.answer.send(Err(panic));
                return;
            }
        }
    }
    if members == 0 {
        // Only refusals, answered already: the empty transaction ends here.
        return;
    }
    metrics::histogram!(crate::metric::EMBEDDED_WRITES_PER_COMMIT).record(members as f64);
    let committed = match catch_unwind(AssertUnwindSafe(|| txn.commit())) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("embedded database: {e}")),
        Err(_) => Err("the group's commit panicked".to_owned()),
    };
    match committed {
        Ok(()) => {
            if last.is_some() {
                latest.send_replace(last);
            }
            for (answer, outcome) in waiting {
                let _ = answer.send(Ok(outcome));
            }
        }
        Err(why) => answer_all(waiting, &why),
    }
}

/// Answers every writer in `waiting` with the failure `why` (their group was not committed).
fn answer_all(waiting: Vec<(oneshot::Sender<Answer>, Result<(), StoreError>)>, why: &str) {
    for (answer, _) in waiting {
        let _ = answer.send(Ok(Err(StoreError::Backend(why.to_owned()))));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use redb::{ReadableDatabase, ReadableTable, TableDefinition};
    use standing_testkit::TempDir;

    const T: TableDefinition<&str, u64> = TableDefinition::new("t");

    struct Fixture {
        _dir: TempDir,
        db: Arc<Database>,
        committer: Committer,
        latest: watch::Receiver<Option<SequenceNumber>>,
    }

    fn fixture() -> Fixture {
        fixture_capped(MAX_WRITES_PER_COMMIT)
    }

    fn fixture_capped(cap: usize) -> Fixture {
        let dir = TempDir::new("store-group").unwrap();
        let db = Arc::new(Database::create(dir.path().join("t.redb")).unwrap());
        let txn = db.begin_write().unwrap();
        txn.open_table(T).unwrap();
        txn.commit().unwrap();
        let (latest, watching) = watch::channel(None);
        let committer = Committer::start_capped(Arc::clone(&db), latest, cap).unwrap();
        Fixture {
            _dir: dir,
            db,
            committer,
            latest: watching,
        }
    }

    /// A write of `key` that returns `sequence` as its last change record.
    fn insert(key: &'static str, sequence: u64) -> Work {
        Box::new(move |txn, _| {
            txn.open_table(T).unwrap().insert(key, sequence).unwrap();
            Ok(Some(SequenceNumber(sequence)))
        })
    }

    /// `work`, held until `go` is sent: the writes submitted meanwhile queue behind it and join
    /// its group.
    fn held(work: Work) -> (Work, mpsc::Sender<()>) {
        let (go, wait) = mpsc::channel::<()>();
        let held: Work = Box::new(move |txn, log| {
            wait.recv().unwrap();
            work(txn, log)
        });
        (held, go)
    }

    /// [`insert`], [`held`].
    fn held_insert(key: &'static str, sequence: u64) -> (Work, mpsc::Sender<()>) {
        held(insert(key, sequence))
    }

    fn stored(db: &Database, key: &str) -> Option<u64> {
        let txn = db.begin_read().unwrap();
        txn.open_table(T)
            .unwrap()
            .get(key)
            .unwrap()
            .map(|g| g.value())
    }

    #[tokio::test]
    async fn writes_queued_behind_a_commit_share_the_next_one_and_each_is_acknowledged() {
        let f = fixture();
        let (first, go) = held_insert("a", 1);
        let first = f.committer.submit(first);
        let second = f.committer.submit(insert("b", 2));
        let third = f.committer.submit(insert("c", 3));
        go.send(()).unwrap();
        for pending in [first, second, third] {
            pending.outcome().await.unwrap();
        }
        assert_eq!(stored(&f.db, "a"), Some(1));
        assert_eq!(stored(&f.db, "b"), Some(2));
        assert_eq!(stored(&f.db, "c"), Some(3));
        assert_eq!(*f.latest.borrow(), Some(SequenceNumber(3)));
    }

    #[tokio::test]
    async fn a_group_takes_at_most_its_cap_of_writes_and_the_queue_goes_on_in_the_next_commit() {
        let f = fixture_capped(3);
        // Each write notes how many keys were committed (not merely applied) when it ran.
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let noting = |key: &'static str| -> Work {
            let db = Arc::clone(&f.db);
            let seen = Arc::clone(&seen);
            Box::new(move |txn, log| {
                let read = db.begin_read().unwrap();
                let committed = read.open_table(T).unwrap().iter().unwrap().count();
                seen.lock().unwrap().push((key, committed));
                insert(key, 1)(txn, log)
            })
        };
        let (first, go) = held(noting("a"));
        let first = f.committer.submit(first);
        let rest: Vec<Pending> = ["b", "c", "d", "e", "f"]
            .into_iter()
            .map(|key| f.committer.submit(noting(key)))
            .collect();
        go.send(()).unwrap();
        first.outcome().await.unwrap();
        for pending in rest {
            pending.outcome().await.unwrap();
        }
        assert_eq!(
            *seen.lock().unwrap(),
            vec![("a", 0), ("b", 0), ("c", 0), ("d", 3), ("e", 3), ("f", 3)],
            "three writes in the first commit, the other three in the next"
        );
    }

    #[tokio::test]
    async fn a_refusal_grouped_behind_a_write_is_answered_once_that_write_is_committed() {
        let f = fixture();
        let (first, go) = held_insert("a", 1);
        let first = f.committer.submit(first);
        let refused = f.committer.submit(Box::new(|_, _| {
            Err(StoreError::ConditionFailed { item: None })
        }));
        go.send(()).unwrap();
        assert!(matches!(
            refused.outcome().await,
            Err(StoreError::ConditionFailed { .. })
        ));
        assert_eq!(
            stored(&f.db, "a"),
            Some(1),
            "the write it rests on is on disk"
        );
        first.outcome().await.unwrap();
    }

    #[tokio::test]
    async fn a_write_failing_half_way_fails_its_group_and_the_queue_goes_on_in_a_new_one() {
        let f = fixture();
        let (first, go) = held_insert("a", 1);
        let first = f.committer.submit(first);
        let failing = f.committer.submit(Box::new(|txn, log| {
            insert("half", 2)(txn, log)?;
            Err(StoreError::Backend("the disk is full".into()))
        }));
        let after = f.committer.submit(insert("c", 3));
        go.send(()).unwrap();
        match first.outcome().await {
            Err(StoreError::Backend(why)) => assert!(
                why.contains("grouped into the same commit failed") && why.contains("disk is full"),
                "{why}"
            ),
            other => panic!("the write grouped with the failure answered {other:?}"),
        }
        assert!(
            matches!(failing.outcome().await, Err(StoreError::Backend(why)) if why == "the disk is full")
        );
        after.outcome().await.unwrap();
        assert_eq!(stored(&f.db, "a"), None, "not acknowledged, not written");
        assert_eq!(stored(&f.db, "half"), None);
        assert_eq!(stored(&f.db, "c"), Some(3));
    }

    #[tokio::test]
    async fn a_panic_in_a_write_goes_on_in_its_writer_and_fails_only_its_group() {
        let f = fixture();
        let (first, go) = held_insert("a", 1);
        let first = f.committer.submit(first);
        let panicking = f
            .committer
            .submit(Box::new(|_, _| panic!("a bug in a write")));
        let after = f.committer.submit(insert("c", 3));
        go.send(()).unwrap();
        assert!(matches!(
            first.outcome().await,
            Err(StoreError::Backend(why)) if why.contains("panicked")
        ));
        let resumed = tokio::spawn(panicking.outcome()).await;
        assert!(
            resumed.is_err_and(|e| e.is_panic()),
            "the panic reached its writer"
        );
        after.outcome().await.unwrap();
        assert_eq!(stored(&f.db, "a"), None);
        assert_eq!(stored(&f.db, "c"), Some(3));
    }

    #[tokio::test]
    async fn dropping_the_committer_finishes_the_queue_and_lets_the_file_be_opened_again() {
        let f = fixture();
        let (first, go) = held_insert("a", 1);
        let first = f.committer.submit(first);
        let second = f.committer.submit(insert("b", 2));
        go.send(()).unwrap();
        let Fixture {
            _dir,
            db,
            committer,
            ..
        } = f;
        drop(committer);
        first.outcome().await.unwrap();
        second.outcome().await.unwrap();
        let path = _dir.path().join("t.redb");
        drop(db);
        let reopened = Database::create(&path).expect("the file is closed");
        assert_eq!(stored(&reopened, "b"), Some(2));
    }
}
