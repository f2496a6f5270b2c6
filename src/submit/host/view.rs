//! The view the pages read in a frame: made from the store (the engine's
//! rows and progress, or the journal's before a connection) on a blocking
//! task, published as one `Arc` after each change, never made on the UI
//! thread.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Repaint, Shared, Store};
use crate::submit::engine::drafts::{Activity, DraftRow, Failure};
use crate::submit::engine::Progress;
use crate::submit::state::State;

/// What the pages read in a frame, published by the host after the rows
/// change (at most every [`PUBLISH_EVERY`] while a big run changes them all
/// the time) and before a command's outcome is told: made on the runtime,
/// read by a frame as one `Arc`.
#[derive(Debug, Default)]
pub struct View {
    /// Which store (journal or engine) it was read from, and its version then:
    /// changes whenever anything shown does.
    pub key: (u64, u64),
    /// Every row with its form, oldest first.
    pub rows: Arc<Vec<DraftRow>>,
    pub counts: BTreeMap<State, usize>,
    /// Every row with a failure, oldest first.
    pub failures: Vec<Failure>,
    /// The engine's work under way (nothing before a connection).
    pub progress: Progress,
    pub online: bool,
}

/// While a store of more than [`BIG`] rows keeps changing, its view is made
/// again at most this often (a frame needs no fresher rows than that).
pub const PUBLISH_EVERY: Duration = Duration::from_millis(100);
const BIG: usize = 2_000;

impl View {
    /// Reads `store` (off the UI thread: it takes the engine's lock and copies
    /// every row).
    fn of(generation: u64, store: &Store) -> View {
        let version = store.version();
        let rows = store.rows_with_forms();
        let (progress, online) = match store {
            Store::Online(e) => (e.progress(), true),
            _ => (Progress::default(), false),
        };
        let Activity { counts, failures } = Activity::of(&rows);
        View {
            key: (generation, version),
            rows: Arc::new(rows),
            counts,
            failures,
            progress,
            online,
        }
    }
}

/// Wakes the publisher on every change of the rows (until the store goes).
pub(super) fn publish_on_change(mut rx: tokio::sync::watch::Receiver<u64>, shared: &Arc<Shared>) {
    let shared = Arc::downgrade(shared);
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            shared.changed.notify_one();
        }
    });
}

/// Makes the view again from the store as it is now (on a blocking task: the
/// engine's lock, every row copied) and publishes it, unless a newer one was
/// published meanwhile.
pub(super) async fn publish(shared: &Arc<Shared>) {
    let (generation, store) = {
        let s = shared.store.read().unwrap_or_else(|e| e.into_inner());
        (s.0, s.1.handle())
    };
    let Ok(view) = tokio::task::spawn_blocking(move || View::of(generation, &store)).await else {
        return;
    };
    let replaced = {
        let mut current = shared
            .view
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if view.key < current.key {
            return;
        }
        std::mem::replace(&mut *current, Arc::new(view))
    };
    // The view replaced is let go at the next publish, here on the runtime: a
    // frame that held it meanwhile has let go of it by then, so its rows are
    // freed here, never by a frame.
    let older = shared
        .replaced
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .replace(replaced);
    drop(older);
}

/// Publishes a view whenever the rows changed, then asks for a repaint; a
/// big store that keeps changing is read at most every [`PUBLISH_EVERY`].
/// Ends with the host.
pub(super) async fn publisher(shared: std::sync::Weak<Shared>, repaint: Repaint) {
    let mut last: Option<Instant> = None;
    loop {
        let Some(strong) = shared.upgrade() else {
            return;
        };
        let published = strong.view();
        if strong.key() != published.key {
            if let Some(at) = last.filter(|_| published.rows.len() > BIG) {
                tokio::time::sleep(PUBLISH_EVERY.saturating_sub(at.elapsed())).await;
            }
            publish(&strong).await;
            last = Some(Instant::now());
            repaint();
            continue;
        }
        // Woken by a change; now and then anyway, to let a closed host go.
        let _ = tokio::time::timeout(Duration::from_millis(500), strong.changed.notified()).await;
    }
}
