//! Wake-ups from interrupt handlers while the main loop drives an inline group: the case
//! every embedded program has (a timer or DMA interrupt completes a future) and the one a
//! spinning lock would deadlock on a single core. SysTick fires every few thousand cycles
//! and wakes two tasks; PendSV, pended by a busy task at odd moments, wakes a third; two
//! busy tasks keep the group's locks taken most of the time, so the interrupts land while
//! the main loop holds them. Every round must complete: a lost wake-up stops a task, and
//! the tick budget then fails the run. Last, the SysTick handler cancels a group's token
//! while the main loop drives it. Any wrong answer fails the run (see the crate's `lib.rs`).
#![no_std]
#![no_main]

extern crate alloc;

use core::cell::RefCell;

use cortex_m::peripheral::SCB;
use cortex_m_rt::{entry, exception};
use critical_section::Mutex;
use errgroup::{CancelReason, CancelToken, ErrGroup, Outcome};
use errgroup_embedded_tests::{
    DropCount, Slot, block_on_with, checked, heap_used, init_heap, pass, start_systick, yield_now,
};
use portable_atomic::{AtomicUsize, Ordering};

/// Rounds each interrupt-driven task waits through.
const ROUNDS: usize = 400;
/// SysTick's period, in core cycles.
const RELOAD: u32 = 4_000;
/// Ticks the whole run may take: far more than it needs, far less than forever. A task
/// that stops being woken runs the budget out.
const TICK_BUDGET: usize = 200_000;
/// Ticks after which the SysTick handler cancels the last group's token.
const CANCEL_AFTER: usize = 20;

/// Slots 0 and 1 fire from SysTick, slot 2 from PendSV.
static SLOTS: [Slot; 3] = [const { Slot::new() }; 3];
static TICKS: AtomicUsize = AtomicUsize::new(0);
static PENDSVS: AtomicUsize = AtomicUsize::new(0);
/// The token the SysTick handler cancels, once it is there and `CANCEL_AFTER` ticks later.
static CANCEL: Mutex<RefCell<Option<(usize, CancelToken)>>> = Mutex::new(RefCell::new(None));

#[exception]
fn SysTick() {
    let ticks = TICKS.fetch_add(1, Ordering::Relaxed) + 1;
    let fired: [usize; 3] = core::array::from_fn(|slot| SLOTS[slot].fired());
    assert!(ticks < TICK_BUDGET, "out of ticks: a task stopped being woken (fired {fired:?})");
    SLOTS[0].fire();
    SLOTS[1].fire();
    let due = critical_section::with(|cs| {
        let mut cancel = CANCEL.borrow_ref_mut(cs);
        match cancel.as_ref() {
            Some((at, _)) if ticks >= *at => cancel.take().map(|(_, token)| token),
            _ => None,
        }
    });
    if let Some(token) = due {
        assert!(token.cancel(), "the interrupt's cancel is the first");
    }
}

#[exception]
fn PendSV() {
    PENDSVS.fetch_add(1, Ordering::Relaxed);
    SLOTS[2].fire();
}

#[entry]
fn main() -> ! {
    init_heap();
    start_systick(RELOAD);
    let before = heap_used();
    wakes();
    cancel_from_interrupt();
    assert_eq!(heap_used(), before, "every task and waker was freed");
    checked("the heap is back where it started: nothing leaked");
    pass("interrupt", 3)
}

/// Waits on the main loop: for an interrupt, while ticks remain.
fn idle() -> bool {
    cortex_m::asm::wfi();
    true
}

fn wakes() {
    let remaining = AtomicUsize::new(3);
    let busy_polls = AtomicUsize::new(0);
    let group = ErrGroup::<&str, _>::inline();
    for slot in &SLOTS {
        let remaining = &remaining;
        group
            .try_spawn(async move {
                for round in 0..ROUNDS {
                    slot.fired_after(round).await;
                }
                remaining.fetch_sub(1, Ordering::AcqRel);
                Ok(())
            })
            .unwrap();
    }
    for busy in 0..2 {
        let (remaining, busy_polls) = (&remaining, &busy_polls);
        group
            .try_spawn(async move {
                let mut polls = 0_usize;
                while remaining.load(Ordering::Acquire) > 0 {
                    polls += 1;
                    // The first busy task pends PendSV now and then, at an odd stride.
                    if busy == 0 && polls.is_multiple_of(7) {
                        SCB::set_pendsv();
                    }
                    yield_now().await;
                }
                busy_polls.fetch_add(polls, Ordering::Relaxed);
                Ok(())
            })
            .unwrap();
    }
    assert_eq!(block_on_with(group.wait(), idle), Ok(()));
    let fired: [usize; 3] = core::array::from_fn(|slot| SLOTS[slot].fired());
    assert_eq!(fired, [ROUNDS; 3], "every round was woken exactly once");
    cortex_m_semihosting::hprintln!(
        "  {} ticks, {} PendSVs, {} busy polls",
        TICKS.load(Ordering::Relaxed),
        PENDSVS.load(Ordering::Relaxed),
        busy_polls.load(Ordering::Relaxed)
    );
    checked("3 tasks x 400 rounds woken from SysTick and PendSV while busy tasks hold the locks");
}

fn cancel_from_interrupt() {
    let dropped = AtomicUsize::new(0);
    let group = ErrGroup::<&str, _>::builder().collect::<()>().inline();
    for _ in 0..3 {
        let dropped = &dropped;
        group
            .try_spawn(async move {
                let _guard = DropCount(dropped);
                core::future::pending().await
            })
            .unwrap();
    }
    group
        .try_spawn(async {
            loop {
                yield_now().await;
            }
        })
        .unwrap();
    let at = TICKS.load(Ordering::Relaxed) + CANCEL_AFTER;
    critical_section::with(|cs| *CANCEL.borrow_ref_mut(cs) = Some((at, group.token())));
    let outcomes = block_on_with(group.wait_outcomes(), idle);
    assert_eq!(outcomes.len(), 4);
    for (_, outcome) in &outcomes {
        assert!(matches!(outcome, Outcome::Cancelled(CancelReason::Explicit)));
    }
    assert_eq!(dropped.load(Ordering::Relaxed), 3);
    checked("a cancel from the SysTick handler stops a group the main loop is driving");
}
