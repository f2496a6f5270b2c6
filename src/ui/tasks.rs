//! The bridge between frames and background work: a frame starts a task and
//! keeps a `Pending`; the task runs on the tokio runtime, sends its result and
//! asks for a repaint. A frame never waits.

use std::future::Future;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{mpsc, Arc};

/// The runtime that runs everything slower than a millisecond.
pub struct Tasks {
    runtime: tokio::runtime::Runtime,
    /// Whether the system can show a file dialog: found out once, on the
    /// runtime, as the app starts (see [`FileDialog`]).
    file_dialog: Arc<AtomicU8>,
}

/// Whether the system shows a file dialog. rfd answers `None` both when the
/// user cancels and when there is no dialog to show (on Linux: no
/// xdg-desktop-portal and no zenity; rfd issue #320), so the app finds out up
/// front and, where there is none, says so and leaves the path field to type in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileDialog {
    /// Not known yet (the probe runs): try the dialog.
    Unknown,
    Available,
    Missing,
}

impl FileDialog {
    fn from_u8(value: u8) -> FileDialog {
        match value {
            1 => FileDialog::Available,
            2 => FileDialog::Missing,
            _ => FileDialog::Unknown,
        }
    }

    fn as_u8(self) -> u8 {
        match self {
            FileDialog::Unknown => 0,
            FileDialog::Available => 1,
            FileDialog::Missing => 2,
        }
    }
}

impl Tasks {
    pub fn new() -> Result<Self, String> {
        let tasks = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fla-task")
            .enable_all()
            .build()
            .map(|runtime| Tasks {
                runtime,
                file_dialog: Arc::new(AtomicU8::new(0)),
            })
            .map_err(|e| format!("cannot start the background runtime: {e}"))?;
        let found = Arc::clone(&tasks.file_dialog);
        tasks.runtime.spawn(async move {
            let answer = if file_dialog_available().await {
                FileDialog::Available
            } else {
                FileDialog::Missing
            };
            // A value set meanwhile (by a test) stays.
            let _ = found.compare_exchange(0, answer.as_u8(), Ordering::SeqCst, Ordering::SeqCst);
        });
        Ok(tasks)
    }

    /// Whether the system shows a file dialog, as far as known.
    pub fn file_dialog(&self) -> FileDialog {
        FileDialog::from_u8(self.file_dialog.load(Ordering::SeqCst))
    }

    /// Sets what the probe would find (tests: a system with or without a dialog).
    pub fn assume_file_dialog(&self, dialog: FileDialog) {
        self.file_dialog.store(dialog.as_u8(), Ordering::SeqCst);
    }

    /// The runtime, for the library's own long-lived work (the engine's host).
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        self.runtime.handle()
    }

    /// Starts a future on the runtime and lets it run by itself (the
    /// declarations' worker, the engine's repaints).
    pub fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        self.runtime.spawn(work);
    }

    /// Runs blocking work (a PBKDF2 with 600,000 rounds, a file read) off the UI thread.
    pub fn blocking<T: Send + 'static>(
        &self,
        ctx: &egui::Context,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Pending<T> {
        let (tx, rx) = mpsc::channel();
        let ctx = ctx.clone();
        self.runtime.spawn_blocking(move || {
            // The receiver may be gone (page closed); the result is then unwanted.
            let _ = tx.send(work());
            ctx.request_repaint();
        });
        Pending { rx }
    }

    /// Runs a future (a file dialog, a request) on the runtime.
    pub fn run<T: Send + 'static>(
        &self,
        ctx: &egui::Context,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Pending<T> {
        let (tx, rx) = mpsc::channel();
        let ctx = ctx.clone();
        self.runtime.spawn(async move {
            let _ = tx.send(work.await);
            ctx.request_repaint();
        });
        Pending { rx }
    }
}

/// A result that is on its way.
pub struct Pending<T> {
    rx: mpsc::Receiver<T>,
}

/// What a poll of a `Pending` found.
pub enum Poll<T> {
    Ready(T),
    Waiting,
    /// The task ended without a result (it panicked): say so rather than spin forever.
    Lost,
}

impl<T> Pending<T> {
    pub fn poll(&self) -> Poll<T> {
        match self.rx.try_recv() {
            Ok(value) => Poll::Ready(value),
            Err(mpsc::TryRecvError::Empty) => Poll::Waiting,
            Err(mpsc::TryRecvError::Disconnected) => Poll::Lost,
        }
    }
}

/// Polls the work in `slot`: `None` while it runs (or when there is none);
/// `Some(Some(result))` once it is done and `Some(None)` if it was lost. Either
/// way the slot is emptied once the work has ended.
pub fn poll_slot<T>(slot: &mut Option<Pending<T>>) -> Option<Option<T>> {
    let ended = match slot.as_ref()?.poll() {
        Poll::Waiting => return None,
        Poll::Ready(value) => Some(value),
        Poll::Lost => None,
    };
    *slot = None;
    Some(ended)
}

/// Whether rfd can show a file dialog here. On Windows and macOS the system
/// always has one. On Linux rfd asks the xdg-desktop-portal over the session
/// bus, then falls back to `zenity`: there is a dialog if the portal runs or
/// can be started on the bus, or `zenity` is on the PATH.
async fn file_dialog_available() -> bool {
    #[cfg(target_os = "linux")]
    {
        if std::env::var_os("PATH").is_some_and(|paths| program_in(&paths, "zenity")) {
            return true;
        }
        let probe = async {
            const PORTAL: &str = "org.freedesktop.portal.Desktop";
            let connection = zbus::Connection::session().await.ok()?;
            let bus = zbus::fdo::DBusProxy::new(&connection).await.ok()?;
            let name = zbus::names::BusName::try_from(PORTAL).ok()?;
            if bus.name_has_owner(name).await.unwrap_or(false) {
                return Some(true);
            }
            let activatable = bus.list_activatable_names().await.ok()?;
            Some(activatable.iter().any(|n| n.as_str() == PORTAL))
        };
        // A bus that does not answer shows no dialog either.
        tokio::time::timeout(std::time::Duration::from_secs(3), probe)
            .await
            .ok()
            .flatten()
            .unwrap_or(false)
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// Whether an executable file named `name` is in one of the folders of
/// `paths` (a PATH value).
#[cfg(target_os = "linux")]
fn program_in(paths: &std::ffi::OsStr, name: &str) -> bool {
    std::env::split_paths(paths).any(|dir| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(dir.join(name))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn zenity_is_found_only_as_an_executable_on_the_path() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("fla-path-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let zenity = dir.join("zenity");
        std::fs::write(&zenity, "#!/bin/sh\n").unwrap();
        let paths = std::env::join_paths(["/nowhere".into(), dir.clone()]).unwrap();
        std::fs::set_permissions(&zenity, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(!program_in(&paths, "zenity"), "a file that cannot run");
        std::fs::set_permissions(&zenity, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(program_in(&paths, "zenity"));
        assert!(!program_in(&paths, "kdialog"));
        assert!(!program_in(std::ffi::OsStr::new(""), "zenity"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_probe_answers_and_a_test_can_set_the_answer() {
        let tasks = Tasks::new().unwrap();
        let start = std::time::Instant::now();
        while tasks.file_dialog() == FileDialog::Unknown {
            assert!(start.elapsed().as_secs() < 10, "the probe never answered");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        tasks.assume_file_dialog(FileDialog::Missing);
        assert_eq!(tasks.file_dialog(), FileDialog::Missing);
        tasks.assume_file_dialog(FileDialog::Available);
        assert_eq!(tasks.file_dialog(), FileDialog::Available);
    }
}
