//! hyper on the spawners (feature `hyper`): an HTTP/2 server and client over an in-memory
//! pipe, each handed `errgroup_tokio::Spawner` (or `LocalSpawner`) as its executor, the
//! server's connection a task of a group, as a user would write it.
#![allow(clippy::std_instead_of_core)]

use std::{convert::Infallible, time::Duration};

use errgroup_tokio::{LocalSpawner, Spawner};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, body::Bytes, service::service_fn};
use hyper_util::rt::TokioIo;

async fn hello(
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from(format!("hello, {}", request.uri().path())))))
}

/// A hang (a future `execute` lost) fails the test instead of stalling the run.
const DEADLINE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http2_server_and_client_run_on_the_spawner() -> anyhow::Result<()> {
    tokio::time::timeout(DEADLINE, serve_and_request()).await?
}

async fn serve_and_request() -> anyhow::Result<()> {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    // The server's connection is a task of a group: a failure in it is the group's error.
    let group = errgroup_tokio::group::<anyhow::Error>();
    group
        .try_spawn(async move {
            hyper::server::conn::http2::Builder::new(Spawner::current())
                .serve_connection(TokioIo::new(server_io), service_fn(hello))
                .await?;
            Ok(())
        })
        .map_err(errgroup_tokio::errgroup::Rejected::into_refused)?;

    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(Spawner::current(), TokioIo::new(client_io)).await?;
    let driver = tokio::spawn(connection);
    for path in ["/a", "/b"] {
        let response =
            sender.send_request(Request::get(path).body(Full::new(Bytes::new()))?).await?;
        let body = response.into_body().collect().await?.to_bytes();
        assert_eq!(body, format!("hello, {path}"));
    }
    // Closing the client ends the connection, which ends the server's task: the group
    // finishes with its success.
    drop(sender);
    driver.await??;
    group.await?;
    Ok(())
}

/// On a `LocalSet`, the server's connection did not end by itself when the client went
/// away, in our tries (with plain `spawn_local` too, no group involved), so the test stops
/// it as a server stops: by cancelling its group, which drops the connection's future.
#[test]
fn an_http2_server_and_client_run_on_a_local_spawner() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    let local = tokio::task::LocalSet::new();
    // The timer is made inside the runtime: `timeout` needs its context.
    local.block_on(&runtime, async {
        tokio::time::timeout(DEADLINE, async {
            let (client_io, server_io) = tokio::io::duplex(64 * 1024);
            let group = errgroup_tokio::local_group::<hyper::Error>();
            group
                .try_spawn(async move {
                    hyper::server::conn::http2::Builder::new(LocalSpawner::new())
                        .serve_connection(TokioIo::new(server_io), service_fn(hello))
                        .await
                })
                .map_err(errgroup_tokio::errgroup::Rejected::into_refused)?;
            let (mut sender, connection) =
                hyper::client::conn::http2::handshake(LocalSpawner::new(), TokioIo::new(client_io))
                    .await?;
            tokio::task::spawn_local(connection);
            let response =
                sender.send_request(Request::get("/local").body(Full::new(Bytes::new()))?).await?;
            assert_eq!(response.into_body().collect().await?.to_bytes(), "hello, /local");
            drop(sender);
            group.cancel(); // drops the server's connection
            group.await?;
            Ok(())
        })
        .await
    })?
}
