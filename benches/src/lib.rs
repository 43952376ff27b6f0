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

/// Timings of several variants taken in one interleaved loop: each round runs every variant
/// once, starting one further along each round, so that a drift of the machine's speed
/// (which criterion, timing one variant for seconds and then the next, carries into their
/// ratio) and the heap left by the variant before touch every variant alike. A ratio is
/// then taken within each round and its median over the rounds reported.
///
/// # Examples
///
/// ```
/// let mut calls = [0; 2];
/// let samples = errgroup_benches::interleave(5, 1, 2, |variant| {
///     calls[variant] += 1;
///     (variant + 1) as f64
/// });
/// assert_eq!(calls, [6, 6]); // one warm-up round and five timed rounds each
/// assert_eq!(errgroup_benches::median_ratio(&samples[1], &samples[0]), 2.0);
/// ```
#[must_use]
pub fn interleave(
    rounds: usize,
    warm_up: usize,
    variants: usize,
    mut run: impl FnMut(usize) -> f64,
) -> Vec<Vec<f64>> {
    for _ in 0..warm_up {
        for variant in 0..variants {
            run(variant);
        }
    }
    let mut samples = vec![Vec::with_capacity(rounds); variants];
    for round in 0..rounds {
        for k in 0..variants {
            let variant = (k + round) % variants;
            samples[variant].push(run(variant));
        }
    }
    samples
}

/// The median of `values` (the upper one of an even count).
///
/// # Panics
///
/// If `values` is empty.
///
/// # Examples
///
/// ```
/// assert_eq!(errgroup_benches::median(&[3.0, 1.0, 2.0]), 2.0);
/// ```
#[must_use]
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// The median over rounds of `a[round] / b[round]`: two variants' ratio within each round
/// of [`interleave`].
///
/// # Examples
///
/// ```
/// assert_eq!(errgroup_benches::median_ratio(&[2.0, 9.0, 3.0], &[1.0, 3.0, 3.0]), 2.0);
/// ```
#[must_use]
pub fn median_ratio(a: &[f64], b: &[f64]) -> f64 {
    let ratios: Vec<f64> = a.iter().zip(b).map(|(a, b)| a / b).collect();
    median(&ratios)
}

/// Runs `body` as README tells a user to run a group: inside a task of the runtime (a
/// `tokio::spawn`ed task, as a server's handler is), not directly in `block_on`, whose
/// thread is not one of a multi-thread runtime's workers. Waits for it from `block_on`.
///
/// # Panics
///
/// If `body` panics.
///
/// # Examples
///
/// ```
/// let runtime = errgroup_benches::two_worker_runtime();
/// errgroup_benches::in_task(&runtime, async {
///     assert!(tokio::runtime::Handle::current().metrics().num_workers() == 2);
/// });
/// ```
pub fn in_task<F>(runtime: &tokio::runtime::Runtime, body: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    runtime.block_on(async { tokio::spawn(body).await.expect("the body does not panic") })
}
