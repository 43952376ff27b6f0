//! The one place that decides where this crate's synchronisation comes from: loom's
//! primitives under `--cfg loom` (so the wake-up paths are model-checked as they run);
//! on targets without compare-and-swap (thumbv6m), portable-atomic's atomics and
//! portable-atomic-util's `Arc` and `Wake`; otherwise `core`'s and `alloc`'s. Then
//! futures-util's `AtomicWaker` and a small [`Lock`]. No other file names `core::sync`,
//! `alloc::sync`, `std::sync`, portable-atomic or loom.

#[cfg(all(not(loom), target_has_atomic = "ptr"))]
pub(crate) use alloc::sync::Arc;
#[cfg(all(not(loom), target_has_atomic = "ptr"))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use futures_util::task::AtomicWaker;
#[cfg(all(not(loom), not(target_has_atomic = "ptr")))]
pub(crate) use portable_atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
#[cfg(all(not(loom), not(target_has_atomic = "ptr")))]
pub(crate) use portable_atomic_util::Arc;

#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom_waker::AtomicWaker;

/// The allocator's `Arc`, under loom too, where loom's cannot serve: what becomes a
/// `Waker` (with its [`Wake`] trait), and what the public API takes from the caller.
#[cfg(target_has_atomic = "ptr")]
pub(crate) use alloc::sync::{Arc as AllocArc, Weak as AllocWeak};
#[cfg(not(target_has_atomic = "ptr"))]
pub(crate) use portable_atomic_util::{Arc as AllocArc, Weak as AllocWeak, task::Wake};

/// The group's own wakers (the inline driver's, the token's relay) implement `ArcWake`
/// (`wake_by_ref` only); [`waker`] makes one a `Waker`, [`waker_ref`] lends one for a
/// poll. futures-util's, where the target has compare-and-swap (`waker_ref` then costs no
/// reference count); without it, the same names over portable-atomic-util's `Wake`, and
/// each type also names itself in [`arc_wake!`].
#[cfg(target_has_atomic = "ptr")]
pub(crate) use futures_util::task::{ArcWake, waker, waker_ref};

/// A waker made from an [`AllocArc`], woken by reference.
#[cfg(not(target_has_atomic = "ptr"))]
pub(crate) trait ArcWake: Send + Sync + 'static {
    fn wake_by_ref(arc_self: &AllocArc<Self>);
}

#[cfg(not(target_has_atomic = "ptr"))]
pub(crate) fn waker<W: ArcWake + Wake>(wake: AllocArc<W>) -> core::task::Waker {
    core::task::Waker::from(wake)
}

/// Without compare-and-swap there is no borrowed waker: a clone (one reference count).
#[cfg(not(target_has_atomic = "ptr"))]
pub(crate) fn waker_ref<W: ArcWake + Wake>(wake: &AllocArc<W>) -> core::task::Waker {
    core::task::Waker::from(AllocArc::clone(wake))
}

/// Makes an [`ArcWake`] type a `Waker` on targets without compare-and-swap, where
/// futures-util has no `ArcWake` and portable-atomic-util's `Wake` cannot be implemented
/// for every `ArcWake` at once (it is a foreign trait). Expands to nothing elsewhere.
macro_rules! arc_wake {
    ($ty:ty) => {
        #[cfg(not(target_has_atomic = "ptr"))]
        impl $crate::sync::Wake for $ty {
            fn wake(this: $crate::sync::AllocArc<Self>) {
                <Self as $crate::sync::ArcWake>::wake_by_ref(&this);
            }

            fn wake_by_ref(this: &$crate::sync::AllocArc<Self>) {
                <Self as $crate::sync::ArcWake>::wake_by_ref(this);
            }
        }
    };
}
pub(crate) use arc_wake;

/// Atomics that loom does not see, for counters that only observe a protocol (in loom
/// builds): they add no scheduling points to a model.
#[cfg(loom)]
pub(crate) use core::sync::atomic::{
    AtomicUsize as UnmodelledAtomicUsize, Ordering as UnmodelledOrdering,
};

/// `core`'s atomic even under loom (loom's has no `const fn new`): for a `static` that
/// only numbers things (the `tracing` feature's group ids).
#[cfg(feature = "tracing")]
pub(crate) use core::sync::atomic::AtomicUsize as StaticAtomicUsize;

pub(crate) use errgroup_core::__const_fn as const_fn;

/// loom's `AtomicWaker` with futures-util's signatures (`register` takes `&Waker`), so the
/// call sites are the same under both.
#[cfg(loom)]
mod loom_waker {
    use core::task::Waker;

    #[derive(Debug, Default)]
    pub(crate) struct AtomicWaker(loom::future::AtomicWaker);

    impl AtomicWaker {
        pub(crate) fn new() -> Self {
            Self(loom::future::AtomicWaker::new())
        }

        pub(crate) fn register(&self, waker: &Waker) {
            self.0.register_by_ref(waker);
        }

        pub(crate) fn wake(&self) {
            self.0.wake();
        }
    }
}

/// A small mutex for short critical sections (token trees, collected errors, the wake-up
/// registry, the inline queue): `std::sync::Mutex` with `std`, loom's under `--cfg loom`
/// (so the models see it), otherwise a critical section (the `critical-section` crate)
/// around a `RefCell`. A critical section cannot be interrupted on the core that holds it,
/// so an interrupt handler that wakes a task never spins on a lock the code it interrupted
/// holds; and it never waits for another holder, as a spin lock would.
pub(crate) struct Lock<T>(
    #[cfg(all(feature = "std", not(loom)))] std::sync::Mutex<T>,
    #[cfg(loom)] loom::sync::Mutex<T>,
    #[cfg(all(not(feature = "std"), not(loom)))] critical_section::Mutex<core::cell::RefCell<T>>,
);

#[cfg(all(not(feature = "std"), not(loom), not(feature = "critical-section")))]
compile_error!(
    "errgroup without its `std` feature needs its `critical-section` feature: \
     `errgroup = { version = \"...\", default-features = false, features = [\"critical-section\"] }`, \
     and a critical-section implementation in the final binary (e.g. cortex-m's \
     `critical-section-single-core` feature, or your HAL's or executor's)"
);

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        #[cfg(all(feature = "std", not(loom)))]
        return Self(std::sync::Mutex::new(value));
        #[cfg(loom)]
        return Self(loom::sync::Mutex::new(value));
        #[cfg(all(not(feature = "std"), not(loom)))]
        return Self(critical_section::Mutex::new(core::cell::RefCell::new(value)));
    }

    /// Runs `f` with the value locked. A panic in a previous holder does not poison the
    /// lock: every user keeps the value consistent at each step. `f` never takes the same
    /// lock again.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        #[cfg(any(feature = "std", loom))]
        {
            let mut guard = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut guard)
        }
        #[cfg(all(not(feature = "std"), not(loom)))]
        critical_section::with(|cs| f(&mut self.0.borrow_ref_mut(cs)))
    }

    /// The value, out of its lock.
    #[cfg(feature = "std")]
    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
