//! Stop a group from outside, and lose nothing: a shutdown token cancels a group that
//! collects page bodies while two of its five fetches are still running.
//!
//! - Waited for with `?` (the group turns interruptions into errors, and its error type
//!   is `anyhow::Error`): the caller gets an error that says the group was cancelled, why,
//!   and how many tasks did not finish, never a shorter `Vec` whose positions are wrong.
//! - Waited for with `wait_until(shutdown.cancelled())`: the bodies that did arrive, each
//!   at its task's position, `None` for the two that were stopped.
//!
//! Pages 1 and 3 are slow (they take a minute); the shutdown comes once the fast ones are
//! in, so the example finishes in a few milliseconds.
//!
//! Run it with `cargo run -p errgroup-tokio --example shutdown`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::time::Duration;

use anyhow::Context;
use errgroup_tokio::{
    Spawner,
    errgroup::{CancelToken, Collect, ErrGroup, Spawned, Timed},
};

/// A page fetch: pages 1 and 3 are slow.
async fn fetch(page: u32) -> anyhow::Result<String> {
    if page % 2 == 1 {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    Ok(format!("body of page {page}"))
}

/// A group that collects the five pages, cancelled with `shutdown`.
fn crawl(shutdown: &CancelToken) -> ErrGroup<anyhow::Error, Spawned<Spawner>, Collect<String>> {
    let group = ErrGroup::builder()
        .child_of(shutdown)
        .interruptions_as_errors()
        .collect()
        .spawner(Spawner::current());
    for page in 0..5 {
        group.try_spawn(fetch(page)).expect("a new group takes every task");
    }
    group
}

/// Cancels `shutdown` once the fast pages are in (the group then has two tasks left).
async fn shut_down_when_two_are_left<E, R: errgroup_tokio::errgroup::Results>(
    group: &ErrGroup<E, Spawned<Spawner>, R>,
    shutdown: CancelToken,
) {
    while group.active() > 2 {
        tokio::task::yield_now().await;
    }
    println!("shutting down with {} pages still loading", group.active());
    shutdown.cancel();
}

async fn with_question_mark() -> anyhow::Result<Vec<String>> {
    let shutdown = CancelToken::new();
    let group = crawl(&shutdown);
    shut_down_when_two_are_left(&group, shutdown).await;
    let bodies = group.await.context("crawling five pages")?;
    Ok(bodies)
}

async fn keeping_what_arrived() -> Vec<Option<String>> {
    let shutdown = CancelToken::new();
    let group = crawl(&shutdown);
    shut_down_when_two_are_left(&group, shutdown.clone()).await;
    match group.wait_until(shutdown.cancelled()).await {
        Timed::Finished(bodies) => bodies.expect("no page fails").into_iter().map(Some).collect(),
        Timed::TimedOut(bodies) => bodies.expect("no page fails"),
    }
}

fn main() {
    run();
}

/// Both ways of waiting for a group that is shut down.
pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        println!("== `group.await?`: the interruption is an error");
        match with_question_mark().await {
            Ok(bodies) => unreachable!("two pages never arrived, yet: {bodies:?}"),
            Err(error) => println!("error: {error:#}"),
        }
        println!("== `wait_until(shutdown.cancelled())`: what arrived, at its position");
        for (page, body) in keeping_what_arrived().await.iter().enumerate() {
            println!("page {page}: {}", body.as_deref().unwrap_or("(stopped by the shutdown)"));
        }
    });
}
