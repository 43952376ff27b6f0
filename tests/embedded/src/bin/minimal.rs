//! The smallest useful program with an inline group, for the code size in README: one
//! group, two tasks, one `wait`, on a 8 KiB heap (with this crate's semihosting exit and
//! panic handler).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use errgroup::ErrGroup;
use errgroup_embedded_tests::{block_on, checked, heap_used, init_heap, note, pass};

#[entry]
fn main() -> ! {
    init_heap();
    let group = ErrGroup::<u8, _>::inline();
    group.try_spawn(async { Ok(()) }).unwrap();
    group.try_spawn(async { Err(7) }).unwrap();
    let held = heap_used();
    assert_eq!(block_on(group.wait()), Err(7));
    checked("an inline group: two tasks, the error comes back");
    note(format_args!(
        "heap: {held} bytes for a group with two tasks queued; {} after",
        heap_used()
    ));
    pass("minimal", 1)
}
