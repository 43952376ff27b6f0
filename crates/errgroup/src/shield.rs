//! What a task may ask of its group's cancellation, per task: to be signalled rather than
//! dropped ([`TaskBuilder::cooperative`](crate::TaskBuilder::cooperative)), and to finish a
//! critical section before it is dropped ([`Shield`]).
//!
//! Both travel in the task's label ([`Controlled`]), so a task that asks for neither
//! carries nothing and pays nothing: its group learns by type whether any task may be
//! spared ([`Label::SPARABLE`]).

use core::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use pin_project_lite::pin_project;

use crate::{
    id::{Label, TaskName},
    sync::{Arc, AtomicBool, AtomicUsize, Ordering},
};

/// Defers the drop of a task while it is inside a critical section: a flush, a commit, a
/// reply half written. Attach it to the task with
/// [`TaskBuilder::shield`](crate::TaskBuilder::shield), and wrap each section in
/// [`protect`](Self::protect).
///
/// While a section runs, a cancellation of the group (its first failure, `cancel`, a
/// parent token) does not drop the task: the section runs to its end, and the task is
/// dropped at its next poll after it, which the section's end arranges. So outside a
/// graceful shutdown a section is bounded by nothing but itself: a fail-fast cancel has no
/// deadline, and [`wait_timeout`](crate::ErrGroup::wait_timeout) waits for the section
/// as it waits for a cooperative task. What does end a section early:
///
/// - the end of a [`shutdown`](crate::ErrGroup::shutdown)'s grace period (or dropping the
///   shutdown): every task left is dropped, shielded or not;
/// - dropping the group unwaited, which cannot wait for anything, for an inline group: it
///   drops its tasks with it, sections included. A task on an executor is woken, finishes
///   its section if its executor keeps polling it, and is dropped at its next poll after.
///
/// Outside a section the task is dropped as usual. A shield belongs to one task, and its
/// sections run inside that task's future: a section run elsewhere (another task, another
/// thread) would protect the task while it runs, but its end would wake the wrong task.
///
/// # Examples
///
/// ```
/// use errgroup::{CancelReason, ErrGroup, Outcome, Shield};
/// use futures_util::future::poll_fn;
/// use std::task::Poll;
///
/// # futures_executor::block_on(async {
/// let mut group = ErrGroup::builder().collect().inline();
/// let shield = Shield::new();
/// group.task().shield(&shield).try_spawn(async move {
///     // A section that takes two polls, the second after the group is cancelled.
///     let mut polls = 0;
///     shield.protect(poll_fn(|cx| {
///         polls += 1;
///         if polls == 2 { return Poll::Ready(()) }
///         cx.waker().wake_by_ref();
///         Poll::Pending
///     })).await;
///     std::future::pending::<()>().await; // not shielded: dropped here
///     Ok("unreachable")
/// }).unwrap();
/// group.try_spawn(async { Err("boom") }).unwrap(); // cancels the group
/// let outcomes = group.wait_outcomes().await;
/// assert!(matches!(outcomes[0].1, Outcome::Cancelled(CancelReason::Error)));
/// # });
/// ```
#[derive(Clone, Default)]
pub struct Shield(Arc<ShieldState>);

#[derive(Default)]
struct ShieldState {
    /// How many protected sections are running.
    depth: AtomicUsize,
    /// A cancellation spared the task for a section: the last section to end wakes it.
    deferred: AtomicBool,
}

impl Shield {
    /// A shield with no section running.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::Shield;
    ///
    /// assert!(!Shield::new().is_active());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `section` shielded: from its first poll to its end, a cancellation of the group
    /// does not drop the task (see [`Shield`] for what still does).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Outcome, Shield};
    ///
    /// let mut group = ErrGroup::builder().collect().inline();
    /// let shield = Shield::new();
    /// let token = group.token();
    /// group.task().shield(&shield).try_spawn(async move {
    ///     let commit = shield.protect(async {
    ///         token.cancelled().await; // the group is cancelled mid-section...
    ///         "committed" // ...and the section still runs to its end
    ///     });
    ///     Ok(commit.await)
    /// }).unwrap();
    /// group.try_spawn(async { Err("boom") }).unwrap(); // cancels the group
    /// let outcomes = futures_executor::block_on(group.wait_outcomes());
    /// assert!(matches!(outcomes[0].1, Outcome::Succeeded("committed")));
    /// assert!(matches!(outcomes[1].1, Outcome::Failed("boom")));
    /// ```
    pub fn protect<F: Future>(&self, section: F) -> Protected<F> {
        Protected { section, shield: self.clone(), entered: false }
    }

    /// Whether a protected section is running.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::Shield;
    ///
    /// use std::{future::Future, pin::pin, task::{Context, Waker}};
    ///
    /// let shield = Shield::new();
    /// let mut section = pin!(shield.protect(std::future::pending::<()>()));
    /// let _ = section.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    /// assert!(shield.is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        self.0.depth.load(Ordering::Acquire) != 0
    }

    /// Asked when a cancellation would drop the task: `true` (and the task is woken when
    /// the section ends) if a section is running.
    fn spares(&self) -> bool {
        // Asked by the task's own poll, before or after its future's: never while one of
        // its sections runs, so the section cannot end in between.
        let active = self.is_active();
        if active {
            self.0.deferred.store(true, Ordering::Release);
        }
        active
    }

    fn enter(&self) {
        self.0.depth.fetch_add(1, Ordering::AcqRel);
    }

    /// Ends a section; `true` if it was the last one and a cancellation was deferred.
    fn exit(&self) -> bool {
        self.0.depth.fetch_sub(1, Ordering::AcqRel) == 1
            && self.0.deferred.swap(false, Ordering::AcqRel)
    }
}

impl fmt::Debug for Shield {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield").field("active", &self.is_active()).finish()
    }
}

pin_project! {
    /// A section run under a [`Shield`]: what [`Shield::protect`] returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{Shield, future::Protected};
    ///
    /// let shield = Shield::new();
    /// let section: Protected<_> = shield.protect(async { shield.is_active() });
    /// assert!(!shield.is_active()); // a section begins at its first poll,
    /// assert!(futures_executor::block_on(section)); // is active while it runs,
    /// assert!(!shield.is_active()); // and ends with it
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct Protected<F> {
        #[pin]
        section: F,
        shield: Shield,
        entered: bool,
    }

    impl<F> PinnedDrop for Protected<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if *this.entered {
                // Dropped inside the section: the task is being dropped, or its own code
                // gave the section up. Nothing is left to wake for.
                let _ = this.shield.exit();
            }
        }
    }
}

impl<F: Future> Future for Protected<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if !*this.entered {
            this.shield.enter();
            *this.entered = true;
        }
        let Poll::Ready(output) = this.section.poll(cx) else {
            return Poll::Pending;
        };
        *this.entered = false;
        if this.shield.exit() {
            // A cancellation waited for this section: have the task polled again, so that
            // it is dropped now rather than at whatever wakes it next.
            cx.waker().wake_by_ref();
        }
        Poll::Ready(output)
    }
}

impl<F> fmt::Debug for Protected<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Protected").field("running", &self.entered).finish_non_exhaustive()
    }
}

/// A task's label with what it asks of a cancellation: signalled rather than dropped,
/// or a shield. What [`TaskBuilder::cooperative`](crate::TaskBuilder::cooperative) and
/// [`TaskBuilder::shield`](crate::TaskBuilder::shield) make; `pub` only so that the
/// builder's type can name it.
#[derive(Clone, Debug)]
pub struct Controlled<L> {
    label: L,
    cooperative: bool,
    shield: Option<Shield>,
}

impl Controlled<()> {
    /// The same controls, for a task named `name`.
    pub(crate) fn named(self, name: TaskName) -> Controlled<TaskName> {
        Controlled { label: name, cooperative: self.cooperative, shield: self.shield }
    }
}

impl<L: Label> Controlled<L> {
    pub(crate) fn cooperative(mut self) -> Self {
        self.cooperative = true;
        self
    }

    pub(crate) fn shield(mut self, shield: &Shield) -> Self {
        self.shield = Some(shield.clone());
        self
    }
}

/// A label that can take controls: every label, without nesting them.
pub trait IntoControlled: Label {
    /// The label underneath.
    type Base: Label;

    /// This label, ready to take controls.
    fn into_controlled(self) -> Controlled<Self::Base>;
}

impl IntoControlled for () {
    type Base = ();

    fn into_controlled(self) -> Controlled<()> {
        Controlled { label: (), cooperative: false, shield: None }
    }
}

impl IntoControlled for TaskName {
    type Base = Self;

    fn into_controlled(self) -> Controlled<Self> {
        Controlled { label: self, cooperative: false, shield: None }
    }
}

impl<L: Label> IntoControlled for Controlled<L> {
    type Base = L;

    fn into_controlled(self) -> Self {
        self
    }
}

impl<L: Label> Label for Controlled<L> {
    const SPARABLE: bool = true;

    fn name(&self) -> Option<TaskName> {
        self.label.name()
    }

    fn take_name(&mut self) -> Option<TaskName> {
        self.label.take_name()
    }

    fn spared(&self) -> bool {
        // The shield first: a signalled task inside a section is woken at its end too.
        self.shield.as_ref().is_some_and(Shield::spares) || self.cooperative
    }
}
