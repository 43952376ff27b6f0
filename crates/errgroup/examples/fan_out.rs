//! The errgroup demo: fan work out, fan results in, and stop at the first failure.
//!
//! Runs on a `futures-executor` thread pool through a five-line `Spawn` impl, and inline
//! with no executor at all. Run it with `cargo run -p errgroup --example fan_out`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::SeqCst},
    },
    time::Instant,
};

use errgroup::{ErrGroup, Panicked, Spawn, SpawnError};
use futures_executor::{ThreadPool, block_on};

/// The bridge to an executor: one method.
#[derive(Clone)]
struct Pool(ThreadPool);

impl Spawn for Pool {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.0.spawn_ok(task);
        Ok(())
    }
}

/// Counts the futures that were dropped before they finished: cancelled work.
struct DropGuard(Arc<AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[derive(Debug)]
enum Error {
    NotFound(u32),
    Panicked(Panicked),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound(id) => write!(f, "item {id} not found"),
            Self::Panicked(panicked) => panicked.fmt(f),
        }
    }
}

impl From<Panicked> for Error {
    fn from(panicked: Panicked) -> Self {
        Self::Panicked(panicked)
    }
}

/// A stand-in for real I/O: yields a few times, then answers.
async fn lookup(id: u32) -> Result<u64, Error> {
    for _ in 0..id % 4 {
        yield_now().await;
    }
    if id == 13 { Err(Error::NotFound(id)) } else { Ok(u64::from(id) * u64::from(id)) }
}

fn main() {
    let pool = Pool(ThreadPool::new().expect("a thread pool"));

    println!("== results in spawn order, on a thread pool, at most 8 at a time");
    let started = Instant::now();
    let group = ErrGroup::builder().collect().spawner(pool.clone());
    group.limit(8).expect("8 is a valid limit");
    block_on(async {
        for id in 0..100 {
            group.spawn(lookup(id % 13)).await.expect("the group is healthy");
        }
    });
    let squares = block_on(group.wait()).expect("no task fails");
    println!("   sum of 100 squares: {} in {:?}", squares.iter().sum::<u64>(), started.elapsed());

    println!("== the first error cancels everything else");
    let cancelled = Arc::new(AtomicUsize::new(0));
    let group: ErrGroup<Error, _> = ErrGroup::new(pool.clone());
    for id in 0..20 {
        let guard = DropGuard(cancelled.clone());
        let _ = group.try_spawn(async move {
            if id == 13 {
                std::mem::forget(guard); // this one fails; count only the others
                return lookup(id).await.map(drop);
            }
            std::future::pending::<()>().await; // never finishes by itself
            drop(guard);
            Ok(())
        });
    }
    let error = block_on(group.wait()).expect_err("task 13 fails");
    println!("   error: {error}; {} pending tasks were dropped", cancelled.load(SeqCst));

    println!("== a panic becomes an error value, and is not lost");
    // The default hook would print a backtrace; one line is enough for a demo.
    std::panic::set_hook(Box::new(|info| println!("   (panic hook) {info}")));
    let group = ErrGroup::builder().panics_as_errors().spawner(pool);
    group.try_spawn(async { Ok::<(), Error>(()) }).expect("room");
    group.try_spawn(async { panic!("the disk is on fire") }).expect("room");
    match block_on(group.wait()) {
        Err(Error::Panicked(panicked)) => println!("   {panicked}"),
        other => println!("   unexpected: {other:?}"),
    }

    println!("== inline: no executor, and tasks may borrow");
    let names = vec!["ada", "grace", "barbara"];
    let group = ErrGroup::builder().collect().inline();
    for name in &names {
        group.try_spawn(async move { Ok::<usize, Error>(name.len()) }).expect("room");
    }
    println!("   name lengths: {:?}", block_on(group.wait()).expect("no task fails"));
}

/// Pending once, waking itself: lets other tasks run.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if std::mem::replace(&mut yielded, true) {
            std::task::Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}
