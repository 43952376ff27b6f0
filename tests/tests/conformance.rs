//! The conformance suite, instantiated for every executor: inline mode (`Send` and
//! `!Send` tasks), `futures-executor`'s
//! thread pool through a plain `Spawn` impl and through errgroup's `FuturesSpawner`, and every
//! runtime through its adapter crate.

use errgroup_tests::{
    FuturesSpawnerExecutor, InlineExecutor, InlineLocalExecutor, ThreadPoolExecutor,
    conformance_suite,
    runtimes::{AsyncStd, Smol, TokioCurrentThread, TokioLocalSet, TokioMultiThread},
};

conformance_suite!(inline, InlineExecutor, inline);
conformance_suite!(inline_local, InlineLocalExecutor, local);
conformance_suite!(thread_pool, ThreadPoolExecutor, runtime);
conformance_suite!(futures_spawner, FuturesSpawnerExecutor, runtime);
conformance_suite!(tokio_multi_thread, TokioMultiThread, runtime);
conformance_suite!(tokio_current_thread, TokioCurrentThread, runtime);
conformance_suite!(tokio_local_set, TokioLocalSet, local);
conformance_suite!(smol, Smol, runtime);
conformance_suite!(async_std, AsyncStd, runtime);
