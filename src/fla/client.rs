//! The FLA API client: submit (POST → 201 + Location), wait for the result with
//! the contract's polling schedule, search with paging, correct, cancel. A 401
//! fetches a new token once; a 429 waits `Retry-After`; a 409 duplicate reference
//! leads to the existing declaration; problem+json errors become messages.

use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::wire::{
    self, Created, Declaration, Problem, SearchPage, SearchRequest, StoredDeclaration,
};
use crate::cert::{Entry, Protection};
use crate::channel::assertion::DEFAULT_LIFETIME_SECS;
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

/// Why an API call did not give its answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No token: the connection itself fails.
    Token {
        code: String,
        cause: String,
        message: String,
    },
    /// 400: the body is not a declaration (issues say where).
    BadRequest(Problem),
    /// 403: no mandate for this enterprise.
    NoMandate {
        enterprise: String,
        detail: String,
    },
    /// 403: the token's scope does not give access.
    MissingScope(String),
    /// 401 even with a new token.
    Unauthorized(String),
    NotFound(i64),
    /// Submitted, but no result within the schedule: check later with this id.
    StillProcessing(i64),
    Server {
        status: u16,
        detail: String,
    },
    Network(String),
    NoApiBase,
}

impl ApiError {
    pub fn code(&self) -> String {
        match self {
            ApiError::Token { code, .. } => code.clone(),
            ApiError::BadRequest(_) => "bad_request".into(),
            ApiError::NoMandate { .. } => "no_mandate".into(),
            ApiError::MissingScope(_) => "missing_scope".into(),
            ApiError::Unauthorized(_) => "unauthorized".into(),
            ApiError::NotFound(_) => "not_found".into(),
            ApiError::StillProcessing(_) => "still_processing".into(),
            ApiError::Server { .. } => "server_error".into(),
            ApiError::Network(_) => "network".into(),
            ApiError::NoApiBase => "no_api_base".into(),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let key = format!("api.error.{}", self.code());
        match self {
            ApiError::Token { message, .. } => message.clone(),
            ApiError::BadRequest(p) => {
                let issues: Vec<String> = p
                    .issues
                    .iter()
                    .map(|i| format!("{}: {}", i.name, i.detail))
                    .collect();
                tr_args(lang, &key, &[("issues", issues.join("; "))])
            }
            ApiError::NoMandate { enterprise, detail } => tr_args(
                lang,
                &key,
                &[
                    ("enterprise", enterprise.clone()),
                    ("detail", detail.clone()),
                ],
            ),
            ApiError::MissingScope(d) | ApiError::Unauthorized(d) | ApiError::Network(d) => {
                tr_args(lang, &key, &[("detail", d.clone())])
            }
            ApiError::NotFound(id) | ApiError::StillProcessing(id) => {
                tr_args(lang, &key, &[("id", id.to_string())])
            }
            ApiError::Server { status, detail } => tr_args(
                lang,
                &key,
                &[("status", status.to_string()), ("detail", detail.clone())],
            ),
            ApiError::NoApiBase => tr_args(lang, &key, &[]),
        }
    }

    /// A refusal (the server said no to this sender), as opposed to a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ApiError::NoMandate { .. } | ApiError::MissingScope(_))
    }
}

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
    pub cache: TokenCache,
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
            cache: TokenCache::default(),
        }
    }

    /// A token from the cache, or a new one (always new with `fresh`), through
    /// the same connection test as the Connection page and `token`.
    pub async fn token(
        &self,
        http: &reqwest::Client,
        fresh: bool,
        lang: Lang,
    ) -> Result<Zeroizing<String>, ApiError> {
        let test = ConnectionTest {
            endpoints: &self.endpoints,
            service: self.service,
            client_id: &self.client_id,
            role: self.role,
            scope: self.scope.as_deref(),
            entry: &self.entry,
            protection: &self.protection,
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            timeout: self.timeout,
            clock: self.clock.clone(),
        };
        let scope = test.scope();
        let url = &self.endpoints.token_url;
        if fresh {
            self.cache.forget(url, &self.client_id, &scope);
        } else if let Some(t) = self.cache.get(url, &self.client_id, &scope, (self.clock)()) {
            return Ok(t.token);
        }
        let outcome = connect::test_connection(http, &test, lang)
            .await
            .map_err(|e| ApiError::Token {
                code: e.code().into(),
                cause: "configuration".into(),
                message: e.message(lang),
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
                ..
            } => Err(ApiError::Token {
                code: failure.code(),
                cause: cause.code().into(),
                message: explanation,
            }),
            ConnectionOutcome::CertificateRefused(findings) => Err(ApiError::Token {
                code: findings
                    .first()
                    .map(|f| f.code().to_owned())
                    .unwrap_or_default(),
                cause: "certificate".into(),
                message: findings
                    .iter()
                    .map(|f| f.message(lang))
                    .collect::<Vec<_>>()
                    .join("\n"),
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

pub struct FlaClient {
    pub http: reqwest::Client,
    pub api_base: String,
    pub tokens: TokenSource,
    pub schedule: PollSchedule,
    pub lang: Lang,
    /// `BelGov-Trace-Id` of the last response, for support calls.
    pub last_trace_id: std::sync::Mutex<Option<String>>,
}

/// How many times a 429 is waited out before giving up.
const MAX_RETRIES_429: usize = 5;

impl FlaClient {
    pub fn new(http: reqwest::Client, tokens: TokenSource, lang: Lang) -> Result<Self, ApiError> {
        let api_base = tokens
            .endpoints
            .api_base
            .clone()
            .ok_or(ApiError::NoApiBase)?;
        Ok(FlaClient {
            http,
            api_base,
            tokens,
            schedule: PollSchedule::default(),
            lang,
            last_trace_id: std::sync::Mutex::new(None),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base.trim_end_matches('/'))
    }

    /// Sends with a bearer token: once more with a new token after a 401, and
    /// again after a 429's `Retry-After`.
    async fn send(
        &self,
        build: impl Fn(&str) -> RequestBuilder,
    ) -> Result<reqwest::Response, ApiError> {
        let mut fresh = false;
        let mut waited = 0;
        loop {
            let token = self.tokens.token(&self.http, fresh, self.lang).await?;
            let response = build(&token)
                .send()
                .await
                .map_err(|e| ApiError::Network(e.to_string()))?;
            if let Ok(mut trace) = self.last_trace_id.lock() {
                *trace = response
                    .headers()
                    .get("BelGov-Trace-Id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
            }
            match response.status() {
                StatusCode::UNAUTHORIZED if !fresh => fresh = true,
                StatusCode::TOO_MANY_REQUESTS if waited < MAX_RETRIES_429 => {
                    waited += 1;
                    let secs = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .unwrap_or(1)
                        .min(120);
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                }
                _ => return Ok(response),
            }
        }
    }

    async fn problem_of(response: reqwest::Response) -> (u16, Problem) {
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let problem = serde_json::from_str::<Problem>(&text).unwrap_or_else(|_| Problem {
            kind: "about:blank".into(),
            title: String::new(),
            status,
            detail: Some(text.chars().take(200).collect()),
            issues: vec![],
        });
        (status, problem)
    }

    /// Maps a response that is not the expected success to an error.
    async fn failure(response: reqwest::Response) -> ApiError {
        let (status, problem) = Self::problem_of(response).await;
        let detail = problem.detail.clone().unwrap_or_default();
        match status {
            400 => ApiError::BadRequest(problem),
            401 => ApiError::Unauthorized(detail),
            403 if problem.kind == wire::PROBLEM_MISSING_SCOPE => ApiError::MissingScope(detail),
            403 => ApiError::NoMandate {
                enterprise: detail.rsplit(' ').next().unwrap_or_default().to_owned(),
                detail,
            },
            _ => ApiError::Server { status, detail },
        }
    }

    async fn json<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ApiError> {
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| ApiError::Network(e.to_string()))?;
        serde_json::from_str(&text).map_err(|_| ApiError::Server {
            status,
            detail: format!(
                "the answer is not the expected JSON: {}",
                text.chars().take(120).collect::<String>()
            ),
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
        let response = self
            .send(|t| self.http.post(&url).bearer_auth(t).json(declaration))
            .await?;
        match response.status() {
            StatusCode::CREATED => {
                let from_location = Self::id_from_location(&response);
                let created: Created = Self::json(response).await?;
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
                None => Err(Self::failure(response).await),
            },
            _ => Err(Self::failure(response).await),
        }
    }

    /// `GET /trainings/{id}`: `None` while it is being processed.
    pub async fn get(&self, id: i64) -> Result<Option<StoredDeclaration>, ApiError> {
        let url = self.url(&format!("{}/{id}", wire::TRAININGS));
        let response = self.send(|t| self.http.get(&url).bearer_auth(t)).await?;
        match response.status() {
            StatusCode::OK => Self::json(response).await.map(Some),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(Self::failure(response).await),
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

    /// Every page of a search.
    pub async fn search_all(
        &self,
        filters: &SearchRequest,
    ) -> Result<Vec<StoredDeclaration>, ApiError> {
        let url = self.url(wire::SEARCH);
        let mut filters = filters.clone();
        let mut items = Vec::new();
        loop {
            let body = filters.clone();
            let response = self
                .send(|t| self.http.post(&url).bearer_auth(t).json(&body))
                .await?;
            if response.status() != StatusCode::OK {
                return Err(Self::failure(response).await);
            }
            let page: SearchPage = Self::json(response).await?;
            items.extend(page.items);
            match page.next {
                Some(next) => filters.cursor = Some(next),
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
            Err(Self::failure(response).await)
        }
    }

    /// `DELETE /trainings/{id}`: cancels it (`202`, then its result is `C`).
    pub async fn cancel(&self, id: i64) -> Result<(), ApiError> {
        let url = self.url(&format!("{}/{id}", wire::TRAININGS));
        let response = self.send(|t| self.http.delete(&url).bearer_auth(t)).await?;
        if response.status().is_success() {
            Ok(())
        } else if response.status() == StatusCode::NOT_FOUND {
            Err(ApiError::NotFound(id))
        } else {
            Err(Self::failure(response).await)
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
