//! Criterion benchmarks of errgroup against tokio's `JoinSet`, tokio-util's `TaskTracker`,
//! `FuturesUnordered` and crossbeam's `WaitGroup`. The benches arrive with the benchmarks
//! issue; `BENCHMARKS.md` at the root will hold the numbers and the command to reproduce
//! them.
