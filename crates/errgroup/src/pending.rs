//! What is still running: the registry a group keeps of its tasks when asked to
//! ([`Builder::track_pending`](crate::Builder::track_pending)), for a hang or a timeout;
//! and [`GroupDump`], a snapshot of a group and the groups nested in it.
//!
//! A task is entered when it is counted in and removed when it is counted out; a task the
//! group dropped unfinished (cancelled) is moved to a second list, so that after a timeout
//! the tasks that were still running when it fired can be named. A group that does not
//! track pays one predictable branch at each task's start and end, and no memory.
//!
//! A group that is named, tracks its tasks or has a parent keeps a [`GroupInfo`]; one
//! with a parent registers it, weakly, with the nearest group above it (through the
//! tokens: [`CancelToken::nest_in_parent_group`]), which is how a dump finds its
//! children.

use alloc::{collections::BTreeMap, vec::Vec};
use core::fmt;

use crate::{
    id::{TaskId, TaskInfo, TaskName},
    sync::{AllocArc, Lock},
    token::{CancelToken, Cause, Nested},
};

/// What a dump knows of a group: its name, its registry of tasks, its token.
pub(crate) struct GroupInfo {
    pub(crate) name: Option<TaskName>,
    pub(crate) pending: Option<Pending>,
    token: CancelToken,
}

impl GroupInfo {
    /// The info of a group with `token`, registered with the group above it if `nested`.
    pub(crate) fn new(
        name: Option<TaskName>,
        track_pending: bool,
        token: &CancelToken,
        nested: bool,
    ) -> AllocArc<Self> {
        let info = Self { name, pending: track_pending.then(Pending::new), token: token.clone() };
        if !nested {
            return AllocArc::new(info);
        }
        #[cfg(target_has_atomic = "ptr")]
        {
            let info = AllocArc::new(info);
            let weak: Nested = AllocArc::downgrade(&info) as crate::sync::AllocWeak<GroupInfo>;
            token.nest_in_parent_group(&weak);
            info
        }
        // portable-atomic-util's `Arc` does not coerce to a trait object: it is made one
        // from a box, then downcast back (the same allocation).
        #[cfg(not(target_has_atomic = "ptr"))]
        {
            let erased =
                AllocArc::from(alloc::boxed::Box::new(info)
                    as alloc::boxed::Box<dyn core::any::Any + Send + Sync>);
            let weak: Nested = AllocArc::downgrade(&erased);
            token.nest_in_parent_group(&weak);
            match erased.downcast() {
                Ok(info) => info,
                Err(_) => unreachable!("made from a GroupInfo"),
            }
        }
    }

    pub(crate) fn dump(&self) -> GroupDump {
        dump(self.name.as_ref(), self.pending.as_ref(), &self.token)
    }
}

/// A dump of the group with this name, registry and token, and of the groups nested in it.
pub(crate) fn dump(
    name: Option<&TaskName>,
    pending: Option<&Pending>,
    token: &CancelToken,
) -> GroupDump {
    let children = token
        .nested_groups()
        .into_iter()
        .filter_map(|nested| nested.downcast::<GroupInfo>().ok())
        .map(|child| child.dump())
        .collect();
    GroupDump {
        name: name.cloned(),
        cancelled: token.cause(),
        pending: pending.map(Pending::running),
        unfinished: pending.map(Pending::unfinished),
        children,
    }
}

/// A snapshot of a group and of the groups nested in it (made with
/// [`Builder::child_of`](crate::Builder::child_of) its token): each one's name, whether
/// it was cancelled and why, and, for a group that
/// [tracks its tasks](crate::Builder::track_pending), the tasks still running and those it
/// dropped unfinished. What [`GroupHandle::dump`](crate::GroupHandle::dump) returns; it
/// prints as a tree, as Kotlin's `DebugProbes.printScope` or Python's `asyncio pstree` do.
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
///
/// let parent = ErrGroup::<(), _>::builder().name("server").track_pending().inline();
/// let mut child = ErrGroup::<(), _>::builder()
///     .name("conn 7")
///     .track_pending()
///     .child_of(&parent.token())
///     .inline();
/// parent.handle().task().name("accept").try_spawn(std::future::pending()).unwrap();
/// child.task().name("read").try_spawn(std::future::pending()).unwrap();
/// child.cancel();
///
/// let dump = parent.dump();
/// assert_eq!(dump.children().len(), 1);
/// assert_eq!(
///     dump.to_string(),
///     "group `server`: 1 running\n\
///      ├── task 0 `accept`\n\
///      └── group `conn 7`: 1 running, cancelled explicitly\n    \
///          └── task 0 `read`\n"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct GroupDump {
    name: Option<TaskName>,
    cancelled: Option<Cause>,
    pending: Option<Vec<TaskInfo>>,
    unfinished: Option<Vec<TaskInfo>>,
    children: Vec<GroupDump>,
}

impl GroupDump {
    /// The group's name, if it was given one.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::builder().name("batch").inline();
    /// assert_eq!(group.dump().name(), Some("batch"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Why the group was cancelled, if it was.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::CancelReason;
    ///
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// assert!(group.dump().cancelled().is_none());
    /// group.cancel();
    /// assert_eq!(group.dump().cancelled().map(|cause| cause.reason()), Some(CancelReason::Explicit));
    /// ```
    pub const fn cancelled(&self) -> Option<&Cause> {
        self.cancelled.as_ref()
    }

    /// The tasks running when the dump was taken, in spawn order; `None` unless the group
    /// [tracks its tasks](crate::Builder::track_pending).
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::builder().track_pending().inline();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// assert_eq!(group.dump().pending().map(<[_]>::len), Some(1));
    /// assert_eq!(errgroup::ErrGroup::<(), _>::inline().dump().pending(), None);
    /// ```
    pub fn pending(&self) -> Option<&[TaskInfo]> {
        self.pending.as_deref()
    }

    /// The tasks the group had dropped unfinished when the dump was taken (see
    /// [`GroupHandle::unfinished`](crate::GroupHandle::unfinished)); `None` unless the group
    /// tracks its tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::builder().track_pending().inline();
    /// assert_eq!(group.dump().unfinished(), Some(&[][..]));
    /// ```
    pub fn unfinished(&self) -> Option<&[TaskInfo]> {
        self.unfinished.as_deref()
    }

    /// The groups nested in this one that were alive when the dump was taken, in the
    /// order they were made.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let server = ErrGroup::<(), _>::builder().name("server").inline();
    /// let conn_1 = ErrGroup::<(), _>::builder().name("conn 1").child_of(&server.token()).inline();
    /// let conn_2 = ErrGroup::<(), _>::builder().name("conn 2").child_of(&server.token()).inline();
    /// let dump = server.dump();
    /// let names: Vec<_> = dump.children().iter().map(|child| child.name()).collect();
    /// assert_eq!(names, [Some("conn 1"), Some("conn 2")]);
    ///
    /// drop(conn_1); // a group that is gone is not in the next dump
    /// assert_eq!(server.dump().children().len(), 1);
    /// # drop(conn_2);
    /// ```
    pub fn children(&self) -> &[GroupDump] {
        &self.children
    }

    fn fmt_tree(
        &self,
        f: &mut fmt::Formatter<'_>,
        indent: &mut alloc::string::String,
    ) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "group `{name}`")?,
            None => f.write_str("group")?,
        }
        match &self.pending {
            Some(pending) => write!(f, ": {} running", pending.len())?,
            None => f.write_str(": tasks not tracked")?,
        }
        if let Some(unfinished) = self.unfinished.as_ref().filter(|tasks| !tasks.is_empty()) {
            write!(f, ", {} dropped unfinished", unfinished.len())?;
        }
        if let Some(cause) = &self.cancelled {
            write!(f, ", {cause}")?;
        }
        f.write_str("\n")?;
        let tasks = self.pending.as_deref().unwrap_or_default();
        let count = tasks.len() + self.children.len();
        for (n, task) in tasks.iter().enumerate() {
            let last = n + 1 == count;
            writeln!(f, "{indent}{} {task}", if last { "└──" } else { "├──" })?;
        }
        for (n, child) in self.children.iter().enumerate() {
            let last = tasks.len() + n + 1 == count;
            write!(f, "{indent}{} ", if last { "└──" } else { "├──" })?;
            let depth = indent.len();
            indent.push_str(if last { "    " } else { "│   " });
            child.fmt_tree(f, indent)?;
            indent.truncate(depth);
        }
        Ok(())
    }
}

impl fmt::Display for GroupDump {
    /// The group and its nested groups as a tree: a line per group (name, tasks running,
    /// tasks dropped unfinished, why it was cancelled), a line per running task.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_tree(f, &mut alloc::string::String::new())
    }
}

/// The running tasks by index (with their names), and the tasks dropped unfinished.
pub(crate) struct Pending {
    running: Lock<BTreeMap<usize, Option<TaskName>>>,
    unfinished: Lock<Vec<TaskInfo>>,
}

impl Pending {
    pub(crate) fn new() -> Self {
        Self { running: Lock::new(BTreeMap::new()), unfinished: Lock::new(Vec::new()) }
    }

    /// Task `index` was counted in.
    pub(crate) fn started(&self, index: usize, name: Option<TaskName>) {
        self.running.with(|running| running.insert(index, name));
    }

    /// Task `index` was counted out.
    pub(crate) fn ended(&self, index: usize) {
        // The name (it may hold the last reference to a shared one) is dropped after the lock.
        let name = self.running.with(|running| running.remove(&index));
        drop(name);
    }

    /// Task `task` was dropped unfinished by its group.
    pub(crate) fn cancelled(&self, task: TaskInfo) {
        self.unfinished.with(|unfinished| unfinished.push(task));
    }

    /// The running tasks, in spawn order.
    pub(crate) fn running(&self) -> Vec<TaskInfo> {
        self.running.with(|running| {
            running
                .iter()
                .map(|(&index, name)| TaskInfo::new(TaskId::new(index), name.clone()))
                .collect()
        })
    }

    /// The tasks dropped unfinished, in spawn order.
    pub(crate) fn unfinished(&self) -> Vec<TaskInfo> {
        let mut unfinished = self.unfinished.with(|unfinished| unfinished.clone());
        unfinished.sort_unstable_by_key(TaskInfo::id);
        unfinished
    }
}
