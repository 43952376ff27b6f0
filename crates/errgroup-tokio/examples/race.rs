//! Ask three mirrors, keep the first answer, cancel the rest.
//!
//! `ErrGroup::builder().race()` makes a group whose first successful task wins: its value
//! is what `race()` returns, and every other task is cancelled — dropped at its next
//! `.await`, without having to check for anything. Each mirror carries a guard that
//! prints when its future is dropped before it answered. (If every mirror failed,
//! `race()` would return all their errors.)
//!
//! The mirrors answer after 10, 50 and 100 ms; the 10 ms one wins, and the whole race
//! takes about 10 ms, not 100.
//!
//! Run it with `cargo run -p errgroup-tokio --example race`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::time::{Duration, Instant};

use errgroup_tokio::{Spawner, errgroup::ErrGroup};

/// Each mirror and how long it takes to answer.
const MIRRORS: [(&str, u64); 3] = [("mirror-eu", 50), ("mirror-us", 10), ("mirror-ap", 100)];

fn main() {
    run();
}

/// Races the three mirrors.
pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        println!("== the first mirror to answer wins");
        let started = Instant::now();
        let group = ErrGroup::builder().race().spawner(Spawner::current());
        // On one thread no task runs before the next `.await`, so no mirror can have won
        // (and closed the race) while this loop spawns.
        for (mirror, latency_ms) in MIRRORS {
            let guard = Loser { mirror, answered: false };
            group
                .try_spawn(async move {
                    tokio::time::sleep(Duration::from_millis(latency_ms)).await;
                    guard.answered();
                    println!("   {mirror}: answered after {latency_ms} ms");
                    Ok::<_, String>(format!("release notes, from {mirror}"))
                })
                .expect("a new group has room");
        }
        // Resolves once the losers are dropped, not merely told to stop.
        match group.race().await {
            Ok(answer) => println!("   got \"{answer}\" in {:.1?}", started.elapsed()),
            Err(errors) => println!("   every mirror failed: {errors:?}"),
        }
    });
}

/// Prints if the mirror's future is dropped before it answered: it lost the race.
struct Loser {
    mirror: &'static str,
    answered: bool,
}

impl Loser {
    /// The mirror answered: dropping the guard now prints nothing.
    fn answered(mut self) {
        self.answered = true;
    }
}

impl Drop for Loser {
    fn drop(&mut self) {
        if !self.answered {
            println!("   {}: lost, cancelled (its future dropped)", self.mirror);
        }
    }
}
