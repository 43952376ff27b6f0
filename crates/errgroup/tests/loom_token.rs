//! Loom model of `CancelToken`'s wake-up path: a cancel racing a waiter.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test -p errgroup --features loom --release --test loom_token`
#![cfg(loom)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use errgroup::CancelToken;
use loom::thread;

/// Outcomes seen across every model run of each test.
static SEEN: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
static SEEN_CHILD: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// Wraps `token.cancelled()` and records whether its first poll found it ready.
struct Recorded<F> {
    inner: F,
    polls: usize,
    seen: &'static Mutex<BTreeSet<&'static str>>,
}

impl<F: Future<Output = ()> + Unpin> Future for Recorded<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls += 1;
        let polls = self.polls;
        let ready = Pin::new(&mut self.inner).poll(cx);
        if ready.is_ready() {
            let outcome = if polls == 1 { "found cancelled at once" } else { "woken" };
            self.seen.lock().unwrap().insert(outcome);
        }
        ready
    }
}

#[test]
fn cancel_races_a_waiter() {
    loom::model(|| {
        let token = CancelToken::new();
        // loom#392: every racing party on a spawned thread, the writer first.
        let canceller = {
            let token = token.clone();
            thread::spawn(move || assert!(token.cancel()))
        };
        let waiter = {
            let token = token.clone();
            thread::spawn(move || {
                loom::future::block_on(Recorded {
                    inner: token.cancelled(),
                    polls: 0,
                    seen: &SEEN,
                });
                assert!(token.is_cancelled());
            })
        };
        canceller.join().unwrap();
        waiter.join().unwrap();
    });
    let seen = SEEN.lock().unwrap();
    assert!(seen.contains("found cancelled at once"), "{seen:?}");
    assert!(seen.contains("woken"), "{seen:?}");
}

#[test]
fn parent_cancel_races_a_child_waiter() {
    loom::model(|| {
        let parent = CancelToken::new();
        let child = parent.child();
        let canceller = thread::spawn(move || assert!(parent.cancel()));
        let waiter = thread::spawn(move || {
            loom::future::block_on(Recorded {
                inner: child.cancelled(),
                polls: 0,
                seen: &SEEN_CHILD,
            });
            assert_eq!(child.reason(), Some(errgroup::CancelReason::Parent));
        });
        canceller.join().unwrap();
        waiter.join().unwrap();
    });
    let seen = SEEN_CHILD.lock().unwrap();
    assert!(seen.contains("found cancelled at once"), "{seen:?}");
    assert!(seen.contains("woken"), "{seen:?}");
}

static SEEN_CAUSE: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// A cancel with a full cause races a cancel with a reason alone: whatever wins, the
/// cause each canceller reads right after its own cancel returned (the other may be
/// anywhere) is the winner's (its reason, and its message only if it had one), never a
/// mix, and it is there as soon as the token reads cancelled. Preemptions bounded to 3,
/// as the wait-group models: unbounded, the lock and the event's list take minutes.
#[test]
fn a_cause_races_a_plain_cancel() {
    use errgroup::{CancelReason, Cause};
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(|| {
        let token = CancelToken::new();
        let read = |token: &CancelToken| {
            let cause = token.cause().expect("a cancelled token has a cause");
            assert_eq!(Some(cause.reason()), token.reason());
            cause
        };
        let with_cause = {
            let token = token.clone();
            thread::spawn(move || {
                let won = token
                    .cancel_with_cause(Cause::new(CancelReason::Explicit).with_message("deploy"));
                (won, read(&token))
            })
        };
        let plain = {
            let token = token.clone();
            thread::spawn(move || {
                let won = token.cancel_with(CancelReason::Timeout);
                (won, read(&token))
            })
        };
        let (cause_won, seen_by_cause) = with_cause.join().unwrap();
        let (plain_won, seen_by_plain) = plain.join().unwrap();
        assert!(cause_won != plain_won, "exactly one cancel wins");
        let expected = if cause_won {
            SEEN_CAUSE.lock().unwrap().insert("the cause won");
            Cause::new(CancelReason::Explicit).with_message("deploy")
        } else {
            SEEN_CAUSE.lock().unwrap().insert("the plain cancel won");
            Cause::new(CancelReason::Timeout)
        };
        assert_eq!((seen_by_cause, seen_by_plain), (expected.clone(), expected));
    });
    let seen = SEEN_CAUSE.lock().unwrap();
    assert!(seen.contains("the cause won") && seen.contains("the plain cancel won"), "{seen:?}");
}
