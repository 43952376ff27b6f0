//! The `graceful_server` example, run against real sockets on the loopback interface: a
//! request in flight when the shutdown starts finishes, idle connections are aborted at the
//! end of the grace period, new connections are refused, and the report says what
//! happened to each connection. Bounded: every wait on the server is bounded by a
//! deadline far above what it takes, so a hang fails the test instead of stalling it.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std test

#[path = "../examples/graceful_server.rs"]
#[expect(dead_code, reason = "the example's `main` and its demo are not used here")]
mod graceful_server;

use std::{future::Future, time::Duration};

use errgroup_tokio::errgroup::{CancelReason, Outcome};
use graceful_server::{Client, describe, serve};
use tokio::{net::TcpListener, sync::oneshot};

/// Long enough for a 50 ms request to finish on any machine; the idle connections make
/// the test wait it out once.
const GRACE: Duration = Duration::from_secs(2);
/// What no step of the test comes near.
const BOUND: Duration = Duration::from_secs(60);

async fn bounded<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(BOUND, future).await.unwrap_or_else(|_| panic!("{what} hung"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_finish_and_idle_connections_are_aborted_at_the_end_of_the_grace_period()
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = listener.local_addr().unwrap();
    let (shut_down, trigger) = oneshot::channel::<()>();
    let serving = tokio::spawn(serve(listener, async { trigger.await.unwrap_or(()) }, GRACE));

    // Two idle clients (each served one request, so each is a task of the group), and one
    // that served a request and then closed its connection.
    let mut idle = Vec::new();
    for _ in 0..2 {
        let mut client = Client::connect(server).await.unwrap();
        client.send("PING").await.unwrap();
        assert_eq!(bounded("PING", client.answer()).await.unwrap().as_deref(), Some("PONG"));
        idle.push(client);
    }
    let mut closing = Client::connect(server).await.unwrap();
    closing.send("PING").await.unwrap();
    assert_eq!(bounded("PING", closing.answer()).await.unwrap().as_deref(), Some("PONG"));
    drop(closing);

    // A request in flight when the shutdown starts.
    let mut busy = Client::connect(server).await.unwrap();
    busy.send("WORK 50").await.unwrap();
    assert_eq!(bounded("STARTED", busy.answer()).await.unwrap().as_deref(), Some("STARTED"));
    shut_down.send(()).unwrap();
    assert_eq!(
        bounded("DONE", busy.answer()).await.unwrap().as_deref(),
        Some("DONE"),
        "the request in flight finished within the grace period"
    );

    let report = bounded("the shutdown", serving).await.unwrap();
    assert!(report.grace_expired, "{report:?}");
    // The idle connections (and the busy one, idle again after its request) were closed
    // by the server at the end of the grace period.
    for mut client in idle.into_iter().chain([busy]) {
        assert_eq!(bounded("the close", client.answer()).await.unwrap(), None);
    }
    // The listener is gone: no new connection is served.
    assert!(Client::connect(server).await.is_err(), "the server still accepts");

    let lines = describe(&report);
    assert_eq!(lines.len(), 5, "{lines:#?}");
    assert_eq!(lines[0], "acceptor: stopped accepting after 4 connection(s)");
    assert!(matches!(report.tasks[0].outcome, Outcome::Succeeded(4)));
    // The connection its client closed, before or during the shutdown.
    assert!(matches!(report.tasks[3].outcome, Outcome::Succeeded(1)), "{lines:#?}");
    for task in [1, 2, 4] {
        assert!(report.tasks[task].aborted(), "{lines:#?}");
        assert!(
            matches!(report.tasks[task].outcome, Outcome::Cancelled(CancelReason::Shutdown)),
            "{lines:#?}"
        );
        assert!(lines[task].ends_with("still open at the end of the grace period: aborted"));
        assert!(lines[task].starts_with("127.0.0.1:"), "named by its peer: {lines:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_no_connection_left_stops_without_waiting_out_the_grace_period() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    // A grace period the test would time out on: the shutdown must not wait for it.
    let report =
        bounded("the shutdown", serve(listener, async {}, Duration::from_secs(3600))).await;
    assert!(!report.grace_expired);
    assert_eq!(describe(&report), ["acceptor: stopped accepting after 0 connection(s)"]);
}
