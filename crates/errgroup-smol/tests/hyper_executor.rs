//! hyper's `Executor` on smol's spawners (feature `hyper`): each runs what hyper hands it,
//! on the executor it names, bounded by a deadline so that a lost future fails the test.
#![cfg(feature = "hyper")]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{rc::Rc, sync::Arc, time::Duration};

use errgroup_smol::{ExecutorSpawner, LocalSpawner, Spawner};
use hyper::rt::Executor;
use smol::{Timer, future::FutureExt};

const DEADLINE: Duration = Duration::from_secs(60);

/// `receiver`'s message, or a panic past the deadline.
async fn within_deadline<T>(receiver: smol::channel::Receiver<T>) -> T {
    let expired = async {
        Timer::after(DEADLINE).await;
        panic!("the executor never ran the future hyper handed it")
    };
    receiver.recv().or(expired).await.expect("the future sent its message")
}

#[test]
fn the_global_spawner_runs_what_hyper_hands_it() {
    let (sender, receiver) = smol::channel::bounded(1);
    Spawner.execute(async move { sender.send("global").await.unwrap() });
    assert_eq!(smol::block_on(within_deadline(receiver)), "global");
}

#[test]
fn an_executor_spawner_runs_it_on_its_executor() {
    let executor = Arc::new(smol::Executor::new());
    let (sender, receiver) = smol::channel::bounded(1);
    ExecutorSpawner::new(executor.clone())
        .execute(async move { sender.send("executor").await.unwrap() });
    assert!(!executor.is_empty(), "the future is on the spawner's executor");
    assert_eq!(smol::block_on(executor.run(within_deadline(receiver))), "executor");
}

#[test]
fn a_local_spawner_runs_not_send_futures_on_its_local_executor() {
    let local = Rc::new(smol::LocalExecutor::new());
    let (sender, receiver) = smol::channel::bounded(1);
    let not_send = Rc::new("local");
    LocalSpawner::new(local.clone()).execute(async move { sender.send(*not_send).await.unwrap() });
    assert!(!local.is_empty(), "the future is on the spawner's executor");
    assert_eq!(smol::block_on(local.run(within_deadline(receiver))), "local");
}
