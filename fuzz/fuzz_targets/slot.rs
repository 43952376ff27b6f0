//! `ErrorSlot` against an `Option` plus a "was ever set" flag, compared after every step,
//! with every value counted so none is dropped twice or lost.
#![no_main]

use std::cell::Cell;

use arbitrary::Arbitrary;
use errgroup_core::ErrorSlot;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    TrySet(u16),
    Take,
    /// Drop the slot and start a new one.
    Replace,
}

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

/// A value that counts how many of its kind are alive.
#[derive(Debug, PartialEq)]
struct Tracked(u16);

impl Tracked {
    fn new(id: u16) -> Self {
        LIVE.with(|live| live.set(live.get() + 1));
        Self(id)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        LIVE.with(|live| live.set(live.get() - 1));
    }
}

#[derive(Default)]
struct Model {
    value: Option<u16>,
    ever_set: bool,
}

fuzz_target!(|ops: Vec<Op>| {
    LIVE.with(|live| live.set(0));
    {
        let mut slot = ErrorSlot::new();
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::TrySet(id) => {
                    let result = slot.try_set(Tracked::new(id));
                    if model.ever_set {
                        assert_eq!(result.map_err(|back| back.0), Err(id), "handed back");
                    } else {
                        assert!(result.is_ok());
                        model = Model { value: Some(id), ever_set: true };
                    }
                }
                Op::Take => assert_eq!(slot.take().map(|v| v.0), model.value.take()),
                Op::Replace => {
                    slot = ErrorSlot::new();
                    model = Model::default();
                }
            }
            assert_eq!(slot.is_set(), model.ever_set);
            let expected_live = isize::from(model.value.is_some());
            assert_eq!(LIVE.with(Cell::get), expected_live, "values alive");
        }
    }
    assert_eq!(LIVE.with(Cell::get), 0, "every value dropped exactly once");
});
