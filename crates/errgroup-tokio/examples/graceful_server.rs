//! A TCP server that shuts down gracefully: each connection is a task of one group; on
//! ctrl-c the group stops accepting, the requests in flight finish within a grace period,
//! the connections still open at its end (idle ones) are dropped, and the server prints
//! what happened to each connection.
//!
//! The protocol is one line per request: `PING` is answered `PONG`; `WORK <ms>` is
//! answered `STARTED` at once and `DONE` after `<ms>` milliseconds of work. A connection
//! ends when its client closes it, and reports how many requests it served.
//!
//! Alone, the example starts the server, plays two clients against it (one idle, one with
//! a request in flight when the shutdown starts) and triggers the shutdown itself; with
//! `-- --serve` it serves on 127.0.0.1:7878 until ctrl-c. `tests/graceful_server.rs`
//! runs the same server against real sockets.
//!
//! Run it with `cargo run -p errgroup-tokio --example graceful_server`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{future::Future, net::SocketAddr, time::Duration};

use anyhow::{Context as _, bail};
use errgroup_tokio::{
    Spawner,
    errgroup::{CancelReason, ErrGroup, Outcome, Policy, ShutdownReport},
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::oneshot,
};

/// What each task reports: how many requests a connection served (the acceptor: how
/// many connections it accepted).
pub(crate) type Served = u32;

/// Serves `listener` until `trigger` completes, then shuts down with `grace`; returns what
/// happened to every task: the acceptor first, then each connection, named by its peer.
pub(crate) async fn serve(
    listener: TcpListener,
    trigger: impl Future<Output = ()>,
    grace: Duration,
) -> ShutdownReport<Served, anyhow::Error> {
    // `CollectAll`: a connection that fails is reported, and does not stop the server.
    let group =
        ErrGroup::builder().policy(Policy::CollectAll).collect().spawner(Spawner::current());
    let (handle, token) = (group.handle(), group.token());
    group
        .task()
        .name("acceptor")
        .try_spawn(async move {
            let mut accepted = 0;
            // Accepts until the shutdown starts: the group's token is cancelled then.
            while let Some(connection) = token.run_until_cancelled(listener.accept()).await {
                let (stream, peer) = connection.context("accepting a connection")?;
                // Refused once the shutdown has started: then the stream is dropped,
                // which closes it.
                if handle.task().name(peer.to_string()).try_spawn(connection_task(stream)).is_ok() {
                    accepted += 1;
                }
            }
            Ok(accepted)
        })
        .expect("a new group takes its first task");
    group.shutdown_when(trigger, grace).await
}

/// One connection: answers each request line until the client closes it. Between
/// requests it waits for the next line: a connection idle there at the end of the grace
/// period is dropped, which closes it.
async fn connection_task(stream: TcpStream) -> anyhow::Result<Served> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut served = 0;
    while let Some(line) = lines.next_line().await? {
        match line.split_once(' ') {
            None if line == "PING" => writer.write_all(b"PONG\n").await?,
            Some(("WORK", millis)) => {
                let millis: u64 = millis.parse().context("WORK takes milliseconds")?;
                writer.write_all(b"STARTED\n").await?;
                tokio::time::sleep(Duration::from_millis(millis)).await;
                writer.write_all(b"DONE\n").await?;
            }
            _ => bail!("unknown request {line:?}"),
        }
        served += 1;
    }
    Ok(served)
}

/// One line per task: what happened to it.
pub(crate) fn describe(report: &ShutdownReport<Served, anyhow::Error>) -> Vec<String> {
    report
        .tasks
        .iter()
        .map(|task| {
            let what = match &task.outcome {
                Outcome::Succeeded(count) if task.task.id().index() == 0 => {
                    format!("stopped accepting after {count} connection(s)")
                }
                Outcome::Succeeded(count) => {
                    format!("closed by its client after {count} request(s)")
                }
                Outcome::Failed(error) => format!("failed: {error:#}"),
                Outcome::Cancelled(CancelReason::Shutdown) => {
                    "still open at the end of the grace period: aborted".to_owned()
                }
                other => format!("{other:?}"),
            };
            let name = task.task.name().unwrap_or("?");
            format!("{name}: {what}")
        })
        .collect()
}

/// A client of the example's protocol.
pub(crate) struct Client {
    lines: tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    pub(crate) async fn connect(server: SocketAddr) -> anyhow::Result<Self> {
        let (reader, writer) = TcpStream::connect(server).await?.into_split();
        Ok(Self { lines: BufReader::new(reader).lines(), writer })
    }

    /// Sends one request line.
    pub(crate) async fn send(&mut self, request: &str) -> anyhow::Result<()> {
        self.writer.write_all(format!("{request}\n").as_bytes()).await?;
        Ok(())
    }

    /// The next answer line, or `None` once the server closed the connection.
    pub(crate) async fn answer(&mut self) -> anyhow::Result<Option<String>> {
        Ok(self.lines.next_line().await?)
    }
}

/// How long the requests in flight have to finish once the shutdown starts.
const GRACE: Duration = Duration::from_millis(300);

fn main() {
    if std::env::args().any(|arg| arg == "--serve") {
        serve_until_ctrl_c();
    } else {
        run();
    }
}

/// Serves on 127.0.0.1:7878 until ctrl-c.
fn serve_until_ctrl_c() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:7878").await.expect("port 7878 is free");
        println!("serving on 127.0.0.1:7878 (try `nc 127.0.0.1 7878`, then PING); ctrl-c stops");
        let ctrl_c = async {
            tokio::signal::ctrl_c().await.expect("ctrl-c can be listened for");
        };
        let report = serve(listener, ctrl_c, GRACE).await;
        for line in describe(&report) {
            println!("{line}");
        }
    });
}

/// Two clients, and a shutdown while one of them has a request in flight.
pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let server = listener.local_addr().expect("a bound listener has an address");
        let (shut_down, trigger) = oneshot::channel::<()>();
        let serving = tokio::spawn(serve(listener, async { trigger.await.unwrap_or(()) }, GRACE));

        let mut idle = Client::connect(server).await.expect("connected");
        idle.send("PING").await.expect("sent");
        println!("idle client: {:?}", idle.answer().await.expect("answered"));

        let mut busy = Client::connect(server).await.expect("connected");
        busy.send("WORK 100").await.expect("sent");
        println!("busy client: {:?}", busy.answer().await.expect("answered"));
        println!("== shutting down with a request in flight (grace period {GRACE:?})");
        shut_down.send(()).expect("the server is running");
        println!(
            "busy client: {:?} (its request finished)",
            busy.answer().await.expect("answered")
        );

        let report = serving.await.expect("the server did not panic");
        println!("idle client: {:?} (closed)", idle.answer().await.expect("read"));
        for line in describe(&report) {
            println!("{line}");
        }
    });
}
