//! A pipeline: a producer reads work from a channel and feeds it to a group, at most four
//! at a time, while the caller consumes the results as they complete.
//!
//! The producer holds a `Feeder`, which keeps the group open: without one, the stream
//! would find the group empty at its first poll and end before the first item arrived
//! (a group finishes when its waiter finds no task, as Go's `Wait` does). When the input
//! ends, the producer drops its feeder, and the stream ends after the last result.
//!
//! Run it with `cargo run -p errgroup-tokio --example pipeline`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::time::Duration;

use errgroup_tokio::{Spawner, errgroup::ErrGroup};
use futures_util::StreamExt;
use tokio::sync::mpsc;

const LINES: [&str; 8] = [
    "the quick brown fox",
    "jumps over",
    "the lazy dog",
    "errgroup feeds",
    "a group",
    "while its results",
    "are consumed",
    "in order of completion",
];

fn main() {
    run();
}

pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        // The input: lines arriving one by one, as from a socket or a file.
        let (lines, mut input) = mpsc::channel::<&'static str>(4);
        tokio::spawn(async move {
            for line in LINES {
                if lines.send(line).await.is_err() {
                    break;
                }
            }
        });

        let group = ErrGroup::<String, _>::builder().collect().spawner(Spawner::current());
        group.limit(4).expect("4 is a valid limit");
        let feeder = group.feeder();
        let producer = tokio::spawn(async move {
            let mut fed = 0;
            while let Some(line) = input.recv().await {
                // Waits while four are running: back-pressure on the input.
                if feeder.spawn(count_words(line)).await.is_err() {
                    break; // the group failed: stop reading
                }
                fed += 1;
            }
            fed // `feeder` is dropped here: the group may finish
        });

        let mut results = group.into_stream();
        let mut total = 0;
        while let Some(result) = results.next().await {
            let (line, words) = result.expect("counting words never fails");
            println!("   {words} words: {line:?}");
            total += words;
        }
        let fed = producer.await.expect("the producer finished");
        println!("   {fed} lines fed, {total} words in all");
    });
}

/// The work: counts a line's words, taking longer for longer lines.
async fn count_words(line: &'static str) -> Result<(&'static str, usize), String> {
    tokio::time::sleep(Duration::from_millis(line.len() as u64 / 4)).await;
    Ok((line, line.split_whitespace().count()))
}
