//! `GroupState` against a plain struct, compared after every step.
#![no_main]

use arbitrary::Arbitrary;
use errgroup_core::{FinishError, GroupState, StartError};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Start,
    StartWithin(u8),
    CloseIfIdle,
    Finish,
    Cancel,
    Close,
    LoadAcqRel,
}

#[derive(Default, Debug)]
struct Model {
    active: usize,
    cancelled: bool,
    closed: bool,
}

fuzz_target!(|ops: Vec<Op>| {
    let state = GroupState::new();
    let mut model = Model::default();
    for op in ops {
        match op {
            Op::Start => {
                let expected = if model.closed {
                    Err(StartError::Closed)
                } else if model.cancelled {
                    Err(StartError::Cancelled)
                } else {
                    model.active += 1;
                    Ok(model.active)
                };
                assert_eq!(state.try_start().map(|now| now.active()), expected);
            }
            Op::StartWithin(limit) => {
                let limit = usize::from(limit % 8);
                let expected = if model.closed {
                    Err(StartError::Closed)
                } else if model.cancelled {
                    Err(StartError::Cancelled)
                } else if model.active >= limit {
                    Err(StartError::Full)
                } else {
                    model.active += 1;
                    Ok(model.active)
                };
                assert_eq!(state.try_start_within(limit).map(|now| now.active()), expected);
            }
            Op::CloseIfIdle => match state.close_if_idle() {
                Ok(now) => {
                    assert_eq!(model.active, 0);
                    model.closed = true;
                    assert!(now.is_closed() && now.is_idle());
                }
                Err(now) => {
                    assert!(model.active > 0);
                    assert_eq!(now.active(), model.active);
                }
            },
            Op::Finish => match state.finish() {
                Ok(now) => {
                    assert!(model.active > 0, "finish succeeded with nothing active");
                    model.active -= 1;
                    assert_eq!(now.active(), model.active);
                    assert_eq!(now.is_idle(), model.active == 0);
                    assert_eq!(now.is_cancelled(), model.cancelled);
                    assert_eq!(now.is_closed(), model.closed);
                }
                Err(FinishError) => assert_eq!(model.active, 0),
            },
            Op::Cancel => {
                assert_eq!(state.cancel(), !model.cancelled, "first canceller");
                model.cancelled = true;
            }
            Op::Close => {
                model.closed = true;
                let now = state.close();
                assert!(now.is_closed());
                assert_eq!(now.active(), model.active);
            }
            Op::LoadAcqRel => {
                let now = state.load_acq_rel();
                assert_eq!(
                    (now.active(), now.is_cancelled(), now.is_closed()),
                    (model.active, model.cancelled, model.closed)
                );
            }
        }
        let now = state.load();
        assert_eq!(
            (now.active(), now.is_cancelled(), now.is_closed()),
            (model.active, model.cancelled, model.closed),
            "after {model:?}"
        );
    }
});
