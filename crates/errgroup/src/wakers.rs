//! Waking a group's pending tasks when it is cancelled, without an allocation per task.
//!
//! A task running on an executor must be woken when its group is cancelled, so that it is
//! polled, sees the cancellation and drops its future at once. Each task that goes pending
//! records its waker here, in a slab whose slots are reused, so after warm-up a pending
//! task costs no allocation of its own: only a slot (a `Waker`, 16 bytes, plus the slab's
//! tag).
//!
//! # Invariants
//!
//! - `cancelled` goes from `false` to `true` once, under the lock, in the same critical
//!   section that takes every registered waker out. A registration also happens under the
//!   lock and checks `cancelled` first. So a task either registered before the drain (and
//!   is woken by it) or sees `cancelled` (and aborts by itself): no wake-up is lost.
//! - Wakers are woken after the lock is released, so a waker that re-enters the group
//!   cannot deadlock.
//! - The group's token reaches this registry through one listener per group ([`Relay`]),
//!   so a cancellation from anywhere — the group's own, a parent token's, a timeout —
//!   drains it.

use alloc::sync::Arc;
use alloc::task::Wake;
use core::task::Waker;

use slab::Slab;

use crate::lock::Lock;

#[derive(Default)]
struct Registry {
    wakers: Slab<Waker>,
    cancelled: bool,
}

/// The wakers of a group's pending tasks.
pub(crate) struct TaskWakers {
    registry: Lock<Registry>,
}

impl Default for TaskWakers {
    fn default() -> Self {
        Self { registry: Lock::new(Registry::default()) }
    }
}

/// A task that has not taken a slot yet: 8 bytes per task instead of an `Option`'s 16 (a
/// slab never has `usize::MAX` entries).
pub(crate) const NO_SLOT: usize = usize::MAX;

/// The group was cancelled: the task must abort instead of waiting.
pub(crate) struct Cancelled;

impl TaskWakers {
    /// Records `waker` for the task whose slot is `key` (taking a slot on first use, when
    /// `key` is [`NO_SLOT`]).
    pub(crate) fn register(&self, key: &mut usize, waker: &Waker) -> Result<(), Cancelled> {
        self.registry.with(|registry| {
            if registry.cancelled {
                return Err(Cancelled);
            }
            match *key {
                NO_SLOT => *key = registry.wakers.insert(waker.clone()),
                slot => registry.wakers[slot].clone_from(waker),
            }
            Ok(())
        })
    }

    /// Gives the task's slot back (a drained registry has no slots to give back).
    pub(crate) fn unregister(&self, key: usize) {
        self.registry.with(|registry| {
            if !registry.cancelled {
                registry.wakers.remove(key);
            }
        });
    }

    /// Marks the group cancelled and wakes every registered task, once.
    ///
    /// With `std`, a waker that panics (an executor's bug) does not stop the others from
    /// being woken: this runs inside the token's notification, which must not unwind.
    pub(crate) fn cancel_all(&self) {
        let wakers = self.registry.with(|registry| {
            registry.cancelled = true;
            core::mem::take(&mut registry.wakers)
        });
        for (_, waker) in wakers {
            #[cfg(feature = "std")]
            {
                // The panic hook has reported it; the other tasks must still be woken.
                let _ = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| waker.wake()));
            }
            #[cfg(not(feature = "std"))]
            waker.wake();
        }
    }
}

impl core::fmt::Debug for TaskWakers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TaskWakers { .. }")
    }
}

/// The waker the group's token wakes when it is cancelled: it drains the registry.
pub(crate) struct Relay(pub(crate) Arc<TaskWakers>);

impl Wake for Relay {
    fn wake(self: Arc<Self>) {
        self.0.cancel_all();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.cancel_all();
    }
}
