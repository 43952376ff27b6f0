//! A thousand items, at most fifty at a time: a limit with back-pressure.
//!
//! `group.limit(50)` caps the tasks active at once, and `group.spawn(task).await` waits
//! for a free slot while fifty are active. So the loop that feeds the group never runs
//! ahead of it: the tasks in memory — and the load on whatever they call — stay bounded,
//! however long the input. Each task counts itself in and out of a `running` counter and
//! records the highest value it saw with `fetch_max`; the limit guarantees it never
//! exceeds fifty, and the example asserts so.
//!
//! Runs on a multi-thread runtime, so the tasks really do run in parallel.
//!
//! Run it with `cargo run -p errgroup-tokio --example batch`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use errgroup_tokio::{Spawner, errgroup::ErrGroup};

const ITEMS: usize = 1_000;
const LIMIT: usize = 50;

fn main() {
    run();
}

/// Processes the batch and reports the highest concurrency seen.
pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .expect("a tokio runtime");
    // Relaxed everywhere: each counter is one atomic whose read-modify-writes are totally
    // ordered among themselves, and the final reads come after `wait`, which
    // synchronises with the end of every task.
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));

    println!("== {ITEMS} items, at most {LIMIT} at a time");
    let started = Instant::now();
    let outcome = runtime.block_on(async {
        let group = ErrGroup::builder().collect().spawner(Spawner::current());
        group.limit(LIMIT).expect("50 is a valid limit");
        for item in 0..ITEMS {
            let (running, peak) = (running.clone(), peak.clone());
            let task = async move {
                let now = running.fetch_add(1, Relaxed) + 1;
                peak.fetch_max(now, Relaxed);
                let result = process(item).await;
                running.fetch_sub(1, Relaxed);
                result
            };
            // Back-pressure: waits here while fifty tasks are active.
            if let Err(rejected) = group.spawn(task).await {
                // Only a failed (cancelled) group refuses work: stop feeding it.
                println!("   stopped feeding the group: {rejected}");
                break;
            }
        }
        group.await
    });
    let elapsed = started.elapsed();

    let doubled = outcome.expect("no item fails");
    let peak = peak.load(Relaxed);
    println!(
        "   processed {} items in {elapsed:.1?}; sum of the results: {}",
        doubled.len(),
        doubled.iter().sum::<usize>()
    );
    println!("   at most {peak} tasks ran at once (limit {LIMIT})");
    assert_eq!(doubled.len(), ITEMS, "every item was processed");
    assert!(peak <= LIMIT, "the limit holds: {peak} > {LIMIT}");
}

/// A stand-in for a call to a rate-limited service: a millisecond of waiting.
async fn process(item: usize) -> Result<usize, String> {
    tokio::time::sleep(Duration::from_millis(1)).await;
    Ok(item * 2)
}
