//! The one place that decides where atomics come from.
//!
//! - default: `core::sync::atomic`;
//! - feature `portable-atomic`: `portable_atomic`, for targets without native CAS;
//! - `--cfg loom` (with feature `loom`): loom's model-checked atomics and cells.
//!
//! Everything else in the crate imports from here, so a protocol is written once and
//! checked by loom exactly as it runs in production.

#[cfg(all(not(loom), not(feature = "portable-atomic")))]
pub(crate) use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
#[cfg(all(not(loom), feature = "portable-atomic"))]
pub(crate) use portable_atomic::{AtomicU8, AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// `core::cell::UnsafeCell` with loom's closure-based API, so that the same code runs
/// under loom (which checks every access) and without it (where this is free).
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Declares a function `const` except under loom, whose atomics cannot be built in a
/// `const` context. This is what lets every `new()` in the crate fill a `static`.
///
/// Exported (hidden) so that the `errgroup` crate shares this one definition; `cfg(loom)`
/// is evaluated where it expands, which is the same build.
#[doc(hidden)]
#[macro_export]
macro_rules! __const_fn {
    ($(#[$attr:meta])* $vis:vis const fn $name:ident $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $name $($rest)*
        #[cfg(loom)]
        $(#[$attr])* $vis fn $name $($rest)*
    };
}
pub(crate) use __const_fn as const_fn;
