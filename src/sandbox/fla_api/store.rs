//! The sandbox's FLA store: its SQLite tables (declarations per enterprise,
//! indexed for paging), their migrations, the register of workers it is
//! seeded with, the counts the admin routes and tests read, and the writer
//! of new declarations (the inserts of many POSTs in one transaction).

use super::*;
use crate::sandbox::writer::Batched;

/// Workers each seeded enterprise employs, with their employment periods.
pub(super) const SEED_WORKERS: &[(&str, &str, &str, &str)] = &[
    ("0403170701", "85073003328", "2020-01-01", "9999-12-31"),
    ("0403170701", "90022212345", "2023-06-01", "9999-12-31"),
    ("0403170701", "01490700185", "2024-01-01", "2025-06-30"),
    ("0202239951", "78111512375", "2019-03-01", "9999-12-31"),
];

/// The store's schema version (`PRAGMA user_version`). 0: (enterprise,
/// reference) UNIQUE in the table itself; 1: a plain index, the uniqueness
/// checked by the writer unless duplicates are accepted.
pub(super) const STORE_VERSION: i64 = 1;

/// The declarations table of version 1 (as `name`, for the migration's copy).
pub(super) fn declarations_table(name: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {name} (
             id INTEGER PRIMARY KEY AUTOINCREMENT,
             enterprise TEXT NOT NULL,
             external_reference TEXT NOT NULL,
             ssin TEXT NOT NULL,
             start_date TEXT NOT NULL,
             body TEXT NOT NULL,
             sender TEXT NOT NULL,
             due_at INTEGER NOT NULL,
             result TEXT,
             anomalies TEXT
         );"
    )
}

/// A connection to the store with the sandbox's settings: WAL, commits that
/// wait for no fsync (`synchronous=NORMAL`: a power cut may lose the last
/// commits, never corrupt the file), and a wait on a busy writer.
pub(crate) fn open_connection(path: &std::path::Path) -> Result<Connection, SandboxError> {
    let failed = |e: rusqlite::Error| SandboxError::Store {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    let db = Connection::open(path).map_err(failed)?;
    db.execute_batch(
        "PRAGMA journal_mode=WAL;
         PRAGMA synchronous=NORMAL;
         PRAGMA busy_timeout=10000;",
    )
    .map_err(failed)?;
    Ok(db)
}

/// Version 0 → 1: the table is rebuilt without its UNIQUE constraint (SQLite
/// cannot drop one), its rows and ids kept.
pub(super) fn migrate(db: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= STORE_VERSION {
        return Ok(());
    }
    let tx = db.transaction()?;
    let unique: i64 = tx.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'declarations' AND name LIKE 'sqlite_autoindex_declarations_%'",
        [],
        |r| r.get(0),
    )?;
    if unique > 0 {
        tx.execute_batch(&format!(
            "{}
             INSERT INTO declarations_v1 (id, enterprise, external_reference, ssin, start_date, body, sender, due_at, result, anomalies)
                 SELECT id, enterprise, external_reference, ssin, start_date, body, sender, due_at, result, anomalies FROM declarations;
             DROP TABLE declarations;
             ALTER TABLE declarations_v1 RENAME TO declarations;",
            declarations_table("declarations_v1")
        ))?;
    }
    tx.execute_batch(&format!(
        "CREATE INDEX IF NOT EXISTS declarations_reference ON declarations (enterprise, external_reference);
         -- A search page reads an enterprise's declarations in id order from
         -- its cursor: a range of this index, not a sort of all of them.
         CREATE INDEX IF NOT EXISTS declarations_enterprise ON declarations (enterprise, id);
         PRAGMA user_version = {STORE_VERSION};"
    ))?;
    tx.commit()
}

pub(crate) fn open_store(path: &std::path::Path) -> Result<Connection, SandboxError> {
    let failed = |e: rusqlite::Error| SandboxError::Store {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    let mut db = open_connection(path)?;
    db.execute_batch(&format!(
        "{}
         CREATE TABLE IF NOT EXISTS seen_jti (
             client_id TEXT NOT NULL,
             jti TEXT NOT NULL,
             exp INTEGER NOT NULL,
             PRIMARY KEY (client_id, jti)
         );
         CREATE TABLE IF NOT EXISTS workers (
             enterprise TEXT NOT NULL,
             ssin TEXT NOT NULL,
             from_date TEXT NOT NULL,
             to_date TEXT NOT NULL
         );",
        declarations_table("declarations")
    ))
    .map_err(failed)?;
    migrate(&mut db).map_err(failed)?;
    let seeded: i64 = db
        .query_row("SELECT COUNT(*) FROM workers", [], |r| r.get(0))
        .map_err(failed)?;
    if seeded == 0 {
        for (enterprise, ssin, from, to) in SEED_WORKERS {
            db.execute(
                "INSERT INTO workers (enterprise, ssin, from_date, to_date) VALUES (?1, ?2, ?3, ?4)",
                params![enterprise, ssin, from, to],
            )
            .map_err(failed)?;
        }
    }
    Ok(db)
}

/// How many declarations the store holds.
pub(crate) fn count_declarations(shared: &Shared) -> i64 {
    shared
        .store
        .lock()
        .ok()
        .and_then(|db| {
            db.query_row("SELECT COUNT(*) FROM declarations", [], |r| r.get(0))
                .ok()
        })
        .unwrap_or(-1)
}

/// How many (enterprise, reference) pairs more than one declaration holds.
pub(crate) fn count_duplicate_references(shared: &Shared) -> i64 {
    shared
        .store
        .lock()
        .ok()
        .and_then(|db| {
            db.query_row(
                "SELECT COUNT(*) FROM (SELECT 1 FROM declarations GROUP BY enterprise, external_reference HAVING COUNT(*) > 1)",
                [],
                |r| r.get(0),
            )
            .ok()
        })
        .unwrap_or(-1)
}

/// Every (enterprise, reference) with the ids that hold it (only those held
/// more than once with `duplicates`), for `GET /admin/references`.
pub(crate) fn references(
    shared: &Shared,
    duplicates: bool,
    reference: Option<&str>,
    enterprise: Option<&str>,
) -> Result<Vec<Value>, String> {
    let db = shared
        .store
        .lock()
        .map_err(|_| "store lock poisoned".to_owned())?;
    let mut stmt = db
        .prepare(
            "SELECT enterprise, external_reference, COUNT(*), group_concat(id) FROM declarations
              WHERE (?1 IS NULL OR external_reference = ?1) AND (?2 IS NULL OR enterprise = ?2)
              GROUP BY enterprise, external_reference
              HAVING COUNT(*) > ?3
              ORDER BY MIN(id)",
        )
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map(params![reference, enterprise, i64::from(duplicates)], |r| {
            let ids: String = r.get(3)?;
            let mut ids: Vec<i64> = ids.split(',').filter_map(|i| i.parse().ok()).collect();
            ids.sort_unstable();
            Ok(json!({
                "enterprise": r.get::<_, String>(0)?,
                "externalReference": r.get::<_, String>(1)?,
                "count": r.get::<_, i64>(2)?,
                "declarationIds": ids,
            }))
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

/// The FLA's writer of new declarations (the sandbox's batched writer on its
/// own connection): the inserts of every request waiting, in one transaction.
pub(crate) type Writer = Batched<NewDeclaration, Inserted>;

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

/// Starts the writer of new declarations on `db`.
pub(crate) fn start_writer(mut db: Connection, accept_duplicates: bool) -> std::io::Result<Writer> {
    Batched::start("sandbox-writer", move |batch: &[NewDeclaration]| {
        write_batch(&mut db, batch, accept_duplicates).map_err(|e| e.to_string())
    })
}

fn write_batch(
    db: &mut Connection,
    batch: &[NewDeclaration],
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
        for d in batch {
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
