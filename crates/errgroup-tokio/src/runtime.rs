//! tokio's timer and blocking pool, as `errgroup`'s [`Timer`](errgroup::Timer) and
//! [`BlockingPool`](errgroup::BlockingPool), for both spawners: on the runtime a spawner
//! holds a handle to, or else on the current one.

/// Implements `Timer` and `BlockingPool` for `$spawner`, on the runtime its `runtime()`
/// method names (`Some(handle)`), or on the one the caller is in (`None`).
macro_rules! tokio_runtime {
    ($spawner:ty) => {
        impl errgroup::Timer for $spawner {
            type Instant = tokio::time::Instant;
            type Sleep = tokio::time::Sleep;

            fn now(&self) -> tokio::time::Instant {
                tokio::time::Instant::now()
            }

            fn checked_add(
                &self,
                instant: tokio::time::Instant,
                duration: core::time::Duration,
            ) -> Option<tokio::time::Instant> {
                instant.checked_add(duration)
            }

            /// A [`Sleep`](tokio::time::Sleep) made inside the runtime, so that a group on
            /// a spawner made from a handle has timeouts from outside the runtime too.
            ///
            /// # Panics
            ///
            /// On a runtime built without `enable_time`, or (a spawner with no handle)
            /// outside a runtime, with tokio's message.
            #[track_caller]
            fn sleep_until(&self, deadline: tokio::time::Instant) -> tokio::time::Sleep {
                let _inside = self.runtime().map(tokio::runtime::Handle::enter);
                tokio::time::sleep_until(deadline)
            }
        }

        impl errgroup::BlockingPool for $spawner {
            type Job<T: Send + 'static> = tokio::task::JoinHandle<T>;

            /// Runs `job` on the runtime's blocking threads.
            ///
            /// # Panics
            ///
            /// Outside a runtime (a spawner with no handle), with tokio's message.
            #[track_caller]
            fn spawn_blocking<T, F>(&self, job: F) -> tokio::task::JoinHandle<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                match self.runtime() {
                    Some(handle) => handle.spawn_blocking(job),
                    None => tokio::task::spawn_blocking(job),
                }
            }

            /// Tokio cancels a blocking job only when its runtime shuts down before the job
            /// started: `None`. (The group's jobs never panic.)
            fn joined<T: Send + 'static>(output: Result<T, tokio::task::JoinError>) -> Option<T> {
                output.ok()
            }
        }
    };
}

pub(crate) use tokio_runtime;
