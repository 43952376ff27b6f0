//! Criterion benchmarks of errgroup against tokio's `JoinSet`, tokio-util's `TaskTracker`,
//! `FuturesUnordered`, crossbeam's `WaitGroup`, semaphores and the hand-written floor. One
//! bench target per scenario under `benches/`; `BENCHMARKS.md` at the root holds the numbers
//! and `benches/run.sh` reproduces them. This library holds what the targets share.

/// The tokio runtime of every multi-thread scenario: exactly two workers, as the machine
/// the numbers come from has two cores.
///
/// # Examples
///
/// ```
/// let runtime = errgroup_benches::two_worker_runtime();
/// assert_eq!(runtime.block_on(async { 1 + 1 }), 2);
/// ```
#[must_use]
pub fn two_worker_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().expect("a tokio runtime")
}

/// The runtime a profiled run uses: [`two_worker_runtime`], or with
/// `ERRGROUP_BENCH_FLAVOR=current_thread` a current-thread runtime
/// (`ERRGROUP_BENCH_FLAVOR=multi_thread` is the default).
///
/// # Panics
///
/// If `ERRGROUP_BENCH_FLAVOR` is set to anything else, or the runtime cannot be built.
///
/// # Examples
///
/// ```
/// // Without ERRGROUP_BENCH_FLAVOR in the environment: the two-worker runtime.
/// let runtime = errgroup_benches::profile_runtime();
/// assert_eq!(runtime.block_on(async { 1 + 1 }), 2);
/// ```
#[must_use]
pub fn profile_runtime() -> tokio::runtime::Runtime {
    match std::env::var("ERRGROUP_BENCH_FLAVOR").as_deref() {
        Ok("current_thread") => {
            tokio::runtime::Builder::new_current_thread().build().expect("a tokio runtime")
        }
        Ok("multi_thread") | Err(_) => two_worker_runtime(),
        Ok(other) => {
            panic!("ERRGROUP_BENCH_FLAVOR: {other:?} is not current_thread or multi_thread")
        }
    }
}

/// A profiler's request: if `ERRGROUP_BENCH_PROFILE` names one of `peers`, that peer's
/// entry and the number of runs from `ERRGROUP_BENCH_RUNS` (default 10), so a bench can run
/// just that peer under `valgrind --tool=callgrind` instead of criterion.
///
/// # Panics
///
/// If the variables are set to something that is not a peer's name or a number.
///
/// # Examples
///
/// ```
/// // Without ERRGROUP_BENCH_PROFILE in the environment, criterion runs as usual.
/// assert_eq!(errgroup_benches::profile_request(&[("errgroup", 1)]), None);
/// ```
#[must_use]
pub fn profile_request<T: Copy>(peers: &[(&str, T)]) -> Option<(T, u64)> {
    let peer = std::env::var("ERRGROUP_BENCH_PROFILE").ok()?;
    let runs = std::env::var("ERRGROUP_BENCH_RUNS")
        .map_or(10, |runs| runs.parse().expect("ERRGROUP_BENCH_RUNS: a number of runs"));
    let Some(&(_, entry)) = peers.iter().find(|(name, _)| *name == peer) else {
        panic!("ERRGROUP_BENCH_PROFILE: no peer named {peer:?}");
    };
    Some((entry, runs))
}
