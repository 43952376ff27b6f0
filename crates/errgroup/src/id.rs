//! Which task: [`TaskId`] (a task's place in its group's spawn order), [`TaskName`] (an
//! optional name given at spawn) and [`TaskInfo`] (both, as outcomes carry them).
//!
//! A task's name lives in its task wrapper as a type parameter ([`Label`]): an unnamed
//! task carries `()`, which takes no bytes and no time, and only a named task carries a
//! [`TaskName`] (a pointer and a length; no allocation for a `&'static str`).

use alloc::{boxed::Box, string::String};
use core::{fmt, hash, ops::Deref};

use crate::sync::AllocArc;

/// A task's id: its position in its group's spawn order, counting from 0. What
/// [`try_spawn`](crate::GroupHandle::try_spawn) and [`spawn`](crate::GroupHandle::spawn)
/// return, and what every outcome that names a task carries ([`TaskInfo::id`]).
///
/// Ids are unique within a group (not across groups), and a collecting group's values sit
/// at their tasks' ids: the value of task `n` is at index `n` of the `Vec`.
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
///
/// let group = ErrGroup::builder().collect().inline();
/// let first = group.try_spawn(async { Ok::<_, ()>("a") }).unwrap();
/// let second = group.try_spawn(async { Ok::<_, ()>("b") }).unwrap();
/// assert_eq!((first.index(), second.index()), (0, 1));
/// assert!(first < second);
/// assert_eq!(second.to_string(), "1");
///
/// let values = futures_executor::block_on(group.wait()).unwrap();
/// assert_eq!(values[second.index()], "b");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(usize);

impl TaskId {
    pub(crate) const fn new(index: usize) -> Self {
        Self(index)
    }

    /// The task's position in its group's spawn order, counting from 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// assert_eq!(group.try_spawn(async { Ok(()) }).unwrap().index(), 0);
    /// assert_eq!(group.try_spawn(async { Ok(()) }).unwrap().index(), 1);
    /// ```
    pub const fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A task's name, given when it is spawned ([`GroupHandle::task`](crate::GroupHandle::task)).
/// Made from a `&'static str` (no allocation), a `String`, a `Box<str>` or an `Arc<str>`;
/// cloning it never allocates. Compares, hashes and prints as its text.
///
/// # Examples
///
/// ```
/// use errgroup::TaskName;
///
/// let fixed = TaskName::from("billing");
/// let made = TaskName::from(format!("fetch {}", 7));
/// assert_eq!(fixed, TaskName::from(String::from("billing")));
/// assert_eq!(&*made, "fetch 7");
/// assert_eq!(format!("{fixed} {fixed:?}"), r#"billing "billing""#);
/// ```
#[derive(Clone)]
pub struct TaskName(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(AllocArc<str>),
}

impl TaskName {
    /// The name's text.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(errgroup::TaskName::from("billing").as_str(), "billing");
    /// ```
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(name) => name,
            Repr::Shared(name) => name,
        }
    }
}

impl Deref for TaskName {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for TaskName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for TaskName {
    fn from(name: &'static str) -> Self {
        Self(Repr::Static(name))
    }
}

impl From<String> for TaskName {
    fn from(name: String) -> Self {
        Self(Repr::Shared(name.into()))
    }
}

impl From<Box<str>> for TaskName {
    fn from(name: Box<str>) -> Self {
        Self(Repr::Shared(name.into()))
    }
}

impl From<AllocArc<str>> for TaskName {
    fn from(name: AllocArc<str>) -> Self {
        Self(Repr::Shared(name))
    }
}

impl PartialEq for TaskName {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for TaskName {}

impl hash::Hash for TaskName {
    fn hash<H: hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which task: its [`TaskId`], and its [`TaskName`] if it was given one. Carried by every
/// outcome that names a task ([`Lost`](crate::Lost), [`Panicked`](crate::Panicked)), and
/// shown by their messages: `task 3`, or ``task 3 `billing` `` for a named task.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, Interrupted, Spawn, SpawnError};
///
/// /// Accepts every task, and drops it.
/// #[derive(Clone)]
/// struct Discarding;
///
/// impl Spawn for Discarding {
///     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) -> Result<(), SpawnError> {
///         drop(task);
///         Ok(())
///     }
/// }
///
/// let group = ErrGroup::<Interrupted, _>::builder()
///     .interruptions_as_errors()
///     .spawner(Discarding);
/// let id = group.task().name("billing").try_spawn(async { Ok(()) }).unwrap();
/// let Err(Interrupted::Lost(lost)) = futures_executor::block_on(group.wait()) else {
///     unreachable!()
/// };
/// let task = lost.task();
/// assert_eq!((task.id(), task.name()), (id, Some("billing")));
/// assert_eq!(task.to_string(), "task 0 `billing`");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TaskInfo {
    id: TaskId,
    name: Option<TaskName>,
}

impl TaskInfo {
    pub(crate) const fn new(id: TaskId, name: Option<TaskName>) -> Self {
        Self { id, name }
    }

    /// The task's id: its position in spawn order.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use errgroup::{ErrGroup, Panicked};
    ///
    /// let group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// let id = group.try_spawn(async { panic!("boom") }).unwrap();
    /// let panicked = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(panicked.task().id(), id);
    /// # }
    /// ```
    pub const fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name, if it was given one.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use errgroup::{ErrGroup, Panicked};
    ///
    /// let mut group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    /// group.task().name("parser").try_spawn(async { panic!("bad input") }).unwrap();
    /// let panicked = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(panicked.task().name(), Some("parser"));
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl fmt::Debug for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut task = f.debug_struct("Task");
        task.field("id", &self.id.0);
        if let Some(name) = &self.name {
            task.field("name", name);
        }
        task.finish()
    }
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "task {} `{name}`", self.id),
            None => write!(f, "task {}", self.id),
        }
    }
}

/// What a task wrapper carries to name its task: `()` for an unnamed task, a [`TaskName`]
/// for a named one. `pub` only so that the sealed [`Launch`](crate::Launch) trait can name
/// it; it is not reachable from outside the crate.
pub trait Label: Clone + Send + Sync + 'static {
    /// The task's name, if it has one.
    fn name(&self) -> Option<TaskName>;

    /// The task's name, taken out (for a task about to be dropped): no reference count.
    fn take_name(&mut self) -> Option<TaskName>;

    /// The task at `id`, as outcomes name it.
    #[inline]
    fn info(&self, id: TaskId) -> TaskInfo {
        TaskInfo::new(id, self.name())
    }

    /// Whether a task with this label may be spared by a cancellation (it is signalled,
    /// or it has a shield): known by type, so that other tasks pay nothing.
    const SPARABLE: bool = false;

    /// Asked of a task that its group's cancellation would drop: whether to spare it for
    /// now (it is signalled, or inside a shielded section, which then wakes it when the
    /// section ends).
    #[inline]
    fn spared(&self) -> bool {
        false
    }
}

impl Label for () {
    #[inline]
    fn name(&self) -> Option<TaskName> {
        None
    }

    #[inline]
    fn take_name(&mut self) -> Option<TaskName> {
        None
    }
}

impl Label for TaskName {
    fn name(&self) -> Option<TaskName> {
        Some(self.clone())
    }

    fn take_name(&mut self) -> Option<TaskName> {
        Some(core::mem::replace(self, TaskName::from("")))
    }
}
