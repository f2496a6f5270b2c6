//! The journal of local declarations: drafts saved as they are typed, their
//! status as they are sent and processed, and declarations fetched from the
//! server. SQLite in WAL mode, so a crash or a closed window loses nothing.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::state::State;
use crate::channel::env::EnvironmentKind;
use crate::fla::wire::{Anomaly, Declaration, StoredDeclaration};
use crate::i18n::{tr, tr_args, Lang};

// The editor's form is kept in the journal as typed (see `submit::form`).
pub use super::form::{DraftForm, FieldProblem};

/// The journal's file name for an environment, in the data folder: one journal
/// per environment, so that a reference accepted by the sandbox is not taken
/// for one already sent for real (the engine avoids duplicates by enterprise
/// and reference within one journal). The sandbox keeps the name every journal
/// had before (they were all sandbox ones). One file for every custom set of
/// URLs: a custom environment is a test server, like the sandbox.
pub fn file_name(environment: EnvironmentKind) -> &'static str {
    match environment {
        EnvironmentKind::Sandbox => "declarations.sqlite",
        EnvironmentKind::Acceptance => "declarations-acceptance.sqlite",
        EnvironmentKind::Production => "declarations-production.sqlite",
        EnvironmentKind::Custom => "declarations-custom.sqlite",
    }
}

/// Why the journal could not be opened, read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum JournalError {
    /// The file (or its folder) could not be opened or made.
    Open { path: String, detail: String },
    /// SQLite failed on a file that was open.
    Database { detail: String },
    /// A form or anomaly list could not be put into JSON.
    Encode { detail: String },
    /// The file was written by a newer version of the app.
    Newer { version: i64, known: i64 },
    /// Another run (the app, `submit`, `declare`) holds the journal.
    InUse {
        /// Who, as it said (`app`, `submit`, `declare`), where known.
        holder: Option<String>,
        /// Since when (Unix seconds), where known.
        since: Option<i64>,
    },
    /// A transition found its row in another state than it left it in:
    /// something else changed the row (nothing was written).
    Stale { id: i64, expected: String },
}

impl JournalError {
    pub fn code(&self) -> &'static str {
        match self {
            JournalError::Open { .. } => "journal_open",
            JournalError::Database { .. } => "journal_database",
            JournalError::Encode { .. } => "journal_encode",
            JournalError::Newer { .. } => "journal_newer",
            JournalError::InUse { .. } => "journal_in_use",
            JournalError::Stale { .. } => "journal_stale",
        }
    }

    /// What happened and what to do next, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            JournalError::Open { path, detail } => tr_args(
                lang,
                "journal.error.open",
                &[("path", path.clone()), ("detail", detail.clone())],
            ),
            JournalError::Database { detail } => tr_args(
                lang,
                "journal.error.database",
                &[("detail", detail.clone())],
            ),
            JournalError::Encode { detail } => {
                tr_args(lang, "journal.error.encode", &[("detail", detail.clone())])
            }
            JournalError::Newer { version, known } => tr_args(
                lang,
                "journal.error.newer",
                &[
                    ("version", version.to_string()),
                    ("known", known.to_string()),
                ],
            ),
            JournalError::InUse { holder, since } => {
                let who = tr(
                    lang,
                    &format!("journal.holder.{}", holder.as_deref().unwrap_or("unknown")),
                );
                let since = since
                    .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
                    .map(crate::today::brussels_clock);
                match since {
                    Some(at) => tr_args(
                        lang,
                        "journal.error.in_use_since",
                        &[("who", who), ("at", at)],
                    ),
                    None => tr_args(lang, "journal.error.in_use", &[("who", who)]),
                }
            }
            JournalError::Stale { id, expected } => tr_args(
                lang,
                "journal.error.stale",
                &[("id", id.to_string()), ("state", expected.clone())],
            ),
        }
    }
}

fn err(e: rusqlite::Error) -> JournalError {
    JournalError::Database {
        detail: e.to_string(),
    }
}

fn encode(e: serde_json::Error) -> JournalError {
    JournalError::Encode {
        detail: e.to_string(),
    }
}

/// One declaration as the engine keeps it: the journal's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: i64,
    pub state: State,
    /// The external reference, fixed before the first POST.
    pub reference: String,
    /// The enterprise number (10 digits where it could be read).
    pub enterprise: String,
    /// The server's declaration id, once taken.
    pub server_id: Option<i64>,
    /// For a correction: the server id of the declaration it corrects.
    pub correction_of: Option<i64>,
    /// What is (or was) sent, in the contract's shape. Boxed, as the form:
    /// a record a file run holds for each of a million rows stays small once
    /// they are let go (see `EngineConfig::keep_settled`).
    pub content: Option<Box<Declaration>>,
    /// The editor's fields as typed.
    pub form: Option<Box<DraftForm>>,
    /// The server's anomalies (or the local rules' for an `invalid` row).
    pub anomalies: Vec<Anomaly>,
    pub error: Option<RowError>,
    /// Where it came from (file and row), for a report.
    pub source: Option<String>,
    /// Fetched from the server rather than typed or imported here.
    pub remote: bool,
    /// When it last went to `sending` (Unix milliseconds).
    pub sent_at_ms: Option<i64>,
    /// A send was avoided because the server already held its reference (a
    /// 409, or found by reconciliation); kept in the journal, so a file's
    /// count survives a new run.
    pub duplicate_avoided: bool,
}

/// The last failure of a row: its code, message and the response's trace id.
/// The message is kept in every language the app speaks (a JSON object of
/// language codes in `message`), so that a failure shown before a language
/// switch follows the switch; read it with [`RowError::text`]. A message of an
/// older journal is plain text and shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub code: String,
    pub message: String,
    pub trace_id: Option<String>,
}

impl RowError {
    /// A failure whose message `say` renders in each language.
    pub fn localized(
        code: impl Into<String>,
        trace_id: Option<String>,
        say: impl Fn(Lang) -> String,
    ) -> RowError {
        let texts: serde_json::Map<String, serde_json::Value> = Lang::ALL
            .into_iter()
            .map(|lang| (lang.code().to_owned(), serde_json::Value::String(say(lang))))
            .collect();
        RowError {
            code: code.into(),
            message: serde_json::Value::Object(texts).to_string(),
            trace_id,
        }
    }

    /// The message in `lang` (English where that language is missing; a plain
    /// message of an older journal as it is).
    pub fn text(&self, lang: Lang) -> String {
        if self.message.starts_with('{') {
            if let Ok(serde_json::Value::Object(texts)) =
                serde_json::from_str::<serde_json::Value>(&self.message)
            {
                if let Some(text) = texts
                    .get(lang.code())
                    .or_else(|| texts.get(Lang::En.code()))
                    .and_then(|v| v.as_str())
                {
                    return text.to_owned();
                }
            }
        }
        self.message.clone()
    }
}

/// A journal row that cannot be read: reported, never turned into a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableRow {
    pub id: i64,
    pub detail: String,
}

impl UnreadableRow {
    pub fn code(&self) -> &'static str {
        "journal_unreadable_row"
    }

    /// What is wrong and what to do, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        tr_args(
            lang,
            "submit.engine.error.unreadable",
            &[("id", self.id.to_string()), ("detail", self.detail.clone())],
        )
    }
}

/// A row to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    pub state: State,
    pub reference: String,
    pub enterprise: String,
    pub correction_of: Option<i64>,
    pub content: Option<Declaration>,
    pub form: Option<DraftForm>,
    pub anomalies: Vec<Anomaly>,
    pub source: Option<String>,
}

/// What a transition changes beside the state (`None`: unchanged).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub server_id: Option<i64>,
    pub anomalies: Option<Vec<Anomaly>>,
    /// `Some(None)` clears the last error.
    pub error: Option<Option<RowError>>,
    /// Sets `sent_at` (Unix milliseconds).
    pub sent_at_ms: Option<i64>,
    /// Marks the row as a send avoided (`false`: unchanged).
    pub duplicate_avoided: bool,
    /// The content the server now holds (a correction it processed).
    pub content: Option<Declaration>,
}

/// The journal's schema version (`PRAGMA user_version`). 0: empty or the
/// first journal (one `local_declarations` table of drafts and statuses);
/// 2: `declarations` and `transitions`; 3: `declarations.duplicate_avoided`;
/// 4: `declarations.server` (one journal per server) and one original row per
/// (server, enterprise, reference) among those that went to the server.
pub const SCHEMA_VERSION: i64 = 4;

/// The server of rows whose server cannot be known (rows of a custom
/// environment's journal before version 4): kept, never used to skip a send.
pub const UNKNOWN_SERVER: &str = "?";

/// The states of a row that went to the server (or may have): at most one
/// original row per (server, enterprise, reference) may be in one of them.
const SENT_STATES: &str =
    "('sending', 'unknown', 'submitted', 'accepted', 'warning', 'refused', 'cancelled')";

const SCHEMA_V2: &str = "
    CREATE TABLE IF NOT EXISTS declarations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        state TEXT NOT NULL,
        reference TEXT NOT NULL DEFAULT '',
        enterprise TEXT NOT NULL DEFAULT '',
        server_id INTEGER,
        correction_of INTEGER,
        content TEXT,
        form TEXT,
        anomalies TEXT NOT NULL DEFAULT '[]',
        error_code TEXT,
        error_message TEXT,
        trace_id TEXT,
        source TEXT,
        remote INTEGER NOT NULL DEFAULT 0,
        sent_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS transitions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        row_id INTEGER NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        at INTEGER NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX IF NOT EXISTS declarations_by_reference ON declarations (enterprise, reference);
    CREATE INDEX IF NOT EXISTS declarations_by_server_id ON declarations (server_id);
    CREATE INDEX IF NOT EXISTS transitions_by_row ON transitions (row_id);
";

/// From version 2 to 3: whether a send was avoided, per row (the rows of a
/// version 2 journal did not keep it: 0).
const SCHEMA_V3: &str = "
    ALTER TABLE declarations ADD COLUMN duplicate_avoided INTEGER NOT NULL DEFAULT 0;
";

/// From version 3 to 4, after `server` is set on every row: rows that went to
/// the same server under the same reference (two runs at once, before the
/// journal had one owner) are kept as what the server holds (`remote`), the
/// first one staying the journal's own; then the index that makes a second
/// one impossible.
fn schema_v4_index() -> String {
    format!(
        "UPDATE declarations SET remote = 1
         WHERE correction_of IS NULL AND reference <> '' AND remote = 0 AND state IN {SENT_STATES}
           AND id NOT IN (SELECT MIN(id) FROM declarations
                          WHERE correction_of IS NULL AND reference <> '' AND remote = 0 AND state IN {SENT_STATES}
                          GROUP BY server, enterprise, reference);
         CREATE UNIQUE INDEX IF NOT EXISTS declarations_one_per_reference
             ON declarations (server, enterprise, reference)
             WHERE correction_of IS NULL AND reference <> '' AND remote = 0 AND state IN {SENT_STATES};
         CREATE INDEX IF NOT EXISTS declarations_by_server ON declarations (server, enterprise, reference);"
    )
}

/// The state a status of the first journal becomes.
fn state_of_v1(status: &str) -> Option<State> {
    Some(match status {
        "draft" => State::Draft,
        "invalid" => State::Invalid,
        // A request left without its answer: reconciled by reference.
        "sending" => State::Unknown,
        "processing" => State::Submitted,
        "accepted" => State::Accepted,
        "warning" => State::Warning,
        "refused" => State::Refused,
        "cancelled" => State::Cancelled,
        _ => return None,
    })
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

/// Who opens a journal and for which server.
#[derive(Debug, Clone)]
pub struct OpenAs {
    pub holder: super::owner::Holder,
    /// The server whose rows this journal shows and keeps: the API base URL,
    /// or `sandbox` for the app's built-in sandbox (see
    /// `channel::env::server_key`).
    pub server: String,
    /// Whether rows older than version 4 (which did not say their server)
    /// were sent to `server` (a journal of the sandbox, acceptance or
    /// production) or cannot be known (a custom environment's journal).
    pub legacy_rows_known: bool,
    /// How long to wait while another run holds the journal.
    pub wait: std::time::Duration,
}

impl OpenAs {
    /// The journal of an environment's server, with its default URLs (the
    /// built-in sandbox, acceptance, production; a custom one without URLs).
    pub fn for_environment(environment: EnvironmentKind) -> OpenAs {
        Self::for_server(
            environment,
            crate::channel::env::server_key(
                environment,
                &crate::channel::env::FLA,
                &crate::channel::env::UrlOverrides::default(),
            ),
        )
    }

    /// The journal of `server` in an environment's file.
    pub fn for_server(environment: EnvironmentKind, server: String) -> OpenAs {
        OpenAs {
            server,
            legacy_rows_known: environment != EnvironmentKind::Custom,
            ..OpenAs::default()
        }
    }
}

impl Default for OpenAs {
    fn default() -> Self {
        OpenAs {
            holder: super::owner::Holder::Other,
            server: String::new(),
            legacy_rows_known: true,
            wait: super::owner::LOCK_WAIT,
        }
    }
}

pub struct Journal {
    db: Connection,
    /// The server whose rows this is (rows of others stay in the file).
    server: String,
    /// Held for as long as the journal is open (declared last: dropped
    /// after the connection is closed).
    _lock: super::owner::JournalLock,
}

type RawRow = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    (Option<String>, Option<String>, Option<String>),
    Option<String>,
    i64,
    Option<i64>,
    i64,
);

const SELECT_ROWS: &str = "SELECT id, state, reference, enterprise, server_id, correction_of, content, form, anomalies, error_code, error_message, trace_id, source, remote, sent_at, duplicate_avoided FROM declarations WHERE server = ?1";

fn raw_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        (r.get(9)?, r.get(10)?, r.get(11)?),
        r.get(12)?,
        r.get(13)?,
        r.get(14)?,
        r.get(15)?,
    ))
}

/// A journal row as a record, or why it cannot be read.
fn record_of(raw: RawRow) -> Result<Record, UnreadableRow> {
    let (
        id,
        state,
        reference,
        enterprise,
        server_id,
        correction_of,
        content,
        form,
        anomalies,
        (error_code, error_message, trace_id),
        source,
        remote,
        sent_at_ms,
        duplicate_avoided,
    ) = raw;
    let bad = |detail: String| UnreadableRow { id, detail };
    let state = State::parse(&state).ok_or_else(|| bad(format!("unknown state '{state}'")))?;
    let content = content
        .map(|c| serde_json::from_str::<Declaration>(&c))
        .transpose()
        .map_err(|e| bad(format!("content: {e}")))?;
    let form = form
        .map(|f| serde_json::from_str::<DraftForm>(&f))
        .transpose()
        .map_err(|e| bad(format!("form: {e}")))?;
    if content.is_none() && form.is_none() {
        return Err(bad("neither content nor form".into()));
    }
    let anomalies = serde_json::from_str(&anomalies).map_err(|e| bad(format!("anomalies: {e}")))?;
    let error = error_code.map(|code| RowError {
        code,
        message: error_message.unwrap_or_default(),
        trace_id,
    });
    Ok(Record {
        id,
        state,
        reference,
        enterprise,
        server_id,
        correction_of,
        content: content.map(Box::new),
        form: form.map(Box::new),
        anomalies,
        error,
        source,
        remote: remote != 0,
        sent_at_ms,
        duplicate_avoided: duplicate_avoided != 0,
    })
}

/// One transition of a row, to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub id: i64,
    pub from: State,
    pub to: State,
    pub changes: Changes,
    pub detail: String,
}

/// The state and changes of row `id`, and one line in `transitions`.
fn write_transition(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    from: State,
    to: State,
    changes: &Changes,
    detail: &str,
    at: i64,
) -> Result<(), JournalError> {
    let anomalies = changes
        .anomalies
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(encode)?;
    let (set_error, code, message, trace) = match &changes.error {
        None => (false, None, None, None),
        Some(None) => (true, None, None, None),
        Some(Some(e)) => (
            true,
            Some(e.code.as_str()),
            Some(e.message.as_str()),
            e.trace_id.as_deref(),
        ),
    };
    let (content, form) = match &changes.content {
        Some(d) => (
            Some(serde_json::to_string(d).map_err(encode)?),
            Some(serde_json::to_string(&DraftForm::from_declaration(d)).map_err(encode)?),
        ),
        None => (None, None),
    };
    let updated = tx
        .prepare_cached(
            "UPDATE declarations SET state = ?1,
             server_id = COALESCE(?2, server_id),
             anomalies = COALESCE(?3, anomalies),
             error_code = CASE WHEN ?4 THEN ?5 ELSE error_code END,
             error_message = CASE WHEN ?4 THEN ?6 ELSE error_message END,
             trace_id = CASE WHEN ?4 THEN ?7 ELSE trace_id END,
             sent_at = COALESCE(?8, sent_at),
             duplicate_avoided = MAX(duplicate_avoided, ?9),
             content = COALESCE(?10, content),
             form = COALESCE(?11, form)
         WHERE id = ?12 AND state = ?13",
        )
        .map_err(err)?
        .execute(params![
            to.code(),
            changes.server_id,
            anomalies,
            set_error,
            code,
            message,
            trace,
            changes.sent_at_ms,
            i64::from(changes.duplicate_avoided),
            content,
            form,
            id,
            from.code()
        ])
        .map_err(err)?;
    // Conditional on the state it leaves: a row changed by something else
    // meanwhile is not overwritten (and the whole batch is not written).
    if updated != 1 {
        return Err(JournalError::Stale {
            id,
            expected: from.code().to_owned(),
        });
    }
    tx.prepare_cached(
        "INSERT INTO transitions (row_id, from_state, to_state, at, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(err)?
    .execute(params![id, from.code(), to.code(), at, detail])
    .map_err(err)?;
    Ok(())
}

impl Journal {
    /// Opens (creates, or brings to [`SCHEMA_VERSION`]) the journal at `path`
    /// for no particular server (tests and tools; see [`Journal::open_as`]).
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        Self::open_as(path, &OpenAs::default())
    }

    /// Opens the journal at `path` as `who` says: its lock taken first
    /// (waiting `who.wait` while another run holds it, then
    /// [`JournalError::InUse`]), then created or migrated; it shows and keeps
    /// the rows of `who.server`.
    pub fn open_as(path: &Path, who: &OpenAs) -> Result<Journal, JournalError> {
        let open_failed = |detail: String| JournalError::Open {
            path: path.display().to_string(),
            detail,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| open_failed(format!("{}: {e}", parent.display())))?;
        }
        let lock = super::owner::acquire(path, who.holder, who.wait).map_err(|e| match e {
            super::owner::LockError::InUse(note) => JournalError::InUse {
                holder: note.as_ref().map(|n| n.holder.code().to_owned()),
                since: note.map(|n| n.since),
            },
            super::owner::LockError::Io(e) => open_failed(e.to_string()),
        })?;
        // The journal holds SSINs: created readable by the user only.
        crate::files::ensure_private_file(path).map_err(|e| open_failed(e.to_string()))?;
        let db = Connection::open(path).map_err(|e| open_failed(e.to_string()))?;
        // WAL with synchronous=FULL: a commit survives a power cut too (a
        // `sending` committed before its POST must not come back `ready`).
        // The engine batches its transitions, so this costs one fsync per
        // batch, not per row (docs/PERFORMANCE.md).
        db.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;",
        )
        .map_err(err)?;
        let mut journal = Journal {
            db,
            server: who.server.clone(),
            _lock: lock,
        };
        journal.migrate(if who.legacy_rows_known {
            &who.server
        } else {
            UNKNOWN_SERVER
        })?;
        Ok(journal)
    }

    /// The server whose rows this journal shows.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// See [`super::owner::JournalLock::release_as_if_crashed`].
    #[doc(hidden)]
    pub fn release_lock_as_if_crashed(&self) {
        self._lock.release_as_if_crashed();
    }

    /// For `benches/journal_sync.rs` only: what `synchronous=FULL` costs is
    /// measured against `NORMAL` on the same journal. The app never calls it.
    #[doc(hidden)]
    pub fn set_synchronous_for_measure(&self, full: bool) -> Result<(), JournalError> {
        let mode = if full { "FULL" } else { "NORMAL" };
        self.db
            .execute_batch(&format!("PRAGMA synchronous={mode};"))
            .map_err(err)
    }

    /// The schema version of the file.
    pub fn version(&self) -> Result<i64, JournalError> {
        self.db
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)
    }

    /// Brings the file to [`SCHEMA_VERSION`]; rows from before version 4 are
    /// given `legacy_server`.
    fn migrate(&mut self, legacy_server: &str) -> Result<(), JournalError> {
        let newer = |version| JournalError::Newer {
            version,
            known: SCHEMA_VERSION,
        };
        let version = self.version()?;
        if version > SCHEMA_VERSION {
            return Err(newer(version));
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        // The version is read again inside a write transaction: whoever
        // migrated meanwhile (an older app without the lock) is seen.
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(newer(version));
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if version < 2 {
            Self::migrate_to_v2(&tx)?;
        }
        if version < 3 {
            tx.execute_batch(SCHEMA_V3).map_err(err)?;
        }
        tx.execute_batch("ALTER TABLE declarations ADD COLUMN server TEXT NOT NULL DEFAULT '';")
            .map_err(err)?;
        tx.execute(
            "UPDATE declarations SET server = ?1",
            params![legacy_server],
        )
        .map_err(err)?;
        tx.execute_batch(&schema_v4_index()).map_err(err)?;
        tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))
            .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// An empty file or the first journal to version 2.
    fn migrate_to_v2(tx: &rusqlite::Transaction<'_>) -> Result<(), JournalError> {
        tx.execute_batch(SCHEMA_V2).map_err(err)?;
        let has_v1: bool = tx
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'local_declarations')",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if has_v1 {
            // The first journal: its rows keep their ids, drafts stay drafts,
            // a form that cannot be read is kept as it is (and reported).
            let old: Vec<(i64, String, String, Option<i64>, String, i64)> = {
                let mut stmt = tx
                    .prepare("SELECT id, form, status, server_id, anomalies, remote FROM local_declarations ORDER BY id")
                    .map_err(err)?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ))
                    })
                    .map_err(err)?;
                rows.collect::<Result<_, _>>().map_err(err)?
            };
            let at = now_ms();
            for (id, form, status, server_id, anomalies, remote) in old {
                let parsed: Option<DraftForm> = serde_json::from_str(&form).ok();
                let state = state_of_v1(&status);
                let state_text = state.map(|s| s.code().to_owned()).unwrap_or(status);
                let reference = parsed
                    .as_ref()
                    .map(|f| f.reference.trim().to_owned())
                    .unwrap_or_default();
                let enterprise = parsed
                    .as_ref()
                    .map(|f| {
                        crate::identifiers::parse_enterprise_number(&f.enterprise)
                            .unwrap_or_else(|| f.enterprise.trim().to_owned())
                    })
                    .unwrap_or_default();
                let content = parsed
                    .as_ref()
                    .and_then(|f| f.to_declaration().ok())
                    .and_then(|d| serde_json::to_string(&d).ok());
                tx.execute(
                    "INSERT INTO declarations (id, state, reference, enterprise, server_id, content, form, anomalies, remote)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![id, state_text, reference, enterprise, server_id, content, form, anomalies, remote],
                )
                .map_err(err)?;
                tx.execute(
                    "INSERT INTO transitions (row_id, from_state, to_state, at, detail) VALUES (?1, NULL, ?2, ?3, 'migrated from the first journal')",
                    params![id, state_text, at],
                )
                .map_err(err)?;
            }
            tx.execute_batch("DROP TABLE local_declarations;")
                .map_err(err)?;
        }
        Ok(())
    }

    /// Inserts rows in one transaction (with their first transition); their ids.
    pub fn insert(&mut self, rows: &[NewRecord]) -> Result<Vec<i64>, JournalError> {
        let tx = self.db.transaction().map_err(err)?;
        let at = now_ms();
        let mut ids = Vec::with_capacity(rows.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO declarations (state, reference, enterprise, correction_of, content, form, anomalies, source, server)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(err)?;
            let mut log = tx
                .prepare_cached(
                    "INSERT INTO transitions (row_id, from_state, to_state, at, detail) VALUES (?1, NULL, ?2, ?3, 'added')",
                )
                .map_err(err)?;
            for row in rows {
                let content = row
                    .content
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(encode)?;
                let form = row
                    .form
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(encode)?;
                let anomalies = serde_json::to_string(&row.anomalies).map_err(encode)?;
                insert
                    .execute(params![
                        row.state.code(),
                        row.reference,
                        row.enterprise,
                        row.correction_of,
                        content,
                        form,
                        anomalies,
                        row.source,
                        self.server
                    ])
                    .map_err(err)?;
                let id = tx.last_insert_rowid();
                log.execute(params![id, row.state.code(), at])
                    .map_err(err)?;
                ids.push(id);
            }
        }
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    /// Records a transition of row `id` (state and changes, and one line in
    /// `transitions`), committed before this returns.
    pub fn transition(
        &mut self,
        id: i64,
        from: State,
        to: State,
        changes: &Changes,
        detail: &str,
    ) -> Result<(), JournalError> {
        let tx = self.db.transaction().map_err(err)?;
        write_transition(&tx, id, from, to, changes, detail, now_ms())?;
        tx.commit().map_err(err)
    }

    /// Records transitions in order, all in one transaction (one commit for
    /// many rows): committed before this returns, or none of them.
    pub fn transitions_batch<'a>(
        &mut self,
        list: impl IntoIterator<Item = &'a Transition>,
    ) -> Result<(), JournalError> {
        let tx = self.db.transaction().map_err(err)?;
        let at = now_ms();
        for t in list {
            write_transition(&tx, t.id, t.from, t.to, &t.changes, &t.detail, at)?;
        }
        tx.commit().map_err(err)
    }

    /// Every row, oldest first, and the rows that cannot be read.
    pub fn records(&self) -> Result<(Vec<Record>, Vec<UnreadableRow>), JournalError> {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        self.each_record(|row| match row {
            Ok(r) => good.push(r),
            Err(u) => bad.push(u),
        })?;
        Ok((good, bad))
    }

    /// Every row, oldest first, handed to `each` as it is read (a journal of a
    /// million rows is never all in memory at once), or why it cannot be read.
    pub fn each_record(
        &self,
        mut each: impl FnMut(Result<Record, UnreadableRow>),
    ) -> Result<(), JournalError> {
        let mut stmt = self
            .db
            .prepare(&format!("{SELECT_ROWS} ORDER BY id"))
            .map_err(err)?;
        let rows = stmt.query_map(params![self.server], raw_row).map_err(err)?;
        for row in rows {
            each(record_of(row.map_err(err)?));
        }
        Ok(())
    }

    /// The transitions of row `id`, oldest first: (from, to, detail).
    pub fn transitions(
        &self,
        id: i64,
    ) -> Result<Vec<(Option<String>, String, String)>, JournalError> {
        let mut stmt = self
            .db
            .prepare("SELECT from_state, to_state, detail FROM transitions WHERE row_id = ?1 ORDER BY id")
            .map_err(err)?;
        let rows = stmt
            .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    // The Declarations page's calls (drafts as typed, outcomes, fetches).

    /// Saves a draft's fields; returns its id (new where `id` is `None`).
    pub fn save_form(
        &self,
        id: Option<i64>,
        form: &DraftForm,
        state: State,
    ) -> Result<i64, JournalError> {
        let json = serde_json::to_string(form).map_err(encode)?;
        let content = form
            .to_declaration()
            .ok()
            .map(|d| serde_json::to_string(&d))
            .transpose()
            .map_err(encode)?;
        let reference = form.reference.trim();
        let enterprise = crate::identifiers::parse_enterprise_number(&form.enterprise)
            .unwrap_or_else(|| form.enterprise.trim().to_owned());
        let state = state.code();
        match id {
            Some(id) => {
                self.db
                    .execute(
                        "UPDATE declarations SET form = ?1, content = ?2, state = ?3, reference = ?4, enterprise = ?5 WHERE id = ?6",
                        params![json, content, state, reference, enterprise, id],
                    )
                    .map_err(err)?;
                Ok(id)
            }
            None => {
                self.db
                    .execute(
                        "INSERT INTO declarations (form, content, state, reference, enterprise, server) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![json, content, state, reference, enterprise, self.server],
                    )
                    .map_err(err)?;
                Ok(self.db.last_insert_rowid())
            }
        }
    }

    pub fn set_outcome(
        &self,
        id: i64,
        state: State,
        server_id: Option<i64>,
        anomalies: &[Anomaly],
    ) -> Result<(), JournalError> {
        let json = serde_json::to_string(anomalies).map_err(encode)?;
        self.db
            .execute(
                "UPDATE declarations SET state = ?1, server_id = COALESCE(?2, server_id), anomalies = ?3 WHERE id = ?4",
                params![state.code(), server_id, json, id],
            )
            .map_err(err)?;
        Ok(())
    }

    /// Adds (or refreshes) a declaration fetched from the server: the row of
    /// what the server holds, never a correction being edited beside it.
    pub fn upsert_remote(&self, stored: &StoredDeclaration) -> Result<i64, JournalError> {
        let state = State::of_result(stored.declaration_status.result);
        let server_id = stored.declaration_status.declaration_id;
        let existing: Option<i64> = self
            .db
            .query_row(
                "SELECT id FROM declarations WHERE server_id = ?1 AND correction_of IS NULL AND server = ?2 ORDER BY id LIMIT 1",
                params![server_id, self.server],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let form = DraftForm::from_declaration(&stored.declaration);
        let id = match existing {
            Some(id) => self.save_form(Some(id), &form, state)?,
            None => {
                let id = self.save_form(None, &form, state)?;
                self.db
                    .execute(
                        "UPDATE declarations SET remote = 1 WHERE id = ?1",
                        params![id],
                    )
                    .map_err(err)?;
                id
            }
        };
        self.set_outcome(
            id,
            state,
            Some(server_id),
            &stored.declaration_status.anomalies,
        )?;
        Ok(id)
    }

    pub fn delete(&self, id: i64) -> Result<(), JournalError> {
        self.db
            .execute("DELETE FROM declarations WHERE id = ?1", params![id])
            .map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fla::wire;

    #[test]
    fn a_journal_that_cannot_be_opened_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "x").unwrap();
        let path = file.join("journal.sqlite");
        let Err(e) = Journal::open(&path) else {
            panic!("opened under a file")
        };
        assert_eq!(e.code(), "journal_open");
        assert!(e.message(Lang::En).contains("not-a-folder"), "{e}");
    }

    #[test]
    fn drafts_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let form = DraftForm {
            ssin: "85.07.30-033.2".into(),
            start: "2025-03".into(),
            ..DraftForm::default()
        };
        let id = {
            let j = Journal::open(&path).unwrap();
            j.save_form(None, &form, State::Draft).unwrap()
        };
        let j = Journal::open(&path).unwrap();
        let (rows, _) = j.records().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].id, id);
        assert_eq!(rows[0].form.as_deref(), Some(&form));
        j.set_outcome(id, State::Refused, Some(7), &[]).unwrap();
        assert_eq!(j.records().unwrap().0[0].server_id, Some(7));
    }

    /// The first journal's schema, as `Journal::open` made it before versions.
    const V1: &str = "PRAGMA journal_mode=WAL;
        CREATE TABLE IF NOT EXISTS local_declarations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            form TEXT NOT NULL,
            status TEXT NOT NULL,
            server_id INTEGER,
            anomalies TEXT NOT NULL DEFAULT '[]',
            remote INTEGER NOT NULL DEFAULT 0
        );";

    #[test]
    fn the_drafts_of_the_first_journal_survive_the_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let draft = DraftForm {
            reference: "HR-1".into(),
            enterprise: "BE 0403.170.701".into(),
            ssin: "85.07.30-033.2".into(),
            start: "2025-03".into(),
            ..DraftForm::default()
        };
        {
            let db = Connection::open(&path).unwrap();
            db.execute_batch(V1).unwrap();
            let insert = |form: &str, status: &str, server_id: Option<i64>| {
                db.execute(
                    "INSERT INTO local_declarations (form, status, server_id) VALUES (?1, ?2, ?3)",
                    params![form, status, server_id],
                )
                .unwrap();
            };
            insert(&serde_json::to_string(&draft).unwrap(), "draft", None);
            insert(
                &serde_json::to_string(&draft).unwrap(),
                "processing",
                Some(41),
            );
            insert(&serde_json::to_string(&draft).unwrap(), "sending", None);
            insert("{not json", "draft", None);
        }
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.version().unwrap(), SCHEMA_VERSION);
        let (records, unreadable) = j.records().unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].id, 1);
        assert_eq!(records[0].state, State::Draft);
        assert_eq!(records[0].form.as_deref(), Some(&draft));
        assert_eq!(records[0].reference, "HR-1");
        assert_eq!(records[0].enterprise, "0403170701");
        assert_eq!(records[1].state, State::Submitted);
        assert_eq!(records[1].server_id, Some(41));
        // A request left without an answer is reconciled, not sent blindly.
        assert_eq!(records[2].state, State::Unknown);
        // The row that cannot be read is reported, not turned into a draft.
        assert_eq!(unreadable.len(), 1);
        assert_eq!(unreadable[0].id, 4);
        assert!(unreadable[0].message(Lang::Fr).contains('4'));
        let listed: Vec<i64> = records.iter().map(|r| r.id).collect();
        assert_eq!(listed, vec![1, 2, 3]);
        assert_eq!(j.transitions(1).unwrap().len(), 1);
        drop(j);
        // Opening again changes nothing.
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.records().unwrap().0, records);
    }

    /// A journal as version 2 or 3 left it, with `rows` (SQL values of
    /// state, reference, enterprise, server_id, form).
    fn journal_of_version(path: &Path, version: i64, rows: &str) {
        let db = Connection::open(path).unwrap();
        db.execute_batch(SCHEMA_V2).unwrap();
        if version >= 3 {
            db.execute_batch(SCHEMA_V3).unwrap();
        }
        db.execute_batch(&format!(
            "INSERT INTO declarations (state, reference, enterprise, server_id, form)
             VALUES {rows};
             PRAGMA user_version = {version};"
        ))
        .unwrap();
    }

    #[test]
    fn a_version_2_journal_keeps_its_rows_and_learns_the_sends_avoided() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        journal_of_version(&path, 2, "('submitted', 'R-2', '0403170701', 12, '{}')");
        let mut j = Journal::open(&path).unwrap();
        assert_eq!(j.version().unwrap(), SCHEMA_VERSION);
        let (records, unreadable) = j.records().unwrap();
        assert!(unreadable.is_empty(), "{unreadable:?}");
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].server_id, Some(12));
        assert!(!records[0].duplicate_avoided);
        let found = Changes {
            duplicate_avoided: true,
            ..Changes::default()
        };
        j.transition(
            records[0].id,
            State::Submitted,
            State::Accepted,
            &found,
            "found",
        )
        .unwrap();
        // Kept by a later transition that says nothing of it.
        j.transition(
            records[0].id,
            State::Accepted,
            State::Warning,
            &Changes::default(),
            "result",
        )
        .unwrap();
        drop(j);
        let j = Journal::open(&path).unwrap();
        assert!(j.records().unwrap().0[0].duplicate_avoided);
    }

    fn sent_row(reference: &str) -> NewRecord {
        NewRecord {
            state: State::Ready,
            reference: reference.into(),
            enterprise: "0403170701".into(),
            correction_of: None,
            content: None,
            form: Some(DraftForm::default()),
            anomalies: vec![],
            source: None,
        }
    }

    fn opened(path: &Path, server: &str) -> Journal {
        Journal::open_as(
            path,
            &OpenAs {
                server: server.into(),
                ..OpenAs::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn a_version_3_journal_learns_its_server_and_keeps_rows_sent_twice_as_the_servers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        // Two runs at once before the lock: R-1 went to the server twice.
        journal_of_version(
            &path,
            3,
            "('accepted', 'R-1', '0403170701', 11, '{}'),
             ('accepted', 'R-1', '0403170701', 12, '{}'),
             ('ready', 'R-2', '0403170701', NULL, '{}')",
        );
        let mut j = opened(&path, "sandbox");
        assert_eq!(j.version().unwrap(), SCHEMA_VERSION);
        let (records, _) = j.records().unwrap();
        assert_eq!(records.len(), 3, "every row kept");
        assert!(!records[0].remote);
        assert!(records[1].remote, "the second one is what the server holds");
        // R-2 cannot go to the server under a reference another row sent.
        j.insert(&[sent_row("R-3")]).unwrap();
        let second = j.insert(&[sent_row("R-3")]).unwrap()[0];
        let first = records[2].id;
        j.transition(
            first,
            State::Ready,
            State::Sending,
            &Changes::default(),
            "sent",
        )
        .unwrap();
        let r3_first = second - 1;
        j.transition(
            r3_first,
            State::Ready,
            State::Sending,
            &Changes::default(),
            "sent",
        )
        .unwrap();
        let Err(e) = j.transition(
            second,
            State::Ready,
            State::Sending,
            &Changes::default(),
            "sent",
        ) else {
            panic!("a second row sent under one reference")
        };
        assert_eq!(e.code(), "journal_database", "{e}");
        drop(j);
        // Another server's journal in the same file sees none of them.
        let other = opened(&path, "https://other.example/api");
        assert!(other.records().unwrap().0.is_empty());
    }

    #[test]
    fn rows_of_an_unknown_server_are_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        journal_of_version(&path, 2, "('accepted', 'C-1', '0403170701', 11, '{}')");
        let who = OpenAs {
            server: "http://127.0.0.1:9/api".into(),
            legacy_rows_known: false,
            ..OpenAs::default()
        };
        let j = Journal::open_as(&path, &who).unwrap();
        assert!(
            j.records().unwrap().0.is_empty(),
            "never used to skip a send"
        );
        let n: i64 =
            j.db.query_row(
                "SELECT COUNT(*) FROM declarations WHERE server = ?1",
                params![UNKNOWN_SERVER],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "kept, marked");
    }

    #[test]
    fn a_transition_from_a_state_the_row_is_no_longer_in_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
        let id = j.insert(&[sent_row("S-1")]).unwrap()[0];
        j.transition(
            id,
            State::Ready,
            State::Sending,
            &Changes::default(),
            "sent",
        )
        .unwrap();
        let batch = [
            Transition {
                id,
                from: State::Sending,
                to: State::Submitted,
                changes: Changes {
                    server_id: Some(5),
                    ..Changes::default()
                },
                detail: "taken".into(),
            },
            // Another writer's view: the row was still `ready`.
            Transition {
                id,
                from: State::Ready,
                to: State::Sending,
                changes: Changes::default(),
                detail: "sent".into(),
            },
        ];
        let Err(e) = j.transitions_batch(batch.iter()) else {
            panic!("a stale transition was written")
        };
        assert_eq!(e.code(), "journal_stale");
        let (records, _) = j.records().unwrap();
        assert_eq!(records[0].state, State::Sending, "the batch is not written");
        assert_eq!(records[0].server_id, None);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_journal_and_its_companions_are_the_users_alone() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let mut j = Journal::open(&path).unwrap();
        j.insert(&[sent_row("PRIVATE-1")]).unwrap();
        for name in ["journal.sqlite", "journal.sqlite-wal"] {
            let mode = std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{name}: {mode:o}");
        }
    }

    #[test]
    fn two_openers_of_a_new_journal_migrate_it_once_without_a_race() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let who = OpenAs {
                        wait: std::time::Duration::from_secs(20),
                        ..OpenAs::default()
                    };
                    let mut j = Journal::open_as(&path, &who)?;
                    j.insert(&[sent_row("")])?;
                    j.version()
                })
            })
            .collect();
        for o in openers {
            assert_eq!(o.join().unwrap().unwrap(), SCHEMA_VERSION);
        }
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.records().unwrap().0.len(), 4);
    }

    #[test]
    fn a_journal_held_by_another_run_is_refused_with_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let _held = Journal::open_as(
            &path,
            &OpenAs {
                holder: super::super::owner::Holder::Submit,
                ..OpenAs::default()
            },
        )
        .unwrap();
        let who = OpenAs {
            holder: super::super::owner::Holder::App,
            wait: std::time::Duration::from_millis(300),
            ..OpenAs::default()
        };
        let Err(e) = Journal::open_as(&path, &who) else {
            panic!("opened twice")
        };
        assert_eq!(e.code(), "journal_in_use");
        let text = e.message(Lang::En);
        assert!(text.contains("a submit, started at"), "{text}");
        assert!(e.message(Lang::Nl).contains("een submit"));
    }

    #[test]
    fn a_journal_from_a_newer_app_is_not_touched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        {
            let db = Connection::open(&path).unwrap();
            db.execute_batch("PRAGMA user_version = 99;").unwrap();
        }
        let Err(e) = Journal::open(&path) else {
            panic!("opened a newer journal")
        };
        assert_eq!(e.code(), "journal_newer");
        assert!(e.message(Lang::En).contains("99"), "{e}");
    }

    #[test]
    fn every_transition_is_recorded_with_the_row() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
        let form = DraftForm {
            reference: "R-1".into(),
            ..DraftForm::default()
        };
        let ids = j
            .insert(&[NewRecord {
                state: State::Ready,
                reference: "R-1".into(),
                enterprise: "0403170701".into(),
                correction_of: None,
                content: None,
                form: Some(form),
                anomalies: vec![],
                source: Some("f.csv:2".into()),
            }])
            .unwrap();
        let id = ids[0];
        j.transition(
            id,
            State::Ready,
            State::Sending,
            &Changes {
                sent_at_ms: Some(5),
                ..Changes::default()
            },
            "sent",
        )
        .unwrap();
        let error = RowError {
            code: "timeout".into(),
            message: "no answer".into(),
            trace_id: Some("t".into()),
        };
        j.transition(
            id,
            State::Sending,
            State::Unknown,
            &Changes {
                error: Some(Some(error.clone())),
                ..Changes::default()
            },
            "timeout",
        )
        .unwrap();
        j.transition(
            id,
            State::Unknown,
            State::Submitted,
            &Changes {
                server_id: Some(7),
                error: Some(None),
                ..Changes::default()
            },
            "found",
        )
        .unwrap();
        let (records, _) = j.records().unwrap();
        let r = &records[0];
        assert_eq!(r.state, State::Submitted);
        assert_eq!(r.server_id, Some(7));
        assert_eq!(r.sent_at_ms, Some(5));
        assert_eq!(r.error, None);
        assert_eq!(r.source.as_deref(), Some("f.csv:2"));
        let steps: Vec<String> = j
            .transitions(id)
            .unwrap()
            .into_iter()
            .map(|(from, to, _)| format!("{}>{to}", from.unwrap_or_default()))
            .collect();
        assert_eq!(
            steps,
            vec![
                ">ready",
                "ready>sending",
                "sending>unknown",
                "unknown>submitted"
            ]
        );
    }

    #[test]
    fn a_row_error_is_kept_in_every_language_and_read_back_in_the_one_of_the_moment() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
        let ids = j
            .insert(&[NewRecord {
                state: State::Ready,
                reference: "R-L".into(),
                enterprise: "0403170701".into(),
                correction_of: None,
                content: None,
                form: Some(DraftForm::default()),
                anomalies: vec![],
                source: None,
            }])
            .unwrap();
        let error = RowError::localized("resumed", None, |lang| {
            crate::i18n::tr(lang, "submit.engine.resumed")
        });
        j.transition(
            ids[0],
            State::Ready,
            State::Failed,
            &Changes {
                error: Some(Some(error)),
                ..Changes::default()
            },
            "failed",
        )
        .unwrap();
        drop(j);
        let j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
        let (records, _) = j.records().unwrap();
        let back = records[0].error.clone().unwrap();
        for lang in Lang::ALL {
            assert_eq!(
                back.text(lang),
                crate::i18n::tr(lang, "submit.engine.resumed")
            );
        }
        assert_ne!(back.text(Lang::Nl), back.text(Lang::En));
        // A message of an older journal is plain text, shown as it is.
        let old = RowError {
            code: "x".into(),
            message: "no answer".into(),
            trace_id: None,
        };
        assert_eq!(old.text(Lang::Fr), "no answer");
    }

    #[test]
    fn a_fetch_from_the_server_never_overwrites_a_correction_being_edited() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
        let held = DraftForm {
            reference: "R".into(),
            enterprise: "0403170701".into(),
            ssin: "85073003328".into(),
            name: "Excel".into(),
            start: "2025-03-03".into(),
            end: "2025-03-04".into(),
            duration: "14".into(),
            ..DraftForm::default()
        };
        let declaration = held.to_declaration().unwrap();
        let edited = DraftForm {
            name: "Excel, corrected".into(),
            ..held.clone()
        };
        let ids = j
            .insert(&[NewRecord {
                state: State::Draft,
                reference: "R".into(),
                enterprise: "0403170701".into(),
                correction_of: Some(9),
                content: None,
                form: Some(edited.clone()),
                anomalies: vec![],
                source: None,
            }])
            .unwrap();
        let stored = StoredDeclaration {
            declaration,
            declaration_status: wire::DeclarationStatus {
                declaration_id: 9,
                result: wire::ResultCode::A,
                anomalies: vec![],
            },
        };
        let server_row = j.upsert_remote(&stored).unwrap();
        assert_ne!(server_row, ids[0]);
        assert_eq!(j.upsert_remote(&stored).unwrap(), server_row);
        let (records, _) = j.records().unwrap();
        let correction = records.iter().find(|r| r.id == ids[0]).unwrap();
        assert_eq!(correction.form.as_deref(), Some(&edited));
        assert_eq!(correction.state, State::Draft);
        let server = records.iter().find(|r| r.id == server_row).unwrap();
        assert_eq!(server.state, State::Accepted);
        assert_eq!(server.form.as_deref(), Some(&held));
    }

    #[test]
    fn a_form_names_the_fields_it_cannot_read() {
        let form = DraftForm {
            start: "2025-13-01".into(),
            end: "2025-03-04".into(),
            duration: "abc".into(),
            ..DraftForm::default()
        };
        let problems = form.to_declaration().unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            vec!["training.startDate", "training.duration.value"]
        );
        let ok = DraftForm {
            reference: "R".into(),
            enterprise: "BE 0403.170.701".into(),
            ssin: "85.07.30-033.28".into(),
            name: "Excel".into(),
            start: "2025-03-03".into(),
            end: "2025-03-04".into(),
            duration: "14,5".into(),
            ..DraftForm::default()
        };
        let d = ok.to_declaration().unwrap();
        assert_eq!(d.employer.enterprise_number, "0403170701");
        assert_eq!(d.worker.ssin, "85073003328");
        assert_eq!(d.training.duration.value, 14.5);
        assert_eq!(DraftForm::from_declaration(&d).to_declaration().unwrap(), d);
    }
}
