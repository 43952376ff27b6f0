//! hyper's [`Executor`] for the spawners (feature `hyper`), so the runtime handle a group
//! spawns on is also the one hyper spawns its connection tasks on.

use core::future::Future;

use hyper::rt::Executor;

use crate::{LocalSpawner, Spawner};

/// Spawns hyper's background tasks (HTTP/2 streams and connections) on the spawner's
/// runtime, as hyper-util's `TokioExecutor` does. They are not tasks of any group: hyper
/// owns them.
///
/// hyper's `execute` cannot report a refusal, and this spawner never refuses: on a runtime
/// that is shut down, tokio drops the future unpolled, and hyper sees the stream or
/// connection it drove end (its peer gets a reset), as with `TokioExecutor`.
///
/// # Examples
///
/// ```
/// use errgroup_tokio::Spawner;
/// use hyper::rt::Executor;
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let spawner = Spawner::current();
///     // What hyper's `server::conn::http2::Builder::new(spawner)` calls for each stream:
///     let (sender, receiver) = tokio::sync::oneshot::channel();
///     spawner.execute(async move { sender.send("served").unwrap() });
///     assert_eq!(receiver.await, Ok("served"));
/// });
/// ```
impl<Fut> Executor<Fut> for Spawner
where
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    fn execute(&self, fut: Fut) {
        drop(self.handle().spawn(fut));
    }
}

/// Spawns hyper's `!Send` background tasks on the current thread's `LocalSet`, for
/// hyper's connections driven on one thread.
///
/// hyper's `execute` cannot report a refusal; like [`tokio::task::spawn_local`], this
/// panics outside the context of a `LocalSet` (a mistake in the program, named by tokio's
/// message), and a `LocalSet` dropped with the task unfinished drops it.
///
/// # Examples
///
/// ```
/// use errgroup_tokio::LocalSpawner;
/// use hyper::rt::Executor;
/// use std::rc::Rc;
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// tokio::task::LocalSet::new().block_on(&runtime, async {
///     let (sender, receiver) = tokio::sync::oneshot::channel();
///     let not_send = Rc::new("served");
///     LocalSpawner::new().execute(async move { sender.send(*not_send).unwrap() });
///     assert_eq!(receiver.await, Ok("served"));
/// });
/// ```
impl<Fut> Executor<Fut> for LocalSpawner
where
    Fut: Future + 'static,
    Fut::Output: 'static,
{
    #[track_caller]
    fn execute(&self, fut: Fut) {
        drop(tokio::task::spawn_local(fut));
    }
}
