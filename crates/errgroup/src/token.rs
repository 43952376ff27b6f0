//! [`CancelToken`]: a cloneable, hierarchical cancellation flag with async wake-ups.
//!
//! # Invariants
//!
//! - The state word only goes from unset (`0`) to set (`reason + 1`), once, by a
//!   `compare_exchange`; the first reason sticks and exactly one `cancel*` call returns `true`.
//! - Every listener registered on a node's `Event` before its state is set is woken: the
//!   canceller sets the state, *then* notifies every listener (`notify(usize::MAX)`); a waiter
//!   registers its listener, *then* re-checks the state. The store and the load are `SeqCst`
//!   and `notify` begins with a `SeqCst` fence, so either the waiter's re-check sees the state
//!   or the notification sees the listener — no wake-up is lost.
//! - Children registered before a parent's cancel are cancelled by it (the parent drains its
//!   registry after setting its own state); a child that tries to register after the drain
//!   finds the parent's state set (it is read under the same lock) and is cancelled at once.
//! - `Node::refs` counts the live `CancelToken` handles to a node plus the children in its
//!   registry. A node stays in its parent's registry exactly while `refs > 0`, so dropping
//!   every handle of a subtree removes the whole subtree: a long-lived parent does not grow.
//!   Zero is final: only a live handle can create a handle or register a child.
//! - No lock is held while cancelling, notifying or dropping a node: children are moved out
//!   of the registry under the lock and handled after it is released. Cancelling a tree uses
//!   a worklist, never recursion.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use event_listener::{Event, EventListener};

use crate::{
    id::TaskInfo,
    sync::{AllocArc, AllocWeak, Arc, AtomicU8, AtomicUsize, Lock, Ordering},
};

/// Why a [`CancelToken`] was cancelled.
///
/// Only the first reason is kept: later `cancel*` calls do not overwrite it.
///
/// # Examples
///
/// ```
/// use errgroup::{CancelReason, CancelToken};
///
/// let token = CancelToken::new();
/// token.cancel_with(CancelReason::Timeout);
/// assert_eq!(token.reason(), Some(CancelReason::Timeout));
/// assert_eq!(CancelReason::Timeout.to_string(), "a timeout expired");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CancelReason {
    /// [`CancelToken::cancel`] was called (or a group was cancelled explicitly).
    Explicit,
    /// A task of the owning group returned an error.
    Error,
    /// A task of the owning group panicked.
    Panic,
    /// The parent token was cancelled (see [`CancelToken::child`]).
    Parent,
    /// A timeout or deadline expired (used by the runtime adapters).
    Timeout,
    /// A task of the owning group was lost: its executor dropped it before it finished.
    Lost,
    /// A task of the owning race succeeded, which decides the race
    /// ([`ErrGroup::race`](crate::ErrGroup::race)).
    Won,
    /// The owning group was dropped without being waited for.
    Dropped,
    /// One task was aborted through its handle
    /// ([`TaskHandle::abort`](crate::TaskHandle::abort)): the reason in that task's
    /// [`Outcome::Cancelled`](crate::Outcome::Cancelled). A group never cancels itself for
    /// it.
    Aborted,
    /// The owning group is shutting down gracefully
    /// ([`ErrGroup::shutdown`](crate::ErrGroup::shutdown)): its tasks were told to stop,
    /// and a task still running when the grace period ended was dropped for it.
    Shutdown,
}

impl CancelReason {
    /// The value stored in the state word: never `0`, which means "not cancelled".
    const fn to_state(self) -> u8 {
        match self {
            Self::Explicit => 1,
            Self::Error => 2,
            Self::Panic => 3,
            Self::Parent => 4,
            Self::Timeout => 5,
            Self::Lost => 6,
            Self::Won => 7,
            Self::Dropped => 8,
            Self::Aborted => 9,
            Self::Shutdown => 10,
        }
    }

    const fn from_state(state: u8) -> Option<Self> {
        match state {
            1 => Some(Self::Explicit),
            2 => Some(Self::Error),
            3 => Some(Self::Panic),
            4 => Some(Self::Parent),
            5 => Some(Self::Timeout),
            6 => Some(Self::Lost),
            7 => Some(Self::Won),
            8 => Some(Self::Dropped),
            9 => Some(Self::Aborted),
            10 => Some(Self::Shutdown),
            _ => None,
        }
    }
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Explicit => "cancelled explicitly",
            Self::Error => "a task failed",
            Self::Panic => "a task panicked",
            Self::Parent => "the parent token was cancelled",
            Self::Timeout => "a timeout expired",
            Self::Lost => "a task was lost by its executor",
            Self::Won => "a task won the race",
            Self::Dropped => "the group was dropped without being waited for",
            Self::Aborted => "the task was aborted through its handle",
            Self::Shutdown => "the group is shutting down",
        })
    }
}

/// Why a token was cancelled, in full: the [`CancelReason`], the task that caused it (the
/// one that failed, panicked, was lost or won a race) and a message. What
/// [`CancelToken::cause`] returns: Go's `context.Cause`, without a context type.
///
/// A group cancelled by its first failure records that task; its error's text is the
/// message if the group was built with
/// [`Builder::error_messages`](crate::Builder::error_messages) (or
/// [`error_messages_with`](crate::Builder::error_messages_with)), and a panic's message is
/// always kept.
///
/// # Examples
///
/// ```
/// use errgroup::{CancelReason, CancelToken, Cause};
///
/// let token = CancelToken::new();
/// token.cancel_with_cause(Cause::new(CancelReason::Explicit).with_message("shutting down"));
/// let cause = token.cause().unwrap();
/// assert_eq!(cause.reason(), CancelReason::Explicit);
/// assert_eq!(cause.message(), Some("shutting down"));
/// assert_eq!(cause.to_string(), "cancelled explicitly: shutting down");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cause {
    reason: CancelReason,
    task: Option<TaskInfo>,
    message: Option<String>,
}

impl Cause {
    /// A cause with this reason, and no task or message.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, Cause};
    ///
    /// let cause = Cause::new(CancelReason::Timeout);
    /// assert_eq!((cause.task(), cause.message()), (None, None));
    /// assert_eq!(cause.to_string(), "a timeout expired");
    /// ```
    pub const fn new(reason: CancelReason) -> Self {
        Self { reason, task: None, message: None }
    }

    /// The same cause, with a message.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, Cause};
    ///
    /// let cause = Cause::new(CancelReason::Explicit).with_message(format!("user {} left", 7));
    /// assert_eq!(cause.message(), Some("user 7 left"));
    /// ```
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The same cause, naming the task that caused it.
    pub(crate) fn with_task(mut self, task: TaskInfo) -> Self {
        self.task = Some(task);
        self
    }

    /// The reason.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, Cause};
    ///
    /// assert_eq!(Cause::new(CancelReason::Won).reason(), CancelReason::Won);
    /// ```
    pub const fn reason(&self) -> CancelReason {
        self.reason
    }

    /// The task that caused the cancellation, if a task did: the one that failed,
    /// panicked, was lost, or won the race.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, ErrGroup};
    ///
    /// let mut group = ErrGroup::<&str, _>::inline();
    /// group.task().name("billing").try_spawn(async { Err("card declined") }).unwrap();
    /// let token = group.token();
    /// let _ = futures_executor::block_on(group.wait());
    /// let cause = token.cause().unwrap();
    /// assert_eq!(cause.reason(), CancelReason::Error);
    /// assert_eq!(cause.task().and_then(|task| task.name()), Some("billing"));
    /// ```
    pub const fn task(&self) -> Option<&TaskInfo> {
        self.task.as_ref()
    }

    /// The message: the failed task's error or panic message, or the one given to
    /// [`with_message`](Self::with_message).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::<String, _>::builder().error_messages().inline();
    /// group.try_spawn(async { Err("card declined".to_string()) }).unwrap();
    /// let token = group.token();
    /// let _ = futures_executor::block_on(group.wait());
    /// let cause = token.cause().unwrap();
    /// assert_eq!(cause.message(), Some("card declined"));
    /// assert_eq!(cause.to_string(), "task 0 failed: card declined");
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.task, self.reason) {
            (Some(task), CancelReason::Error) => write!(f, "{task} failed")?,
            (Some(task), CancelReason::Panic) => write!(f, "{task} panicked")?,
            (Some(task), CancelReason::Lost) => write!(f, "{task} was lost by its executor")?,
            (Some(task), CancelReason::Won) => write!(f, "{task} won the race")?,
            (_, reason) => write!(f, "{reason}")?,
        }
        match &self.message {
            Some(message) => write!(f, ": {message}"),
            None => Ok(()),
        }
    }
}

/// The registry key of a node: its address, unique while the registry holds it.
fn key(node: &Node) -> usize {
    core::ptr::from_ref(node).addr()
}

/// The shared state behind every handle of one token.
struct Node {
    /// `0` while not cancelled, otherwise `CancelReason::to_state`. Set once.
    state: AtomicU8,
    /// Woken (all listeners) right after `state` is set.
    event: Event,
    /// Live `CancelToken` handles plus children in `children` (see the module invariants).
    refs: AtomicUsize,
    /// The parent, to unregister from it. `None` for a root, and while dropping.
    parent: Option<Arc<Node>>,
    /// Children not yet cancelled by this node, keyed by [`key`].
    children: Lock<BTreeMap<usize, Arc<Node>>>,
    /// The full cause, if the cancellation gave one: written under this lock in the same
    /// critical section as the `state` it goes with, so a reader that sees the state and
    /// then takes the lock sees the cause.
    cause: Lock<Option<Cause>>,
    /// For a group's token: the groups nested under it (made with `child_of` this token or
    /// a token below it that belongs to no group), type-erased for the layer that knows
    /// them ([`crate::pending`]); `None` for a token that belongs to no group. Never
    /// drained by a cancel: a dump after a timeout still finds them.
    groups: Lock<Option<Vec<Nested>>>,
    /// For a group's token: where a `cancelled()` future waits, so that waiting costs no
    /// allocation (the group's waker registry, woken by the group's relay on cancellation,
    /// and drained when the group ends). `None` for other tokens, and on targets without
    /// compare-and-swap (portable-atomic-util's `Weak` does not coerce): those wait on
    /// `event`, one listener each.
    waiters: Option<AllocWeak<dyn Waiters>>,
}

/// Where a group's token keeps its `cancelled()` futures' wakers: the group's waker
/// registry ([`crate::wakers`]), named here by what it does, for the layer below it.
pub(crate) trait Waiters: Send + Sync {
    /// Records `waker` in `*slot` (taking a slot if it is [`NO_SLOT`]). `false` if the
    /// registry is drained for good: the caller waits elsewhere.
    fn register(&self, slot: &mut usize, waker: &Waker) -> bool;
    /// Gives `slot` back.
    fn forget(&self, slot: usize);
}

/// A `cancelled()` future that has not taken a slot in its group's registry.
pub(crate) const NO_SLOT: usize = usize::MAX;

/// How a `cancelled()` future waits: not yet, on the token's event, or in a slot of its
/// group's registry (which it gives back when it is done or dropped).
#[derive(Default)]
enum Waiting {
    #[default]
    Idle,
    Listener(EventListener),
    Slot(Slot),
}

/// A slot in a group's registry, given back when dropped.
struct Slot {
    key: usize,
    registry: AllocArc<dyn Waiters>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.registry.forget(self.key);
    }
}

/// A group nested under a token, as [`crate::pending`] registers it.
pub(crate) type Nested = AllocWeak<dyn core::any::Any + Send + Sync>;

impl Node {
    fn new(parent: Option<Arc<Node>>, waiters: Option<AllocWeak<dyn Waiters>>) -> Self {
        Self {
            state: AtomicU8::new(0),
            event: Event::new(),
            refs: AtomicUsize::new(1),
            parent,
            children: Lock::new(BTreeMap::new()),
            cause: Lock::new(None),
            groups: Lock::new(None),
            waiters,
        }
    }

    fn reason(&self) -> Option<CancelReason> {
        // SeqCst: pairs with the SeqCst `compare_exchange` in `set`, so a reader that sees the
        // state also sees everything the canceller did before cancelling; and, read after
        // registering a listener, it is ordered with `notify`'s SeqCst fence (no lost wake-up).
        CancelReason::from_state(self.state.load(Ordering::SeqCst))
    }

    /// Sets the state and wakes every listener; `false` if it was already set.
    fn set(&self, reason: CancelReason) -> bool {
        let won = self.try_set(reason);
        if won {
            self.event.notify(usize::MAX);
        }
        won
    }

    /// Sets the state with its full `cause`, and wakes every listener; `false` if it was
    /// already set.
    fn set_with_cause(&self, cause: Cause) -> bool {
        let won = self.cause.with(|slot| {
            let won = self.try_set(cause.reason);
            if won {
                *slot = Some(cause);
            }
            won
        });
        if won {
            self.event.notify(usize::MAX);
        }
        won
    }

    fn try_set(&self, reason: CancelReason) -> bool {
        // SeqCst on success: publishes the cancellation to `reason` (above) and is ordered
        // before `notify`'s SeqCst fence. Failure only needs to see the winner's value: Relaxed.
        self.state
            .compare_exchange(0, reason.to_state(), Ordering::SeqCst, Ordering::Relaxed)
            .is_ok()
    }

    /// The full cause of this node's cancellation, if it is cancelled: where it started
    /// (a parent's cause, for a node cancelled by its parent).
    fn cause(&self) -> Option<Cause> {
        let mut node = self;
        loop {
            let reason = node.reason()?;
            // Where the cancellation started: up the chain while each node was cancelled
            // by its parent. A node cancelled with reason `Parent` by hand (a bridge from
            // another system) while its parent is not cancelled ends the walk here.
            if let (CancelReason::Parent, Some(parent)) = (reason, &node.parent) {
                if parent.reason().is_some() {
                    node = parent;
                    continue;
                }
            }
            let cause = node.cause.with(|cause| cause.clone());
            return Some(cause.unwrap_or(Cause::new(reason)));
        }
    }

    /// Polls for `ready` on this node's event, reusing `listener` across polls: `ready` is
    /// checked, the listener registered lazily and `ready` checked again (so no wake-up is
    /// lost; see the module invariants), then the listener polled with `cx`. A fired
    /// listener is dropped (`None`) and `ready` checked again.
    fn poll_until<T>(
        &self,
        listener: &mut Option<EventListener>,
        cx: &mut Context<'_>,
        mut ready: impl FnMut() -> Option<T>,
    ) -> Poll<T> {
        loop {
            if let Some(output) = ready() {
                *listener = None;
                return Poll::Ready(output);
            }
            match listener {
                None => *listener = Some(self.event.listen()),
                Some(l) => match Pin::new(l).poll(cx) {
                    Poll::Ready(()) => *listener = None,
                    Poll::Pending => return Poll::Pending,
                },
            }
        }
    }

    /// Moves every registered child into `work`, and takes them off `refs`.
    ///
    /// `refs` cannot reach zero here, or if it does nothing is owed: the node being
    /// cancelled is borrowed from a live handle, and every other node drained is one that
    /// was just drained from its parent, so its [`release`] would find nothing to undo.
    fn drain_children(&self, work: &mut Vec<Arc<Node>>) {
        let taken = self.children.with(core::mem::take);
        let n = taken.len();
        work.extend(taken.into_values());
        if n != 0 {
            // AcqRel: the registrations being undone incremented under the lock, before
            // this decrement; the last handle's decrement (in `CancelToken::drop`) then
            // acquires it before releasing the node.
            self.refs.fetch_sub(n, Ordering::AcqRel);
        }
    }
}

impl Drop for Node {
    /// Drops a chain of parents iteratively, so a deep chain of tokens cannot overflow the
    /// stack when its last leaf goes away.
    fn drop(&mut self) {
        let mut parent = self.parent.take();
        while let Some(node) = parent {
            parent = match Arc::try_unwrap(node) {
                Ok(mut node) => node.parent.take(),
                // Someone else still holds it: their drop does the rest.
                Err(_) => None,
            };
        }
    }
}

/// Cancels `node` for `cause` (a reason alone, or in full) and then its whole subtree
/// with [`CancelReason::Parent`], using a worklist. Returns whether `node` itself was
/// cancelled by this call.
fn cancel_tree(node: &Arc<Node>, cause: Result<Cause, CancelReason>) -> bool {
    let set = match cause {
        Ok(cause) => node.set_with_cause(cause),
        Err(reason) => node.set(reason),
    };
    if !set {
        return false;
    }
    let mut work = Vec::new();
    node.drain_children(&mut work);
    while let Some(child) = work.pop() {
        // Already cancelled: whoever won drains its children.
        if child.set(CancelReason::Parent) {
            child.drain_children(&mut work);
        }
    }
    true
}

/// Called once `node.refs` reached zero: tells its weak handles that it is out of use,
/// removes it from its parent's registry, and so on up the chain while that leaves the
/// parent with no refs either.
fn release(mut node: Arc<Node>) {
    loop {
        // Only weak handles' `ended` can be listening now: every other listener holds a
        // handle. Notified after the decrement that reached zero (see `Ended::poll`).
        node.event.notify(usize::MAX);
        let Some(parent) = node.parent.clone() else {
            return;
        };
        let k = key(&node);
        let removed = parent.children.with(|children| children.remove(&k));
        // `None`: the parent's cancel drained it and accounted for it. Dropped outside the lock.
        if removed.is_none() {
            return;
        }
        drop(removed);
        // AcqRel: see `drain_children`.
        if parent.refs.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        node = parent;
    }
}

/// A cancellation token: cloneable, hierarchical, with an async [`cancelled`] wait.
///
/// All clones share one state. Cancelling is idempotent and one-way: once cancelled a token
/// stays cancelled, and the first [`CancelReason`] is kept. A [`child`] token is cancelled
/// whenever its parent is; cancelling a child never affects its parent.
///
/// A task group owns one and cancels it on the first error, panic, explicit cancel or
/// timeout; tasks that want to stop cooperatively watch it.
///
/// # Comparison to tokio-util's `CancellationToken`
///
/// The same model (clone, `cancel`, `is_cancelled`, `cancelled().await`, `child_token`,
/// `cancelled_owned`), but runtime-agnostic and `no_std` + `alloc`, built on
/// `event-listener`; and it records *why* it was cancelled ([`reason`]). Its
/// [`drop_guard`](CancelToken::drop_guard) and
/// [`run_until_cancelled`](CancelToken::run_until_cancelled) are tokio-util's `DropGuard`
/// and `run_until_cancelled`.
///
/// # Examples
///
/// ```
/// use errgroup::{CancelReason, CancelToken};
/// use futures_executor::block_on;
///
/// let token = CancelToken::new();
/// let watcher = token.clone();
/// assert!(!watcher.is_cancelled());
///
/// token.cancel();
/// block_on(watcher.cancelled()); // ready: already cancelled
/// assert_eq!(watcher.reason(), Some(CancelReason::Explicit));
/// ```
///
/// [`cancelled`]: CancelToken::cancelled
/// [`child`]: CancelToken::child
/// [`reason`]: CancelToken::reason
pub struct CancelToken {
    node: Arc<Node>,
}

impl CancelToken {
    /// Creates a token that is not cancelled and has no parent.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = errgroup::CancelToken::new();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn new() -> Self {
        Self { node: Arc::new(Node::new(None, None)) }
    }

    /// Creates a child token, cancelled with [`CancelReason::Parent`] when `self` is.
    ///
    /// If `self` is already cancelled, the child is cancelled when this returns. Cancelling
    /// the child (or dropping it) never affects `self`. A parent keeps no memory for
    /// children whose handles have all been dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, CancelToken};
    ///
    /// let parent = CancelToken::new();
    /// let child = parent.child();
    /// child.cancel();
    /// assert!(!parent.is_cancelled());
    ///
    /// let other = parent.child();
    /// parent.cancel();
    /// assert_eq!(other.reason(), Some(CancelReason::Parent));
    /// ```
    pub fn child(&self) -> CancelToken {
        self.child_with(None)
    }

    /// A group's token: a root (no `parent`) or a child of `parent`, whose `cancelled()`
    /// futures wait in `waiters`, the group's registry. (Not on targets without
    /// compare-and-swap, whose `Weak` does not coerce to a trait object.)
    #[cfg(target_has_atomic = "ptr")]
    pub(crate) fn for_group(parent: Option<&CancelToken>, waiters: AllocWeak<dyn Waiters>) -> Self {
        match parent {
            Some(parent) => parent.child_with(Some(waiters)),
            None => Self { node: Arc::new(Node::new(None, Some(waiters))) },
        }
    }

    fn child_with(&self, waiters: Option<AllocWeak<dyn Waiters>>) -> CancelToken {
        let parent = &self.node;
        let node = Arc::new(Node::new(Some(Arc::clone(parent)), waiters));
        // Race with the parent's cancel, which sets its state *then* drains under this lock:
        // if our critical section comes first the drain finds the child; if it comes after,
        // it synchronises with the drain's unlock, which follows the state store, so we see
        // the state set. Either way the child ends up cancelled.
        let registered = parent.children.with(|children| {
            if parent.reason().is_some() {
                return false;
            }
            // Relaxed: `self` is a live handle, so `refs` is not zero; incremented under the
            // lock, before the entry can be removed and decremented by anyone.
            parent.refs.fetch_add(1, Ordering::Relaxed);
            children.insert(key(&node), Arc::clone(&node));
            true
        });
        if !registered {
            node.set(CancelReason::Parent);
        }
        CancelToken { node }
    }

    /// Cancels the token with [`CancelReason::Explicit`].
    ///
    /// Same as [`cancel_with`](CancelToken::cancel_with)`(CancelReason::Explicit)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = errgroup::CancelToken::new();
    /// assert!(token.cancel());
    /// assert!(!token.cancel()); // already cancelled
    /// ```
    pub fn cancel(&self) -> bool {
        self.cancel_with(CancelReason::Explicit)
    }

    /// Cancels the token with `reason`, then every descendant with [`CancelReason::Parent`].
    ///
    /// Returns `true` iff this call cancelled the token; `false` if it was already cancelled,
    /// in which case the earlier reason is kept. When this returns `true`, every waiter that
    /// was registered has been woken and every descendant is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, CancelToken};
    ///
    /// let token = CancelToken::new();
    /// assert!(token.cancel_with(CancelReason::Timeout));
    /// assert!(!token.cancel_with(CancelReason::Error));
    /// assert_eq!(token.reason(), Some(CancelReason::Timeout));
    /// ```
    pub fn cancel_with(&self, reason: CancelReason) -> bool {
        cancel_tree(&self.node, Err(reason))
    }

    /// Cancels the token (and its children), as [`cancel_with`](Self::cancel_with), with a
    /// full [`Cause`]: what [`cause`](Self::cause) returns. Returns `true` if this call
    /// cancelled it; a later cause, like a later reason, is not kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, CancelToken, Cause};
    ///
    /// let token = CancelToken::new();
    /// let child = token.child();
    /// assert!(token.cancel_with_cause(Cause::new(CancelReason::Explicit).with_message("deploy")));
    /// assert!(!token.cancel_with_cause(Cause::new(CancelReason::Timeout)));
    /// assert_eq!(child.reason(), Some(CancelReason::Parent));
    /// assert_eq!(child.cause().unwrap().message(), Some("deploy")); // where it started
    /// ```
    pub fn cancel_with_cause(&self, cause: Cause) -> bool {
        cancel_tree(&self.node, Ok(cause))
    }

    /// Why the token was cancelled, in full (see [`Cause`]); `None` while it is not.
    ///
    /// A token cancelled by its parent returns the cause where the cancellation started,
    /// as Go's `context.Cause` does: the parent's (or its parent's) cause, while
    /// [`reason`](Self::reason) says [`CancelReason::Parent`]. A token cancelled with a
    /// reason alone has a cause with no task and no message.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, CancelToken};
    ///
    /// let token = CancelToken::new();
    /// assert_eq!(token.cause(), None);
    /// token.cancel_with(CancelReason::Timeout);
    /// let cause = token.cause().unwrap();
    /// assert_eq!((cause.reason(), cause.task()), (CancelReason::Timeout, None));
    /// ```
    pub fn cause(&self) -> Option<Cause> {
        self.node.cause()
    }

    /// Marks this token as a group's: groups nested under it register here.
    pub(crate) fn host_groups(&self) {
        self.node.groups.with(|groups| {
            groups.get_or_insert_with(Vec::new);
        });
    }

    /// Registers `group` with the nearest group above this token (a group's own token is
    /// not above it), if there is one.
    pub(crate) fn nest_in_parent_group(&self, group: &Nested) {
        let mut above = self.node.parent.as_ref();
        while let Some(node) = above {
            let hosted = node.groups.with(|groups| match groups {
                Some(groups) => {
                    // Forget the groups that are gone before the list grows, so a
                    // long-lived parent does not: amortised O(1) per registration.
                    if groups.len() == groups.capacity() {
                        groups.retain(|nested| nested.strong_count() > 0);
                    }
                    groups.push(group.clone());
                    true
                }
                None => false,
            });
            if hosted {
                return;
            }
            above = node.parent.as_ref();
        }
    }

    /// The groups nested under this token that are still alive, in the order they were made.
    pub(crate) fn nested_groups(&self) -> Vec<AllocArc<dyn core::any::Any + Send + Sync>> {
        // Forgets the groups that are gone. Weak references only are dropped under the lock.
        self.node.groups.with(|groups| {
            let Some(groups) = groups else { return Vec::new() };
            groups.retain(|nested| nested.strong_count() > 0);
            groups.iter().filter_map(AllocWeak::upgrade).collect()
        })
    }

    /// Returns `true` if the token has been cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = errgroup::CancelToken::new();
    /// token.cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.node.reason().is_some()
    }

    /// Returns why the token was cancelled, or `None` if it has not been.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, CancelToken};
    ///
    /// let token = CancelToken::new();
    /// assert_eq!(token.reason(), None);
    /// token.cancel();
    /// assert_eq!(token.reason(), Some(CancelReason::Explicit));
    /// ```
    pub fn reason(&self) -> Option<CancelReason> {
        self.node.reason()
    }

    /// Waits until the token is cancelled.
    ///
    /// The future resolves as soon as the token is cancelled, at once if it already is.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::CancelToken;
    /// use futures_executor::block_on;
    ///
    /// let token = CancelToken::new();
    /// let canceller = token.clone();
    /// let thread = std::thread::spawn(move || canceller.cancel());
    /// block_on(token.cancelled());
    /// assert!(token.is_cancelled());
    /// thread.join().unwrap();
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses nothing, and a new one resolves just the same.
    ///
    /// # Cost
    ///
    /// On a group's token ([`GroupHandle::token`](crate::GroupHandle::token)) the future
    /// waits in the group's own waker registry, beside its tasks: no allocation of its own,
    /// which is what keeps a cooperative task at one allocation. On any other token (or
    /// once the group is gone), it takes a listener on the token: one allocation.
    pub fn cancelled(&self) -> Cancelled<'_> {
        Cancelled { token: self, waiting: Waiting::Idle }
    }

    /// Like [`cancelled`](CancelToken::cancelled), but the future owns a clone of the token
    /// and so is `'static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::CancelToken;
    /// use futures_executor::block_on;
    ///
    /// let token = CancelToken::new();
    /// let wait = token.cancelled_owned();
    /// drop(token.clone());
    /// token.cancel();
    /// block_on(wait);
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses nothing, and a new one resolves just the same.
    pub fn cancelled_owned(&self) -> CancelledOwned {
        CancelledOwned { token: self.clone(), waiting: Waiting::Idle }
    }

    /// A handle to this token that does not keep it in use: it can cancel the token while
    /// someone else still holds it ([`upgrade`](WeakCancelToken::upgrade)), and learn when it
    /// was cancelled or went out of use ([`ended`](WeakCancelToken::ended)). What a bridge
    /// to another cancellation system holds, so that it ends with the token instead of
    /// keeping it alive.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::CancelToken;
    ///
    /// let token = CancelToken::new();
    /// let weak = token.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(token);
    /// assert!(weak.upgrade().is_none()); // out of use: nobody holds it, nothing to cancel
    /// assert_eq!(futures_executor::block_on(weak.ended()), None);
    /// ```
    pub fn downgrade(&self) -> WeakCancelToken {
        WeakCancelToken { node: Arc::clone(&self.node) }
    }

    /// Polls for cancellation, reusing `listener` across polls.
    ///
    /// Ready if the token is cancelled. Otherwise makes sure `*listener` is registered on
    /// this token (creating it lazily, then re-checking the state so no wake-up is lost),
    /// polls it with `cx` so `cx`'s waker is woken on cancellation, and returns `Pending`.
    /// A fired listener is dropped (`None`) and the state checked again.
    pub(crate) fn poll_cancelled(
        &self,
        listener: &mut Option<EventListener>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        self.node.poll_until(listener, cx, || self.is_cancelled().then_some(()))
    }

    /// Polls for cancellation as a `cancelled()` future does: in a slot of the group's
    /// registry when the token is a group's and the group is alive, otherwise with a
    /// listener on the token's event.
    ///
    /// No wake-up is lost in the registry: the slot is recorded under the registry's lock,
    /// then the state is read again. The group's relay wakes the registry after the state
    /// is set, under the same lock: either the relay comes after the recording (and wakes
    /// this waker), or the recording comes after the relay's unlock, which follows the
    /// state store, so the second read sees the cancellation. A registry drained for good
    /// (its group is gone, or dropped its tasks) refuses the slot, and the wait falls back
    /// to a listener.
    fn poll_waiting(&self, waiting: &mut Waiting, cx: &mut Context<'_>) -> Poll<()> {
        if self.is_cancelled() {
            *waiting = Waiting::Idle;
            return Poll::Ready(());
        }
        if !matches!(waiting, Waiting::Listener(_)) {
            let slot = match core::mem::take(waiting) {
                Waiting::Slot(slot) => Some(slot),
                _ => self
                    .node
                    .waiters
                    .as_ref()
                    .and_then(AllocWeak::upgrade)
                    .map(|registry| Slot { key: NO_SLOT, registry }),
            };
            if let Some(mut slot) = slot {
                if slot.registry.register(&mut slot.key, cx.waker()) {
                    if self.is_cancelled() {
                        return Poll::Ready(()); // `slot` is given back here
                    }
                    *waiting = Waiting::Slot(slot);
                    return Poll::Pending;
                }
                // Drained for good: wait on the token's event instead.
            }
        }
        let mut listener = match core::mem::take(waiting) {
            Waiting::Listener(listener) => Some(listener),
            _ => None,
        };
        let poll = self.poll_cancelled(&mut listener, cx);
        if let Some(listener) = listener {
            *waiting = Waiting::Listener(listener);
        }
        poll
    }

    /// How many children the registry holds (tests only).
    #[cfg(all(test, not(loom), feature = "std"))]
    fn registered_children(&self) -> usize {
        self.node.children.with(|children| children.len())
    }
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for CancelToken {
    fn clone(&self) -> Self {
        // Relaxed: `self` keeps `refs` above zero, as for `Arc::clone`; nothing to publish.
        let old = self.node.refs.fetch_add(1, Ordering::Relaxed);
        // Never wrap: the count would need more handles than fit in memory.
        assert!(old < usize::MAX / 2, "CancelToken: too many handles");
        Self { node: Arc::clone(&self.node) }
    }
}

impl Drop for CancelToken {
    fn drop(&mut self) {
        // AcqRel: see `Node::drain_children`; the last handle unregisters the node.
        if self.node.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            release(Arc::clone(&self.node));
        }
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = self.reason();
        f.debug_struct("CancelToken")
            .field("cancelled", &reason.is_some())
            .field("reason", &reason)
            .finish()
    }
}

/// A handle to a [`CancelToken`] that does not keep it in use: made by
/// [`CancelToken::downgrade`]. The token is in use while a [`CancelToken`] handle of it, or
/// a child token, lives.
///
/// # Examples
///
/// A bridge from a foreign cancellation signal (here a channel closing) that ends with the
/// token, whichever ends first:
///
/// ```
/// use errgroup::{CancelReason, CancelToken};
/// use futures_util::future::{Either, select};
///
/// # futures_executor::block_on(async {
/// let token = CancelToken::new();
/// let (stop, stopped) = futures_channel::oneshot::channel::<()>();
/// let weak = token.downgrade();
/// let bridge = async move {
///     match select(stopped, weak.ended()).await {
///         Either::Left(_) => {
///             if let Some(token) = weak.upgrade() {
///                 token.cancel_with(CancelReason::Parent);
///             }
///         }
///         Either::Right(_) => {} // the token ended first: nothing to do
///     }
/// };
/// drop(stop);
/// bridge.await;
/// assert_eq!(token.reason(), Some(CancelReason::Parent));
/// # });
/// ```
#[derive(Clone)]
pub struct WeakCancelToken {
    /// The node, kept allocated but not counted in `refs`.
    node: Arc<Node>,
}

impl WeakCancelToken {
    /// A handle to the token, if it is still in use; `None` once every handle and child is
    /// gone (it can no longer be in use: nothing could observe a cancellation).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::CancelToken;
    ///
    /// let token = CancelToken::new();
    /// let weak = token.downgrade();
    /// let child = token.child();
    /// drop(token);
    /// // A child keeps its parent in use: the weak handle can still cancel it.
    /// weak.upgrade().unwrap().cancel();
    /// assert!(child.is_cancelled());
    /// drop(child);
    /// assert!(weak.upgrade().is_none()); // nobody holds it any more
    /// ```
    pub fn upgrade(&self) -> Option<CancelToken> {
        // Zero is final (see the module invariants): count a new handle in only while
        // another one keeps the count above zero. Relaxed, as for `Clone`.
        self.node
            .refs
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |refs| {
                (refs != 0).then(|| refs + 1)
            })
            .ok()
            .map(|_| CancelToken { node: Arc::clone(&self.node) })
    }

    /// Resolves when the token is cancelled, with its [`Cause`], or goes out of use, with
    /// `None`, whichever comes first.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, CancelToken};
    ///
    /// let token = CancelToken::new();
    /// let weak = token.downgrade();
    /// token.cancel_with(CancelReason::Timeout);
    /// let cause = futures_executor::block_on(weak.ended()).unwrap();
    /// assert_eq!(cause.reason(), CancelReason::Timeout);
    /// ```
    pub fn ended(&self) -> Ended {
        Ended { node: Arc::clone(&self.node), listener: None }
    }
}

impl fmt::Debug for WeakCancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakCancelToken")
            .field("reason", &self.node.reason())
            .field("in_use", &(self.node.refs.load(Ordering::Relaxed) != 0))
            .finish()
    }
}

/// Future returned by [`WeakCancelToken::ended`]: the token's cause once it is cancelled,
/// or `None` once it is out of use.
///
/// # Examples
///
/// ```
/// use errgroup::{CancelToken, future::Ended};
///
/// let token = CancelToken::new();
/// let ended: Ended = token.downgrade().ended();
/// drop(token); // out of use, never cancelled
/// assert!(futures_executor::block_on(ended).is_none());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Ended {
    node: Arc<Node>,
    listener: Option<EventListener>,
}

impl Future for Ended {
    type Output = Option<Cause>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Cause>> {
        let Self { node, listener } = self.get_mut();
        node.poll_until(listener, cx, || {
            if node.reason().is_some() {
                return Some(node.cause());
            }
            // SeqCst: read after registering the listener, as the state is (see the module
            // invariants); the last handle's drop notifies after its decrement.
            (node.refs.load(Ordering::SeqCst) == 0).then_some(None)
        })
    }
}

impl fmt::Debug for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ended").field("reason", &self.node.reason()).finish_non_exhaustive()
    }
}

/// Future returned by [`CancelToken::cancelled`]: resolves when the token is cancelled.
///
/// # Examples
///
/// ```
/// use errgroup::{CancelToken, future::Cancelled};
///
/// let token = CancelToken::new();
/// token.cancel();
/// let cancelled: Cancelled<'_> = token.cancelled();
/// futures_executor::block_on(cancelled); // ready at once
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it loses nothing.
#[must_use = "futures do nothing unless polled"]
pub struct Cancelled<'a> {
    token: &'a CancelToken,
    waiting: Waiting,
}

impl Future for Cancelled<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.token.poll_waiting(&mut this.waiting, cx)
    }
}

impl fmt::Debug for Cancelled<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cancelled").field("token", self.token).finish_non_exhaustive()
    }
}

/// Future returned by [`CancelToken::cancelled_owned`]: owns a clone of the token and
/// resolves when it is cancelled.
///
/// # Examples
///
/// ```
/// use errgroup::{CancelToken, future::CancelledOwned};
///
/// let token = CancelToken::new();
/// let cancelled: CancelledOwned = token.cancelled_owned(); // 'static: can move into a thread
/// let waiter = std::thread::spawn(move || futures_executor::block_on(cancelled));
/// token.cancel();
/// waiter.join().unwrap();
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it loses nothing.
#[must_use = "futures do nothing unless polled"]
pub struct CancelledOwned {
    token: CancelToken,
    waiting: Waiting,
}

impl Future for CancelledOwned {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.token.poll_waiting(&mut this.waiting, cx)
    }
}

impl fmt::Debug for CancelledOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelledOwned").field("token", &self.token).finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom), feature = "std"))]
#[allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;
    use std::task::{Wake, Waker};
    use std::thread;

    struct CountingWaker(StdAtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (std::sync::Arc<CountingWaker>, Waker) {
        let counter = std::sync::Arc::new(CountingWaker(StdAtomicUsize::new(0)));
        let waker = Waker::from(std::sync::Arc::clone(&counter));
        (counter, waker)
    }

    #[test]
    fn a_weak_handle_ends_when_the_last_handle_or_child_goes() {
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let token = CancelToken::new();
        let weak = token.downgrade();
        let child = token.child();
        let mut ended = weak.ended();
        assert!(Pin::new(&mut ended).poll(&mut cx).is_pending());
        let clone = weak.upgrade().expect("in use");
        drop(clone);
        drop(token);
        // The child still depends on it: a cancel would still reach it.
        assert!(Pin::new(&mut ended).poll(&mut cx).is_pending());
        assert!(weak.upgrade().is_some());
        drop(child);
        assert!(counter.0.load(Ordering::SeqCst) >= 1, "the last drop wakes `ended`");
        assert_eq!(Pin::new(&mut ended).poll(&mut cx), Poll::Ready(None));
        assert!(weak.upgrade().is_none(), "zero is final");
        assert_eq!(alloc::format!("{:?}", weak.ended()), "Ended { reason: None, .. }");
        assert_eq!(alloc::format!("{weak:?}"), "WeakCancelToken { reason: None, in_use: false }");
    }

    #[test]
    fn a_token_cancelled_as_parent_by_hand_has_its_own_cause() {
        let parent = CancelToken::new();
        let child = parent.child();
        child.cancel_with_cause(Cause::new(CancelReason::Parent).with_message("from outside"));
        assert!(!parent.is_cancelled());
        let cause = child.cause().expect("cancelled, so it has a cause");
        assert_eq!((cause.reason(), cause.message()), (CancelReason::Parent, Some("from outside")));
        let bare = parent.child();
        bare.cancel_with(CancelReason::Parent);
        assert_eq!(bare.cause(), Some(Cause::new(CancelReason::Parent)));
        let weak = bare.downgrade();
        assert_eq!(block_on_ready(weak.ended()), Some(Cause::new(CancelReason::Parent)));
    }

    #[test]
    fn a_weak_handle_ends_with_the_cause_where_the_cancel_started() {
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let parent = CancelToken::new();
        let token = parent.child();
        let weak = token.downgrade();
        let mut ended = weak.ended();
        assert!(Pin::new(&mut ended).poll(&mut cx).is_pending());
        parent.cancel_with_cause(Cause::new(CancelReason::Explicit).with_message("deploy"));
        assert!(counter.0.load(Ordering::SeqCst) >= 1, "the cancel wakes `ended`");
        let Poll::Ready(Some(cause)) = Pin::new(&mut ended).poll(&mut cx) else {
            panic!("ended with the cancel")
        };
        assert_eq!((cause.reason(), cause.message()), (CancelReason::Explicit, Some("deploy")));
        // Cancelled, then out of use: still the cause.
        drop(token);
        assert_eq!(
            block_on_ready(weak.ended()).map(|cause| cause.reason()),
            Some(CancelReason::Explicit)
        );
    }

    /// Polls `future` once, which must be ready.
    fn block_on_ready<F: Future>(future: F) -> F::Output {
        let mut future = core::pin::pin!(future);
        match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("not ready"),
        }
    }

    fn wakes(counter: &CountingWaker) -> usize {
        counter.0.load(Ordering::SeqCst)
    }

    #[test]
    fn cancel_returns_true_only_for_the_first_call() {
        let token = CancelToken::new();
        let clone = token.clone();
        assert!(token.cancel());
        assert!(!token.cancel());
        assert!(!clone.cancel());
        assert!(!clone.cancel_with(CancelReason::Error));
    }

    #[test]
    fn first_reason_sticks() {
        let token = CancelToken::new();
        assert_eq!(token.reason(), None);
        assert!(token.cancel_with(CancelReason::Panic));
        token.cancel();
        token.cancel_with(CancelReason::Timeout);
        assert_eq!(token.reason(), Some(CancelReason::Panic));
        assert_eq!(
            std::format!("{token:?}"),
            "CancelToken { cancelled: true, reason: Some(Panic) }"
        );
    }

    #[test]
    fn cancelled_future_ready_when_already_cancelled() {
        let token = CancelToken::new();
        token.cancel();
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(Pin::new(&mut token.cancelled()).poll(&mut cx), Poll::Ready(()));
        assert_eq!(Pin::new(&mut token.cancelled_owned()).poll(&mut cx), Poll::Ready(()));
        assert_eq!(wakes(&counter), 0);
    }

    #[test]
    fn cancelled_future_woken_by_cancel() {
        let token = CancelToken::new();
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut fut = token.cancelled();
        let mut owned = token.cancelled_owned();
        assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Pending);
        assert_eq!(Pin::new(&mut owned).poll(&mut cx), Poll::Pending);
        assert_eq!(wakes(&counter), 0);
        token.cancel();
        assert_eq!(wakes(&counter), 2);
        assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Ready(()));
        assert_eq!(Pin::new(&mut owned).poll(&mut cx), Poll::Ready(()));
    }

    #[test]
    fn child_cancelled_by_parent_with_reason_parent() {
        let parent = CancelToken::new();
        let child = parent.child();
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut fut = child.cancelled();
        assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Pending);
        parent.cancel_with(CancelReason::Error);
        assert_eq!(wakes(&counter), 1);
        assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Ready(()));
        assert_eq!(parent.reason(), Some(CancelReason::Error));
        assert_eq!(child.reason(), Some(CancelReason::Parent));
        assert_eq!(parent.registered_children(), 0);
    }

    #[test]
    fn child_of_cancelled_parent_is_cancelled_at_creation() {
        let parent = CancelToken::new();
        parent.cancel();
        let child = parent.child();
        assert_eq!(child.reason(), Some(CancelReason::Parent));
        assert_eq!(parent.registered_children(), 0);
    }

    #[test]
    fn cancelling_child_does_not_cancel_parent() {
        let parent = CancelToken::new();
        let child = parent.child();
        let sibling = parent.child();
        assert!(child.cancel());
        assert!(!parent.is_cancelled());
        assert!(!sibling.is_cancelled());
    }

    #[test]
    fn grandchildren_cancelled() {
        let root = CancelToken::new();
        let child = root.child();
        let grandchild = child.child();
        // Intermediate handles dropped: the chain must still reach the leaf.
        let leaf = {
            let middle = grandchild.child();
            middle.child()
        };
        drop(child);
        root.cancel();
        assert_eq!(grandchild.reason(), Some(CancelReason::Parent));
        assert_eq!(leaf.reason(), Some(CancelReason::Parent));
    }

    #[test]
    fn deep_chain_cancels_and_drops_without_recursion() {
        let depth = if cfg!(miri) { 1_000 } else { 100_000 };
        let root = CancelToken::new();
        let mut leaf = root.child();
        for _ in 0..depth {
            leaf = leaf.child();
        }
        root.cancel();
        assert_eq!(leaf.reason(), Some(CancelReason::Parent));
        drop(leaf);
        // And uncancelled: the last leaf's drop unregisters the whole chain.
        let mut leaf = root.child();
        let other = CancelToken::new();
        let mut leaf2 = other.child();
        for _ in 0..depth {
            leaf = leaf.child();
            leaf2 = leaf2.child();
        }
        drop(leaf2);
        assert_eq!(other.registered_children(), 0);
        drop(leaf);
    }

    #[test]
    fn a_cancelled_child_with_children_leaves_its_parents_registry_with_its_last_handle() {
        let parent = CancelToken::new();
        let child = parent.child();
        let grandchild = child.child();
        child.cancel();
        assert_eq!(grandchild.reason(), Some(CancelReason::Parent));
        assert_eq!(parent.registered_children(), 1);
        drop(child);
        assert_eq!(parent.registered_children(), 0, "a long-lived parent must not grow");
        drop(grandchild);
        assert_eq!(parent.node.refs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_cancelled_futures_show_their_token() {
        let token = CancelToken::new();
        assert!(
            std::format!("{:?}", token.cancelled()).starts_with("Cancelled { token: CancelToken")
        );
        assert!(
            std::format!("{:?}", token.cancelled_owned())
                .starts_with("CancelledOwned { token: CancelToken")
        );
    }

    #[test]
    fn dropped_children_do_not_leak() {
        let n = if cfg!(miri) { 200 } else { 10_000 };
        let parent = CancelToken::new();
        for _ in 0..n {
            let child = parent.child();
            let clone = child.clone();
            let grandchild = clone.child();
            drop(child);
            drop(clone);
            assert_eq!(parent.registered_children(), 1);
            drop(grandchild);
        }
        assert_eq!(parent.registered_children(), 0);
        let kept = parent.child();
        assert_eq!(parent.registered_children(), 1);
        drop(kept);
        assert_eq!(parent.registered_children(), 0);
        assert_eq!(parent.node.refs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn poll_cancelled_reuses_its_listener() {
        let token = CancelToken::new();
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut listener = None;
        for _ in 0..5 {
            assert_eq!(token.poll_cancelled(&mut listener, &mut cx), Poll::Pending);
            assert!(listener.is_some());
            // One listener on the event, however many polls.
            assert_eq!(token.node.event.total_listeners(), 1);
        }
        token.cancel();
        assert_eq!(wakes(&counter), 1);
        assert_eq!(token.poll_cancelled(&mut listener, &mut cx), Poll::Ready(()));
        assert!(listener.is_none());
    }

    #[test]
    fn child_created_concurrently_with_cancel_is_cancelled() {
        let rounds = if cfg!(miri) { 10 } else { 1_000 };
        for _ in 0..rounds {
            let parent = CancelToken::new();
            let barrier = std::sync::Arc::new(Barrier::new(2));
            let canceller = {
                let parent = parent.clone();
                let barrier = std::sync::Arc::clone(&barrier);
                thread::spawn(move || {
                    barrier.wait();
                    parent.cancel();
                })
            };
            barrier.wait();
            let children: std::vec::Vec<_> = (0..4).map(|_| parent.child()).collect();
            canceller.join().unwrap();
            for child in &children {
                assert_eq!(child.reason(), Some(CancelReason::Parent));
            }
            assert_eq!(parent.registered_children(), 0);
        }
    }

    #[test]
    fn cancel_wakes_a_blocked_thread() {
        let token = CancelToken::new();
        let waiter = {
            let token = token.clone();
            thread::spawn(move || futures_executor::block_on(token.cancelled_owned()))
        };
        token.cancel();
        waiter.join().unwrap();
    }

    #[test]
    fn types_are_send_sync_unpin() {
        fn check<T: Send + Sync + Unpin>() {}
        check::<CancelToken>();
        check::<Cancelled<'static>>();
        check::<CancelledOwned>();
        check::<CancelReason>();
    }
}
