//! errgroup for smol.
//!
//! **Status:** skeleton. This crate will hold a spawner for smol, a constructor for a
//! group on the current runtime, blocking tasks and timeouts on smol's own timer. It holds
//! no group logic of its own: that lives in [`errgroup`].
//!
//! # Examples
//!
//! ```
//! let counter = errgroup_smol::errgroup::raw::Counter::new();
//! assert_eq!(counter.count(), 0);
//! ```
#![forbid(unsafe_code)]

pub use errgroup;
