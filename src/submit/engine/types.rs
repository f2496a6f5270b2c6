//! What the engine is given and gives back: its configuration, the rows to
//! add, why a row was not queued, what a send did, a row and a snapshot as
//! the engine knows them, and its errors.

use super::*;

/// How the engine works.
#[derive(Debug, Clone, Copy)]
pub struct EngineConfig {
    /// The most requests at the same time (sending and polling together):
    /// the number in flight adapts to the server's pace below it (see
    /// `submit::pace`; 1 is one at a time).
    pub concurrency: usize,
    /// Tries of one request (5xx, 429, no answer), then the row is `failed`
    /// (sending) or no longer polled (polling, with its error).
    pub max_tries: u32,
    /// When to ask for a row's result, from the moment it was taken.
    pub poll: PollSchedule,
    /// Stop asking for a row's result after this (it stays `submitted`).
    pub give_up_after: Duration,
    /// An `unknown` row that the server does not show this long after it was
    /// sent is taken as never received, and sent again: the server's
    /// processing window (a search lists only processed declarations, so one
    /// still being processed looks missing). See [`unknown_wait_for`].
    pub reconcile_after: Duration,
    /// Up to this many due rows of an enterprise are asked by `GET`; more by
    /// paging the enterprise's search.
    pub get_batch: usize,
    /// Whether a row the server has taken (processing, or its result) or that
    /// is held back as invalid keeps its declaration in memory: the app shows
    /// and corrects it; a file run (`submit`) lets it go once the journal holds it, and
    /// keeps a 16-byte digest to tell a repeated row from a conflict, so that
    /// a million rows fit in memory.
    pub keep_settled: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        let poll = PollSchedule::default();
        EngineConfig {
            concurrency: crate::submit::pace::MAX_LIMIT,
            max_tries: 6,
            poll,
            give_up_after: poll.give_up_after,
            reconcile_after: UNKNOWN_WAIT_SERVER,
            get_batch: 4,
            keep_settled: true,
        }
    }
}

/// The processing window of a real server (acceptance, production, custom):
/// processing may take minutes.
pub const UNKNOWN_WAIT_SERVER: Duration = Duration::from_secs(600);

/// The processing window of the built-in sandbox, which processes in 2 s.
pub const UNKNOWN_WAIT_SANDBOX: Duration = Duration::from_secs(30);

/// The window after which an `unknown` row not found on `server` (a journal's
/// server key) is sent again, unless the user says otherwise.
pub fn unknown_wait_for(server: &str) -> Duration {
    if server == "sandbox" {
        UNKNOWN_WAIT_SANDBOX
    } else {
        UNKNOWN_WAIT_SERVER
    }
}

/// One declaration to add: its content and where it came from (file and row).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDeclaration {
    pub declaration: Declaration,
    pub source: Option<String>,
}

/// One declaration of any service to add: its content in its service's
/// shape and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContent {
    pub content: Content,
    pub source: Option<String>,
}

impl From<NewDeclaration> for NewContent {
    fn from(item: NewDeclaration) -> Self {
        NewContent {
            content: Content::Fla(item.declaration),
            source: item.source,
        }
    }
}

/// Why a row was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Its state does not allow sending.
    State(State),
    AlreadyQueued,
    NoSuchRow,
    /// Another row of the journal holds its (enterprise, reference): one
    /// reference is one declaration.
    ReferenceTaken(RowId),
}

impl Skip {
    pub fn code(self) -> &'static str {
        match self {
            Skip::State(s) => s.code(),
            Skip::AlreadyQueued => "already_queued",
            Skip::NoSuchRow => "no_such_row",
            Skip::ReferenceTaken(_) => "reference_conflict",
        }
    }

    /// Why the row was not sent, in `lang`.
    pub fn message(self, lang: Lang) -> String {
        match self {
            Skip::ReferenceTaken(other) => tr_args(
                lang,
                "submit.engine.reference_taken",
                &[("id", other.to_string())],
            ),
            _ => tr_args(
                lang,
                "submit.engine.not_sent_state",
                &[("state", self.code().to_owned())],
            ),
        }
    }
}

/// What `send` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendSummary {
    pub queued: Vec<RowId>,
    pub skipped: Vec<(RowId, Skip)>,
}

/// One row as the engine knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RowView {
    pub id: RowId,
    pub state: State,
    pub reference: String,
    pub enterprise: String,
    pub server_id: Option<i64>,
    pub correction_of: Option<i64>,
    pub result: Option<ResultCode>,
    pub anomalies: Vec<Anomaly>,
    pub error: Option<RowError>,
    pub source: Option<String>,
    /// The engine still asks the server about it (poll or reconcile).
    pub watching: bool,
    /// A send of it was avoided: the server already held its reference (409,
    /// or found by reconciliation). From the journal: survives a new run.
    pub duplicate_avoided: bool,
}

/// A copy of what the engine knows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub counts: BTreeMap<State, usize>,
    pub rows: Vec<RowView>,
    /// Rows of the journal whose send was avoided because the server already
    /// had the reference (409, or found by reconciliation): the journal's
    /// total, not this run's.
    pub duplicates_avoided: u64,
    /// Journal rows that cannot be read (left as they are).
    pub unreadable: Vec<UnreadableRow>,
    pub queued: usize,
    pub in_flight: usize,
    pub paused: bool,
    pub version: u64,
}

/// The engine's work under way, read at once without copying a row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Rows waiting to be sent.
    pub queued: usize,
    /// Requests out now.
    pub in_flight: usize,
    pub paused: bool,
    /// Nothing queued, in flight, reconciling, polled or waiting for the journal.
    pub idle: bool,
    /// An engine task panicked (see [`super::Engine::broken`]).
    pub broken: bool,
}

impl Snapshot {
    pub fn count(&self, state: State) -> usize {
        self.counts.get(&state).copied().unwrap_or(0)
    }
}

/// Why the engine could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum EngineError {
    Journal(JournalError),
    /// A task of the engine stopped (panicked or was cancelled).
    Task {
        detail: String,
    },
}

impl EngineError {
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Journal(e) => e.code(),
            EngineError::Task { .. } => "engine_task",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            EngineError::Journal(e) => e.message(lang),
            EngineError::Task { detail } => tr_args(
                lang,
                "submit.engine.error.task",
                &[("detail", detail.clone())],
            ),
        }
    }
}

impl From<JournalError> for EngineError {
    fn from(e: JournalError) -> Self {
        EngineError::Journal(e)
    }
}
