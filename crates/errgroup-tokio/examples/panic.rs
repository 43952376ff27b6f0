//! A task panics: its siblings are cancelled, and the panic is not lost.
//!
//! Two jobs run in a group: `upload` is waiting for an answer, `parse` panics. Either way
//! the panic counts as the group's failure, so `upload` is cancelled (its guard prints
//! when its future is dropped), and the panic reaches whoever waits for the group:
//!
//! - (a) by default, `wait` re-raises it with its original payload, as if the task's code
//!   had run in the waiter. The example catches it with `std::panic::catch_unwind` around
//!   `runtime.block_on(group.wait())`, to print it;
//! - (b) with `ErrGroup::builder().panics_as_errors()`, it becomes an error value: the
//!   error type implements `From<Panicked>`, and `Panicked` says which task (its index in
//!   spawn order) panicked, and with what message.
//!
//! The default panic hook prints several lines; this example installs a one-line hook for
//! its duration, and puts the previous one back at the end.
//!
//! Run it with `cargo run -p errgroup-tokio --example panic`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{any::Any, fmt, future::pending, panic::AssertUnwindSafe};

use errgroup_tokio::{
    Group, Spawner,
    errgroup::{ErrGroup, Panicked},
};

fn main() {
    run();
}

/// Shows both ways, under a one-line panic hook.
pub(crate) fn run() {
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        println!("   (panic hook) a task panicked: {}", message(info.payload()));
    }));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a tokio runtime");

    println!("== (a) by default, `wait` re-raises the panic");
    let caught = std::panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(async {
            let group = errgroup_tokio::group();
            start_jobs(&group);
            group.wait().await
        })
    }));
    match caught {
        Err(payload) => {
            println!("   caught around `block_on`, original payload: {:?}", message(&*payload))
        }
        Ok(outcome) => println!("   unexpected: {outcome:?}"),
    }

    println!("== (b) with `panics_as_errors`, the panic is an error value");
    let outcome = runtime.block_on(async {
        let group = ErrGroup::builder().panics_as_errors().spawner(Spawner::current());
        start_jobs(&group);
        group.wait().await
    });
    match outcome {
        Err(JobError::Panicked(panicked)) => println!("   Err(JobError::Panicked): {panicked}"),
        other => println!("   unexpected: {other:?}"),
    }

    std::panic::set_hook(previous_hook);
}

/// Task 0, `upload`, never finishes by itself; task 1, `parse`, panics.
fn start_jobs(group: &Group<JobError>) {
    let guard = Cancelled("upload");
    group
        .try_spawn(async move {
            let _guard = guard;
            pending::<()>().await;
            Err(JobError::Failed("upload: the connection never answered"))
        })
        .expect("a new group has room");
    // `upload` cannot have failed: the group has room for `parse`.
    group
        .try_spawn(async { panic!("parse: unexpected end of input at byte 42") })
        .expect("a new group has room");
}

#[derive(Debug)]
enum JobError {
    Failed(&'static str),
    Panicked(Panicked),
}

impl From<Panicked> for JobError {
    fn from(panicked: Panicked) -> Self {
        Self::Panicked(panicked)
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(reason) => f.write_str(reason),
            Self::Panicked(panicked) => panicked.fmt(f),
        }
    }
}

/// Prints when the task's future is dropped: cancelled by its sibling's panic.
struct Cancelled(&'static str);

impl Drop for Cancelled {
    fn drop(&mut self) {
        println!("   {}: cancelled, its future dropped", self.0);
    }
}

/// The panic message, if the payload is a string (as `panic!` makes).
fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<not a string>")
}
