//! The simulator the app and the tests talk to: a small Chaman (register a
//! certificate, get a client ID), the OAuth v5 token endpoint validating as the
//! real one would, and fault injection. A real HTTP server on loopback; its state
//! (accounts) is kept in its state folder so a restart loses nothing.

mod admin;
mod chaman;
mod dimona_api;
mod fla_api;
mod guard;
pub mod host;
mod modes;
mod oauth;
mod serve;
mod writer;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::channel::env::TOKEN_PATH;
use crate::channel::token::Clock;
use crate::i18n::{tr_args, Lang};

pub use chaman::RegisterRequest;
pub use modes::DEFAULT_STALL;

/// The FLA API's base path on the sandbox, as on the real hosts.
pub use fla_api::{example_worker, PAGE_SIZE};

pub const API_PATH: &str = "/REST/federalLearningAccount/v1";
/// Dimona's API beside it, with the same token server.
pub const DIMONA_PATH: &str = "/REST/dimona/v2";
/// The admin routes' path, before the key of the running sandbox.
pub const ADMIN_PATH: &str = "/admin";
/// Lifetime of the opaque tokens the sandbox issues.
pub const TOKEN_LIFETIME_SECS: i64 = 600;
/// Clock tolerance on `iat`/`exp`.
pub const CLOCK_TOLERANCE_SECS: i64 = 5;
/// The `Retry-After` of an injected 429, in seconds.
pub const RETRY_AFTER_SECS: &str = "1";
/// How long an injected hang lasts at most (it ends when the sandbox stops).
const HANG_SECS: u64 = 3600;

/// Why the sandbox cannot start or keep its state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot create the sandbox state folder {path}: {detail}")]
    StateFolder { path: String, detail: String },
    #[error("the sandbox state {path} is damaged ({detail}); move it away to start afresh")]
    StateDamaged { path: String, detail: String },
    #[error("cannot open the sandbox's declarations store {path}: {detail}")]
    Store { path: String, detail: String },
    #[error("cannot listen on {addr}: {detail}")]
    Listen { addr: String, detail: String },
    #[error("cannot save the sandbox state {path}: {detail}")]
    Save { path: String, detail: String },
    #[error("the sandbox stopped")]
    Stopped,
}

impl SandboxError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            SandboxError::StateFolder { .. } => "state_folder",
            SandboxError::StateDamaged { .. } => "state_damaged",
            SandboxError::Store { .. } => "store",
            SandboxError::Listen { .. } => "listen",
            SandboxError::Save { .. } => "save",
            SandboxError::Stopped => "stopped",
        }
    }

    /// What happened and what to do next, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let key = format!("sandbox.error.{}", self.code());
        match self {
            SandboxError::StateFolder { path, detail }
            | SandboxError::StateDamaged { path, detail }
            | SandboxError::Store { path, detail }
            | SandboxError::Save { path, detail } => tr_args(
                lang,
                &key,
                &[("path", path.clone()), ("detail", detail.clone())],
            ),
            SandboxError::Listen { addr, detail } => tr_args(
                lang,
                &key,
                &[("addr", addr.clone()), ("detail", detail.clone())],
            ),
            SandboxError::Stopped => crate::i18n::tr(lang, &key),
        }
    }
}

/// A web-service account as Chaman keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Account {
    pub client_id: String,
    pub enterprise: String,
    /// `employer` or `provider`.
    pub quality: String,
    /// Enterprises a provider holds a mandate for.
    #[serde(default)]
    pub mandates: Vec<String>,
    /// The authorizations ticked (e.g. "CareerPro – Federal Learning Account").
    #[serde(default)]
    pub authorizations: Vec<String>,
    /// The uploaded certificate, DER in base64.
    pub certificate_der_b64: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct PersistedState {
    accounts: Vec<Account>,
}

/// A token the sandbox issued (kept in memory: a restart asks for a new one).
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub client_id: String,
    pub scope: String,
    pub expires_at: OffsetDateTime,
}

/// A failure the next requests will show, for tests and demos. Each acts on
/// either target (`token`, the token endpoint, or `api`, the FLA API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// An HTML page with status 200, as a captive portal or proxy would answer.
    Html,
    /// Accept the request and never answer (until the sandbox stops).
    Hang,
    /// A 500 (an RFC 6749 body on the token endpoint, a problem on the API).
    ServerError,
    /// A 429 with `Retry-After: 1`.
    TooManyRequests,
    /// Every token issued so far expires now (applied at once, whatever the target).
    ExpireTokens,
}

/// What the sandbox has done since it started: `GET /admin/stats`, so that
/// tests can count the tokens a client asked for.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) token_requests: AtomicU64,
    pub(crate) tokens_issued: AtomicU64,
    pub(crate) api_requests: AtomicU64,
    pub(crate) token_faults_served: AtomicU64,
    pub(crate) api_faults_served: AtomicU64,
}

/// How the sandbox behaves. The default is a well-behaved server: a 2 s
/// processing delay, no faults, no limit, and a 409 for a duplicate reference.
/// Build other options as `SandboxOptions { fault_rate: 0.1, ..Default::default() }`.
#[derive(Debug, Clone, Copy)]
pub struct SandboxOptions {
    /// How long a declaration stays "being processed" (404) after it is received.
    pub processing_delay: std::time::Duration,
    /// The fraction (0–1) of FLA API requests that meet a fault drawn at random
    /// among a 500 problem, a 429 with `Retry-After`, and a stall.
    pub fault_rate: f64,
    /// The fraction (0–1) of `POST /trainings` and `PUT /trainings/{id}` that
    /// are committed and then lose their connection without an answer.
    pub drop_after_commit_rate: f64,
    /// At most this many FLA API requests a second (a token bucket); beyond, a
    /// 429 with `Retry-After`. `None`: no limit.
    pub rate_limit: Option<u32>,
    /// Every FLA API answer waits this long.
    pub latency: std::time::Duration,
    /// How long a stall (one of the random faults) holds its answer back.
    pub stall: std::time::Duration,
    /// A `POST` whose (enterprise, reference) is already held creates a second
    /// declaration instead of a 409.
    pub accept_duplicates: bool,
    /// The seed of every random choice; `None`: a fresh one (shown in `/admin/stats`).
    pub seed: Option<u64>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            processing_delay: std::time::Duration::from_secs(2),
            fault_rate: 0.0,
            drop_after_commit_rate: 0.0,
            rate_limit: None,
            latency: std::time::Duration::ZERO,
            stall: DEFAULT_STALL,
            accept_duplicates: false,
            seed: None,
        }
    }
}

/// The modes in force, with what they need to act and count.
pub(crate) struct Modes {
    pub(crate) fault_rate: f64,
    pub(crate) drop_after_commit_rate: f64,
    pub(crate) rate_limit: Option<(u32, modes::RateLimiter)>,
    pub(crate) latency: std::time::Duration,
    pub(crate) stall: std::time::Duration,
    pub(crate) accept_duplicates: bool,
    pub(crate) dice: modes::Dice,
    pub(crate) served: modes::ModeCounters,
}

impl Modes {
    fn new(options: &SandboxOptions, clock: &Clock) -> Self {
        Modes {
            fault_rate: modes::fraction(options.fault_rate),
            drop_after_commit_rate: modes::fraction(options.drop_after_commit_rate),
            rate_limit: options
                .rate_limit
                .filter(|n| *n > 0)
                .map(|n| (n, modes::RateLimiter::new(n, clock.clone()))),
            latency: options.latency,
            stall: options.stall,
            accept_duplicates: options.accept_duplicates,
            dice: modes::Dice::new(options.seed.unwrap_or_else(modes::fresh_seed)),
            served: modes::ModeCounters::default(),
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "seed": self.dice.seed(),
            "fault_rate": self.fault_rate,
            "drop_after_commit_rate": self.drop_after_commit_rate,
            "rate_limit": self.rate_limit.as_ref().map(|(n, _)| *n),
            "latency_ms": u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX),
            "stall_ms": u64::try_from(self.stall.as_millis()).unwrap_or(u64::MAX),
            "accept_duplicates": self.accept_duplicates,
        })
    }
}

pub(crate) struct Shared {
    state: Mutex<PersistedState>,
    state_file: PathBuf,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    pub(crate) counters: Counters,
    shutdown: tokio::sync::watch::Receiver<bool>,
    pub(crate) faults: Mutex<VecDeque<Fault>>,
    pub(crate) api_faults: Mutex<VecDeque<Fault>>,
    pub(crate) store: Mutex<rusqlite::Connection>,
    pub(crate) writer: fla_api::Writer,
    pub(crate) modes: Modes,
    pub(crate) processing_delay_ms: i64,
    pub(crate) clock: Clock,
    pub(crate) token_url: String,
    /// Dimona's declarations and periods, and the writer of the log that
    /// keeps what is taken (it reads the store to compact the log).
    pub(crate) dimona: Arc<Mutex<dimona_api::DimonaStore>>,
    pub(crate) dimona_log: dimona_api::DimonaLog,
}

impl Shared {
    /// Issues an opaque bearer token for `client_id` with `scope`, valid
    /// `lifetime_secs` from the sandbox's clock, and counts it.
    fn issue_token(&self, client_id: &str, scope: &str, lifetime_secs: i64) -> String {
        let token = format!("sbx-{}", random_alnum(40));
        self.counters
            .tokens_issued
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(
                token.clone(),
                IssuedToken {
                    client_id: client_id.to_owned(),
                    scope: scope.to_owned(),
                    expires_at: (self.clock)() + time::Duration::seconds(lifetime_secs),
                },
            );
        }
        token
    }

    fn accounts(&self) -> Vec<Account> {
        self.state
            .lock()
            .map(|s| s.accounts.clone())
            .unwrap_or_default()
    }

    fn account(&self, client_id: &str) -> Option<Account> {
        self.accounts()
            .into_iter()
            .find(|a| a.client_id == client_id)
    }

    fn add_account(&self, account: Account) -> Result<(), SandboxError> {
        let save = |detail: String| SandboxError::Save {
            path: self.state_file.display().to_string(),
            detail,
        };
        let mut state = self
            .state
            .lock()
            .map_err(|_| save("state lock poisoned".to_owned()))?;
        state.accounts.push(account);
        let json = serde_json::to_vec_pretty(&*state).map_err(|e| save(e.to_string()))?;
        crate::files::write_private(&self.state_file, &json).map_err(|e| save(e.to_string()))
    }

    fn next_fault(&self) -> Option<Fault> {
        let fault = self.faults.lock().ok().and_then(|mut f| f.pop_front());
        if fault.is_some() {
            self.counters
                .token_faults_served
                .fetch_add(1, Ordering::Relaxed);
        }
        fault
    }

    fn next_api_fault(&self) -> Option<Fault> {
        let fault = self.api_faults.lock().ok().and_then(|mut f| f.pop_front());
        if fault.is_some() {
            self.counters
                .api_faults_served
                .fetch_add(1, Ordering::Relaxed);
        }
        fault
    }

    fn count_api_request(&self) {
        self.counters.api_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// An injected hang: no answer for an hour, or until the sandbox stops.
    async fn hang(&self) {
        let mut stopping = self.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(HANG_SECS)) => {}
            _ = stopping.wait_for(|stop| *stop) => {}
        }
    }

    fn stats(&self) -> serde_json::Value {
        let c = &self.counters;
        let pending = |q: &Mutex<VecDeque<Fault>>| q.lock().map(|q| q.len()).unwrap_or(0);
        let mut modes = self.modes.json();
        modes["processing_delay_ms"] = serde_json::json!(self.processing_delay_ms);
        serde_json::json!({
            "token_requests": c.token_requests.load(Ordering::Relaxed),
            "tokens_issued": c.tokens_issued.load(Ordering::Relaxed),
            "api_requests": c.api_requests.load(Ordering::Relaxed),
            "faults_served": {
                "token": c.token_faults_served.load(Ordering::Relaxed),
                "api": c.api_faults_served.load(Ordering::Relaxed),
            },
            "faults_pending": {
                "token": pending(&self.faults),
                "api": pending(&self.api_faults),
            },
            "modes": modes,
            "served": self.modes.served.json(),
            "declarations": fla_api::count_declarations(self),
            "duplicate_references": fla_api::count_duplicate_references(self),
            "dimona_declarations": self.dimona.lock().map(|d| d.count()).unwrap_or(0),
        })
    }
}

/// A running sandbox.
pub struct Sandbox {
    pub addr: SocketAddr,
    pub base_url: String,
    pub token_url: String,
    pub api_base: String,
    pub admin_url: String,
    /// The seed of the random modes (given, or drawn at start), to replay a run.
    pub seed: u64,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
    task: tokio::task::JoinHandle<()>,
}

impl Sandbox {
    /// The line `sim` prints and the app writes to its data dir.
    pub fn endpoint_json(&self) -> serde_json::Value {
        serde_json::json!({
            "token_url": self.token_url,
            "api_base": self.api_base,
            "admin_url": self.admin_url,
        })
    }

    /// Stops serving.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        let _ = (&mut self.task).await;
    }

    /// Serves until the task ends (it does not, unless stopped).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Starts a sandbox on `addr` with its state in `state_dir`, on the current
/// tokio runtime. `clock` lets tests run the server with another time.
pub async fn start(
    addr: SocketAddr,
    state_dir: &Path,
    clock: Clock,
) -> Result<Sandbox, SandboxError> {
    start_with(addr, state_dir, clock, SandboxOptions::default()).await
}

/// `start` with options (a shorter processing delay for tests).
pub async fn start_with(
    addr: SocketAddr,
    state_dir: &Path,
    clock: Clock,
    options: SandboxOptions,
) -> Result<Sandbox, SandboxError> {
    std::fs::create_dir_all(state_dir).map_err(|e| SandboxError::StateFolder {
        path: state_dir.display().to_string(),
        detail: e.to_string(),
    })?;
    let state_file = state_dir.join("sandbox-state.json");
    let state: PersistedState = match std::fs::read(&state_file) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SandboxError::StateDamaged {
            path: state_file.display().to_string(),
            detail: e.to_string(),
        })?,
        Err(_) => PersistedState::default(),
    };
    let (dimona, dimona_log) = dimona_api::open_store(state_dir)?;
    let store_path = state_dir.join("fla.sqlite");
    let store = fla_api::open_store(&store_path)?;
    let writer = fla_api::start_writer(
        fla_api::open_connection(&store_path)?,
        options.accept_duplicates,
    )
    .map_err(|e| SandboxError::Store {
        path: store_path.display().to_string(),
        detail: e.to_string(),
    })?;
    let listen = |e: std::io::Error| SandboxError::Listen {
        addr: addr.to_string(),
        detail: e.to_string(),
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(listen)?;
    let addr = listener.local_addr().map_err(listen)?;
    let base_url = format!("http://{addr}");
    let token_url = format!("{base_url}{TOKEN_PATH}");
    let (tx, rx) = tokio::sync::watch::channel(false);
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
        state_file,
        tokens: Mutex::new(HashMap::new()),
        counters: Counters::default(),
        shutdown: rx.clone(),
        faults: Mutex::new(VecDeque::new()),
        api_faults: Mutex::new(VecDeque::new()),
        store: Mutex::new(store),
        writer,
        modes: Modes::new(&options, &clock),
        processing_delay_ms: i64::try_from(options.processing_delay.as_millis())
            .unwrap_or(i64::MAX),
        clock,
        token_url: token_url.clone(),
        dimona,
        dimona_log,
    });
    let seed = shared.modes.dice.seed();
    // The admin routes answer under a key made at each start (the admin URL
    // carries it): a page in a browser cannot guess it.
    let admin_key = random_alnum(32);
    let admin = Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(serde_json::json!({"ok": true})) }),
        )
        .route("/chaman/accounts", post(chaman::register).get(chaman::list))
        .route("/faults", post(chaman::inject_fault))
        .route("/tokens", post(admin::issue_token))
        .route("/references", get(admin::references))
        .route(
            "/stats",
            get(
                |axum::extract::State(shared): axum::extract::State<Arc<Shared>>| async move {
                    axum::Json(shared.stats())
                },
            ),
        )
        .layer(axum::middleware::from_fn(guard::json_posts_only));
    let router = Router::new()
        .route(TOKEN_PATH, post(oauth::token))
        .nest(&format!("{ADMIN_PATH}/{admin_key}"), admin)
        .route(&format!("{API_PATH}/trainings"), post(fla_api::create))
        .route(
            &format!("{API_PATH}/trainings/search"),
            post(fla_api::search),
        )
        .route(
            &format!("{DIMONA_PATH}/declarations"),
            post(dimona_api::create),
        )
        .route(
            &format!("{DIMONA_PATH}/declarations/search"),
            post(dimona_api::search_declarations),
        )
        .route(
            &format!("{DIMONA_PATH}/declarations/{{id}}"),
            get(dimona_api::get_one),
        )
        .route(
            &format!("{DIMONA_PATH}/periods/search"),
            post(dimona_api::search_periods),
        )
        .route(
            &format!("{API_PATH}/trainings/{{id}}"),
            get(fla_api::get_one)
                .put(fla_api::correct)
                .delete(fla_api::cancel),
        )
        .layer(axum::middleware::map_response_with_state(
            shared.clone(),
            with_date,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(guard::Hosts::of(addr)),
            guard::this_computer_only,
        ))
        .with_state(shared);
    let task = tokio::spawn(serve::serve(listener, router, rx));
    Ok(Sandbox {
        addr,
        api_base: format!("{base_url}{API_PATH}"),
        admin_url: format!("{base_url}{ADMIN_PATH}/{admin_key}"),
        base_url,
        token_url,
        seed,
        shutdown: Some(tx),
        task,
    })
}

/// Every answer carries the sandbox clock's `Date` (so a skewed clock shows) and
/// a `BelGov-Trace-Id`, as the real services do.
async fn with_date(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    mut response: axum::response::Response,
) -> axum::response::Response {
    let date = crate::channel::token::format_http_date((shared.clock)());
    if let Ok(value) = axum::http::HeaderValue::from_str(&date) {
        response
            .headers_mut()
            .insert(axum::http::header::DATE, value);
    }
    if let Ok(value) = axum::http::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        response.headers_mut().insert("BelGov-Trace-Id", value);
    }
    response
}

/// Random lowercase letters and digits (for client IDs and tokens).
pub(crate) fn random_alnum(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in uuid::Uuid::new_v4().as_bytes() {
            if out.len() < len {
                out.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
            }
        }
    }
    out
}
