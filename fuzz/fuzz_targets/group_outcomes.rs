//! Every task accounted for: a group on an executor the input controls (a recording
//! spawner: the input polls its tasks one at a time, and drops some unfinished, as a
//! runtime shutting down would), under every policy, with panics and interruptions
//! re-raised or turned into errors, checked against a model of each task's outcome:
//! - what `wait` (or `wait_all`) returns is what the rules predict: the first panic is
//!   re-raised even after an error; a lost task is never a success (re-raised, or an
//!   error); a group cancelled with tasks unfinished and no failure reports the
//!   interruption (or returns `Ok(())`, keeping no values); otherwise the first error, or
//!   every error in order;
//! - no task is polled once the group is cancelled, and the group counts exactly the
//!   tasks the executor still holds.
#![no_main]

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll, Waker},
};

use arbitrary::Arbitrary;
use errgroup::{CancelReason, ErrGroup, Interrupted, Panicked, Policy, Spawn, SpawnError, Spawned};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum End {
    Ok,
    Fail,
    Panic,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Spawn,
    /// Decides how task `n` (modulo) ends, when it is next polled.
    Open(u8, End),
    /// The executor polls task `n`.
    Poll(u8),
    /// The executor drops task `n` unfinished.
    Drop(u8),
    Cancel,
}

#[derive(Arbitrary, Debug)]
struct Input {
    policy: u8,
    panics_as_errors: bool,
    interruptions_as_errors: bool,
    wait_all: bool,
    ops: Vec<Op>,
}

#[derive(Debug, PartialEq)]
enum Error {
    Failed(usize),
    Panicked(usize),
    Lost(usize),
    Interrupted(CancelReason, usize),
}

impl From<Panicked> for Error {
    fn from(panicked: Panicked) -> Self {
        Self::Panicked(panicked.task().id().index())
    }
}

impl From<Interrupted> for Error {
    fn from(interrupted: Interrupted) -> Self {
        match interrupted {
            Interrupted::Lost(lost) => Self::Lost(lost.task().id().index()),
            Interrupted::Cancelled { reason, unfinished } => Self::Interrupted(reason, unfinished),
            other => panic!("unknown interruption {other:?}"),
        }
    }
}

type Tasks = Arc<Mutex<Vec<Option<Pin<Box<dyn Future<Output = ()> + Send>>>>>>;

/// Keeps every task for the input to poll or drop.
#[derive(Clone, Default)]
struct Recording(Tasks);

impl Spawn for Recording {
    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) -> Result<(), SpawnError> {
        self.0.lock().unwrap().push(Some(Box::pin(task)));
        Ok(())
    }
}

/// A task's future: pending until opened, then ends as told. Records its polls.
struct Gated {
    index: usize,
    end: Arc<Mutex<Vec<Option<End>>>>,
    polled: Arc<Mutex<Vec<usize>>>,
}

impl Future for Gated {
    type Output = Result<(), Error>;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.polled.lock().unwrap().push(self.index);
        let end = self.end.lock().unwrap()[self.index];
        match end {
            None => Poll::Pending,
            Some(End::Ok) => Poll::Ready(Ok(())),
            Some(End::Fail) => Poll::Ready(Err(Error::Failed(self.index))),
            Some(End::Panic) => std::panic::panic_any(self.index),
        }
    }
}

/// A failure as the model records it, in order of arrival.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Failure {
    Failed(usize),
    Panicked(usize),
    Lost(usize),
}

#[derive(Default)]
struct Model {
    /// Why the group was cancelled, once it was.
    cancelled: Option<CancelReason>,
    /// The failures the group keeps (its first one decides `wait`), in order.
    kept: Vec<Failure>,
    /// The panics, in order (the first one is re-raised unless converted).
    panics: Vec<usize>,
    /// Tasks that ended unfinished because the group was cancelled.
    unfinished: usize,
}

fuzz_target!(|input: Input| {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let expected = info.payload().downcast_ref::<usize>().is_some()
                || info
                    .payload()
                    .downcast_ref::<String>()
                    .is_some_and(|m| m.starts_with("errgroup:"));
            if !expected {
                default(info);
            }
        }));
    });
    let policy =
        [Policy::FailFast, Policy::CollectAll, Policy::NoCancel][usize::from(input.policy % 3)];
    let spawner = Recording::default();
    let mut builder = ErrGroup::<Error, _>::builder().policy(policy);
    if input.panics_as_errors {
        builder = builder.panics_as_errors();
    }
    if input.interruptions_as_errors {
        builder = builder.interruptions_as_errors();
    }
    let group: ErrGroup<Error, Spawned<Recording>> = builder.spawner(spawner.clone());
    let ends: Arc<Mutex<Vec<Option<End>>>> = Arc::default();
    let polled: Arc<Mutex<Vec<usize>>> = Arc::default();
    let mut model = Model::default();
    let mut cx = Context::from_waker(Waker::noop());

    // What happens to the model when a task fails in a certain way.
    let fail = |model: &mut Model, failure: Failure| {
        let is_error = matches!(failure, Failure::Failed(_));
        if let Failure::Panicked(index) = failure {
            model.panics.push(index);
        }
        if policy != Policy::CollectAll && is_error && model.cancelled.is_some() {
            model.unfinished += 1; // a consequence of the cancellation
            return;
        }
        model.kept.push(failure);
        if policy == Policy::FailFast && model.kept.len() == 1 && model.cancelled.is_none() {
            model.cancelled = Some(match failure {
                Failure::Failed(_) => CancelReason::Error,
                Failure::Panicked(_) => CancelReason::Panic,
                Failure::Lost(_) => CancelReason::Lost,
            });
        }
    };

    for op in input.ops {
        let tasks = spawner.0.lock().unwrap().len();
        match op {
            Op::Spawn => {
                let index = tasks;
                ends.lock().unwrap().push(None);
                let task = Gated { index, end: ends.clone(), polled: polled.clone() };
                match group.try_spawn(task) {
                    Ok(id) => {
                        assert!(model.cancelled.is_none(), "a cancelled group took a task");
                        assert_eq!(id.index(), index, "ids follow spawn order");
                    }
                    Err(rejected) => {
                        assert!(model.cancelled.is_some(), "refused: {rejected}");
                        ends.lock().unwrap().pop();
                    }
                }
            }
            Op::Open(n, end) if tasks > 0 => {
                let index = usize::from(n) % tasks;
                ends.lock().unwrap()[index].get_or_insert(end);
            }
            Op::Poll(n) if tasks > 0 => {
                let index = usize::from(n) % tasks;
                let mut task = spawner.0.lock().unwrap()[index].take();
                let Some(future) = task.as_mut() else { continue };
                let before = polled.lock().unwrap().len();
                let ready = future.as_mut().poll(&mut cx).is_ready();
                let ran = polled.lock().unwrap().len() > before;
                if model.cancelled.is_some() {
                    assert!(!ran, "task {index} was polled after the cancellation");
                    assert!(ready, "an aborted task ends at its next poll");
                    model.unfinished += 1;
                } else {
                    assert!(ran);
                    if ready {
                        match ends.lock().unwrap()[index].expect("ready only once opened") {
                            End::Ok => {}
                            End::Fail => fail(&mut model, Failure::Failed(index)),
                            End::Panic => fail(&mut model, Failure::Panicked(index)),
                        }
                    }
                }
                if !ready {
                    spawner.0.lock().unwrap()[index] = task;
                }
            }
            Op::Drop(n) if tasks > 0 => {
                let index = usize::from(n) % tasks;
                if spawner.0.lock().unwrap()[index].take().is_some() {
                    if model.cancelled.is_some() {
                        model.unfinished += 1;
                    } else {
                        fail(&mut model, Failure::Lost(index));
                    }
                }
            }
            Op::Cancel => {
                group.cancel();
                model.cancelled.get_or_insert(CancelReason::Explicit);
            }
            _ => {}
        }
        assert_eq!(group.token().reason(), model.cancelled, "why the group is cancelled");
        let held = spawner.0.lock().unwrap().iter().flatten().count();
        assert_eq!(group.active(), held, "the group counts the tasks the executor holds");
    }

    // The executor finishes every task it holds: each opened task ends as told, the
    // others succeed (unless the group drops them first).
    let held: Vec<usize> = (0..spawner.0.lock().unwrap().len()).collect();
    for index in held {
        let task = spawner.0.lock().unwrap()[index].take();
        let Some(mut future) = task else { continue };
        ends.lock().unwrap()[index].get_or_insert(End::Ok);
        let before = polled.lock().unwrap().len();
        assert!(future.as_mut().poll(&mut cx).is_ready());
        if model.cancelled.is_some() {
            assert_eq!(polled.lock().unwrap().len(), before, "polled after the cancellation");
            model.unfinished += 1;
        } else {
            match ends.lock().unwrap()[index].unwrap() {
                End::Ok => {}
                End::Fail => fail(&mut model, Failure::Failed(index)),
                End::Panic => fail(&mut model, Failure::Panicked(index)),
            }
        }
    }
    assert_eq!(group.active(), 0);

    // What the rules say `wait` does.
    let convert = |failure: Failure| match failure {
        Failure::Failed(index) => Some(Error::Failed(index)),
        Failure::Panicked(index) => input.panics_as_errors.then_some(Error::Panicked(index)),
        Failure::Lost(index) => input.interruptions_as_errors.then_some(Error::Lost(index)),
    };
    let wait_all = input.wait_all;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if wait_all {
            futures_executor_block_on(group.wait_all()).map_err(|errors| {
                let errors = errors.into_iter().map(errgroup::TaskError::into_parts);
                // Each error names the task it came from; only an interruption has none.
                errors
                    .map(|(task, error)| {
                        match (&error, task) {
                            (
                                Error::Failed(index) | Error::Panicked(index) | Error::Lost(index),
                                Some(task),
                            ) => assert_eq!(task.id().index(), *index, "{error:?}"),
                            (Error::Interrupted(..), None) => {}
                            (error, task) => panic!("{error:?} came with {task:?}"),
                        }
                        error
                    })
                    .collect()
            })
        } else {
            futures_executor_block_on(group.wait()).map_err(|error| vec![error])
        }
    }));
    let first_panic = model.panics.first().filter(|_| !input.panics_as_errors);
    match (first_panic, outcome) {
        (Some(&index), Err(payload)) => {
            assert_eq!(payload.downcast_ref::<usize>(), Some(&index), "the first panic wins");
        }
        (Some(index), Ok(result)) => panic!("the panic of task {index} was lost: {result:?}"),
        (None, outcome) => match model.kept.first() {
            Some(&first) => match (convert(first), outcome) {
                (Some(error), Ok(Err(errors))) => {
                    if wait_all && policy == Policy::CollectAll {
                        let all: Vec<Error> =
                            model.kept.iter().filter_map(|f| convert(*f)).collect();
                        assert_eq!(errors, all, "every error, in order");
                    } else {
                        assert_eq!(errors, [error], "the first failure");
                    }
                }
                (None, Err(payload)) => {
                    let Failure::Lost(index) = first else { unreachable!() };
                    let message = payload.downcast_ref::<String>().expect("a message");
                    assert!(
                        message.starts_with(&format!("errgroup: task {index} was lost")),
                        "{message}"
                    );
                }
                (expected, outcome) => panic!("expected {first:?} ({expected:?}), got {outcome:?}"),
            },
            None => {
                let outcome = outcome.expect("nothing to re-raise");
                if model.unfinished > 0 && input.interruptions_as_errors {
                    let reason =
                        model.cancelled.expect("only a cancellation leaves tasks unfinished");
                    assert_eq!(outcome, Err(vec![Error::Interrupted(reason, model.unfinished)]));
                } else {
                    // A group that keeps no values loses nothing to a cancellation.
                    assert_eq!(outcome, Ok(()));
                }
            }
        },
    }
});

/// Polls a future that is ready at once (the group has no task left).
fn futures_executor_block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a group with no task left is ready at once"),
    }
}
