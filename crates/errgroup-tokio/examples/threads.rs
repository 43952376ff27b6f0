//! Go's `sync.WaitGroup` for plain threads: `errgroup::WaitGroup`, with no async runtime.
//!
//! - Scoped threads borrow their input. Each takes a `WaitGuard` from `enter()`, which
//!   counts one unit of work in and, when dropped, counts it out — `done` can be neither
//!   forgotten nor called twice. The main thread blocks in `wait_blocking()` until every
//!   guard is gone, then reads the results while the workers go on to other work.
//! - Detached `std::thread::spawn` threads need `'static` guards: `enter_owned()` on an
//!   `Arc<WaitGroup>`. Nobody joins these threads; the wait group is how the main thread
//!   learns that their work is done.
//!
//! Run it with `cargo run -p errgroup-tokio --example threads`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{
    sync::{Arc, Mutex},
    thread,
};

use errgroup_tokio::errgroup::WaitGroup;

fn main() {
    run();
}

/// Counts primes on scoped threads, then words on detached ones.
pub(crate) fn run() {
    println!("== scoped threads, `enter()` guards: primes below 20,000, in 4 chunks");
    let numbers: Vec<u32> = (0..20_000).collect();
    let wait_group = WaitGroup::new();
    let counts = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for (chunk, numbers) in numbers.chunks(5_000).enumerate() {
            let guard = wait_group.enter();
            let counts = &counts;
            scope.spawn(move || {
                let primes = numbers.iter().filter(|&&n| is_prime(n)).count();
                counts.lock().expect("no worker panics").push((chunk, primes));
                drop(guard); // done: whatever this thread does next, nobody waits for it
            });
        }
        // Returns once every guard is dropped: the results are all in, and visible here,
        // whether or not the workers have exited yet.
        wait_group.wait_blocking();
        let mut counts = counts.lock().expect("no worker panics");
        counts.sort_unstable();
        for (chunk, primes) in counts.iter() {
            println!("   chunk {chunk}: {primes} primes");
        }
        println!("   total: {} primes", counts.iter().map(|(_, primes)| primes).sum::<usize>());
    });

    println!("== detached threads, `enter_owned()` guards: word counts of 3 documents");
    let documents = [
        ("go.md", "Do not communicate by sharing memory; share memory by communicating."),
        ("rust.md", "Fearless concurrency: the compiler rejects data races."),
        ("errgroup.md", "The first error cancels the rest, and is what wait returns."),
    ];
    let wait_group = Arc::new(WaitGroup::new());
    let counts = Arc::new(Mutex::new(Vec::new()));
    for (name, text) in documents {
        let guard = wait_group.enter_owned();
        let counts = Arc::clone(&counts);
        // The `JoinHandle` is dropped: the thread is detached, and never joined.
        drop(thread::spawn(move || {
            let words = text.split_whitespace().count();
            counts.lock().expect("no worker panics").push((name, words));
            drop(guard);
        }));
    }
    wait_group.wait_blocking();
    let mut counts = counts.lock().expect("no worker panics");
    counts.sort_unstable();
    for (name, words) in counts.iter() {
        println!("   {name}: {words} words");
    }
    println!("   {} documents done; outstanding work: {}", counts.len(), wait_group.count());
}

fn is_prime(n: u32) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0)
}
