//! One owner per journal: whoever opens a declarations journal (the app,
//! `submit`, `declare`) holds an OS file lock beside it for as long as it works
//! on it, so two runs never send the same rows. The lock is the operating
//! system's (released when the process ends, even by a crash): no PID file
//! that outlives its process. Who holds it is written next to it, so that the
//! second opener can say who to wait for. This module must not touch SQLite.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How long a second opener waits for the journal before it gives up.
pub const LOCK_WAIT: Duration = Duration::from_secs(3);

/// How often the second opener tries again while it waits.
const LOCK_RETRY: Duration = Duration::from_millis(100);

/// Who works on a journal: said to whoever finds it in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// The desktop app (its Declarations and Bulk pages).
    App,
    /// `fla-assistant submit`.
    Submit,
    /// `fla-assistant declare`.
    Declare,
    /// Anything else of this program (tests, tools).
    Other,
}

impl Holder {
    pub fn code(self) -> &'static str {
        match self {
            Holder::App => "app",
            Holder::Submit => "submit",
            Holder::Declare => "declare",
            Holder::Other => "other",
        }
    }
}

/// What the owner writes beside the lock: who, since when, which process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerNote {
    pub holder: Holder,
    /// When it took the journal (Unix seconds).
    pub since: i64,
    pub pid: u32,
}

/// The lock on one journal, held until dropped (or the process ends).
#[derive(Debug)]
pub struct JournalLock {
    file: File,
    note: PathBuf,
}

impl Drop for JournalLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.note);
        let _ = self.file.unlock();
    }
}

impl JournalLock {
    /// Lets the journal go as the end of the process would, while this value
    /// lives on: for tests that simulate a crash inside one process (a leaked
    /// engine whose runtime is gone). Nothing else calls it.
    #[doc(hidden)]
    pub fn release_as_if_crashed(&self) {
        let _ = self.file.unlock();
    }
}

/// The lock file of a journal (`declarations.sqlite.lock`).
pub fn lock_path(journal: &Path) -> PathBuf {
    sibling(journal, "lock")
}

/// The note of who holds it (`declarations.sqlite.owner`): a file of its own,
/// because on Windows a locked file cannot be read by others.
pub fn note_path(journal: &Path) -> PathBuf {
    sibling(journal, "owner")
}

fn sibling(journal: &Path, ext: &str) -> PathBuf {
    let mut name = journal
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".");
    name.push(ext);
    journal.with_file_name(name)
}

/// Why the journal could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another run holds it (who, where it said).
    InUse(Option<OwnerNote>),
    /// The lock file could not be made or locked.
    Io(std::io::Error),
}

/// Takes the journal at `journal` for `holder`, waiting up to `wait` while
/// another run holds it.
pub fn acquire(journal: &Path, holder: Holder, wait: Duration) -> Result<JournalLock, LockError> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(lock_path(journal))
        .map_err(LockError::Io)?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                if start.elapsed() >= wait {
                    return Err(LockError::InUse(read_note(journal)));
                }
                std::thread::sleep(LOCK_RETRY);
            }
            Err(TryLockError::Error(e)) => return Err(LockError::Io(e)),
        }
    }
    let note = OwnerNote {
        holder,
        since: time::OffsetDateTime::now_utc().unix_timestamp(),
        pid: std::process::id(),
    };
    let note_file = note_path(journal);
    // Only a help for the message of whoever waits: a failure to write it
    // does not stop the owner.
    if let Ok(text) = serde_json::to_vec(&note) {
        if let Ok(mut f) = File::create(&note_file) {
            let _ = f.write_all(&text);
        }
    }
    Ok(JournalLock {
        file,
        note: note_file,
    })
}

/// Who holds the journal, as its owner wrote it (none where it cannot be read).
pub fn read_note(journal: &Path) -> Option<OwnerNote> {
    let bytes = std::fs::read(note_path(journal)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_opener_is_told_who_holds_the_journal_and_gets_it_once_free() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("declarations.sqlite");
        let first = acquire(&journal, Holder::Submit, LOCK_WAIT).unwrap();
        let Err(LockError::InUse(Some(note))) =
            acquire(&journal, Holder::App, Duration::from_millis(200))
        else {
            panic!("the journal was taken twice")
        };
        assert_eq!(note.holder, Holder::Submit);
        assert_eq!(note.pid, std::process::id());
        drop(first);
        let again = acquire(&journal, Holder::App, Duration::from_millis(200)).unwrap();
        assert_eq!(read_note(&journal).unwrap().holder, Holder::App);
        drop(again);
        assert!(read_note(&journal).is_none(), "the note goes with the lock");
    }

    #[test]
    fn a_waiting_opener_gets_the_journal_when_the_owner_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("declarations.sqlite");
        let first = acquire(&journal, Holder::Submit, LOCK_WAIT).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(first);
        });
        acquire(&journal, Holder::Declare, Duration::from_secs(10)).unwrap();
        releaser.join().unwrap();
    }
}
