//! A task group with no allocator: a fixed number of slots, in storage the caller provides,
//! for tasks of one type.
//!
//! [`FixedGroup<F, N>`] holds up to `N` tasks of the future type `F` (the future of one
//! `async fn`, as embassy's task pools and `join_array` do) inline in itself, so it lives
//! wherever the caller puts it: a local pinned with `core::pin::pin!`, or a `static`. It
//! keeps the group's rules:
//!
//! - **First error.** The first task to fail cancels the group: every other running task
//!   is dropped at once, and [`wait`](FixedGroup::wait) returns the error.
//! - **Capacity is the limit.** [`try_spawn`](FixedGroup::try_spawn) hands the task back
//!   when every slot is taken ([`Rejected::Full`], embassy's `SpawnError::Busy`), or when the
//!   group is cancelled ([`Rejected::Cancelled`]). Nothing panics on misuse.
//! - **Every task has one outcome.** [`next`](FixedGroup::next) yields each task's
//!   [`Outcome`] (succeeded with its value, failed, or cancelled with its
//!   [`CancelReason`]) as it ends, with its [`TaskId`]; `wait` drops the values.
//! - **Cancellation** drops the running tasks in place ([`cancel`](FixedGroup::cancel)).
//!
//! A task's slot is free again once its outcome is taken (by `next`, or by `wait`). It is
//! driven inline by whoever awaits `next` or `wait`: no executor of its own, no allocation.
//!
//! # Examples
//!
//! Two checks in a group of four slots: the one that fails cancels the group, and its
//! error is what `wait` returns.
//!
//! ```
//! use core::pin::pin;
//! use errgroup_core::fixed::FixedGroup;
//!
//! async fn check(level: u8) -> Result<(), &'static str> {
//!     if level > 100 { Err("level above 100") } else { Ok(()) }
//! }
//!
//! # futures_executor::block_on(async {
//! let mut group = pin!(FixedGroup::<_, 4>::new());
//! group.as_mut().try_spawn(check(40)).unwrap();
//! group.as_mut().try_spawn(check(140)).unwrap();
//! assert_eq!(group.as_mut().wait().await, Err("level above 100"));
//! # });
//! ```
//!
//! # Wake-ups
//!
//! Every task is polled with the waker of the future that drives the group, and a wake-up
//! polls every running task once, as embassy's `join_array` does: no per-task waker, so no
//! allocation and no `'static` bound on the storage. That costs `N` polls per wake-up,
//! which is what a fixed group of a handful of tasks wants; for many tasks, use an
//! allocating `errgroup` group, which polls only the tasks that were woken.
//!
//! # Pinning
//!
//! The slots are pinned with the group (`F` need not be `Unpin`): a running task is never
//! moved, and is dropped in place when it ends or is cancelled. The `unsafe` that pin
//! projection into an array needs is in one private type of this module only.
//!
//! # What it does not keep of `errgroup`'s group
//!
//! No `CancelToken` tree, handles, names or panic capture (each needs an allocator or
//! `std`); tasks are spawned by the owner, not from inside other tasks.

use core::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

/// Why a [`FixedGroup`] cancelled a task.
///
/// # Examples
///
/// ```
/// use errgroup_core::fixed::CancelReason;
///
/// assert_eq!(CancelReason::Error.to_string(), "a task of the group failed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CancelReason {
    /// [`FixedGroup::cancel`] was called.
    Explicit,
    /// A task of the group failed, which cancels the others.
    Error,
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Explicit => "the group was cancelled",
            Self::Error => "a task of the group failed",
        })
    }
}

/// How a task of a [`FixedGroup`] ended: every task ends in exactly one.
///
/// # Examples
///
/// ```
/// use errgroup_core::fixed::{CancelReason, Outcome};
///
/// let outcome: Outcome<u8, &str> = Outcome::Cancelled(CancelReason::Error);
/// assert!(outcome.is_cancelled());
/// assert_eq!(Outcome::<u8, &str>::Succeeded(3).into_result(), Some(Ok(3)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome<T, E> {
    /// The task returned `Ok(T)`.
    Succeeded(T),
    /// The task returned `Err(E)`.
    Failed(E),
    /// The task was dropped before it finished, for this reason.
    Cancelled(CancelReason),
}

impl<T, E> Outcome<T, E> {
    /// Whether the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::fixed::Outcome;
    ///
    /// assert!(!Outcome::<(), ()>::Failed(()).is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled(_))
    }

    /// What the task returned, or `None` if it was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::fixed::{CancelReason, Outcome};
    ///
    /// assert_eq!(Outcome::<(), u8>::Failed(7).into_result(), Some(Err(7)));
    /// assert_eq!(Outcome::<(), u8>::Cancelled(CancelReason::Explicit).into_result(), None);
    /// ```
    pub fn into_result(self) -> Option<Result<T, E>> {
        match self {
            Self::Succeeded(value) => Some(Ok(value)),
            Self::Failed(error) => Some(Err(error)),
            Self::Cancelled(_) => None,
        }
    }
}

/// A task of a [`FixedGroup`]: its place in spawn order (from 0, never reused) and the slot
/// it ran in.
///
/// # Examples
///
/// ```
/// use core::pin::pin;
/// use errgroup_core::fixed::FixedGroup;
///
/// let mut group = pin!(FixedGroup::<_, 2>::new());
/// let first = group.as_mut().try_spawn(async { Ok::<(), ()>(()) }).unwrap();
/// assert_eq!((first.index(), first.slot()), (0, 0));
/// assert_eq!(first.to_string(), "task 0 (slot 0)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    index: u64,
    slot: usize,
}

impl TaskId {
    /// The task's place in spawn order, from 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::{future::ready, pin::pin};
    /// use errgroup_core::fixed::FixedGroup;
    ///
    /// # futures_executor::block_on(async {
    /// let mut group = pin!(FixedGroup::<_, 1>::new());
    /// let first = group.as_mut().try_spawn(ready(Ok::<(), ()>(()))).unwrap();
    /// assert!(group.as_mut().next().await.is_some()); // frees the only slot
    /// let second = group.as_mut().try_spawn(ready(Ok(()))).unwrap();
    /// // The same slot, but an index is never reused.
    /// assert_eq!((first.index(), second.index()), (0, 1));
    /// # });
    /// ```
    pub const fn index(self) -> u64 {
        self.index
    }

    /// The slot the task ran in, below the group's capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::{future::ready, pin::pin};
    /// use errgroup_core::fixed::FixedGroup;
    ///
    /// # futures_executor::block_on(async {
    /// let mut group = pin!(FixedGroup::<_, 2>::new());
    /// let a = group.as_mut().try_spawn(ready(Ok::<(), ()>(()))).unwrap();
    /// let b = group.as_mut().try_spawn(ready(Ok(()))).unwrap();
    /// assert_eq!((a.slot(), b.slot()), (0, 1));
    /// // Taking a task's outcome frees its slot for the next task.
    /// let (ended, _) = group.as_mut().next().await.unwrap();
    /// let c = group.as_mut().try_spawn(ready(Ok(()))).unwrap();
    /// assert_eq!(c.slot(), ended.slot());
    /// # });
    /// ```
    pub const fn slot(self) -> usize {
        self.slot
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {} (slot {})", self.index, self.slot)
    }
}

/// A task [`FixedGroup::try_spawn`] did not take, handed back unrun.
///
/// # Examples
///
/// ```
/// use core::pin::pin;
/// use errgroup_core::fixed::{FixedGroup, Rejected};
///
/// async fn job(n: u8) -> Result<u8, ()> {
///     Ok(n)
/// }
///
/// let mut group = pin!(FixedGroup::<_, 1>::new());
/// assert!(group.as_mut().try_spawn(job(1)).is_ok());
/// let refused = group.as_mut().try_spawn(job(2)).err().unwrap();
/// assert!(matches!(refused, Rejected::Full(_)));
/// assert_eq!(refused.to_string(), "every slot of the group is taken");
/// let _job = refused.into_inner(); // the task, to run later or elsewhere
/// ```
#[non_exhaustive]
pub enum Rejected<F> {
    /// Every slot holds a running task or an outcome not yet taken: take one with
    /// [`FixedGroup::next`], then spawn again.
    Full(F),
    /// The group is cancelled: it takes no task until [`FixedGroup::reset`].
    Cancelled(F),
}

impl<F> Rejected<F> {
    /// The task that was refused.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::{future::ready, pin::pin};
    /// use errgroup_core::fixed::FixedGroup;
    ///
    /// let mut group = pin!(FixedGroup::<_, 1>::new());
    /// group.as_mut().cancel();
    /// let refused = group.as_mut().try_spawn(ready(Ok::<u8, ()>(7))).unwrap_err();
    /// // The task comes back unrun: run it some other way.
    /// let task = refused.into_inner();
    /// assert_eq!(futures_executor::block_on(task), Ok(7));
    /// ```
    pub fn into_inner(self) -> F {
        match self {
            Self::Full(task) | Self::Cancelled(task) => task,
        }
    }
}

impl<F> fmt::Debug for Rejected<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "Full(..)",
            Self::Cancelled(_) => "Cancelled(..)",
        })
    }
}

impl<F> fmt::Display for Rejected<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "every slot of the group is taken",
            Self::Cancelled(_) => "the group is cancelled",
        })
    }
}

impl<F> core::error::Error for Rejected<F> {}

/// One slot: empty, running a task, or holding the outcome of one until it is taken.
enum Slot<F: Future> {
    Vacant,
    Running { id: TaskId, task: F },
    Ended { id: TaskId, end: End<F::Output> },
}

/// How a task ended, before its output is split into an [`Outcome`].
enum End<O> {
    Returned(O),
    Cancelled(CancelReason),
}

/// The slots of a pinned group.
///
/// Invariant: made only from a `Pin<&mut FixedGroup>` ([`FixedGroup::parts`]), so the
/// array does not move until it is dropped. Every method keeps the pinning promise for a
/// running task: it is polled pinned, never moved, and dropped in place (an assignment over
/// it drops it where it is).
struct Slots<'a, F: Future, const N: usize>(&'a mut [Slot<F>; N]);

impl<F: Future, const N: usize> Slots<'_, F, N> {
    fn is_vacant(&self, slot: usize) -> bool {
        matches!(self.0[slot], Slot::Vacant)
    }

    fn is_ended(&self, slot: usize) -> bool {
        matches!(self.0[slot], Slot::Ended { .. })
    }

    /// Puts `task` in a vacant slot.
    fn start(&mut self, slot: usize, id: TaskId, task: F) {
        debug_assert!(self.is_vacant(slot));
        self.0[slot] = Slot::Running { id, task };
    }

    /// Polls the task in `slot`, if one runs there; ends it with its output if it is ready.
    fn poll(&mut self, slot: usize, cx: &mut Context<'_>) -> Option<Poll<()>> {
        let Slot::Running { id, task } = &mut self.0[slot] else { return None };
        let id = *id;
        // SAFETY: the slot is pinned with the group (the type's invariant), and the task is
        // never moved out of it: it is only dropped in place (`end`, or the group's drop).
        let task = unsafe { Pin::new_unchecked(task) };
        let output = match task.poll(cx) {
            Poll::Ready(output) => output,
            Poll::Pending => return Some(Poll::Pending),
        };
        self.0[slot] = Slot::Ended { id, end: End::Returned(output) };
        Some(Poll::Ready(()))
    }

    /// Drops the task running in `slot` in place, and records it as cancelled.
    fn cancel(&mut self, slot: usize, reason: CancelReason) {
        if let Slot::Running { id, .. } = self.0[slot] {
            // The assignment drops the task where it is: it is not moved.
            self.0[slot] = Slot::Ended { id, end: End::Cancelled(reason) };
        }
    }

    /// Takes the outcome out of an ended slot, which is then vacant.
    fn take(&mut self, slot: usize) -> Option<(TaskId, End<F::Output>)> {
        if !self.is_ended(slot) {
            return None;
        }
        // An ended slot holds no task: moving its content is allowed.
        match core::mem::replace(&mut self.0[slot], Slot::Vacant) {
            Slot::Ended { id, end } => Some((id, end)),
            _ => None,
        }
    }
}

/// What the group keeps beside its slots (not pinned).
#[derive(Debug, Clone, Copy)]
struct State {
    /// Tasks spawned so far: the next task's index.
    spawned: u64,
    cancelled: Option<CancelReason>,
    /// The slot holding the first failure, until its outcome is taken.
    failure: Option<usize>,
}

/// A task group of `N` slots for tasks of type `F`, with no allocation: see the
/// [module](self) docs.
///
/// # Examples
///
/// Three sensor reads at most at once, the first failure stops the rest, and each value
/// comes back with its task:
///
/// ```
/// use core::pin::pin;
/// use errgroup_core::fixed::{FixedGroup, Outcome, Rejected};
///
/// async fn read(sensor: u8) -> Result<u16, &'static str> {
///     if sensor == 9 { Err("sensor 9 is unplugged") } else { Ok(u16::from(sensor) * 100) }
/// }
///
/// # futures_executor::block_on(async {
/// let mut group = pin!(FixedGroup::<_, 3>::new());
/// for sensor in 1..=3 {
///     group.as_mut().try_spawn(read(sensor)).unwrap();
/// }
/// // Full: the task comes back, to run later.
/// let Err(Rejected::Full(later)) = group.as_mut().try_spawn(read(4)) else { panic!() };
/// let mut total = 0;
/// while let Some((id, outcome)) = group.as_mut().next().await {
///     if let Outcome::Succeeded(value) = outcome {
///         total += value;
///     }
///     assert!(id.index() < 3);
/// }
/// assert_eq!(total, 600);
///
/// // Every outcome was taken, so every slot is free again.
/// group.as_mut().try_spawn(later).unwrap();
/// group.as_mut().try_spawn(read(9)).unwrap();
/// assert_eq!(group.as_mut().wait().await, Err("sensor 9 is unplugged"));
/// # });
/// ```
///
/// A capacity of zero is refused when the program is built:
///
/// ```compile_fail
/// let group = errgroup_core::fixed::FixedGroup::<core::future::Ready<Result<(), ()>>, 0>::new();
/// ```
pub struct FixedGroup<F: Future, const N: usize> {
    slots: [Slot<F>; N],
    state: State,
}

impl<F: Future, const N: usize> FixedGroup<F, N> {
    /// An empty group of `N` slots; `const`, so it can be a `static`'s value.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::pin::pin;
    /// use errgroup_core::fixed::FixedGroup;
    ///
    /// // The task type is inferred from the first spawn.
    /// let mut group = pin!(FixedGroup::<_, 3>::new());
    /// assert_eq!((group.capacity(), group.running()), (3, 0));
    /// group.as_mut().try_spawn(core::future::ready(Ok::<u8, ()>(1))).unwrap();
    /// assert_eq!(group.running(), 1);
    /// ```
    pub const fn new() -> Self {
        const { assert!(N > 0, "a FixedGroup needs at least one slot: N must be above 0") };
        Self {
            slots: [const { Slot::Vacant }; N],
            state: State { spawned: 0, cancelled: None, failure: None },
        }
    }

    /// Its number of slots, `N`.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::fixed::FixedGroup;
    ///
    /// let group = FixedGroup::<core::future::Pending<Result<(), ()>>, 4>::new();
    /// assert_eq!(group.capacity(), 4);
    /// ```
    pub const fn capacity(&self) -> usize {
        N
    }

    /// How many tasks are running (spawned, not yet ended).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::pin::pin;
    /// use errgroup_core::fixed::FixedGroup;
    ///
    /// let mut group = pin!(FixedGroup::<_, 4>::new());
    /// group.as_mut().try_spawn(core::future::pending::<Result<(), ()>>()).unwrap();
    /// assert_eq!(group.running(), 1);
    /// ```
    pub fn running(&self) -> usize {
        self.slots.iter().filter(|slot| matches!(slot, Slot::Running { .. })).count()
    }

    /// Why the group was cancelled, if it was.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::pin::pin;
    /// use errgroup_core::fixed::{CancelReason, FixedGroup};
    ///
    /// let mut group = pin!(FixedGroup::<core::future::Ready<Result<(), ()>>, 1>::new());
    /// assert_eq!(group.cancelled(), None);
    /// group.as_mut().cancel();
    /// assert_eq!(group.cancelled(), Some(CancelReason::Explicit));
    /// ```
    pub fn cancelled(&self) -> Option<CancelReason> {
        self.state.cancelled
    }

    /// The slots, pinned, and the state beside them.
    fn parts(self: Pin<&mut Self>) -> (Slots<'_, F, N>, &mut State) {
        // SAFETY: `slots` is structurally pinned: `Slots` keeps every running task in
        // place (its invariant), and nothing else reaches the array. `state` is not pinned;
        // nothing here moves the group itself.
        let this = unsafe { self.get_unchecked_mut() };
        (Slots(&mut this.slots), &mut this.state)
    }

    /// Starts `task` in a free slot and returns its id; it first runs when the group is
    /// next driven (by [`next`](Self::next) or [`wait`](Self::wait)).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::{future::ready, pin::pin};
    /// use errgroup_core::fixed::{FixedGroup, Rejected};
    ///
    /// let mut group = pin!(FixedGroup::<_, 1>::new());
    /// let id = group.as_mut().try_spawn(ready(Ok::<u8, ()>(1))).unwrap();
    /// assert_eq!(id.index(), 0);
    /// // The only slot is taken: the next task comes back unrun.
    /// let refused = group.as_mut().try_spawn(ready(Ok(2)));
    /// assert!(matches!(refused, Err(Rejected::Full(_))));
    /// ```
    ///
    /// # Errors
    ///
    /// The task comes back unrun: [`Rejected::Full`] if every slot holds a running task or
    /// an outcome not yet taken, [`Rejected::Cancelled`] if the group is cancelled.
    pub fn try_spawn(self: Pin<&mut Self>, task: F) -> Result<TaskId, Rejected<F>> {
        let (mut slots, state) = self.parts();
        if state.cancelled.is_some() {
            return Err(Rejected::Cancelled(task));
        }
        let Some(slot) = (0..N).find(|&slot| slots.is_vacant(slot)) else {
            return Err(Rejected::Full(task));
        };
        let id = TaskId { index: state.spawned, slot };
        state.spawned += 1;
        slots.start(slot, id, task);
        Ok(id)
    }

    /// Cancels the group: every running task is dropped now (its outcome is
    /// [`Outcome::Cancelled`] with [`CancelReason::Explicit`]), and no task is taken until
    /// [`reset`](Self::reset). Returns `true` for the cancel that did it, `false` if the
    /// group was already cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::pin::pin;
    /// use errgroup_core::fixed::{CancelReason, FixedGroup, Outcome};
    ///
    /// # futures_executor::block_on(async {
    /// let mut group = pin!(FixedGroup::<_, 2>::new());
    /// group.as_mut().try_spawn(core::future::pending::<Result<(), ()>>()).unwrap();
    /// assert!(group.as_mut().cancel());
    /// assert!(!group.as_mut().cancel(), "only the first cancel counts");
    /// let (_, outcome) = group.as_mut().next().await.unwrap();
    /// assert_eq!(outcome, Outcome::Cancelled(CancelReason::Explicit));
    /// # });
    /// ```
    pub fn cancel(self: Pin<&mut Self>) -> bool {
        self.cancel_with(CancelReason::Explicit)
    }

    fn cancel_with(self: Pin<&mut Self>, reason: CancelReason) -> bool {
        let (mut slots, state) = self.parts();
        if state.cancelled.is_some() {
            return false;
        }
        state.cancelled = Some(reason);
        for slot in 0..N {
            slots.cancel(slot, reason);
        }
        true
    }

    /// Drops every task and outcome still in the group, and takes tasks again: a cancelled
    /// group's way back, and a quick way to empty it.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::pin::pin;
    /// use errgroup_core::fixed::FixedGroup;
    ///
    /// let mut group = pin!(FixedGroup::<_, 1>::new());
    /// group.as_mut().try_spawn(core::future::pending::<Result<(), ()>>()).unwrap();
    /// group.as_mut().cancel();
    /// group.as_mut().reset();
    /// assert_eq!(group.cancelled(), None);
    /// assert!(group.as_mut().try_spawn(core::future::pending()).is_ok());
    /// ```
    pub fn reset(self: Pin<&mut Self>) {
        let (mut slots, state) = self.parts();
        for slot in 0..N {
            slots.cancel(slot, CancelReason::Explicit);
            drop(slots.take(slot));
        }
        *state = State { spawned: state.spawned, cancelled: None, failure: None };
    }

    /// Polls every running task once; on a task's first failure, cancels the others.
    fn poll_tasks<T, E>(mut self: Pin<&mut Self>, cx: &mut Context<'_>)
    where
        F: Future<Output = Result<T, E>>,
    {
        for slot in 0..N {
            let (mut slots, state) = self.as_mut().parts();
            if slots.poll(slot, cx) != Some(Poll::Ready(())) {
                continue;
            }
            let failed = matches!(&slots.0[slot], Slot::Ended { end: End::Returned(Err(_)), .. });
            if failed && state.cancelled.is_none() {
                state.failure = Some(slot);
                self.as_mut().cancel_with(CancelReason::Error);
            }
        }
    }

    /// Runs the tasks until one ends, and yields its id and [`Outcome`]; `None` once the
    /// group holds no task. Outcomes already there come first, lowest slot first. Taking
    /// an outcome frees its slot.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::pin::pin;
    /// use errgroup_core::fixed::{CancelReason, FixedGroup, Outcome};
    ///
    /// async fn job(fail: bool) -> Result<u8, &'static str> {
    ///     if fail { Err("failed") } else { core::future::pending().await }
    /// }
    ///
    /// # futures_executor::block_on(async {
    /// let mut group = pin!(FixedGroup::<_, 2>::new());
    /// let waiting = group.as_mut().try_spawn(job(false)).unwrap();
    /// let failing = group.as_mut().try_spawn(job(true)).unwrap();
    /// // The failure cancelled the other task; outcomes come lowest slot first.
    /// let cancelled = Outcome::Cancelled(CancelReason::Error);
    /// assert_eq!(group.as_mut().next().await, Some((waiting, cancelled)));
    /// assert_eq!(group.as_mut().next().await, Some((failing, Outcome::Failed("failed"))));
    /// assert_eq!(group.as_mut().next().await, None); // the group is empty
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses nothing: outcomes stay in their slots until taken.
    pub fn next(self: Pin<&mut Self>) -> Next<'_, F, N> {
        Next { group: self }
    }

    /// Runs every task to its end, drops the outcomes, and returns the first error, if a
    /// task failed (the others were then cancelled). An error [`next`](Self::next) already
    /// handed out is not returned again. The group is then empty; a cancelled one stays
    /// cancelled until [`reset`](Self::reset).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::pin::pin;
    /// use errgroup_core::fixed::{CancelReason, FixedGroup};
    ///
    /// async fn check(n: u8) -> Result<(), u8> {
    ///     if n % 2 == 0 { Ok(()) } else { Err(n) }
    /// }
    ///
    /// # futures_executor::block_on(async {
    /// let mut group = pin!(FixedGroup::<_, 3>::new());
    /// for n in [2, 3, 4] {
    ///     group.as_mut().try_spawn(check(n)).unwrap();
    /// }
    /// assert_eq!(group.as_mut().wait().await, Err(3));
    /// assert_eq!(group.running(), 0);
    /// assert_eq!(group.cancelled(), Some(CancelReason::Error)); // until `reset`
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// The first task error, if its outcome was still in the group.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the tasks in the group, as they were.
    pub fn wait(self: Pin<&mut Self>) -> Wait<'_, F, N> {
        Wait { group: self }
    }
}

impl<F: Future, const N: usize> Default for FixedGroup<F, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: Future, const N: usize> fmt::Debug for FixedGroup<F, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FixedGroup")
            .field("capacity", &N)
            .field("running", &self.running())
            .field("spawned", &self.state.spawned)
            .field("cancelled", &self.state.cancelled)
            .finish_non_exhaustive()
    }
}

/// The future of [`FixedGroup::next`].
///
/// # Examples
///
/// ```
/// use core::{future::ready, pin::pin};
/// use errgroup_core::fixed::{FixedGroup, Next, Outcome};
///
/// let mut group = pin!(FixedGroup::<_, 1>::new());
/// group.as_mut().try_spawn(ready(Ok::<u8, ()>(5))).unwrap();
/// let next: Next<'_, _, 1> = group.as_mut().next();
/// let (_, outcome) = futures_executor::block_on(next).unwrap();
/// assert_eq!(outcome, Outcome::Succeeded(5));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Next<'g, F: Future, const N: usize> {
    group: Pin<&'g mut FixedGroup<F, N>>,
}

impl<F, T, E, const N: usize> Future for Next<'_, F, N>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Option<(TaskId, Outcome<T, E>)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let group = &mut self.group;
        if let Some(taken) = take_outcome(group.as_mut()) {
            return Poll::Ready(Some(taken));
        }
        if group.running() == 0 {
            return Poll::Ready(None);
        }
        group.as_mut().poll_tasks(cx);
        match take_outcome(group.as_mut()) {
            Some(taken) => Poll::Ready(Some(taken)),
            None => Poll::Pending,
        }
    }
}

impl<F: Future, const N: usize> fmt::Debug for Next<'_, F, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next").field("group", &self.group).finish()
    }
}

/// The outcome in the lowest ended slot, taken out (the slot is then vacant).
fn take_outcome<F, T, E, const N: usize>(
    group: Pin<&mut FixedGroup<F, N>>,
) -> Option<(TaskId, Outcome<T, E>)>
where
    F: Future<Output = Result<T, E>>,
{
    let (mut slots, state) = group.parts();
    let slot = (0..N).find(|&slot| slots.is_ended(slot))?;
    if state.failure == Some(slot) {
        state.failure = None;
    }
    let (id, end) = slots.take(slot)?;
    let outcome = match end {
        End::Returned(Ok(value)) => Outcome::Succeeded(value),
        End::Returned(Err(error)) => Outcome::Failed(error),
        End::Cancelled(reason) => Outcome::Cancelled(reason),
    };
    Some((id, outcome))
}

/// The future of [`FixedGroup::wait`].
///
/// # Examples
///
/// ```
/// use core::{future::ready, pin::pin};
/// use errgroup_core::fixed::{FixedGroup, Wait};
///
/// let mut group = pin!(FixedGroup::<_, 2>::new());
/// group.as_mut().try_spawn(ready(Ok::<(), &str>(()))).unwrap();
/// group.as_mut().try_spawn(ready(Err("disk full"))).unwrap();
/// let wait: Wait<'_, _, 2> = group.as_mut().wait();
/// assert_eq!(futures_executor::block_on(wait), Err("disk full"));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'g, F: Future, const N: usize> {
    group: Pin<&'g mut FixedGroup<F, N>>,
}

impl<F, T, E, const N: usize> Future for Wait<'_, F, N>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<(), E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let group = &mut self.group;
        group.as_mut().poll_tasks(cx);
        if group.running() > 0 {
            return Poll::Pending;
        }
        let (mut slots, state) = group.as_mut().parts();
        let failure = state.failure.take().and_then(|slot| slots.take(slot));
        for slot in 0..N {
            drop(slots.take(slot));
        }
        match failure {
            Some((_, End::Returned(Err(error)))) => Poll::Ready(Err(error)),
            _ => Poll::Ready(Ok(())),
        }
    }
}

impl<F: Future, const N: usize> fmt::Debug for Wait<'_, F, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").field("group", &self.group).finish()
    }
}

#[cfg(all(test, not(loom)))]
#[allow(clippy::std_instead_of_alloc)]
mod tests {
    use core::{
        cell::Cell,
        future::Future,
        marker::PhantomPinned,
        pin::{Pin, pin},
        task::{Context, Poll, Waker},
    };
    use std::{vec, vec::Vec};

    use super::{CancelReason, FixedGroup, Outcome, Rejected};

    /// Drives `future` with a waker that does nothing; the tests' tasks wake themselves or
    /// are ready.
    fn run<O>(future: impl Future<Output = O>) -> O {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1000 {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        }
        panic!("not ready after 1000 polls");
    }

    /// A `!Unpin` task that checks it is never moved between its polls and its drop, counts
    /// its drops, and ends after `polls` polls with `output`.
    struct Pinned<'a> {
        address: Cell<usize>,
        polls: u32,
        output: Result<u32, &'static str>,
        drops: &'a Cell<u32>,
        _pin: PhantomPinned,
    }

    fn pinned<'a>(
        polls: u32,
        output: Result<u32, &'static str>,
        drops: &'a Cell<u32>,
    ) -> Pinned<'a> {
        Pinned { address: Cell::new(0), polls, output, drops, _pin: PhantomPinned }
    }

    impl Pinned<'_> {
        fn check_place(&self) {
            let here = core::ptr::from_ref(self) as usize;
            let first = self.address.replace(here);
            assert!(first == 0 || first == here, "a pinned task moved");
        }
    }

    impl Future for Pinned<'_> {
        type Output = Result<u32, &'static str>;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            self.check_place();
            // SAFETY: only `polls`, which is not pinned, is changed.
            let this = unsafe { self.get_unchecked_mut() };
            if this.polls == 0 {
                return Poll::Ready(this.output);
            }
            this.polls -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    impl Drop for Pinned<'_> {
        fn drop(&mut self) {
            self.check_place();
            self.drops.set(self.drops.get() + 1);
        }
    }

    #[test]
    fn every_task_runs_and_each_outcome_comes_back_once() {
        let drops = Cell::new(0);
        let mut group = pin!(FixedGroup::<_, 3>::new());
        for n in 0..3 {
            group.as_mut().try_spawn(pinned(3 - n, Ok(n * 10), &drops)).unwrap();
        }
        let mut seen = Vec::new();
        while let Some((id, outcome)) = run(group.as_mut().next()) {
            seen.push((id.index(), outcome));
        }
        seen.sort_by_key(|(index, _)| *index);
        assert_eq!(
            seen,
            vec![
                (0, Outcome::Succeeded(0)),
                (1, Outcome::Succeeded(10)),
                (2, Outcome::Succeeded(20))
            ]
        );
        assert_eq!(drops.get(), 3, "each task dropped once, in place");
        assert_eq!(run(group.as_mut().next()), None);
    }

    #[test]
    fn the_first_failure_drops_the_others_in_place_and_wait_returns_it() {
        let drops = Cell::new(0);
        let mut group = pin!(FixedGroup::<_, 4>::new());
        group.as_mut().try_spawn(pinned(100, Ok(1), &drops)).unwrap();
        group.as_mut().try_spawn(pinned(2, Err("first"), &drops)).unwrap();
        group.as_mut().try_spawn(pinned(5, Err("second"), &drops)).unwrap();
        assert_eq!(run(group.as_mut().wait()), Err("first"));
        assert_eq!(drops.get(), 3);
        assert_eq!(group.cancelled(), Some(CancelReason::Error));
        let refused = group.as_mut().try_spawn(pinned(0, Ok(0), &drops));
        assert!(matches!(refused, Err(Rejected::Cancelled(_))));
        drop(refused);
        assert_eq!(drops.get(), 4, "the refused task came back, and was dropped by us");
        assert_eq!(group.running(), 0);
    }

    #[test]
    fn next_reports_the_failure_and_each_cancelled_task() {
        let drops = Cell::new(0);
        let mut group = pin!(FixedGroup::<_, 3>::new());
        group.as_mut().try_spawn(pinned(100, Ok(1), &drops)).unwrap();
        group.as_mut().try_spawn(pinned(1, Err("boom"), &drops)).unwrap();
        group.as_mut().try_spawn(pinned(100, Ok(3), &drops)).unwrap();
        let mut outcomes = Vec::new();
        while let Some((id, outcome)) = run(group.as_mut().next()) {
            outcomes.push((id.slot(), outcome));
        }
        assert_eq!(
            outcomes,
            vec![
                (0, Outcome::Cancelled(CancelReason::Error)),
                (1, Outcome::Failed("boom")),
                (2, Outcome::Cancelled(CancelReason::Error)),
            ]
        );
        assert_eq!(run(group.as_mut().wait()), Ok(()), "next handed the error out already");
    }

    #[test]
    fn a_full_group_hands_the_task_back_and_takes_it_once_an_outcome_is_taken() {
        let drops = Cell::new(0);
        let mut group = pin!(FixedGroup::<_, 2>::new());
        group.as_mut().try_spawn(pinned(0, Ok(1), &drops)).unwrap();
        group.as_mut().try_spawn(pinned(0, Ok(2), &drops)).unwrap();
        let Err(Rejected::Full(third)) = group.as_mut().try_spawn(pinned(0, Ok(3), &drops)) else {
            panic!("a full group refuses")
        };
        let (first, _) = run(group.as_mut().next()).unwrap();
        let id = group.as_mut().try_spawn(third).unwrap();
        assert_eq!((id.index(), id.slot()), (2, first.slot()), "the freed slot, a new index");
        assert_eq!(run(group.as_mut().wait()), Ok(()));
        assert_eq!(drops.get(), 3);
    }

    #[test]
    fn cancel_drops_the_running_tasks_and_reset_reopens() {
        let drops = Cell::new(0);
        let mut group = pin!(FixedGroup::<_, 2>::new());
        group.as_mut().try_spawn(pinned(100, Ok(1), &drops)).unwrap();
        {
            // One poll, so the task has run and has an address.
            let mut next = pin!(group.as_mut().next());
            let poll = next.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            assert!(poll.is_pending());
        }
        assert!(group.as_mut().cancel());
        assert_eq!(drops.get(), 1, "dropped at the cancel");
        assert_eq!(
            run(group.as_mut().next()).map(|(_, outcome)| outcome),
            Some(Outcome::Cancelled(CancelReason::Explicit))
        );
        group.as_mut().reset();
        assert_eq!(group.cancelled(), None);
        group.as_mut().try_spawn(pinned(0, Ok(7), &drops)).unwrap();
        assert_eq!(run(group.as_mut().next()).map(|(_, o)| o), Some(Outcome::Succeeded(7)));
    }

    #[test]
    fn dropping_the_group_drops_its_tasks_in_place() {
        let drops = Cell::new(0);
        {
            let mut group = pin!(FixedGroup::<_, 3>::new());
            group.as_mut().try_spawn(pinned(100, Ok(1), &drops)).unwrap();
            group.as_mut().try_spawn(pinned(100, Ok(2), &drops)).unwrap();
            let mut next = pin!(group.as_mut().next());
            assert!(next.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
        }
        assert_eq!(drops.get(), 2);
    }

    #[test]
    fn wait_returns_the_error_after_next_took_other_outcomes() {
        let drops = Cell::new(0);
        let mut group = pin!(FixedGroup::<_, 3>::new());
        group.as_mut().try_spawn(pinned(100, Ok(1), &drops)).unwrap();
        group.as_mut().try_spawn(pinned(1, Err("boom"), &drops)).unwrap();
        // Takes slot 0's outcome (cancelled by the failure), not the failure itself.
        let (id, outcome) = run(group.as_mut().next()).unwrap();
        assert_eq!((id.slot(), outcome), (0, Outcome::Cancelled(CancelReason::Error)));
        assert_eq!(run(group.as_mut().wait()), Err("boom"));
    }

    #[test]
    fn outcomes_say_what_they_hold() {
        let cancelled = Outcome::<u8, u8>::Cancelled(CancelReason::Explicit);
        assert!(cancelled.is_cancelled());
        assert!(!Outcome::<u8, u8>::Succeeded(1).is_cancelled());
        assert_eq!(cancelled.into_result(), None);
        assert_eq!(Outcome::<u8, u8>::Succeeded(1).into_result(), Some(Ok(1)));
        assert_eq!(Outcome::<u8, u8>::Failed(2).into_result(), Some(Err(2)));
    }

    #[test]
    fn messages_name_the_mistake() {
        use std::{format, string::ToString};

        assert_eq!(CancelReason::Explicit.to_string(), "the group was cancelled");
        assert_eq!(CancelReason::Error.to_string(), "a task of the group failed");
        let drops = Cell::new(0);
        let mut group = pin!(FixedGroup::<_, 1>::new());
        let id = group.as_mut().try_spawn(pinned(5, Ok(1), &drops)).unwrap();
        assert_eq!(id.to_string(), "task 0 (slot 0)");
        assert_eq!(group.capacity(), 1);
        assert_eq!(FixedGroup::<Pinned<'_>, 3>::new().capacity(), 3);
        let full = group.as_mut().try_spawn(pinned(0, Ok(2), &drops)).unwrap_err();
        assert_eq!(
            (full.to_string(), format!("{full:?}")),
            ("every slot of the group is taken".into(), "Full(..)".into())
        );
        group.as_mut().cancel();
        let cancelled = group.as_mut().try_spawn(pinned(0, Ok(3), &drops)).unwrap_err();
        assert_eq!(cancelled.to_string(), "the group is cancelled");
        assert_eq!(format!("{cancelled:?}"), "Cancelled(..)");
        let group_debug = format!("{:?}", group.as_ref().get_ref());
        assert!(
            group_debug.starts_with("FixedGroup { capacity: 1, running: 0, spawned: 1"),
            "{group_debug}"
        );
        assert!(format!("{:?}", group.as_mut().next()).starts_with("Next { group: FixedGroup {"));
        assert!(format!("{:?}", group.as_mut().wait()).starts_with("Wait { group: FixedGroup {"));
    }
}
