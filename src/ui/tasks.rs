//! The bridge between frames and background work: a frame starts a task and
//! keeps a `Pending`; the task runs on the tokio runtime, sends its result and
//! asks for a repaint. A frame never waits.

use std::future::Future;
use std::sync::mpsc;

/// The runtime that runs everything slower than a millisecond.
pub struct Tasks {
    runtime: tokio::runtime::Runtime,
}

impl Tasks {
    pub fn new() -> Result<Self, String> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fla-task")
            .enable_all()
            .build()
            .map(|runtime| Tasks { runtime })
            .map_err(|e| format!("cannot start the background runtime: {e}"))
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
