//! A small mutex for short critical sections (token trees, collected errors, the task
//! wake-up registry): `std::sync::Mutex` with `std`, loom's under `--cfg loom` (so the
//! models see it), otherwise async-lock's mutex taken by spinning on `try_lock`, which is
//! correct everywhere and only ever contended for the few instructions a holder needs.

#[cfg(all(feature = "std", not(loom)))]
pub(crate) struct Lock<T>(std::sync::Mutex<T>);

#[cfg(loom)]
pub(crate) struct Lock<T>(loom::sync::Mutex<T>);

#[cfg(all(not(feature = "std"), not(loom)))]
pub(crate) struct Lock<T>(async_lock::Mutex<T>);

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
}
