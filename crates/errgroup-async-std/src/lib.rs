//! errgroup for async-std.
//!
//! **Status:** skeleton. This crate will hold a spawner for async-std, a constructor for a
//! group on the current runtime, blocking tasks and timeouts on async-std's own timer. It holds
//! no group logic of its own: that lives in [`errgroup`].
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052). This adapter stays, thin, for
//! the users who still run it; new code should prefer `errgroup-smol`.
//!
//! # Examples
//!
//! ```
//! let counter = errgroup_async_std::errgroup::raw::Counter::new();
//! assert_eq!(counter.count(), 0);
//! ```
#![forbid(unsafe_code)]

pub use errgroup;
