//! What every binary here shares: a heap (given memory only by the binaries that allocate:
//! [`init_heap`]), the panic handler that turns a wrong answer into a failure status,
//! `block_on` for futures, and the line each check prints. Its one `unsafe` gives the
//! allocator its memory (every global allocator needs that); nothing else here is.
//!
//! Each binary checks its answers with `assert!`; a wrong one panics, and the panic handler
//! exits through semihosting with a failure status, which QEMU hands to the shell. Each
//! check prints a line naming what it checked, so a run that checked nothing shows.
#![no_std]

extern crate alloc;

use core::{
    cell::RefCell,
    future::Future,
    panic::PanicInfo,
    pin::{Pin, pin},
    task::{Context, Poll, Waker},
};

use cortex_m_semihosting::{debug, hprintln};
use critical_section::Mutex;
use embedded_alloc::LlffHeap;
use portable_atomic::{AtomicBool, AtomicUsize, Ordering};
use portable_atomic_util::{Arc, task::Wake};

#[global_allocator]
static HEAP: LlffHeap = LlffHeap::empty();

/// The heap: 8 KiB, which fits beside the stack in the Cortex-M0 board's 16 KiB of RAM.
pub const HEAP_BYTES: usize = 8 * 1024;

/// Gives the allocator its memory; call once, first thing in `main`. A binary that never
/// calls it has no heap: any allocation fails, and fails the run.
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

/// The waker `block_on_with` hands out: it raises a flag, from any context (an interrupt
/// handler included). An `Arc` of portable-atomic-util's, so no `unsafe` here; the `fixed`
/// binary, which has no heap, polls with [`poll_until_ready`] instead.
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
/// sense; when it returns `false`, this panics. Needs the heap (its waker is an `Arc`).
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

/// Runs `future` to completion with a waker that does nothing, calling `idle` (which may
/// wait for an interrupt) between polls: for a program with no heap, where a group hands
/// its driver's waker to its tasks and so has no wake-up of its own to lose. Fails after
/// `max_polls` polls.
pub fn poll_until_ready<F: Future>(
    future: F,
    max_polls: usize,
    mut idle: impl FnMut(),
) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(future);
    for _ in 0..max_polls {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        idle();
    }
    panic!("not ready after {max_polls} polls");
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

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
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

/// One event source: armed by a task, fired (once) by an interrupt handler.
pub struct Slot {
    armed: AtomicBool,
    fired: AtomicUsize,
    waker: Mutex<RefCell<Option<Waker>>>,
}

impl Slot {
    /// A slot nobody armed yet.
    pub const fn new() -> Self {
        Self {
            armed: AtomicBool::new(false),
            fired: AtomicUsize::new(0),
            waker: Mutex::new(RefCell::new(None)),
        }
    }

    /// From an interrupt handler: fires the slot if a task armed it, waking the task.
    pub fn fire(&self) {
        // `armed` and the waker change together, inside one critical section: a fire that
        // interrupted `Fired::poll` between storing the waker and arming the slot could
        // otherwise leave it armed with no waker (seen once in CI).
        let waker = critical_section::with(|cs| {
            if !self.armed.swap(false, Ordering::AcqRel) {
                return None;
            }
            self.fired.fetch_add(1, Ordering::AcqRel);
            Some(self.waker.borrow_ref_mut(cs).take().expect("an armed slot has a waker"))
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// How many times it fired.
    pub fn fired(&self) -> usize {
        self.fired.load(Ordering::Acquire)
    }

    /// Resolves once the slot has fired more than `after` times.
    pub fn fired_after(&'static self, after: usize) -> Fired {
        Fired { slot: self, after }
    }
}

impl Default for Slot {
    fn default() -> Self {
        Self::new()
    }
}

/// The future of [`Slot::fired_after`].
pub struct Fired {
    slot: &'static Slot,
    after: usize,
}

impl Future for Fired {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.slot.fired.load(Ordering::Acquire) > self.after {
            return Poll::Ready(());
        }
        critical_section::with(|cs| {
            *self.slot.waker.borrow_ref_mut(cs) = Some(cx.waker().clone());
            self.slot.armed.store(true, Ordering::Release);
        });
        Poll::Pending
    }
}

/// Starts SysTick from the core clock, interrupting every `reload` cycles.
pub fn start_systick(reload: u32) {
    use cortex_m::peripheral::syst::SystClkSource;
    let mut peripherals = cortex_m::Peripherals::take().expect("taken once");
    let systick = &mut peripherals.SYST;
    systick.set_clock_source(SystClkSource::Core);
    systick.set_reload(reload);
    systick.clear_current();
    systick.enable_counter();
    systick.enable_interrupt();
}

/// Prints a line of information (not a check).
pub fn note(line: core::fmt::Arguments<'_>) {
    hprintln!("  {}", line);
}
