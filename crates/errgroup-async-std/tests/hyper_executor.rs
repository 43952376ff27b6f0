//! hyper's `Executor` on async-std's spawners (feature `hyper`): each runs what hyper hands
//! it, bounded by a deadline so that a lost future fails the test.
#![cfg(feature = "hyper")]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{rc::Rc, time::Duration};

use errgroup_async_std::{LocalSpawner, Spawner};
use hyper::rt::Executor;

const DEADLINE: Duration = Duration::from_secs(60);

/// `receiver`'s message, or a panic past the deadline.
async fn within_deadline<T>(receiver: async_std::channel::Receiver<T>) -> T {
    async_std::future::timeout(DEADLINE, receiver.recv())
        .await
        .expect("the executor never ran the future hyper handed it")
        .expect("the future sent its message")
}

#[test]
fn the_spawner_runs_what_hyper_hands_it() {
    let (sender, receiver) = async_std::channel::bounded(1);
    Spawner::new().execute(async move { sender.send("global").await.unwrap() });
    assert_eq!(async_std::task::block_on(within_deadline(receiver)), "global");
}

#[test]
fn the_local_spawner_runs_not_send_futures_on_this_thread() {
    async_std::task::block_on(async {
        let (sender, receiver) = async_std::channel::bounded(1);
        let not_send = Rc::new("local");
        LocalSpawner::new().execute(async move { sender.send(*not_send).await.unwrap() });
        assert_eq!(within_deadline(receiver).await, "local");
    });
}
