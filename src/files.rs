//! The file edge of the library: reading an input file and writing an output
//! file without ever leaving a half-written one behind, files private to the
//! user, and CSV cells that run nothing. Errors are [`FileError`]s, said the
//! same way by both fronts.

use std::path::Path;

use crate::i18n::{tr_args, Lang};

/// What the system said went wrong, as a kind the app says in the user's
/// language (the system's own text, English on most systems, goes to the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IoKind {
    NotFound,
    PermissionDenied,
    DiskFull,
    IsADirectory,
    ReadOnly,
    /// Anything else: the system's text is all there is to say.
    #[default]
    Other,
}

impl IoKind {
    pub fn of(e: &std::io::Error) -> IoKind {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::NotFound => IoKind::NotFound,
            K::PermissionDenied => IoKind::PermissionDenied,
            K::StorageFull | K::QuotaExceeded => IoKind::DiskFull,
            K::IsADirectory => IoKind::IsADirectory,
            K::ReadOnlyFilesystem => IoKind::ReadOnly,
            _ => IoKind::Other,
        }
    }

    /// What went wrong in `lang`: the kind's own words, or the system's text
    /// (`detail`) where the kind is not one the app knows.
    pub fn describe(self, lang: Lang, detail: &str) -> String {
        let key = match self {
            IoKind::NotFound => "error.io.not_found",
            IoKind::PermissionDenied => "error.io.permission_denied",
            IoKind::DiskFull => "error.io.disk_full",
            IoKind::IsADirectory => "error.io.is_a_directory",
            IoKind::ReadOnly => "error.io.read_only",
            IoKind::Other => return detail.to_owned(),
        };
        crate::i18n::tr(lang, key)
    }
}

/// Why a file could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum FileError {
    /// The file could not be read.
    Unreadable {
        path: String,
        /// The system's text (for the log).
        detail: String,
        kind: IoKind,
    },
    /// The file could not be written.
    WriteFailed {
        path: String,
        detail: String,
        kind: IoKind,
    },
}

impl FileError {
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Unreadable { .. } => "unreadable",
            FileError::WriteFailed { .. } => "write_failed",
        }
    }

    /// What happened and what to do, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let (key, path) = match self {
            FileError::Unreadable { path, .. } => ("error.unreadable", path),
            FileError::WriteFailed { path, .. } => ("error.write_failed", path),
        };
        tr_args(
            lang,
            key,
            &[("path", path.clone()), ("detail", self.cause(lang))],
        )
    }

    /// What went wrong, in `lang` (the system's text only where its kind is
    /// not one the app knows).
    pub fn cause(&self, lang: Lang) -> String {
        match self {
            FileError::Unreadable { detail, kind, .. }
            | FileError::WriteFailed { detail, kind, .. } => kind.describe(lang, detail),
        }
    }

    /// The system's own text, for the log.
    pub fn detail(&self) -> &str {
        match self {
            FileError::Unreadable { detail, .. } | FileError::WriteFailed { detail, .. } => detail,
        }
    }
}

/// A cell as a spreadsheet may be given it: text that a spreadsheet would take
/// for a formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage
/// return) gets a leading `'`, so Excel or LibreOffice shows it and runs
/// nothing (OWASP's advice on CSV injection). Every CSV the project writes
/// goes through [`write_csv_record`].
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// Writes one CSV record, each cell made [`spreadsheet_safe`].
pub fn write_csv_record<W: std::io::Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    record: impl IntoIterator<Item = S>,
) -> Result<(), csv::Error> {
    w.write_record(
        record
            .into_iter()
            .map(|cell| spreadsheet_safe(cell.as_ref()).into_owned()),
    )
}

/// Reads a whole input file (a PKCS#12 file is a few kilobytes).
pub fn read_input(path: &Path) -> Result<Vec<u8>, FileError> {
    std::fs::read(path).map_err(|e| FileError::Unreadable {
        path: path.display().to_string(),
        detail: e.to_string(),
        kind: IoKind::of(&e),
    })
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a
/// rename, so that a crash or a full disk never leaves a truncated file under the
/// final name.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    through_part_file(path, |tmp| write_synced(tmp, bytes, false))
}

/// As [`write_atomically`], readable and writable by the user only (0600 on
/// Unix; on Windows the file inherits the user's own profile folder's access):
/// for what holds addresses, keys or personal data.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    through_part_file(path, |tmp| write_synced(tmp, bytes, true))
}

/// Options that create a file readable by the user only (0600 on Unix), for a
/// log or a database opened in place.
pub fn private_options() -> std::fs::OpenOptions {
    #[allow(unused_mut)]
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
}

/// Makes sure `path` exists, created empty and owner-only if it did not (a
/// database then opened there keeps those permissions, as do its companions).
pub fn ensure_private_file(path: &Path) -> std::io::Result<()> {
    match create_new(path, true) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates `path` new (owner-only where `private`), ready to be written.
fn create_new(path: &Path, private: bool) -> std::io::Result<std::fs::File> {
    let mut options = if private {
        private_options()
    } else {
        std::fs::OpenOptions::new()
    };
    options.write(true).create_new(true).open(path)
}

/// Writes `bytes` to a new file at `path` and waits until they are on disk
/// (a rename after it never names a file whose content is not there yet).
fn write_synced(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = create_new(path, private)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Writes `path` by `write` into a temporary file beside it (a name of its
/// own, so two writers never share one), then renames it into place; the
/// temporary file is removed on any failure.
fn through_part_file(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let fail = |e: std::io::Error| FileError::WriteFailed {
        path: path.display().to_string(),
        detail: e.to_string(),
        kind: IoKind::of(&e),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| fail(std::io::Error::other("the path names no file")))?;
    let mut tmp_name = file_name.to_os_string();
    tmp_name.push(format!(".{}.part", uuid::Uuid::new_v4().simple()));
    let tmp = path.with_file_name(tmp_name);
    if let Err(e) = write(&tmp).and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}

/// As [`write_atomically`], the file written by `write` as it goes (a report of
/// a million rows is never all in memory).
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), FileError> {
    through_part_file(path, |tmp| {
        let mut out = std::io::BufWriter::new(create_new(tmp, false)?);
        write(&mut out)?;
        use std::io::Write as _;
        out.flush()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    })
}

/// How the journal names the file rows come from: the file's canonical path, or
/// the path as given where it cannot be resolved. It asks the file system: call
/// it off the UI thread.
pub fn file_source(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn private_files_are_the_users_alone_and_replace_what_was_there() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("endpoint.json");
        write_atomically(&path, b"old").unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        // Nothing left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        for formula in [
            "=HYPERLINK(\"http://evil.example\",\"klik\")",
            "+CMD-1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        for plain in ["HR-2026-001", "", "42", "a=b", "Excel voor gevorderden"] {
            assert_eq!(spreadsheet_safe(plain), plain);
        }
    }

    #[test]
    fn a_file_not_found_is_said_in_the_users_language_not_the_systems() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("loonlijst.csv");
        let e = read_input(&missing).unwrap_err();
        assert!(matches!(
            e,
            FileError::Unreadable {
                kind: IoKind::NotFound,
                ..
            }
        ));
        let fr = e.message(Lang::Fr);
        assert!(fr.contains("n'existe pas"), "{fr}");
        assert!(!fr.contains("os error"), "{fr}");
        assert!(e.message(Lang::Nl).contains("bestaat niet"));
        // The system's own text is kept for the log.
        assert!(e.detail().contains("os error"), "{}", e.detail());
        // A folder where a file is to be written.
        let e = write_atomically(dir.path(), b"x").unwrap_err();
        assert!(
            !e.message(Lang::Nl).contains("os error"),
            "{}",
            e.message(Lang::Nl)
        );
    }
}
