//! hyper's [`Executor`] for the spawners (feature `hyper`), so the executor a group spawns
//! on is also the one hyper spawns its connection tasks on.

use core::future::Future;

use hyper::rt::Executor;

use crate::{ExecutorSpawner, LocalSpawner, Spawner};

/// Spawns hyper's background tasks (HTTP/2 streams and connections) on smol's global
/// executor, detached. They are not tasks of any group: hyper owns them.
///
/// hyper's `execute` cannot report a refusal, and smol's executors never refuse a task: a
/// task is dropped unfinished only with its executor (or at process exit), and hyper then
/// sees the stream or connection it drove end.
///
/// # Examples
///
/// ```
/// use errgroup_smol::Spawner;
/// use hyper::rt::Executor;
///
/// smol::block_on(async {
///     let (sender, receiver) = smol::channel::bounded(1);
///     // What hyper's `server::conn::http2::Builder::new(Spawner)` calls for each stream:
///     Spawner.execute(async move { sender.send("served").await.unwrap() });
///     assert_eq!(receiver.recv().await, Ok("served"));
/// });
/// ```
impl<Fut> Executor<Fut> for Spawner
where
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    fn execute(&self, fut: Fut) {
        smol::spawn(fut).detach();
    }
}

/// Spawns hyper's background tasks on the spawner's [`Executor`](smol::Executor),
/// detached: they run when that executor is run. Never refuses (see [`Spawner`]'s impl).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// use errgroup_smol::ExecutorSpawner;
/// use hyper::rt::Executor;
///
/// let spawner = ExecutorSpawner::new(Arc::new(smol::Executor::new()));
/// let (sender, receiver) = smol::channel::bounded(1);
/// spawner.execute(async move { sender.send("served").await.unwrap() });
/// let served = smol::block_on(spawner.executor().run(receiver.recv()));
/// assert_eq!(served, Ok("served"));
/// ```
impl<Fut> Executor<Fut> for ExecutorSpawner
where
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    fn execute(&self, fut: Fut) {
        self.executor().spawn(fut).detach();
    }
}

/// Spawns hyper's `!Send` background tasks on the spawner's
/// [`LocalExecutor`](smol::LocalExecutor), detached: they run when that executor is run.
/// Never refuses (see [`Spawner`]'s impl).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// use errgroup_smol::LocalSpawner;
/// use hyper::rt::Executor;
///
/// let spawner = LocalSpawner::new(Rc::new(smol::LocalExecutor::new()));
/// let (sender, receiver) = smol::channel::bounded(1);
/// let not_send = Rc::new("served");
/// spawner.execute(async move { sender.send(*not_send).await.unwrap() });
/// let served = smol::block_on(spawner.executor().run(receiver.recv()));
/// assert_eq!(served, Ok("served"));
/// ```
impl<Fut> Executor<Fut> for LocalSpawner
where
    Fut: Future + 'static,
    Fut::Output: 'static,
{
    fn execute(&self, fut: Fut) {
        self.executor().spawn(fut).detach();
    }
}
