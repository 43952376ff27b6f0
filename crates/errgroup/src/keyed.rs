//! [`WithKey`]: a task spawned with a key ([`TaskBuilder::key`](crate::TaskBuilder::key)),
//! whose value comes back paired with its key: keyed results, tokio-util's `JoinMap` job,
//! in a group that collects `(K, T)` pairs ([`Builder::keyed`](crate::Builder::keyed)) or
//! races for one.

use core::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};

use pin_project_lite::pin_project;

pin_project! {
    /// A task spawned with a key, as its group runs it: the task's future, which returns
    /// a `T`, and its key, paired with the value when the task succeeds. It appears only in
    /// the bounds of [`KeyedTask::try_spawn`](crate::KeyedTask::try_spawn) and
    /// [`spawn`](crate::KeyedTask::spawn), which wrap the future in it.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::future::WithKey;
    ///
    /// let keyed = WithKey::new("answer", async { Ok::<_, ()>(42) });
    /// assert_eq!(futures_executor::block_on(keyed), Ok(("answer", 42)));
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct WithKey<F, K> {
        #[pin]
        future: F,
        // Taken when the task succeeds.
        key: Option<K>,
    }
}

impl<F, K> WithKey<F, K> {
    /// `future`, whose value will be paired with `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, future::WithKey};
    ///
    /// // What `task().key("a")` spawns, spawned by hand into a keyed group.
    /// let group = ErrGroup::<&str, _>::builder().keyed().inline();
    /// group.try_spawn(WithKey::new("a", async { Ok(1) })).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![("a", 1)]));
    ///
    /// // An error comes back alone: the key goes with a value only.
    /// let failed = WithKey::new("b", async { Err::<u32, _>("not found") });
    /// assert_eq!(futures_executor::block_on(failed), Err("not found"));
    /// ```
    pub const fn new(key: K, future: F) -> Self {
        Self { future, key: Some(key) }
    }

    /// Its key and its future: what a refused keyed spawn hands back, both unused.
    ///
    /// # Panics
    ///
    /// If the task has already succeeded (its key went with its value).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Rejected};
    ///
    /// let group = ErrGroup::<(), _>::builder().keyed::<String, u32>().inline();
    /// group.cancel();
    /// let Err(Rejected::Cancelled(refused, _cause)) =
    ///     group.handle().task().key("shard 1".to_string()).try_spawn(async { Ok(1) })
    /// else {
    ///     unreachable!()
    /// };
    /// let (key, _future) = refused.into_parts();
    /// assert_eq!(key, "shard 1");
    /// ```
    pub fn into_parts(self) -> (K, F) {
        (self.key.expect("errgroup: the key of a keyed task that already succeeded"), self.future)
    }
}

impl<F, K, T, E> Future for WithKey<F, K>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<(K, T), E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let value = ready!(this.future.poll(cx))?;
        let key = this.key.take().expect("errgroup: a keyed task polled after it completed");
        Poll::Ready(Ok((key, value)))
    }
}
