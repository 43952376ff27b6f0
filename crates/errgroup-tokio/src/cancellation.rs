//! Bridges between errgroup's [`CancelToken`] and tokio-util's [`CancellationToken`], both
//! ways (feature `tokio-util`).
//!
//! Each bridge is a small task on the current runtime. It ends when its source is
//! cancelled (then it cancels the token it feeds), when the token it feeds is cancelled
//! (by anyone), and when the errgroup token on either side goes out of use (no handle or
//! child of it left: nothing could see a cancellation any more). A tokio-util token that is
//! merely dropped cannot be seen (it has no weak handle): a bridge from an errgroup token to
//! a tokio-util one lives as long as its errgroup source, uncancelled, does. Make that
//! bridge once per source, or cancel the tokio-util token when you are done with it.

use core::{
    future::{Future, poll_fn},
    pin::pin,
    task::Poll,
};

use errgroup::{CancelReason, CancelToken, Cause};
use tokio_util::sync::CancellationToken;

/// The cause of a cancellation that came from a tokio-util token.
fn from_tokio_cause() -> Cause {
    Cause::new(CancelReason::Parent).with_message("a tokio-util CancellationToken was cancelled")
}

/// Runs `wanted` and `other` together: `Some` with `wanted`'s output if it finishes first
/// (both polled in the same round count as `wanted` first), `None` if `other` does.
async fn first_of<W: Future, O: Future>(wanted: W, other: O) -> Option<W::Output> {
    let (mut wanted, mut other) = (pin!(wanted), pin!(other));
    poll_fn(|cx| match wanted.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(Some(output)),
        Poll::Pending => other.as_mut().poll(cx).map(|_| None),
    })
    .await
}

/// Turns a tokio-util [`CancellationToken`] into errgroup's [`CancelToken`].
///
/// # Examples
///
/// ```
/// use errgroup_tokio::CancellationTokenExt;
/// use tokio_util::sync::CancellationToken;
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let shutdown = CancellationToken::new();
///     let token = shutdown.to_cancel_token();
///     assert!(!token.is_cancelled());
///     shutdown.cancel();
///     token.cancelled().await; // the bridge task passes it on
///     assert!(token.is_cancelled());
/// });
/// ```
pub trait CancellationTokenExt {
    /// A [`CancelToken`] cancelled when this token is, with reason
    /// [`CancelReason::Parent`] and a message saying where it came from: what
    /// [`Builder::child_of`](errgroup::Builder::child_of) takes, to stop a group when an
    /// application's shutdown token fires. Cancelling the new token does not cancel this
    /// one (as with a child token).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_tokio::{
    ///     CancellationTokenExt, Spawner,
    ///     errgroup::{CancelReason, ErrGroup},
    /// };
    /// use tokio_util::sync::CancellationToken;
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// runtime.block_on(async {
    ///     let shutdown = CancellationToken::new();
    ///     let group = ErrGroup::<(), _>::builder()
    ///         .child_of(&shutdown.to_cancel_token())
    ///         .spawner(Spawner::current());
    ///     let token = group.token();
    ///     group.try_spawn(std::future::pending()).unwrap(); // until cancelled
    ///     shutdown.cancel();
    ///     group.await.unwrap(); // a discarding group stopped from outside: `Ok`
    ///     let cause = token.cause().unwrap();
    ///     assert_eq!(cause.reason(), CancelReason::Parent);
    ///     assert_eq!(cause.message(), Some("a tokio-util CancellationToken was cancelled"));
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime (the bridge is a task on it), unless this token is already
    /// cancelled.
    fn to_cancel_token(&self) -> CancelToken;
}

impl CancellationTokenExt for CancellationToken {
    #[track_caller]
    fn to_cancel_token(&self) -> CancelToken {
        let token = CancelToken::new();
        if self.is_cancelled() {
            token.cancel_with_cause(from_tokio_cause());
            return token;
        }
        let (source, weak) = (self.clone(), token.downgrade());
        tokio::spawn(async move {
            // The token fed ended first (cancelled, or out of use): nothing to do.
            if first_of(source.cancelled(), weak.ended()).await.is_some() {
                if let Some(token) = weak.upgrade() {
                    token.cancel_with_cause(from_tokio_cause());
                }
            }
        });
        token
    }
}

/// Turns errgroup's [`CancelToken`] into a tokio-util [`CancellationToken`].
///
/// # Examples
///
/// ```
/// use errgroup_tokio::{CancelTokenExt, errgroup::CancelToken};
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let token = CancelToken::new();
///     let tokio_token = token.to_cancellation_token();
///     assert!(token.cancel());
///     tokio_token.cancelled().await; // the bridge task passes it on
///     assert!(tokio_token.is_cancelled());
/// });
/// ```
pub trait CancelTokenExt {
    /// A [`CancellationToken`] cancelled when this token is: to hand a group's
    /// cancellation to code that takes tokio-util's token (a server's graceful shutdown,
    /// `run_until_cancelled`). Cancelling the new token does not cancel this one.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_tokio::CancelTokenExt;
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// runtime.block_on(async {
    ///     let group = errgroup_tokio::group();
    ///     let stop = group.token().to_cancellation_token();
    ///     group
    ///         .try_spawn(async move {
    ///             // Code that speaks tokio-util: stops when a sibling fails.
    ///             stop.run_until_cancelled(std::future::pending::<()>()).await;
    ///             Ok(())
    ///         })
    ///         .unwrap();
    ///     group.try_spawn(async { Err("backend down") }).unwrap();
    ///     assert_eq!(group.await, Err("backend down"));
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime (the bridge is a task on it), unless this token is already
    /// cancelled.
    fn to_cancellation_token(&self) -> CancellationToken;
}

impl CancelTokenExt for CancelToken {
    #[track_caller]
    fn to_cancellation_token(&self) -> CancellationToken {
        let token = CancellationToken::new();
        if self.is_cancelled() {
            token.cancel();
            return token;
        }
        let (target, ended) = (token.clone(), self.downgrade().ended());
        tokio::spawn(async move {
            // `Some(Some(cause))`: the source was cancelled before the target was. `None`
            // (the target cancelled by someone else) and `Some(None)` (the source out of
            // use): nothing to do.
            if let Some(Some(_)) = first_of(ended, target.cancelled()).await {
                target.cancel();
            }
        });
        token
    }
}
