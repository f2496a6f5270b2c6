//! The sandbox's Dimona store: its declarations and periods, in memory, kept
//! in the state folder as a snapshot (`dimona.json`, the whole store, as
//! sandboxes before the log wrote it on every POST) and a log beside it
//! (`dimona.log.jsonl`, JSON Lines: one line for each declaration taken, with
//! the period it opened or changed as it then stood).
//!
//! A declaration taken costs its line, not the whole store: the POSTs waiting
//! go through the sandbox's batched writer, one append and one fsync for all
//! of them, and each is answered 201 only once its line is on disk. At start
//! the log is replayed over the snapshot (the last line may be cut short by a
//! crash: it was never answered, and is dropped) and both are compacted into
//! the snapshot; while serving, the log is compacted when it holds as many
//! lines as the snapshot has declarations (and at least `COMPACT_AT_LEAST`), so
//! the snapshots written cost a constant per declaration over a run.
//! Replaying a line again over a snapshot that already holds it changes
//! nothing (a crash between a snapshot and the log's truncation).

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::dimona::wire::{Declaration, DeclarationStatus, Period};
use crate::identifiers::{normalised_enterprise, normalised_ssin};
use crate::sandbox::writer::Batched;
use crate::sandbox::SandboxError;

/// The whole store, in the state folder.
pub(crate) const SNAPSHOT_FILE: &str = "dimona.json";
/// What was taken since the snapshot, one line each, beside it.
pub(crate) const LOG_FILE: &str = "dimona.log.jsonl";
/// The log is compacted into the snapshot once it holds this many lines, or
/// as many as the snapshot holds declarations where that is more.
const COMPACT_AT_LEAST: usize = 10_000;

/// One declaration as the sandbox holds it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct Held {
    pub(super) declaration: Declaration,
    pub(super) status: DeclarationStatus,
    /// When it is processed (ms on the sandbox clock), and, for a worker not
    /// yet known, when its `S` becomes `A`.
    pub(super) due_ms: i64,
    pub(super) identified_ms: Option<i64>,
    /// The client that sent it: it reads back what it sent, even for an
    /// enterprise number that is no one's.
    #[serde(default)]
    pub(super) sender: String,
}

/// The sandbox's Dimona: its declarations and periods.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct DimonaStore {
    pub(super) declarations: BTreeMap<i64, Held>,
    pub(super) periods: BTreeMap<i64, Period>,
    /// The ids of each employer's and worker's periods (as the sandbox
    /// compares them), so that an In looks for an overlap among its worker's
    /// periods, not through all of them. Made again when the store is read.
    #[serde(skip)]
    by_worker: HashMap<(String, String), Vec<i64>>,
}

/// One line of the log: a declaration taken, and the period it opened or
/// changed as it stood once the declaration was processed.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Change {
    id: i64,
    held: Held,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    period: Option<Period>,
}

/// The writer of the log: a change queued is answered once it is on disk.
pub(crate) type DimonaLog = Batched<Change, ()>;

impl DimonaStore {
    fn next_declaration_id(&self) -> i64 {
        self.declarations.keys().next_back().map_or(1, |id| id + 1)
    }

    pub(super) fn next_period_id(&self) -> i64 {
        self.periods.keys().next_back().map_or(1, |id| id + 1)
    }

    /// How many declarations it holds (each `POST` that was taken).
    pub fn count(&self) -> usize {
        self.declarations.len()
    }

    /// Holds `held` under the next id: that id, and the change the log is to
    /// keep (the declaration, and the period its status names as it now
    /// stands: the one it opened, closed, changed or cancelled).
    pub(super) fn keep(&mut self, held: Held) -> (i64, Change) {
        let id = self.next_declaration_id();
        let period = held
            .status
            .period
            .as_ref()
            .and_then(|p| self.periods.get(&p.id))
            .cloned();
        self.declarations.insert(id, held.clone());
        (id, Change { id, held, period })
    }

    fn apply(&mut self, change: Change) {
        if let Some(period) = change.period {
            self.put_period(period);
        }
        self.declarations.insert(change.id, change.held);
    }

    /// Holds `period` (a new one, or one changed: its employer and worker
    /// never change).
    pub(super) fn put_period(&mut self, period: Period) {
        let id = period.id;
        if self.periods.insert(id, period).is_none() {
            if let Some(p) = self.periods.get(&id) {
                self.by_worker.entry(worker_of(p)).or_default().push(id);
            }
        }
    }

    /// The periods of `employer` and `worker` (normalised).
    pub(super) fn periods_of<'a>(
        &'a self,
        employer: &str,
        worker: &str,
    ) -> impl Iterator<Item = &'a Period> + 'a {
        self.by_worker
            .get(&(employer.to_owned(), worker.to_owned()))
            .into_iter()
            .flatten()
            .filter_map(|id| self.periods.get(id))
    }

    fn index(&mut self) {
        let mut by_worker: HashMap<(String, String), Vec<i64>> = HashMap::new();
        for (id, p) in &self.periods {
            by_worker.entry(worker_of(p)).or_default().push(*id);
        }
        self.by_worker = by_worker;
    }
}

/// A period's employer and worker, as the sandbox compares them.
fn worker_of(p: &Period) -> (String, String) {
    (
        normalised_enterprise(&p.employer.enterprise_number),
        normalised_ssin(&p.worker.ssin),
    )
}

/// The store kept in the state folder `dir` (empty where there is none), and
/// the writer of its log. The store is shared with the writer, which reads it
/// to compact. A damaged snapshot or log is said, never replaced silently.
pub(crate) fn open(dir: &Path) -> Result<(Arc<Mutex<DimonaStore>>, DimonaLog), SandboxError> {
    open_compacting_at(dir, COMPACT_AT_LEAST)
}

fn open_compacting_at(
    dir: &Path,
    at_least: usize,
) -> Result<(Arc<Mutex<DimonaStore>>, DimonaLog), SandboxError> {
    let files = Files {
        snapshot: dir.join(SNAPSHOT_FILE),
        log: dir.join(LOG_FILE),
        dir: dir.to_path_buf(),
    };
    let damaged = |path: &Path, detail: String| SandboxError::StateDamaged {
        path: path.display().to_string(),
        detail,
    };
    let save = |path: &Path, detail: String| SandboxError::Save {
        path: path.display().to_string(),
        detail,
    };
    let mut store = match std::fs::read(&files.snapshot) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| damaged(&files.snapshot, e.to_string()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => DimonaStore::default(),
        Err(e) => return Err(damaged(&files.snapshot, e.to_string())),
    };
    store.index();
    let replayed = replay(&files.log, &mut store).map_err(|e| damaged(&files.log, e))?;
    let file = if replayed {
        let snapshot =
            serde_json::to_vec(&store).map_err(|e| save(&files.snapshot, e.to_string()))?;
        files
            .compact(&snapshot)
            .map_err(|e| save(&files.snapshot, e))?
    } else {
        files
            .empty_log()
            .map_err(|e| save(&files.log, e.to_string()))?
    };
    let compact_at = at_least.max(store.count());
    let store = Arc::new(Mutex::new(store));
    let mut writer = LogWriter {
        files,
        file,
        len: 0,
        logged: 0,
        at_least,
        compact_at,
        must_compact: false,
        store: store.clone(),
    };
    let log = Batched::start("sandbox-dimona-log", move |batch: &[Change]| {
        writer.commit(batch)
    })
    .map_err(|e| save(dir, e.to_string()))?;
    Ok((store, log))
}

/// Applies the log at `path` to `store`: whether there was one to apply. Every
/// line ended by a newline must be a change; a last one without it is a write
/// a crash cut short (never answered) and is dropped.
fn replay(path: &Path, store: &mut DimonaStore) -> Result<bool, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    let ended = bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |last| last + 1);
    for (n, line) in bytes[..ended].split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let change: Change =
            serde_json::from_slice(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        store.apply(change);
    }
    Ok(!bytes.is_empty())
}

/// Where a state folder keeps Dimona.
struct Files {
    snapshot: PathBuf,
    log: PathBuf,
    dir: PathBuf,
}

impl Files {
    /// The log emptied (created where there was none), readable by the user
    /// only, ready to be appended to.
    fn empty_log(&self) -> std::io::Result<std::fs::File> {
        let file = crate::files::private_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&self.log)?;
        file.sync_all()?;
        Ok(file)
    }

    /// Writes `snapshot` (the whole store) in place of the snapshot, then
    /// empties the log: in this order, so that a crash in between leaves
    /// lines the snapshot holds already, which replay to the same store.
    fn compact(&self, snapshot: &[u8]) -> Result<std::fs::File, String> {
        crate::files::write_private(&self.snapshot, snapshot).map_err(|e| e.to_string())?;
        sync_dir(&self.dir).map_err(|e| e.to_string())?;
        self.empty_log().map_err(|e| e.to_string())
    }
}

/// The snapshot's rename on disk before the log is emptied (Unix; elsewhere
/// the rename is as durable as the system makes it).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The log's writer, on the batched writer's thread.
struct LogWriter {
    files: Files,
    file: std::fs::File,
    /// The log's length: where the next batch goes, and what a failed write
    /// is cut back to.
    len: u64,
    /// Lines in the log since the last compaction.
    logged: usize,
    at_least: usize,
    compact_at: usize,
    /// A batch failed to be written: its declarations are in memory (as
    /// before the log, a 503 does not take them back), so the next batch
    /// written compacts, and the snapshot keeps them.
    must_compact: bool,
    store: Arc<Mutex<DimonaStore>>,
}

impl LogWriter {
    /// Appends `batch` and waits until it is on disk; compacts when due.
    fn commit(&mut self, batch: &[Change]) -> Result<Vec<()>, String> {
        let mut lines = Vec::with_capacity(batch.len() * 512);
        for change in batch {
            serde_json::to_writer(&mut lines, change).map_err(|e| e.to_string())?;
            lines.push(b'\n');
        }
        let written = self
            .file
            .write_all(&lines)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            self.must_compact = true;
            // A line cut short would make the lines after it unreadable.
            let _ = self.file.set_len(self.len);
            let _ = std::io::Seek::seek(&mut self.file, std::io::SeekFrom::Start(self.len));
            return Err(format!("cannot write {}: {e}", self.files.log.display()));
        }
        self.len += u64::try_from(lines.len()).unwrap_or(u64::MAX);
        self.logged += batch.len();
        if self.must_compact || self.logged >= self.compact_at {
            // The batch is on disk whatever becomes of the compaction: one
            // that fails is tried again after as many lines more.
            if self.compact().is_err() {
                self.compact_at = self.logged.saturating_mul(2);
            }
        }
        Ok(vec![(); batch.len()])
    }

    fn compact(&mut self) -> Result<(), String> {
        let (snapshot, count) = {
            let store = self
                .store
                .lock()
                .map_err(|_| "the Dimona store's lock is poisoned".to_owned())?;
            let snapshot = serde_json::to_vec(&*store).map_err(|e| e.to_string())?;
            (snapshot, store.count())
        };
        self.file = self.files.compact(&snapshot)?;
        self.len = 0;
        self.logged = 0;
        self.must_compact = false;
        self.compact_at = self.at_least.max(count);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dimona::wire::{DimonaResult, PeriodRef};

    fn held(period: Option<i64>) -> Held {
        let declaration: Declaration = serde_json::from_value(serde_json::json!({
            "employer": {"enterpriseNumber": "0403170701"},
            "worker": {"ssin": "85073003328"},
            "dimonaIn": {
                "startDate": "2026-12-07",
                "features": {"jointCommissionNumber": "200", "workerType": "OTH"}
            }
        }))
        .unwrap();
        Held {
            declaration,
            status: DeclarationStatus {
                result: DimonaResult::A,
                period: period.map(|id| PeriodRef { id }),
                anomalies: vec![],
            },
            due_ms: 0,
            identified_ms: None,
            sender: "me".into(),
        }
    }

    fn period(id: i64, end: Option<&str>) -> Period {
        serde_json::from_value(serde_json::json!({
            "id": id,
            "employer": {"enterpriseNumber": "0403170701"},
            "worker": {"ssin": "85073003328"},
            "startDate": "2026-12-07",
            "endDate": end,
            "features": {"jointCommissionNumber": "200", "workerType": "OTH"},
            "status": if end.is_some() { "CLOSED" } else { "OPEN" },
        }))
        .unwrap()
    }

    /// Takes `n` declarations, each opening a period, the last closing the
    /// first period, through the log.
    fn take(store: &Mutex<DimonaStore>, log: &DimonaLog, n: i64) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut queued = vec![];
        for i in 1..=n {
            let mut s = store.lock().unwrap();
            let id = s.next_period_id();
            s.put_period(period(id, None));
            let (_, change) = s.keep(held(Some(id)));
            queued.push(log.queue(change));
            if i == n {
                s.put_period(period(1, Some("2026-12-31")));
                let (_, change) = s.keep(held(Some(1)));
                queued.push(log.queue(change));
            }
        }
        for q in queued {
            runtime.block_on(q.committed()).unwrap();
        }
    }

    /// A state folder where `n` declarations were taken (and one more), its
    /// log compacted at `at_least` lines; the store as it stood.
    fn taken(n: i64, at_least: usize) -> (tempfile::TempDir, Arc<Mutex<DimonaStore>>) {
        let dir = tempfile::tempdir().unwrap();
        let (store, log) = open_compacting_at(dir.path(), at_least).unwrap();
        take(&store, &log, n);
        (dir, store)
    }

    #[test]
    fn what_is_taken_is_kept_through_the_log_compacted_as_it_grows() {
        let (dir, _) = taken(50, 8);
        // Compacted on the way: the log holds fewer lines than were taken.
        let lines = std::fs::read_to_string(dir.path().join(LOG_FILE))
            .unwrap()
            .lines()
            .count();
        assert!(lines < 51, "{lines} lines: never compacted");
        let (again, _log) = open_compacting_at(dir.path(), 8).unwrap();
        let again = again.lock().unwrap();
        assert_eq!(again.count(), 51);
        assert_eq!(again.periods.len(), 50);
        assert_eq!(again.periods[&1].end_date.as_deref(), Some("2026-12-31"));
        // The worker's periods found again, as an In's overlap looks for them.
        assert_eq!(again.periods_of("0403170701", "85073003328").count(), 50);
        assert_eq!(again.periods_of("0403170701", "90022212345").count(), 0);
        // Compacted at start: the log is empty, the snapshot holds it all.
        assert_eq!(
            std::fs::metadata(dir.path().join(LOG_FILE)).unwrap().len(),
            0
        );
    }

    #[test]
    fn a_last_line_cut_short_is_dropped_and_a_damaged_line_is_said() {
        let (dir, _) = taken(3, COMPACT_AT_LEAST);
        let path = dir.path().join(LOG_FILE);
        let mut text = std::fs::read(&path).unwrap();
        let whole = text.clone();
        text.extend_from_slice(br#"{"id":5,"held":{"decl"#);
        std::fs::write(&path, &text).unwrap();
        let (again, _log) = open(dir.path()).unwrap();
        assert_eq!(again.lock().unwrap().count(), 4);
        // A line in the middle that is not a change: damaged, said.
        let mut damaged = b"{\"id\":\n".to_vec();
        damaged.extend_from_slice(&whole);
        std::fs::write(&path, &damaged).unwrap();
        let Err(err) = open(dir.path()) else {
            panic!("a damaged log was taken")
        };
        assert_eq!(err.code(), "state_damaged", "{err}");
    }

    #[test]
    fn lines_replayed_over_a_snapshot_that_holds_them_change_nothing() {
        let (dir, store) = taken(4, COMPACT_AT_LEAST);
        // A crash after the snapshot, before the log was emptied.
        let lines = std::fs::read(dir.path().join(LOG_FILE)).unwrap();
        let snapshot = serde_json::to_vec(&*store.lock().unwrap()).unwrap();
        std::fs::write(dir.path().join(SNAPSHOT_FILE), snapshot).unwrap();
        std::fs::write(dir.path().join(LOG_FILE), lines).unwrap();
        let (again, _log) = open(dir.path()).unwrap();
        let again = again.lock().unwrap();
        assert_eq!(again.count(), 5);
        assert_eq!(again.periods.len(), 4);
        assert_eq!(again.periods[&1].end_date.as_deref(), Some("2026-12-31"));
    }
}
