//! An engine wrapper that fails chosen calls, for proving that work retried after a storage
//! failure at any point ends where the same work without failures ends. Test-only (feature
//! `testing`): no function's production code path holds one.
//!
//! Calls are numbered from 0 in the order the wrapper receives them, and every call is logged,
//! so a test runs once without faults to learn where the writes are, then again on fresh
//! storage with a fault at the Nth call.
//!
//! It can also hold the next write at the door ([`FaultyEngine::hold_next_write`]): the caller
//! has read everything it decided on and waits, while the test changes storage behind its back,
//! then lets it write. That is the race between one evaluation's read and its write, made to
//! happen every time instead of once in a thousand runs.

use standing_store::{
    BoxFuture, CapacityMeter, ClientRequestToken, Condition, Engine, GetOutput, Item, Key, Page,
    Query, StoreError, TransactOp, WriteOutput,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;

/// Which engine method a call was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    Get,
    Query,
    Put,
    Delete,
    TransactWrite,
}

impl Call {
    /// Whether the call can change stored items.
    pub fn is_write(self) -> bool {
        matches!(self, Call::Put | Call::Delete | Call::TransactWrite)
    }
}

/// How a call fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Refused before it reaches storage (throttled, the connection dropped): nothing is read
    /// or written.
    Refused,
    /// Storage does what was asked and the answer is lost (a timeout after the commit): the
    /// caller sees an error for a write that happened.
    AnswerLost,
}

#[derive(Debug, Default)]
struct Plan {
    /// Every call so far, by number.
    calls: Vec<Call>,
    /// Calls still to fail, by number.
    armed: BTreeMap<usize, Fault>,
    /// Faults that fired: the call's number, what it was, how it failed.
    fired: Vec<(usize, Call, Fault)>,
    /// Calls storage itself refused (a failed condition, a canceled transaction), by number.
    refused_by_storage: Vec<(usize, Call)>,
    /// The next write waits here: it says it arrived, then waits to be let through.
    hold: Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>,
}

/// A write held at the door by [`FaultyEngine::hold_next_write`].
#[derive(Debug)]
pub struct HeldWrite {
    arrived: oneshot::Receiver<()>,
    release: oneshot::Sender<()>,
}

impl HeldWrite {
    /// Waits until the write arrives: its caller has made every read it decides on.
    pub async fn arrived(&mut self) {
        // A dropped sender means the wrapper was dropped: nothing will arrive, and the test's
        // own assertions say why.
        let _ = (&mut self.arrived).await;
    }

    /// Lets the write through, to storage as it now is.
    pub fn release(self) {
        let _ = self.release.send(());
    }
}

/// Forwards every call to `inner`, failing the calls it was told to fail.
pub struct FaultyEngine {
    inner: Arc<dyn Engine>,
    plan: Mutex<Plan>,
}

impl std::fmt::Debug for FaultyEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyEngine")
            .field("table", &self.inner.table_name())
            .field("plan", &*self.lock())
            .finish()
    }
}

impl FaultyEngine {
    /// A wrapper that fails nothing until told to.
    pub fn new(inner: Arc<dyn Engine>) -> Self {
        Self {
            inner,
            plan: Mutex::new(Plan::default()),
        }
    }

    /// Fails call number `n` (counted from 0 over the wrapper's life) with `fault`.
    pub fn fail_call(&self, n: usize, fault: Fault) {
        self.lock().armed.insert(n, fault);
    }

    /// Holds the next write (put, delete or transaction) before it reaches storage until the
    /// returned handle releases it.
    pub fn hold_next_write(&self) -> HeldWrite {
        let (arrived_tx, arrived) = oneshot::channel();
        let (release, release_rx) = oneshot::channel();
        self.lock().hold = Some((arrived_tx, release_rx));
        HeldWrite { arrived, release }
    }

    /// Every call received so far, in order; a call's position is its number.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The faults that fired so far: the call's number, what it was, how it failed.
    pub fn fired(&self) -> Vec<(usize, Call, Fault)> {
        self.lock().fired.clone()
    }

    /// The calls storage itself refused (no injected fault): a failed condition, a canceled
    /// transaction, as when two writers race for one item.
    pub fn refused_by_storage(&self) -> Vec<(usize, Call)> {
        self.lock().refused_by_storage.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Plan> {
        // A test that panicked while holding the lock has failed already; the log stays usable.
        self.plan.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Numbers the call and says whether (and how) it is to fail.
    fn enter(&self, call: Call) -> (usize, Option<Fault>) {
        let mut plan = self.lock();
        let n = plan.calls.len();
        plan.calls.push(call);
        let fault = plan.armed.remove(&n);
        if let Some(fault) = fault {
            plan.fired.push((n, call, fault));
        }
        (n, fault)
    }

    /// Runs `forward` unless the call is refused; loses its answer when told to.
    async fn run<T>(
        &self,
        call: Call,
        forward: impl std::future::Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let (n, fault) = self.enter(call);
        let held = if call.is_write() {
            self.lock().hold.take()
        } else {
            None
        };
        if let Some((arrived, release)) = held {
            let _ = arrived.send(());
            let _ = release.await;
        }
        let injected =
            |how: &str| StoreError::Backend(format!("injected fault: call {n} ({call:?}) {how}"));
        match fault {
            None => {
                let result = forward.await;
                if result.is_err() {
                    self.lock().refused_by_storage.push((n, call));
                }
                result
            }
            Some(Fault::Refused) => Err(injected("refused before reaching storage")),
            Some(Fault::AnswerLost) => {
                // What storage answered is dropped: done or not, the caller cannot tell.
                let _ = forward.await;
                Err(injected("done by storage, its answer lost"))
            }
        }
    }
}

impl Engine for FaultyEngine {
    fn table_name(&self) -> &str {
        self.inner.table_name()
    }

    fn get(&self, key: Key) -> BoxFuture<'_, Result<GetOutput, StoreError>> {
        Box::pin(self.run(Call::Get, self.inner.get(key)))
    }

    fn put(
        &self,
        item: Item,
        condition: Condition,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        Box::pin(self.run(Call::Put, self.inner.put(item, condition)))
    }

    fn delete(
        &self,
        key: Key,
        condition: Condition,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        Box::pin(self.run(Call::Delete, self.inner.delete(key, condition)))
    }

    fn transact_write(
        &self,
        operations: Vec<TransactOp>,
        token: Option<ClientRequestToken>,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        Box::pin(self.run(
            Call::TransactWrite,
            self.inner.transact_write(operations, token),
        ))
    }

    fn query(&self, query: Query) -> BoxFuture<'_, Result<Page, StoreError>> {
        Box::pin(self.run(Call::Query, self.inner.query(query)))
    }

    fn capacity(&self) -> &CapacityMeter {
        self.inner.capacity()
    }
}
