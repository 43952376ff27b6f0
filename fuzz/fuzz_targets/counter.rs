//! `Counter` against a plain `usize` with checked arithmetic, compared after every step.
#![no_main]

use arbitrary::Arbitrary;
use errgroup_core::{CountError, Counter};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    /// A small addition.
    Add(u8),
    /// An addition near `usize::MAX`, to reach the overflow edge quickly.
    AddNearMax(u8),
    Done,
}

fuzz_target!(|ops: Vec<Op>| {
    let counter = Counter::new();
    let mut model: usize = 0;
    for op in ops {
        match op {
            Op::Add(n) => add(&counter, &mut model, usize::from(n)),
            Op::AddNearMax(n) => add(&counter, &mut model, usize::MAX - usize::from(n)),
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
    let expected = match model.checked_add(n) {
        Some(next) => {
            *model = next;
            Ok(next)
        }
        None => Err(CountError::Overflow { count: *model, add: n }),
    };
    assert_eq!(counter.add(n), expected);
}
