//! Supervision helpers on [`CancelToken`]: a guard that cancels on drop, a future run
//! until the token is cancelled, and a future whose error or panic cancels the token.
//! What code that supervises tasks outside a group (or around one) writes by hand
//! otherwise; tokio-util's `CancellationToken` has the first two.

use core::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use event_listener::EventListener;
use pin_project_lite::pin_project;

use crate::token::{CancelReason, CancelToken, Cause};

impl CancelToken {
    /// A guard that cancels this token when it is dropped, unless it was
    /// [disarmed](CancelOnDrop::disarm) first: for a supervisor whose scope ends (or
    /// unwinds) while what it started must stop. The cause is
    /// [`CancelReason::Explicit`], with the message "its drop guard was dropped".
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::CancelToken;
    ///
    /// let token = CancelToken::new();
    /// {
    ///     let _guard = token.drop_guard();
    ///     // ... the work that must stop if this scope is left early ...
    /// }
    /// assert!(token.is_cancelled());
    /// assert_eq!(token.cause().unwrap().message(), Some("its drop guard was dropped"));
    ///
    /// let token = CancelToken::new();
    /// let guard = token.drop_guard();
    /// let _token = guard.disarm(); // finished normally: nothing to cancel
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn drop_guard(&self) -> CancelOnDrop {
        CancelOnDrop { token: Some(self.clone()) }
    }

    /// Runs `future` until this token is cancelled: `Some` with its output if it finished
    /// first, `None` if the token was cancelled first (the future is dropped then, when
    /// this future is). A token already cancelled wins: the future is never polled.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::CancelToken;
    ///
    /// # futures_executor::block_on(async {
    /// let token = CancelToken::new();
    /// assert_eq!(token.run_until_cancelled(async { 7 }).await, Some(7));
    /// token.cancel();
    /// assert_eq!(token.run_until_cancelled(std::future::pending::<u8>()).await, None);
    /// # });
    /// ```
    pub fn run_until_cancelled<F: Future>(&self, future: F) -> RunUntilCancelled<'_, F> {
        RunUntilCancelled { token: self, future, listener: None }
    }

    /// Wraps `future` so that its error, or its panic, cancels this token (reason
    /// [`CancelReason::Error`] or [`CancelReason::Panic`]) before it reaches whoever awaits
    /// it, which gets the error as it was, or the panic re-raised. For work outside a group
    /// that should stop its siblings as a group's task would.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, CancelToken};
    ///
    /// # futures_executor::block_on(async {
    /// let token = CancelToken::new();
    /// let listener = token.clone();
    /// let failing = token.cancel_on_error(async { Err::<(), _>("disk full") });
    /// let watching = async {
    ///     listener.cancelled().await;
    ///     "stopped"
    /// };
    /// let (failed, watched) = futures_util::future::join(failing, watching).await;
    /// assert_eq!((failed, watched), (Err("disk full"), "stopped"));
    /// assert_eq!(token.reason(), Some(CancelReason::Error));
    /// # });
    /// ```
    pub fn cancel_on_error<F, T, E>(&self, future: F) -> CancelOnError<F>
    where
        F: Future<Output = Result<T, E>>,
    {
        CancelOnError { token: self.clone(), future }
    }
}

/// Cancels its token when dropped, unless disarmed: made by [`CancelToken::drop_guard`].
///
/// # Examples
///
/// ```
/// use errgroup::{CancelOnDrop, CancelToken};
///
/// /// Starts the work on `port`, or cancels `token` if it cannot.
/// fn start(token: &CancelToken, port: &str) -> Result<u16, core::num::ParseIntError> {
///     let guard: CancelOnDrop = token.drop_guard();
///     let port = port.parse()?; // an early return drops the guard: `token` is cancelled
///     guard.disarm(); // started: nothing to cancel
///     Ok(port)
/// }
///
/// let token = CancelToken::new();
/// assert_eq!(start(&token, "8080"), Ok(8080));
/// assert!(!token.is_cancelled());
/// assert!(start(&token, "eighty").is_err());
/// assert!(token.is_cancelled());
/// ```
#[must_use = "dropping the guard at once cancels the token at once"]
pub struct CancelOnDrop {
    /// `None` once disarmed.
    token: Option<CancelToken>,
}

impl CancelOnDrop {
    /// Disarms the guard: the token is not cancelled, and is handed back.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::CancelToken;
    ///
    /// let token = CancelToken::new();
    /// let guard = token.drop_guard();
    /// let same = guard.disarm(); // finished normally: nothing to cancel
    /// assert!(!token.is_cancelled());
    /// same.cancel(); // what it hands back is the guarded token
    /// assert!(token.is_cancelled());
    /// ```
    pub fn disarm(mut self) -> CancelToken {
        self.token.take().expect("a guard is disarmed at most once: `disarm` takes it")
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            token.cancel_with_cause(
                Cause::new(CancelReason::Explicit).with_message("its drop guard was dropped"),
            );
        }
    }
}

impl fmt::Debug for CancelOnDrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelOnDrop").field("armed", &self.token.is_some()).finish()
    }
}

pin_project! {
    /// Runs a future until its token is cancelled: made by
    /// [`CancelToken::run_until_cancelled`].
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelToken, future::RunUntilCancelled};
    ///
    /// # futures_executor::block_on(async {
    /// let token = CancelToken::new();
    /// let forever = std::future::pending::<u8>();
    /// let work: RunUntilCancelled<'_, _> = token.run_until_cancelled(forever);
    /// let stop = async {
    ///     token.cancel();
    /// };
    /// let (worked, ()) = futures_util::future::join(work, stop).await;
    /// assert_eq!(worked, None); // cancelled while it ran: the future was dropped
    /// # });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct RunUntilCancelled<'a, F> {
        token: &'a CancelToken,
        #[pin]
        future: F,
        listener: Option<EventListener>,
    }
}

impl<F: Future> Future for RunUntilCancelled<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        let this = self.project();
        // The token first: once it is cancelled, the future is not polled again.
        if this.token.poll_cancelled(this.listener, cx).is_ready() {
            return Poll::Ready(None);
        }
        this.future.poll(cx).map(Some)
    }
}

impl<F> fmt::Debug for RunUntilCancelled<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunUntilCancelled").field("token", self.token).finish_non_exhaustive()
    }
}

pin_project! {
    /// A future whose error or panic cancels a token: made by
    /// [`CancelToken::cancel_on_error`].
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, CancelToken, future::CancelOnError};
    /// use futures_executor::block_on;
    /// use std::panic::{AssertUnwindSafe, catch_unwind};
    ///
    /// let token = CancelToken::new();
    /// let fine: CancelOnError<_> = token.cancel_on_error(async { Ok::<_, ()>(1) });
    /// assert_eq!(block_on(fine), Ok(1));
    /// assert!(!token.is_cancelled()); // a success cancels nothing
    ///
    /// let panicking = token.cancel_on_error(async { Ok::<u8, ()>("x".parse().unwrap()) });
    /// assert!(catch_unwind(AssertUnwindSafe(|| block_on(panicking))).is_err()); // re-raised,
    /// assert_eq!(token.reason(), Some(CancelReason::Panic)); // once it cancelled the token
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct CancelOnError<F> {
        token: CancelToken,
        #[pin]
        future: F,
    }
}

impl<F, T, E> Future for CancelOnError<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        /// Cancels the token if the poll unwinds through it.
        struct OnPanic<'t>(&'t CancelToken);

        impl Drop for OnPanic<'_> {
            fn drop(&mut self) {
                self.0.cancel_with(CancelReason::Panic);
            }
        }

        let this = self.project();
        let on_panic = OnPanic(this.token);
        let polled = this.future.poll(cx);
        core::mem::forget(on_panic);
        if let Poll::Ready(Err(_)) = &polled {
            this.token.cancel_with(CancelReason::Error);
        }
        polled
    }
}

impl<F> fmt::Debug for CancelOnError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelOnError").field("token", &self.token).finish_non_exhaustive()
    }
}
