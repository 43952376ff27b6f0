//! The `tracing` feature: a span per task, carrying its group's id and name and its own id
//! and name, entered around each poll; an event for each failure, panic, loss,
//! cancellation and timeout. Without the feature every item here is a zero-sized no-op,
//! so the hot path carries no trace of it.

#[cfg(feature = "tracing")]
mod on {
    use crate::{
        id::{Label, TaskInfo, TaskName},
        sync::{Ordering, StaticAtomicUsize},
        token::CancelReason,
    };

    /// Numbers groups, for their spans, in order of creation.
    static NEXT_GROUP: StaticAtomicUsize = StaticAtomicUsize::new(0);

    /// A task with a handle ended (`kind`: succeeded, failed, panicked, ...) and its outcome
    /// went to the handle, not the group; inside the task's span.
    pub(crate) fn handed_to_handle(kind: &'static str) {
        tracing::debug!(outcome = kind, "errgroup: task ended; its outcome went to its handle");
    }

    /// A group, as its tasks' spans name it.
    pub(crate) struct GroupTrace {
        id: usize,
        name: Option<TaskName>,
    }

    impl GroupTrace {
        pub(crate) fn new(name: Option<&TaskName>) -> Self {
            // Relaxed: only unique.
            Self { id: NEXT_GROUP.fetch_add(1, Ordering::Relaxed), name: name.cloned() }
        }

        /// The span of this group's task `index`, labelled `label`.
        pub(crate) fn task<L: Label>(&self, index: usize, label: &L) -> Span {
            let name = label.name();
            Span(tracing::debug_span!(
                "errgroup.task",
                group = self.id,
                group.name = self.name.as_deref(),
                task = index,
                task.name = name.as_deref(),
            ))
        }

        /// Task `task` was dropped inside its spawner's `spawn`, which accepted it: lost.
        pub(crate) fn lost_in_spawn(&self, task: &TaskInfo) {
            tracing::error!(
                group = self.id,
                group.name = self.name.as_deref(),
                task = task.id().index(),
                task.name = task.name(),
                "errgroup: task lost: its spawner dropped it inside `spawn`"
            );
        }

        /// The group's waiter gave up: its timer fired with `running` tasks unfinished.
        pub(crate) fn timed_out(&self, running: usize) {
            tracing::warn!(
                group = self.id,
                group.name = self.name.as_deref(),
                running,
                "errgroup: the group timed out; its running tasks are cancelled"
            );
        }

        /// A graceful shutdown began with `running` tasks: they are told to stop.
        pub(crate) fn shutting_down(&self, running: usize) {
            tracing::info!(
                group = self.id,
                group.name = self.name.as_deref(),
                running,
                "errgroup: the group is shutting down; its running tasks are told to stop"
            );
        }

        /// A graceful shutdown's grace period ended with `running` tasks unfinished.
        pub(crate) fn grace_expired(&self, running: usize) {
            tracing::warn!(
                group = self.id,
                group.name = self.name.as_deref(),
                running,
                "errgroup: the grace period is over; the tasks still running are dropped"
            );
        }
    }

    /// A task's span.
    pub(crate) struct Span(tracing::Span);

    impl Span {
        /// Enters the span until the guard is dropped.
        pub(crate) fn enter(&self) -> tracing::span::Entered<'_> {
            self.0.enter()
        }

        pub(crate) fn failed(&self) {
            tracing::event!(parent: &self.0, tracing::Level::WARN, "errgroup: task failed");
        }

        #[cfg(feature = "std")]
        pub(crate) fn panicked(&self, payload: &(dyn core::any::Any + Send)) {
            let panic = payload
                .downcast_ref::<&'static str>()
                .copied()
                .or_else(|| payload.downcast_ref::<alloc::string::String>().map(|s| s.as_str()))
                .unwrap_or("(a payload that is not a string)");
            tracing::event!(parent: &self.0, tracing::Level::ERROR, panic, "errgroup: task panicked");
        }

        pub(crate) fn lost(&self) {
            tracing::event!(
                parent: &self.0,
                tracing::Level::ERROR,
                "errgroup: task lost: its executor dropped it before it finished"
            );
        }

        pub(crate) fn cancelled(&self, reason: Option<CancelReason>) {
            let reason = reason.map(tracing::field::display);
            tracing::event!(parent: &self.0, tracing::Level::DEBUG, reason, "errgroup: task cancelled");
        }
    }
}

#[cfg(not(feature = "tracing"))]
mod off {
    use crate::{
        id::{Label, TaskInfo, TaskName},
        token::CancelReason,
    };

    #[inline(always)]
    pub(crate) const fn handed_to_handle(_: &'static str) {}

    /// Nothing to trace.
    pub(crate) struct GroupTrace;

    impl GroupTrace {
        #[inline(always)]
        pub(crate) const fn new(_: Option<&TaskName>) -> Self {
            Self
        }

        #[inline(always)]
        pub(crate) const fn task<L: Label>(&self, _: usize, _: &L) -> Span {
            Span
        }

        #[inline(always)]
        pub(crate) const fn lost_in_spawn(&self, _: &TaskInfo) {}

        #[inline(always)]
        pub(crate) const fn timed_out(&self, _: usize) {}

        #[inline(always)]
        pub(crate) const fn shutting_down(&self, _: usize) {}

        #[inline(always)]
        pub(crate) const fn grace_expired(&self, _: usize) {}
    }

    /// Zero-sized: a task without the feature carries no span.
    pub(crate) struct Span;

    /// What entering no span gives: nothing to exit.
    pub(crate) struct Entered;

    impl Span {
        #[inline(always)]
        pub(crate) const fn enter(&self) -> Entered {
            Entered
        }

        #[inline(always)]
        pub(crate) const fn failed(&self) {}

        #[cfg(feature = "std")]
        #[inline(always)]
        pub(crate) const fn panicked(&self, _: &(dyn core::any::Any + Send)) {}

        #[inline(always)]
        pub(crate) const fn lost(&self) {}

        #[inline(always)]
        pub(crate) const fn cancelled(&self, _: Option<CancelReason>) {}
    }
}

#[cfg(not(feature = "tracing"))]
pub(crate) use off::{GroupTrace, Span, handed_to_handle};
#[cfg(feature = "tracing")]
pub(crate) use on::{GroupTrace, Span, handed_to_handle};
