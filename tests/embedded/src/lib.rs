//! What every binary here shares: a heap, the panic handler that turns a wrong answer into
//! a failure status, `block_on` for futures, and the line each check prints.
//!
//! Each binary checks its answers with `assert!`; a wrong one panics, and the panic handler
//! exits through semihosting with a failure status, which QEMU hands to the shell. Each
//! check prints a line naming what it checked, so a run that checked nothing shows.
#![no_std]

extern crate alloc;

use core::{
    future::Future,
    panic::PanicInfo,
    pin::pin,
    task::{Context, Poll, Waker},
};

use cortex_m_semihosting::{debug, hprintln};
use embedded_alloc::LlffHeap;
use portable_atomic::{AtomicBool, AtomicUsize, Ordering};
use portable_atomic_util::{Arc, task::Wake};

#[global_allocator]
static HEAP: LlffHeap = LlffHeap::empty();

/// The heap: 8 KiB, which fits beside the stack in the Cortex-M0 board's 16 KiB of RAM.
pub const HEAP_BYTES: usize = 8 * 1024;

/// Gives the allocator its memory; call once, first thing in `main`.
pub fn init_heap() {
    static INIT: AtomicBool = AtomicBool::new(false);
    assert!(!INIT.swap(true, Ordering::AcqRel), "init_heap called twice");
    static mut MEMORY: [u8; HEAP_BYTES] = [0; HEAP_BYTES];
    // SAFETY: called once (checked above), before any allocation; `MEMORY` is used by
    // nothing else, and lives for the whole program.
    unsafe { HEAP.init(core::ptr::addr_of_mut!(MEMORY) as usize, HEAP_BYTES) }
}

/// Bytes of the heap in use now: a check that everything made was freed.
pub fn heap_used() -> usize {
    HEAP.used()
}

/// Prints that `what` was checked, and counts it.
pub fn checked(what: &str) {
    CHECKS.fetch_add(1, Ordering::Relaxed);
    hprintln!("ok: {}", what);
}

static CHECKS: AtomicUsize = AtomicUsize::new(0);

/// Exits with success after at least `expected` checks passed (a binary that checked less
/// than it promised fails).
pub fn pass(binary: &str, expected: usize) -> ! {
    let checks = CHECKS.load(Ordering::Relaxed);
    assert!(checks >= expected, "{binary}: only {checks} of {expected} checks ran");
    hprintln!("{}: all {} checks passed", binary, checks);
    debug::exit(debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::wfi();
    }
}

/// The waker `block_on` hands out: it raises a flag, from any context (an interrupt
/// handler included).
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(this: Arc<Self>) {
        Self::wake_by_ref(&this);
    }

    fn wake_by_ref(this: &Arc<Self>) {
        this.0.store(true, Ordering::Release);
    }
}

/// Runs `future` to completion on this core. A future that is pending and was not woken
/// is a lost wake-up, unless `idle` says an interrupt may still wake it: `idle` is called
/// (it may wait for an interrupt with `wfi`) and must return `true` while waiting makes
/// sense; when it returns `false`, this panics.
pub fn block_on_with<F: Future>(future: F, mut idle: impl FnMut() -> bool) -> F::Output {
    let flag = Arc::new(Flag(AtomicBool::new(true)));
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if flag.0.swap(false, Ordering::Acquire) {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        } else {
            assert!(idle(), "the future is pending and nothing will wake it: a lost wake-up");
        }
    }
}

/// [`block_on_with`] for futures that need no interrupt: pending without a wake-up is a
/// failure at once.
pub fn block_on<F: Future>(future: F) -> F::Output {
    block_on_with(future, || false)
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    hprintln!("FAILED: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

/// A future that is pending once, waking itself: a task that lets the others run.
pub fn yield_now() -> YieldNow {
    YieldNow(false)
}

/// See [`yield_now`].
pub struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Counts its own drops into a counter: proves a cancelled task's future was dropped.
pub struct DropCount<'a>(pub &'a AtomicUsize);

impl Drop for DropCount<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}
