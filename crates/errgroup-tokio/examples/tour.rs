//! The tour: the thirteen examples of this directory, one after the other, under headings.
//!
//! Each example is a file of its own, runnable alone (`cargo run -p errgroup-tokio
//! --example aggregate`, ...); the tour includes the same files as modules and calls
//! their `run()`. Nothing is duplicated: edit an example, and the tour follows.
//!
//! Run it with `cargo run -p errgroup-tokio --example tour`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

// `mod aggregate;` finds `aggregate.rs` next to this file. Each example's own `main` is
// unused here: that is the only dead code these attributes allow.
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod aggregate;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod batch;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod deadline;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod fan_out_tcp;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod graceful_server;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod health_check;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod panic;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod pipeline;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod race;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod shutdown;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod threads;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod try_spawn_fallback;
#[expect(dead_code, reason = "the example's `main` is not called by the tour")]
mod watchdog;

/// Each example: its name, what it shows, and its body.
const EXAMPLES: [(&str, &str, fn()); 13] = [
    ("aggregate", "fan out to three services, fan in to one struct, fail as one", aggregate::run),
    ("batch", "1,000 items, at most 50 at a time: a limit with back-pressure", batch::run),
    ("health_check", "every failure reported, by service name (collect-all)", health_check::run),
    (
        "fan_out_tcp",
        "requests to a real server: a limit, timeouts, fail-fast, then every failure",
        fan_out_tcp::run,
    ),
    ("pipeline", "a producer feeds a group while its results are consumed", pipeline::run),
    ("race", "the first answer wins; the others are cancelled", race::run),
    (
        "try_spawn_fallback",
        "a full group hands the work back; serve a fallback",
        try_spawn_fallback::run,
    ),
    ("panic", "a panic cancels the siblings and reaches the waiter", panic::run),
    ("deadline", "blocking work on tokio's pool, the batch under a deadline", deadline::run),
    ("shutdown", "stopped from outside: an error that says so, or what arrived", shutdown::run),
    (
        "graceful_server",
        "a TCP server stops gracefully: requests in flight finish, idle connections go",
        graceful_server::run,
    ),
    ("threads", "`WaitGroup` across plain threads, with guards", threads::run),
    (
        "watchdog",
        "one task's handle, one aborted; who was still running at the deadline",
        watchdog::run,
    ),
];

fn main() {
    for (number, (name, what, run)) in EXAMPLES.into_iter().enumerate() {
        if number > 0 {
            println!();
        }
        println!("# {}. {name}: {what}", number + 1);
        println!("  (alone: cargo run -p errgroup-tokio --example {name})");
        run();
    }
}
