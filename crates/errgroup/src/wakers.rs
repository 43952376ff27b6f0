//! The wake-ups a group owes: to its pending tasks when it is cancelled, and to the spawns
//! waiting for a free slot when a task finishes. Neither allocates per waiter.
//!
//! A task running on an executor must be woken when its group is cancelled, so that it is
//! polled, sees the cancellation and drops its future at once. Each task that goes pending
//! records its waker here, in a slab whose slots are reused, so after warm-up a pending
//! task costs no allocation of its own: only a slot (a `Waker`, 16 bytes, plus the slab's
//! tag).
//!
//! A spawn that finds its group full queues its waker here, in arrival order, and is
//! given a ticket. Each finishing task wakes the spawn at the front of the queue (one freed
//! slot, one wake-up); a woken spawn that does not use the slot (it was dropped, say) hands
//! its wake-up on to the next one, so a slot is never left free while spawns wait.
//!
//! # Invariants
//!
//! - `cancelled` goes from `false` to `true` once, under the lock, in the same critical
//!   section that takes every registered waker out, of tasks and of spawns. Registrations
//!   also happen under the lock and check `cancelled` first. So a task or spawn either
//!   registered before the drain (and is woken by it) or sees `cancelled` (and aborts by
//!   itself): no wake-up is lost. Read without the lock, `cancelled` only ever lets a
//!   caller skip the lock when the registry is already drained: a task giving its slot
//!   back after the cancellation (every aborted task does) takes no lock.
//! - Wakers are woken after the lock is released, so a waker that re-enters the group
//!   cannot deadlock.
//! - The group's token reaches this registry through one listener per group ([`Relay`]),
//!   so a cancellation from anywhere — the group's own, a parent token's, a timeout —
//!   drains it.
//! - A spawn waiting for a slot is never stranded. It queues itself (under the lock, which
//!   also updates `queued`), then announces itself with the state word's
//!   `load_acq_rel`, then tries to start again. A finishing task changes the state word
//!   (`finish`, a read-modify-write), then reads `queued`. The two read-modify-writes are
//!   ordered: if the announcement came first, the `finish` synchronises with it and reads
//!   a non-zero `queued` (or a later value, after another finishing task woke the spawn);
//!   if the `finish` came first, the spawn's second try sees the slot it freed. So a
//!   finishing task that reads `queued == 0` owes nobody a wake-up, and takes no lock.
//! - Tickets are handed out in increasing order (wrapping) and the queue is only ever
//!   taken from the front (or drained whole), so `served`, the last ticket taken from the
//!   front, tells a spawn without the lock whether it was woken: every ticket up to
//!   `served` has left the queue.

use alloc::collections::VecDeque;
use core::task::Waker;

use slab::Slab;

use crate::{
    sync::{AllocArc as Arc, ArcWake, AtomicBool, AtomicU8, AtomicUsize, Lock, Ordering, arc_wake},
    token::{self, Waiters},
};

#[derive(Default)]
struct Registry {
    /// Pending tasks, woken on cancellation.
    tasks: Slab<Waker>,
    /// The group token's `cancelled()` futures (see `token::Waiters`), woken on every
    /// cancellation, a graceful one included.
    waiters: Slab<Waiter>,
    /// Spawns waiting for a free slot, in ticket (arrival) order.
    spawns: VecDeque<(usize, Waker)>,
    next_ticket: usize,
}

/// A token waiter's waker. A type of its own, so that its slab is another instance of
/// `Slab`'s code than the tasks' one, and the tasks' `insert` stays inlined in
/// `register` (measured: +14 instructions per task in `limit64_current` when they shared
/// it).
struct Waiter(Waker);

impl Registry {
    /// Where the spawn holding `ticket` is in the queue, if it is still there.
    fn position(&self, ticket: usize) -> Option<usize> {
        // Tickets increase along the queue; measured from the front's, they do not wrap.
        let front = self.spawns.front()?.0;
        let key = ticket.wrapping_sub(front);
        self.spawns.binary_search_by_key(&key, |(queued, _)| queued.wrapping_sub(front)).ok()
    }
}

/// The wakers a group owes a wake-up: its pending tasks' and its waiting spawns'.
pub(crate) struct TaskWakers {
    registry: Lock<Registry>,
    /// How many spawns are queued. Written under the lock; read without it by finishing
    /// tasks, which take the lock only when it is not zero.
    queued: AtomicUsize,
    /// The ticket of the last spawn taken from the front of the queue (or drained).
    served: AtomicUsize,
    /// Set once, under the lock, when the registry is drained for good.
    cancelled: AtomicBool,
    /// Set once, under the lock, when the token's waiters are taken out: the token is
    /// cancelled, so a `cancelled()` future never needs a slot again, and giving one back
    /// takes no lock.
    waiters_gone: AtomicBool,
    /// Whether the group's tasks are dropped when it is cancelled: [`RUNNING`] (the
    /// group's rule), [`GRACE`] (a graceful stop: signalled, not dropped) or [`ABORT`]
    /// (everything dropped now). Moves only forward.
    phase: AtomicU8,
    /// Whether some task of the group may be spared by a cancellation (the group is
    /// cooperative, or a task is signalled or shielded): then a cancellation wakes the
    /// registered tasks without draining the registry for good, so that the end of a
    /// grace period can still reach the spared ones.
    spared: AtomicBool,
}

/// The group's own rule decides what a cancellation drops.
pub(crate) const RUNNING: u8 = 0;
/// A graceful stop: the token is cancelled, but no task is dropped until [`ABORT`].
pub(crate) const GRACE: u8 = 1;
/// The grace period is over (or its shutdown was dropped): every task is dropped,
/// cooperative, signalled or shielded alike.
pub(crate) const ABORT: u8 = 2;

impl Default for TaskWakers {
    fn default() -> Self {
        Self {
            registry: Lock::new(Registry::default()),
            queued: AtomicUsize::new(0),
            // The ticket before the first one: nothing served yet.
            served: AtomicUsize::new(usize::MAX),
            cancelled: AtomicBool::new(false),
            waiters_gone: AtomicBool::new(false),
            phase: AtomicU8::new(RUNNING),
            spared: AtomicBool::new(false),
        }
    }
}

/// A task that has not taken a slot yet: 8 bytes per task instead of an `Option`'s 16 (a
/// slab never has `usize::MAX` entries).
pub(crate) const NO_SLOT: usize = usize::MAX;

/// The registry was drained for good (its group is cancelled): the task must abort, the
/// spawn must stop waiting.
#[derive(Debug)]
pub(crate) struct Drained;

impl TaskWakers {
    /// Records `waker` for the task whose slot is `key` (taking a slot on first use, when
    /// `key` is [`NO_SLOT`]).
    pub(crate) fn register(&self, key: &mut usize, waker: &Waker) -> Result<(), Drained> {
        self.registry.with(|registry| {
            // Relaxed: written under this lock, which orders it.
            if self.cancelled.load(Ordering::Relaxed) {
                return Err(Drained);
            }
            match *key {
                NO_SLOT => *key = registry.tasks.insert(waker.clone()),
                slot => registry.tasks[slot].clone_from(waker),
            }
            Ok(())
        })
    }

    /// Queues a spawn waiting for a free slot, or, if its `ticket` is still queued,
    /// updates its waker. The caller must then announce itself on the state word
    /// (`load_acq_rel`) and try to start again: see the module's invariants.
    pub(crate) fn queue_spawn(
        &self,
        ticket: &mut Option<usize>,
        waker: &Waker,
    ) -> Result<(), Drained> {
        self.registry.with(|registry| {
            if self.cancelled.load(Ordering::Relaxed) {
                return Err(Drained);
            }
            if let Some(at) = ticket.and_then(|ticket| registry.position(ticket)) {
                registry.spawns[at].1.clone_from(waker);
                return Ok(());
            }
            let new = registry.next_ticket;
            registry.next_ticket = new.wrapping_add(1);
            registry.spawns.push_back((new, waker.clone()));
            // Relaxed: published to finishing tasks by the caller's announcement.
            self.queued.store(registry.spawns.len(), Ordering::Relaxed);
            *ticket = Some(new);
            Ok(())
        })
    }

    /// A task finished (call it after its `finish` on the state word): gives back its slot
    /// (`key`, or [`NO_SLOT`] if it never waited) and wakes the spawn at the front of the
    /// queue, if any, for the slot it freed. One critical section for both, none if there
    /// is nothing to do.
    #[inline]
    pub(crate) fn task_finished(&self, key: usize) {
        // Relaxed: a drained registry has no slots to give back, and a stale `false` only
        // costs taking the lock, which decides. `queued` is ordered by the state word's
        // read-modify-writes (module invariants).
        let give_back = key != NO_SLOT && !self.cancelled.load(Ordering::Relaxed);
        if give_back || self.queued.load(Ordering::Relaxed) != 0 {
            self.finish_locked(key, give_back);
        }
    }

    #[inline(never)]
    fn finish_locked(&self, key: usize, give_back: bool) {
        let next = self.registry.with(|registry| {
            if give_back && !self.cancelled.load(Ordering::Relaxed) {
                registry.tasks.remove(key);
            }
            self.pop_spawn(registry)
        });
        if let Some(waker) = next {
            waker.wake();
        }
    }

    /// Takes the spawn at the front of the queue, marking its ticket served.
    fn pop_spawn(&self, registry: &mut Registry) -> Option<Waker> {
        let (ticket, waker) = registry.spawns.pop_front()?;
        // Release: a spawn that reads its ticket served (acquire) knows it left the queue.
        self.served.store(ticket, Ordering::Release);
        self.queued.store(registry.spawns.len(), Ordering::Relaxed);
        Some(waker)
    }

    /// Takes every queued spawn out, marking all their tickets served.
    fn drain_spawns(&self, registry: &mut Registry) -> VecDeque<(usize, Waker)> {
        self.served.store(registry.next_ticket.wrapping_sub(1), Ordering::Release);
        self.queued.store(0, Ordering::Relaxed);
        core::mem::take(&mut registry.spawns)
    }

    /// Whether the spawn holding `ticket` was taken from the queue (and woken).
    fn served(&self, ticket: usize) -> bool {
        // The distance from the ticket to `served` is small and non-negative once served;
        // a ticket not yet served lies ahead of it. Wrapping-safe while fewer than
        // `isize::MAX` spawns wait at once.
        self.served.load(Ordering::Acquire).wrapping_sub(ticket) <= isize::MAX as usize
    }

    /// The spawn holding `ticket` stops waiting: it started its task (`started`), or it
    /// gave up (refused for another reason, or dropped). A spawn that was woken but did
    /// not start hands its wake-up on to the next one, whose slot it may have been.
    pub(crate) fn leave_queue(&self, ticket: usize, started: bool) {
        if started && self.served(ticket) {
            // Woken, and used the slot: nothing left to do, and no lock to take.
            return;
        }
        let pass_on = self.registry.with(|registry| match registry.position(ticket) {
            Some(at) => {
                registry.spawns.remove(at);
                self.queued.store(registry.spawns.len(), Ordering::Relaxed);
                None
            }
            None if !started => self.pop_spawn(registry),
            None => None,
        });
        if let Some(waker) = pass_on {
            waker.wake();
        }
    }

    /// Wakes every queued spawn (the limit was raised: several may fit now).
    pub(crate) fn wake_spawns(&self) {
        let spawns = self.registry.with(|registry| self.drain_spawns(registry));
        for (_, waker) in spawns {
            waker.wake();
        }
    }

    /// Marks the group cancelled and wakes every registered task and queued spawn, once.
    ///
    /// With `std`, a waker that panics (an executor's bug) does not stop the others from
    /// being woken: this runs inside the token's notification, which must not unwind.
    pub(crate) fn cancel_all(&self) {
        let (tasks, waiters, spawns) = self.registry.with(|registry| {
            self.cancelled.store(true, Ordering::Relaxed);
            (
                core::mem::take(&mut registry.tasks),
                self.take_waiters(registry),
                self.drain_spawns(registry),
            )
        });
        let waiters = waiters.into_iter().map(|(key, Waiter(waker))| (key, waker));
        let wakers = tasks.into_iter().chain(waiters).map(|(_, waker)| waker);
        for waker in wakers.chain(spawns.into_iter().map(|(_, waker)| waker)) {
            wake_caught(waker);
        }
    }
}

/// The group's token keeps its `cancelled()` futures' wakers here, beside the tasks': the
/// relay wakes them all on a cancellation, with no allocation per waiter.
impl Waiters for TaskWakers {
    fn register(&self, slot: &mut usize, waker: &Waker) -> bool {
        self.registry.with(|registry| {
            // Relaxed: written under this lock, which orders it.
            if self.waiters_gone.load(Ordering::Relaxed) {
                return false;
            }
            match *slot {
                token::NO_SLOT => *slot = registry.waiters.insert(Waiter(waker.clone())),
                key => registry.waiters[key].0.clone_from(waker),
            }
            true
        })
    }

    fn forget(&self, slot: usize) {
        // Relaxed: as in `task_finished`; the lock decides.
        if slot == token::NO_SLOT || self.waiters_gone.load(Ordering::Relaxed) {
            return;
        }
        self.registry.with(|registry| {
            if !self.waiters_gone.load(Ordering::Relaxed) {
                registry.waiters.remove(slot);
            }
        });
    }
}

impl TaskWakers {
    /// The phase the group is in: [`RUNNING`], [`GRACE`] or [`ABORT`].
    #[inline]
    pub(crate) fn phase(&self) -> u8 {
        // Acquire: pairs with the release stores below, for a task that reads `ABORT`
        // without having been woken by the drain that follows it.
        self.phase.load(Ordering::Acquire)
    }

    /// Starts a graceful stop, before the token is cancelled: the relay then leaves the
    /// tasks registered (only queued spawns are woken, to be refused), so nothing is
    /// dropped until [`abort`](Self::abort). Nothing changes for a group already past
    /// `RUNNING`, or whose registry was already drained (cancelled without grace).
    pub(crate) fn begin_grace(&self) {
        self.registry.with(|_| {
            if !self.cancelled.load(Ordering::Relaxed) {
                // Err: already in grace, or past it.
                let _ = self.phase.compare_exchange(
                    RUNNING,
                    GRACE,
                    Ordering::Release,
                    Ordering::Relaxed,
                );
            }
        });
    }

    /// Some task of the group may be spared by a cancellation: see `spared`.
    pub(crate) fn note_spared(&self) {
        // Relaxed: read under the lock by the relay, and a task is started (and so noted)
        // before it can register; a cancellation racing the first such start may still
        // drain for good, and then the spared task runs on, unregistered, as a
        // cooperative task does (see `Shared::aborts`).
        self.spared.store(true, Ordering::Relaxed);
    }

    /// Wakes every registered task (and waiting `cancelled()` future), leaving it
    /// registered: a cancellation that spares some of them, or the start of a grace period.
    fn wake_tasks(&self) {
        let (tasks, waiters) = self.registry.with(|registry| {
            let tasks: alloc::vec::Vec<Waker> =
                registry.tasks.iter().map(|(_, w)| w.clone()).collect();
            (tasks, self.take_waiters(registry))
        });
        for waker in tasks.into_iter().chain(waiters.into_iter().map(|(_, Waiter(w))| w)) {
            wake_caught(waker);
        }
    }

    /// Wakes the token's waiting `cancelled()` futures only, taking them out for good: the
    /// start of a grace period, which tells the tasks without waking them; or the group's
    /// end, when its relay goes with it (each waiter then waits on the token itself).
    pub(crate) fn wake_waiters(&self) {
        let waiters = self.registry.with(|registry| self.take_waiters(registry));
        for (_, Waiter(waker)) in waiters {
            wake_caught(waker);
        }
    }

    /// Takes the token's waiters out for good (the token is cancelled, so each of them is
    /// ready at its next poll; or the group is gone, and each waits on the token itself).
    fn take_waiters(&self, registry: &mut Registry) -> Slab<Waiter> {
        self.waiters_gone.store(true, Ordering::Relaxed);
        core::mem::take(&mut registry.waiters)
    }

    /// Ends any grace: every task is to be dropped now. Marks the phase, then drains the
    /// registry, waking every registered task, which aborts when polled.
    pub(crate) fn abort(&self) {
        self.phase.store(ABORT, Ordering::Release);
        self.cancel_all();
    }
}

/// Wakes `waker`; with `std`, a waker that panics (an executor's bug) does not unwind
/// into the token's notification, which must go on to wake the others.
fn wake_caught(waker: Waker) {
    #[cfg(feature = "std")]
    {
        // The panic hook has reported it.
        let _ = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| waker.wake()));
    }
    #[cfg(not(feature = "std"))]
    waker.wake();
}

/// The waker the group's token wakes when it is cancelled: it drains the registry; or,
/// during a graceful stop, wakes only the token's waiting `cancelled()` futures and
/// refuses the queued spawns; or, when some task may be spared, wakes every registered
/// task and waiter without draining.
pub(crate) struct Relay(pub(crate) Arc<TaskWakers>);

arc_wake!(Relay);

impl ArcWake for Relay {
    fn wake_by_ref(this: &Arc<Self>) {
        let this = &**this;
        // Under the lock, so that a grace begun concurrently is either seen here or finds
        // the registry drained and is refused.
        let (phase, spared) = this.0.registry.with(|_| {
            (this.0.phase.load(Ordering::Relaxed), this.0.spared.load(Ordering::Relaxed))
        });
        match phase {
            // The tasks are told through the token, not dropped: wake the token's
            // `cancelled()` futures waiting here (not the tasks), and refuse the spawns.
            GRACE => {
                this.0.wake_waiters();
                this.0.wake_spawns();
            }
            RUNNING if spared => {
                this.0.wake_tasks();
                this.0.wake_spawns();
            }
            _ => this.0.cancel_all(),
        }
    }
}

#[cfg(all(test, feature = "std", not(loom)))]
mod tests {
    use core::task::Waker;

    use super::{NO_SLOT, TaskWakers};

    fn slots(wakers: &TaskWakers) -> usize {
        wakers.registry.with(|registry| registry.tasks.len())
    }

    #[test]
    fn a_finished_task_gives_its_slot_back_until_the_registry_is_drained() {
        let wakers = TaskWakers::default();
        let mut key = NO_SLOT;
        wakers.register(&mut key, Waker::noop()).unwrap();
        assert_eq!(slots(&wakers), 1);
        wakers.task_finished(key);
        assert_eq!(slots(&wakers), 0, "the slot is free for the next pending task");

        let mut again = NO_SLOT;
        wakers.register(&mut again, Waker::noop()).unwrap();
        wakers.cancel_all();
        assert_eq!(slots(&wakers), 0);
        wakers.task_finished(again); // drained: nothing to give back, and no panic
        assert!(wakers.register(&mut NO_SLOT.clone(), Waker::noop()).is_err());
    }
}
