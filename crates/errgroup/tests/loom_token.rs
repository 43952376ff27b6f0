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
