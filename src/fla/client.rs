//! The FLA API client: submit (POST → 201 + Location), wait for the result with
//! the contract's polling schedule, search with paging, correct, cancel. A 401
//! fetches a new token once; a 429 waits `Retry-After`; a 409 duplicate reference
//! leads to the existing declaration; problem+json errors become messages.
//! Its tokens come from the channel's `TokenSource`. Beside it: `tests`.

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
use crate::channel::body;
use crate::channel::token::{self, Clock};
use crate::i18n::Lang;

pub use super::error::{ApiError, TOKEN_CERTIFICATE, TOKEN_CONFIGURATION};
pub use super::retry::{jitter, retry_after, RetryPolicy, MAX_RETRY_AFTER};

/// Where the client's tokens come from (the channel's, for any service).
pub use crate::channel::source::TokenSource;

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

/// A submitted declaration: its id, and whether it was there already (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub declaration_id: i64,
    pub duplicate: bool,
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

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base.trim_end_matches('/'))
    }

    /// Sends a request, again after a 5xx or no answer as [`RetryPolicy`] allows.
    /// Every request of this client may be sent twice: GET, PUT and DELETE are
    /// idempotent, the search only reads, and a second `POST /trainings` with the
    /// same `externalReference` answers 409 with the first declaration's
    /// Location, which `submit` takes as the result.
    pub(crate) async fn send(
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
    pub(crate) async fn send_authorised(
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
                .map_err(ApiError::from)
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
    pub(crate) async fn failure(response: reqwest::Response, asked: Option<&str>) -> ApiError {
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

    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<T, ApiError> {
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

    pub(crate) fn id_from_location(response: &reqwest::Response) -> Option<i64> {
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
        self.post_counted(
            wire::TRAININGS,
            declaration,
            Some(declaration.employer.enterprise_number.as_str()),
            tries,
        )
        .await
    }

    /// A `POST` that creates a declaration at `path` (any service's: the new
    /// id in `Location`, or a body's `declarationId`), tried at most `tries`
    /// times, never sent again once it may have reached the server: what
    /// became of it. `asked` is the enterprise the body declares for.
    pub async fn post_counted<B: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
        asked: Option<&str>,
        tries: u32,
    ) -> PostOutcome {
        let url = self.url(path);
        let response = match self
            .send_counted(
                |t| self.http.post(&url).bearer_auth(t).json(body),
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
        self.get_counted_at(&format!("{}/{id}", wire::TRAININGS), tries)
            .await
    }

    /// A `GET` of one declaration at `path` (any service's), tried at most
    /// `tries` times: `None` while it is processed (404).
    pub async fn get_counted_at<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        tries: u32,
    ) -> Result<Option<T>, ApiError> {
        let url = self.url(path);
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
        self.all_pages(
            wire::SEARCH,
            filters,
            &filters.enterprise_number,
            MAX_SEARCH_PAGES,
            |f, cursor| f.cursor = Some(cursor),
        )
        .await
    }

    /// Every page of the search at `path` (any service's: `{items, next}`),
    /// `filters` sent again with each page's cursor (`with_cursor`), at most
    /// `max_pages` pages; `asked` is the enterprise the search is about.
    pub(crate) async fn all_pages<F, T>(
        &self,
        path: &str,
        filters: &F,
        asked: &str,
        max_pages: usize,
        with_cursor: impl Fn(&mut F, String),
    ) -> Result<Vec<T>, ApiError>
    where
        F: serde::Serialize + Clone,
        T: DeserializeOwned,
    {
        #[derive(serde::Deserialize)]
        struct Paged<T> {
            items: Vec<T>,
            #[serde(default)]
            next: Option<String>,
        }
        let url = self.url(path);
        let mut filters = filters.clone();
        let mut items = Vec::new();
        let mut cursors = Cursors::new(max_pages);
        loop {
            let body = filters.clone();
            let response = self
                .send(|t| self.http.post(&url).bearer_auth(t).json(&body))
                .await?;
            if response.status() != StatusCode::OK {
                return Err(Self::failure(response, Some(asked)).await);
            }
            let page: Paged<T> = self.json(response).await?;
            items.extend(page.items);
            match page.next {
                Some(next) => with_cursor(&mut filters, cursors.follow(next)?),
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
mod tests;
