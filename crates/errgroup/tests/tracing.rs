//! The `tracing` feature: each task's span carries its group's id and name and its own id
//! and name, and is entered around each poll; failures, panics, losses, cancellations and
//! timeouts are events. Run with `cargo test -p errgroup --features tracing --test tracing`.
#![cfg(feature = "tracing")]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod support;

use std::{
    cell::RefCell,
    fmt::Write as _,
    sync::{Arc, Mutex},
};

use errgroup::{ErrGroup, Panicked, Policy};
use futures_executor::block_on;
use support::{DiscardingSpawner, Expired, RecordingSpawner, quiet_panics};
use tracing::{
    Event, Metadata, Subscriber,
    field::{Field, Visit},
    span::{Attributes, Id, Record},
};

/// Records each span's fields, and each event as `LEVEL message {fields} in [span fields]`.
#[derive(Clone, Default)]
struct Capture {
    spans: Arc<Mutex<Vec<String>>>,
    events: Arc<Mutex<Vec<String>>>,
}

std::thread_local! {
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Writes `name=value` pairs (and the message bare).
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields(span.metadata().name().to_owned());
        span.record(&mut fields);
        let mut spans = self.spans.lock().unwrap();
        spans.push(fields.0);
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(format!("{} ", event.metadata().level()));
        event.record(&mut fields);
        let parent = match event.parent() {
            Some(id) => Some(id.into_u64()),
            None if event.is_contextual() => {
                ENTERED.with(|entered| entered.borrow().last().copied())
            }
            None => None,
        };
        if let Some(parent) = parent {
            let span = self.spans.lock().unwrap()[parent as usize - 1].clone();
            let _ = write!(fields.0, " in [{span}]");
        }
        self.events.lock().unwrap().push(fields.0);
    }

    fn enter(&self, span: &Id) {
        ENTERED.with(|entered| entered.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, _: &Id) {
        ENTERED.with(|entered| entered.borrow_mut().pop());
    }
}

impl Capture {
    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    fn has(&self, wanted: &str) -> bool {
        self.events().iter().any(|event| event.contains(wanted))
    }
}

#[derive(Debug)]
enum Failure {
    Task,
    Panicked,
}

impl From<Panicked> for Failure {
    fn from(_: Panicked) -> Self {
        Failure::Panicked
    }
}

#[test]
fn each_task_has_a_span_entered_around_its_polls_and_its_failures_are_events() {
    quiet_panics();
    let capture = Capture::default();
    tracing::subscriber::with_default(capture.clone(), || {
        let mut group = ErrGroup::<Failure, _>::builder()
            .name("jobs")
            .panics_as_errors()
            .policy(Policy::CollectAll)
            .inline();
        group
            .task()
            .name("ok")
            .try_spawn(async {
                tracing::info!("inside the task");
                Ok(())
            })
            .unwrap();
        group.try_spawn(async { Err(Failure::Task) }).unwrap();
        group.task().name("boom").try_spawn(async { panic!("task exploded") }).unwrap();
        let errors = block_on(group.wait_all()).unwrap_err();
        let errors: Vec<_> = errors.iter().map(|error| format!("{:?}", error.error())).collect();
        assert_eq!(errors, ["Task", "Panicked"]);
    });
    let events = capture.events();
    let span = |id: usize, name: &str| {
        let name = if name.is_empty() { String::new() } else { format!(" task.name={name}") };
        format!("[errgroup.task group=0 group.name=jobs task={id}{name}]")
    };
    let group_id = events.iter().find_map(|event| event.split(" group=").nth(1)).unwrap();
    let group_id: String = group_id.chars().take_while(char::is_ascii_digit).collect();
    let span = |id, name| span(id, name).replace("group=0", &format!("group={group_id}"));
    assert!(events.contains(&format!("INFO inside the task in {}", span(0, "ok"))), "{events:#?}");
    assert!(
        events.contains(&format!("WARN errgroup: task failed in {}", span(1, ""))),
        "{events:#?}"
    );
    assert!(
        events.contains(&format!(
            "ERROR errgroup: task panicked panic=task exploded in {}",
            span(2, "boom")
        )),
        "{events:#?}"
    );
}

#[test]
fn cancellations_timeouts_and_losses_are_events() {
    let capture = Capture::default();
    tracing::subscriber::with_default(capture.clone(), || {
        // A failure cancels a pending sibling.
        let spawner = RecordingSpawner::default();
        let group = ErrGroup::<u32, _>::new(spawner.clone());
        group.task().name("waits").try_spawn(std::future::pending()).unwrap();
        group.try_spawn(async { Err(1) }).unwrap();
        assert!(!spawner.poll(0));
        assert!(spawner.poll(1));
        assert!(spawner.poll(0), "aborted at its next poll");
        assert_eq!(block_on(group.wait()), Err(1));
        assert!(
            capture.has("DEBUG errgroup: task cancelled reason=a task failed in [errgroup.task")
        );
        assert!(capture.has("task=0 task.name=waits]"));

        // A timer fires with a task running.
        let group = ErrGroup::<u32, _>::builder().name("slow").inline();
        group.try_spawn(std::future::pending()).unwrap();
        assert!(block_on(group.wait_until(std::future::ready(()))).is_timed_out());
        assert!(capture.has("group.name=slow running=1"), "{:#?}", capture.events());
        assert!(capture.has("WARN errgroup: the group timed out"));

        // A graceful shutdown: told with one task running, and its grace period over.
        let group = ErrGroup::<u32, _>::builder().name("server").inline();
        group.try_spawn(std::future::pending()).unwrap();
        let report = block_on(group.shutdown_on(Expired, std::time::Duration::ZERO));
        assert!(report.grace_expired);
        assert!(
            capture.has(
                "INFO errgroup: the group is shutting down; its running tasks are told to stop"
            ),
            "{:#?}",
            capture.events()
        );
        assert!(
            capture.has(
                "WARN errgroup: the grace period is over; the tasks still running are dropped"
            )
        );
        assert!(capture.has("group.name=server running=1"));

        // Lost: by its executor later, and by its spawner inside `spawn`.
        let spawner = RecordingSpawner::default();
        let group = ErrGroup::<errgroup::Interrupted, _>::builder()
            .interruptions_as_errors()
            .spawner(spawner.clone());
        group.task().name("dropped").try_spawn(std::future::pending()).unwrap();
        spawner.drop_task(0);
        assert!(block_on(group.wait()).is_err());
        assert!(capture.has("ERROR errgroup: task lost: its executor dropped it"));
        let group = ErrGroup::<errgroup::Interrupted, _>::builder()
            .interruptions_as_errors()
            .spawner(DiscardingSpawner);
        group.task().name("discarded").try_spawn(async { Ok(()) }).unwrap();
        assert!(block_on(group.wait()).is_err());
        assert!(capture.has(" task=0 task.name=discarded"));
        assert!(
            capture.has("task lost: its spawner dropped it inside `spawn` group="),
            "{:#?}",
            capture.events()
        );
    });
}

#[test]
fn an_outcome_that_goes_to_a_handle_is_an_event_in_the_tasks_span() {
    let capture = Capture::default();
    tracing::subscriber::with_default(capture.clone(), || {
        let group = ErrGroup::<u32, _>::inline();
        let handle = group.handle().task().name("h").try_spawn_handle(async { Err::<(), _>(4) });
        block_on(group.wait()).unwrap();
        assert!(matches!(block_on(handle.unwrap()), errgroup::Outcome::Failed(4)));
    });
    assert!(
        capture.has("DEBUG errgroup: task ended; its outcome went to its handle outcome=failed in [errgroup.task"),
        "{:#?}",
        capture.events()
    );
}
