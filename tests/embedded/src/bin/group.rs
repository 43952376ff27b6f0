//! `errgroup` on a Cortex-M board under QEMU, with a heap and no executor: inline groups
//! whose tasks succeed, fail and are cancelled, a limit, results in spawn order, a race,
//! `WaitGroup`, and `CancelToken` with children and reasons. Tasks borrow from `main`'s
//! stack. Any wrong answer fails the run (see the crate's `lib.rs`).
#![no_std]
#![no_main]

extern crate alloc;

#[cfg(target_has_atomic = "ptr")]
use alloc::sync::Arc;
use alloc::{vec, vec::Vec};
use core::{
    pin::pin,
    task::{Context, Poll, Waker},
};

use cortex_m_rt::entry;
use errgroup::{CancelReason, CancelToken, ErrGroup, Outcome, WaitGroup};
use errgroup_embedded_tests::{
    DropCount, block_on, checked, heap_used, init_heap, pass, yield_now,
};
use portable_atomic::{AtomicUsize, Ordering};
#[cfg(not(target_has_atomic = "ptr"))]
use portable_atomic_util::Arc;

#[entry]
fn main() -> ! {
    init_heap();
    let before = heap_used();
    succeed();
    fail_fast();
    cancel();
    limit();
    ordered();
    race();
    wait_group();
    tokens();
    handles();
    assert_eq!(heap_used(), before, "every group, task and token was freed");
    checked("the heap is back where it started: nothing leaked");
    pass("group", 10)
}

fn succeed() {
    let done = AtomicUsize::new(0);
    let group = ErrGroup::<&str, _>::inline();
    for _ in 0..4 {
        // Tasks borrow `done` from this stack frame.
        group
            .try_spawn(async {
                yield_now().await;
                done.fetch_add(1, Ordering::Relaxed);
                Ok(())
            })
            .unwrap();
    }
    assert_eq!(block_on(group.wait()), Ok(()));
    assert_eq!(done.load(Ordering::Relaxed), 4);
    checked("inline group: four borrowing tasks succeed, wait is Ok");
}

fn fail_fast() {
    let dropped = AtomicUsize::new(0);
    let group = ErrGroup::inline();
    let token = group.token();
    group
        .try_spawn(async {
            let _guard = DropCount(&dropped);
            core::future::pending::<Result<(), &str>>().await
        })
        .unwrap();
    group
        .try_spawn(async {
            yield_now().await;
            Err("sensor timed out")
        })
        .unwrap();
    assert_eq!(block_on(group.wait()), Err("sensor timed out"));
    assert_eq!(dropped.load(Ordering::Relaxed), 1, "the pending sibling was dropped");
    assert_eq!(token.reason(), Some(CancelReason::Error));
    checked("fail fast: the first error comes back, the sibling is cancelled (reason Error)");
}

fn cancel() {
    let group = ErrGroup::<&str, _>::builder().collect::<u8>().inline();
    group.try_spawn(async { Ok(1) }).unwrap();
    group.try_spawn(core::future::pending()).unwrap();
    let handle = group.handle();
    let outcomes = block_on(async {
        let wait = group.wait_outcomes();
        let mut wait = pin!(wait);
        // First poll: task 0 finishes, task 1 stays pending.
        let waker = Waker::noop();
        assert!(wait.as_mut().poll(&mut Context::from_waker(waker)).is_pending());
        assert!(handle.cancel(), "the first cancel");
        wait.await
    });
    assert_eq!(outcomes.len(), 2);
    assert!(matches!(outcomes[0].1, Outcome::Succeeded(1)));
    assert!(matches!(outcomes[1].1, Outcome::Cancelled(CancelReason::Explicit)));
    assert!(handle.try_spawn(async { Ok(2) }).is_err(), "a cancelled group refuses tasks");
    checked("cancel: the running task is Cancelled(Explicit), the finished one Succeeded");
}

fn limit() {
    let active = AtomicUsize::new(0);
    let most = AtomicUsize::new(0);
    let ran = AtomicUsize::new(0);
    let mut group = ErrGroup::<(), _>::inline();
    group.limit(2).unwrap();
    let task = || async {
        let now = active.fetch_add(1, Ordering::Relaxed) + 1;
        most.fetch_max(now, Ordering::Relaxed);
        yield_now().await;
        yield_now().await;
        active.fetch_sub(1, Ordering::Relaxed);
        ran.fetch_add(1, Ordering::Relaxed);
        Ok(())
    };
    block_on(async {
        for _ in 0..6 {
            // Waits for a free slot, running the group's tasks meanwhile.
            group.spawn(task()).await.unwrap();
        }
        group.await
    })
    .unwrap();
    assert_eq!(ran.load(Ordering::Relaxed), 6);
    assert_eq!(most.load(Ordering::Relaxed), 2, "never more than the limit at once");
    let full = ErrGroup::<(), _>::inline();
    full.limit(1).unwrap();
    full.try_spawn(core::future::pending()).unwrap();
    assert!(full.try_spawn(async { Ok(()) }).is_err(), "try_spawn hands the task back when full");
    checked("limit 2: six tasks, at most two at once; try_spawn refuses when full");
}

fn ordered() {
    let group = ErrGroup::<(), _>::builder().collect().inline();
    for n in 0..5_u32 {
        group
            .try_spawn(async move {
                // The later a task is spawned, the sooner it finishes.
                for _ in n..5 {
                    yield_now().await;
                }
                Ok(n * 10)
            })
            .unwrap();
    }
    assert_eq!(block_on(group.wait()), Ok(vec![0, 10, 20, 30, 40]));
    checked("collect: values in spawn order, though they finished in reverse");
}

fn race() {
    let dropped = AtomicUsize::new(0);
    let group = ErrGroup::builder().race().inline();
    group.try_spawn(async { Err::<&str, _>("mirror 1 is down") }).unwrap();
    group
        .try_spawn(async {
            yield_now().await;
            Ok("from mirror 2")
        })
        .unwrap();
    group
        .try_spawn(async {
            let _guard = DropCount(&dropped);
            core::future::pending().await
        })
        .unwrap();
    assert_eq!(block_on(group.race()), Ok("from mirror 2"));
    assert_eq!(dropped.load(Ordering::Relaxed), 1, "the loser was dropped");
    let all_fail = ErrGroup::builder().race::<()>().inline();
    all_fail.try_spawn(async { Err("a") }).unwrap();
    all_fail.try_spawn(async { Err("b") }).unwrap();
    let errors = block_on(all_fail.race()).unwrap_err();
    let errors: Vec<&str> = errors.into_iter().map(|error| error.into_error()).collect();
    assert_eq!(errors, ["a", "b"]);
    checked("race: the first success wins and cancels the rest; all failing gives every error");
}

fn wait_group() {
    let wg = WaitGroup::new();
    wg.add(2);
    let guard = wg.enter();
    assert_eq!(wg.count(), 3);
    let mut wait = pin!(wg.wait());
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    wg.done();
    drop(guard);
    assert!(wait.as_mut().poll(&mut cx).is_pending(), "one unit still held");
    wg.done();
    assert_eq!(wait.as_mut().poll(&mut cx), Poll::Ready(()));
    assert_eq!(wg.count(), 0);
    // An owned guard: `enter_owned` takes the group in an `Arc` (portable-atomic-util's on
    // a target without compare-and-swap, called as an associated function there).
    let shared = Arc::new(WaitGroup::new());
    let owned = WaitGroup::enter_owned(&shared);
    assert_eq!(shared.count(), 1);
    drop(owned);
    assert_eq!(shared.count(), 0);
    checked("WaitGroup: add, enter, enter_owned, done; wait resolves at zero and not before");
}

fn tokens() {
    let root = CancelToken::new();
    let child = root.child();
    let grandchild = child.child();
    let sibling = root.child();
    assert!(sibling.cancel());
    assert!(!root.is_cancelled(), "a child's cancel does not reach its parent");
    assert!(!sibling.cancel(), "only the first cancel counts");
    assert!(root.cancel_with(CancelReason::Timeout));
    assert_eq!(root.reason(), Some(CancelReason::Timeout));
    assert_eq!(child.reason(), Some(CancelReason::Parent));
    assert_eq!(grandchild.reason(), Some(CancelReason::Parent));
    assert_eq!(sibling.reason(), Some(CancelReason::Explicit), "its own reason stays");
    block_on(grandchild.cancelled());
    checked("CancelToken: children follow their parent (reason Parent), not the reverse");
}

fn handles() {
    let group = ErrGroup::<(), _>::inline();
    let handle = group.handle();
    let words =
        handle.task().try_spawn_handle(core::future::pending::<Result<&str, ()>>()).unwrap();
    let number = handle.task().try_spawn_handle(async { Ok::<u64, ()>(42) }).unwrap();
    let pending =
        handle.task().try_spawn_handle(core::future::pending::<Result<u64, ()>>()).unwrap();
    // Abort handles of tasks of different output types, side by side.
    let aborts = [words.abort_handle(), pending.abort_handle()];
    assert!(!aborts.iter().any(|abort| abort.is_finished()), "running tasks are not finished");
    for abort in &aborts {
        abort.abort();
    }
    assert_eq!(block_on(group.wait()), Ok(()));
    assert!(aborts.iter().all(|abort| abort.is_finished()));
    assert!(matches!(block_on(number), Outcome::Succeeded(42)));
    assert!(matches!(block_on(pending), Outcome::Cancelled(CancelReason::Aborted)));
    assert!(matches!(block_on(words), Outcome::Cancelled(CancelReason::Aborted)));
    checked("task handles: an outcome each; abort handles of two output types abort their tasks");
}
