//! The journal of local declarations: drafts saved as they are typed, their
//! status as they are sent and processed, and declarations fetched from the
//! server. SQLite in WAL mode, so a crash or a closed window loses nothing.
//! Here: opening (one owner at a time, one server per journal), writing and
//! reading rows; beside it: `record` (what a row is), `schema` (versions and
//! migrations), `tests`.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::service::Content;
use super::state::State;
use crate::channel::env::EnvironmentKind;
use crate::fla::wire::{Anomaly, StoredDeclaration};
use crate::i18n::{tr, tr_args, Lang};

mod record;
mod schema;

pub use record::*;
pub use schema::{SCHEMA_VERSION, UNKNOWN_SERVER};

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
    /// The service whose rows this journal shows and keeps
    /// (`submit::service::FLA`, `DIMONA`).
    pub service: &'static str,
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
            service: super::service::FLA,
        }
    }
}

pub struct Journal {
    db: Connection,
    /// The server whose rows this is (rows of others stay in the file).
    server: String,
    /// The service whose rows this is (another service's stay in the file).
    service: &'static str,
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

const SELECT_ROWS: &str = "SELECT id, state, reference, enterprise, server_id, correction_of, content, form, anomalies, error_code, error_message, trace_id, source, remote, sent_at, duplicate_avoided FROM declarations WHERE server = ?1 AND service = ?2";

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
fn record_of(raw: RawRow, service: &str) -> Result<Record, UnreadableRow> {
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
        .map(|c| Content::from_json(service, &c))
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
        Some(c) => (
            Some(c.to_json().map_err(encode)?),
            c.fla()
                .map(|d| serde_json::to_string(&DraftForm::from_declaration(d)))
                .transpose()
                .map_err(encode)?,
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
        // One owner per service: the FLA's run and Dimona's share the file
        // (SQLite keeps their writes apart), each service's rows its own.
        let lock_for = if who.service == super::service::FLA {
            path.to_owned()
        } else {
            let mut name = path
                .file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_default();
            name.push(".");
            name.push(who.service);
            path.with_file_name(name)
        };
        let lock = super::owner::acquire(&lock_for, who.holder, who.wait).map_err(|e| match e {
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
            service: who.service,
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

    /// The service whose rows this journal shows.
    pub fn service(&self) -> &'static str {
        self.service
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

    /// Inserts new rows (made by [`Record::new`]) in one transaction, with
    /// their first transition; their ids. A row's state, reference,
    /// enterprise, correction, content, form, anomalies and source are
    /// written; the rest is a new row's.
    pub fn insert(&mut self, rows: &[Record]) -> Result<Vec<i64>, JournalError> {
        let tx = self.db.transaction().map_err(err)?;
        let at = now_ms();
        let mut ids = Vec::with_capacity(rows.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO declarations (state, reference, enterprise, correction_of, content, form, anomalies, source, server, service)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
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
                    .map(|c| c.to_json())
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
                        self.server,
                        self.service
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
        let rows = stmt
            .query_map(params![self.server, self.service], raw_row)
            .map_err(err)?;
        for row in rows {
            each(record_of(row.map_err(err)?, self.service));
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
mod tests;
