//! The group state word: how many tasks are active, and whether the group is cancelled or
//! closed, in one atomic.
//!
//! # Invariants
//!
//! - Layout: bit 0 is `CANCELLED`, bit 1 is `CLOSED`, the bits above count active tasks.
//!   Both flags only ever go from clear to set.
//! - The count changes only by a checked compare-and-swap: [`try_start`] never takes it
//!   past [`GroupState::MAX_ACTIVE`], [`finish`] never below zero, and neither touches
//!   the flags. A refused call changes nothing.
//! - [`try_start`] succeeds only while neither flag is set, decided by the same
//!   read-modify-write that increments; so once a flag is set, the count can only fall,
//!   and once it is zero with `CLOSED` set it stays zero for good.
//! - Every transition reports the word it produced (or, for the flags, whether it set
//!   them), so each of these is observed by exactly one caller: the `finish` that brings
//!   the count to zero, the `cancel` that sets `CANCELLED`, and — the one a waiter relies
//!   on — the moment the group becomes closed *and* idle, which is seen either by the
//!   `close` (if nothing was active) or by the last `finish` (if something was). So a
//!   waiter that closes and then sleeps is never left sleeping: whichever side completes
//!   the group knows it did.
//!
//! [`try_start`]: GroupState::try_start
//! [`finish`]: GroupState::finish

use core::fmt;

use crossbeam_utils::CachePadded;

use crate::sync::{AtomicUsize, Ordering, const_fn};

const CANCELLED: usize = 0b01;
const CLOSED: usize = 0b10;
const ONE_TASK: usize = 0b100;

/// The state of a task group in one atomic word: the number of active tasks plus a
/// *cancelled* and a *closed* flag.
///
/// Packing them together means "the last task finished" and "the group was cancelled (or
/// closed)" are decided by one read-modify-write, so no interleaving can make two threads
/// both believe they finished the group, or neither.
///
/// - *cancelled*: the group should stop; no new task may start.
/// - *closed*: the group has finished (or its owner declared that nothing will start any
///   more); no new task may start.
///
/// The word sits on its own cache line.
///
/// # Examples
///
/// ```
/// use errgroup_core::GroupState;
///
/// let state = GroupState::new();
/// state.try_start().unwrap();
/// state.try_start().unwrap();
///
/// assert!(state.cancel()); // this call cancelled the group
/// assert!(state.try_start().is_err()); // no new tasks once cancelled
///
/// assert!(!state.finish().unwrap().is_idle());
/// let last = state.finish().unwrap();
/// assert!(last.is_idle() && last.is_cancelled());
/// ```
pub struct GroupState {
    word: CachePadded<AtomicUsize>,
}

/// A copy of a [`GroupState`] word at one instant, as produced by one of its operations.
///
/// # Examples
///
/// ```
/// use errgroup_core::GroupState;
///
/// let state = GroupState::new();
/// let now = state.try_start().unwrap();
/// assert_eq!(now.active(), 1);
/// assert!(!now.is_cancelled() && !now.is_closed() && !now.is_idle());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Snapshot(usize);

impl Snapshot {
    /// The number of active tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    ///
    /// assert_eq!(GroupState::new().load().active(), 0);
    /// ```
    pub const fn active(self) -> usize {
        self.0 / ONE_TASK
    }

    /// Whether no task is active.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    ///
    /// assert!(GroupState::new().load().is_idle());
    /// ```
    pub const fn is_idle(self) -> bool {
        self.0 < ONE_TASK
    }

    /// Whether the group was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    ///
    /// let state = GroupState::new();
    /// state.cancel();
    /// assert!(state.load().is_cancelled());
    /// ```
    pub const fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }

    /// Whether the group was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    ///
    /// let state = GroupState::new();
    /// assert!(state.close().is_closed());
    /// ```
    pub const fn is_closed(self) -> bool {
        self.0 & CLOSED != 0
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("active", &self.active())
            .field("cancelled", &self.is_cancelled())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Why [`GroupState::try_start`] refused to start a task.
///
/// # Examples
///
/// ```
/// use errgroup_core::{GroupState, StartError};
///
/// let state = GroupState::new();
/// state.close();
/// assert_eq!(state.try_start(), Err(StartError::Closed));
/// assert_eq!(
///     StartError::Closed.to_string(),
///     "cannot start a task: the group is closed (it has finished)"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartError {
    /// The group was cancelled (and has not finished).
    Cancelled,
    /// The group was closed: it has finished. Reported even if it was also cancelled: a
    /// finished group refuses tasks for good, whatever happened before it finished.
    Closed,
    /// The limit passed to [`GroupState::try_start_within`] was reached.
    Full,
    /// [`GroupState::MAX_ACTIVE`] tasks are already active.
    TooManyTasks,
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cancelled => "cannot start a task: the group is cancelled",
            Self::Closed => "cannot start a task: the group is closed (it has finished)",
            Self::Full => "cannot start a task: the group's limit of active tasks is reached",
            Self::TooManyTasks => {
                "cannot start a task: the group's active task count is at its maximum"
            }
        })
    }
}

impl core::error::Error for StartError {}

/// [`GroupState::finish`] was called with no active task: a task finished twice, or one
/// that never started finished.
///
/// # Examples
///
/// ```
/// use errgroup_core::{FinishError, GroupState};
///
/// assert_eq!(GroupState::new().finish(), Err(FinishError));
/// assert_eq!(
///     FinishError.to_string(),
///     "a task finished while no task was active: finish() was called more times than try_start() succeeded"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Not `#[non_exhaustive]`: on a unit struct it hides the constructor from other crates,
// and `Err(FinishError) =>` in their `match` would silently become a catch-all binding.
// It has one meaning; a new kind of misuse would get an error type of its own.
pub struct FinishError;

impl fmt::Display for FinishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a task finished while no task was active: finish() was called more times than try_start() succeeded",
        )
    }
}

impl core::error::Error for FinishError {}

impl GroupState {
    /// The most tasks that can be active at once (the word's bits above the two flags).
    pub const MAX_ACTIVE: usize = usize::MAX / ONE_TASK;

    const_fn! {
        /// Creates the state of an empty, open group. `const`, so it can initialise a
        /// `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// use errgroup_core::GroupState;
        ///
        /// static STATE: GroupState = GroupState::new();
        /// assert!(STATE.load().is_idle());
        /// ```
        #[must_use]
        pub const fn new() -> Self {
            Self { word: CachePadded::new(AtomicUsize::new(0)) }
        }
    }

    /// Registers a new active task, unless the group is cancelled or closed. Returns the
    /// state with the task counted.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    ///
    /// let state = GroupState::new();
    /// assert_eq!(state.try_start().unwrap().active(), 1);
    /// ```
    ///
    /// # Errors
    ///
    /// [`StartError::Cancelled`], [`StartError::Closed`] or [`StartError::TooManyTasks`];
    /// the state is left unchanged.
    pub fn try_start(&self) -> Result<Snapshot, StartError> {
        self.try_start_within(Self::MAX_ACTIVE)
    }

    /// Registers a new active task if fewer than `limit` are active and the group is
    /// neither cancelled nor closed; the check and the increment are one atomic operation,
    /// so racing callers can never take the count past `limit`.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::{GroupState, StartError};
    ///
    /// let state = GroupState::new();
    /// state.try_start_within(1).unwrap();
    /// assert_eq!(state.try_start_within(1), Err(StartError::Full));
    /// assert_eq!(state.try_start_within(2).unwrap().active(), 2);
    /// ```
    ///
    /// # Errors
    ///
    /// [`StartError::Cancelled`], [`StartError::Closed`], [`StartError::Full`] (`limit`
    /// tasks are active) or [`StartError::TooManyTasks`]; the state is left unchanged.
    pub fn try_start_within(&self, limit: usize) -> Result<Snapshot, StartError> {
        let limit = limit.min(Self::MAX_ACTIVE);
        // Relaxed: starting publishes nothing and needs nothing published to it (a task's
        // inputs travel with the task, not through this word). The read-modify-write
        // keeps the count exact and continues the release sequence of the `finish`es.
        self.word
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |word| {
                if word & (CANCELLED | CLOSED) != 0 || Snapshot(word).active() >= limit {
                    None
                } else {
                    Some(word + ONE_TASK)
                }
            })
            .map(|previous| Snapshot(previous + ONE_TASK))
            .map_err(|word| {
                let word = Snapshot(word);
                // A finished group says so, whatever happened before it finished.
                if word.is_closed() {
                    StartError::Closed
                } else if word.is_cancelled() {
                    StartError::Cancelled
                } else if word.active() >= Self::MAX_ACTIVE {
                    StartError::TooManyTasks
                } else {
                    StartError::Full
                }
            })
    }

    /// Marks one active task finished. Returns the state after it: the caller was the last
    /// active task if it [`is_idle`](Snapshot::is_idle), and it tells whether the group is
    /// cancelled or closed at that same instant.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    ///
    /// let state = GroupState::new();
    /// state.try_start().unwrap();
    /// state.close();
    /// let after = state.finish().unwrap();
    /// assert!(after.is_idle() && after.is_closed()); // this task completed the group
    /// ```
    ///
    /// # Errors
    ///
    /// [`FinishError`] if no task was active; the state is left unchanged.
    pub fn finish(&self) -> Result<Snapshot, FinishError> {
        // AcqRel: the release half publishes the task's writes (its result, its error) to
        // whoever later sees the count at zero (`load`, `close`, or the last `finish`);
        // the acquire half lets the last `finish` see every earlier task's writes, which
        // are all in the release sequence of this word.
        self.word
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |word| {
                // Zero active tasks means `word < ONE_TASK`: the subtraction fails.
                word.checked_sub(ONE_TASK)
            })
            .map(|previous| Snapshot(previous - ONE_TASK))
            .map_err(|_| FinishError)
    }

    /// Sets the *cancelled* flag. Returns `true` if this call set it, `false` if the group
    /// was already cancelled, so exactly one caller is "the" canceller.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    ///
    /// let state = GroupState::new();
    /// assert!(state.cancel());
    /// assert!(!state.cancel());
    /// ```
    pub fn cancel(&self) -> bool {
        // AcqRel: the release half publishes what the canceller recorded before cancelling
        // (the cause) to whoever observes the flag with an acquire (`load`, a later
        // `cancel`, `close`, `finish`); the acquire half gives a losing canceller the
        // winner's cause.
        self.word.fetch_or(CANCELLED, Ordering::AcqRel) & CANCELLED == 0
    }

    /// Sets the *closed* flag: no task can start from now on. Returns the state after it;
    /// if it [`is_idle`](Snapshot::is_idle), the group is complete and, if the caller is
    /// the one who closed it, no `finish` will ever report completion: the caller must act.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    ///
    /// let state = GroupState::new();
    /// state.try_start().unwrap();
    /// assert!(!state.close().is_idle()); // the last `finish` will see closed and idle
    /// ```
    pub fn close(&self) -> Snapshot {
        // AcqRel: the acquire half pairs with the release of every `finish`, so a closer
        // that finds the group idle sees all the tasks' writes; the release half publishes
        // what the closer prepared (such as a registered waker) to the last `finish`,
        // which acquires the word.
        Snapshot(self.word.fetch_or(CLOSED, Ordering::AcqRel) | CLOSED)
    }

    /// Sets the *closed* flag only if no task is active, in one atomic operation: the way
    /// a waiter finishes a group whose tasks may still start siblings. Returns the state
    /// after closing, or the state that prevented it.
    ///
    /// Once this succeeds no task can ever start again, so the group is complete for good.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    ///
    /// let state = GroupState::new();
    /// state.try_start().unwrap();
    /// assert_eq!(state.close_if_idle().unwrap_err().active(), 1); // still running
    /// state.finish().unwrap();
    /// assert!(state.close_if_idle().unwrap().is_closed());
    /// ```
    ///
    /// # Errors
    ///
    /// The current state, if a task is active; nothing is changed.
    pub fn close_if_idle(&self) -> Result<Snapshot, Snapshot> {
        // AcqRel on success: the acquire half pairs with the release of every `finish`, so
        // the closer sees all the tasks' writes; the release half publishes the closer's
        // writes to anyone who later observes CLOSED. Failure: Acquire, so a caller that
        // gives up still reads the count (and the flags) of a coherent, published state.
        self.word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                (word < ONE_TASK).then_some(word | CLOSED)
            })
            .map(|previous| Snapshot(previous | CLOSED))
            .map_err(Snapshot)
    }

    /// Reads the state.
    ///
    /// A snapshot: only its settled facts (flags set, count at zero once closed) cannot
    /// change afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    ///
    /// let state = GroupState::new();
    /// state.try_start().unwrap();
    /// assert_eq!(state.load().active(), 1);
    /// ```
    pub fn load(&self) -> Snapshot {
        // Acquire: pairs with the release of `finish` and `cancel`, so a reader that sees
        // the group idle or cancelled also sees what led there.
        Snapshot(self.word.load(Ordering::Acquire))
    }

    /// Reads the state with a read-modify-write that changes nothing and is both an
    /// acquire and a release.
    ///
    /// Every change to the word is a read-modify-write, so this one takes a place in their
    /// single order: each later [`finish`](Self::finish) (an acquire) sees everything the
    /// caller did before this call. That lets a caller announce itself to the tasks that
    /// will finish without a fence on either side: it records that it waits (for a free
    /// slot, say), calls this, and looks at the count; either the count it reads already
    /// shows a task's `finish`, or that `finish` comes later and sees the record. A plain
    /// [`load`](Self::load) gives no such guarantee.
    ///
    /// It writes the word's cache line, so keep it off hot paths.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::GroupState;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    ///
    /// let state = GroupState::new();
    /// let waiting = AtomicBool::new(false);
    /// state.try_start_within(1).unwrap();
    ///
    /// // A would-be spawner finds the group full, records that it waits, and looks again.
    /// waiting.store(true, Ordering::Relaxed);
    /// assert_eq!(state.load_acq_rel().active(), 1);
    ///
    /// // The finishing task is guaranteed to see the record, even with a relaxed load.
    /// state.finish().unwrap();
    /// assert!(waiting.load(Ordering::Relaxed));
    /// ```
    pub fn load_acq_rel(&self) -> Snapshot {
        // AcqRel read-modify-write: the release half heads a release sequence that every
        // later transition continues (they are all read-modify-writes), so a later
        // `finish` (AcqRel) synchronises with it; the acquire half pairs with the release
        // of every earlier transition, as `load` does. Adding zero changes nothing.
        Snapshot(self.word.fetch_add(0, Ordering::AcqRel))
    }
}

impl Default for GroupState {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for GroupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let now = self.load();
        f.debug_struct("GroupState")
            .field("active", &now.active())
            .field("cancelled", &now.is_cancelled())
            .field("closed", &now.is_closed())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
#[allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // tests run on std
mod tests {
    use super::*;

    #[test]
    fn new_state_is_open_and_idle() {
        let now = GroupState::new().load();
        assert_eq!(now.active(), 0);
        assert!(now.is_idle() && !now.is_cancelled() && !now.is_closed());
    }

    #[test]
    fn load_acq_rel_reads_and_changes_nothing() {
        let state = GroupState::new();
        state.try_start().unwrap();
        state.cancel();
        let now = state.load_acq_rel();
        assert_eq!((now.active(), now.is_cancelled(), now.is_closed()), (1, true, false));
        assert_eq!(state.load(), now);
    }

    #[test]
    fn start_and_finish_count_active_tasks() {
        let state = GroupState::new();
        assert_eq!(state.try_start().unwrap().active(), 1);
        assert_eq!(state.try_start().unwrap().active(), 2);
        assert_eq!(state.finish().unwrap().active(), 1);
        assert!(state.finish().unwrap().is_idle());
    }

    #[test]
    fn finish_says_whether_it_was_the_last_and_whether_cancelled() {
        let state = GroupState::new();
        state.try_start().unwrap();
        state.try_start().unwrap();
        let first = state.finish().unwrap();
        assert!(!first.is_idle() && !first.is_cancelled());
        state.cancel();
        let last = state.finish().unwrap();
        assert!(last.is_idle() && last.is_cancelled());
    }

    #[test]
    fn finish_with_no_active_task_fails_and_changes_nothing() {
        let state = GroupState::new();
        state.cancel();
        assert_eq!(state.finish(), Err(FinishError));
        let now = state.load();
        assert!(now.is_idle() && now.is_cancelled() && !now.is_closed());
    }

    #[test]
    fn start_is_refused_once_cancelled() {
        let state = GroupState::new();
        state.try_start().unwrap();
        state.cancel();
        assert_eq!(state.try_start(), Err(StartError::Cancelled));
        assert_eq!(state.load().active(), 1);
    }

    #[test]
    fn start_is_refused_once_closed() {
        let state = GroupState::new();
        state.close();
        assert_eq!(state.try_start(), Err(StartError::Closed));
        assert!(state.load().is_idle());
    }

    #[test]
    fn closed_takes_precedence_over_cancelled_in_start_error() {
        let state = GroupState::new();
        state.cancel();
        assert_eq!(state.try_start(), Err(StartError::Cancelled));
        state.close();
        assert_eq!(state.try_start(), Err(StartError::Closed));
        assert_eq!(state.try_start_within(1), Err(StartError::Closed));
    }

    #[test]
    fn start_beyond_max_active_fails_and_changes_nothing() {
        let state = GroupState::new();
        // Jump straight to the maximum instead of looping MAX_ACTIVE times.
        state.word.store(GroupState::MAX_ACTIVE * ONE_TASK, Ordering::Relaxed);
        assert_eq!(state.load().active(), GroupState::MAX_ACTIVE);
        assert_eq!(state.try_start(), Err(StartError::TooManyTasks));
        assert_eq!(state.load().active(), GroupState::MAX_ACTIVE);
        assert!(!state.load().is_cancelled() && !state.load().is_closed());
        assert_eq!(state.finish().unwrap().active(), GroupState::MAX_ACTIVE - 1);
        assert!(state.try_start().is_ok());
    }

    #[test]
    fn flags_survive_count_changes_at_the_maximum() {
        let state = GroupState::new();
        state.word.store(GroupState::MAX_ACTIVE * ONE_TASK, Ordering::Relaxed);
        state.cancel();
        state.close();
        let now = state.finish().unwrap();
        assert_eq!(now.active(), GroupState::MAX_ACTIVE - 1);
        assert!(now.is_cancelled() && now.is_closed());
    }

    #[test]
    fn start_within_limit_never_exceeds_it() {
        let state = GroupState::new();
        assert_eq!(state.try_start_within(2).unwrap().active(), 1);
        assert_eq!(state.try_start_within(2).unwrap().active(), 2);
        assert_eq!(state.try_start_within(2), Err(StartError::Full));
        assert_eq!(state.load().active(), 2);
        // A lower limit refuses, a higher one admits: the limit is the caller's to choose.
        assert_eq!(state.try_start_within(1), Err(StartError::Full));
        assert_eq!(state.try_start_within(3).unwrap().active(), 3);
        assert_eq!(state.try_start_within(0), Err(StartError::Full));
    }

    #[test]
    fn cancelled_takes_precedence_over_full() {
        let state = GroupState::new();
        state.try_start().unwrap();
        state.cancel();
        assert_eq!(state.try_start_within(1), Err(StartError::Cancelled));
    }

    #[test]
    fn close_if_idle_refuses_while_tasks_are_active() {
        let state = GroupState::new();
        state.try_start().unwrap();
        let refused = state.close_if_idle().unwrap_err();
        assert_eq!(refused.active(), 1);
        assert!(!refused.is_closed());
        assert!(state.try_start().is_ok(), "a refused close leaves the group open");
    }

    #[test]
    fn close_if_idle_closes_an_idle_group_for_good() {
        let state = GroupState::new();
        state.try_start().unwrap();
        state.cancel();
        state.finish().unwrap();
        let closed = state.close_if_idle().unwrap();
        assert!(closed.is_closed() && closed.is_idle() && closed.is_cancelled());
        assert_eq!(state.try_start(), Err(StartError::Closed), "finished, whatever came before");
        let again = state.close_if_idle().expect("closing again is harmless");
        assert!(again.is_closed() && again.is_idle() && again.is_cancelled(), "and says so");
        assert!(state.load().is_closed(), "and leaves it closed");
        assert_eq!(state.try_start(), Err(StartError::Closed));
    }

    #[test]
    fn cancel_reports_only_the_first_canceller() {
        let state = GroupState::new();
        assert!(state.cancel());
        assert!(!state.cancel());
        assert!(state.load().is_cancelled());
    }

    #[test]
    fn close_reports_idle_when_nothing_is_active() {
        let state = GroupState::new();
        let now = state.close();
        assert!(now.is_closed() && now.is_idle());
    }

    #[test]
    fn closing_a_closed_group_still_says_closed() {
        let state = GroupState::new();
        state.try_start().unwrap();
        assert!(state.close().is_closed());
        let again = state.close();
        assert!(again.is_closed() && !again.is_idle() && !again.is_cancelled());
        state.cancel();
        assert!(state.close().is_closed() && state.close().is_cancelled());
    }

    #[test]
    fn closed_and_idle_is_seen_by_exactly_one_of_close_and_last_finish() {
        // close before the last finish: the finish sees it.
        let state = GroupState::new();
        state.try_start().unwrap();
        let closed = state.close();
        let finished = state.finish().unwrap();
        assert!(!(closed.is_idle()) && finished.is_idle() && finished.is_closed());

        // last finish before close: the close sees it.
        let state = GroupState::new();
        state.try_start().unwrap();
        let finished = state.finish().unwrap();
        let closed = state.close();
        assert!(!finished.is_closed() && closed.is_idle());
    }

    #[test]
    fn error_messages_name_the_mistake() {
        assert_eq!(
            StartError::Cancelled.to_string(),
            "cannot start a task: the group is cancelled"
        );
        assert_eq!(
            StartError::Full.to_string(),
            "cannot start a task: the group's limit of active tasks is reached"
        );
        assert_eq!(
            StartError::TooManyTasks.to_string(),
            "cannot start a task: the group's active task count is at its maximum"
        );
        assert!(StartError::Closed.to_string().starts_with("cannot start a task: "));
        assert_eq!(
            FinishError.to_string(),
            "a task finished while no task was active: finish() was called more times than \
             try_start() succeeded"
        );
    }

    #[test]
    fn debug_shows_count_and_flags() {
        let state = GroupState::new();
        state.try_start().unwrap();
        state.cancel();
        assert_eq!(
            format!("{state:?}"),
            "GroupState { active: 1, cancelled: true, closed: false }"
        );
        assert_eq!(
            format!("{:?}", state.load()),
            "Snapshot { active: 1, cancelled: true, closed: false }"
        );
    }

    #[test]
    fn concurrent_finish_reports_idle_exactly_once() {
        use std::sync::atomic::AtomicUsize as StdAtomic;
        let threads = if cfg!(miri) { 3 } else { 8 };
        let per_thread = if cfg!(miri) { 10 } else { 10_000 };
        let state = GroupState::new();
        let idle = StdAtomic::new(0);
        for _ in 0..threads * per_thread {
            state.try_start().unwrap();
        }
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for _ in 0..per_thread {
                        if state.finish().unwrap().is_idle() {
                            idle.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(idle.into_inner(), 1);
    }
}
