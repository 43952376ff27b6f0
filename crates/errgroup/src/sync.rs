//! The one place that decides where this crate's synchronisation comes from: loom's
//! primitives under `--cfg loom` (so the wake-up paths are model-checked as they run),
//! otherwise `core`'s and `alloc`'s atomics and `Arc`, futures-util's `AtomicWaker`, and a
//! small [`Lock`]. No other file names `core::sync`, `alloc::sync`, `std::sync` or loom.

#[cfg(not(loom))]
pub(crate) use alloc::sync::Arc;
#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use futures_util::task::AtomicWaker;

#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom_waker::AtomicWaker;

/// `alloc`'s `Arc`, under loom too, where loom's cannot serve: what becomes a `Waker`
/// (`alloc::task::Wake` takes `alloc`'s `Arc`), and what the public API takes from the
/// caller.
pub(crate) use alloc::sync::{Arc as AllocArc, Weak as AllocWeak};

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
/// (so the models see it), otherwise async-lock's mutex taken by spinning on `try_lock`,
/// which is correct everywhere and only ever contended for the few instructions a holder
/// needs.
pub(crate) struct Lock<T>(
    #[cfg(all(feature = "std", not(loom)))] std::sync::Mutex<T>,
    #[cfg(loom)] loom::sync::Mutex<T>,
    #[cfg(all(not(feature = "std"), not(loom)))] async_lock::Mutex<T>,
);

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        #[cfg(all(feature = "std", not(loom)))]
        return Self(std::sync::Mutex::new(value));
        #[cfg(loom)]
        return Self(loom::sync::Mutex::new(value));
        #[cfg(all(not(feature = "std"), not(loom)))]
        return Self(async_lock::Mutex::new(value));
    }

    /// Runs `f` with the value locked. A panic in a previous holder does not poison the
    /// lock: every user keeps the value consistent at each step.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        #[cfg(any(feature = "std", loom))]
        {
            let mut guard = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut guard)
        }
        #[cfg(all(not(feature = "std"), not(loom)))]
        loop {
            if let Some(mut guard) = self.0.try_lock() {
                return f(&mut guard);
            }
            core::hint::spin_loop();
        }
    }

    /// The value, out of its lock.
    #[cfg(feature = "std")]
    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
