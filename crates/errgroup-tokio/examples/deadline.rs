//! Blocking work under a deadline: checksums of files, each read on tokio's blocking pool
//! as a task of one group, the whole batch bounded by `wait_timeout`.
//!
//! `spawn_blocking` and `wait_timeout` are methods of every group on a tokio spawner: no
//! trait to import. A closure's error is the group's (and cancels the closures that have
//! not started); `?` carries a refused spawn and a failure into `anyhow`. A batch that
//! outlives its deadline is cancelled: closures that had not started never run.
//!
//! Run it with `cargo run -p errgroup-tokio --example deadline`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{path::Path, time::Duration};

use anyhow::Context;
use errgroup_tokio::{
    Spawner,
    errgroup::{ErrGroup, Timed},
};

fn main() {
    run();
}

/// Checksums a few of this crate's files, then a list with a missing one.
pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("build a tokio runtime");
    runtime.block_on(async {
        match checksums(&["Cargo.toml", "src/lib.rs"], Duration::from_secs(10)).await {
            Ok(sums) => println!("   checksums, in order: {sums:x?}"),
            Err(error) => println!("   failed: {error:#}"),
        }
        match checksums(&["Cargo.toml", "no-such-file"], Duration::from_secs(10)).await {
            Ok(sums) => println!("   checksums, in order: {sums:x?}"),
            Err(error) => println!("   failed: {error:#}"),
        }
    });
}

/// The checksum of each file, in the order given, or the first failure; at most `limit`.
async fn checksums(files: &[&str], limit: Duration) -> anyhow::Result<Vec<u64>> {
    let group = ErrGroup::builder().collect().spawner(Spawner::current());
    for file in files {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        group.spawn_blocking(move || {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            Ok(bytes.iter().fold(0_u64, |sum, &byte| sum.wrapping_mul(31) ^ u64::from(byte)))
        })?;
    }
    match group.wait_timeout(limit).await {
        Timed::Finished(sums) => sums,
        Timed::TimedOut(_) => anyhow::bail!("the checksums took longer than {limit:?}"),
    }
}
