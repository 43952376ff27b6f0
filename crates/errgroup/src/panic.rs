//! Panics caught in tasks (feature `std`).

use alloc::{boxed::Box, string::String};
use core::{any::Any, fmt};

use crate::{id::TaskInfo, sync::Lock};

/// A task panicked. What a group's error type is built from when the group turns panics
/// into errors ([`Builder::panics_as_errors`](crate::Builder::panics_as_errors)) instead of
/// re-raising them at `wait`.
///
/// It carries the panic message (when the payload was a string, as with `panic!`) and
/// which task panicked: its id (its position in spawn order) and its name, if it has one.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, Panicked};
///
/// #[derive(Debug)]
/// enum Error {
///     Panicked(Panicked),
/// }
///
/// impl From<Panicked> for Error {
///     fn from(panicked: Panicked) -> Self {
///         Error::Panicked(panicked)
///     }
/// }
///
/// let group = ErrGroup::builder().panics_as_errors().inline();
/// group.try_spawn(async { Ok::<(), Error>(()) }).unwrap();
/// group.try_spawn(async { panic!("disk on fire") }).unwrap();
///
/// let Err(Error::Panicked(panicked)) = futures_executor::block_on(group.wait()) else {
///     unreachable!()
/// };
/// assert_eq!(panicked.message(), Some("disk on fire"));
/// assert_eq!(panicked.task().id().index(), 1);
/// assert_eq!(panicked.to_string(), "task 1 panicked: disk on fire");
/// ```
///
/// `Panicked` is `Send + Sync` (the payload sits behind a mutex that only
/// [`into_payload`](Self::into_payload) opens), so an error type holding one still works
/// with `anyhow` and friends.
pub struct Panicked {
    task: TaskInfo,
    message: Option<String>,
    payload: Lock<Box<dyn Any + Send>>,
}

impl Panicked {
    pub(crate) fn new(task: TaskInfo, payload: Box<dyn Any + Send>) -> Self {
        let message = payload_message(&*payload).map(String::from);
        Self { task, message, payload: Lock::new(payload) }
    }

    /// The panic message, if the payload was a `&str` or a `String` (as `panic!` makes).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Panicked};
    /// use futures_executor::block_on;
    ///
    /// let group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    /// group.try_spawn(async { panic!("disk {} on fire", 2) }).unwrap();
    /// assert_eq!(block_on(group.wait()).unwrap_err().message(), Some("disk 2 on fire"));
    ///
    /// // A payload that is not a string has no message.
    /// let group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    /// group.try_spawn(async { std::panic::panic_any(42u8) }).unwrap();
    /// assert_eq!(block_on(group.wait()).unwrap_err().message(), None);
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Which task panicked: its id (its position in spawn order) and its name, if it has
    /// one.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Panicked};
    ///
    /// let mut group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// group.task().name("billing").try_spawn(async { panic!("no invoices") }).unwrap();
    /// let panicked = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(panicked.task().id().index(), 1);
    /// assert_eq!(panicked.task().name(), Some("billing"));
    /// ```
    pub fn task(&self) -> &TaskInfo {
        &self.task
    }

    /// The original panic payload, for `std::panic::resume_unwind`.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Panicked};
    ///
    /// let group = ErrGroup::builder().panics_as_errors().inline();
    /// group.try_spawn(async { std::panic::panic_any(42u8) }).unwrap();
    /// let panicked: Panicked = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(panicked.into_payload().downcast_ref::<u8>(), Some(&42));
    /// ```
    pub fn into_payload(self) -> Box<dyn Any + Send> {
        // Nothing panics while holding the lock (it is never taken before this), so it
        // cannot be poisoned; recover the payload either way.
        self.payload.into_inner()
    }
}

pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Debug for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Panicked")
            .field("task", &self.task)
            .field("message", &self.message())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(message) => write!(f, "{} panicked: {message}", self.task),
            None => write!(f, "{} panicked with a non-string payload", self.task),
        }
    }
}

impl core::error::Error for Panicked {}

/// `Panicked` is the one error type that is trivially `From<Panicked>`, so a group whose
/// error type is `Panicked` works with `panics_as_errors` out of the box.
#[cfg(test)]
const _: fn(Panicked) -> Panicked = Panicked::from;
