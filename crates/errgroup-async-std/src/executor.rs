//! hyper's [`Executor`] for the spawners (feature `hyper`), so the executor a group spawns
//! on is also the one hyper spawns its connection tasks on.

use core::future::Future;

use hyper::rt::Executor;

use crate::{LocalSpawner, Spawner};

/// Spawns hyper's background tasks (HTTP/2 streams and connections) on async-std's global
/// executor, detached. They are not tasks of any group: hyper owns them.
///
/// hyper's `execute` cannot report a refusal. async-std refuses a task only when it cannot
/// start its executor's threads; then this panics, as `async_std::task::spawn` does (the
/// group's own [`Spawn`](errgroup::Spawn) impl returns a `SpawnError` instead).
///
/// # Examples
///
/// ```
/// use errgroup_async_std::Spawner;
/// use hyper::rt::Executor;
///
/// async_std::task::block_on(async {
///     let (sender, receiver) = async_std::channel::bounded(1);
///     // What hyper's `server::conn::http2::Builder::new(Spawner::new())` calls per stream:
///     Spawner::new().execute(async move { sender.send("served").await.unwrap() });
///     assert_eq!(receiver.recv().await, Ok("served"));
/// });
/// ```
impl<Fut> Executor<Fut> for Spawner
where
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    fn execute(&self, fut: Fut) {
        drop(async_std::task::spawn(fut));
    }
}

/// Spawns hyper's `!Send` background tasks on the current thread's executor, with
/// `async_std::task::spawn_local`: they run while this thread runs async-std's executor
/// (see [`LocalSpawner`]). Panics where async-std's `spawn_local` does.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// use errgroup_async_std::LocalSpawner;
/// use hyper::rt::Executor;
///
/// async_std::task::block_on(async {
///     let (sender, receiver) = async_std::channel::bounded(1);
///     let not_send = Rc::new("served");
///     LocalSpawner::new().execute(async move { sender.send(*not_send).await.unwrap() });
///     assert_eq!(receiver.recv().await, Ok("served"));
/// });
/// ```
impl<Fut> Executor<Fut> for LocalSpawner
where
    Fut: Future + 'static,
    Fut::Output: 'static,
{
    fn execute(&self, fut: Fut) {
        drop(async_std::task::spawn_local(fut));
    }
}
