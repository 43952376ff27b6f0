//! Discard mode keeps a group's memory constant however many tasks finish.
//!
//! A global allocator is per binary, so this test has a binary of its own: the allocator
//! counts the live heap bytes of the whole process, and this file holds the only test that
//! runs while it counts.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicIsize, AtomicUsize, Ordering},
};

use errgroup::ErrGroup;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System` upholds the `GlobalAlloc` contract; the counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            // Relaxed: a statistic, read on the same thread that does the work measured.
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc_zeroed`'s contract.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            // Relaxed: as in `alloc`.
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(pointer, layout) };
        // Relaxed: as in `alloc`.
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `realloc`'s contract.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            // Relaxed: as in `alloc`.
            LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

const WARM_UP: usize = 1_000;
const TASKS: usize = 100_000;
const BUDGET: isize = 4 * 1024;

/// Runs `tasks` tasks through `spawn`, one after another (limit 1), and returns the live
/// heap after the warm-up and after the rest, measured while the group is still alive.
fn measure(tasks: usize, collect: bool) -> (isize, isize, usize) {
    let ran = AtomicUsize::new(0);
    let ran = &ran;
    futures_executor::block_on(async {
        if collect {
            let mut group = ErrGroup::builder().collect::<u64>().inline();
            group.limit(1).unwrap();
            let mut before = 0;
            for index in 0..tasks {
                if index == WARM_UP {
                    before = live();
                }
                let task = async move {
                    ran.fetch_add(1, Ordering::Relaxed);
                    Ok::<u64, ()>(index as u64)
                };
                group.spawn(task).await.unwrap();
            }
            let after = live();
            assert_eq!(group.await.unwrap().len(), tasks);
            (before, after, ran.load(Ordering::Relaxed))
        } else {
            let mut group = ErrGroup::inline();
            group.limit(1).unwrap();
            let mut before = 0;
            for index in 0..tasks {
                if index == WARM_UP {
                    before = live();
                }
                let task = async move {
                    ran.fetch_add(1, Ordering::Relaxed);
                    let _ = index;
                    Ok::<(), ()>(())
                };
                group.spawn(task).await.unwrap();
            }
            let after = live();
            group.await.unwrap();
            (before, after, ran.load(Ordering::Relaxed))
        }
    })
}

#[test]
fn discard_mode_keeps_memory_constant() {
    // The meter works: a collecting group's memory grows with its results (16 bytes per
    // value at least), far past the budget.
    let (before, after, ran) = measure(WARM_UP + 10_000, true);
    assert_eq!(ran, WARM_UP + 10_000);
    assert!(after - before > 10_000 * 16, "the meter missed {} results", 10_000);

    // A discarding group's does not, over 100k tasks run one after another.
    let (before, after, ran) = measure(WARM_UP + TASKS, false);
    assert_eq!(ran, WARM_UP + TASKS);
    let delta = after - before;
    assert!(
        delta < BUDGET,
        "the live heap grew by {delta} bytes over {TASKS} tasks in discard mode (budget \
         {BUDGET})"
    );
}
