//! A small mutex for cold paths (token trees, collected errors): `std::sync::Mutex` with
//! `std`, otherwise async-lock's mutex taken by spinning on `try_lock`, which is correct
//! everywhere and only ever contended for the few instructions a holder needs.

#[cfg(feature = "std")]
pub(crate) struct Lock<T>(std::sync::Mutex<T>);

#[cfg(not(feature = "std"))]
pub(crate) struct Lock<T>(async_lock::Mutex<T>);

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        #[cfg(feature = "std")]
        return Self(std::sync::Mutex::new(value));
        #[cfg(not(feature = "std"))]
        return Self(async_lock::Mutex::new(value));
    }

    /// Runs `f` with the value locked. A panic in a previous holder does not poison the
    /// lock: every user keeps the value consistent at each step.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        #[cfg(feature = "std")]
        {
            let mut guard = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut guard)
        }
        #[cfg(not(feature = "std"))]
        loop {
            if let Some(mut guard) = self.0.try_lock() {
                return f(&mut guard);
            }
            core::hint::spin_loop();
        }
    }
}

impl<T> core::fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Lock { .. }")
    }
}
