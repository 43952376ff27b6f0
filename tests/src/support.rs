//! Test helpers that order events without sleeping: gates, tallies, drop and poll counters,
//! a concurrency meter and a cooperative yield. Each works the same on one thread (inline
//! groups) and across a thread pool.

use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll, Waker},
};

use errgroup::Panicked;
use futures_util::{StreamExt, stream::FuturesUnordered};

/// A boxed task, as the generic bodies hand them to a group.
pub type Task<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'static>>;

/// Boxes `future` into a [`Task`].
pub fn task<T, E, F>(future: F) -> Task<T, E>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
{
    Box::pin(future)
}

#[derive(Default)]
struct TallyState {
    count: usize,
    wakers: Vec<Waker>,
}

/// A shared counter that futures can wait on: [`reached(n)`](Tally::reached) resolves once
/// the count is at least `n`. Clones share the count.
#[derive(Clone, Default)]
pub struct Tally(Arc<Mutex<TallyState>>);

impl Tally {
    /// A tally at zero.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut TallyState) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Adds one and wakes every waiter; returns the new count.
    pub fn add(&self) -> usize {
        let (count, wakers) = self.with(|state| {
            state.count += 1;
            (state.count, core::mem::take(&mut state.wakers))
        });
        wakers.into_iter().for_each(Waker::wake);
        count
    }

    /// The count now.
    pub fn get(&self) -> usize {
        self.with(|state| state.count)
    }

    /// Resolves once the count is at least `n`.
    pub fn reached(&self, n: usize) -> Reached {
        Reached { tally: self.clone(), n }
    }

    /// A guard that adds one to this tally when it is dropped: put it in a task to count
    /// the task's future being dropped.
    pub fn on_drop(&self) -> AddOnDrop {
        AddOnDrop(self.clone())
    }
}

impl fmt::Debug for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Tally").field(&self.get()).finish()
    }
}

/// Resolves once a [`Tally`] reaches a count. Returned by [`Tally::reached`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Reached {
    tally: Tally,
    n: usize,
}

impl Future for Reached {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let n = self.n;
        self.tally.with(|state| {
            if state.count >= n {
                Poll::Ready(())
            } else {
                // Checked and registered under the same lock `add` takes: no lost wake-up.
                if !state.wakers.iter().any(|waker| waker.will_wake(cx.waker())) {
                    state.wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
        })
    }
}

/// Adds one to a [`Tally`] when dropped. Returned by [`Tally::on_drop`].
#[derive(Debug)]
pub struct AddOnDrop(Tally);

impl Drop for AddOnDrop {
    fn drop(&mut self) {
        self.0.add();
    }
}

/// A one-way gate: tasks wait at [`opened`](Gate::opened) until someone calls
/// [`open`](Gate::open).
#[derive(Clone, Debug, Default)]
pub struct Gate(Tally);

impl Gate {
    /// A closed gate.
    pub fn new() -> Self {
        Self::default()
    }

    /// `count` closed gates.
    pub fn many(count: usize) -> Vec<Gate> {
        (0..count).map(|_| Gate::new()).collect()
    }

    /// Opens the gate, waking everyone waiting at it. Opening it again does nothing more.
    pub fn open(&self) {
        if self.0.get() == 0 {
            self.0.add();
        }
    }

    /// Whether the gate is open.
    pub fn is_open(&self) -> bool {
        self.0.get() > 0
    }

    /// Resolves once the gate is open.
    pub fn opened(&self) -> Reached {
        self.0.reached(1)
    }

    /// A guard that opens the gate when dropped: put it in a task to let another task go
    /// once this one's future is gone.
    pub fn open_on_drop(&self) -> OpenOnDrop {
        OpenOnDrop(self.clone())
    }
}

/// Opens a [`Gate`] when dropped. Returned by [`Gate::open_on_drop`].
#[derive(Debug)]
pub struct OpenOnDrop(Gate);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.open();
    }
}

/// Polls `future` only when its own waker was woken (after the first poll), however often
/// the future around it is polled: `join` re-polls every child whenever any child wakes it,
/// which would hide a missing wake-up in the future under test.
pub async fn isolated<F: Future>(future: F) -> F::Output {
    let mut alone: FuturesUnordered<F> = [future].into_iter().collect();
    alone.next().await.expect("the future is in the set")
}

/// Counts how often the wrapped future is polled, in a [`Tally`].
#[must_use = "futures do nothing unless awaited"]
pub struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: Tally,
}

impl<F> fmt::Debug for CountPolls<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CountPolls").field("polls", &self.polls).finish_non_exhaustive()
    }
}

/// Wraps `future` so that every poll of it adds one to `polls`.
pub fn count_polls<F: Future>(polls: &Tally, future: F) -> CountPolls<F> {
    CountPolls { inner: Box::pin(future), polls: polls.clone() }
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.add();
        self.inner.as_mut().poll(cx)
    }
}

/// Measures how many tasks are inside a section at once, and the most there ever were.
#[derive(Clone, Debug, Default)]
pub struct Concurrency(Arc<(AtomicUsize, AtomicUsize)>);

impl Concurrency {
    /// A meter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Enters the section until the guard is dropped.
    pub fn enter(&self) -> Inside {
        // SeqCst: the count and the maximum are read by the test after the group finished;
        // keep the reasoning simple.
        let now = self.0.0.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.1.fetch_max(now, Ordering::SeqCst);
        Inside(self.clone())
    }

    /// How many are inside now.
    pub fn now(&self) -> usize {
        self.0.0.load(Ordering::SeqCst)
    }

    /// The most that were ever inside at once.
    pub fn max(&self) -> usize {
        self.0.1.load(Ordering::SeqCst)
    }
}

/// Inside a [`Concurrency`] section until dropped.
#[derive(Debug)]
pub struct Inside(Concurrency);

impl Drop for Inside {
    fn drop(&mut self) {
        self.0.0.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Yields once to the executor: wakes itself and returns `Pending` on the first poll.
#[derive(Debug, Default)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow(bool);

/// Yields once to the executor.
pub fn yield_now() -> YieldNow {
    YieldNow(false)
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Yields `times` times.
pub async fn yield_times(times: usize) {
    for _ in 0..times {
        yield_now().await;
    }
}

/// Yields until `condition` holds: for conditions nobody wakes us about (a group's active
/// count). Only for transitions already under way on another thread, or for a future that
/// does not run on a pool thread: some executors (`futures-executor`'s thread pool) re-poll a
/// task that woke itself on the same thread at once, so spinning there can starve the very
/// task being waited for. The test's deadline bounds it.
pub async fn until(condition: impl Fn() -> bool) {
    while !condition() {
        yield_now().await;
    }
}

/// An ordered log of events, shared between tasks.
#[derive(Clone, Debug, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `event`.
    pub fn push(&self, event: impl Into<String>) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(event.into());
    }

    /// Everything logged so far, in order.
    pub fn events(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// An error type for groups that turn panics into errors.
#[derive(Debug)]
pub enum Failure {
    /// A task failed on its own, with this code.
    Task(u32),
    /// A task panicked.
    Panicked(Panicked),
}

impl From<Panicked> for Failure {
    fn from(panicked: Panicked) -> Self {
        Failure::Panicked(panicked)
    }
}

/// A panic payload of a type no one else uses, to check it arrives unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload(pub u64);
