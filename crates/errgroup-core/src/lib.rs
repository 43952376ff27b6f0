//! Lock-free, allocation-free atomic state for task groups: the `no_std` core of
//! [errgroup](https://docs.rs/errgroup).
//!
//! Three primitives, each one atomic protocol with its invariants written at the top of
//! its module and model-checked with [loom](https://docs.rs/loom):
//!
//! - [`Counter`]: a wait-group counter. [`add`](Counter::add) and
//!   [`done`](Counter::done) never wrap: overflow and going below zero are a
//!   [`CountError`], and `done` says whether it brought the count to zero in the same
//!   atomic operation.
//! - [`ErrorSlot`]: a set-once slot for the first error. The first
//!   [`try_set`](ErrorSlot::try_set) wins; later ones get their value back.
//! - [`GroupState`]: a group's active-task count with its *cancelled* and *closed* flags
//!   in one word, so "the last task finished" and "the group was cancelled" are decided
//!   by one read-modify-write.
//!
//! Every constructor is a `const fn`, so each primitive can live in a `static`. Nothing
//! here blocks, spins waiting for another thread, or allocates; waking waiters is the job
//! of the `errgroup` crate built on top.
//!
//! And one task group for programs with no heap at all: [`fixed::FixedGroup`], `N` tasks
//! of one future type in storage the caller provides (a pinned local or a `static`), with
//! the group's first-error rule, cancellation, outcomes and misuse errors, driven by
//! whoever awaits it. It runs on Cortex-M4 and Cortex-M0 boards under QEMU in CI.
//!
//! # Examples
//!
//! A tiny hand-rolled task group on threads: the first error wins, and the thread that
//! finishes last knows it.
//!
//! ```
//! use errgroup_core::{ErrorSlot, GroupState};
//!
//! let state = GroupState::new();
//! let first_error = ErrorSlot::new();
//!
//! // Register all four before any can cancel the group (which refuses new starts).
//! for _ in 0..4 {
//!     state.try_start().unwrap();
//! }
//! std::thread::scope(|s| {
//!     for id in 0..4 {
//!         let (state, first_error) = (&state, &first_error);
//!         s.spawn(move || {
//!             if id % 2 == 1 {
//!                 // Only the first error is kept; later ones come back to us.
//!                 let _ = first_error.try_set(format!("task {id} failed"));
//!                 state.cancel();
//!             }
//!             state.finish().unwrap();
//!         });
//!     }
//! });
//!
//! let end = state.load();
//! assert!(end.is_idle() && end.is_cancelled());
//! let error = first_error.take().unwrap();
//! assert!(error == "task 1 failed" || error == "task 3 failed");
//! ```
//!
//! # Features
//!
//! - `portable-atomic`: take atomics from [`portable-atomic`](https://docs.rs/portable-atomic)
//!   instead of `core::sync::atomic`, for targets without native compare-and-swap such as
//!   `thumbv6m-none-eabi`. On such a target the *final binary* must tell portable-atomic
//!   how to make read-modify-write operations atomic: either enable its `critical-section`
//!   feature and provide a `critical-section` implementation, or, on a single-core chip
//!   only, build with `RUSTFLAGS="--cfg portable_atomic_unsafe_assume_single_core"`. This
//!   crate never chooses for you.
//! - `loom` (testing only): with `RUSTFLAGS="--cfg loom"`, every atomic and cell comes from
//!   loom so the protocols can be model-checked; `new()` is then not `const`.
//!   `RUSTFLAGS="--cfg loom" cargo test -p errgroup-core --features loom --release`.
//!
//! # Memory ordering
//!
//! Each operation states what it synchronises with. In short: finishing work is a release,
//! and whoever observes the finished state (a zero count, a set flag, a stored error) does
//! so with an acquire, so everything written before finishing is visible to them.
#![cfg_attr(not(test), no_std)]
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(all(loom, not(feature = "loom")))]
compile_error!(
    "`--cfg loom` needs the `loom` feature: RUSTFLAGS=\"--cfg loom\" cargo test -p errgroup-core --features loom"
);

#[cfg(all(
    not(loom),
    not(feature = "portable-atomic"),
    not(all(target_has_atomic = "8", target_has_atomic = "ptr"))
))]
compile_error!(
    "errgroup-core needs atomic compare-and-swap, which this target lacks: enable the `portable-atomic` feature (see the crate docs, section Features)"
);

mod counter;
pub mod fixed;
mod slot;
mod state;
mod sync;

pub use counter::{CountError, Counter};
pub use slot::ErrorSlot;
pub use state::{FinishError, GroupState, Snapshot, StartError};

/// The README shown on crates.io, its examples compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
