//! `Counter` against a plain `usize` with checked arithmetic bounded by `Counter::MAX`,
//! compared after every step: the fast path (`add` of up to 1,024, taken back when it
//! overflows), the checked path (larger additions), and refused `done`s.
#![no_main]

use arbitrary::Arbitrary;
use errgroup_core::{CountError, Counter};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    /// A small addition.
    Add(u8),
    /// An addition near `Counter::MAX`, to reach the overflow edge quickly.
    AddNearMax(u8),
    /// An addition around the fast path's limit (1,024).
    AddAroundFastLimit(u8),
    Done,
}

fuzz_target!(|ops: Vec<Op>| {
    let counter = Counter::new();
    let mut model: usize = 0;
    for op in ops {
        match op {
            Op::Add(n) => add(&counter, &mut model, usize::from(n)),
            Op::AddNearMax(n) => add(&counter, &mut model, Counter::MAX - usize::from(n)),
            Op::AddAroundFastLimit(n) => add(&counter, &mut model, 1024 + usize::from(n) - 128),
            Op::Done => {
                let expected = match model.checked_sub(1) {
                    Some(next) => {
                        model = next;
                        Ok(next == 0)
                    }
                    None => Err(CountError::BelowZero),
                };
                assert_eq!(counter.done(), expected);
            }
        }
        assert_eq!(counter.count(), model);
    }
});

fn add(counter: &Counter, model: &mut usize, n: usize) {
    let expected = match model.checked_add(n).filter(|&next| next <= Counter::MAX) {
        Some(next) => {
            *model = next;
            Ok(next)
        }
        None => Err(CountError::Overflow { count: *model, add: n }),
    };
    assert_eq!(counter.add(n), expected);
}
