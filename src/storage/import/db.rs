//! The import's transaction on a thread of its own: the doctors are read, normalized and
//! compared on the calling thread while the database writes the batches before them.

use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::time::{Duration, Instant};

use mysql::Transaction;

use crate::storage::{Result, StorageError};

/// Work for the transaction; returns the slot rows it deleted (summed).
type Job<'t> = Box<dyn FnOnce(&mut Transaction<'t>) -> Result<u64> + Send>;

/// Jobs queued for the transaction, run in order. At most two wait, so the batches in flight
/// stay few.
pub(super) struct Db<'t> {
    jobs: SyncSender<Job<'t>>,
}

fn stopped() -> StorageError {
    StorageError::Invalid {
        what: "import",
        reason: "the database writer stopped".into(),
    }
}

impl<'t> Db<'t> {
    /// Runs `body` with a `Db` whose jobs run on `tx` on another thread. Returns what `body`
    /// returned, the slot rows the jobs deleted and how long the jobs took (the database's
    /// share of the import); the first failure of either is the result.
    pub(super) fn scope<T>(
        tx: &mut Transaction<'t>,
        body: impl FnOnce(&Db<'t>) -> Result<T>,
    ) -> Result<(T, u64, Duration)> {
        let (jobs, queue) = sync_channel::<Job<'t>>(2);
        std::thread::scope(|s| {
            let worker = s.spawn(move || {
                let (mut deleted, mut busy) = (0, Duration::ZERO);
                for job in queue {
                    let started = Instant::now();
                    deleted += job(tx)?;
                    busy += started.elapsed();
                }
                Ok((deleted, busy))
            });
            // The `Db` is dropped at the end of this statement: the worker then runs out of jobs.
            let out = body(&Db { jobs });
            let worked = worker.join().unwrap_or_else(|_| Err(stopped()));
            match (out, worked) {
                (Ok(t), Ok((deleted, busy))) => Ok((t, deleted, busy)),
                // The worker's failure first: the body only saw that it stopped.
                (_, Err(e)) | (Err(e), Ok(_)) => Err(e),
            }
        })
    }

    /// Queues `f` after the jobs before it.
    pub(super) fn run(
        &self,
        f: impl FnOnce(&mut Transaction<'t>) -> Result<u64> + Send + 'static,
    ) -> Result<()> {
        self.jobs.send(Box::new(f)).map_err(|_| stopped())
    }

    /// Runs `f` after the jobs before it and waits for what it returns.
    pub(super) fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Transaction<'t>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.ask(f)?.wait()
    }

    /// Queues `f` after the jobs before it; what it returns is taken later, so the caller can
    /// go on (reading the next doctors) meanwhile.
    pub(super) fn ask<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Transaction<'t>) -> Result<T> + Send + 'static,
    ) -> Result<Answer<T>> {
        let (answer, answered) = channel();
        self.run(move |tx| {
            let _ = answer.send(f(tx));
            Ok(0)
        })?;
        Ok(Answer(answered))
    }
}

/// What a job queued by [`Db::ask`] will return.
pub(super) struct Answer<T>(Receiver<Result<T>>);

impl<T> Answer<T> {
    /// Waits for the job (and the jobs before it).
    pub(super) fn wait(self) -> Result<T> {
        self.0.recv().map_err(|_| stopped())?
    }
}
