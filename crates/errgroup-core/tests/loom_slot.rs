//! loom model of the first-error slot: two writers race a reader. Under every
//! interleaving exactly one writer wins, the loser gets its value back, the reader sees
//! the winner's value or nothing (never a torn or stale one), and every value is dropped
//! exactly once.
//!
//! Loom 0.7 misses interleavings when a spawned thread's first access to an atomic is a
//! load racing the main thread (tokio-rs/loom#392), and our compare-and-swap loops start
//! with a load. The models therefore run every racing party on a spawned thread, spawn
//! the parties that write before those that only read, and record the outcome of every
//! run: each test asserts that every interesting outcome occurred, so a model that
//! stopped exploring fails instead of passing vacuously.
#![cfg(loom)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // tests run on std

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use errgroup_core::ErrorSlot;
use loom::sync::Arc;
use loom::thread;

fn record(seen: &Mutex<BTreeSet<&'static str>>, outcome: &'static str) {
    seen.lock().unwrap().insert(outcome);
}

/// An error value that counts its drops, so the model can prove none is lost or doubled.
#[derive(Debug)]
struct Tracked {
    id: u8,
    drops: std::sync::Arc<AtomicUsize>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Relaxed);
    }
}

#[test]
fn slot_with_two_writers_and_a_reader() {
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let slot = Arc::new(ErrorSlot::new());
        let writers: Vec<_> = [1u8, 2]
            .into_iter()
            .map(|id| {
                let (slot, drops) = (slot.clone(), drops.clone());
                thread::spawn(move || match slot.try_set(Tracked { id, drops }) {
                    Ok(()) => Some(id),
                    Err(back) => {
                        assert_eq!(back.id, id, "the loser gets its own value back");
                        None
                    }
                })
            })
            .collect();
        let reader = {
            let slot = slot.clone();
            thread::spawn(move || slot.take().map(|value| value.id))
        };
        let winners: Vec<u8> = writers.into_iter().filter_map(|w| w.join().unwrap()).collect();
        assert_eq!(winners.len(), 1, "exactly one try_set wins");
        let winner = winners[0];
        let read = reader.join().unwrap();
        if let Some(id) = read {
            assert_eq!(id, winner, "the reader sees only the winner's value");
            assert!(slot.take().is_none(), "a value is taken exactly once");
            record(&SEEN, "reader took the value");
        } else {
            assert_eq!(slot.take().map(|value| value.id), Some(winner));
            record(&SEEN, "reader came too early");
        }
        record(&SEEN, if winner == 1 { "writer 1 won" } else { "writer 2 won" });
        assert_eq!(drops.load(Relaxed), 2, "both values dropped exactly once");
    });
    let seen = SEEN.lock().unwrap();
    for outcome in
        ["reader took the value", "reader came too early", "writer 1 won", "writer 2 won"]
    {
        assert!(seen.contains(outcome), "never saw {outcome:?}: {seen:?}");
    }
}

#[test]
fn slot_drops_an_untaken_value_exactly_once() {
    loom::model(|| {
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let slot = Arc::new(ErrorSlot::new());
        let writer = {
            let (slot, drops) = (slot.clone(), drops.clone());
            thread::spawn(move || slot.try_set(Tracked { id: 1, drops }).is_ok())
        };
        // The last `Arc` to go drops the slot, in whichever thread that happens.
        drop(slot);
        assert!(writer.join().unwrap());
        assert_eq!(drops.load(Relaxed), 1);
    });
}
