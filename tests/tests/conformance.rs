//! The conformance suite, instantiated for every executor this crate knows: inline mode and
//! `futures-executor`'s thread pool through a real `Spawn` impl.

use errgroup_tests::{InlineExecutor, ThreadPoolExecutor, conformance_suite};

conformance_suite!(inline, InlineExecutor, inline);
conformance_suite!(thread_pool, ThreadPoolExecutor, runtime);
