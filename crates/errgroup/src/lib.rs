//! Runtime-agnostic, `no_std`-friendly task groups: Go's `golang.org/x/sync/errgroup`
//! and `sync.WaitGroup`, done the Rust way.
//!
//! **Status:** skeleton. This crate will hold the `ErrGroup` future, `CancelToken`,
//! `WaitGroup`, the `Spawn`/`LocalSpawn` traits and the inline driver, built on the
//! lock-free state of [`errgroup_core`], which it re-exports meanwhile.
//!
//! # Examples
//!
//! ```
//! let counter = errgroup::core::Counter::new();
//! counter.add(1).unwrap();
//! assert_eq!(counter.done(), Ok(true));
//! ```
//!
//! # Features
//!
//! - `std` (default): per-task panic catching and blocking waits. Without it the crate is
//!   `#![no_std]` + `alloc`.
#![no_std]

#[cfg(feature = "std")]
extern crate std;

pub use errgroup_core as core;
