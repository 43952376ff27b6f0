//! A graceful shutdown on tokio's paused clock: a grace period of an hour passes in no
//! time when every task is idle, and is measured on the runtime's clock (the one
//! `tokio::time::Instant` reads), not the machine's.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std test

use std::{future::pending, time::Duration};

use errgroup_tokio::errgroup::{CancelReason, Outcome};

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn a_grace_period_runs_on_the_runtimes_paused_clock() {
    let group = errgroup_tokio::group::<std::io::Error>();
    let token = group.token();
    group
        .task()
        .name("told")
        .try_spawn(async move {
            token.cancelled().await;
            // Stopping takes a minute of the runtime's time, well within the grace period.
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(())
        })
        .unwrap();
    group.task().name("idle").try_spawn(pending()).unwrap();
    let start = tokio::time::Instant::now();
    let report = group.shutdown(HOUR).await;
    assert_eq!(start.elapsed(), HOUR, "the grace period, to the runtime's clock");
    assert!(report.grace_expired);
    assert!(matches!(report.tasks[0].outcome, Outcome::Succeeded(())), "{report:?}");
    assert!(matches!(report.tasks[1].outcome, Outcome::Cancelled(CancelReason::Shutdown)));
    assert_eq!(report.aborted().map(|task| task.name()).collect::<Vec<_>>(), [Some("idle")]);
}
