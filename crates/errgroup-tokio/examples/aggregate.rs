//! Fan out to three services, fan their answers into one struct, and fail as one.
//!
//! A dashboard needs a user's profile, orders and coupons. The three requests run at the
//! same time, as tasks of one group that collects their values in spawn order; the answer
//! takes as long as the slowest request, not the sum of all three. In the second run the
//! coupons service is down: its error cancels the two requests still in flight — their
//! futures are dropped, which their guards print, with the cause their group's token gives
//! them — and is what the group returns. Nobody waits for answers that can no longer be
//! used. Each task is named after its service, so the cause reads
//! ``task 2 `coupons` failed: connection refused``.
//!
//! One current-thread runtime is enough: the requests wait on timers, not on the CPU.
//!
//! Run it with `cargo run -p errgroup-tokio --example aggregate`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{
    fmt,
    time::{Duration, Instant},
};

use errgroup_tokio::{
    Spawner,
    errgroup::{CancelToken, Cause, ErrGroup},
};
use tokio::time::sleep;

fn main() {
    run();
}

/// Loads the dashboard twice: with every service up, then with the coupons service down.
pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        println!("== every service answers");
        let started = Instant::now();
        let dashboard = load_dashboard(Coupons::Up).await.expect("every service is up");
        println!("   {dashboard}");
        println!(
            "   in {:.1?}: the slowest request (5 ms), not the sum (10 ms)",
            started.elapsed()
        );

        println!("== the coupons service is down");
        match load_dashboard(Coupons::Down).await {
            Err(error) => println!("   error: {error}"),
            Ok(dashboard) => println!("   unexpected: {dashboard}"),
        }
    });
}

/// Everything the page shows.
struct Dashboard {
    profile: Profile,
    orders: Vec<u32>,
    coupons: Vec<&'static str>,
}

#[derive(Debug)]
struct Profile {
    name: &'static str,
}

/// One value type for the three tasks of a collecting group.
#[derive(Debug)]
enum Part {
    Profile(Profile),
    Orders(Vec<u32>),
    Coupons(Vec<&'static str>),
}

/// Runs the three requests as one group: all three answers, or the first failure, as the
/// cause of the group's cancellation (which task failed, and why).
async fn load_dashboard(coupons: Coupons) -> Result<Dashboard, Cause> {
    // `error_messages`: the cause keeps the failed task's error text.
    let group = ErrGroup::builder().error_messages().collect().spawner(Spawner::current());
    let token = group.token();
    // Without a limit, a spawn is refused only if the group has already failed, and then
    // the `await` below returns that failure: nothing to handle here.
    let _ = group.task().name("profile").try_spawn(in_flight(
        token.clone(),
        "profile",
        fetch_profile(),
    ));
    let _ =
        group.task().name("orders").try_spawn(in_flight(token.clone(), "orders", fetch_orders()));
    let _ = group.task().name("coupons").try_spawn(in_flight(
        token.clone(),
        "coupons",
        fetch_coupons(coupons),
    ));

    // Values come back in spawn order, whatever order the requests finished in. On a
    // failure, the token's cause names the task that failed.
    let parts = group.await.map_err(|_| token.cause().expect("a failed group is cancelled"))?;
    let parts: [Part; 3] = parts.try_into().expect("three tasks, three values");
    let [Part::Profile(profile), Part::Orders(orders), Part::Coupons(coupons)] = parts else {
        unreachable!("values come back in spawn order")
    };
    Ok(Dashboard { profile, orders, coupons })
}

// ---- the simulated services ----

async fn fetch_profile() -> Result<Part, Unavailable> {
    sleep(Duration::from_millis(3)).await;
    Ok(Part::Profile(Profile { name: "Ada Lovelace" }))
}

async fn fetch_orders() -> Result<Part, Unavailable> {
    sleep(Duration::from_millis(5)).await;
    Ok(Part::Orders(vec![1815, 1843, 1852]))
}

#[derive(Clone, Copy)]
enum Coupons {
    Up,
    /// Refuses connections: fails at once, while the other two are still waiting.
    Down,
}

async fn fetch_coupons(coupons: Coupons) -> Result<Part, Unavailable> {
    if let Coupons::Down = coupons {
        return Err(Unavailable("connection refused"));
    }
    sleep(Duration::from_millis(2)).await;
    Ok(Part::Coupons(vec!["ENGINE10", "NOTE-G"]))
}

/// A service that did not answer, and why. Which service is the task's name.
#[derive(Debug)]
struct Unavailable(&'static str);

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Display for Dashboard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "dashboard of {}: orders {:?}, coupons {:?}",
            self.profile.name, self.orders, self.coupons
        )
    }
}

// ---- showing cancellation ----

/// `request`, carrying a guard that prints if the request is dropped before it answered,
/// and why (its group's `token` says): that is what cancellation looks like from inside a
/// task. The guard is made here, not in the async block, so that it exists even if the
/// group drops the task before its first poll.
fn in_flight<F: Future>(
    token: CancelToken,
    name: &'static str,
    request: F,
) -> impl Future<Output = F::Output> {
    let guard = InFlight { name, token, answered: false };
    async move {
        let answer = request.await;
        guard.answered();
        answer
    }
}

struct InFlight {
    name: &'static str,
    token: CancelToken,
    answered: bool,
}

impl InFlight {
    /// The request answered: dropping the guard now prints nothing.
    fn answered(mut self) {
        self.answered = true;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.answered {
            let cause =
                self.token.cause().map_or("its group was dropped".into(), |c| c.to_string());
            println!("   {}: cancelled before it answered, because {cause}", self.name);
        }
    }
}
