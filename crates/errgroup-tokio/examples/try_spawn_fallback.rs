//! A full group hands the work back: serve a fallback instead of waiting for a slot.
//!
//! A shop prices items in a group limited to two tasks. Two slow quotes (their upstream
//! answers only when the example sends the reply, so the group stays full for as long as
//! the example needs, with no timing involved) take both slots. Then:
//!
//! - `try_spawn` of a third quote returns `Rejected::Full(work)`: the future comes back,
//!   never polled, and the example runs it inline, on the caller's task, instead of
//!   queueing it;
//! - a fourth is refused the same way and answered from a cache; its future is dropped,
//!   never run;
//! - once the slow quotes are answered, `spawn(..).await` — which waits for a slot
//!   rather than refusing — takes a fifth.
//!
//! Go's `TryGo` returns `false` and the function is gone; here the work itself comes
//! back, so falling back costs nothing.
//!
//! Run it with `cargo run -p errgroup-tokio --example try_spawn_fallback`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{fmt, time::Duration};

use errgroup_tokio::{
    Spawner,
    errgroup::{ErrGroup, Rejected},
};
use tokio::sync::oneshot;

fn main() {
    run();
}

/// Fills the group, then serves the fallbacks.
pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        println!("== a group of at most 2 tasks, both taken by slow quotes");
        let group = ErrGroup::builder().collect().spawner(Spawner::current());
        group.limit(2).expect("2 is a valid limit");
        let (sofa_reply, sofa_upstream) = oneshot::channel();
        let (table_reply, table_upstream) = oneshot::channel();
        group.try_spawn(slow_quote("sofa", sofa_upstream)).expect("room for two");
        group.try_spawn(slow_quote("table", table_upstream)).expect("room for two");
        let limit = group.current_limit().expect("set above");
        println!("   active tasks: {} of {limit}", group.active());

        // The work comes back: run it right here.
        match group.try_spawn(quick_quote("lamp")) {
            Ok(id) => println!("   lamp: taken by the group as task {id}"),
            Err(Rejected::Full(work)) => {
                let quote = work.await.expect("the lamp has a price");
                println!("   lamp: the group is full; computed inline instead: {quote}");
            }
            Err(refused) => println!("   lamp: {refused}"),
        }

        // Or answer from a cache, and drop the work unrun.
        match group.try_spawn(quick_quote("chair")) {
            Ok(id) => println!("   chair: taken by the group as task {id}"),
            Err(Rejected::Full(_work)) => {
                let quote = cached_quote("chair");
                println!("   chair: the group is full; served from the cache: {quote}");
            }
            Err(refused) => println!("   chair: {refused}"),
        }

        println!("== the slow upstream answers; `spawn` waits for a slot instead");
        sofa_reply.send(89_900).expect("the sofa quote is waiting");
        table_reply.send(34_900).expect("the table quote is waiting");
        group.spawn(quick_quote("rug")).await.expect("the group is healthy");
        for quote in group.await.expect("every quote succeeds") {
            println!("   {quote}");
        }
    });
}

struct Quote {
    item: &'static str,
    cents: u32,
    source: &'static str,
}

impl fmt::Display for Quote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (euros, cents) = (self.cents / 100, self.cents % 100);
        write!(f, "{} costs {euros}.{cents:02} EUR ({})", self.item, self.source)
    }
}

/// A quote from the slow upstream pricing service, which answers on `upstream`.
async fn slow_quote(item: &'static str, upstream: oneshot::Receiver<u32>) -> Result<Quote, String> {
    let cents = upstream.await.map_err(|_| format!("no price for the {item}"))?;
    Ok(Quote { item, cents, source: "slow upstream" })
}

/// A quote computed locally: a millisecond of work.
async fn quick_quote(item: &'static str) -> Result<Quote, String> {
    tokio::time::sleep(Duration::from_millis(1)).await;
    let cents = match item {
        "lamp" => 4_500,
        "chair" => 12_900,
        _ => 19_900,
    };
    Ok(Quote { item, cents, source: "computed" })
}

/// Yesterday's price: stale, but instant.
fn cached_quote(item: &'static str) -> Quote {
    Quote { item, cents: 12_500, source: "cached" }
}
