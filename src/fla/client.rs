//! The FLA API client: submit (POST → 201 + Location), wait for the result with
//! the contract's polling schedule, search with paging, correct, cancel. A 401
//! fetches a new token once; a 429 waits `Retry-After`; a 409 duplicate reference
//! leads to the existing declaration; problem+json errors become messages.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::wire::{
    self, Created, Declaration, Problem, SearchPage, SearchRequest, StoredDeclaration,
};
use crate::cert::{Entry, Protection};
use crate::channel::assertion::DEFAULT_LIFETIME_SECS;
use crate::channel::body;
use crate::channel::connect::{self, ConnectionOutcome, ConnectionTest};
use crate::channel::env::{Endpoints, Role, ServiceDefinition};
use crate::channel::token::{self, Clock, TokenCache};
use crate::i18n::{tr_args, Lang};

/// When to ask for a result [modelled on Dimona]: nothing in the first 2 s, then
/// every second up to 30 s, then once a minute, until `give_up_after`.
#[derive(Debug, Clone, Copy)]
pub struct PollSchedule {
    pub first: Duration,
    pub fast_interval: Duration,
    pub fast_until: Duration,
    pub slow_interval: Duration,
    pub give_up_after: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule {
            first: Duration::from_secs(2),
            fast_interval: Duration::from_secs(1),
            fast_until: Duration::from_secs(30),
            slow_interval: Duration::from_secs(60),
            give_up_after: Duration::from_secs(300),
        }
    }
}

impl PollSchedule {
    /// The wait before the next poll, `elapsed` after submitting; `None` to give up.
    pub fn next_wait(&self, elapsed: Duration) -> Option<Duration> {
        if elapsed >= self.give_up_after {
            return None;
        }
        let wait = if elapsed < self.first {
            self.first - elapsed
        } else if elapsed < self.fast_until {
            self.fast_interval
        } else {
            self.slow_interval
        };
        Some(
            wait.min(self.give_up_after - elapsed)
                .max(Duration::from_millis(1)),
        )
    }
}

/// Why an API call did not give its answer. Every variant that comes from a
/// response carries that response's `BelGov-Trace-Id` (what the service desk
/// asks for); see [`ApiError::trace_id`]. `Display` is the English message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum ApiError {
    /// No token: the connection itself fails.
    Token {
        code: String,
        cause: String,
        message: String,
        trace_id: Option<String>,
    },
    /// 400: the body is not a declaration (issues say where).
    BadRequest {
        problem: Box<Problem>,
        trace_id: Option<String>,
    },
    /// 403 `missingMandate`: no mandate for this enterprise.
    NoMandate {
        enterprise: String,
        detail: String,
        trace_id: Option<String>,
    },
    /// 403 `missingScope`: the token's scope does not give access.
    MissingScope {
        detail: String,
        trace_id: Option<String>,
    },
    /// Any other 403, shown as what it is.
    Forbidden {
        problem_type: String,
        detail: String,
        trace_id: Option<String>,
    },
    /// 401 even with a new token.
    Unauthorized {
        detail: String,
        trace_id: Option<String>,
    },
    NotFound {
        id: i64,
        trace_id: Option<String>,
    },
    /// Submitted, but no result within the schedule: check later with this id.
    StillProcessing(i64),
    /// A 5xx, or an answer that is not the contract's.
    Server {
        status: u16,
        detail: String,
        trace_id: Option<String>,
    },
    /// A 3xx, not followed: a token goes only to the URL that was checked.
    Redirect {
        status: u16,
        location: Option<String>,
        trace_id: Option<String>,
    },
    /// No answer within the timeout (retries included).
    Timeout {
        seconds: u64,
    },
    Network(String),
    NoApiBase,
    /// A search whose pages do not end: a cursor given twice, or more pages
    /// than [`MAX_SEARCH_PAGES`].
    EndlessPaging {
        pages: usize,
        repeated: bool,
    },
    /// An answer longer than any the contract gives (read up to `limit`).
    TooLarge {
        limit: usize,
        trace_id: Option<String>,
    },
}

impl ApiError {
    pub fn code(&self) -> String {
        match self {
            ApiError::Token { code, .. } => code.clone(),
            ApiError::BadRequest { .. } => "bad_request".into(),
            ApiError::NoMandate { .. } => "no_mandate".into(),
            ApiError::MissingScope { .. } => "missing_scope".into(),
            ApiError::Forbidden { .. } => "forbidden".into(),
            ApiError::Unauthorized { .. } => "unauthorized".into(),
            ApiError::NotFound { .. } => "not_found".into(),
            ApiError::StillProcessing(_) => "still_processing".into(),
            ApiError::Server { .. } => "server_error".into(),
            ApiError::Redirect { .. } => "redirect".into(),
            ApiError::Timeout { .. } => "timeout".into(),
            ApiError::Network(_) => "network".into(),
            ApiError::NoApiBase => "no_api_base".into(),
            ApiError::TooLarge { .. } => crate::channel::body::RESPONSE_TOO_LARGE.into(),
            ApiError::EndlessPaging { .. } => "endless_paging".into(),
        }
    }

    /// The `BelGov-Trace-Id` of the response that failed, where one came back.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            ApiError::Token { trace_id, .. }
            | ApiError::BadRequest { trace_id, .. }
            | ApiError::NoMandate { trace_id, .. }
            | ApiError::MissingScope { trace_id, .. }
            | ApiError::Forbidden { trace_id, .. }
            | ApiError::Unauthorized { trace_id, .. }
            | ApiError::NotFound { trace_id, .. }
            | ApiError::Server { trace_id, .. }
            | ApiError::Redirect { trace_id, .. }
            | ApiError::TooLarge { trace_id, .. } => trace_id.as_deref(),
            ApiError::StillProcessing(_)
            | ApiError::Timeout { .. }
            | ApiError::Network(_)
            | ApiError::NoApiBase
            | ApiError::EndlessPaging { .. } => None,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let key = format!("api.error.{}", self.code());
        match self {
            ApiError::Token { message, .. } => message.clone(),
            ApiError::BadRequest { problem, .. } => {
                let issues: Vec<String> = problem
                    .issues
                    .iter()
                    .map(|i| format!("{}: {}", i.name, i.detail))
                    .collect();
                tr_args(lang, &key, &[("issues", issues.join("; "))])
            }
            ApiError::NoMandate {
                enterprise, detail, ..
            } => tr_args(
                lang,
                &key,
                &[
                    (
                        "enterprise",
                        if enterprise.is_empty() {
                            "?".to_owned()
                        } else {
                            enterprise.clone()
                        },
                    ),
                    ("detail", detail.clone()),
                ],
            ),
            ApiError::Forbidden {
                problem_type,
                detail,
                ..
            } => tr_args(
                lang,
                &key,
                &[
                    ("problem", problem_type.clone()),
                    ("detail", detail.clone()),
                ],
            ),
            ApiError::MissingScope { detail, .. }
            | ApiError::Unauthorized { detail, .. }
            | ApiError::Network(detail) => tr_args(lang, &key, &[("detail", detail.clone())]),
            ApiError::NotFound { id, .. } | ApiError::StillProcessing(id) => {
                tr_args(lang, &key, &[("id", id.to_string())])
            }
            ApiError::Server { status, detail, .. } => tr_args(
                lang,
                &key,
                &[("status", status.to_string()), ("detail", detail.clone())],
            ),
            ApiError::Redirect {
                status, location, ..
            } => tr_args(
                lang,
                &key,
                &[
                    ("status", status.to_string()),
                    ("location", location.clone().unwrap_or_else(|| "-".into())),
                ],
            ),
            ApiError::Timeout { seconds } => {
                tr_args(lang, &key, &[("seconds", seconds.to_string())])
            }
            ApiError::NoApiBase => tr_args(lang, &key, &[]),
            ApiError::TooLarge { limit, .. } => tr_args(
                lang,
                &key,
                &[("limit", crate::channel::body::limit_text(*limit))],
            ),
            ApiError::EndlessPaging { pages, repeated } => {
                let why = if *repeated {
                    tr_args(
                        lang,
                        "api.error.paging_repeated",
                        &[("page", pages.to_string())],
                    )
                } else {
                    tr_args(
                        lang,
                        "api.error.paging_bound",
                        &[("pages", pages.to_string())],
                    )
                };
                tr_args(lang, &key, &[("why", why)])
            }
        }
    }

    /// The message, and on a line of its own the trace id where a response
    /// gave one: what a page shows next to a failure.
    pub fn message_with_trace(&self, lang: Lang) -> String {
        match self.trace_id() {
            Some(trace) => format!(
                "{}\n{}",
                self.message(lang),
                tr_args(lang, "api.trace_id", &[("trace", trace.to_owned())])
            ),
            None => self.message(lang),
        }
    }

    /// A refusal (the server said no to this sender), as opposed to a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ApiError::NoMandate { .. } | ApiError::MissingScope { .. }
        )
    }

    /// Worth another attempt: a 5xx or no answer at all. Every request this
    /// client makes is idempotent (see [`FlaClient::send`]).
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Server { status, .. } => *status >= 500,
            ApiError::Timeout { .. } | ApiError::Network(_) => true,
            // A token request is sent again with a fresh assertion (a new `jti`).
            ApiError::Token { code, .. } => TRANSIENT_TOKEN_FAILURES.contains(&code.as_str()),
            _ => false,
        }
    }
}

/// The `cause` of an [`ApiError::Token`] that was refused before sending (a
/// lifetime or a key that cannot sign): bad input, not a network failure.
pub const TOKEN_CONFIGURATION: &str = "configuration";
/// The `cause` of an [`ApiError::Token`] for a certificate that cannot sign.
pub const TOKEN_CERTIFICATE: &str = "certificate";

/// Token failures worth another attempt: the server failed or did not answer.
const TRANSIENT_TOKEN_FAILURES: [&str; 4] = [
    "server_error",
    "temporarily_unavailable",
    "timeout",
    "connect",
];

/// Where tokens come from: the connection, the signing entry, and a cache.
pub struct TokenSource {
    pub endpoints: Endpoints,
    pub service: &'static ServiceDefinition,
    pub client_id: String,
    pub role: Role,
    pub scope: Option<String>,
    pub entry: Entry,
    /// The file's protection, for the certificate checks before a request.
    pub protection: Protection,
    pub clock: Clock,
    pub timeout: Duration,
    /// Lifetime of each client assertion, in seconds (`--assertion-lifetime`).
    pub lifetime_secs: i64,
    pub cache: TokenCache,
    /// Held while a token is fetched, so that concurrent requests wait for
    /// one renewal instead of each asking for a token.
    renewal: tokio::sync::Mutex<()>,
}

impl TokenSource {
    /// The FLA's token source for a connection, with the system clock and an
    /// empty cache.
    pub fn new(
        endpoints: Endpoints,
        client_id: String,
        role: Role,
        scope: Option<String>,
        entry: Entry,
        protection: Protection,
        timeout: Duration,
    ) -> Self {
        TokenSource {
            endpoints,
            service: &crate::channel::env::FLA,
            client_id,
            role,
            scope,
            entry,
            protection,
            clock: token::system_clock(),
            timeout,
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            cache: TokenCache::default(),
            renewal: tokio::sync::Mutex::new(()),
        }
    }

    /// The same source with assertions of this lifetime (checked when signing).
    pub fn with_lifetime(mut self, lifetime_secs: i64) -> Self {
        self.lifetime_secs = lifetime_secs;
        self
    }

    /// A token from the cache, or a new one (always new with `fresh`), through
    /// the same connection test as the Connection page and `token`.
    pub async fn token(
        &self,
        http: &reqwest::Client,
        fresh: bool,
        lang: Lang,
    ) -> Result<Zeroizing<String>, ApiError> {
        if fresh {
            let scope = self.scope();
            self.cache
                .forget(&self.endpoints.token_url, &self.client_id, &scope);
        }
        self.token_for(http, None, lang).await
    }

    /// The token every concurrent request shares: the cached one while it is
    /// more than [`token::REUSE_MARGIN_SECS`] from its expiry (so it is renewed
    /// ahead of it), else a new one. `stale` is a token the server refused (a
    /// 401): it is renewed once, however many requests met the 401 at the same
    /// time — the others get the token that renewal brought.
    pub async fn token_for(
        &self,
        http: &reqwest::Client,
        stale: Option<&str>,
        lang: Lang,
    ) -> Result<Zeroizing<String>, ApiError> {
        let scope = self.scope();
        let url = &self.endpoints.token_url;
        let usable = |now| {
            self.cache
                .get(url, &self.client_id, &scope, now)
                .filter(|t| stale.is_none_or(|s| s != t.token.as_str()))
        };
        if let Some(t) = usable((self.clock)()) {
            return Ok(t.token);
        }
        // One renewal at a time: whoever waited here finds the new token.
        let _renewing = self.renewal.lock().await;
        if let Some(t) = usable((self.clock)()) {
            return Ok(t.token);
        }
        self.cache.forget(url, &self.client_id, &scope);
        self.fetch(http, lang).await
    }

    fn test(&self) -> ConnectionTest<'_> {
        ConnectionTest {
            endpoints: &self.endpoints,
            service: self.service,
            client_id: &self.client_id,
            role: self.role,
            scope: self.scope.as_deref(),
            entry: &self.entry,
            protection: &self.protection,
            lifetime_secs: self.lifetime_secs,
            timeout: self.timeout,
            clock: self.clock.clone(),
        }
    }

    fn scope(&self) -> String {
        self.test().scope()
    }

    /// Asks the token endpoint (no cache) and caches what it grants.
    async fn fetch(
        &self,
        http: &reqwest::Client,
        lang: Lang,
    ) -> Result<Zeroizing<String>, ApiError> {
        let test = self.test();
        let scope = test.scope();
        let url = &self.endpoints.token_url;
        let outcome = connect::test_connection(http, &test, lang)
            .await
            .map_err(|e| ApiError::Token {
                code: e.code().into(),
                cause: TOKEN_CONFIGURATION.into(),
                message: e.message(lang),
                trace_id: None,
            })?;
        match outcome {
            ConnectionOutcome::Granted { token, .. } => {
                let value = token.token.clone();
                self.cache.put(url, &self.client_id, &scope, token);
                Ok(value)
            }
            ConnectionOutcome::Failed {
                failure,
                cause,
                explanation,
                exchange,
                ..
            } => Err(ApiError::Token {
                code: failure.code(),
                cause: cause.code().into(),
                message: explanation,
                trace_id: exchange.trace_id,
            }),
            ConnectionOutcome::CertificateRefused(findings) => Err(ApiError::Token {
                code: findings
                    .first()
                    .map(|f| f.code().to_owned())
                    .unwrap_or_default(),
                cause: TOKEN_CERTIFICATE.into(),
                message: findings
                    .iter()
                    .map(|f| f.message(lang))
                    .collect::<Vec<_>>()
                    .join("\n"),
                trace_id: None,
            }),
        }
    }
}

/// A submitted declaration: its id, and whether it was there already (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub declaration_id: i64,
    pub duplicate: bool,
}

/// Retries of a request that met a 5xx or no answer: bounded exponential
/// backoff with jitter, all of it within `budget` (and within three times the
/// request timeout, so that a short `--timeout` stays short).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub first_wait: Duration,
    pub max_wait: Duration,
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            first_wait: Duration::from_millis(500),
            max_wait: Duration::from_secs(8),
            budget: Duration::from_secs(45),
        }
    }
}

impl RetryPolicy {
    /// The wait before another attempt, after `attempts` attempts that took
    /// `elapsed`; `None` to stop. `jitter` in [0, 1) spreads the waits of many
    /// clients (the wait is between half and all of the exponential step).
    pub fn next_wait(
        &self,
        attempts: u32,
        elapsed: Duration,
        timeout: Duration,
        jitter: f64,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let wait = self.step(attempts, jitter);
        let budget = self.budget.min(timeout.saturating_mul(3));
        (elapsed + wait + timeout <= budget).then_some(wait)
    }
}

impl RetryPolicy {
    /// The exponential step after `attempts` attempts (`first_wait`, doubled
    /// each time up to `max_wait`), between half and all of it by `jitter` in [0, 1).
    pub fn step(&self, attempts: u32, jitter: f64) -> Duration {
        let step = self
            .first_wait
            .saturating_mul(1 << attempts.saturating_sub(1).min(16))
            .min(self.max_wait);
        step.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
    }
}

/// The longest `Retry-After` honoured: a longer one is waited this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// A `Retry-After` value: seconds, or an HTTP date (the wait until then,
/// nothing for a date past); `None` for anything else. Capped at [`MAX_RETRY_AFTER`].
pub fn retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = token::parse_http_date(value)?;
            let secs = (at - now).whole_milliseconds().max(0);
            Duration::from_millis(u64::try_from(secs).unwrap_or(u64::MAX))
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// What became of a `POST` that must not be sent twice blindly.
#[derive(Debug, Clone, PartialEq)]
pub enum PostOutcome {
    /// The server took it (201), or already had the reference (409).
    Taken(Submitted),
    /// The server surely did not take it (an answer that refuses it, or no
    /// connection at all): it may be sent again.
    NotTaken(ApiError),
    /// It may have been taken (it left, no answer came back, or a gateway
    /// timed out): search by reference before sending again.
    Unknown(ApiError),
}

/// The most pages a search is followed: 20,000 pages of 50 is a million
/// declarations, more than any one enterprise declares.
pub const MAX_SEARCH_PAGES: usize = 20_000;

/// The most pages a search by one reference is followed (one declaration, or
/// a few where a server took the reference more than once).
pub const MAX_REFERENCE_PAGES: usize = 100;

/// A search's cursors as they are followed: a cursor the server gives twice,
/// or more pages than the bound, ends the search with an error instead of
/// reading without end.
#[derive(Debug)]
pub struct Cursors {
    seen: HashSet<String>,
    max: usize,
}

impl Cursors {
    pub fn new(max: usize) -> Cursors {
        Cursors {
            seen: HashSet::new(),
            max,
        }
    }

    /// The cursor of the next page, if it may be followed.
    pub fn follow(&mut self, next: String) -> Result<String, ApiError> {
        let pages = self.seen.len() + 1;
        if self.seen.contains(&next) {
            return Err(ApiError::EndlessPaging {
                pages,
                repeated: true,
            });
        }
        if pages >= self.max {
            return Err(ApiError::EndlessPaging {
                pages,
                repeated: false,
            });
        }
        self.seen.insert(next.clone());
        Ok(next)
    }
}

/// A counted request's failure, and whether the request may have reached the
/// server (it left and no answer was seen).
struct Failed {
    error: ApiError,
    maybe_sent: bool,
}

/// What one request met, for whoever paces the requests ([`Observer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// An answer with this status (its headers came back).
    Status(u16),
    /// No answer within the timeout.
    TimedOut,
    /// No answer for another reason (no connection, a reset).
    NoAnswer,
}

/// Told of every request's answer, each retry included, as it comes: how the
/// engine finds the server's pace (`submit::pace`). Must not block.
pub trait Observer: Send + Sync {
    /// The request left at `sent`; its answer (or none) came `latency` later.
    fn observe(&self, answer: Answered, sent: Instant, latency: Duration);
}

/// A number in [0, 1) for the jitter, from the OS's randomness.
pub fn jitter() -> f64 {
    (uuid::Uuid::new_v4().as_u128() % 1024) as f64 / 1024.0
}

pub struct FlaClient {
    pub http: reqwest::Client,
    pub api_base: String,
    /// The server a journal keeps this client's declarations under (see
    /// `channel::env::server_key`).
    pub server: String,
    pub tokens: TokenSource,
    pub schedule: PollSchedule,
    pub retry: RetryPolicy,
    pub lang: Lang,
    /// `BelGov-Trace-Id` of the last response, for support calls.
    pub last_trace_id: std::sync::Mutex<Option<String>>,
    /// Told of every answer (see [`FlaClient::observe_with`]).
    observer: std::sync::RwLock<Option<Arc<dyn Observer>>>,
}

/// How many times a 429 is waited out before giving up.
const MAX_RETRIES_429: usize = 5;

fn trace_id_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("BelGov-Trace-Id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl FlaClient {
    pub fn new(http: reqwest::Client, tokens: TokenSource, lang: Lang) -> Result<Self, ApiError> {
        let api_base = tokens
            .endpoints
            .api_base
            .clone()
            .ok_or(ApiError::NoApiBase)?;
        Ok(FlaClient {
            http,
            server: tokens.endpoints.server.clone(),
            api_base,
            tokens,
            schedule: PollSchedule::default(),
            retry: RetryPolicy::default(),
            lang,
            last_trace_id: std::sync::Mutex::new(None),
            observer: std::sync::RwLock::new(None),
        })
    }

    /// From now on `observer` is told of every request's answer (it replaces
    /// any earlier one: the engine that opened last paces this client).
    pub fn observe_with(&self, observer: Arc<dyn Observer>) {
        let mut slot = self
            .observer
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *slot = Some(observer);
    }

    /// Sends one request and tells the observer what came back, how fast.
    async fn timed_send(&self, request: RequestBuilder) -> reqwest::Result<reqwest::Response> {
        let sent = Instant::now();
        let result = request.send().await;
        let observer = self
            .observer
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(observer) = observer {
            let answer = match &result {
                Ok(response) => Answered::Status(response.status().as_u16()),
                Err(e) if e.is_timeout() => Answered::TimedOut,
                Err(_) => Answered::NoAnswer,
            };
            observer.observe(answer, sent, sent.elapsed());
        }
        result
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base.trim_end_matches('/'))
    }

    /// Sends a request, again after a 5xx or no answer as [`RetryPolicy`] allows.
    /// Every request of this client may be sent twice: GET, PUT and DELETE are
    /// idempotent, the search only reads, and a second `POST /trainings` with the
    /// same `externalReference` answers 409 with the first declaration's
    /// Location, which `submit` takes as the result.
    async fn send(
        &self,
        build: impl Fn(&str) -> RequestBuilder,
    ) -> Result<reqwest::Response, ApiError> {
        self.retrying(
            || self.send_authorised(&build),
            |result| match result {
                Ok(response) => response.status().is_server_error(),
                Err(e) => e.is_transient(),
            },
        )
        .await
    }

    /// Runs `attempt` again, after the waits of [`RetryPolicy`], while
    /// `transient` says its result may be different on another try.
    pub async fn retrying<T, F: std::future::Future<Output = T>>(
        &self,
        mut attempt: impl FnMut() -> F,
        transient: impl Fn(&T) -> bool,
    ) -> T {
        let started = std::time::Instant::now();
        let mut attempts = 1;
        loop {
            let result = attempt().await;
            if transient(&result) {
                if let Some(wait) =
                    self.retry
                        .next_wait(attempts, started.elapsed(), self.tokens.timeout, jitter())
                {
                    attempts += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return result;
        }
    }

    /// Sends with a bearer token: once more with a new token after a 401, and
    /// again after a 429's `Retry-After`.
    async fn send_authorised(
        &self,
        build: &impl Fn(&str) -> RequestBuilder,
    ) -> Result<reqwest::Response, ApiError> {
        let mut stale: Option<Zeroizing<String>> = None;
        let mut renewed = false;
        let mut waited = 0;
        loop {
            let token = self
                .tokens
                .token_for(&self.http, stale.as_deref().map(String::as_str), self.lang)
                .await?;
            let response = self
                .timed_send(build(&token))
                .await
                .map_err(|e| self.transport(&e))?;
            self.note_trace(&response);
            match response.status() {
                StatusCode::UNAUTHORIZED if !renewed => {
                    renewed = true;
                    stale = Some(token);
                }
                StatusCode::TOO_MANY_REQUESTS if waited < MAX_RETRIES_429 => {
                    waited += 1;
                    let wait = self
                        .retry_after_of(&response)
                        .unwrap_or(Duration::from_secs(1));
                    tokio::time::sleep(wait).await;
                }
                _ => return Ok(response),
            }
        }
    }

    fn note_trace(&self, response: &reqwest::Response) {
        if let Ok(mut trace) = self.last_trace_id.lock() {
            *trace = trace_id_of(response);
        }
    }

    /// The response's `Retry-After`, seconds or HTTP date (at the client's clock).
    fn retry_after_of(&self, response: &reqwest::Response) -> Option<Duration> {
        response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, (self.tokens.clock)()))
    }

    /// Sends a request at most `tries` times in all: again after a 5xx, a 429
    /// (after its `Retry-After`) or no answer, with the retry policy's
    /// exponential backoff and jitter; a 401 renews the shared token once
    /// (not counted as a try). With `once_sent`, a request that left without
    /// an answer is not sent again (a `POST`): the failure says it may have
    /// reached the server.
    async fn send_counted(
        &self,
        build: impl Fn(&str) -> RequestBuilder,
        tries: u32,
        once_sent: bool,
    ) -> Result<reqwest::Response, Failed> {
        let tries = tries.max(1);
        let mut attempt = 0;
        let mut stale: Option<Zeroizing<String>> = None;
        let mut renewed = false;
        loop {
            attempt += 1;
            let more = attempt < tries;
            let backoff = self.retry.step(attempt, jitter());
            let token = match self
                .tokens
                .token_for(&self.http, stale.as_deref().map(String::as_str), self.lang)
                .await
            {
                Ok(t) => t,
                Err(error) => {
                    if more && error.is_transient() {
                        tokio::time::sleep(backoff).await;
                        continue;
                    }
                    return Err(Failed {
                        error,
                        maybe_sent: false,
                    });
                }
            };
            let response = match self.timed_send(build(&token)).await {
                Ok(r) => r,
                Err(e) => {
                    let maybe_sent = !e.is_connect();
                    let error = self.transport(&e);
                    if more && !(once_sent && maybe_sent) {
                        tokio::time::sleep(backoff).await;
                        continue;
                    }
                    return Err(Failed { error, maybe_sent });
                }
            };
            self.note_trace(&response);
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !renewed {
                renewed = true;
                stale = Some(token);
                attempt -= 1;
                continue;
            }
            if status == StatusCode::TOO_MANY_REQUESTS && more {
                let wait = self.retry_after_of(&response).unwrap_or(backoff);
                tokio::time::sleep(wait).await;
                continue;
            }
            // A gateway that timed out may have passed the POST on, and a
            // server that failed (500) may have failed after its commit: not
            // sent again blindly. A 503 says it was not processed.
            let gateway = matches!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::GATEWAY_TIMEOUT
            );
            if status.is_server_error() && more && !(once_sent && gateway) {
                tokio::time::sleep(backoff).await;
                continue;
            }
            return Ok(response);
        }
    }

    /// A request that got no answer.
    fn transport(&self, e: &reqwest::Error) -> ApiError {
        if e.is_timeout() {
            return ApiError::Timeout {
                seconds: self.tokens.timeout.as_secs(),
            };
        }
        ApiError::Network(token::error_chain(e))
    }

    async fn problem_of(response: reqwest::Response) -> Result<(u16, Problem), ApiError> {
        let status = response.status().as_u16();
        let trace_id = trace_id_of(&response);
        let text = match body::read_capped(response, body::API_BODY_MAX).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(body::BodyError::TooLarge { limit }) => {
                return Err(ApiError::TooLarge { limit, trace_id })
            }
            Err(body::BodyError::Transport(_)) => String::new(),
        };
        let problem = serde_json::from_str::<Problem>(&text).unwrap_or_else(|_| Problem {
            kind: "about:blank".into(),
            title: String::new(),
            status,
            detail: Some(text.chars().take(200).collect()),
            issues: vec![],
            enterprise_number: None,
        });
        Ok((status, problem))
    }

    /// Maps a response that is not the expected success to an error; `asked` is
    /// the enterprise the request was about, where it names one.
    async fn failure(response: reqwest::Response, asked: Option<&str>) -> ApiError {
        let trace_id = trace_id_of(&response);
        if response.status().is_redirection() {
            return ApiError::Redirect {
                status: response.status().as_u16(),
                location: response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                trace_id,
            };
        }
        let (status, problem) = match Self::problem_of(response).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let detail = problem.detail.clone().unwrap_or_default();
        match status {
            400 => ApiError::BadRequest {
                problem: Box::new(problem),
                trace_id,
            },
            401 => ApiError::Unauthorized { detail, trace_id },
            403 if problem.kind == wire::PROBLEM_MISSING_SCOPE => {
                ApiError::MissingScope { detail, trace_id }
            }
            403 if problem.kind == wire::PROBLEM_NO_MANDATE => ApiError::NoMandate {
                enterprise: problem
                    .enterprise_number
                    .or_else(|| asked.map(str::to_owned))
                    .unwrap_or_default(),
                detail,
                trace_id,
            },
            403 => ApiError::Forbidden {
                problem_type: problem.kind,
                detail,
                trace_id,
            },
            _ => ApiError::Server {
                status,
                detail,
                trace_id,
            },
        }
    }

    async fn json<T: DeserializeOwned>(&self, response: reqwest::Response) -> Result<T, ApiError> {
        let status = response.status().as_u16();
        let trace_id = trace_id_of(&response);
        let bytes = body::read_capped(response, body::API_BODY_MAX)
            .await
            .map_err(|e| match e {
                body::BodyError::TooLarge { limit } => ApiError::TooLarge {
                    limit,
                    trace_id: trace_id.clone(),
                },
                body::BodyError::Transport(e) => self.transport(&e),
            })?;
        let text = String::from_utf8_lossy(&bytes);
        serde_json::from_str(&text).map_err(|_| ApiError::Server {
            status,
            detail: format!(
                "the answer is not the expected JSON: {}",
                text.chars().take(120).collect::<String>()
            ),
            trace_id,
        })
    }

    fn id_from_location(response: &reqwest::Response) -> Option<i64> {
        response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.rsplit('/').next())
            .and_then(|id| id.parse().ok())
    }

    /// `POST /trainings`; a duplicate reference gives the first declaration's id.
    pub async fn submit(&self, declaration: &Declaration) -> Result<Submitted, ApiError> {
        let url = self.url(wire::TRAININGS);
        let asked = Some(declaration.employer.enterprise_number.as_str());
        let response = self
            .send(|t| self.http.post(&url).bearer_auth(t).json(declaration))
            .await?;
        match response.status() {
            StatusCode::CREATED => {
                let from_location = Self::id_from_location(&response);
                let created: Created = self.json(response).await?;
                Ok(Submitted {
                    declaration_id: from_location.unwrap_or(created.declaration_id),
                    duplicate: false,
                })
            }
            StatusCode::CONFLICT => match Self::id_from_location(&response) {
                Some(id) => Ok(Submitted {
                    declaration_id: id,
                    duplicate: true,
                }),
                None => Err(Self::failure(response, asked).await),
            },
            _ => Err(Self::failure(response, asked).await),
        }
    }

    /// `GET /trainings/{id}`: `None` while it is being processed.
    pub async fn get(&self, id: i64) -> Result<Option<StoredDeclaration>, ApiError> {
        let url = self.url(&format!("{}/{id}", wire::TRAININGS));
        let response = self.send(|t| self.http.get(&url).bearer_auth(t)).await?;
        match response.status() {
            StatusCode::OK => self.json(response).await.map(Some),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(Self::failure(response, None).await),
        }
    }

    /// Polls with the schedule until the declaration is processed.
    pub async fn wait_for_result(&self, id: i64) -> Result<StoredDeclaration, ApiError> {
        let start = std::time::Instant::now();
        while let Some(wait) = self.schedule.next_wait(start.elapsed()) {
            tokio::time::sleep(wait).await;
            if let Some(done) = self.get(id).await? {
                return Ok(done);
            }
        }
        Err(ApiError::StillProcessing(id))
    }

    /// `POST /trainings` tried at most `tries` times, never sent again once it
    /// may have reached the server: what became of it.
    pub async fn submit_counted(&self, declaration: &Declaration, tries: u32) -> PostOutcome {
        let url = self.url(wire::TRAININGS);
        let asked = Some(declaration.employer.enterprise_number.as_str());
        let response = match self
            .send_counted(
                |t| self.http.post(&url).bearer_auth(t).json(declaration),
                tries,
                true,
            )
            .await
        {
            Ok(r) => r,
            Err(Failed {
                error,
                maybe_sent: true,
            }) => return PostOutcome::Unknown(error),
            Err(Failed { error, .. }) => return PostOutcome::NotTaken(error),
        };
        match response.status() {
            StatusCode::CREATED => {
                let from_location = Self::id_from_location(&response);
                match self.json::<Created>(response).await {
                    Ok(created) => PostOutcome::Taken(Submitted {
                        declaration_id: from_location.unwrap_or(created.declaration_id),
                        duplicate: false,
                    }),
                    // Taken, but its id did not come through.
                    Err(e) => match from_location {
                        Some(id) => PostOutcome::Taken(Submitted {
                            declaration_id: id,
                            duplicate: false,
                        }),
                        None => PostOutcome::Unknown(e),
                    },
                }
            }
            StatusCode::CONFLICT => match Self::id_from_location(&response) {
                Some(id) => PostOutcome::Taken(Submitted {
                    declaration_id: id,
                    duplicate: true,
                }),
                None => PostOutcome::NotTaken(Self::failure(response, asked).await),
            },
            // The server (or a gateway) failed after the body was sent, or a
            // success that is not the contract's 201 (a proxy's 200, a 202):
            // whether it was taken is not known, it is looked up by reference.
            status
                if matches!(
                    status,
                    StatusCode::INTERNAL_SERVER_ERROR
                        | StatusCode::BAD_GATEWAY
                        | StatusCode::GATEWAY_TIMEOUT
                ) || status.is_success() =>
            {
                PostOutcome::Unknown(Self::failure(response, asked).await)
            }
            _ => PostOutcome::NotTaken(Self::failure(response, asked).await),
        }
    }

    /// `PUT /trainings/{id}` (idempotent), tried at most `tries` times.
    pub async fn correct_counted(
        &self,
        id: i64,
        declaration: &Declaration,
        tries: u32,
    ) -> Result<(), ApiError> {
        let url = self.url(&format!("{}/{id}", wire::TRAININGS));
        let asked = Some(declaration.employer.enterprise_number.as_str());
        let response = self
            .send_counted(
                |t| {
                    self.http
                        .request(Method::PUT, &url)
                        .bearer_auth(t)
                        .json(declaration)
                },
                tries,
                false,
            )
            .await
            .map_err(|f| f.error)?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(Self::failure(response, asked).await)
        }
    }

    /// `GET /trainings/{id}` tried at most `tries` times: `None` while processing.
    pub async fn get_counted(
        &self,
        id: i64,
        tries: u32,
    ) -> Result<Option<StoredDeclaration>, ApiError> {
        let url = self.url(&format!("{}/{id}", wire::TRAININGS));
        let response = self
            .send_counted(|t| self.http.get(&url).bearer_auth(t), tries, false)
            .await
            .map_err(|f| f.error)?;
        match response.status() {
            StatusCode::OK => self.json(response).await.map(Some),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(Self::failure(response, None).await),
        }
    }

    /// One page of a search, tried at most `tries` times.
    pub async fn search_page(
        &self,
        filters: &SearchRequest,
        tries: u32,
    ) -> Result<SearchPage, ApiError> {
        let url = self.url(wire::SEARCH);
        let response = self
            .send_counted(
                |t| self.http.post(&url).bearer_auth(t).json(filters),
                tries,
                false,
            )
            .await
            .map_err(|f| f.error)?;
        if response.status() != StatusCode::OK {
            return Err(Self::failure(response, Some(&filters.enterprise_number)).await);
        }
        self.json(response).await
    }

    /// What the server holds under `reference` for `enterprise` (every page;
    /// more than one where a server took the reference twice), each page tried
    /// at most `tries` times.
    pub async fn search_reference(
        &self,
        enterprise: &str,
        reference: &str,
        tries: u32,
    ) -> Result<Vec<StoredDeclaration>, ApiError> {
        let mut filters = SearchRequest {
            enterprise_number: enterprise.to_owned(),
            external_reference: Some(reference.to_owned()),
            ..SearchRequest::default()
        };
        let mut items = Vec::new();
        let mut cursors = Cursors::new(MAX_REFERENCE_PAGES);
        loop {
            let page = self.search_page(&filters, tries).await?;
            items.extend(
                page.items
                    .into_iter()
                    .filter(|i| i.declaration.external_reference == reference),
            );
            match page.next {
                Some(next) => filters.cursor = Some(cursors.follow(next)?),
                None => return Ok(items),
            }
        }
    }

    /// Every page of a search.
    pub async fn search_all(
        &self,
        filters: &SearchRequest,
    ) -> Result<Vec<StoredDeclaration>, ApiError> {
        let url = self.url(wire::SEARCH);
        let mut filters = filters.clone();
        let mut items = Vec::new();
        let mut cursors = Cursors::new(MAX_SEARCH_PAGES);
        loop {
            let body = filters.clone();
            let response = self
                .send(|t| self.http.post(&url).bearer_auth(t).json(&body))
                .await?;
            if response.status() != StatusCode::OK {
                return Err(Self::failure(response, Some(&filters.enterprise_number)).await);
            }
            let page: SearchPage = self.json(response).await?;
            items.extend(page.items);
            match page.next {
                Some(next) => filters.cursor = Some(cursors.follow(next)?),
                None => return Ok(items),
            }
        }
    }

    /// `PUT /trainings/{id}`: a correction, processed again.
    pub async fn correct(&self, id: i64, declaration: &Declaration) -> Result<(), ApiError> {
        let url = self.url(&format!("{}/{id}", wire::TRAININGS));
        let response = self
            .send(|t| {
                self.http
                    .request(Method::PUT, &url)
                    .bearer_auth(t)
                    .json(declaration)
            })
            .await?;
        if response.status().is_success() {
            Ok(())
        } else {
            let asked = Some(declaration.employer.enterprise_number.as_str());
            Err(Self::failure(response, asked).await)
        }
    }

    /// `DELETE /trainings/{id}`: cancels it (`202`, then its result is `C`).
    pub async fn cancel(&self, id: i64) -> Result<(), ApiError> {
        let url = self.url(&format!("{}/{id}", wire::TRAININGS));
        let response = self.send(|t| self.http.delete(&url).bearer_auth(t)).await?;
        if response.status().is_success() {
            Ok(())
        } else if response.status() == StatusCode::NOT_FOUND {
            Err(ApiError::NotFound {
                id,
                trace_id: trace_id_of(&response),
            })
        } else {
            Err(Self::failure(response, None).await)
        }
    }
}

/// Today's date from a clock (the rules' "today"): the date in Brussels.
pub fn today(clock: &Clock) -> time::Date {
    let now: OffsetDateTime = clock();
    crate::today::brussels_date(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stay_within_the_budget() {
        let r = RetryPolicy::default();
        let timeout = Duration::from_secs(15);
        // Exponential steps, between half and all of each.
        assert_eq!(
            r.next_wait(1, Duration::ZERO, timeout, 0.0),
            Some(Duration::from_millis(250))
        );
        let most = r.next_wait(1, Duration::ZERO, timeout, 0.999).unwrap();
        assert!(most > Duration::from_millis(495) && most <= Duration::from_millis(500));
        assert_eq!(
            r.next_wait(3, Duration::ZERO, timeout, 0.0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            r.next_wait(r.max_attempts, Duration::ZERO, timeout, 0.0),
            None
        );
        // Whatever the answers' timing, the attempts and waits end within the
        // budget: a server that never answers is tried until the next attempt
        // could not end in time.
        for t in [1, 2, 5, 15, 30, 120] {
            let timeout = Duration::from_secs(t);
            for jitter in [0.0, 0.5, 0.99] {
                let mut elapsed = timeout; // the first attempt timed out
                let mut attempts = 1;
                while let Some(wait) = r.next_wait(attempts, elapsed, timeout, jitter) {
                    elapsed += wait + timeout;
                    attempts += 1;
                }
                assert!(
                    elapsed <= r.budget.max(timeout),
                    "{t} s, jitter {jitter}: {elapsed:?}"
                );
                assert!(elapsed <= timeout.saturating_mul(3).max(timeout));
            }
        }
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = token::parse_http_date("Wed, 25 Nov 2026 10:00:00 GMT").unwrap();
        assert_eq!(retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Wed, 25 Nov 2026 10:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        // A date already past: no wait.
        assert_eq!(
            retry_after("Wed, 25 Nov 2026 09:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        // Capped, whichever form.
        assert_eq!(retry_after("86400", now), Some(MAX_RETRY_AFTER));
        assert_eq!(
            retry_after("Thu, 26 Nov 2026 10:00:00 GMT", now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-1", now), None);
    }

    #[test]
    fn backoff_steps_double_with_jitter_and_stay_bounded() {
        let r = RetryPolicy {
            first_wait: Duration::from_millis(100),
            max_wait: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for attempts in 1..=10 {
            let full = Duration::from_millis(100 * (1 << (attempts - 1))).min(r.max_wait);
            for jitter in [0.0, 0.3, 0.999, 5.0, -1.0] {
                let wait = r.step(attempts, jitter);
                assert!(
                    wait >= full / 2 && wait <= full,
                    "{attempts} {jitter}: {wait:?}"
                );
            }
        }
        assert_eq!(r.step(1, 0.0), Duration::from_millis(50));
        assert_eq!(r.step(3, 0.0), Duration::from_millis(200));
        assert_eq!(r.step(40, 1.0), r.max_wait);
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn a_403_is_a_missing_mandate_only_by_its_problem_type() {
        let problem: Problem = serde_json::from_str(
            r#"{"type":"urn:problem-type:sigedis:missingMandate","title":"Forbidden",
                "status":403,"detail":"x","enterpriseNumber":"0202239951"}"#,
        )
        .unwrap();
        assert_eq!(problem.enterprise_number.as_deref(), Some("0202239951"));
        let e = ApiError::Forbidden {
            problem_type: "urn:x".into(),
            detail: "no mandate".into(),
            trace_id: Some("t-1".into()),
        };
        assert_eq!(e.code(), "forbidden");
        assert!(!e.is_refusal());
        assert_eq!(e.trace_id(), Some("t-1"));
        assert!(e.message_with_trace(Lang::En).contains("t-1"));
    }

    #[test]
    fn the_schedule_follows_the_contract() {
        let s = PollSchedule::default();
        assert_eq!(s.next_wait(Duration::ZERO), Some(Duration::from_secs(2)));
        assert_eq!(
            s.next_wait(Duration::from_secs(2)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            s.next_wait(Duration::from_secs(29)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            s.next_wait(Duration::from_secs(30)),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            s.next_wait(Duration::from_secs(290)),
            Some(Duration::from_secs(10))
        );
        assert_eq!(s.next_wait(Duration::from_secs(300)), None);
    }
}
