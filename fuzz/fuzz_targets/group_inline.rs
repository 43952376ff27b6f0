//! An inline group driven one poll at a time by a random sequence of operations — spawns
//! of tasks whose behaviour the input decides (finish, fail, panic, stay pending, yield,
//! spawn a sibling), cancels, limit changes — checked against a model of its tasks after
//! every step:
//! - no task's future is polled once the group is cancelled (aborted tasks are dropped,
//!   never polled again);
//! - the group counts exactly the tasks that were started and not yet dropped;
//! - `wait` returns the error of a task that failed before any cancellation, or `Ok` if
//!   none did, and by then every future has been dropped.
#![no_main]

use std::{
    cell::RefCell,
    future::Future,
    pin::Pin,
    rc::Rc,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering::SeqCst},
    },
    task::{Context, Poll, Waker},
};

use arbitrary::Arbitrary;
use errgroup::{ErrGroup, Handle, Inline, Panicked, Rejected};
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
type GroupHandle = Handle<Error, Inline<'static>>;

struct TaskFuture {
    index: usize,
    behaviour: Behaviour,
    yields: u8,
    cancelled: Arc<AtomicBool>,
    model: Shared,
    handle: GroupHandle,
}

impl TaskFuture {
    fn new(
        index: usize,
        behaviour: Behaviour,
        cancelled: &Arc<AtomicBool>,
        model: &Shared,
        handle: &GroupHandle,
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
    let handle: GroupHandle = group.handle();
    let mut wait = group.wait();
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    let mut outcome = None;
    let limit = Rc::new(RefCell::new(None::<usize>));

    for op in ops {
        if outcome.is_some() {
            break;
        }
        match op {
            Op::TrySpawn(behaviour) => {
                let index = model.lock().unwrap().created;
                let task = TaskFuture::new(index, behaviour, &cancelled, &model, &handle);
                match handle.try_spawn(task) {
                    Ok(()) => {}
                    Err(Rejected::Full(task)) => {
                        let active = handle.active();
                        assert!(
                            limit.borrow().is_some_and(|limit| active >= limit),
                            "full below the limit"
                        );
                        drop(task);
                    }
                    Err(Rejected::Cancelled(task)) => {
                        assert!(handle.is_cancelled());
                        drop(task);
                    }
                    Err(other) => panic!("unexpected rejection {other:?}"),
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
            assert!(handle.active() >= m.live, "a live future is not counted");
        }
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
