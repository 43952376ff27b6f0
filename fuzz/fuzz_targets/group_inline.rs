//! An inline group driven one poll at a time by a random sequence of operations — spawns
//! of tasks whose behaviour the input decides (finish, fail, panic, stay pending, yield,
//! spawn a sibling), cancels, limit changes — checked against a model of its tasks after
//! every step:
//! - no task's future is polled once the group is cancelled (aborted tasks are dropped,
//!   never polled again);
//! - the group counts exactly the tasks that were started and not yet dropped;
//! - `wait` returns the error of a task that failed before any cancellation, or `Ok` if
//!   none did, and by then every future has been dropped;
//! - spawns waiting for a slot (`GroupHandle::spawn`, polled and dropped by the input) are
//!   never stranded: whenever some wait while a slot is free (or the group is cancelled,
//!   or has no limit), one of them has a wake-up it has not yet seen; each resolves once
//!   the group is cancelled.
#![no_main]

use std::{
    cell::RefCell,
    future::Future,
    pin::Pin,
    rc::Rc,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst},
    },
    task::{Context, Poll, Wake, Waker},
};

use arbitrary::Arbitrary;
use errgroup::{Discard, ErrGroup, GroupHandle, Inline, Panicked, Refused, Rejected, future::Spawning};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Behaviour {
    Finish,
    Fail,
    Panic,
    /// Pending until the group drops it.
    Pend,
    /// Pending `n % 4` times (waking itself each time), then finishes.
    Yield(u8),
    /// Spawns a sibling that finishes or fails, then finishes.
    SpawnSibling(bool),
}

#[derive(Arbitrary, Debug)]
enum Op {
    TrySpawn(Behaviour),
    /// `GroupHandle::spawn`, polled once; if the group is full it waits among the others.
    Spawn(Behaviour),
    /// Polls every waiting spawn that was woken.
    PollSpawns,
    /// Drops a waiting spawn (and its task, unrun).
    DropSpawn(u8),
    Cancel,
    Limit(u8),
    RemoveLimit,
    Poll,
}

#[derive(Debug, PartialEq)]
enum Error {
    Failed(usize),
    Panicked(usize),
}

impl From<Panicked> for Error {
    fn from(panicked: Panicked) -> Self {
        // The payload is the model's index of the task (the group's own index skips tasks
        // that were created but refused).
        let payload = panicked.into_payload();
        Self::Panicked(*payload.downcast::<usize>().expect("tasks panic with their index"))
    }
}

/// What the model knows of each task, by spawn index.
#[derive(Default)]
struct Model {
    created: usize,
    live: usize,
    /// Tasks that failed (or panicked) while the group was not cancelled.
    failed_before_cancel: Vec<usize>,
    polled_after_cancel: bool,
}

type Shared = Arc<Mutex<Model>>;
type Handle = GroupHandle<Error, Inline<'static>>;

struct TaskFuture {
    index: usize,
    behaviour: Behaviour,
    yields: u8,
    cancelled: Arc<AtomicBool>,
    model: Shared,
    handle: Handle,
}

impl TaskFuture {
    fn new(
        index: usize,
        behaviour: Behaviour,
        cancelled: &Arc<AtomicBool>,
        model: &Shared,
        handle: &Handle,
    ) -> Self {
        let mut m = model.lock().unwrap();
        m.created += 1;
        m.live += 1;
        Self {
            index,
            behaviour,
            yields: 0,
            cancelled: cancelled.clone(),
            model: model.clone(),
            handle: handle.clone(),
        }
    }
}

impl Future for TaskFuture {
    type Output = Result<(), Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let cancelled = self.cancelled.load(SeqCst) || self.handle.is_cancelled();
        if cancelled {
            self.model.lock().unwrap().polled_after_cancel = true;
        }
        match self.behaviour {
            Behaviour::Finish => Poll::Ready(Ok(())),
            Behaviour::Fail => {
                if !cancelled {
                    self.model.lock().unwrap().failed_before_cancel.push(self.index);
                }
                Poll::Ready(Err(Error::Failed(self.index)))
            }
            Behaviour::Panic => {
                if !cancelled {
                    self.model.lock().unwrap().failed_before_cancel.push(self.index);
                }
                std::panic::panic_any(self.index)
            }
            Behaviour::Pend => Poll::Pending,
            Behaviour::Yield(n) => {
                if self.yields < n % 4 {
                    self.yields += 1;
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready(Ok(()))
                }
            }
            Behaviour::SpawnSibling(fails) => {
                let behaviour = if fails { Behaviour::Fail } else { Behaviour::Finish };
                let sibling = {
                    let index = self.model.lock().unwrap().created;
                    TaskFuture::new(index, behaviour, &self.cancelled, &self.model, &self.handle)
                };
                // A full or cancelled group hands the sibling back; it is dropped unrun.
                let _ = self.handle.try_spawn(sibling);
                Poll::Ready(Ok(()))
            }
        }
    }
}

/// A spawn waiting for a slot, and how often its waker was woken since its last poll.
struct WaitingSpawn<'h> {
    spawning: Spawning<'h, Error, Inline<'static>, Discard, TaskFuture>,
    wakes: Arc<Wakes>,
    waker: Waker,
}

#[derive(Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

impl WaitingSpawn<'_> {
    fn woken(&self) -> bool {
        self.wakes.0.load(SeqCst) > 0
    }

    /// Polls it; `true` once it has resolved (the outcome is checked here). `finished`:
    /// the group's `wait` has resolved.
    fn poll(&mut self, handle: &Handle, limit: Option<usize>, finished: bool) -> bool {
        self.wakes.0.store(0, SeqCst);
        match Pin::new(&mut self.spawning).poll(&mut Context::from_waker(&self.waker)) {
            Poll::Pending => {
                assert!(!handle.is_cancelled(), "a spawn waits in a cancelled group");
                assert!(
                    limit.is_some_and(|limit| handle.active() >= limit),
                    "a spawn waits below the limit"
                );
                false
            }
            Poll::Ready(Ok(_)) => true,
            // The refused task was dropped: the model's `live` count checks it.
            Poll::Ready(Err(Refused::Cancelled(_))) => {
                assert!(handle.is_cancelled() && !finished);
                true
            }
            // A finished group says so, whatever happened before.
            Poll::Ready(Err(Refused::Closed)) => {
                assert!(finished, "Closed before the group finished");
                true
            }
            Poll::Ready(Err(other)) => panic!("unexpected rejection {other:?}"),
        }
    }
}

impl Drop for TaskFuture {
    fn drop(&mut self) {
        self.model.lock().unwrap().live -= 1;
    }
}

fuzz_target!(|ops: Vec<Op>| {
    // Tasks panic with their index on purpose: keep those quiet, report anything else.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<usize>().is_none() {
                default(info);
            }
        }));
    });
    let model: Shared = Arc::default();
    let cancelled = Arc::new(AtomicBool::new(false));
    let group = ErrGroup::builder().panics_as_errors().inline();
    let handle: Handle = group.handle();
    let mut wait = group.wait();
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    let mut outcome = None;
    let limit = Rc::new(RefCell::new(None::<usize>));
    let mut waiting: Vec<WaitingSpawn<'_>> = Vec::new();

    for op in ops {
        if outcome.is_some() {
            break;
        }
        match op {
            Op::TrySpawn(behaviour) => {
                let index = model.lock().unwrap().created;
                let task = TaskFuture::new(index, behaviour, &cancelled, &model, &handle);
                match handle.try_spawn(task) {
                    Ok(_) => {}
                    Err(Rejected::Full(task)) => {
                        let active = handle.active();
                        assert!(
                            limit.borrow().is_some_and(|limit| active >= limit),
                            "full below the limit"
                        );
                        drop(task);
                    }
                    Err(Rejected::Cancelled(task, _)) => {
                        assert!(handle.is_cancelled());
                        drop(task);
                    }
                    Err(other) => panic!("unexpected rejection {other:?}"),
                }
            }
            Op::Spawn(behaviour) => {
                let index = model.lock().unwrap().created;
                let task = TaskFuture::new(index, behaviour, &cancelled, &model, &handle);
                let wakes = Arc::new(Wakes::default());
                let mut spawn = WaitingSpawn {
                    spawning: handle.spawn(task),
                    waker: Waker::from(wakes.clone()),
                    wakes,
                };
                if !spawn.poll(&handle, *limit.borrow(), false) {
                    waiting.push(spawn);
                }
            }
            Op::PollSpawns => {
                let limit = *limit.borrow();
                waiting.retain_mut(|spawn| !spawn.woken() || !spawn.poll(&handle, limit, false));
            }
            Op::DropSpawn(n) => {
                if !waiting.is_empty() {
                    drop(waiting.remove(usize::from(n) % waiting.len()));
                }
            }
            Op::Cancel => {
                cancelled.store(true, SeqCst);
                handle.cancel();
            }
            Op::Limit(n) => {
                let n = usize::from(n % 5);
                match handle.limit(n) {
                    Ok(()) => {
                        assert_ne!(n, 0);
                        *limit.borrow_mut() = Some(n);
                    }
                    Err(_) => assert_eq!(n, 0, "only limit(0) is refused"),
                }
                assert_eq!(handle.current_limit(), *limit.borrow());
            }
            Op::RemoveLimit => {
                handle.remove_limit();
                *limit.borrow_mut() = None;
            }
            Op::Poll => {
                if let Poll::Ready(result) = Pin::new(&mut wait).poll(&mut cx) {
                    outcome = Some(result);
                }
            }
        }
        let m = model.lock().unwrap();
        assert!(!m.polled_after_cancel, "a task was polled after the group was cancelled");
        if outcome.is_none() {
            // A waiting spawn holds its task's future, not yet counted in the group.
            assert!(handle.active() + waiting.len() >= m.live, "a live future is not counted");
        }
        let room =
            handle.is_cancelled() || limit.borrow().is_none_or(|limit| handle.active() < limit);
        if room && !waiting.is_empty() {
            assert!(
                waiting.iter().any(WaitingSpawn::woken),
                "spawns wait, unwoken, while the group has room or is cancelled"
            );
        }
    }

    // Waiting spawns resolve once the group is cancelled (or `Closed`, if it finished).
    cancelled.store(true, SeqCst);
    handle.cancel();
    let finished = outcome.is_some();
    for mut spawn in waiting.drain(..) {
        assert!(spawn.woken(), "a cancellation wakes every waiting spawn");
        assert!(
            spawn.poll(&handle, *limit.borrow(), finished),
            "a cancelled group refuses the spawn"
        );
    }

    // Finish: cancel whatever still pends, then drive the group to its end.
    let result = match outcome {
        Some(result) => result,
        None => {
            cancelled.store(true, SeqCst);
            handle.cancel();
            let mut result = None;
            for _ in 0..10_000 {
                if let Poll::Ready(r) = Pin::new(&mut wait).poll(&mut cx) {
                    result = Some(r);
                    break;
                }
            }
            result.expect("a cancelled inline group finishes")
        }
    };
    let m = model.lock().unwrap();
    assert!(!m.polled_after_cancel, "a task was polled after the group was cancelled");
    assert_eq!(m.live, 0, "every future is dropped by the time wait returns");
    assert_eq!(handle.active(), 0);
    match result {
        Ok(()) => assert!(m.failed_before_cancel.is_empty(), "a failure before cancel was lost"),
        Err(Error::Failed(index) | Error::Panicked(index)) => assert_eq!(
            m.failed_before_cancel.first(),
            Some(&index),
            "wait reports the first failure"
        ),
    }
});
