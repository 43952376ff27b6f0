//! The inline driver: runs a group's tasks inside the group's own futures, with one
//! allocation per task (the boxed task itself) and no `unsafe`.
//!
//! Tasks reach the driver through [`Incoming`], a locked `Vec` shared with the group's
//! handles (which may be on other threads); the driver takes the whole batch in one lock.
//! A new task is polled at once with the *group waker*; if it finishes, it never takes a
//! slot. If it is pending it goes into the driver's slab and onto the `unknown` list.
//! Task wakers are `'static` (tasks need not be), so a task's waker names it by its slab
//! key, not by pointer: when a task is polled again it gets a waker of its own (a small
//! `Arc` recycled from finished tasks) that queues its key on [`Ready`].
//!
//! # Invariants
//!
//! - A task is polled again only when it may have been woken, or spuriously (which the
//!   `Future` contract allows), never lost:
//!   - a task on the `unknown` list was last polled with the group waker, which sets
//!     `Ready::generic` and wakes the group's waiter; the driver then polls every task on
//!     that list once, each with its own waker, and empties the list. So a task is polled
//!     with the group waker at most once, and a wake through it costs the driver at most
//!     one extra poll per task over the group's whole life;
//!   - a task with a waker of its own queues its key on `Ready::woken` (once until it is
//!     polled: `queued`), and wakes the group's waiter when the queue was empty.
//! - The flags are read-modify-writes with acquire/release (`swap`) on both sides, and the
//!   queues are behind a lock, so what a task did before waking is seen by its next poll.
//! - A stale key (its task finished; a clone of its waker lived on) names a vacant slot
//!   or another task: the first is skipped, the second is polled spuriously. A woken key
//!   whose task has no waker of its own yet (it is on `unknown`) is skipped: only the
//!   group waker can have been handed to that task.
//! - The driver holds no lock while it polls a task, so a task may spawn into its own
//!   group or wake itself from inside its poll.
//! - Each call polls a bounded number of tasks (a budget), then yields to the executor,
//!   so a task that keeps waking itself cannot starve the future driving the group.

use alloc::vec::Vec;
use core::{fmt, future::Future, mem, pin::Pin, task::Context};

// loom's under `--cfg loom`, so `tests/loom_inline.rs` model-checks the wake-up paths;
// wakers are made from `alloc`'s `Arc`.
use crate::sync::{
    AllocArc as Arc, ArcWake, AtomicBool, AtomicWaker, Lock, Ordering, arc_wake, waker_ref,
};

/// How many finished tasks' wakers are kept for reuse.
const SPARE_WAKERS: usize = 64;
/// A batch buffer bigger than this is freed after use rather than kept.
const KEEP_CAPACITY: usize = 1024;
/// Polls per call before yielding, at least (more when the group has more tasks).
const MIN_BUDGET: usize = 64;

/// Where the group's wake-ups land. `'static`, so wakers can point at it.
struct Ready {
    /// The future driving the group (its `wait`, or an inline `spawn`): the group's one
    /// waiter, registered here instead of in the shared state (see
    /// [`Mode::register_waiter`](crate::Mode)).
    waiter: AtomicWaker,
    /// The group waker was woken: some task on the `unknown` list wants a poll.
    generic: AtomicBool,
    /// Keys of tasks woken through their own waker.
    woken: Lock<Vec<usize>>,
}

arc_wake!(Ready);

impl ArcWake for Ready {
    /// The group waker, handed to each task on its first poll.
    fn wake_by_ref(arc_self: &Arc<Self>) {
        // AcqRel: the release publishes what the task did before waking to the driver's
        // acquiring swap; if the flag was already set, that set's waker wakes the driver,
        // whose swap comes after this one.
        if !arc_self.generic.swap(true, Ordering::AcqRel) {
            arc_self.waiter.wake();
        }
    }
}

/// A task's own waker: queues the task's slab key.
struct TaskWaker {
    key: usize,
    /// The key is queued on `woken` and the task not yet polled since.
    queued: AtomicBool,
    ready: Arc<Ready>,
}

arc_wake!(TaskWaker);

impl ArcWake for TaskWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        // AcqRel: pairs with the driver's swap before polling (see `Ready::wake_by_ref`).
        if arc_self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let ready = &arc_self.ready;
        // A non-empty queue was already announced, and the driver has not taken it yet.
        let first = ready.woken.with(|woken| {
            woken.push(arc_self.key);
            woken.len() == 1
        });
        if first {
            ready.waiter.wake();
        }
    }
}

/// The tasks spawned but not yet picked up by the driver, shared with every handle.
pub(crate) struct Incoming<T> {
    /// The queued tasks, and whether the queue is closed: its group is gone, and a task
    /// pushed now is dropped at once (so no task is left here holding a handle, which
    /// holds this queue: a cycle that nothing would drop).
    tasks: Lock<(Vec<T>, bool)>,
    ready: Arc<Ready>,
}

impl<T> Incoming<T> {
    /// An empty queue, with the group's waiter.
    pub(crate) fn new() -> Self {
        let ready = Ready {
            waiter: AtomicWaker::new(),
            generic: AtomicBool::new(false),
            woken: Lock::new(Vec::new()),
        };
        Self { tasks: Lock::new((Vec::new(), false)), ready: Arc::new(ready) }
    }

    /// Queues `task` for the driver, and wakes the driver if it may be waiting. Once the
    /// queue is closed, drops `task` instead (outside the lock: its drop runs user code).
    pub(crate) fn push(&self, task: T) {
        // A non-empty queue was already announced, and the driver has not taken it yet.
        let pushed = self.tasks.with(|(tasks, closed)| {
            if *closed {
                return Err(task);
            }
            tasks.push(task);
            Ok(tasks.len() == 1)
        });
        match pushed {
            Ok(true) => self.ready.waiter.wake(),
            Ok(false) => {}
            Err(task) => drop(task),
        }
    }

    /// Registers the future driving the group as its waiter: new tasks and task wake-ups
    /// wake it from then on.
    pub(crate) fn register_waiter(&self, waker: &core::task::Waker) {
        self.ready.waiter.register(waker);
    }

    /// Wakes the future driving the group.
    pub(crate) fn wake_waiter(&self) {
        self.ready.waiter.wake();
    }

    /// Moves every queued task into `batch` (empty), in one lock; with `close`, the queue
    /// takes no task from now on.
    fn take(&self, batch: &mut Vec<T>, close: bool) {
        debug_assert!(batch.is_empty());
        self.tasks.with(|(tasks, closed)| {
            mem::swap(tasks, batch);
            *closed |= close;
        });
    }
}

/// A pending task, in the driver's slab.
struct Entry<T> {
    task: T,
    /// Its own waker, once it has been polled with one.
    waker: Option<Arc<TaskWaker>>,
}

/// The tasks an inline group is running.
#[doc(hidden)]
pub struct InlineDriver<T> {
    /// Pending tasks, by key (a slab of our own: `Option<Entry>` is no bigger than
    /// `Entry`, where `slab`'s entries take 8 bytes more).
    tasks: Vec<Option<Entry<T>>>,
    /// Vacant keys in `tasks`.
    vacant: Vec<usize>,
    /// Keys of pending tasks last polled with the group waker.
    unknown: Vec<usize>,
    /// Finished tasks' wakers that nobody else holds, for reuse.
    spare: Vec<Arc<TaskWaker>>,
    /// Buffers kept between calls: new tasks, woken keys, unknown keys being polled.
    batch: Vec<T>,
    keys: Vec<usize>,
}

impl<T> Default for InlineDriver<T> {
    fn default() -> Self {
        Self {
            tasks: Vec::new(),
            vacant: Vec::new(),
            unknown: Vec::new(),
            spare: Vec::new(),
            batch: Vec::new(),
            keys: Vec::new(),
        }
    }
}

impl<T> fmt::Debug for InlineDriver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InlineDriver").field("pending", &self.pending()).finish()
    }
}

impl<T> InlineDriver<T> {
    fn pending(&self) -> usize {
        self.tasks.len() - self.vacant.len()
    }
}

impl<T: Future<Output = ()> + Unpin> InlineDriver<T> {
    fn insert(&mut self, entry: Entry<T>) -> usize {
        match self.vacant.pop() {
            Some(key) => {
                self.tasks[key] = Some(entry);
                key
            }
            None => {
                self.tasks.push(Some(entry));
                self.tasks.len() - 1
            }
        }
    }

    fn remove(&mut self, key: usize) -> Option<Entry<T>> {
        if key + 1 == self.tasks.len() {
            // The newest: `vacant` only names keys below it, so they stay valid.
            return self.tasks.pop().flatten();
        }
        let entry = self.tasks[key].take();
        if self.vacant.len() + 1 == self.tasks.len() {
            // The last one: start afresh (keeping the capacity).
            self.tasks.clear();
            self.vacant.clear();
        } else {
            self.vacant.push(key);
        }
        entry
    }

    /// Polls the tasks that are new or were woken, until none is left or the budget is
    /// spent (then it asks `cx` to be polled again). The caller has registered `cx`'s
    /// waker as the group's waiter, so any wake-up from then on reaches it.
    pub(crate) fn run(&mut self, incoming: &Incoming<T>, cx: &mut Context<'_>) {
        let ready = &incoming.ready;
        let mut polls = 0;
        let mut budget = usize::MAX;
        loop {
            let before = polls;
            polls += self.poll_new(incoming);
            // Acquire: see `Ready::wake_by_ref`.
            if ready.generic.swap(false, Ordering::AcqRel) {
                polls += self.poll_unknown(ready);
            }
            polls += self.poll_woken(ready);
            if polls == before {
                break;
            }
            if budget == usize::MAX {
                budget = polls.saturating_add(self.pending()).max(MIN_BUDGET);
            } else if polls >= budget {
                // More to do, but let the executor run something else first.
                cx.waker().wake_by_ref();
                return;
            }
        }
    }

    /// Polls each new task once, with the group waker.
    fn poll_new(&mut self, incoming: &Incoming<T>) -> usize {
        let mut batch = mem::take(&mut self.batch);
        incoming.take(&mut batch, false);
        let count = batch.len();
        let waker = waker_ref(&incoming.ready);
        let mut cx = Context::from_waker(&waker);
        for mut task in batch.drain(..) {
            if Pin::new(&mut task).poll(&mut cx).is_pending() {
                let key = self.insert(Entry { task, waker: None });
                self.unknown.push(key);
            }
        }
        if batch.capacity() <= KEEP_CAPACITY {
            self.batch = batch;
        }
        count
    }

    /// The group waker was woken: polls every task that was given it, each with a waker
    /// of its own from now on.
    fn poll_unknown(&mut self, ready: &Arc<Ready>) -> usize {
        let mut keys = mem::replace(&mut self.unknown, mem::take(&mut self.keys));
        let mut polls = 0;
        // Newest first: tasks that finish now free the end of `tasks`, which shrinks it
        // instead of growing `vacant`.
        for key in keys.drain(..).rev() {
            polls += self.poll_one(key, Some(ready));
        }
        self.keys = keys;
        polls
    }

    /// Polls every task woken through its own waker.
    fn poll_woken(&mut self, ready: &Ready) -> usize {
        let mut keys = mem::take(&mut self.keys);
        ready.woken.with(|woken| mem::swap(woken, &mut keys));
        let mut polls = 0;
        for key in keys.drain(..) {
            polls += self.poll_one(key, None);
        }
        if keys.capacity() <= KEEP_CAPACITY {
            self.keys = keys;
        }
        polls
    }

    /// Polls the task at `key` with its own waker, giving it one first if `ready` is
    /// passed. Returns how many polls that was (0 or 1).
    fn poll_one(&mut self, key: usize, ready: Option<&Arc<Ready>>) -> usize {
        let Some(Some(entry)) = self.tasks.get_mut(key) else {
            return 0; // a stale key
        };
        if entry.waker.is_none() {
            // Woken through a stale key: this task only has the group waker.
            let Some(ready) = ready else { return 0 };
            entry.waker = Some(take_waker(&mut self.spare, key, ready));
        }
        let Some(own) = &entry.waker else { unreachable!("given above") };
        // AcqRel: the acquire sees what the waker did; the release orders this reset
        // before the poll, so a wake during the poll queues the key again.
        own.queued.swap(false, Ordering::AcqRel);
        let waker = waker_ref(own);
        if Pin::new(&mut entry.task).poll(&mut Context::from_waker(&waker)).is_ready() {
            let own = self.remove(key).and_then(|entry| entry.waker);
            if let Some(mut own) = own {
                if self.spare.len() < SPARE_WAKERS && Arc::get_mut(&mut own).is_some() {
                    self.spare.push(own);
                }
            }
        }
        1
    }

    /// Polls every pending task once, each with a waker of its own (the group was
    /// cancelled: the ones it drops abort).
    pub(crate) fn poll_all(&mut self, incoming: &Incoming<T>) {
        self.unknown.clear();
        // Newest first, as in `poll_unknown`.
        for key in (0..self.tasks.len()).rev() {
            self.poll_one(key, Some(&incoming.ready));
        }
    }

    /// Drops every task, queued ones included; with `close` (the group is gone), tasks
    /// pushed from now on are dropped as they come. A task dropped unfinished records its
    /// outcome itself (cancelled, since its group is cancelled by then), and catches a
    /// panic in its future's `Drop`, so that no user code runs outside that net.
    pub(crate) fn drop_all(&mut self, incoming: &Incoming<T>, close: bool) {
        incoming.take(&mut self.batch, close);
        self.batch.clear();
        self.tasks.clear();
        self.vacant.clear();
        self.unknown.clear();
    }
}

/// A waker of its own for the task at `key`: a spare one if any, else a new one.
fn take_waker(spare: &mut Vec<Arc<TaskWaker>>, key: usize, ready: &Arc<Ready>) -> Arc<TaskWaker> {
    while let Some(mut waker) = spare.pop() {
        // Unique when it was put there, and nobody could clone it since.
        if let Some(own) = Arc::get_mut(&mut waker) {
            own.key = key;
            // Relaxed: this is the only reference.
            own.queued.store(false, Ordering::Relaxed);
            return waker;
        }
    }
    Arc::new(TaskWaker { key, queued: AtomicBool::new(false), ready: ready.clone() })
}

#[cfg(all(test, feature = "std", not(loom)))]
mod tests {
    use alloc::{sync::Arc, task::Wake, vec::Vec};
    use core::{
        future::{Future, poll_fn},
        pin::{Pin, pin},
        sync::atomic::{AtomicUsize, Ordering},
        task::{Context, Poll, Waker},
    };
    use std::sync::Mutex;

    use crate::ErrGroup;

    /// Counts the wake-ups of the future driving the group.
    #[derive(Default)]
    struct Counted(AtomicUsize);

    impl Wake for Counted {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Opened from outside, any number of times; keeps the waker it was last polled with.
    #[derive(Clone, Default)]
    struct Gate(Arc<Mutex<(usize, Option<Waker>)>>);

    impl Gate {
        /// Pending until opened `opens` times in all.
        fn until(&self, opens: usize) -> impl Future<Output = Result<(), ()>> + Send + use<> {
            let gate = self.clone();
            poll_fn(move |cx| {
                let mut state = gate.0.lock().unwrap();
                if state.0 >= opens {
                    return Poll::Ready(Ok(()));
                }
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            })
        }

        /// Opens the gate once, from another thread, and wakes whoever waits on it.
        fn open(&self) {
            let gate = self.clone();
            std::thread::spawn(move || {
                let waker = {
                    let mut state = gate.0.lock().unwrap();
                    state.0 += 1;
                    state.1.take()
                };
                if let Some(waker) = waker {
                    waker.wake();
                }
            })
            .join()
            .unwrap();
        }
    }

    #[test]
    fn tasks_woken_through_the_group_waker_then_their_own_are_polled() {
        let group = ErrGroup::<(), _>::inline();
        let gates: Vec<Gate> = (0..3).map(|_| Gate::default()).collect();
        for gate in &gates {
            // Pending twice: once with the group waker, once with a waker of its own.
            group.try_spawn(gate.until(2)).unwrap();
        }
        let counted = Arc::new(Counted::default());
        let waker = Waker::from(counted.clone());
        let mut cx = Context::from_waker(&waker);
        let mut wait = pin!(group.wait());
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        for round in 1..=2 {
            for (index, gate) in gates.iter().enumerate() {
                let wakes = counted.0.load(Ordering::SeqCst);
                gate.open();
                assert!(counted.0.load(Ordering::SeqCst) > wakes, "round {round}, gate {index}");
                let last = round == 2 && index == 2;
                assert_eq!(wait.as_mut().poll(&mut cx).is_ready(), last, "round {round}");
            }
        }
    }

    #[test]
    fn a_task_that_keeps_waking_itself_does_not_starve_the_waiter() {
        let group = ErrGroup::<(), _>::inline();
        let polls = AtomicUsize::new(0);
        let polls = &polls;
        group
            .try_spawn(poll_fn(move |cx| {
                polls.fetch_add(1, Ordering::SeqCst);
                cx.waker().wake_by_ref();
                Poll::<Result<(), ()>>::Pending
            }))
            .unwrap();
        let counted = Arc::new(Counted::default());
        let waker = Waker::from(counted.clone());
        let mut wait = pin!(group.wait());
        assert!(wait.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        assert!(polls.load(Ordering::SeqCst) > 1, "polled again within the budget");
        assert!(counted.0.load(Ordering::SeqCst) >= 1, "yielded, asking to be polled again");
    }

    #[test]
    fn a_finished_tasks_stale_waker_is_harmless() {
        let group = ErrGroup::<(), _>::inline();
        let kept = Arc::new(Mutex::new(Vec::<Waker>::new()));
        let gates = [Gate::default(), Gate::default()];
        for gate in &gates {
            // Keeps a clone of every waker it is polled with, and finishes when opened.
            let (kept, until) = (kept.clone(), gate.until(1));
            let mut until = alloc::boxed::Box::pin(until);
            group
                .try_spawn(poll_fn(move |cx| {
                    kept.lock().unwrap().push(cx.waker().clone());
                    until.as_mut().poll(cx)
                }))
                .unwrap();
        }
        let counted = Arc::new(Counted::default());
        let waker = Waker::from(counted.clone());
        let mut cx = Context::from_waker(&waker);
        let mut wait = pin!(group.wait());
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        // Wake every kept waker (the group waker); both tasks get wakers of their own.
        for waker in kept.lock().unwrap().drain(..) {
            waker.wake();
        }
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        let own: Vec<Waker> = kept.lock().unwrap().drain(..).collect();
        assert_eq!(own.len(), 2);
        gates[0].open();
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        gates[1].open();
        assert!(wait.as_mut().poll(&mut cx).is_ready());
        // The tasks are gone; their wakers still work, and do nothing.
        for waker in own {
            waker.wake();
        }
    }

    /// A task as a `Send` group's driver holds it.
    type Task = Pin<alloc::boxed::Box<dyn Future<Output = ()> + Send>>;

    /// A driver and its queue, with nothing around them.
    fn driver() -> (super::InlineDriver<Task>, super::Incoming<Task>) {
        (super::InlineDriver::default(), super::Incoming::new())
    }

    #[test]
    fn one_run_polls_a_self_waking_task_up_to_the_budget_then_yields() {
        let (mut driver, incoming) = driver();
        let polls = Arc::new(AtomicUsize::new(0));
        let counted = polls.clone();
        incoming.push(alloc::boxed::Box::pin(poll_fn(move |cx| {
            counted.fetch_add(1, Ordering::SeqCst);
            cx.waker().wake_by_ref();
            Poll::Pending
        })));
        let outer = Arc::new(Counted::default());
        let waker = Waker::from(outer.clone());
        driver.run(&incoming, &mut Context::from_waker(&waker));
        // New (group waker), then unknown (its own waker), then woken, once per round
        // after: the budget is the first round's polls plus the pending tasks, at least
        // `MIN_BUDGET`, and reaching it yields.
        assert_eq!(polls.load(Ordering::SeqCst), super::MIN_BUDGET);
        assert_eq!(outer.0.load(Ordering::SeqCst), 1, "it asked to be polled again");
    }

    /// Pending until switched on; keeps the waker it was last polled with.
    #[derive(Clone, Default)]
    struct Switch(Arc<Mutex<(bool, Option<Waker>)>>);

    impl Switch {
        fn task(&self) -> Task {
            let switch = self.clone();
            alloc::boxed::Box::pin(poll_fn(move |cx| {
                let mut state = switch.0.lock().unwrap();
                if state.0 {
                    return Poll::Ready(());
                }
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }))
        }

        fn on(&self) {
            let waker = {
                let mut state = self.0.lock().unwrap();
                state.0 = true;
                state.1.take()
            };
            waker.expect("polled before").wake();
        }
    }

    #[test]
    fn finished_tasks_free_their_slots_and_the_last_one_empties_the_slab() {
        let (mut driver, incoming) = driver();
        let [a, b, c] = [Switch::default(), Switch::default(), Switch::default()];
        for switch in [&a, &b, &c] {
            incoming.push(switch.task());
        }
        let run = |driver: &mut super::InlineDriver<Task>| {
            driver.run(&incoming, &mut Context::from_waker(Waker::noop()));
            (driver.tasks.len(), driver.vacant.len())
        };
        assert_eq!(run(&mut driver), (3, 0), "keys 0, 1, 2");
        b.on(); // through the group waker: all three get wakers of their own
        assert_eq!(run(&mut driver), (3, 1), "a middle key is vacant");
        c.on();
        assert_eq!(run(&mut driver), (2, 1), "the newest key shrinks the slab");
        a.on();
        assert_eq!(run(&mut driver), (0, 0), "the last task empties it");
    }
}
