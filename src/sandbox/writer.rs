//! The sandbox's writer of new declarations: one thread with its own SQLite
//! connection takes the inserts of many requests and commits them in one
//! transaction, then answers each request. So a burst of POSTs costs one
//! commit, not one each, and no async task ever waits on a lock held by another.

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::{mpsc, oneshot};

/// At most this many inserts go in one transaction.
const MAX_BATCH: usize = 512;

/// A declaration to store, as the POST handler checked it.
pub(crate) struct NewDeclaration {
    pub(crate) enterprise: String,
    pub(crate) external_reference: String,
    pub(crate) ssin: String,
    pub(crate) start_date: String,
    pub(crate) body: String,
    pub(crate) sender: String,
    pub(crate) due_at: i64,
}

/// What became of one insert once its transaction committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// A new declaration; `again` when its (enterprise, reference) was
    /// already held (only where duplicates are accepted).
    Created { id: i64, again: bool },
    /// The (enterprise, reference) is already held by this declaration.
    Duplicate(i64),
}

struct Job {
    declaration: NewDeclaration,
    reply: oneshot::Sender<Result<Inserted, String>>,
}

/// The handle the handlers hold; the thread ends when the last one is dropped.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the writer thread on `db`.
    pub(crate) fn start(db: Connection, accept_duplicates: bool) -> std::io::Result<Writer> {
        let (jobs, receiver) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("sandbox-writer".into())
            .spawn(move || run(db, receiver, accept_duplicates))?;
        Ok(Writer { jobs })
    }

    /// Stores `declaration`; answers once it is committed.
    pub(crate) async fn insert(&self, declaration: NewDeclaration) -> Result<Inserted, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { declaration, reply })
            .map_err(|_| "the sandbox's writer stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the sandbox's writer stopped".to_owned())?
    }
}

fn run(mut db: Connection, mut receiver: mpsc::UnboundedReceiver<Job>, accept_duplicates: bool) {
    while let Some(first) = receiver.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        match write_batch(&mut db, &batch, accept_duplicates) {
            Ok(outcomes) => {
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                for job in batch {
                    let _ = job.reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

fn write_batch(
    db: &mut Connection,
    batch: &[Job],
    accept_duplicates: bool,
) -> Result<Vec<Inserted>, rusqlite::Error> {
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    {
        let mut existing = tx.prepare_cached(
            "SELECT id FROM declarations WHERE enterprise = ?1 AND external_reference = ?2 ORDER BY id LIMIT 1",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO declarations (enterprise, external_reference, ssin, start_date, body, sender, due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for job in batch {
            let d = &job.declaration;
            let first: Option<i64> = existing
                .query_row(params![d.enterprise, d.external_reference], |r| r.get(0))
                .optional()?;
            if let (Some(first), false) = (first, accept_duplicates) {
                outcomes.push(Inserted::Duplicate(first));
                continue;
            }
            let id = insert.insert(params![
                d.enterprise,
                d.external_reference,
                d.ssin,
                d.start_date,
                d.body,
                d.sender,
                d.due_at,
            ])?;
            outcomes.push(Inserted::Created {
                id,
                again: first.is_some(),
            });
        }
    }
    tx.commit()?;
    Ok(outcomes)
}
