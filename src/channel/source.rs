//! Where an API client's tokens come from, for any service of the channel:
//! the connection (endpoints, client ID, role and scope), the certificate
//! entry that signs the assertion, and a cache, so a token is fetched once and
//! reused until shortly before it expires. Fails with [`TokenError`]; a
//! service's client turns it into its own error.

use std::time::Duration;

use zeroize::Zeroizing;

use super::assertion::DEFAULT_LIFETIME_SECS;
use super::connect::{self, ConnectionOutcome, ConnectionTest};
use super::env::{Endpoints, Role, ServiceDefinition};
use super::token::{self, Clock, TokenCache};
use crate::cert::{Entry, Protection};
use crate::i18n::Lang;

/// The `cause` of a [`TokenError`] refused before sending (a lifetime or a
/// key that cannot sign): bad input, not a network failure.
pub const TOKEN_CONFIGURATION: &str = "configuration";
/// The `cause` of a [`TokenError`] for a certificate that cannot sign.
pub const TOKEN_CERTIFICATE: &str = "certificate";

/// No token: why, as the connection test named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// The failure's code (`invalid_client`, `expired`, …).
    pub code: String,
    /// Its cause (`channel::diagnosis::Cause::code`, or
    /// [`TOKEN_CONFIGURATION`], [`TOKEN_CERTIFICATE`]).
    pub cause: String,
    /// Said to the user, in the language asked.
    pub message: String,
    pub trace_id: Option<String>,
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
    /// Lifetime of each client assertion, in seconds (`--assertion-lifetime`).
    pub lifetime_secs: i64,
    pub cache: TokenCache,
    /// Held while a token is fetched, so that concurrent requests wait for
    /// one renewal instead of each asking for a token.
    renewal: tokio::sync::Mutex<()>,
}

impl TokenSource {
    /// A token source for a connection (the FLA's, until [`Self::with_service`]),
    /// with the system clock and an empty cache.
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
            service: &super::env::FLA,
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

    /// The same source for another service of the channel (its scopes).
    pub fn with_service(mut self, service: &'static super::env::ServiceDefinition) -> Self {
        self.service = service;
        self
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
    ) -> Result<Zeroizing<String>, TokenError> {
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
    ) -> Result<Zeroizing<String>, TokenError> {
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
    ) -> Result<Zeroizing<String>, TokenError> {
        let test = self.test();
        let scope = test.scope();
        let url = &self.endpoints.token_url;
        let outcome = connect::test_connection(http, &test, lang)
            .await
            .map_err(|e| TokenError {
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
            } => Err(TokenError {
                code: failure.code(),
                cause: cause.code().into(),
                message: explanation,
                trace_id: exchange.trace_id,
            }),
            ConnectionOutcome::CertificateRefused(findings) => Err(TokenError {
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
