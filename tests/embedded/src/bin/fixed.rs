//! `errgroup-core`'s `FixedGroup` on a Cortex-M board under QEMU, with no heap: this binary
//! never gives the allocator memory, so any allocation would fail the run. A group pinned
//! on `main`'s stack runs tasks of one `async fn`: values come back with their task, a full
//! group hands the task back, the first error drops the others, a cancelled group refuses
//! tasks until it is reset. A group in a `static` runs a named future type. Last, tasks
//! woken from SysTick and PendSV, many rounds. Prints the RAM each slot takes. Any wrong
//! answer fails the run (see the crate's `lib.rs`).
#![no_std]
#![no_main]

use core::{
    future::Future,
    mem::size_of,
    pin::{Pin, pin},
    task::{Context, Poll},
};

use cortex_m::peripheral::SCB;
use cortex_m_rt::{entry, exception};
use errgroup_core::fixed::{CancelReason, FixedGroup, Outcome, Rejected};
use errgroup_embedded_tests::{
    DropCount, Slot, checked, heap_used, pass, poll_until_ready, start_systick, yield_now,
};
use portable_atomic::{AtomicUsize, Ordering};
use static_cell::StaticCell;

/// Rounds each interrupt-driven task waits through.
const ROUNDS: usize = 300;
/// Ticks the interrupt part may take before it is a lost wake-up.
const TICK_BUDGET: usize = 100_000;

static SLOTS: [Slot; 3] = [const { Slot::new() }; 3];
static TICKS: AtomicUsize = AtomicUsize::new(0);

#[exception]
fn SysTick() {
    let ticks = TICKS.fetch_add(1, Ordering::Relaxed) + 1;
    assert!(ticks < TICK_BUDGET, "out of ticks: a task stopped being woken");
    SLOTS[0].fire();
    SLOTS[1].fire();
}

#[exception]
fn PendSV() {
    SLOTS[2].fire();
}

/// Polls `future` to its end, with no waker to speak of: these tasks wake themselves
/// (`yield_now`) or are ready.
fn block_on<F: core::future::Future>(future: F) -> F::Output {
    poll_until_ready(future, 1_000, || {})
}

#[entry]
fn main() -> ! {
    local_group();
    static_group();
    interrupts();
    assert_eq!(heap_used(), 0, "nothing was allocated");
    checked("no heap: the allocator was never given memory, and nothing asked it");
    pass("fixed", 5)
}

/// One `async fn`: every task of a group has its future type.
async fn read(sensor: u32, drops: &AtomicUsize) -> Result<u32, &'static str> {
    let _guard = DropCount(drops);
    for _ in 0..sensor % 4 {
        yield_now().await;
    }
    if sensor == 9 { Err("sensor 9 is unplugged") } else { Ok(sensor * 100) }
}

fn local_group() {
    let drops = AtomicUsize::new(0);
    let mut group = pin!(FixedGroup::<_, 3>::new());
    for sensor in 1..=3 {
        group.as_mut().try_spawn(read(sensor, &drops)).expect("a free slot");
    }
    let Err(Rejected::Full(later)) = group.as_mut().try_spawn(read(4, &drops)) else {
        panic!("a full group hands the task back");
    };
    let mut values = [0; 3];
    while let Some((id, outcome)) = block_on(group.as_mut().next()) {
        let Outcome::Succeeded(value) = outcome else { panic!("{id} did not succeed") };
        values[id.index() as usize] = value;
    }
    assert_eq!(values, [100, 200, 300], "each value came back with its task");
    group.as_mut().try_spawn(later).expect("slots are free once outcomes are taken");
    assert_eq!(block_on(group.as_mut().wait()), Ok(()));
    assert_eq!(drops.load(Ordering::Relaxed), 4, "every task that ran was dropped once");
    checked("FixedGroup on the stack: values with their task ids; full hands the task back");

    group.as_mut().try_spawn(read(7, &drops)).unwrap();
    group.as_mut().try_spawn(read(9, &drops)).unwrap();
    group.as_mut().try_spawn(read(11, &drops)).unwrap();
    assert_eq!(block_on(group.as_mut().wait()), Err("sensor 9 is unplugged"));
    assert_eq!(drops.load(Ordering::Relaxed), 7, "the siblings were dropped");
    assert_eq!(group.cancelled(), Some(CancelReason::Error));
    let refused = group.as_mut().try_spawn(read(1, &drops));
    assert!(matches!(refused, Err(Rejected::Cancelled(_))), "a cancelled group refuses");
    drop(refused);
    group.as_mut().reset();
    group.as_mut().try_spawn(read(2, &drops)).expect("reset reopens it");
    assert!(group.as_mut().cancel());
    let (_, outcome) = block_on(group.as_mut().next()).unwrap();
    assert_eq!(outcome, Outcome::Cancelled(CancelReason::Explicit));
    checked("FixedGroup: the first error cancels the rest; cancel, refuse, reset");

    let group_bytes = size_of::<FixedGroup<Task, 4>>();
    let task_bytes = size_of::<Task>();
    errgroup_embedded_tests::note(format_args!(
        "RAM: FixedGroup of 4 tasks of {task_bytes} bytes = {group_bytes} bytes \
         ({} per slot beyond the task, plus {} for the group)",
        (size_of::<FixedGroup<Task, 8>>() - group_bytes) / 4 - task_bytes,
        group_bytes - 4 * (size_of::<FixedGroup<Task, 8>>() - group_bytes) / 4,
    ));
}

/// A named future type, so that a group of them can be a `static`: counts down, then
/// returns its start.
struct Task(u32, u32);

impl Future for Task {
    type Output = Result<u32, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.1 == 0 {
            return Poll::Ready(Ok(self.0));
        }
        self.1 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn static_group() {
    static GROUP: StaticCell<FixedGroup<Task, 2>> = StaticCell::new();
    let mut group = Pin::static_mut(GROUP.init(FixedGroup::new()));
    let mut total = 0;
    for round in 0..5 {
        group.as_mut().try_spawn(Task(round, round)).unwrap();
        group.as_mut().try_spawn(Task(10 * round, 1)).unwrap();
        while let Some((_, outcome)) = block_on(group.as_mut().next()) {
            total += outcome.into_result().unwrap().unwrap();
        }
    }
    assert_eq!(total, 110);
    checked("FixedGroup in a static: reused for five rounds of two tasks");
}

/// Waits on the main loop: pends PendSV (its handler fires slot 2), then waits for an
/// interrupt.
fn idle() {
    SCB::set_pendsv();
    cortex_m::asm::wfi();
}

async fn ticker(slot: &'static Slot) -> Result<usize, &'static str> {
    for round in 0..ROUNDS {
        slot.fired_after(round).await;
    }
    Ok(slot.fired())
}

fn interrupts() {
    start_systick(4_000);
    let mut group = pin!(FixedGroup::<_, 3>::new());
    for slot in &SLOTS {
        group.as_mut().try_spawn(ticker(slot)).unwrap();
    }
    let mut ended = 0;
    while let Some((id, outcome)) = poll_until_ready(group.as_mut().next(), TICK_BUDGET, idle) {
        assert_eq!(outcome, Outcome::Succeeded(ROUNDS), "{id}: every round woken once");
        ended += 1;
    }
    assert_eq!(ended, 3);
    checked("FixedGroup: 3 tasks x 300 rounds woken from SysTick and PendSV");
}
