//! [`Feeder`]: a handle that keeps its group open while it lives, so that a producer can
//! feed a group whose results are being consumed.
//!
//! # Invariants
//!
//! - The group's count of open feeders only rises from zero before its waiting starts: a
//!   first feeder is made from the group itself ([`ErrGroup::feeder`], which a waiting
//!   form consumes), and every other one is a clone of an open one. So a waiter that finds
//!   no feeder open never sees one appear.
//! - A waiter registers, then looks at the count; a feeder closing takes the count down,
//!   then wakes the waiter ([`Shared::close_feeder`] and `wait::poll_finished`): either the
//!   waiter sees the count at zero, or the wake finds its waker.
//!
//! [`ErrGroup::feeder`]: crate::ErrGroup::feeder
//! [`Shared::close_feeder`]: crate::shared::Shared

use core::{fmt, ops::Deref, panic::Location};

use crate::{handle::GroupHandle, mode::Mode, results::Results};

/// A handle that keeps its group open: while a feeder lives, the group does not finish
/// when it runs out of tasks, so a producer can spawn into a group whose results are being
/// consumed (`into_stream`, `wait`). Dropping it, or [`close`](Self::close), lets the group
/// finish once its tasks have. Made by [`ErrGroup::feeder`](crate::ErrGroup::feeder);
/// spawn through it as through a [`GroupHandle`] (it derefs to one).
///
/// A plain [`GroupHandle`] does not keep its group open: that is Go's rule (add before
/// `Wait`), and what lets a task hold a handle to its own group without the group waiting
/// for itself. A feeder is the opt-in, as `close` is in tokio-util's `TaskTracker`.
///
/// A feeder never keeps a cancelled group open: a failure (fail-fast), a cancel, a parent
/// or a timeout ends the wait once the tasks are gone, and the feeder's next spawn is
/// refused. A feeder that is never dropped keeps an uncancelled group waiting: bound the
/// wait (`wait_timeout`, `wait_until`), and [`GroupHandle::open_feeders`] says where each
/// feeder still open was made.
///
/// # Examples
///
/// A producer feeds a group while the caller streams its results:
///
/// ```
/// use errgroup::ErrGroup;
/// use futures_util::{StreamExt, future::join};
///
/// # futures_executor::block_on(async {
/// let group = ErrGroup::<(), _>::builder().collect().inline();
/// let feeder = group.feeder();
/// let produce = async move {
///     for n in 1..=3u32 {
///         feeder.spawn(async move { Ok(n * 10) }).await.unwrap();
///     }
///     // `feeder` is dropped here: the group may finish.
/// };
/// let consume = group.into_stream().map(Result::unwrap).collect::<Vec<u32>>();
/// let ((), mut values) = join(produce, consume).await;
/// values.sort();
/// assert_eq!(values, [10, 20, 30]);
/// # });
/// ```
pub struct Feeder<E, M: Mode, R: Results> {
    handle: GroupHandle<E, M, R>,
    /// Where it was made, for [`GroupHandle::open_feeders`].
    site: &'static Location<'static>,
}

impl<E, M: Mode, R: Results> Feeder<E, M, R> {
    /// Opens a feeder of `handle`'s group, made at `site`.
    pub(crate) fn open(handle: GroupHandle<E, M, R>, site: &'static Location<'static>) -> Self {
        handle.shared.open_feeder(site);
        Self { handle, site }
    }

    /// Closes the feeder: the group may finish once its tasks have (and every other
    /// feeder is closed). The same as dropping it.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// let feeder = group.feeder();
    /// feeder.try_spawn(async { Ok(()) }).unwrap();
    /// feeder.close();
    /// futures_executor::block_on(group.wait()).unwrap();
    /// ```
    pub fn close(self) {
        drop(self);
    }

    /// A plain handle to the same group, which does not keep it open.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// let feeder = group.feeder();
    /// let handle = feeder.handle();
    /// drop(feeder);
    /// futures_executor::block_on(group.wait()).unwrap(); // `handle` does not hold it
    /// assert!(handle.try_spawn(async { Ok(()) }).is_err()); // finished
    /// ```
    pub fn handle(&self) -> GroupHandle<E, M, R> {
        self.handle.clone()
    }
}

impl<E, M: Mode, R: Results> Clone for Feeder<E, M, R> {
    /// Another feeder of the same group, made here: the group stays open until both are
    /// closed.
    #[track_caller]
    fn clone(&self) -> Self {
        Self::open(self.handle.clone(), Location::caller())
    }
}

impl<E, M: Mode, R: Results> Drop for Feeder<E, M, R> {
    fn drop(&mut self) {
        if self.handle.shared.close_feeder(self.site) {
            M::wake_waiter(&self.handle.shared.waiter, &self.handle.mode);
        }
    }
}

impl<E, M: Mode, R: Results> Deref for Feeder<E, M, R> {
    type Target = GroupHandle<E, M, R>;

    fn deref(&self) -> &GroupHandle<E, M, R> {
        &self.handle
    }
}

impl<E, M: Mode, R: Results> fmt::Debug for Feeder<E, M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Feeder").field("made_at", &self.site).field("group", &self.handle).finish()
    }
}
