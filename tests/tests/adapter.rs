//! The adapter suite, instantiated for every adapter crate: tokio (multi-thread and
//! current-thread runtimes), smol and async-std.

use errgroup_tests::{
    adapter_suite,
    runtimes::{AsyncStd, Smol, TokioCurrentThread, TokioMultiThread},
};

adapter_suite!(tokio_multi_thread, TokioMultiThread);
adapter_suite!(tokio_current_thread, TokioCurrentThread);
adapter_suite!(smol, Smol);
adapter_suite!(async_std, AsyncStd);
