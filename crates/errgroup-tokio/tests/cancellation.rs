//! The bridges between tokio-util's `CancellationToken` and errgroup's `CancelToken`: a
//! cancellation crosses them, in both directions, and a bridge ends with either token, so
//! none outlives what it connects. Synchronised with the tokens themselves and the
//! runtime's count of live tasks; no sleeps.
#![cfg(feature = "tokio-util")]

use errgroup_tokio::{
    CancelTokenExt, CancellationTokenExt, Spawner,
    errgroup::{CancelReason, CancelToken, ErrGroup},
};
use tokio_util::sync::CancellationToken;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().unwrap()
}

/// Yields until the runtime runs no task but this one (the bridges have ended).
async fn bridges_ended() {
    let metrics = tokio::runtime::Handle::current().metrics();
    while metrics.num_alive_tasks() > 0 {
        tokio::task::yield_now().await;
    }
}

#[test]
fn a_tokio_token_cancels_a_group_made_its_child() {
    runtime().block_on(async {
        let shutdown = CancellationToken::new();
        let bridged = shutdown.to_cancel_token();
        let group = ErrGroup::<(), _>::builder().child_of(&bridged).spawner(Spawner::current());
        let token = group.token();
        group.try_spawn(core::future::pending()).unwrap();
        assert!(!token.is_cancelled());
        shutdown.cancel();
        group.await.unwrap();
        assert_eq!(token.reason(), Some(CancelReason::Parent));
        assert_eq!(
            token.cause().unwrap().message(),
            Some("a tokio-util CancellationToken was cancelled")
        );
        // Cancelling the bridged token never reaches back.
        let shutdown = CancellationToken::new();
        shutdown.to_cancel_token().cancel();
        bridges_ended().await;
        assert!(!shutdown.is_cancelled());
        // Already cancelled: cancelled at once, no task.
        shutdown.cancel();
        let bridged = shutdown.to_cancel_token();
        assert_eq!(bridged.reason(), Some(CancelReason::Parent));
        assert_eq!(tokio::runtime::Handle::current().metrics().num_alive_tasks(), 0);
    });
}

#[test]
fn a_group_failure_cancels_its_tokio_token() {
    runtime().block_on(async {
        let group = errgroup_tokio::group();
        let stop = group.token().to_cancellation_token();
        let watcher = stop.clone();
        group
            .try_spawn(async move {
                watcher.cancelled().await;
                Ok(())
            })
            .unwrap();
        group.try_spawn(async { Err("backend down") }).unwrap();
        assert_eq!(group.await, Err("backend down"));
        assert!(stop.is_cancelled());
        // Cancelling the tokio token never reaches back, and ends its bridge.
        let token = CancelToken::new();
        token.to_cancellation_token().cancel();
        bridges_ended().await;
        assert!(!token.is_cancelled());
        // Already cancelled: cancelled at once, no task.
        token.cancel();
        assert!(token.to_cancellation_token().is_cancelled());
        bridges_ended().await;
    });
}

/// A bridge made per request ends when the token it feeds goes out of use, though its
/// source is never cancelled: nothing piles up on the runtime.
#[test]
fn a_bridge_ends_when_the_token_it_feeds_goes_out_of_use() {
    runtime().block_on(async {
        let metrics = tokio::runtime::Handle::current().metrics();
        let shutdown = CancellationToken::new();
        for _ in 0..3 {
            let group = ErrGroup::<(), _>::builder()
                .child_of(&shutdown.to_cancel_token())
                .spawner(Spawner::current());
            group.try_spawn(async { Ok(()) }).unwrap();
            group.await.unwrap();
        }
        bridges_ended().await;
        assert_eq!(metrics.num_alive_tasks(), 0);

        // The other way: the bridge ends with the group's token, and does not cancel.
        let group = errgroup_tokio::group::<()>();
        let stop = group.token().to_cancellation_token();
        assert_eq!(metrics.num_alive_tasks(), 1, "the bridge runs");
        group.await.unwrap();
        bridges_ended().await;
        assert!(!stop.is_cancelled(), "a group that ended cleanly cancels nothing");
        assert!(!shutdown.is_cancelled());
    });
}
