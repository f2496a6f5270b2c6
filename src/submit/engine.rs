//! The submission engine: the life of every declaration, from one to tens of
//! thousands, exactly once, concurrently, resumable.
//!
//! # API
//!
//! ```text
//! EngineConfig { concurrency: 64 /* the most */, max_tries: 6, poll: PollSchedule, give_up_after: 300 s,
//!                reconcile_after: 30 s, get_batch: 4 }            (Default)
//! NewDeclaration { declaration: Declaration, source: Option<String> }
//! type RowId = i64
//!
//! Engine::open_service(journal, service: Arc<dyn ServiceApi>, config, holder)  (async)
//!     the engine for any service (`submit::service`): its rows only, its owner of the journal;
//!     engine.add / add_and_send take `NewContent { content: Content, source }` (or a NewDeclaration).
//! Engine::open(journal: &Path, client: Arc<FlaClient>, config) -> Result<Engine, EngineError>  (async)
//!     the FLA's (`open_for` with a holder).
//!     opens/creates/migrates the journal; resumes: `sending` → `unknown` → reconciled
//!     (search by reference), `unknown` → reconciled, `submitted` → polled.
//!     Its tasks run on the tokio runtime `open` is called on; they stop when the
//!     last clone of the Engine is dropped (or with the runtime).
//! engine.add(Vec<NewDeclaration>) -> Result<Vec<RowId>, EngineError>   (async)
//!     stores before anything is sent; the reference is kept, or made from the
//!     content (`content_reference`: "FLA-" + 32 hex digits); enterprise + reference already in the journal → the
//!     existing row's id; checked with the rules at Brussels' today → `ready` or `invalid`.
//! engine.add_correction(corrects: i64 /* server id */, Declaration, source) -> Result<RowId, _> (async)
//!     a correction row beside what the server holds (`correction_of`), sent as a PUT.
//! engine.send(&[RowId]) -> SendSummary { queued: Vec<RowId>, skipped: Vec<(RowId, Skip)> }
//!     queues rows whose state allows `Send` (ready, failed); Skip::State(state) / AlreadyQueued / NoSuchRow
//!     (Skip::code(), Skip::message(lang)).
//! engine.until_idle()  (async)  nothing queued, in flight, reconciling or polled (or paused and nothing in flight).
//! engine.snapshot() -> Snapshot { counts: BTreeMap<State, usize>, rows: Vec<RowView>,
//!     duplicates_avoided: u64 /* the journal's rows, any run */, unreadable: Vec<UnreadableRow{id, detail}> (UnreadableRow::message(lang)),
//!     queued, in_flight, paused, version }
//!     (from memory, never SQLite); Snapshot::count(State).
//!     RowView { id, state, reference, enterprise, server_id, correction_of, result: Option<ResultCode>,
//!               anomalies, error: Option<RowError{code,message,trace_id}>, source, watching: bool,
//!               duplicate_avoided: bool }
//! engine.subscribe() -> watch::Receiver<u64>   bumped on every change.
//! engine.pause() / resume() / cancel()   cancel: queued rows stay `ready`, not sent.
//! engine.check_again(&[RowId])   `submitted` and `unknown` rows are asked again (also after giving up).
//! EngineError::{Journal(JournalError), Task{detail}}: code(), message(lang).
//! plan(due, get_batch, held) -> Plan::{Gets, Search}   how due rows of one enterprise are polled
//!     (one poll at a time per enterprise; GETs run concurrently within the pace's slots).
//! ```
//!
//! Underneath: `journal::Journal::{insert, transition, transitions_batch, records, transitions, version}`
//! (schema version 3, migrated from the first journal and from version 2), and the client's counted
//! requests `FlaClient::{submit_counted -> PostOutcome::{Taken, NotTaken, Unknown},
//! correct_counted, get_counted, search_page, search_reference}`, which share
//! `TokenSource::token_for` (one renewal for a burst of 401s) and honour
//! `Retry-After` in seconds or as an HTTP date (`client::retry_after`).
//!
//! # How it works
//!
//! Every transition goes through [`super::state::next`] and is committed to the
//! journal before the row's next network step: made in memory, it is handed
//! to one writer that commits every transition pending in one transaction
//! (a thousand results cost one commit), and the row's next request waits for
//! that commit (a failed commit puts the rows back, with the error). Up to
//! twice the pace's limit rows are under way, so `sending` is committed while
//! other requests are on the network. A `POST` is never sent twice blindly:
//! one whose outcome was not seen (it left, no answer) makes the row `unknown`,
//! and it is searched by enterprise + reference before anything is sent again
//! (found: its id is adopted; not found `reconcile_after` after it was sent:
//! back to `ready` and queued again; the wait is there because a search shows
//! only processed declarations, so one still being processed looks missing).
//! A 409 is the same answer. A 5xx or 429 was not taken and is tried again; a
//! 502/504 (a gateway that may have passed it on) is `unknown`. Sending and
//! polling share the slots of one `submit::pace::Pace` (as many requests in flight as the
//! server's answers allow, at most `concurrency`) and the client's one
//! token source. Results are polled in batches per enterprise: a few rows by
//! `GET`, more by paging the enterprise's search and matching ids, each row
//! first asked `poll.first` after it was taken, so results come in while later
//! rows are still being sent; one poll runs at a time per enterprise, so due
//! rows gather into larger batches; a search starts again where every earlier
//! declaration of ours has its result (see `Resume`), not on the first page. A row still processing after `give_up_after`
//! stays `submitted` and is no longer asked ("check again"); a poll that fails
//! `max_tries` times likewise, with its error. A self-transition (still
//! processing) is not written to the journal.
//!
//! Here: the engine, opening it and its public API. Beside it: `types` (what
//! it is given and gives back), `rows` (the rows in memory and the state the
//! tasks share), `writer` (transitions handed to the journal's writer), `send`
//! (the queue and one request), `poll` (due rows, polls, results), `reconcile`
//! (an `unknown` row looked up), `drafts` (the editor's rows), `tests`.

pub use super::reference::{content_digest, content_reference, row_key};
use super::reference::{key_digest, normalised_enterprise, Digest};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};

use super::journal::{
    Changes, Journal, JournalError, OpenAs, Record, RowError, Transition, UnreadableRow,
};
use super::owner::Holder;
use super::service::{Content, FlaService, Found, ServiceApi};
use super::state::{next, Event, State};
use crate::fla::client::{self, ApiError, FlaClient, PollSchedule, PostOutcome};
use crate::fla::rules;
use crate::fla::wire::{Anomaly, Declaration, ResultCode};
use crate::i18n::{tr_args, Lang};
use crate::submit::journal::DraftForm;

pub mod drafts;
mod poll;
mod reconcile;
mod rows;
mod send;
mod types;
mod writer;

pub use poll::{plan, unknown_recheck, Plan, SEARCH_PAGE, UNKNOWN_RECHECK};
use rows::{Row, St, Watch};
pub use types::*;

/// A row of the journal.
pub type RowId = i64;

/// The engine: cheap to clone; all clones drive the same rows.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
    _tasks: Arc<Tasks>,
}

/// The engine's own loops, stopped when the last `Engine` goes.
struct Tasks(Vec<tokio::task::AbortHandle>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

struct Inner {
    /// What differs per service (the channel's client is its `channel()`).
    service: Arc<dyn ServiceApi>,
    config: EngineConfig,
    journal: Arc<Mutex<Journal>>,
    st: Arc<Mutex<St>>,
    wake: Notify,
    changed: watch::Sender<u64>,
    /// Slots for requests, as many as the server's pace allows, and places
    /// for rows taken from the queue and not done (see `dispatch`).
    pace: Arc<super::pace::Pace>,
    /// Transitions made in memory, in order, not yet in the journal: the
    /// writer commits all that are there in one transaction.
    pending: Mutex<Vec<(u64, Transition)>>,
    /// Wakes the writer.
    write: Arc<Notify>,
    /// Wakes the loop that starts polls.
    poll_wake: Notify,
    /// The last transition (by `St::staged`) the journal holds.
    committed: watch::Sender<u64>,
    /// Held by whoever adds or edits rows (`add_blocking`, the drafts' calls,
    /// a cancel's outcome) from deciding what to write until the rows hold
    /// it: the rows' lock itself is never held across the journal. Taken
    /// before the journal's lock, which is taken before the rows' lock.
    adding: Mutex<()>,
}

impl Drop for Inner {
    /// What is still pending goes to the journal before the engine goes
    /// (the writer flushes as it goes: this is seldom anything), and the
    /// writer stops.
    fn drop(&mut self) {
        let ops = std::mem::take(&mut *lock(&self.pending));
        if !ops.is_empty() {
            let _ = lock(&self.journal).transitions_batch(ops.iter().map(|(_, t)| t));
        }
        self.write.notify_one();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default(),
    )
    .unwrap_or(i64::MAX)
}

fn key(enterprise: &str, reference: &str) -> Digest {
    key_digest(enterprise, reference)
}

/// What ends an engine task however it ends: `done` on the rows' state (a
/// count given back), the engine told, and for a poll's task the poll loop
/// woken (a send's end is no reason to look through the watched rows).
/// Dropped while unwinding, it marks the engine `broken`: a command then ends
/// with exit 3 (`internal`) instead of waiting for a task that is gone.
struct Finally<'a, F: FnOnce(&mut St)> {
    inner: &'a Arc<Inner>,
    done: Option<F>,
    wakes_polls: bool,
}

impl<'a, F: FnOnce(&mut St)> Finally<'a, F> {
    /// For a send.
    fn send(inner: &'a Arc<Inner>, done: F) -> Self {
        Finally {
            inner,
            done: Some(done),
            wakes_polls: false,
        }
    }

    /// For a poll or a search by reference.
    fn poll(inner: &'a Arc<Inner>, done: F) -> Self {
        Finally {
            inner,
            done: Some(done),
            wakes_polls: true,
        }
    }
}

impl<F: FnOnce(&mut St)> Drop for Finally<'_, F> {
    fn drop(&mut self) {
        let mut st = lock(&self.inner.st);
        if let Some(done) = self.done.take() {
            done(&mut st);
        }
        if std::thread::panicking() {
            st.broken = true;
        }
        drop(st);
        self.inner.bump();
        if self.wakes_polls {
            self.inner.poll_wake.notify_one();
        }
    }
}

/// For tests (debug builds only): `FLA_TEST_AFTER_SENDING=abort:N` ends the
/// process at once, as a power cut would (no destructor, no flush, no
/// answer), when the Nth row's `sending` is in the journal and its request has
/// not left; `panic:N` panics there instead (a bug in a worker).
#[cfg(debug_assertions)]
fn fault_point() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static AT: std::sync::OnceLock<Option<(String, usize)>> = std::sync::OnceLock::new();
    static SEEN: AtomicUsize = AtomicUsize::new(0);
    let at = AT.get_or_init(|| {
        let v = std::env::var("FLA_TEST_AFTER_SENDING").ok()?;
        let (how, n) = v.split_once(':')?;
        Some((how.to_owned(), n.parse().ok()?))
    });
    if let Some((how, at)) = at {
        if SEEN.fetch_add(1, Ordering::SeqCst) + 1 == *at {
            match how.as_str() {
                "abort" => std::process::abort(),
                _ => panic!("FLA_TEST_AFTER_SENDING: a worker's bug, as asked"),
            }
        }
    }
}

/// The code of a row held back because its reference is taken by another
/// declaration with other content (an anomaly of ours, not the FLA's).
pub const REFERENCE_CONFLICT: &str = "reference_conflict";

/// The anomaly of a row whose reference `holder` (a file row, or a row of the
/// journal) already declares with other content.
pub fn conflict_anomaly(reference: &str, holder: &str) -> Anomaly {
    let say = |lang| {
        tr_args(
            lang,
            "submit.engine.reference_conflict",
            &[
                ("reference", reference.to_owned()),
                ("first", holder_text(lang, holder)),
            ],
        )
    };
    Anomaly {
        code: REFERENCE_CONFLICT.to_owned(),
        severity: crate::fla::wire::AnomalySeverity::Blocking,
        field: "externalReference".to_owned(),
        description_nl: say(Lang::Nl),
        description_fr: say(Lang::Fr),
        description_en: say(Lang::En),
    }
}

/// "row 2 of rows.csv" for a file's row (`rows.csv#2`); anything else as it is.
fn holder_text(lang: Lang, holder: &str) -> String {
    match holder.rsplit_once('#') {
        Some((file, row)) if !file.is_empty() && row.parse::<usize>().is_ok() => {
            // The file by its name, as the user sees it in a folder.
            let name = Path::new(file)
                .file_name()
                .map_or_else(|| file.to_owned(), |n| n.to_string_lossy().into_owned());
            tr_args(
                lang,
                "submit.engine.holder_row",
                &[("row", row.to_owned()), ("file", name)],
            )
        }
        _ => holder.to_owned(),
    }
}

/// How a row is named to the user: where it came from (file and row), or its
/// number in the journal.
fn holder_name(rec: &Record) -> String {
    rec.source.clone().unwrap_or_else(|| format!("#{}", rec.id))
}

/// A row as the engine shows it.
fn view_of_row(row: &Row) -> RowView {
    let r = &row.rec;
    RowView {
        id: r.id,
        state: r.state,
        reference: r.reference.clone(),
        enterprise: r.enterprise.clone(),
        server_id: r.server_id,
        correction_of: r.correction_of,
        result: r.state.result(),
        anomalies: r.anomalies.clone(),
        error: r.error.clone(),
        source: r.source.clone(),
        watching: row.watch.is_some(),
        duplicate_avoided: r.duplicate_avoided,
    }
}

/// A reference made once for a declaration that has none (≤ 50 characters).
fn new_reference() -> String {
    format!("FLA-{}", uuid::Uuid::new_v4().simple()).to_uppercase()
}

fn row_error(e: &ApiError, _lang: Lang) -> RowError {
    RowError::localized(e.code(), e.trace_id().map(str::to_owned), |lang| {
        e.message(lang)
    })
}

/// Due rows of one enterprise, to poll together, how, and where a search
/// starts (see [`Resume`]).
type Batch = (String, Vec<(RowId, i64)>, Plan, Option<Resume>);

/// What a flush of the pending transitions did: the last one written (none
/// pending: `None`), or the journal's failure and the transitions not written.
type Flushed = Result<Option<u64>, (JournalError, Vec<(u64, Transition)>)>;

/// Where an enterprise's search may start again: the `next` of a page read
/// before, `below` one less than the first declaration listed after it, and
/// every declaration of ours up to `below` having its result. That takes the
/// search to list declarations by id (the sandbox does: its cursor is the
/// last id it looked at); a row whose id is not above `below` (a correction,
/// a cancel, "check again", a declaration listed late) is searched from the
/// first page. So a poll reads the pages of what is new, not every page of
/// the enterprise again.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Resume {
    cursor: String,
    below: i64,
}

impl Engine {
    /// Opens (or creates, or migrates) the journal and resumes unfinished rows.
    pub async fn open(
        journal: &Path,
        client: Arc<FlaClient>,
        config: EngineConfig,
    ) -> Result<Engine, EngineError> {
        Self::open_for(journal, client, config, Holder::Other).await
    }

    /// `open_for` the FLA's declarations.
    pub async fn open_for(
        journal: &Path,
        client: Arc<FlaClient>,
        config: EngineConfig,
        holder: Holder,
    ) -> Result<Engine, EngineError> {
        Self::open_service(journal, Arc::new(FlaService(client)), config, holder).await
    }

    /// `open` for any service, saying who works on the journal (to whoever
    /// finds it in use). The journal is taken for as long as the engine
    /// lives; it shows the rows of the service's server and of that service
    /// only.
    pub async fn open_service(
        journal: &Path,
        service: Arc<dyn ServiceApi>,
        config: EngineConfig,
        holder: Holder,
    ) -> Result<Engine, EngineError> {
        let path = journal.to_owned();
        let client = service.channel();
        let who = OpenAs {
            holder,
            server: client.server.clone(),
            legacy_rows_known: client.tokens.endpoints.environment
                != crate::channel::env::EnvironmentKind::Custom,
            service: service.id(),
            ..OpenAs::default()
        };
        let lean = !config.keep_settled;
        let (journal, st) = tokio::task::spawn_blocking(move || {
            let journal = Journal::open_as(&path, &who)?;
            // Each row held as it is read: a lean engine lets a settled
            // row's declaration go before the next is read.
            let mut st = St {
                lean,
                ..St::default()
            };
            journal.each_record(|row| match row {
                Ok(rec) => st.hold(rec),
                Err(unreadable) => st.unreadable.push(unreadable),
            })?;
            Ok::<_, JournalError>((journal, st))
        })
        .await
        .map_err(|e| EngineError::Task {
            detail: e.to_string(),
        })??;
        let (changed, _) = watch::channel(0);
        // Every answer the client sees, retries included, sets the pace.
        let pace = super::pace::Pace::new(config.concurrency);
        client.observe_with(pace.clone());
        let inner = Arc::new(Inner {
            service,
            config,
            journal: Arc::new(Mutex::new(journal)),
            st: Arc::new(Mutex::new(st)),
            wake: Notify::new(),
            changed,
            pace,
            pending: Mutex::new(Vec::new()),
            write: Arc::new(Notify::new()),
            poll_wake: Notify::new(),
            committed: watch::channel(0).0,
            adding: Mutex::new(()),
        });
        inner.resume_unfinished();
        // The writer outlives the engine's other loops: a send still under
        // way when the last `Engine` goes waits for its commit; it stops with
        // the rows (see `Drop for Inner`).
        tokio::spawn(Inner::write_loop(
            Arc::downgrade(&inner),
            inner.write.clone(),
        ));
        let dispatcher = tokio::spawn(inner.clone().dispatch()).abort_handle();
        let poller = tokio::spawn(inner.clone().watch_loop()).abort_handle();
        Ok(Engine {
            inner,
            _tasks: Arc::new(Tasks(vec![dispatcher, poller])),
        })
    }

    /// Stores declarations before anything is sent (see the module's API).
    pub async fn add<I: Into<NewContent>>(&self, items: Vec<I>) -> Result<Vec<RowId>, EngineError> {
        let items: Vec<NewContent> = items.into_iter().map(Into::into).collect();
        let inner = self.inner.clone();
        let ids = tokio::task::spawn_blocking(move || inner.add_blocking(items, None))
            .await
            .map_err(|e| EngineError::Task {
                detail: e.to_string(),
            })??;
        self.inner.bump();
        Ok(ids)
    }

    /// Stores and sends `items` a slice of `slice` rows at a time, so that the
    /// first requests leave while the rest is still being stored (`submit`, the
    /// Bulk page). The rows' ids, in the order of `items`.
    pub async fn add_and_send<I: Into<NewContent>>(
        &self,
        items: Vec<I>,
        slice: usize,
    ) -> Result<Vec<RowId>, EngineError> {
        let mut all = Vec::with_capacity(items.len());
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let ids = self
                .add::<I>(items.by_ref().take(slice.max(1)).collect())
                .await?;
            self.send(&ids);
            all.extend(ids);
        }
        Ok(all)
    }

    /// Adds a correction of the server's declaration `corrects`: its own row,
    /// sent as a `PUT`, beside the row of what the server holds.
    pub async fn add_correction(
        &self,
        corrects: i64,
        declaration: Declaration,
        source: Option<String>,
    ) -> Result<RowId, EngineError> {
        let inner = self.inner.clone();
        let item = NewContent {
            content: Content::Fla(declaration),
            source,
        };
        let ids =
            tokio::task::spawn_blocking(move || inner.add_blocking(vec![item], Some(corrects)))
                .await
                .map_err(|e| EngineError::Task {
                    detail: e.to_string(),
                })??;
        self.inner.bump();
        ids.first().copied().ok_or_else(|| EngineError::Task {
            detail: "no row was added".into(),
        })
    }

    /// Queues rows for sending; only rows whose state allows `Send`.
    pub fn send(&self, ids: &[RowId]) -> SendSummary {
        let mut summary = SendSummary::default();
        {
            let mut st = lock(&self.inner.st);
            st.cancelled = false;
            for &id in ids {
                match st.ask_send(id) {
                    Ok(()) => summary.queued.push(id),
                    Err(skip) => summary.skipped.push((id, skip)),
                }
            }
        }
        self.inner.wake.notify_one();
        self.inner.bump();
        summary
    }

    /// Waits until fewer than `rows` rows wait to be sent or are being sent
    /// (or sending is paused): a file run adds its next rows then, so that a
    /// million rows are never all in memory waiting their turn.
    pub async fn until_queue_below(&self, rows: usize) {
        self.wait_until(|_, st| st.paused || st.cancelled || st.queue.len() + st.in_flight < rows)
            .await;
    }

    /// Waits until fewer than `queued` rows wait to be sent (or are being
    /// sent) and fewer than `awaiting` sent rows wait for their result or
    /// their outcome (or paused, or cancelled): room for the next slice of a
    /// file.
    pub async fn until_room(&self, queued: usize, awaiting: usize) {
        self.wait_until(|_, st| {
            st.paused
                || st.cancelled
                || (st.queue.len() + st.in_flight < queued && st.watching.len() < awaiting)
        })
        .await;
    }

    /// Waits until nothing is queued, in flight or being polled (or paused).
    pub async fn until_idle(&self) {
        self.wait_until(|inner, st| inner.idle(st)).await;
    }

    /// Waits until `done` holds of the rows, asked again on every change (and
    /// now and then: some conditions follow the clock).
    async fn wait_until(&self, done: impl Fn(&Inner, &St) -> bool) {
        let mut rx = self.inner.changed.subscribe();
        loop {
            if done(&self.inner, &lock(&self.inner.st)) {
                return;
            }
            tokio::select! {
                _ = rx.changed() => {}
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
    }

    /// Waits until the engine is idle, or until all that is left is `unknown`
    /// rows that may not be sent again before more than `patience` from now
    /// (their server's processing window): a command ends then, and says
    /// when to run again ([`Engine::unknown_until_ms`]).
    pub async fn until_idle_or_unknown(&self, patience: Duration) {
        self.wait_until(|inner, st| inner.idle(st) || inner.only_unknown_waiting(st, patience))
            .await;
    }

    /// When the last `unknown` row's processing window ends (Unix
    /// milliseconds): before that, a run cannot tell whether it was taken.
    pub fn unknown_until_ms(&self) -> Option<i64> {
        let st = lock(&self.inner.st);
        st.rows
            .values()
            .filter(|r| r.rec.state == State::Unknown)
            .map(|r| self.inner.window_end_ms(&r.rec))
            .max()
    }

    /// The state of each row of `ids` (`None`: no such row), read at once.
    pub fn states(&self, ids: &[RowId]) -> Vec<Option<State>> {
        let st = lock(&self.inner.st);
        ids.iter()
            .map(|id| st.rows.get(id).map(|r| r.rec.state))
            .collect()
    }

    /// One row as the engine knows it (a file's report reads its rows one by
    /// one rather than a snapshot of all).
    pub fn row(&self, id: RowId) -> Option<RowView> {
        lock(&self.inner.st).rows.get(&id).map(|r| view_of_row(r))
    }

    /// A copy of what the engine knows (from memory).
    pub fn snapshot(&self) -> Snapshot {
        let st = lock(&self.inner.st);
        let mut counts = BTreeMap::new();
        let mut duplicates_avoided = 0;
        let rows = st
            .rows
            .values()
            .map(|row| {
                *counts.entry(row.rec.state).or_insert(0) += 1;
                duplicates_avoided += u64::from(row.rec.duplicate_avoided);
                view_of_row(row)
            })
            .collect();
        Snapshot {
            counts,
            rows,
            duplicates_avoided,
            unreadable: st.unreadable.clone(),
            queued: st.queue.len(),
            in_flight: st.in_flight,
            paused: st.paused,
            version: *self.inner.changed.borrow(),
        }
    }

    /// The work under way (the lock that guards the rows taken for a moment,
    /// no row copied).
    pub fn progress(&self) -> Progress {
        let st = lock(&self.inner.st);
        Progress {
            queued: st.queue.len(),
            in_flight: st.in_flight,
            paused: st.paused,
            idle: self.inner.idle(&st),
            broken: st.broken,
        }
    }

    /// For tests that simulate a crash inside one process: the journal is let
    /// go as the end of the process would (the engine is then leaked with
    /// its runtime). Nothing else calls it.
    #[doc(hidden)]
    pub fn release_journal_as_if_crashed(&self) {
        lock(&self.inner.journal).release_lock_as_if_crashed();
    }

    /// Whether an engine task panicked (a bug): the command should end with
    /// exit 3 (`internal`); the rows it held stay as the journal has them
    /// (`sending` is `unknown` at the next run).
    pub fn broken(&self) -> bool {
        lock(&self.inner.st).broken
    }

    /// The server whose rows this engine keeps (see `channel::env::server_key`).
    pub fn server(&self) -> &str {
        &self.inner.client().server
    }

    /// Bumped on every change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.changed.subscribe()
    }

    /// Requests the server's pace allows in flight now (see `submit::pace`).
    pub fn pace_limit(&self) -> usize {
        self.inner.pace.limit()
    }

    /// Stops starting new sends (requests in flight finish; polling goes on).
    pub fn pause(&self) {
        lock(&self.inner.st).paused = true;
        self.inner.bump();
    }

    pub fn resume(&self) {
        lock(&self.inner.st).paused = false;
        self.inner.wake.notify_one();
        self.inner.bump();
    }

    /// Stops sending queued rows (they stay `ready`).
    pub fn cancel(&self) {
        {
            let mut st = lock(&self.inner.st);
            st.queue.clear();
            st.queued.clear();
            st.cancelled = true;
        }
        self.inner.bump();
    }

    /// Asks the server again about `submitted` and `unknown` rows, also those
    /// the engine stopped asking about.
    pub fn check_again(&self, ids: &[RowId]) {
        {
            let mut st = lock(&self.inner.st);
            let now = Instant::now();
            for &id in ids {
                let Some(row) = st.rows.get(&id) else {
                    continue;
                };
                if !matches!(row.rec.state, State::Submitted | State::Unknown) {
                    continue;
                }
                let busy = row.watch.is_some_and(|w| w.busy);
                let since = row.watch.map(|w| w.since).filter(|_| busy).unwrap_or(now);
                st.set_watch(
                    id,
                    Some(Watch {
                        since,
                        next: now,
                        busy,
                    }),
                );
            }
        }
        self.inner.poll_wake.notify_one();
        self.inner.bump();
    }
}

impl Inner {
    fn bump(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    fn lang(&self) -> Lang {
        self.client().lang
    }

    /// The channel's client on the service's API base.
    fn client(&self) -> &FlaClient {
        self.service.channel()
    }

    /// At open: `sending` → `unknown`; `unknown` reconciled; `submitted` polled.
    fn resume_unfinished(&self) {
        let now = Instant::now();
        let mut st = lock(&self.st);
        let ids: Vec<(RowId, State)> = st
            .rows
            .values()
            .filter(|r| r.rec.state.is_unfinished())
            .map(|r| (r.rec.id, r.rec.state))
            .collect();
        for (id, state) in ids {
            if state == State::Sending {
                let error = RowError::localized("resumed", None, |lang| {
                    tr_args(lang, "submit.engine.resumed", &[])
                });
                self.apply_or_note(
                    &mut st,
                    id,
                    Event::OutcomeUnknown,
                    Changes {
                        error: Some(Some(error)),
                        ..Changes::default()
                    },
                    "resumed: the request was left without an answer",
                );
            }
            st.watch_from(id, now, Duration::ZERO);
        }
    }

    /// Nothing queued, in flight, polled, or waiting for the journal.
    fn idle(&self, st: &St) -> bool {
        st.idle() && *self.committed.borrow() >= st.staged
    }

    /// Nothing to do but wait for `unknown` rows whose window ends more than
    /// `patience` from now.
    fn only_unknown_waiting(&self, st: &St, patience: Duration) -> bool {
        if st.in_flight > 0
            || st.jobs > 0
            || (!st.paused && !st.queue.is_empty())
            || *self.committed.borrow() < st.staged
        {
            return false;
        }
        let patience = i64::try_from(patience.as_millis()).unwrap_or(i64::MAX);
        let later = now_ms().saturating_add(patience);
        // Each searched once at least in this run: what the server already
        // lists is found before the command ends.
        st.watched_rows().all(|r| {
            r.rec.state == State::Unknown
                && r.searches > 0
                && !r.watch.is_some_and(|w| w.busy)
                && self.window_end_ms(&r.rec) > later
        })
    }

    /// When the server's processing window of a row sent at `sent_at` ends
    /// (Unix milliseconds): before that, not finding it says nothing.
    fn window_end_ms(&self, rec: &Record) -> i64 {
        let window = i64::try_from(self.config.reconcile_after.as_millis()).unwrap_or(i64::MAX);
        rec.sent_at_ms.unwrap_or(0).saturating_add(window)
    }
}

#[cfg(test)]
mod tests;
