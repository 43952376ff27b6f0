//! Runtime-agnostic, `no_std`-friendly task groups: Go's `golang.org/x/sync/errgroup`
//! and `sync.WaitGroup`, done the Rust way.
//!
//! # Features
//!
//! - `std` (default): per-task panic catching and blocking waits. Without it the crate is
//!   `#![no_std]` + `alloc`.
#![no_std]
#![doc(test(attr(deny(warnings))))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(all(loom, not(feature = "loom")))]
compile_error!(
    "`--cfg loom` needs the `loom` feature: RUSTFLAGS=\"--cfg loom\" cargo test -p errgroup --features loom"
);

/// The lock-free atomic state this crate is built on, re-exported from `errgroup-core`.
pub use errgroup_core as raw;

mod lock;
#[allow(dead_code, unused_imports)] // used by the modules that land next
mod sync;
mod token;
mod wait_group;

pub use token::{CancelReason, CancelToken};
pub use wait_group::{WaitGroup, WaitGuard, WaitGuardOwned};

/// The named futures returned by this crate's async methods.
pub mod future {
    pub use crate::token::{Cancelled, CancelledOwned};
    pub use crate::wait_group::Wait;
}
