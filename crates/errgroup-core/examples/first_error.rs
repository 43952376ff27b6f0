//! A task group by hand on `std::thread`, using only errgroup-core's atomics: eight
//! workers, some of which fail. The first error is kept and every later one comes back to
//! its worker; the first failure cancels the group so workers that have not started yet
//! skip their work; and the worker that finishes last knows it, from the same atomic
//! operation that counted it out.
//!
//! Run it with `cargo run -p errgroup-core --example first_error`.

use std::sync::Barrier;

use errgroup_core::{ErrorSlot, GroupState};

fn main() {
    let state = GroupState::new();
    let first_error = ErrorSlot::new();
    let start_together = Barrier::new(8);

    // Count every worker in before any of them can cancel the group, which refuses starts.
    for _ in 0..8 {
        state.try_start().expect("the group is open");
    }

    std::thread::scope(|s| {
        for id in 0..8u32 {
            let (state, first_error, start_together) = (&state, &first_error, &start_together);
            s.spawn(move || {
                start_together.wait();
                if state.load().is_cancelled() {
                    println!("worker {id}: group already cancelled, skipping the work");
                } else if id % 3 == 2 {
                    let error = format!("worker {id}: bad input");
                    match first_error.try_set(error) {
                        Ok(()) => println!("worker {id}: failed first, cancelling the group"),
                        Err(late) => println!("{late} (too late to be the group's error)"),
                    }
                    state.cancel();
                } else {
                    println!("worker {id}: ok");
                }
                if state.finish().expect("this worker was started").is_idle() {
                    println!("worker {id}: I was the last one out");
                }
            });
        }
    });

    let end = state.load();
    assert!(end.is_idle() && end.is_cancelled());
    println!("group error: {}", first_error.take().expect("some worker failed"));
}
