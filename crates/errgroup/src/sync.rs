//! The one place that decides where atomics, `Arc` and `AtomicWaker` come from: loom's
//! under `--cfg loom` (so the wake-up paths are model-checked as they run), otherwise
//! `core`/`alloc` and futures-util's.

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

pub(crate) use errgroup_core::__const_fn as const_fn;
