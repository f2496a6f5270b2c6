//! The submission engine's life in the app: made once a token source can be
//! made (the Connection page's), kept across clicks and pages on the app's
//! runtime, so results are applied whichever page is on screen; before that,
//! the journal's drafts without an engine; one journal per environment and
//! server, switched, closed and requeued here. Commands run on the runtime in
//! the order they were given, each written once for both stores (see
//! [`DraftStore`]). The pages read a published [`View`]: the rows and the
//! engine's progress, made on the runtime after each change; a frame takes no
//! lock of the engine's and never waits on SQLite.
//! Knows nothing of egui: the app gives it a runtime and a way to repaint.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Asks the app to draw again (its rows or outcomes changed).
pub type Repaint = Arc<dyn Fn() + Send + Sync>;

use crate::channel::env::EnvironmentKind;
use crate::fla::client::{FlaClient, TokenSource};
use crate::fla::wire::SearchRequest;
use crate::i18n::Lang;
use crate::submit::engine::drafts::{Activity, DraftError, DraftJournal, DraftRow, FetchSummary};
use crate::submit::engine::{Engine, EngineConfig, NewDeclaration, RowId, SendSummary};
use crate::submit::journal::{DraftForm, OpenAs, RowError};
use crate::submit::owner::Holder;
use crate::submit::state::State;

/// What the page asks of the engine.
#[derive(Debug, Clone)]
pub enum DeclarationCommand {
    New(DraftForm),
    /// One declaration per form (one per worker), each checked at once.
    NewMany(Vec<DraftForm>),
    Save(RowId, DraftForm),
    Delete(RowId),
    Duplicate(RowId),
    Correct(RowId),
    Submit(Vec<RowId>),
    CheckAgain(Vec<RowId>),
    Cancel(RowId),
    Fetch(SearchRequest),
    /// The valid rows of a file (Bulk page), stored then sent as `submit`
    /// does: a row without a reference already stored from the same file and
    /// row is sent again, not added twice.
    Import(Vec<NewDeclaration>),
}

/// What came of a command, for the page.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A new row to open in the editor.
    Opened(RowId),
    /// Rows made at once (one per worker), not opened.
    Made(Vec<RowId>),
    Sent(SendSummary),
    Fetched(FetchSummary),
    /// Rendered when drawn, in the language of the moment.
    Failed(crate::i18n::Msg),
}

/// A draft call's error, said in the language of the moment.
fn failed(e: DraftError) -> Outcome {
    Outcome::Failed(crate::i18n::Msg::from_fn(move |lang| e.message(lang)))
}

pub mod service;
mod view;
use view::{publish, publish_on_change, publisher};
pub use view::{View, PUBLISH_EVERY};

enum Store {
    Closed,
    Offline(Arc<DraftJournal>),
    Online(Engine),
}

impl Store {
    fn version(&self) -> u64 {
        match self {
            Store::Closed => 0,
            Store::Offline(d) => d.version(),
            Store::Online(e) => e.version(),
        }
    }

    /// Every row with its form, as the store holds it now (from memory).
    fn rows_with_forms(&self) -> Vec<DraftRow> {
        match self {
            Store::Closed => Vec::new(),
            Store::Offline(d) => d.rows_with_forms(),
            Store::Online(e) => e.rows_with_forms(),
        }
    }

    /// Another handle on the same store (to read it off the lock).
    fn handle(&self) -> Store {
        match self {
            Store::Closed => Store::Closed,
            Store::Offline(d) => Store::Offline(d.clone()),
            Store::Online(e) => Store::Online(e.clone()),
        }
    }
}

struct Shared {
    store: RwLock<(u64, Store)>,
    /// The last view published (the lock held only to swap or clone the `Arc`).
    view: Mutex<Arc<View>>,
    /// Wakes the publisher: the rows changed.
    changed: tokio::sync::Notify,
    /// The view last replaced, let go at the next publish (see `view::publish`).
    replaced: Mutex<Option<Arc<View>>>,
    /// Where what a page lets go of is dropped (see `DeclarationsHost::let_go`).
    runtime: Mutex<Option<tokio::runtime::Handle>>,
    /// Commands given and not yet done (with the journal's opening).
    busy: AtomicUsize,
    outcomes: std::sync::Mutex<mpsc::Sender<Outcome>>,
    /// The journal could not be opened (another run holds it, or the file
    /// failed): the page says so and offers to try again.
    open_failed: std::sync::Mutex<Option<crate::i18n::Msg>>,
    /// Sending is to be restarted: the next `keep_engine` makes a new engine.
    restart: std::sync::atomic::AtomicBool,
}

impl Shared {
    fn set(&self, store: Store) {
        let mut s = self.store.write().unwrap_or_else(|e| e.into_inner());
        s.0 += 1;
        s.1 = store;
    }

    /// The store's generation and version now (cheap).
    fn key(&self) -> (u64, u64) {
        let s = self.store.read().unwrap_or_else(|e| e.into_inner());
        (s.0, s.1.version())
    }

    fn view(&self) -> Arc<View> {
        self.view
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn tell(&self, outcome: Outcome) {
        let tx = self.outcomes.lock().unwrap_or_else(|e| e.into_inner());
        // The page may be gone (app closing): nobody to tell.
        let _ = tx.send(outcome);
    }
}

enum WorkerMsg {
    Connect {
        source: Box<TokenSource>,
        lang: Lang,
    },
    Cmd(Box<DeclarationCommand>),
    /// Another environment or server: its journal instead (the engine
    /// closed first).
    Journal(PathBuf, Box<OpenAs>),
    /// Try again to open the journal (another run held it).
    Reopen,
}

/// The app's engine (or, before a connection, its journal), and the worker
/// that applies the page's commands.
pub struct DeclarationsHost {
    data_dir: PathBuf,
    /// The environment whose journal is open (one journal per environment).
    environment: EnvironmentKind,
    /// The server whose rows it shows (one journal per server).
    server: String,
    journal_path: PathBuf,
    shared: Arc<Shared>,
    tx: Option<tokio::sync::mpsc::UnboundedSender<WorkerMsg>>,
    outcomes: mpsc::Receiver<Outcome>,
    /// The connection the engine was made for.
    key: Option<String>,
}

impl DeclarationsHost {
    pub fn new(data_dir: PathBuf) -> Self {
        let (otx, orx) = mpsc::channel();
        let environment = EnvironmentKind::default();
        DeclarationsHost {
            journal_path: data_dir.join(crate::submit::journal::file_name(environment)),
            data_dir,
            server: OpenAs::for_environment(environment).server,
            environment,
            shared: Arc::new(Shared {
                store: RwLock::new((0, Store::Closed)),
                view: Mutex::new(Arc::default()),
                changed: tokio::sync::Notify::new(),
                replaced: Mutex::new(None),
                runtime: Mutex::new(None),
                busy: AtomicUsize::new(0),
                outcomes: std::sync::Mutex::new(otx),
                open_failed: std::sync::Mutex::new(None),
                restart: std::sync::atomic::AtomicBool::new(false),
            }),
            tx: None,
            outcomes: orx,
            key: None,
        }
    }

    /// Starts the worker (once) and opens the journal.
    pub fn start(&mut self, runtime: &tokio::runtime::Handle, repaint: Repaint) {
        if self.tx.is_some() {
            return;
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.tx = Some(tx);
        *self
            .shared
            .runtime
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(runtime.clone());
        self.shared.busy.fetch_add(1, Ordering::SeqCst);
        runtime.spawn(publisher(Arc::downgrade(&self.shared), repaint.clone()));
        runtime.spawn(worker(
            self.shared.clone(),
            rx,
            repaint,
            self.journal_path.clone(),
            self.open_as(),
        ));
    }

    /// Opens the journal of `environment` when it is not the one open (every
    /// frame, before [`DeclarationsHost::keep_engine`]: cheap when nothing
    /// changed). The engine goes with the old journal; the next `keep_engine`
    /// makes one on the new journal. Before `start`, only says which to open.
    pub fn keep_environment(&mut self, environment: EnvironmentKind, server: &str) {
        if environment == self.environment && server == self.server {
            return;
        }
        self.environment = environment;
        server.clone_into(&mut self.server);
        self.journal_path = self
            .data_dir
            .join(crate::submit::journal::file_name(environment));
        if self.tx.is_some() {
            self.key = None;
            self.send(WorkerMsg::Journal(
                self.journal_path.clone(),
                Box::new(self.open_as()),
            ));
        }
    }

    /// How the app opens the journal of its environment and server.
    fn open_as(&self) -> OpenAs {
        OpenAs {
            holder: Holder::App,
            ..OpenAs::for_server(self.environment, self.server.clone())
        }
    }

    /// Whether the engine stopped on a bug of its own (a task panicked): the
    /// pages say so and offer [`DeclarationsHost::restart`].
    pub fn broken(&self) -> bool {
        self.shared.view().progress.broken
    }

    /// Closes the engine and makes a new one on the same journal: rows it was
    /// sending are looked up on the server before anything is sent again.
    pub fn restart(&self) {
        self.shared.restart.store(true, Ordering::SeqCst);
        self.send(WorkerMsg::Journal(
            self.journal_path.clone(),
            Box::new(self.open_as()),
        ));
    }

    /// Tries again to open the journal (after another run held it).
    pub fn reopen(&self) {
        if self.tx.is_some() {
            self.send(WorkerMsg::Reopen);
        }
    }

    pub fn environment(&self) -> EnvironmentKind {
        self.environment
    }

    /// The server whose journal is shown (`sandbox`, or an API base URL).
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The journal open (or to be opened): the current environment's.
    pub fn journal_path(&self) -> &std::path::Path {
        &self.journal_path
    }

    /// Makes the engine when a token source can be made, and again when the
    /// connection changes (every frame, from any page: cheap when nothing changed).
    pub fn keep_engine(
        &mut self,
        key: Option<String>,
        source: impl FnOnce() -> Result<TokenSource, String>,
        lang: Lang,
    ) {
        if self.shared.restart.swap(false, Ordering::SeqCst) {
            self.key = None;
        }
        let Some(key) = key else { return };
        if self.key.as_deref() == Some(key.as_str()) || self.tx.is_none() {
            return;
        }
        if let Ok(source) = source() {
            self.key = Some(key);
            self.send(WorkerMsg::Connect {
                source: Box::new(source),
                lang,
            });
        }
    }

    fn send(&self, msg: WorkerMsg) {
        if let Some(tx) = &self.tx {
            self.shared.busy.fetch_add(1, Ordering::SeqCst);
            if tx.send(msg).is_err() {
                self.shared.busy.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    pub fn command(&self, command: DeclarationCommand) {
        self.send(WorkerMsg::Cmd(Box::new(command)));
    }

    /// The engine, once made: its snapshot, pause, resume and cancel (the Bulk page).
    pub fn engine(&self) -> Option<Engine> {
        match &self.read().1 {
            Store::Online(e) => Some(e.clone()),
            _ => None,
        }
    }

    /// True while the engine exists (sending can be asked).
    pub fn is_online(&self) -> bool {
        matches!(self.read().1, Store::Online(_))
    }

    /// True until the journal has been read.
    pub fn is_loading(&self) -> bool {
        matches!(self.read().1, Store::Closed) && !self.open_failed()
    }

    /// The journal could not be opened (its error was told as an outcome):
    /// [`DeclarationsHost::reopen`] tries again.
    pub fn open_failed(&self) -> bool {
        self.open_error().is_some()
    }

    /// Why the journal could not be opened (another run holds it…).
    pub fn open_error(&self) -> Option<crate::i18n::Msg> {
        self.shared
            .open_failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, (u64, Store)> {
        self.shared.store.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Commands waiting, or the engine sending, reconciling or polling.
    pub fn is_busy(&self) -> bool {
        if self.shared.busy.load(Ordering::SeqCst) > 0 {
            return true;
        }
        let view = self.shared.view();
        view.online && !view.progress.idle
    }

    /// What the pages show, as last published (see [`View`]): no lock of the
    /// engine's taken, nothing copied.
    pub fn view(&self) -> Arc<View> {
        self.shared.view()
    }

    /// Drops `value` on the runtime (rows a page read before: tens of
    /// thousands of strings to free are not a frame's work).
    pub fn let_go<T: Send + 'static>(&self, value: T) {
        let runtime = self
            .shared
            .runtime
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(runtime) = runtime {
            runtime.spawn_blocking(move || drop(value));
        }
    }

    /// The rows, where they changed since `seen` (which is updated).
    pub fn rows_if_changed(&self, seen: &mut Option<(u64, u64)>) -> Option<Arc<Vec<DraftRow>>> {
        let view = self.view_if_changed(seen)?;
        Some(view.rows.clone())
    }

    /// The rows per state and the failures `is_new` lets through, where the
    /// rows changed since `seen` (which is updated): what a watcher of a run
    /// needs, without copying every row. `seen.0` changes when another store
    /// (journal or engine) is open: counts are not comparable across it.
    pub fn activity_if_changed(
        &self,
        seen: &mut Option<(u64, u64)>,
        is_new: impl Fn(RowId, &RowError) -> bool,
    ) -> Option<Activity> {
        let view = self.view_if_changed(seen)?;
        Some(Activity {
            counts: view.counts.clone(),
            failures: view
                .failures
                .iter()
                .filter(|f| is_new(f.id, &f.error))
                .cloned()
                .collect(),
        })
    }

    /// The view where it changed since `seen` (then updated).
    fn view_if_changed(&self, seen: &mut Option<(u64, u64)>) -> Option<Arc<View>> {
        let view = self.shared.view();
        if *seen == Some(view.key) {
            return None;
        }
        *seen = Some(view.key);
        Some(view)
    }

    /// Every row as the engine (or the journal before it) holds it now, read
    /// from the store itself (for tests and tools: a frame reads [`Self::view`]).
    pub fn rows(&self) -> Vec<DraftRow> {
        self.read().1.rows_with_forms()
    }

    pub fn outcomes(&self) -> Vec<Outcome> {
        self.outcomes.try_iter().collect()
    }

    /// Waits (a bounded time) until the commands given are done: when the app
    /// closes, so that the last draft typed is saved.
    pub fn settle(&self, at_most: Duration) {
        let start = Instant::now();
        while self.shared.busy.load(Ordering::SeqCst) > 0 && start.elapsed() < at_most {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

async fn open_offline(
    shared: &Arc<Shared>,
    repaint: &Repaint,
    path: &std::path::Path,
    who: &OpenAs,
) {
    let opened = DraftJournal::open(path, who).await;
    *shared
        .open_failed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = opened.as_ref().err().map(|e| {
        let e = e.clone();
        crate::i18n::Msg::from_fn(move |lang| e.message(lang))
    });
    match opened {
        Ok(d) => {
            publish_on_change(d.subscribe(), shared);
            shared.set(Store::Offline(d));
        }
        Err(e) => shared.tell(failed(e)),
    }
    // Opened or not: the view is of what is open now (not of the journal closed).
    publish(shared).await;
    repaint();
}

async fn worker(
    shared: Arc<Shared>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<WorkerMsg>,
    repaint: Repaint,
    mut path: PathBuf,
    mut who: OpenAs,
) {
    open_offline(&shared, &repaint, &path, &who).await;
    shared.busy.fetch_sub(1, Ordering::SeqCst);
    while let Some(msg) = rx.recv().await {
        match msg {
            WorkerMsg::Connect { source, lang } => {
                connect(&shared, &repaint, &path, &who, *source, lang).await
            }
            WorkerMsg::Journal(other, as_who) => {
                // Rows queued stay `ready` in the journal they belong to.
                let _ = close(&shared).await;
                path = other;
                who = *as_who;
                open_offline(&shared, &repaint, &path, &who).await;
            }
            WorkerMsg::Reopen => {
                let closed = matches!(
                    shared.store.read().unwrap_or_else(|e| e.into_inner()).1,
                    Store::Closed
                );
                if closed {
                    open_offline(&shared, &repaint, &path, &who).await;
                }
            }
            WorkerMsg::Cmd(command) => {
                let command = *command;
                let store = match &shared.store.read().unwrap_or_else(|e| e.into_inner()).1 {
                    Store::Online(e) => Some(Ok(e.clone())),
                    Store::Offline(d) => Some(Err(d.clone())),
                    Store::Closed => None,
                };
                match store {
                    Some(Ok(engine))
                        if matches!(
                            command,
                            DeclarationCommand::Cancel(_) | DeclarationCommand::Fetch(_)
                        ) =>
                    {
                        // Network work runs beside the drafts being saved.
                        let shared = shared.clone();
                        let repaint = repaint.clone();
                        shared.busy.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(async move {
                            let outcome = online(&engine, command).await;
                            done(&shared, outcome).await;
                            shared.busy.fetch_sub(1, Ordering::SeqCst);
                            repaint();
                        });
                    }
                    Some(Ok(engine)) => done(&shared, online(&engine, command).await).await,
                    Some(Err(drafts)) => done(&shared, offline(&drafts, command).await).await,
                    None => shared.tell(Outcome::Failed(crate::i18n::Msg::new("decl.not_open"))),
                }
            }
        }
        shared.busy.fetch_sub(1, Ordering::SeqCst);
        repaint();
    }
}

/// A command done: its rows published first, then its outcome told, so that
/// a page that reads the outcome finds the rows it speaks of.
async fn done(shared: &Arc<Shared>, outcome: Option<Outcome>) {
    publish(shared).await;
    if let Some(o) = outcome {
        shared.tell(o);
    }
}

/// Makes the engine for `source` on the journal (the one before it, or the
/// journal without an engine, closed first; rows it had queued are queued again).
async fn connect(
    shared: &Arc<Shared>,
    repaint: &Repaint,
    path: &std::path::Path,
    who: &OpenAs,
    source: TokenSource,
    lang: Lang,
) {
    let queued = close(shared).await;
    let client = crate::channel::token::http_client(source.timeout)
        .map_err(|e| crate::i18n::Msg::from_fn(move |lang| e.message(lang)))
        .and_then(|http| {
            FlaClient::new(http, source, lang)
                .map_err(|e| crate::i18n::Msg::from_fn(move |lang| e.message(lang)))
        });
    let opened = match client {
        Ok(client) => {
            let config = EngineConfig {
                reconcile_after: crate::submit::engine::unknown_wait_for(&client.server),
                ..EngineConfig::default()
            };
            Engine::open_for(path, Arc::new(client), config, Holder::App)
                .await
                .map_err(|e| crate::i18n::Msg::from_fn(move |lang| e.message(lang)))
        }
        Err(e) => Err(e),
    };
    match opened {
        Ok(engine) => {
            publish_on_change(engine.subscribe(), shared);
            if !queued.is_empty() {
                engine.send(&queued);
            }
            shared.set(Store::Online(engine));
            publish(shared).await;
        }
        Err(e) => {
            shared.tell(Outcome::Failed(e));
            open_offline(shared, repaint, path, who).await;
        }
    }
}

/// Closes the store (the engine paused, its requests in flight finished first,
/// so that no other engine reads the journal while they are written); the
/// rows it had queued.
async fn close(shared: &Shared) -> Vec<RowId> {
    let before = {
        let mut s = shared.store.write().unwrap_or_else(|e| e.into_inner());
        s.0 += 1;
        std::mem::replace(&mut s.1, Store::Closed)
    };
    let mut queued = Vec::new();
    if let Store::Online(old) = before {
        old.pause();
        queued = old.queued_rows();
        let start = Instant::now();
        while old.progress().in_flight > 0 && start.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    queued
}

/// The drafts' side of a store: the engine and the journal without one do
/// it alike, so that each draft command is written once.
trait DraftStore {
    async fn new_checked(&self, forms: Vec<DraftForm>) -> Result<Vec<RowId>, DraftError>;
    async fn save_draft(&self, id: RowId, form: DraftForm) -> Result<State, DraftError>;
    async fn delete_draft(&self, id: RowId) -> Result<(), DraftError>;
    async fn duplicate(&self, id: RowId) -> Result<RowId, DraftError>;
}

impl DraftStore for Engine {
    async fn new_checked(&self, forms: Vec<DraftForm>) -> Result<Vec<RowId>, DraftError> {
        Engine::new_checked(self, forms).await
    }
    async fn save_draft(&self, id: RowId, form: DraftForm) -> Result<State, DraftError> {
        Engine::save_draft(self, id, form).await
    }
    async fn delete_draft(&self, id: RowId) -> Result<(), DraftError> {
        Engine::delete_draft(self, id).await
    }
    async fn duplicate(&self, id: RowId) -> Result<RowId, DraftError> {
        Engine::duplicate(self, id).await
    }
}

impl DraftStore for Arc<DraftJournal> {
    async fn new_checked(&self, forms: Vec<DraftForm>) -> Result<Vec<RowId>, DraftError> {
        DraftJournal::new_checked(self, forms).await
    }
    async fn save_draft(&self, id: RowId, form: DraftForm) -> Result<State, DraftError> {
        DraftJournal::save_draft(self, id, form).await
    }
    async fn delete_draft(&self, id: RowId) -> Result<(), DraftError> {
        DraftJournal::delete_draft(self, id).await
    }
    async fn duplicate(&self, id: RowId) -> Result<RowId, DraftError> {
        DraftJournal::duplicate(self, id).await
    }
}

/// A draft command run on `store` (`Err`: the command is not a draft's, it
/// is given back).
async fn drafts_command(
    store: &impl DraftStore,
    command: DeclarationCommand,
) -> Result<Option<Outcome>, DeclarationCommand> {
    let done: Result<Option<Outcome>, DraftError> = match command {
        // Checked at once: a form that comes filled in (the rehearsal's
        // example) is ready to send; an empty one is being filled in.
        DeclarationCommand::New(form) => store
            .new_checked(vec![form])
            .await
            .map(|ids| ids.first().copied().map(Outcome::Opened)),
        DeclarationCommand::NewMany(forms) => store
            .new_checked(forms)
            .await
            .map(|ids| Some(Outcome::Made(ids))),
        DeclarationCommand::Save(id, form) => store.save_draft(id, form).await.map(|_| None),
        DeclarationCommand::Delete(id) => store.delete_draft(id).await.map(|()| None),
        DeclarationCommand::Duplicate(id) => store
            .duplicate(id)
            .await
            .map(|id| Some(Outcome::Opened(id))),
        other => return Err(other),
    };
    Ok(done.unwrap_or_else(|e| Some(failed(e))))
}

async fn online(engine: &Engine, command: DeclarationCommand) -> Option<Outcome> {
    let command = match drafts_command(engine, command).await {
        Ok(outcome) => return outcome,
        Err(command) => command,
    };
    let done: Result<Option<Outcome>, DraftError> = match command {
        DeclarationCommand::Correct(id) => {
            engine.correct(id).await.map(|id| Some(Outcome::Opened(id)))
        }
        DeclarationCommand::Submit(ids) => engine.submit(ids).await.map(|s| Some(Outcome::Sent(s))),
        DeclarationCommand::CheckAgain(ids) => {
            engine.check_again(&ids);
            Ok(None)
        }
        DeclarationCommand::Cancel(id) => engine.cancel_on_server(id).await.map(|()| None),
        DeclarationCommand::Fetch(filters) => engine
            .fetch(filters)
            .await
            .map(|n| Some(Outcome::Fetched(n))),
        DeclarationCommand::Import(items) => {
            // A row without a reference is known by its content: one already in
            // the journal (this file read again, or a copy) is that row.
            return engine
                .add_and_send(items, crate::submit::run::SLICE)
                .await
                .err()
                .map(|e| Outcome::Failed(crate::i18n::Msg::from_fn(move |lang| e.message(lang))));
        }
        // Drafts' commands: done above.
        DeclarationCommand::New(_)
        | DeclarationCommand::NewMany(_)
        | DeclarationCommand::Save(..)
        | DeclarationCommand::Delete(_)
        | DeclarationCommand::Duplicate(_) => Ok(None),
    };
    done.unwrap_or_else(|e| Some(failed(e)))
}

/// Without a connection only drafts can be worked on.
async fn offline(drafts: &Arc<DraftJournal>, command: DeclarationCommand) -> Option<Outcome> {
    drafts_command(drafts, command).await.unwrap_or_else(|_| {
        Some(Outcome::Failed(crate::i18n::Msg::new(
            "decl.needs_connection",
        )))
    })
}
