//! What is still running: the registry a group keeps of its tasks when asked to
//! ([`Builder::track_pending`](crate::Builder::track_pending)), for a hang or a timeout.
//!
//! A task is entered when it is counted in and removed when it is counted out; a task the
//! group dropped unfinished (cancelled) is moved to a second list, so that after a timeout
//! the tasks that were still running when it fired can be named. A group that does not
//! track pays one predictable branch at each task's start and end, and no memory.

use alloc::{collections::BTreeMap, vec::Vec};

use crate::{
    id::{TaskId, TaskInfo, TaskName},
    sync::Lock,
};

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
