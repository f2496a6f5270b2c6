//! The journal's schema and its migrations: every version an earlier app
//! wrote is brought to [`SCHEMA_VERSION`] in one transaction, its rows kept.

use super::*;

/// The journal's schema version (`PRAGMA user_version`). 0: empty or the
/// first journal (one `local_declarations` table of drafts and statuses);
/// 2: `declarations` and `transitions`; 3: `declarations.duplicate_avoided`;
/// 4: `declarations.server` (one journal per server) and one original row per
/// (server, enterprise, reference) among those that went to the server;
/// 5: `declarations.service` (the FLA's or Dimona's; every earlier row is the
/// FLA's) and one original row per (server, service, enterprise, reference).
pub const SCHEMA_VERSION: i64 = 5;

/// The server of rows whose server cannot be known (rows of a custom
/// environment's journal before version 4): kept, never used to skip a send.
pub const UNKNOWN_SERVER: &str = "?";

/// The states of a row that went to the server (or may have): at most one
/// original row per (server, enterprise, reference) may be in one of them.
pub(super) const SENT_STATES: &str =
    "('sending', 'unknown', 'submitted', 'accepted', 'warning', 'refused', 'cancelled')";

pub(super) const SCHEMA_V2: &str = "
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
pub(super) const SCHEMA_V3: &str = "
    ALTER TABLE declarations ADD COLUMN duplicate_avoided INTEGER NOT NULL DEFAULT 0;
";

/// From version 3 to 4, after `server` is set on every row: rows that went to
/// the same server under the same reference (two runs at once, before the
/// journal had one owner) are kept as what the server holds (`remote`), the
/// first one staying the journal's own; then the index that makes a second
/// one impossible.
pub(super) fn schema_v4_index() -> String {
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

/// From version 4 to 5: every row so far is the FLA's; one original row per
/// (server, service, enterprise, reference), as the engine of each service
/// knows its own rows.
pub(super) fn schema_v5() -> String {
    format!(
        "ALTER TABLE declarations ADD COLUMN service TEXT NOT NULL DEFAULT 'fla';
         DROP INDEX IF EXISTS declarations_one_per_reference;
         CREATE UNIQUE INDEX declarations_one_per_reference
             ON declarations (server, service, enterprise, reference)
             WHERE correction_of IS NULL AND reference <> '' AND remote = 0 AND state IN {SENT_STATES};
         DROP INDEX IF EXISTS declarations_by_server;
         CREATE INDEX declarations_by_server ON declarations (server, service, enterprise, reference);"
    )
}

/// The state a status of the first journal becomes.
pub(super) fn state_of_v1(status: &str) -> Option<State> {
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

impl Journal {
    /// Brings the file to [`SCHEMA_VERSION`]; rows from before version 4 are
    /// given `legacy_server`.
    pub(super) fn migrate(&mut self, legacy_server: &str) -> Result<(), JournalError> {
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
        if version < 4 {
            tx.execute_batch(
                "ALTER TABLE declarations ADD COLUMN server TEXT NOT NULL DEFAULT '';",
            )
            .map_err(err)?;
            tx.execute(
                "UPDATE declarations SET server = ?1",
                params![legacy_server],
            )
            .map_err(err)?;
            tx.execute_batch(&schema_v4_index()).map_err(err)?;
        }
        tx.execute_batch(&schema_v5()).map_err(err)?;
        tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))
            .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// An empty file or the first journal to version 2.
    pub(super) fn migrate_to_v2(tx: &rusqlite::Transaction<'_>) -> Result<(), JournalError> {
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
}
