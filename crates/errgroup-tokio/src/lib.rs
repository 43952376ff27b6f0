//! errgroup for tokio.
//!
//! **Status:** skeleton. This crate will hold a spawner for tokio, a constructor for a
//! group on the current runtime, blocking tasks and timeouts on tokio's own timer. It holds
//! no group logic of its own: that lives in [`errgroup`].
//!
//! # Examples
//!
//! ```
//! let counter = errgroup_tokio::errgroup::raw::Counter::new();
//! assert_eq!(counter.count(), 0);
//! ```
#![forbid(unsafe_code)]

pub use errgroup;
