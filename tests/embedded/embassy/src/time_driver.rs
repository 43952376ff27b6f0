//! embassy-time's driver, on the Cortex-M SysTick: one tick a millisecond (embassy-time's
//! `tick-hz-1_000`), a 64-bit tick count and a timer queue of eight entries
//! (embassy-time-queue-utils' `generic-queue-8`), both behind a critical section.
//!
//! The SysTick runs from the core clock (25 MHz on QEMU's mps2-an386), reloaded every
//! millisecond; its handler counts the tick and wakes every timer that is due.
//!
//! The queue must be the generic one: an inline group polls its tasks with wakers of its
//! own, and the integrated queue (embassy-time-queue-utils without a `generic-queue-*`
//! feature) panics on any waker not made by embassy-executor ("Found waker not created by
//! the Embassy executor").

use core::cell::{Cell, RefCell};
use core::task::Waker;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use critical_section::Mutex;
use embassy_time_driver::{Driver, TICK_HZ};
use embassy_time_queue_utils::Queue;

/// The core clock of QEMU's mps2-an386 board (its FPGA images run at 25 MHz).
const CORE_HZ: u64 = 25_000_000;

struct SysTickDriver {
    ticks: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<Queue>>,
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    ticks: Mutex::new(Cell::new(0)),
    queue: Mutex::new(RefCell::new(Queue::new())),
});

impl Driver for SysTickDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.ticks.borrow(cs).get())
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let mut queue = self.queue.borrow_ref_mut(cs);
            queue.schedule_wake(at, waker);
            // A moment already past is due now, not at the next tick.
            let now = self.ticks.borrow(cs).get();
            if at <= now {
                queue.next_expiration(now);
            }
        });
    }
}

/// Starts the tick: before this, time stands still at 0.
pub(crate) fn start(mut syst: SYST) {
    const { assert!(TICK_HZ == 1_000, "the SysTick is set for 1 kHz") };
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload((CORE_HZ / TICK_HZ - 1) as u32);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let ticks = DRIVER.ticks.borrow(cs);
        ticks.set(ticks.get() + 1);
        DRIVER.queue.borrow_ref_mut(cs).next_expiration(ticks.get());
    });
}
