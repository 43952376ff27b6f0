//! What a group does with the values its tasks succeed with.

use alloc::vec::Vec;
use core::{fmt, marker::PhantomData};

use concurrent_queue::ConcurrentQueue;
use errgroup_core::ErrorSlot;

mod sealed {
    pub trait Sealed {}
}

/// How a group treats the `Ok` values of its tasks: [`Discard`] them (the default; the
/// group's memory stays constant however many tasks finish), [`Collect`] them, or keep the
/// first one and cancel the rest ([`FirstOk`]).
///
/// This trait is sealed: these modes are the only ones.
///
/// # Examples
///
/// ```
/// use errgroup::{Collect, ErrGroup, Results};
///
/// // `Output` is what `wait` returns on success.
/// fn output_of<R: Results>(_: &ErrGroup<(), errgroup::Inline<'_>, R>) -> &'static str {
///     core::any::type_name::<R::Output>()
/// }
/// let group = ErrGroup::builder().collect::<u8>().inline();
/// assert_eq!(output_of::<Collect<u8>>(&group), "alloc::vec::Vec<u8>");
/// ```
pub trait Results: sealed::Sealed {
    /// What each task returns on success.
    type Value;
    /// What `wait` returns on success.
    type Output;
    /// What a group stopped by its waiter's timer returns instead
    /// ([`Timed::TimedOut`](crate::Timed::TimedOut)): every value that did arrive, at its
    /// task's position.
    type Partial;
    #[doc(hidden)]
    type Store;
    #[doc(hidden)]
    fn new_store() -> Self::Store;
    #[doc(hidden)]
    fn store(store: &Self::Store, index: usize, value: Self::Value);
    #[doc(hidden)]
    fn output(store: &Self::Store) -> Self::Output;
    #[doc(hidden)]
    /// The values that did arrive, of `tasks` tasks spawned, each at its task's position.
    fn partial(store: &Self::Store, tasks: usize) -> Self::Partial;
    #[doc(hidden)]
    /// Whether the group's waiter is woken for each stored value (it may be streaming).
    const WAKE_ON_VALUE: bool;
    #[doc(hidden)]
    /// Whether a stored value ends the group: the first success wins the race.
    const CANCEL_ON_VALUE: bool = false;
    #[doc(hidden)]
    /// Whether `wait` returns every task's value: a group that was cancelled with tasks
    /// unfinished has no complete `Output` to return.
    const KEEPS_VALUES: bool = false;
}

/// Tasks return `Ok(())` and nothing is kept: a group in this mode uses the same memory
/// after a million tasks as after one. The default.
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
///
/// let group = ErrGroup::inline(); // ErrGroup<_, Inline, Discard>
/// group.try_spawn(async { Ok::<(), ()>(()) }).unwrap();
/// assert_eq!(futures_executor::block_on(group.wait()), Ok(()));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl sealed::Sealed for Discard {}

impl Results for Discard {
    type Value = ();
    type Output = ();
    type Partial = ();
    type Store = ();
    const WAKE_ON_VALUE: bool = false;

    fn new_store() {}

    fn store((): &(), _: usize, (): ()) {}

    fn output((): &()) {}

    fn partial((): &(), _: usize) {}
}

/// Tasks return `Ok(T)`; `wait` returns the values in spawn order, and
/// [`ErrGroup::into_stream`](crate::ErrGroup::into_stream) yields them as they complete.
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
///
/// let group = ErrGroup::builder().collect().inline();
/// for n in 0..3u32 {
///     group.try_spawn(async move { Ok::<u32, ()>(n * 10) }).unwrap();
/// }
/// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![0, 10, 20]));
/// ```
pub struct Collect<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for Collect<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Collect")
    }
}

impl<T> sealed::Sealed for Collect<T> {}

impl<T> Results for Collect<T> {
    type Value = T;
    type Output = Vec<T>;
    /// Each task's value, at its position in spawn order; `None` for a task that did not
    /// succeed.
    type Partial = Vec<Option<T>>;
    /// Values tagged with their task's spawn index, in order of completion. Lock-free;
    /// it allocates in blocks, not per value.
    type Store = ConcurrentQueue<(usize, T)>;
    const WAKE_ON_VALUE: bool = true;
    const KEEPS_VALUES: bool = true;

    fn new_store() -> Self::Store {
        ConcurrentQueue::unbounded()
    }

    fn store(store: &Self::Store, index: usize, value: T) {
        // An unbounded queue that is never closed cannot refuse a push.
        let pushed = store.push((index, value));
        debug_assert!(pushed.is_ok(), "the results queue is never closed");
    }

    fn output(store: &Self::Store) -> Vec<T> {
        let mut values: Vec<(usize, T)> = store.try_iter().collect();
        values.sort_unstable_by_key(|&(index, _)| index);
        values.into_iter().map(|(_, value)| value).collect()
    }

    fn partial(store: &Self::Store, tasks: usize) -> Vec<Option<T>> {
        let mut values: Vec<Option<T>> = core::iter::repeat_with(|| None).take(tasks).collect();
        for (index, value) in store.try_iter() {
            values[index] = Some(value);
        }
        values
    }
}

/// The first task to succeed wins: its value is the group's, and every other task is
/// cancelled. Errors are all kept (the group's policy is [`Policy::CollectAll`]), so if
/// every task fails, [`ErrGroup::race`](crate::ErrGroup::race) returns all the errors.
///
/// [`Policy::CollectAll`]: crate::Policy::CollectAll
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
///
/// let group = ErrGroup::builder().race().inline();
/// group.try_spawn(async { Err::<&str, _>("mirror 1 is down") }).unwrap();
/// group.try_spawn(async { Ok("from mirror 2") }).unwrap();
/// group.try_spawn(std::future::pending()).unwrap(); // cancelled when mirror 2 wins
/// assert_eq!(futures_executor::block_on(group.race()), Ok("from mirror 2"));
/// ```
pub struct FirstOk<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for FirstOk<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FirstOk")
    }
}

impl<T> sealed::Sealed for FirstOk<T> {}

impl<T> Results for FirstOk<T> {
    type Value = T;
    type Output = Option<T>;
    /// The winner's value, if a task won before the timer.
    type Partial = Option<T>;
    /// The winner's value: set once, lock-free.
    type Store = ErrorSlot<T>;
    const WAKE_ON_VALUE: bool = false;
    const CANCEL_ON_VALUE: bool = true;

    fn new_store() -> Self::Store {
        ErrorSlot::new()
    }

    fn store(store: &Self::Store, _: usize, value: T) {
        // A later success lost the race (it finished before the cancellation reached
        // it); its value is dropped.
        let _ = store.try_set(value);
    }

    fn output(store: &Self::Store) -> Option<T> {
        store.take()
    }

    fn partial(store: &Self::Store, _: usize) -> Option<T> {
        store.take()
    }
}
