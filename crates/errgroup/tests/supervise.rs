//! `CancelToken`'s supervision helpers: the drop guard, `run_until_cancelled` and
//! `cancel_on_error`. Polled by hand, with counting wakers: no executor, no sleeps.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod support;

use std::{
    future::{Future, pending},
    panic::{AssertUnwindSafe, catch_unwind},
    pin::pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::SeqCst},
    },
    task::{Context, Poll, Waker},
};

use errgroup::{CancelReason, CancelToken};
use support::{Counted, Dropping, yield_now};

#[test]
fn a_drop_guard_cancels_when_dropped_or_unwound_through_and_not_once_disarmed() {
    let token = CancelToken::new();
    drop(token.drop_guard());
    assert_eq!(token.reason(), Some(CancelReason::Explicit));
    assert_eq!(token.cause().unwrap().message(), Some("its drop guard was dropped"));

    let token = CancelToken::new();
    let unwound = catch_unwind(AssertUnwindSafe(|| {
        let _guard = token.drop_guard();
        panic!("the supervisor failed");
    }));
    assert!(unwound.is_err());
    assert!(token.is_cancelled(), "unwinding drops the guard");

    let token = CancelToken::new();
    let guard = token.drop_guard();
    assert_eq!(format!("{guard:?}"), "CancelOnDrop { armed: true }");
    let handed_back = guard.disarm();
    assert!(!token.is_cancelled());
    handed_back.cancel();
    assert!(token.is_cancelled(), "the disarmed guard hands back the same token");
}

#[test]
fn run_until_cancelled_returns_the_output_or_none_and_drops_the_future() {
    let counted = Counted::new();
    let mut cx = Context::from_waker(&counted.waker);
    let token = CancelToken::new();

    let mut done = pin!(token.run_until_cancelled(async { 7 }));
    assert_eq!(done.as_mut().poll(&mut cx), Poll::Ready(Some(7)));

    let dropped = Arc::new(AtomicUsize::new(0));
    let holder = Dropping(dropped.clone());
    let stuck = async move {
        let _holder = holder;
        pending::<u8>().await
    };
    let mut running = Box::pin(token.run_until_cancelled(stuck));
    assert!(running.as_mut().poll(&mut cx).is_pending());
    token.cancel();
    assert!(counted.wakes() >= 1, "the cancellation wakes it");
    assert_eq!(running.as_mut().poll(&mut cx), Poll::Ready(None));
    drop(running);
    assert_eq!(dropped.load(SeqCst), 1);

    // Already cancelled: the future is never polled.
    let polled = AtomicUsize::new(0);
    let counted = std::future::poll_fn(|_| {
        polled.fetch_add(1, SeqCst);
        Poll::Ready(1)
    });
    let mut late = pin!(token.run_until_cancelled(counted));
    assert_eq!(late.as_mut().poll(&mut cx), Poll::Ready(None));
    assert_eq!(polled.load(SeqCst), 0);
    assert!(format!("{late:?}").starts_with("RunUntilCancelled { token: CancelToken"));
}

#[test]
fn cancel_on_error_cancels_on_an_error_or_a_panic_and_passes_them_on() {
    let mut cx = Context::from_waker(Waker::noop());
    let token = CancelToken::new();
    let mut ok = pin!(token.cancel_on_error(async { Ok::<_, &str>(1) }));
    assert_eq!(ok.as_mut().poll(&mut cx), Poll::Ready(Ok(1)));
    assert!(!token.is_cancelled(), "a success cancels nothing");

    let mut pending_then_failing = Box::pin(token.cancel_on_error(async {
        yield_now().await;
        Err::<u8, _>("disk full")
    }));
    assert!(pending_then_failing.as_mut().poll(&mut cx).is_pending());
    assert!(!token.is_cancelled());
    assert_eq!(pending_then_failing.as_mut().poll(&mut cx), Poll::Ready(Err("disk full")));
    assert_eq!(token.reason(), Some(CancelReason::Error));
    assert!(format!("{pending_then_failing:?}").starts_with("CancelOnError { token: CancelToken"));

    let token = CancelToken::new();
    let mut panicking = Box::pin(token.cancel_on_error(async {
        if true {
            panic!("corrupt index");
        }
        Ok::<(), ()>(())
    }));
    let unwound = catch_unwind(AssertUnwindSafe(|| panicking.as_mut().poll(&mut cx)));
    let payload = unwound.expect_err("the panic propagates");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"corrupt index"));
    assert_eq!(token.reason(), Some(CancelReason::Panic));
}
