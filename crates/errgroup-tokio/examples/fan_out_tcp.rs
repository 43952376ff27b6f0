//! A fan-out over a real server: twenty requests to a small HTTP backend that this example
//! starts on the loopback interface, at most eight at a time, each bounded by its own
//! timeout. Item 7 is broken (the server answers `500`) and item 13 hangs (no answer: its
//! request times out).
//!
//! First fail-fast, the default: the first failure cancels the requests still running,
//! the next spawn is refused with an error that names the failed task, and `wait`
//! returns the task's own error. Then the same requests in a collect-all group, waited for
//! with `wait_outcomes`: every failure, named by its task, and every value.
//!
//! Run it with `cargo run -p errgroup-tokio --example fan_out_tcp`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{net::SocketAddr, time::Duration};

use anyhow::{Context as _, anyhow, bail};
use errgroup_tokio::{
    Spawner,
    errgroup::{ErrGroup, Outcome, Policy},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

const REQUESTS: u32 = 20;
const LIMIT: usize = 8;
const TIMEOUT: Duration = Duration::from_millis(150);
const BROKEN: u32 = 7;
const HANGING: u32 = 13;

fn main() {
    run();
}

pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let server = serve().await.expect("a server on the loopback interface");
        println!("== {REQUESTS} requests to {server}, at most {LIMIT} at a time, {TIMEOUT:?} each");
        fail_fast(server).await;
        println!("== the same requests, every outcome collected");
        collect_all(server).await.expect("the requests were spawned");
    });
}

/// Fail-fast: stops at the first failure, and says which task it was.
async fn fail_fast(server: SocketAddr) {
    // `error_messages`: a refusal's message carries the failed task's error text.
    let group =
        ErrGroup::<anyhow::Error, _>::builder().error_messages().spawner(Spawner::current());
    group.limit(LIMIT).expect("8 is a valid limit");
    for n in 1..=REQUESTS {
        // A discarding group's tasks return `Ok(())`: the body is not kept here.
        let request = async move { get(server, n).await.map(drop) };
        let spawned = group.task().name(format!("GET /item/{n}")).spawn(request).await;
        if let Err(refused) = spawned {
            // Stop feeding a failed group. `?` here would return this refusal; breaking
            // and awaiting the group returns the task's own error.
            println!("   spawn of item {n} refused: {refused}");
            break;
        }
    }
    match group.await {
        Ok(()) => println!("   every request succeeded"),
        Err(error) => println!("   the group failed: {error:#}"),
    }
}

/// Collect-all: every request runs to its end; one outcome per request, in spawn order.
async fn collect_all(server: SocketAddr) -> anyhow::Result<()> {
    let group =
        ErrGroup::builder().policy(Policy::CollectAll).collect().spawner(Spawner::current());
    group.limit(LIMIT)?;
    for n in 1..=REQUESTS {
        group.task().name(format!("GET /item/{n}")).spawn(get(server, n)).await?;
    }
    let (mut ok, mut failed) = (0, 0);
    for (id, outcome) in group.wait_outcomes().await {
        match outcome {
            Outcome::Succeeded(_body) => ok += 1,
            Outcome::Failed(error) => {
                failed += 1;
                // Ids are spawn order: request `n` is task `n - 1`.
                println!("   FAIL task {id} (GET /item/{}): {error:#}", id.index() + 1);
            }
            other => println!("   task {id}: {other:?}"),
        }
    }
    println!("   {ok} succeeded, {failed} failed");
    Ok(())
}

/// One request, bounded by its own timeout.
async fn get(server: SocketAddr, n: u32) -> anyhow::Result<String> {
    tokio::time::timeout(TIMEOUT, request(server, n))
        .await
        .map_err(|_| anyhow!("no answer within {TIMEOUT:?}"))?
}

/// `GET /item/{n}` over HTTP/1.0: the body of a `200`, or an error.
async fn request(server: SocketAddr, n: u32) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(server).await.context("connect")?;
    stream.write_all(format!("GET /item/{n} HTTP/1.0\r\n\r\n").as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    match head.split(' ').nth(1) {
        Some("200") => Ok(body.to_owned()),
        Some(status) => bail!("HTTP {status}: {body}"),
        None => bail!("not an HTTP response: {head:?}"),
    }
}

/// Starts the backend on a free loopback port: `200` with the item, except for the broken
/// item (`500`) and the hanging one (no answer).
async fn serve() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0; 256];
                let Ok(read) = stream.read(&mut request).await else { return };
                let request = String::from_utf8_lossy(&request[..read]);
                let n: u32 = request
                    .split(' ')
                    .nth(1)
                    .and_then(|path| path.strip_prefix("/item/"))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let response = match n {
                    BROKEN => {
                        "HTTP/1.0 500 Internal Server Error\r\n\r\nthe database is down".into()
                    }
                    HANGING => return std::future::pending().await,
                    n => format!("HTTP/1.0 200 OK\r\n\r\nitem {n}"),
                };
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    Ok(address)
}
