//! The one place that decides where atomics, `Arc` and `AtomicWaker` come from: loom's
//! under `--cfg loom` (so the wake-up paths are model-checked as they run), otherwise
//! `core`/`alloc` and futures-util's.

#[cfg(not(loom))]
pub(crate) use alloc::sync::Arc;
#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use futures_util::task::AtomicWaker;

#[cfg(loom)]
pub(crate) use loom::future::AtomicWaker;
#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// Declares a function `const` except under loom, whose primitives cannot be built in a
/// `const` context.
#[allow(unused_macros)] // used by the modules that land next
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis const fn $name:ident $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $name $($rest)*
        #[cfg(loom)]
        $(#[$attr])* $vis fn $name $($rest)*
    };
}
#[allow(unused_imports)]
pub(crate) use const_fn;
