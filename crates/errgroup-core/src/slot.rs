//! A set-once slot for the first error.
//!
//! # Invariants
//!
//! The slot's `state` moves only forward: `EMPTY → WRITING → FULL → TAKEN`.
//!
//! - Only the one `try_set` whose compare-and-swap wins `EMPTY → WRITING` touches the
//!   value cell while writing; nobody reads the cell in `EMPTY` or `WRITING`.
//! - The writer publishes the value with a release store of `FULL`. Only the one `take`
//!   whose acquire compare-and-swap wins `FULL → TAKEN` reads it, and it moves it out.
//! - Hence the cell holds an initialised value exactly in state `FULL`, and `Drop` (which
//!   has exclusive access) drops it exactly then: a stored value is dropped exactly once,
//!   either by the taker or by the slot.
//!
//! Nobody ever waits for anybody: a `take` that races a `try_set` still in `WRITING`
//! returns `None` rather than spinning. Nothing is lost by that, because the slot is
//! set-once: the value will be there for the next `take`.

use core::{fmt, mem::MaybeUninit};

use crate::sync::{AtomicU8, Ordering, UnsafeCell, const_fn};

const EMPTY: u8 = 0;
const WRITING: u8 = 1;
const FULL: u8 = 2;
const TAKEN: u8 = 3;

/// A lock-free, allocation-free, set-once slot: the first error of a group.
///
/// The first [`try_set`](Self::try_set) stores its value; every later one (even after the
/// value was taken) is refused and gets its value back, so the caller decides what to do
/// with it and nothing is dropped behind its back. [`take`](Self::take) moves the value
/// out exactly once.
///
/// `ErrorSlot<E>` is `Sync` when `E: Send`: values are only moved in and moved out, never
/// shared by reference, just as with a `Mutex<E>`.
///
/// # Examples
///
/// ```
/// use errgroup_core::ErrorSlot;
///
/// let slot = ErrorSlot::new();
/// assert_eq!(slot.try_set("first"), Ok(()));
/// assert_eq!(slot.try_set("second"), Err("second")); // handed back
/// assert_eq!(slot.take(), Some("first"));
/// assert_eq!(slot.take(), None); // taken exactly once
/// ```
///
/// Sharing a slot across threads needs only `E: Send`, but that much it does need:
///
/// ```compile_fail
/// fn assert_sync<T: Sync>() {}
/// assert_sync::<errgroup_core::ErrorSlot<std::rc::Rc<u8>>>();
/// ```
pub struct ErrorSlot<E> {
    state: AtomicU8,
    value: UnsafeCell<MaybeUninit<E>>,
}

// SAFETY: a shared `&ErrorSlot<E>` only lets a thread move an `E` in (`try_set`) or move
// one out (`take`); it never hands out `&E`. The state machine (see the module
// invariants) gives the cell to one thread at a time, with release/acquire ordering
// between the writer and the taker. Sharing the slot therefore amounts to sending an `E`
// from one thread to another, which `E: Send` allows; `E: Sync` is not needed.
unsafe impl<E: Send> Sync for ErrorSlot<E> {}

impl<E> ErrorSlot<E> {
    const_fn! {
        /// Creates an empty slot. `const`, so it can initialise a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// use errgroup_core::ErrorSlot;
        ///
        /// static FIRST_FAILURE: ErrorSlot<&str> = ErrorSlot::new();
        /// assert!(!FIRST_FAILURE.is_set());
        /// ```
        #[must_use]
        pub const fn new() -> Self {
            Self { state: AtomicU8::new(EMPTY), value: UnsafeCell::new(MaybeUninit::uninit()) }
        }
    }

    /// Stores `value` if no value was ever stored in this slot.
    ///
    /// When this returns `Ok(())`, the value is in the slot and the next
    /// [`take`](Self::take) that happens after this call returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::ErrorSlot;
    ///
    /// let slot = ErrorSlot::new();
    /// assert!(slot.try_set(1).is_ok());
    /// assert_eq!(slot.try_set(2), Err(2));
    /// ```
    ///
    /// # Errors
    ///
    /// Hands `value` back if a value was stored before, even if it has since been taken.
    pub fn try_set(&self, value: E) -> Result<(), E> {
        // Relaxed: winning EMPTY → WRITING only claims the cell; nobody has touched the
        // cell before (the state never returns to EMPTY), so there is nothing to acquire.
        // Losing means a value exists or existed; we touch nothing and hand `value` back.
        if self
            .state
            .compare_exchange(EMPTY, WRITING, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return Err(value);
        }
        self.value.with_mut(|cell| {
            // SAFETY: this thread won EMPTY → WRITING, so it is the only one that may
            // access the cell until it stores FULL (module invariants). Writing a
            // `MaybeUninit` through the raw pointer is a plain move.
            unsafe { cell.write(MaybeUninit::new(value)) };
        });
        // Release: publishes the write above to the `take` that acquires FULL.
        self.state.store(FULL, Ordering::Release);
        Ok(())
    }

    /// Moves the stored value out, if there is one that was not taken yet.
    ///
    /// Returns `None` if the slot is empty, was already taken, or a racing
    /// [`try_set`](Self::try_set) has not finished writing; a `take` that happens after a
    /// successful `try_set` returned always finds the value (unless another `take` got it).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::ErrorSlot;
    ///
    /// let slot = ErrorSlot::new();
    /// assert_eq!(slot.take(), None);
    /// slot.try_set(String::from("timeout")).unwrap();
    /// assert_eq!(slot.take().as_deref(), Some("timeout"));
    /// assert_eq!(slot.take(), None);
    /// ```
    pub fn take(&self) -> Option<E> {
        // Acquire: pairs with the release store of FULL in `try_set`, so the value written
        // there is visible here. Failure reads nothing.
        self.state.compare_exchange(FULL, TAKEN, Ordering::Acquire, Ordering::Relaxed).ok()?;
        Some(self.value.with(|cell| {
            // SAFETY: this thread won FULL → TAKEN, so the cell holds an initialised value
            // (it was written before FULL was released) and no other thread will read or
            // drop it again (module invariants). `MaybeUninit<E>` has `E`'s layout, so
            // reading through the cast pointer moves the value out, exactly once.
            unsafe { cell.cast::<E>().read() }
        }))
    }

    /// Returns `true` once a value has been stored, even if it was taken since.
    ///
    /// This is a snapshot: `false` may be stale by the time the caller acts on it.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::ErrorSlot;
    ///
    /// let slot = ErrorSlot::new();
    /// assert!(!slot.is_set());
    /// slot.try_set(()).unwrap();
    /// slot.take();
    /// assert!(slot.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        // Relaxed: reports a flag; it is not used to read the value.
        self.state.load(Ordering::Relaxed) != EMPTY
    }

    /// Consumes the slot and returns the value it holds, if it was not taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::ErrorSlot;
    ///
    /// let slot = ErrorSlot::new();
    /// slot.try_set(7).unwrap();
    /// assert_eq!(slot.into_inner(), Some(7));
    /// ```
    pub fn into_inner(self) -> Option<E> {
        // `take` leaves the slot TAKEN, so `Drop` then has nothing to drop.
        self.take()
    }
}

impl<E> Default for ErrorSlot<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Drop for ErrorSlot<E> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` means every other access to the slot happened before this.
        // WRITING is impossible here: a `try_set` in progress borrows the slot.
        if self.state.load(Ordering::Relaxed) == FULL {
            self.value.with_mut(|cell| {
                // SAFETY: the state is FULL, so the cell holds an initialised value that no
                // `take` moved out, and `&mut self` excludes every other access. It is
                // dropped here exactly once (module invariants); `MaybeUninit<E>` has `E`'s
                // layout, so the cast pointer points at that value.
                unsafe { core::ptr::drop_in_place(cell.cast::<E>()) };
            });
        }
    }
}

impl<E> fmt::Debug for ErrorSlot<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state.load(Ordering::Relaxed) {
            EMPTY => "empty",
            WRITING => "writing",
            FULL => "full",
            _ => "taken",
        };
        f.debug_struct("ErrorSlot").field("state", &state).finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
#[allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // tests run on std
mod tests {
    use super::*;
    use std::sync::{
        Arc, Barrier,
        atomic::{AtomicUsize, Ordering::Relaxed},
    };

    /// Counts its drops in a shared counter.
    #[derive(Debug)]
    struct DropCounter(Arc<AtomicUsize>);

    impl Drop for DropCounter {
        fn drop(&mut self) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    #[test]
    fn first_try_set_wins() {
        let slot = ErrorSlot::new();
        assert_eq!(slot.try_set(1), Ok(()));
        assert_eq!(slot.try_set(2), Err(2));
        assert_eq!(slot.take(), Some(1));
    }

    #[test]
    fn try_set_after_take_is_refused() {
        let slot = ErrorSlot::new();
        slot.try_set(1).unwrap();
        assert_eq!(slot.take(), Some(1));
        assert_eq!(slot.try_set(3), Err(3));
        assert_eq!(slot.take(), None);
    }

    #[test]
    fn take_moves_value_out_exactly_once() {
        let slot = ErrorSlot::new();
        slot.try_set(String::from("boom")).unwrap();
        assert_eq!(slot.take().as_deref(), Some("boom"));
        assert_eq!(slot.take(), None);
    }

    #[test]
    fn empty_slot_takes_nothing() {
        let slot = ErrorSlot::<u8>::new();
        assert!(!slot.is_set());
        assert_eq!(slot.take(), None);
        assert_eq!(slot.into_inner(), None);
    }

    #[test]
    fn is_set_stays_true_after_take() {
        let slot = ErrorSlot::new();
        slot.try_set(()).unwrap();
        assert!(slot.is_set());
        slot.take().unwrap();
        assert!(slot.is_set());
    }

    #[test]
    fn stored_value_is_dropped_exactly_once_by_the_slot() {
        let drops = Arc::new(AtomicUsize::new(0));
        let slot = ErrorSlot::new();
        slot.try_set(DropCounter(drops.clone())).unwrap();
        assert_eq!(drops.load(Relaxed), 0);
        drop(slot);
        assert_eq!(drops.load(Relaxed), 1);
    }

    #[test]
    fn taken_value_is_dropped_exactly_once_by_the_taker() {
        let drops = Arc::new(AtomicUsize::new(0));
        let slot = ErrorSlot::new();
        slot.try_set(DropCounter(drops.clone())).unwrap();
        let taken = slot.take().unwrap();
        drop(slot);
        assert_eq!(drops.load(Relaxed), 0);
        drop(taken);
        assert_eq!(drops.load(Relaxed), 1);
    }

    #[test]
    fn refused_value_is_handed_back_not_dropped() {
        let drops = Arc::new(AtomicUsize::new(0));
        let slot = ErrorSlot::new();
        slot.try_set(DropCounter(drops.clone())).unwrap();
        let refused = slot.try_set(DropCounter(drops.clone())).unwrap_err();
        assert_eq!(drops.load(Relaxed), 0);
        drop(refused);
        assert_eq!(drops.load(Relaxed), 1);
        drop(slot);
        assert_eq!(drops.load(Relaxed), 2);
    }

    #[test]
    fn into_inner_returns_untaken_value_without_double_drop() {
        let drops = Arc::new(AtomicUsize::new(0));
        let slot = ErrorSlot::new();
        slot.try_set(DropCounter(drops.clone())).unwrap();
        let value = slot.into_inner().unwrap();
        assert_eq!(drops.load(Relaxed), 0);
        drop(value);
        assert_eq!(drops.load(Relaxed), 1);
    }

    #[test]
    fn of_two_racing_try_sets_exactly_one_wins_and_the_other_gets_its_value_back() {
        let rounds = if cfg!(miri) { 5 } else { 1_000 };
        for _ in 0..rounds {
            let slot = ErrorSlot::new();
            let barrier = Barrier::new(2);
            let (a, b) = std::thread::scope(|s| {
                let a = s.spawn(|| {
                    barrier.wait();
                    slot.try_set('a')
                });
                let b = s.spawn(|| {
                    barrier.wait();
                    slot.try_set('b')
                });
                (a.join().unwrap(), b.join().unwrap())
            });
            match (a, b) {
                (Ok(()), Err('b')) => assert_eq!(slot.take(), Some('a')),
                (Err('a'), Ok(())) => assert_eq!(slot.take(), Some('b')),
                other => panic!("expected exactly one winner, got {other:?}"),
            }
        }
    }

    #[test]
    fn debug_shows_state_not_value() {
        let slot = ErrorSlot::new();
        assert_eq!(format!("{slot:?}"), "ErrorSlot { state: \"empty\", .. }");
        slot.try_set(1).unwrap();
        assert_eq!(format!("{slot:?}"), "ErrorSlot { state: \"full\", .. }");
        slot.take();
        assert_eq!(format!("{slot:?}"), "ErrorSlot { state: \"taken\", .. }");
    }

    #[test]
    fn zero_sized_and_large_values_round_trip() {
        let slot = ErrorSlot::new();
        slot.try_set([7u64; 64]).unwrap();
        assert_eq!(slot.take(), Some([7u64; 64]));
        let unit = ErrorSlot::new();
        unit.try_set(()).unwrap();
        assert_eq!(unit.take(), Some(()));
    }
}
