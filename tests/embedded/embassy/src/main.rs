//! errgroup inside an embassy task, on QEMU's Cortex-M4 board (mps2-an386): inline groups
//! whose tasks sleep on embassy-time timers, waited on with an embassy-time deadline.
//!
//! 1. Three tasks finish before the deadline: `Finished(Ok(values))`, in spawn order.
//! 2. One task outlives a short deadline: `TimedOut`, the group's token says `Timeout`, and
//!    the slow task was dropped, not run to its end.
//! 3. One task fails: its sibling is dropped and the error is what the group returns.
//! 4. Once the dropped tasks' timers have passed, the heap is back where it started.
//!
//! Any wrong answer panics, and the panic handler exits through semihosting with a failure
//! status, which QEMU hands to the shell.
#![no_std]
#![no_main]

extern crate alloc;

mod time_driver;

use alloc::vec;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicUsize, Ordering};

use cortex_m_semihosting::{debug, hprintln};
use embassy_executor::Spawner;
use embassy_time::{Duration, Instant, Timer};
use embedded_alloc::LlffHeap as Heap;
use errgroup::{CancelReason, ErrGroup, Timed};

#[global_allocator]
static HEAP: Heap = Heap::empty();

/// The deadline of a group expected to finish.
const LONG: u64 = 500;
/// The deadline of a group expected to time out.
const SHORT: u64 = 50;
/// A task that outlives every deadline here.
const SLOW: u64 = 1_000;

/// How many slow tasks were dropped unfinished, and how many ran to their end.
static DROPPED: AtomicUsize = AtomicUsize::new(0);
static FINISHED: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, PartialEq, Eq)]
enum Fault {
    Sensor(u8),
}

/// Counts the drop of the task that holds it.
struct DropGuard;

impl Drop for DropGuard {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

async fn after(ms: u64, value: u32) -> Result<u32, Fault> {
    Timer::after_millis(ms).await;
    Ok(value)
}

async fn slow() -> Result<u32, Fault> {
    let _guard = DropGuard;
    Timer::after_millis(SLOW).await;
    FINISHED.fetch_add(1, Ordering::Relaxed);
    Ok(0)
}

#[embassy_executor::main]
async fn main(_spawner: Spawner) {
    // SAFETY: the one call, before anything allocates. (`init!` expands to a statement: it
    // needs its `;` inside the block.)
    unsafe {
        embedded_alloc::init!(HEAP, 32 * 1024);
    }
    let core = cortex_m::Peripherals::take().expect("taken once");
    time_driver::start(core.SYST);
    let heap_at_start = HEAP.used();

    all_in_time().await;
    timed_out().await;
    failed().await;

    // Each dropped slow task leaves its waker (one allocation of errgroup's) in the generic
    // timer queue: a queue entry is not removed when its timer is dropped, only when its
    // moment comes. Once those moments have passed, everything is given back.
    // Waking those wakers then, with their groups long gone, must be harmless.
    let held = HEAP.used() - heap_at_start;
    Timer::after_millis(SLOW).await;
    assert_eq!(HEAP.used(), heap_at_start, "every group gave its memory back");
    hprintln!(
        "4. heap: {} bytes held by the timer queue for the dropped tasks until their moment, then back to {} used",
        held,
        heap_at_start
    );
    hprintln!("errgroup on embassy: every check passed");
    debug::exit(debug::EXIT_SUCCESS);
}

/// Three timers under a long deadline: the group finishes, its values in spawn order.
async fn all_in_time() {
    let mut group = ErrGroup::builder().collect().inline();
    for (ms, value) in [(30, 1), (10, 2), (20, 3)] {
        group.spawn(after(ms, value)).await.expect("the group is open");
    }
    let start = Instant::now();
    let outcome = group.wait_until(Timer::after_millis(LONG)).await;
    let took = start.elapsed();
    assert_eq!(outcome, Timed::Finished(Ok(vec![1, 2, 3])), "in spawn order, not finish order");
    assert!(took >= Duration::from_millis(30), "no sooner than the slowest task: {took}");
    assert!(took < Duration::from_millis(LONG), "before the deadline: {took}");
    hprintln!(
        "1. finished: tasks of 30, 10, 20 ms under a {} ms deadline gave {:?} in {} ms",
        LONG,
        outcome,
        took.as_millis()
    );
}

/// A task far slower than a short deadline: the wait times out, the task is dropped.
async fn timed_out() {
    let (dropped, finished) = (DROPPED.load(Ordering::Relaxed), FINISHED.load(Ordering::Relaxed));
    let group = ErrGroup::builder().collect().inline();
    group.try_spawn(after(10, 7)).expect("the group is open");
    group.try_spawn(slow()).expect("the group is open");
    let token = group.token();
    let start = Instant::now();
    let outcome = group.wait_until(Timer::after_millis(SHORT)).await;
    let took = start.elapsed();
    assert_eq!(outcome, Timed::TimedOut(Ok(vec![Some(7), None])), "the fast value kept");
    assert_eq!(token.reason(), Some(CancelReason::Timeout));
    assert_eq!(DROPPED.load(Ordering::Relaxed), dropped + 1, "the slow task was dropped");
    assert_eq!(FINISHED.load(Ordering::Relaxed), finished, "and never ran to its end");
    assert!(took >= Duration::from_millis(SHORT), "not before the deadline: {took}");
    assert!(took < Duration::from_millis(LONG), "far sooner than the slow task: {took}");
    hprintln!(
        "2. timed out: a {} ms task under a {} ms deadline gave {:?} in {} ms, token reason {:?}, slow task dropped",
        SLOW,
        SHORT,
        outcome,
        took.as_millis(),
        token.reason().expect("cancelled")
    );
}

/// A task that fails: its sibling is dropped, and the error is the group's outcome.
async fn failed() {
    let (dropped, finished) = (DROPPED.load(Ordering::Relaxed), FINISHED.load(Ordering::Relaxed));
    let mut group = ErrGroup::inline();
    group
        .spawn(async {
            Timer::after_millis(20).await;
            Err(Fault::Sensor(3))
        })
        .await
        .expect("the group is open");
    group.spawn(async { slow().await.map(drop) }).await.expect("the group is open");
    let token = group.token();
    let start = Instant::now();
    let outcome = group.wait().await;
    let took = start.elapsed();
    assert_eq!(outcome, Err(Fault::Sensor(3)), "the first error comes back");
    assert_eq!(token.reason(), Some(CancelReason::Error));
    assert_eq!(DROPPED.load(Ordering::Relaxed), dropped + 1, "the sibling was dropped");
    assert_eq!(FINISHED.load(Ordering::Relaxed), finished, "and never ran to its end");
    assert!(took >= Duration::from_millis(20), "not before the failure: {took}");
    assert!(took < Duration::from_millis(LONG), "far sooner than the sibling: {took}");
    hprintln!(
        "3. failed: a task failing at 20 ms beside a {} ms one gave {:?} in {} ms, token reason {:?}, sibling dropped",
        SLOW,
        outcome,
        took.as_millis(),
        token.reason().expect("cancelled")
    );
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    hprintln!("FAILED: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
