//! Poll-level test tools: a counting waker, a spawner that records tasks so a test can
//! poll them one at a time, a gate future whose outcome the test decides, and a timer whose
//! sleeps have all ended.
#![allow(dead_code, unreachable_pub)]

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst},
    },
    task::{Context, Poll, Wake, Waker},
};

use errgroup::{Spawn, SpawnError};

/// A waker that counts how often it was woken.
#[derive(Default)]
pub struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A counting waker and the `Waker` made from it.
pub struct Counted {
    counter: Arc<CountingWaker>,
    pub waker: Waker,
}

impl Counted {
    pub fn new() -> Self {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(counter.clone());
        Self { counter, waker }
    }

    pub fn wakes(&self) -> usize {
        self.counter.0.load(SeqCst)
    }

    pub fn poll<F: Future + Unpin>(&self, future: &mut F) -> Poll<F::Output> {
        Pin::new(future).poll(&mut Context::from_waker(&self.waker))
    }
}

/// A future that is pending once, waking itself: lets other tasks run.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}

/// Counts its drop.
pub struct Dropping(pub Arc<AtomicUsize>);

impl Drop for Dropping {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

pub type BoxTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Each spawned task with the waker it is polled with; `None` once done or dropped.
type Recorded = Arc<Mutex<Vec<Option<(BoxTask, Counted)>>>>;

/// Records every task it is given; the test polls them by index.
#[derive(Clone, Default)]
pub struct RecordingSpawner {
    tasks: Recorded,
}

impl Spawn for RecordingSpawner {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.lock().unwrap().push(Some((Box::pin(task), Counted::new())));
        Ok(())
    }
}

impl RecordingSpawner {
    pub fn len(&self) -> usize {
        self.tasks.lock().unwrap().len()
    }

    /// Polls task `index` once with its own counting waker; `true` if it completed (it is
    /// then dropped, as an executor would).
    pub fn poll(&self, index: usize) -> bool {
        let mut entry = self.tasks.lock().unwrap()[index].take().expect("task already done");
        let done = entry.1.poll(&mut entry.0).is_ready();
        if !done {
            self.tasks.lock().unwrap()[index] = Some(entry);
        }
        done
    }

    /// Polls task `index` once with `waker` instead of its own; `true` if it completed.
    pub fn poll_with(&self, index: usize, waker: &Waker) -> bool {
        let mut entry = self.tasks.lock().unwrap()[index].take().expect("task already done");
        let done = entry.0.as_mut().poll(&mut Context::from_waker(waker)).is_ready();
        if !done {
            self.tasks.lock().unwrap()[index] = Some(entry);
        }
        done
    }

    /// How often task `index` was woken since it was spawned.
    pub fn wakes(&self, index: usize) -> usize {
        self.tasks.lock().unwrap()[index].as_ref().map_or(0, |(_, waker)| waker.wakes())
    }

    pub fn is_done(&self, index: usize) -> bool {
        self.tasks.lock().unwrap()[index].is_none()
    }

    /// Drops task `index` unpolled, as an executor shutting down would.
    pub fn drop_task(&self, index: usize) {
        let entry = self.tasks.lock().unwrap()[index].take();
        drop(entry);
    }
}

/// Refuses every task.
#[derive(Clone)]
pub struct RefusingSpawner;

impl Spawn for RefusingSpawner {
    fn spawn<F>(&self, _: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        Err(SpawnError::shutdown())
    }
}

/// Accepts every task, and drops it unrun: the tasks are lost.
#[derive(Clone)]
pub struct DiscardingSpawner;

impl Spawn for DiscardingSpawner {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(task);
        Ok(())
    }
}

/// Polls every task once, inside `spawn`, then drops it if it is still pending and
/// accepts it (an executor that loses a task before `spawn` even returns).
#[derive(Clone)]
pub struct PollOnceThenDropSpawner;

impl Spawn for PollOnceThenDropSpawner {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let mut task = Box::pin(task);
        let _ = task.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        Ok(())
    }
}

/// Panics on every task (the task is dropped during the unwinding).
#[derive(Clone)]
pub struct PanickingSpawner;

impl Spawn for PanickingSpawner {
    fn spawn<F>(&self, _: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        panic!("spawner exploded")
    }
}

/// What a gate resolves to once opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok(u32),
    Err(u32),
    Panic(u32),
}

#[derive(Default)]
struct GateState {
    outcome: Mutex<Option<Outcome>>,
    waker: Mutex<Option<Waker>>,
    polls: AtomicUsize,
    dropped: AtomicBool,
}

/// The test's side of a gate: opens it and observes its future.
#[derive(Clone, Default)]
pub struct Gate(Arc<GateState>);

/// A future that stays pending until its gate is opened, counts its polls and records its
/// drop.
pub struct GateFuture(Arc<GateState>);

impl Gate {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn future(&self) -> GateFuture {
        GateFuture(self.0.clone())
    }

    pub fn open(&self, outcome: Outcome) {
        *self.0.outcome.lock().unwrap() = Some(outcome);
        if let Some(waker) = self.0.waker.lock().unwrap().take() {
            waker.wake();
        }
    }

    pub fn polls(&self) -> usize {
        self.0.polls.load(SeqCst)
    }

    pub fn dropped(&self) -> bool {
        self.0.dropped.load(SeqCst)
    }
}

impl Future for GateFuture {
    type Output = Result<u32, u32>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<u32, u32>> {
        self.0.polls.fetch_add(1, SeqCst);
        match *self.0.outcome.lock().unwrap() {
            Some(Outcome::Ok(value)) => Poll::Ready(Ok(value)),
            Some(Outcome::Err(error)) => Poll::Ready(Err(error)),
            Some(Outcome::Panic(id)) => std::panic::panic_any(id),
            None => {
                *self.0.waker.lock().unwrap() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for GateFuture {
    fn drop(&mut self) {
        self.0.dropped.store(true, SeqCst);
    }
}

/// A future whose `Drop` panics.
pub struct PanicsOnDrop;

impl Future for PanicsOnDrop {
    type Output = Result<(), u32>;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), u32>> {
        Poll::Pending
    }
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("drop exploded");
    }
}

/// Silences the default panic hook's output for the panics these tests provoke on purpose.
pub fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let expected = info.payload().downcast_ref::<u32>().is_some()
                || info.payload().downcast_ref::<&str>().is_some_and(|message| {
                    ["drop exploded", "spawner exploded", "task exploded"].contains(message)
                });
            if !expected {
                previous(info);
            }
        }));
    });
}

/// A timer whose sleeps have all ended: time limits, deadlines and grace periods on it
/// expire at once, with no waiting.
#[derive(Clone, Copy, Debug)]
pub struct Expired;

impl errgroup::Timer for Expired {
    type Instant = u64;
    type Sleep = std::future::Ready<()>;

    fn now(&self) -> u64 {
        0
    }

    fn checked_add(&self, instant: u64, duration: std::time::Duration) -> Option<u64> {
        instant.checked_add(duration.as_secs())
    }

    fn sleep_until(&self, _: u64) -> Self::Sleep {
        std::future::ready(())
    }
}
