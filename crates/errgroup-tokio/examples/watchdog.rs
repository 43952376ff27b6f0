//! A crawl under a watchdog: one task's result awaited on its own (a per-task handle), one
//! task aborted alone, and, when the deadline passes, the tasks still running named — by
//! the group, not by guesswork.
//!
//! The group is named and tracks its tasks (`track_pending`): at the deadline the
//! watchdog prints `dump()`, the group with the groups nested in it (here, one per site)
//! as a tree of what is still running, then cancels it; `unfinished()` then names the
//! tasks the group had to drop. (`wait_timeout` does the same without the dump: after it,
//! `unfinished()` names them too.) The index page is spawned with
//! a handle (`try_spawn_handle`): its value goes to that handle, not to the group, and
//! the preview is aborted through its handle once it is not needed, without cancelling its
//! siblings.
//!
//! Run it with `cargo run -p errgroup-tokio --example watchdog`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::time::Duration;

use errgroup_tokio::{Spawner, errgroup::ErrGroup};

fn main() {
    run();
}

/// Crawls a site whose archive page hangs.
pub(crate) fn run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("build a tokio runtime");
    if let Err(error) = runtime.block_on(crawl(Duration::from_millis(300))) {
        println!("   crawl failed: {error:#}");
    }
}

/// Fetches `page`, which takes `ms` milliseconds.
async fn fetch(page: &'static str, ms: u64) -> anyhow::Result<String> {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(format!("<html>{page}</html>"))
}

async fn crawl(limit: Duration) -> anyhow::Result<()> {
    let group = ErrGroup::builder().name("crawl").track_pending().spawner(Spawner::current());
    let handle = group.handle();

    // The index page, with a handle: its body comes back to us alone.
    let index = group.task().name("index").try_spawn_handle(fetch("index", 5))?;
    // A preview we may not need: with a handle, to abort it alone.
    let preview = group.task().name("preview").try_spawn_handle(fetch("preview", 60_000))?;
    // The pages, each in a group of its own site, nested in the crawl.
    let site = ErrGroup::builder()
        .name("blog.example")
        .track_pending()
        .child_of(&group.token())
        .spawner(Spawner::current());
    for (page, ms) in [("about", 3), ("posts", 8), ("archive", 60_000)] {
        site.task().name(page).try_spawn(async move { fetch(page, ms).await.map(drop) })?;
    }
    let site_handle = site.handle();

    // Its value, its error, or (cancelled, lost) an `Interrupted` that `?` carries.
    let body = index.await.into_result()?;
    println!("   index: {body}");
    preview.abort(); // not needed after all: only this task stops
    println!("   the preview was aborted; its siblings run on");

    // The watchdog: at the deadline, say what is still running, then stop it.
    let waiting = async {
        let (crawl, site) = tokio::join!(group.wait(), site.wait());
        crawl.and(site)
    };
    tokio::pin!(waiting);
    tokio::select! {
        result = &mut waiting => return result,
        () = tokio::time::sleep(limit) => {}
    }
    print!("   still running after {limit:?}:\n{}", indent(&handle.dump().to_string()));
    handle.cancel(); // and the site's group, nested in it
    waiting.await?; // groups cancelled from outside, with no error: Ok
    let dropped: Vec<_> = [&handle, &site_handle]
        .into_iter()
        .flat_map(|group| group.unfinished().unwrap_or_default())
        .map(|task| task.to_string())
        .collect();
    println!("   dropped unfinished: {}", dropped.join(", "));
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("     {line}\n")).collect()
}
