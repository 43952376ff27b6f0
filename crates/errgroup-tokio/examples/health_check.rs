//! Five health checks, at most five at a time; every failure reported by the name of its
//! service.
//!
//! The group uses `Policy::CollectAll` and `wait_all`, not fail-fast. A health check is a
//! report, not a transaction: fail-fast would cancel the checks still running at the
//! first failure, and the report could then say nothing about those services — it would
//! name one failure and leave the rest unknown. With `CollectAll` a failure cancels
//! nothing, every check runs to its end, and `wait_all` returns every error, in order of
//! arrival, each with the task it came from: every check is spawned under its service's
//! name, so the error itself needs to say only what went wrong, and the report reads
//! ``task 1 `billing` failed: HTTP 503 from /healthz``.
//! (When a result needs all of its parts, fail-fast is right: see the `aggregate`
//! example.)
//!
//! Run it with `cargo run -p errgroup-tokio --example health_check`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::time::Duration;

use errgroup_tokio::{
    Spawner,
    errgroup::{ErrGroup, Policy},
};

/// The services, how long each takes to answer, and whether it is healthy today.
const SERVICES: [Service; 5] = [
    Service { name: "auth", latency_ms: 4, status: Status::Up },
    Service { name: "billing", latency_ms: 2, status: Status::Down("HTTP 503 from /healthz") },
    Service { name: "search", latency_ms: 6, status: Status::Up },
    Service { name: "storage", latency_ms: 3, status: Status::Up },
    Service { name: "mail", latency_ms: 5, status: Status::Up },
];

fn main() {
    run();
}

/// Checks every service and prints the report.
pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a tokio runtime");
    println!("== checking {} services, at most 5 at a time", SERVICES.len());
    let outcome = runtime.block_on(async {
        let group = ErrGroup::builder().policy(Policy::CollectAll).spawner(Spawner::current());
        group.limit(5).expect("5 is a valid limit");
        for service in SERVICES {
            // A failed check cancels nothing, so the group keeps taking work.
            group
                .task()
                .name(service.name)
                .spawn(check(service))
                .await
                .expect("a collect-all group is never cancelled");
        }
        group.wait_all().await
    });

    // Every check ran to its end, so a service with no error is healthy. Each error names
    // its task, and each task is named after its service.
    let failures = outcome.err().unwrap_or_default();
    let failing: Vec<&str> = failures.iter().filter_map(|failure| failure.task()?.name()).collect();
    let healthy: Vec<&str> = SERVICES
        .iter()
        .map(|service| service.name)
        .filter(|name| !failing.contains(name))
        .collect();
    println!("   {} healthy, {} failing", healthy.len(), failures.len());
    for failure in &failures {
        println!("   FAIL {failure}");
    }
    println!("   ok   {}", healthy.join(", "));
}

#[derive(Clone, Copy)]
struct Service {
    name: &'static str,
    latency_ms: u64,
    status: Status,
}

#[derive(Clone, Copy)]
enum Status {
    Up,
    Down(&'static str),
}

/// A stand-in for `GET /healthz`: why the check failed, if it did. The service's name is
/// the task's, so the error need not repeat it.
async fn check(service: Service) -> Result<(), &'static str> {
    tokio::time::sleep(Duration::from_millis(service.latency_ms)).await;
    match service.status {
        Status::Up => Ok(()),
        Status::Down(reason) => Err(reason),
    }
}
