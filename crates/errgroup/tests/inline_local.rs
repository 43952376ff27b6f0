//! `!Send` inline groups (`ErrGroup::inline_local`): tasks that hold an `Rc` or a live
//! `RefCell` borrow across an `.await`, borrow from the caller's stack, spawn siblings
//! through a handle, and are dropped on a failure, as a `Send` inline group's are.
// Holding a `RefCell` borrow across an `.await` is the point of the first test.
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::await_holding_refcell_ref
)]

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use errgroup::{CancelReason, ErrGroup, InlineLocal, Outcome};
use futures_executor::block_on;

/// Pending once, waking itself.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await;
}

#[test]
fn tasks_hold_an_rc_and_a_refcell_borrow_across_an_await() {
    let config = Rc::new(RefCell::new(String::from("v1")));
    let log = Rc::new(RefCell::new(Vec::new()));
    let group = ErrGroup::<(), _>::builder().collect().inline_local();
    for n in 0..4 {
        let (config, log) = (Rc::clone(&config), Rc::clone(&log));
        group
            .try_spawn(async move {
                // A `Ref` held across an `.await`: no `Send` future could do this.
                let version = config.borrow();
                yield_now().await;
                log.borrow_mut().push(format!("{n}:{version}"));
                Ok(n)
            })
            .unwrap();
    }
    assert_eq!(block_on(group.wait()), Ok(vec![0, 1, 2, 3]));
    assert_eq!(Rc::strong_count(&config), 1, "every task dropped its Rc");
    config.borrow_mut().push('!'); // no borrow outlived its task
    let mut log = log.take();
    log.sort(); // the order tasks finish in is the driver's, not a promise
    assert_eq!(log, ["0:v1", "1:v1", "2:v1", "3:v1"]);
}

#[test]
fn tasks_borrow_from_the_stack_and_the_limit_holds() {
    let running = Cell::new(0);
    let most = Cell::new(0);
    let mut lengths = [0_usize; 4];
    let words = ["a", "bb", "ccc", "dddd"];
    let mut group: ErrGroup<(), InlineLocal<'_>> = ErrGroup::inline_local();
    group.limit(2).unwrap();
    block_on(async {
        for (slot, word) in lengths.iter_mut().zip(words) {
            let (running, most) = (&running, &most);
            let task = async move {
                running.set(running.get() + 1);
                most.set(most.get().max(running.get()));
                yield_now().await;
                *slot = word.len();
                running.set(running.get() - 1);
                Ok(())
            };
            // Waits for a slot, running the group's tasks meanwhile.
            group.spawn(task).await.unwrap();
        }
        group.await
    })
    .unwrap();
    assert_eq!(lengths, [1, 2, 3, 4]);
    assert_eq!(most.get(), 2);
}

#[test]
fn a_failure_drops_the_siblings_and_their_rcs() {
    let shared = Rc::new(());
    let group = ErrGroup::builder().collect::<()>().inline_local();
    for _ in 0..3 {
        let shared = Rc::clone(&shared);
        group
            .try_spawn(async move {
                let _keep = shared;
                std::future::pending().await
            })
            .unwrap();
    }
    group
        .try_spawn(async {
            yield_now().await;
            Err("disk full")
        })
        .unwrap();
    let outcomes = block_on(group.wait_outcomes());
    assert_eq!(Rc::strong_count(&shared), 1, "the cancelled tasks were dropped");
    assert!(matches!(outcomes[3].1, Outcome::Failed("disk full")));
    for (_, outcome) in &outcomes[..3] {
        assert!(matches!(outcome, Outcome::Cancelled(CancelReason::Error)));
    }
}

#[test]
fn a_task_spawns_a_sibling_through_a_handle() {
    let order = Rc::new(RefCell::new(Vec::new()));
    let group = ErrGroup::<(), _>::inline_local();
    let handle = group.handle();
    let first = Rc::clone(&order);
    group
        .try_spawn(async move {
            first.borrow_mut().push("parent");
            let second = Rc::clone(&first);
            handle
                .try_spawn(async move {
                    second.borrow_mut().push("child");
                    Ok(())
                })
                .unwrap();
            Ok(())
        })
        .unwrap();
    block_on(group.wait()).unwrap();
    assert_eq!(*order.borrow(), ["parent", "child"]);
}

#[test]
fn a_race_of_local_tasks() {
    let group = ErrGroup::builder().race().inline_local();
    let winner = Rc::new("from the cache");
    group.try_spawn(async { Err::<Rc<&str>, _>("miss") }).unwrap();
    let copy = Rc::clone(&winner);
    group
        .try_spawn(async move {
            yield_now().await;
            Ok(copy)
        })
        .unwrap();
    group.try_spawn(std::future::pending()).unwrap();
    assert_eq!(block_on(group.race()).map(|won| *won), Ok("from the cache"));
    assert_eq!(Rc::strong_count(&winner), 1);
}
