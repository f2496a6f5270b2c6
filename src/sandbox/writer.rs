//! The sandbox's batched writer: one thread takes the jobs of many requests
//! and commits them together (`commit`, one call for every job waiting, up to
//! `MAX_BATCH`), then answers each. So a burst of POSTs costs one commit, not
//! one each, and no async task ever waits on a lock held by another. The FLA's
//! new declarations go through one (a SQLite transaction a batch,
//! `fla_api::store`), Dimona's changes through another (an append and an fsync
//! of its log a batch, `dimona_api::store`).

use tokio::sync::{mpsc, oneshot};

/// At most this many jobs go in one commit.
pub(crate) const MAX_BATCH: usize = 512;

/// What one job came to once its batch was committed, or why not.
type Outcome<O> = Result<O, String>;

struct Job<J, O> {
    job: J,
    reply: oneshot::Sender<Outcome<O>>,
}

/// The handle the handlers hold; the thread ends when the last one is dropped,
/// once it has committed and answered every job queued.
pub(crate) struct Batched<J, O> {
    jobs: mpsc::UnboundedSender<Job<J, O>>,
}

impl<J, O> Clone for Batched<J, O> {
    fn clone(&self) -> Self {
        Batched {
            jobs: self.jobs.clone(),
        }
    }
}

/// A job queued: its outcome, once committed.
pub(crate) struct Queued<O>(Option<oneshot::Receiver<Outcome<O>>>);

const STOPPED: &str = "the sandbox's writer stopped";

impl<O> Queued<O> {
    /// Waits until the job's batch is committed.
    pub(crate) async fn committed(self) -> Outcome<O> {
        match self.0 {
            Some(answer) => answer.await.map_err(|_| STOPPED.to_owned())?,
            None => Err(STOPPED.to_owned()),
        }
    }
}

impl<J: Send + 'static, O: Send + 'static> Batched<J, O> {
    /// Starts the thread `name`. `commit` gets every job waiting (in the order
    /// they were queued) and gives one outcome each, in that order, or the
    /// error that every job of the batch is answered with.
    pub(crate) fn start(
        name: &str,
        commit: impl FnMut(&[J]) -> Outcome<Vec<O>> + Send + 'static,
    ) -> std::io::Result<Batched<J, O>> {
        let (jobs, receiver) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || run(receiver, commit))?;
        Ok(Batched { jobs })
    }

    /// Queues `job` at once (jobs are committed in the order of these calls,
    /// so a caller that queues under its own lock keeps that lock's order).
    pub(crate) fn queue(&self, job: J) -> Queued<O> {
        let (reply, answer) = oneshot::channel();
        Queued(self.jobs.send(Job { job, reply }).ok().map(|()| answer))
    }

    /// Queues `job` and waits until it is committed.
    pub(crate) async fn commit(&self, job: J) -> Outcome<O> {
        self.queue(job).committed().await
    }
}

fn run<J, O>(
    mut receiver: mpsc::UnboundedReceiver<Job<J, O>>,
    mut commit: impl FnMut(&[J]) -> Outcome<Vec<O>>,
) {
    while let Some(first) = receiver.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (jobs, replies): (Vec<J>, Vec<_>) = batch.into_iter().map(|j| (j.job, j.reply)).unzip();
        match commit(&jobs) {
            Ok(outcomes) => {
                let mut outcomes = outcomes.into_iter();
                for reply in replies {
                    let outcome = outcomes
                        .next()
                        .ok_or_else(|| "the sandbox's writer lost a job's outcome".to_owned());
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}
