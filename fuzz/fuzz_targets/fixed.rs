//! `FixedGroup` against a plain model of its slots, compared after every step: spawns
//! (placed in the lowest free slot, refused when full or cancelled), single polls of `next`
//! and of `wait`, cancels and resets. Tasks count themselves alive, so a task dropped twice,
//! never dropped, or polled after it ended fails the run.
#![no_main]

use std::{
    cell::Cell,
    future::Future,
    pin::{Pin, pin},
    rc::Rc,
    task::{Context, Poll, Waker},
};

use arbitrary::Arbitrary;
use errgroup_core::fixed::{CancelReason, FixedGroup, Outcome, Rejected};
use libfuzzer_sys::fuzz_target;

const N: usize = 4;

#[derive(Arbitrary, Debug)]
enum Op {
    Spawn { polls: u8, fails: bool, value: u8 },
    PollNext,
    PollWait,
    Cancel,
    Reset,
}

/// Ready after `polls` pending polls, with `result`.
struct Job {
    polls: u8,
    result: Result<u8, u8>,
    ended: bool,
    alive: Rc<Cell<usize>>,
}

impl Job {
    fn new(polls: u8, result: Result<u8, u8>, alive: &Rc<Cell<usize>>) -> Self {
        alive.set(alive.get() + 1);
        Self { polls, result, ended: false, alive: Rc::clone(alive) }
    }
}

impl Future for Job {
    type Output = Result<u8, u8>;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(!self.ended, "polled after it ended");
        if self.polls == 0 {
            self.ended = true;
            return Poll::Ready(self.result);
        }
        self.polls -= 1;
        Poll::Pending
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.alive.set(self.alive.get().checked_sub(1).expect("dropped twice"));
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Slot {
    Vacant,
    Running { index: u64, polls: u8, result: Result<u8, u8> },
    Ended { index: u64, outcome: Outcome<u8, u8> },
}

#[derive(Debug)]
struct Model {
    slots: [Slot; N],
    spawned: u64,
    cancelled: Option<CancelReason>,
    failure: Option<usize>,
}

impl Model {
    fn running(&self) -> usize {
        self.slots.iter().filter(|slot| matches!(slot, Slot::Running { .. })).count()
    }

    fn cancel(&mut self, reason: CancelReason) {
        if self.cancelled.is_some() {
            return;
        }
        self.cancelled = Some(reason);
        for slot in &mut self.slots {
            if let Slot::Running { index, .. } = slot.clone() {
                *slot = Slot::Ended { index, outcome: Outcome::Cancelled(reason) };
            }
        }
    }

    fn poll_all(&mut self) {
        for i in 0..N {
            let Slot::Running { index, polls, result } = self.slots[i].clone() else { continue };
            if polls > 0 {
                self.slots[i] = Slot::Running { index, polls: polls - 1, result };
                continue;
            }
            let outcome = match result {
                Ok(value) => Outcome::Succeeded(value),
                Err(error) => Outcome::Failed(error),
            };
            self.slots[i] = Slot::Ended { index, outcome };
            if result.is_err() && self.cancelled.is_none() {
                self.failure = Some(i);
                self.cancel(CancelReason::Error);
            }
        }
    }

    fn take(&mut self) -> Option<(u64, usize, Outcome<u8, u8>)> {
        let i = self.slots.iter().position(|slot| matches!(slot, Slot::Ended { .. }))?;
        let Slot::Ended { index, outcome } = std::mem::replace(&mut self.slots[i], Slot::Vacant)
        else {
            unreachable!()
        };
        if self.failure == Some(i) {
            self.failure = None;
        }
        Some((index, i, outcome))
    }

    fn next(&mut self) -> Poll<Option<(u64, usize, Outcome<u8, u8>)>> {
        if let Some(taken) = self.take() {
            return Poll::Ready(Some(taken));
        }
        if self.running() == 0 {
            return Poll::Ready(None);
        }
        self.poll_all();
        match self.take() {
            Some(taken) => Poll::Ready(Some(taken)),
            None => Poll::Pending,
        }
    }

    fn wait(&mut self) -> Poll<Result<(), u8>> {
        self.poll_all();
        if self.running() > 0 {
            return Poll::Pending;
        }
        let failure = self.failure.take().map(|i| self.slots[i].clone());
        self.slots = [const { Slot::Vacant }; N];
        match failure {
            Some(Slot::Ended { outcome: Outcome::Failed(error), .. }) => Poll::Ready(Err(error)),
            _ => Poll::Ready(Ok(())),
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let alive = Rc::new(Cell::new(0));
    let mut cx = Context::from_waker(Waker::noop());
    {
        let mut group = pin!(FixedGroup::<Job, N>::new());
        let mut model = Model {
            slots: [const { Slot::Vacant }; N],
            spawned: 0,
            cancelled: None,
            failure: None,
        };
        for op in ops {
            match op {
                Op::Spawn { polls, fails, value } => {
                    let result = if fails { Err(value) } else { Ok(value) };
                    let spawned = group.as_mut().try_spawn(Job::new(polls % 4, result, &alive));
                    let vacant = model.slots.iter().position(|slot| *slot == Slot::Vacant);
                    match (spawned, model.cancelled, vacant) {
                        (Err(Rejected::Cancelled(_)), Some(_), _) => {}
                        (Err(Rejected::Full(_)), None, None) => {}
                        (Ok(id), None, Some(slot)) => {
                            assert_eq!((id.index(), id.slot()), (model.spawned, slot));
                            model.slots[slot] =
                                Slot::Running { index: model.spawned, polls: polls % 4, result };
                            model.spawned += 1;
                        }
                        (other, cancelled, vacant) => {
                            panic!(
                                "spawn gave {other:?}, model: cancelled {cancelled:?}, vacant {vacant:?}"
                            )
                        }
                    }
                }
                Op::PollNext => {
                    let real = pin!(group.as_mut().next()).poll(&mut cx);
                    let real = real.map(|taken| taken.map(|(id, o)| (id.index(), id.slot(), o)));
                    assert_eq!(real, model.next());
                }
                Op::PollWait => {
                    let real = pin!(group.as_mut().wait()).poll(&mut cx);
                    assert_eq!(real, model.wait());
                }
                Op::Cancel => {
                    let first = model.cancelled.is_none();
                    assert_eq!(group.as_mut().cancel(), first);
                    model.cancel(CancelReason::Explicit);
                }
                Op::Reset => {
                    group.as_mut().reset();
                    model.slots = [const { Slot::Vacant }; N];
                    model.cancelled = None;
                    model.failure = None;
                }
            }
            assert_eq!(group.running(), model.running());
            assert_eq!(group.cancelled(), model.cancelled);
            assert_eq!(alive.get(), model.running(), "a task that ended was dropped at once");
        }
    }
    assert_eq!(alive.get(), 0, "dropping the group drops every task");
});
