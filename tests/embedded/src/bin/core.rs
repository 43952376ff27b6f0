//! `errgroup-core` on a Cortex-M board under QEMU: the wait-group `Counter`, the first-error
//! `ErrorSlot` and the group's `GroupState`, each driven through its documented answers,
//! misuse included. Any wrong answer panics (see the crate's `lib.rs`). No allocation.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use errgroup_core::{Counter, ErrorSlot, GroupState, StartError};
use errgroup_embedded_tests::{checked, pass};

#[entry]
fn main() -> ! {
    counter();
    slot();
    state();
    pass("core", 3)
}

fn counter() {
    static COUNTER: Counter = Counter::new();
    assert_eq!(COUNTER.add(2), Ok(2));
    assert_eq!(COUNTER.add(1), Ok(3), "a count already held");
    assert_eq!(COUNTER.done(), Ok(false));
    assert_eq!(COUNTER.done(), Ok(false));
    assert_eq!(COUNTER.done(), Ok(true), "the last one reaches zero");
    assert!(COUNTER.done().is_err(), "below zero is an error, never a wrap");
    assert_eq!(COUNTER.count(), 0, "and it left the count as it was");
    checked("Counter: add, done, zero, underflow refused");
}

fn slot() {
    let slot = ErrorSlot::new();
    assert!(!slot.is_set());
    assert_eq!(slot.try_set(7_u32), Ok(()));
    assert_eq!(slot.try_set(8), Err(8), "only the first error is kept");
    assert_eq!(slot.take(), Some(7));
    assert_eq!(slot.take(), None);
    checked("ErrorSlot: first error kept, later ones handed back, taken once");
}

fn state() {
    let state = GroupState::new();
    assert_eq!(state.try_start_within(2).map(|now| now.active()), Ok(1));
    assert_eq!(state.try_start_within(2).map(|now| now.active()), Ok(2));
    assert_eq!(state.try_start_within(2).map(|now| now.active()), Err(StartError::Full));
    assert!(state.close_if_idle().is_err(), "tasks are active");
    assert_eq!(state.finish().map(|now| now.active()), Ok(1));
    assert!(state.cancel(), "the first cancel");
    assert_eq!(state.try_start().map(|now| now.active()), Err(StartError::Cancelled));
    assert!(state.finish().is_ok_and(|now| now.is_idle()));
    assert!(state.finish().is_err(), "a task counted out twice is an error");
    assert!(state.close_if_idle().is_ok_and(|now| now.is_closed()));
    checked("GroupState: limit, cancel, finish, close, misuse refused");
}
