//! The state a group shares with its tasks and handles: the state word (active tasks,
//! cancelled, closed), the token, the failures and results, the limit, the waiter and the
//! registry of wake-ups.
//!
//! Making a group allocates a handful of times (this state, its token, the waker registry
//! and the one listener that relays the token's cancellation to it); spawning a task on an
//! executor allocates nothing of the group's own, and a task that waits takes a reused slot
//! in the registry ([`crate::wakers`]) rather than an allocation, as does a spawn waiting
//! for a free slot.
//!
//! # Cancelled: one answer
//!
//! Whether a group is cancelled is its **token**'s answer ([`Shared::is_cancelled`]): it
//! is set by the group's own failure, by `cancel`, by a parent token and by a timer, and it
//! carries the reason. Two flags follow it, each named for what it does: the state word's
//! *start gate* (shut by [`Shared::cancel`], and by [`Shared::try_start`] when it finds the
//! token cancelled from outside), which refuses new tasks in the same atomic step that
//! counts them in; and the registry's *drained* flag, set when the token's relay has woken
//! every registered task and spawn.
//!
//! # Invariants
//!
//! - The waiter's wake-up is never lost: the waiter registers its waker, then tries
//!   `close_if_idle`; a task brings the count to zero, then wakes the waiter. All four are
//!   read-modify-writes with acquire/release, so either the waiter's attempt sees the
//!   count at zero, or the task's wake sees the registered waker.
//! - A spawn waiting for a free slot is never stranded either: it queues itself in the
//!   registry, announces itself with the state word's `load_acq_rel` and tries again; a
//!   finishing task wakes the front of the queue after its `finish`, and only if it sees
//!   a spawn queued (the ordering argument is in [`crate::wakers`]; errgroup-core's
//!   `loom_state` and `tests/loom_group.rs` model it). A group nobody waits on pays one
//!   relaxed load per finished task. A raised limit wakes every queued spawn after it is
//!   published, and a cancellation (from anywhere) drains the queue.
//! - Each task is counted out exactly once ([`Shared::task_finished`]), by the task
//!   wrapper ([`crate::task`]), after its outcome was recorded here.

use alloc::vec::Vec;
use core::{
    fmt,
    task::{Context, Waker},
};

use errgroup_core::{GroupState, StartError};
use event_listener::EventListener;

use concurrent_queue::ConcurrentQueue;

use crate::{
    id::{TaskId, TaskInfo, TaskName},
    outcome::{Lost, Outcome, TaskError},
    pending::{GroupInfo, Pending},
    policy::{Failure, Failures, Policy, Rules},
    results::Results,
    sync::{self, AllocArc, AtomicUsize, AtomicWaker, Lock, Ordering},
    token::{CancelReason, CancelToken, Cause},
    trace::GroupTrace,
    wakers::{GRACE, RUNNING, Relay, TaskWakers},
};

/// How a group was configured; fixed at construction.
pub(crate) struct Config<E> {
    /// What failures do, and what they become.
    pub(crate) rules: Rules<E>,
    pub(crate) cooperative: bool,
    /// Told what a group dropped without being waited for had recorded.
    pub(crate) on_unobserved: Option<fn(Outcome<(), E>)>,
    /// The group's name, if it was given one.
    pub(crate) name: Option<TaskName>,
    /// Whether the group keeps a registry of its running tasks.
    pub(crate) track_pending: bool,
}

impl<E> Config<E> {
    pub(crate) const fn new() -> Self {
        Self {
            rules: Rules::new(),
            cooperative: false,
            on_unobserved: None,
            name: None,
            track_pending: false,
        }
    }
}

/// A group's shared state. `pub` only so that the sealed [`Launch`](crate::Launch) trait
/// can name it; it is not reachable from outside the crate.
pub struct Shared<E, R: Results> {
    pub(crate) state: GroupState,
    /// The one listener on the token that drains `wakers` on cancellation, from anywhere.
    /// Declared before `token`, so dropped before it: the token's last handle going
    /// notifies its listeners (for weak handles), and this one must not hear that.
    _relay: Option<EventListener>,
    pub(crate) token: CancelToken,
    /// The failures recorded so far, and what the group does with them.
    pub(crate) failures: Failures<E>,
    pub(crate) results: R::Store,
    /// The group's waiter (the `Wait` future), registered through
    /// [`Mode::register_waiter`](crate::Mode): an inline group's waiter lives with its
    /// driver instead, where the driver's `'static` wakers reach it, and only the
    /// cancellation listener stands for this one there.
    pub(crate) waiter: AtomicWaker,
    /// The most tasks that may be active at once; `usize::MAX` for no limit.
    limit: AtomicUsize,
    /// Spawn order: the next task's index.
    next_index: AtomicUsize,
    /// The wakers of pending tasks that run elsewhere, woken when the group is cancelled,
    /// and of spawns waiting for a free slot.
    pub(crate) wakers: AllocArc<TaskWakers>,
    pub(crate) cooperative: bool,
    /// Told what a group dropped without being waited for had recorded.
    on_unobserved: Option<fn(Outcome<(), E>)>,
    /// The group's name and registry of tasks, for a group that is named, tracks its
    /// tasks or has a parent (which finds it through it); `None` otherwise.
    pub(crate) info: Option<AllocArc<GroupInfo>>,
    /// The group, as the `tracing` feature names it (zero-sized without it).
    pub(crate) trace: GroupTrace,
    /// How many [`Feeder`](crate::Feeder)s are open, and where each was made: while one is
    /// (and the group is not cancelled), the group does not finish with no task active.
    feeders: AtomicUsize,
    feeder_sites: Lock<Vec<&'static core::panic::Location<'static>>>,
    /// Spawn futures dropped without ever being polled, and where the first was made
    /// (debug builds only: see [`report_unawaited`](Self::report_unawaited)).
    #[cfg(debug_assertions)]
    unawaited: Lock<(usize, Option<&'static core::panic::Location<'static>>)>,
    /// The tasks that ended during a shutdown (they were in flight when it began), with
    /// their names: recorded once the failures say a shutdown is under way
    /// ([`Failures::is_stopping`]).
    stopped: Lock<Vec<TaskInfo>>,
    /// Which of those the group dropped (the others finished, failed or were lost).
    stopped_cancelled: Lock<Vec<usize>>,
}

impl<E, R: Results> Shared<E, R> {
    pub(crate) fn new(config: Config<E>, parent: Option<&CancelToken>) -> Self {
        let wakers = AllocArc::new(TaskWakers::default());
        let token = group_token(parent, &wakers);
        token.host_groups();
        let trace = GroupTrace::new(config.name.as_ref());
        let info = (config.name.is_some() || config.track_pending || parent.is_some())
            .then(|| GroupInfo::new(config.name, config.track_pending, &token, parent.is_some()));
        if config.cooperative {
            wakers.note_spared();
        }
        let relay = sync::waker(AllocArc::new(Relay(wakers.clone())));
        let mut relay_listener = None;
        if token.poll_cancelled(&mut relay_listener, &mut Context::from_waker(&relay)).is_ready() {
            wakers.cancel_all();
        }
        Self {
            state: GroupState::new(),
            token,
            failures: Failures::new(config.rules, R::KEEPS_VALUES),
            results: R::new_store(),
            waiter: AtomicWaker::new(),
            limit: AtomicUsize::new(usize::MAX),
            next_index: AtomicUsize::new(0),
            wakers,
            _relay: relay_listener,
            cooperative: config.cooperative,
            on_unobserved: config.on_unobserved,
            info,
            trace,
            feeders: AtomicUsize::new(0),
            feeder_sites: Lock::new(Vec::new()),
            #[cfg(debug_assertions)]
            unawaited: Lock::new((0, None)),
            stopped: Lock::new(Vec::new()),
            stopped_cancelled: Lock::new(Vec::new()),
        }
    }

    /// Whether a task that the group's cancellation would drop is dropped now: always
    /// once the grace period is over, never during it, and otherwise unless the group is
    /// cooperative or the task is `spared` (signalled, or inside a shielded section).
    /// Asked only once the group is cancelled.
    #[cold]
    pub(crate) fn aborts(&self, spared: impl FnOnce() -> bool) -> bool {
        match self.wakers.phase() {
            RUNNING => !self.cooperative && !spared(),
            GRACE => false,
            _ => true,
        }
    }

    /// Starts a graceful stop: cancels the token for `reason` with the tasks left running
    /// (they are signalled, not dropped), until [`Shared::abort`]. Each task that ends from
    /// now on records itself (see [`stopped`](Self::stopped)). A group already cancelled
    /// without grace goes on dropping its tasks as that cancellation said.
    pub(crate) fn begin_shutdown(&self, reason: CancelReason) {
        self.begin_grace();
        self.cancel(reason);
    }

    /// Enters the grace period, before the token is cancelled: from now on each task that
    /// ends records itself as in flight.
    fn begin_grace(&self) {
        self.failures.keep_every_failure();
        self.wakers.begin_grace();
    }

    /// Whether the group is in a graceful stop: its tasks told, none dropped yet.
    pub(crate) fn in_grace(&self) -> bool {
        self.wakers.phase() == GRACE
    }

    /// The grace period is over (or its shutdown was dropped): every task left is
    /// dropped now, whatever its mode or shield, and no task starts any more.
    pub(crate) fn abort(&self, reason: CancelReason) {
        self.cancel(reason);
        self.wakers.abort();
        // An inline group's driver drops its tasks when it runs next.
        self.waiter.wake();
    }

    /// A task is ending: during a shutdown, records it (with its name) as in flight.
    #[inline]
    pub(crate) fn task_ending(&self, task: impl FnOnce() -> TaskInfo) {
        if self.failures.is_stopping() {
            self.record_stopped(task());
        }
    }

    #[cold]
    fn record_stopped(&self, task: TaskInfo) {
        self.stopped.with(|stopped| stopped.push(task));
    }

    /// The tasks that ended during the shutdown, in spawn order, and which of them the
    /// group dropped (sorted).
    pub(crate) fn stopped(&self) -> (Vec<TaskInfo>, Vec<usize>) {
        let mut stopped = self.stopped.with(core::mem::take);
        stopped.sort_unstable_by_key(|task| task.id().index());
        let mut cancelled = self.stopped_cancelled.with(core::mem::take);
        cancelled.sort_unstable();
        (stopped, cancelled)
    }

    /// Every failure recorded, with its task, in spawn order; nothing is re-raised.
    pub(crate) fn failures<T>(&self) -> Vec<(TaskInfo, Outcome<T, E>)> {
        let mut failures = self.failures.take_all();
        failures.sort_by_key(|(task, _)| task.id().index());
        failures
    }

    /// A feeder made at `site` is open.
    pub(crate) fn open_feeder(&self, site: &'static core::panic::Location<'static>) {
        self.feeder_sites.with(|sites| sites.push(site));
        // Relaxed: only its decrements decide anything, and they are read-modify-writes.
        self.feeders.fetch_add(1, Ordering::Relaxed);
    }

    /// A feeder made at `site` is closed. Returns `true` if it was the last one: the caller
    /// wakes the waiter, which may be waiting only for it.
    pub(crate) fn close_feeder(&self, site: &'static core::panic::Location<'static>) -> bool {
        self.feeder_sites.with(|sites| {
            if let Some(at) = sites.iter().position(|open| core::ptr::eq(*open, site)) {
                sites.swap_remove(at);
            }
        });
        // AcqRel: the release half orders the feeder's spawns before the waiter's acquire
        // load in `held_open`; see `crate::feeder` for the wake-up.
        self.feeders.fetch_sub(1, Ordering::AcqRel) == 1
    }

    /// Whether a feeder keeps the group from finishing: one is open, and the group is not
    /// cancelled (a cancelled group finishes once its tasks are gone, feeders or not).
    pub(crate) fn held_open(&self) -> bool {
        // Acquire: pairs with the release in `close_feeder`.
        self.feeders.load(Ordering::Acquire) != 0 && !self.is_cancelled()
    }

    /// Where each feeder still open was made.
    pub(crate) fn open_feeders(&self) -> Vec<&'static core::panic::Location<'static>> {
        self.feeder_sites.with(|sites| sites.clone())
    }

    /// A spawn future made `at` was dropped without ever being polled.
    #[cfg(debug_assertions)]
    pub(crate) fn spawn_unawaited(&self, at: &'static core::panic::Location<'static>) {
        self.unawaited.with(|(count, first)| {
            *count += 1;
            first.get_or_insert(at);
        });
    }

    /// The group has finished: in a debug build with `std`, says on stderr if spawn
    /// futures were dropped without ever being polled, unless the group was cancelled
    /// (which ends spawning anyway). Such a spawn is almost always a forgotten `.await`:
    /// its task never ran, and nothing else would say so. A spawn raced in a `select!`
    /// against a branch that won before its first poll is reported too; the message says
    /// how to tell.
    pub(crate) fn report_unawaited(&self) {
        #[cfg(all(debug_assertions, feature = "std"))]
        if let (count @ 1.., Some(first)) = self.unawaited.with(|unawaited| *unawaited) {
            if !self.is_cancelled() {
                std::eprintln!("{}", unawaited_message(count, first));
            }
        }
    }

    /// Counts a new task in if the group has room, and returns its index in spawn order.
    pub(crate) fn try_start(&self) -> Result<usize, StartError> {
        if self.token.is_cancelled() {
            // The token may have been cancelled from outside (a parent, a timeout): record
            // it in the state word so that no task starts from now on. The state word
            // decides between `Cancelled` and `Closed` (a finished group says `Closed`).
            self.state.cancel();
        }
        // Acquire: pairs with the release in `set_limit`, so a caller that was told about a
        // new limit (by any chain of synchronisation) sees it here.
        let limit = self.limit.load(Ordering::Acquire);
        self.state.try_start_within(limit)?;
        // Relaxed: the index only has to be unique and increasing per call; it travels
        // inside the task, and names it in its outcome (a panic, a lost task) and its
        // place among the results.
        Ok(self.next_index.fetch_add(1, Ordering::Relaxed))
    }

    pub(crate) fn set_limit(&self, limit: usize) {
        // Release: pairs with the acquire in `start`.
        self.limit.store(limit, Ordering::Release);
        // Waiters retry against the new limit; a raised limit may admit several of them.
        // A spawn queued after this sees the new limit when it tries again: the queue's
        // lock orders it after the store.
        self.wakers.wake_spawns();
    }

    pub(crate) fn limit(&self) -> Option<usize> {
        // Relaxed: a snapshot for the caller.
        let limit = self.limit.load(Ordering::Relaxed);
        (limit != usize::MAX).then_some(limit)
    }

    /// Queues a spawn for a free slot and announces it to finishing tasks; the caller
    /// tries `start` again after this. `false`: the group is cancelled.
    pub(crate) fn queue_for_slot(&self, ticket: &mut Option<usize>, waker: &Waker) -> bool {
        if self.wakers.queue_spawn(ticket, waker).is_err() {
            return false;
        }
        // After queueing, before the caller's next try: see `crate::wakers`.
        self.state.load_acq_rel();
        true
    }

    /// The spawn holding `ticket` stops waiting: see [`TaskWakers::leave_queue`].
    pub(crate) fn leave_slot_queue(&self, ticket: usize, started: bool) {
        self.wakers.leave_queue(ticket, started);
    }

    /// Cancels the group: no task starts any more, and (unless cooperative) every task is
    /// dropped at its next wake-up, which cancelling the token arranges.
    pub(crate) fn cancel(&self, reason: CancelReason) -> bool {
        self.cancel_for(Err(reason))
    }

    /// Cancels the group as [`cancel`](Self::cancel) does, for a full `cause` (or a reason
    /// alone): what the token's `cause` then says.
    pub(crate) fn cancel_for(&self, cause: Result<Cause, CancelReason>) -> bool {
        // The token first, then the start gate: a start refused by the gate finds the
        // token's cause ([`refusal_cause`](Self::refusal_cause)). A start in between finds
        // the token cancelled and shuts the gate itself ([`try_start`](Self::try_start)).
        let first = match cause {
            Ok(cause) => self.token.cancel_with_cause(cause),
            Err(reason) => self.token.cancel_with(reason),
        };
        self.state.cancel();
        // An inline driver drops its tasks when woken; a spawned group's waiter is woken by
        // its last task.
        // A `spawn` waiting for a slot is woken by the token's relay, which drains the
        // registry, and gets its future back.
        self.waiter.wake();
        first
    }

    /// Why the group was cancelled, for a start its gate refused as cancelled.
    pub(crate) fn refusal_cause(&self) -> Cause {
        // Acquire: the refused start read the gate relaxed; this load synchronises with the
        // release `cancel` that shut it, which came after the token was cancelled (in
        // `cancel_for` and in `try_start`, the only two places that shut it), so the
        // token's cause is visible here.
        self.state.load();
        self.token.cause().expect("errgroup: bug: the start gate was shut before the token")
    }

    /// Whether the group is cancelled, for any reason: its token's answer (see the module
    /// docs).
    pub(crate) fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Records a task's failure according to the policy (a fail-fast group's first one
    /// cancels it), and wakes the waiter, which may be streaming outcomes as they arrive.
    pub(crate) fn fail(&self, failure: Failure<E>) {
        if let Some(cause) = self.failures.record(failure, self.is_cancelled()) {
            if self.failures.policy() == Policy::FailGracefully {
                self.begin_grace();
            }
            self.cancel_for(Ok(cause));
        }
        self.waiter.wake();
    }

    /// A `task` ended without finishing (its future was dropped unfinished): cancelled if
    /// the group was cancelled by then, otherwise lost.
    /// Returns `true` if it was lost.
    pub(crate) fn ended_unfinished(&self, task: impl FnOnce() -> TaskInfo) -> bool {
        if self.is_cancelled() {
            self.task_cancelled(task);
            false
        } else {
            self.fail(Failure::Lost(Lost::new(task())));
            true
        }
    }

    /// The group's registry of tasks, if it keeps one.
    #[inline]
    pub(crate) fn pending(&self) -> Option<&Pending> {
        self.info.as_ref()?.pending.as_ref()
    }

    /// The group's name, if it was given one.
    pub(crate) fn name(&self) -> Option<&TaskName> {
        self.info.as_ref()?.name.as_ref()
    }

    /// A snapshot of the group and the groups nested in it.
    pub(crate) fn dump(&self) -> crate::pending::GroupDump {
        crate::pending::dump(self.name(), self.pending(), &self.token)
    }

    /// A task was dropped unfinished because the group was cancelled.
    pub(crate) fn task_cancelled(&self, task: impl FnOnce() -> TaskInfo) {
        self.failures.task_cancelled();
        let (pending, stopping) = (self.pending(), self.failures.is_stopping());
        if pending.is_some() || stopping {
            let task = task();
            if stopping {
                self.stopped_cancelled.with(|cancelled| cancelled.push(task.id().index()));
            }
            if let Some(pending) = pending {
                pending.cancelled(task);
            }
        }
    }

    /// Takes the group's outcome once it has finished: the first failure (a panic is
    /// re-raised here), an interruption, or the results.
    #[track_caller]
    pub(crate) fn outcome(&self) -> Result<R::Output, E> {
        self.failures.outcome::<R>(&self.results, self.token.reason())
    }

    /// The outcome of a group its waiter stopped (a timer): the first failure, or every
    /// value that did arrive, at its task's position.
    #[track_caller]
    pub(crate) fn outcome_partial(&self) -> Result<R::Partial, E> {
        // Relaxed: the group is idle and closed; every start happened before.
        let started = self.next_index.load(Ordering::Relaxed);
        self.failures.outcome_partial::<R>(&self.results, started)
    }

    /// Like [`outcome`](Self::outcome), with every error kept by the policy.
    #[track_caller]
    pub(crate) fn outcome_all(&self) -> Result<R::Output, Vec<TaskError<E>>> {
        self.failures.outcome_all::<R>(&self.results, self.token.reason())
    }

    /// Every task's outcome, in spawn order (see [`Failures::outcomes`]).
    pub(crate) fn outcomes<T>(&self) -> Vec<(TaskInfo, Outcome<T, E>)>
    where
        R: Results<Store = ConcurrentQueue<(usize, T)>>,
    {
        // Relaxed: the group is idle and closed; every start happened before.
        let started = self.next_index.load(Ordering::Relaxed);
        self.failures.outcomes(self.results.try_iter(), started, self.token.reason())
    }

    /// Every task's outcome, in spawn order, by id: what `wait_outcomes` returns.
    pub(crate) fn outcomes_by_id<T>(&self) -> Vec<(TaskId, Outcome<T, E>)>
    where
        R: Results<Store = ConcurrentQueue<(usize, T)>>,
    {
        self.outcomes().into_iter().map(|(task, outcome)| (task.id(), outcome)).collect()
    }

    /// The decided race: the winner's value, or every error.
    #[track_caller]
    pub(crate) fn race_outcome<T>(&self) -> Result<T, Vec<TaskError<E>>>
    where
        R: Results<Output = Option<T>>,
    {
        self.failures.race_outcome::<T, R>(&self.results, self.token.reason())
    }

    /// The next failure for a stream of outcomes: the first failure, once.
    #[track_caller]
    pub(crate) fn take_error(&self) -> Option<TaskError<E>> {
        self.failures.take_error()
    }

    /// The errors kept after the first one, then an interruption turned into an error, if
    /// the group had no failure.
    pub(crate) fn take_later_errors(&self, failed: bool) -> Vec<TaskError<E>> {
        self.failures.take_later_errors(failed, self.token.reason())
    }

    /// A task is gone: counts it out, gives back its registry slot (`NO_SLOT` if it never
    /// waited), and wakes a spawn queued for the slot it freed and, if it was the last
    /// task, the waiter.
    pub(crate) fn task_finished(&self, slot: usize) {
        // Every task is counted in exactly once (`start`) and out exactly once: its one
        // `TaskGuard`, made only by a successful `start`, is not `Clone` and does this in
        // its `Drop` (or hands it to its launcher, which does it instead). So this cannot
        // fail; if it ever did, the counts would be wrong and the group could finish
        // early, so it is a bug to stop at, never to go on from.
        let now = self.state.finish().expect("errgroup: bug: a task was counted out twice");
        // After the `finish`: a spawn queued for a slot must see it free when woken.
        self.wakers.task_finished(slot);
        if now.is_idle() {
            self.waiter.wake();
        }
    }
}

/// What [`Shared::report_unawaited`] says.
#[cfg(all(debug_assertions, feature = "std"))]
fn unawaited_message(count: usize, first: &core::panic::Location<'_>) -> alloc::string::String {
    let what = match count {
        1 => alloc::format!("the spawn at {first} was dropped without being awaited, so its task"),
        n => alloc::format!(
            "{n} spawns (the first at {first}) were dropped without being awaited, so their tasks"
        ),
    };
    alloc::format!(
        "errgroup: {what} never ran: add `.await`, or call `try_spawn`, which spawns without \
         waiting. (A spawn raced in `select!` whose other branch won before its first poll is \
         dropped the same way; then nothing is wrong. Reported in debug builds only.)"
    )
}

/// The group's token, whose `cancelled()` futures wait in the group's registry (see
/// `token::Waiters`); on a target without compare-and-swap, a plain token (its `Weak`
/// cannot become a trait object there).
fn group_token(parent: Option<&CancelToken>, wakers: &AllocArc<TaskWakers>) -> CancelToken {
    #[cfg(target_has_atomic = "ptr")]
    {
        let waiters =
            AllocArc::downgrade(wakers) as crate::sync::AllocWeak<dyn crate::token::Waiters>;
        CancelToken::for_group(parent, waiters)
    }
    #[cfg(not(target_has_atomic = "ptr"))]
    {
        let _ = wakers;
        parent.map_or_else(CancelToken::new, CancelToken::child)
    }
}

impl<E, R: Results> Drop for Shared<E, R> {
    /// The last reference is gone (the group, its handles, every task). The token's
    /// waiters are taken out of the registry and woken, so that a `cancelled()` future of
    /// the group's token still waiting there (the token outlives the group) waits on the
    /// token itself from then on: the relay that woke the registry goes with the group. If nobody waited for the
    /// group to the end, what it recorded goes to the `on_unobserved` callback.
    fn drop(&mut self) {
        self.wakers.wake_waiters();
        if self.state.load().is_closed() {
            return; // a waiting form finished and took the outcome
        }
        if let Some(report) = self.on_unobserved {
            self.failures.report_unobserved(report);
        }
    }
}

impl<E, R: Results> fmt::Debug for Shared<E, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let now = self.state.load();
        let mut group = f.debug_struct("Group");
        if let Some(name) = self.name() {
            group.field("name", name);
        }
        group
            .field("active", &now.active())
            .field("cancelled", &self.is_cancelled())
            .field("finished", &now.is_closed())
            .field("limit", &self.limit())
            .field("policy", &self.failures.policy());
        if let Some(pending) = self.pending() {
            group.field("pending", &pending.running());
        }
        let feeders = self.open_feeders();
        if !feeders.is_empty() {
            group.field("open_feeders", &feeders);
        }
        group.finish_non_exhaustive()
    }
}
