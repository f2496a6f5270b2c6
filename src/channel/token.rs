//! The token request (OAuth2 client credentials with a client assertion) and a
//! cache of tokens in memory. This is the network edge of `channel`: it records
//! what was sent and received so the diagnosis and the user can see it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::assertion::{shorten, ClientAssertion, ASSERTION_TYPE};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// A token is reused until this long before it expires.
pub const REUSE_MARGIN_SECS: i64 = 60;

/// A clock, so that tests (and the sandbox) can run with another time.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(OffsetDateTime::now_utc)
}

/// The longest lifetime taken from a token answer (24 h): a number from the
/// network is bounded before it meets a date.
pub const MAX_EXPIRES_IN: i64 = 24 * 60 * 60;

/// What the token endpoint granted.
#[derive(Clone)]
pub struct AccessToken {
    pub token: Zeroizing<String>,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
    pub obtained_at: OffsetDateTime,
}

impl AccessToken {
    /// A fingerprint that identifies the token without revealing it.
    pub fn sha256_hex(&self) -> String {
        crate::cert::facts::hex_upper(&Sha256::digest(self.token.as_bytes()))
    }

    /// When it expires (`expires_in` is bounded when read; the sum is
    /// checked all the same: a date out of range is no expiry at all).
    pub fn expires_at(&self) -> OffsetDateTime {
        self.obtained_at
            .checked_add(time::Duration::seconds(self.expires_in))
            .unwrap_or(self.obtained_at)
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AccessToken({}, {} s)",
            shorten(&self.token),
            self.expires_in
        )
    }
}

/// Why no token came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFailure {
    /// An RFC 6749 error body.
    OAuth {
        status: u16,
        error: String,
        description: Option<String>,
    },
    ServerError {
        status: u16,
    },
    /// A body that is not the JSON the endpoint must answer (an HTML page, a proxy's error).
    NotJson {
        status: u16,
        content_type: String,
        excerpt: String,
    },
    UnexpectedStatus {
        status: u16,
    },
    /// An answer longer than a token answer can be (read up to `limit` bytes).
    TooLarge {
        status: u16,
        limit: usize,
    },
    /// A 3xx: the URL is not the token endpoint itself (nothing was followed).
    Redirect {
        status: u16,
        location: Option<String>,
    },
    Timeout {
        seconds: u64,
    },
    Dns {
        detail: String,
    },
    Tls {
        detail: String,
    },
    Connect {
        detail: String,
    },
}

impl TokenFailure {
    /// The stable code: the server's RFC 6749 error where it answered one.
    pub fn code(&self) -> String {
        match self {
            TokenFailure::OAuth { error, .. } => error.clone(),
            TokenFailure::ServerError { .. } => "server_error".into(),
            TokenFailure::NotJson { .. } => "not_json".into(),
            TokenFailure::UnexpectedStatus { .. } => "unexpected_status".into(),
            TokenFailure::TooLarge { .. } => super::body::RESPONSE_TOO_LARGE.into(),
            TokenFailure::Redirect { .. } => "redirect".into(),
            TokenFailure::Timeout { .. } => "timeout".into(),
            TokenFailure::Dns { .. } => "dns".into(),
            TokenFailure::Tls { .. } => "tls".into(),
            TokenFailure::Connect { .. } => "connect".into(),
        }
    }

    /// Network and server failures (exit 3), as opposed to a refusal.
    pub fn is_network(&self) -> bool {
        !matches!(self, TokenFailure::OAuth { status, .. } if *status < 500)
    }
}

/// What was sent and what came back, for "What was sent" and support calls.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    pub token_url: String,
    pub header: serde_json::Value,
    pub claims: serde_json::Value,
    /// The form fields, with the assertion shortened.
    pub form: Vec<(String, String)>,
    pub http_status: Option<u16>,
    pub trace_id: Option<String>,
    pub server_date: Option<String>,
    /// Server clock minus local clock, in seconds, from the `Date` header.
    pub clock_skew_secs: Option<i64>,
}

/// One attempt: what was exchanged, and its outcome.
#[derive(Debug, Clone)]
pub struct TokenAttempt {
    pub exchange: Exchange,
    pub outcome: Result<AccessToken, TokenFailure>,
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    token_type: String,
    #[serde(default)]
    expires_in: i64,
    #[serde(default)]
    scope: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    error_description: Option<String>,
}

/// Builds the HTTP client: rustls with the platform's roots, a timeout, no
/// redirects, and the proxy settings of the environment and the system, except
/// for this computer.
///
/// Redirects are not followed at all (not even to the same origin): neither the
/// token endpoint nor the FLA API answers one in the contract, so a redirect means
/// a wrong URL or something in between (a portal, a proxy's login page), and a
/// followed redirect would carry the assertion or the bearer token to a URL that
/// was never checked. The 3xx comes back as an answer and is named as such.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, super::ChannelError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("fla-assistant/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .proxy(proxy_settings())
        .build()
        .map_err(|e| super::ChannelError::HttpClient {
            detail: e.to_string(),
        })
}

/// The proxy for a URL: the one `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` (minus
/// `NO_PROXY`) name, else the Windows or macOS system setting; never one for a
/// server on this computer (the built-in sandbox, a local test server), as Go's
/// and Windows' own defaults do.
fn proxy_settings() -> reqwest::Proxy {
    let system = hyper_util::client::proxy::matcher::Matcher::from_system();
    reqwest::Proxy::custom(move |url| {
        if is_loopback(url) {
            return None;
        }
        let uri: http::Uri = url.as_str().parse().ok()?;
        let intercept = system.intercept(&uri)?;
        let mut proxy = url::Url::parse(&intercept.uri().to_string()).ok()?;
        // The matcher keeps the proxy's credentials apart; give them back so
        // that reqwest sends them to the proxy.
        if let Some((user, password)) = intercept
            .basic_auth()
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Basic "))
            .and_then(|b| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.decode(b).ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|pair| {
                pair.split_once(':')
                    .map(|(u, p)| (u.to_owned(), p.to_owned()))
            })
        {
            let _ = proxy.set_username(&user);
            let _ = proxy.set_password(Some(&password));
        }
        Some(proxy)
    })
}

/// A server on this computer: `localhost` (and its subdomains), 127.0.0.0/8, ::1.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => false,
    }
}

/// The form fields of a token request.
pub fn form_fields(assertion: &ClientAssertion, scope: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".to_owned()),
        ("client_assertion_type", ASSERTION_TYPE.to_owned()),
        ("client_assertion", assertion.jwt.clone()),
        ("scope", scope.to_owned()),
    ]
}

/// Sends one token request and records the exchange.
pub async fn request_token(
    http: &reqwest::Client,
    token_url: &str,
    assertion: &ClientAssertion,
    scope: &str,
    clock: &Clock,
    timeout: Duration,
) -> TokenAttempt {
    let form = form_fields(assertion, scope);
    let mut exchange = Exchange {
        token_url: token_url.to_owned(),
        header: assertion.header.clone(),
        claims: serde_json::to_value(&assertion.claims).unwrap_or_default(),
        form: form
            .iter()
            .map(|(k, v)| {
                let shown = if *k == "client_assertion" {
                    shorten(v)
                } else {
                    v.clone()
                };
                ((*k).to_owned(), shown)
            })
            .collect(),
        http_status: None,
        trace_id: None,
        server_date: None,
        clock_skew_secs: None,
    };
    let sent = http
        .post(token_url)
        .timeout(timeout)
        .form(&form)
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => {
            return TokenAttempt {
                exchange,
                outcome: Err(classify_transport(&e, timeout)),
            }
        }
    };
    let status = response.status().as_u16();
    exchange.http_status = Some(status);
    let headers = response.headers().clone();
    exchange.trace_id = header_text(&headers, "BelGov-Trace-Id");
    exchange.server_date = header_text(&headers, "Date");
    let local_now = clock();
    exchange.clock_skew_secs = exchange
        .server_date
        .as_deref()
        .and_then(parse_http_date)
        .map(|server| (server - local_now).whole_seconds());
    let content_type = header_text(&headers, "Content-Type").unwrap_or_default();
    if response.status().is_redirection() {
        return TokenAttempt {
            exchange,
            outcome: Err(TokenFailure::Redirect {
                status,
                location: header_text(&headers, "Location"),
            }),
        };
    }
    let body = match super::body::read_capped(response, super::body::TOKEN_BODY_MAX).await {
        Ok(b) => b,
        Err(super::body::BodyError::TooLarge { limit }) => {
            return TokenAttempt {
                exchange,
                outcome: Err(TokenFailure::TooLarge { status, limit }),
            }
        }
        Err(super::body::BodyError::Transport(e)) => {
            return TokenAttempt {
                exchange,
                outcome: Err(classify_transport(&e, timeout)),
            }
        }
    };
    let outcome = interpret(status, &content_type, &body, local_now);
    TokenAttempt { exchange, outcome }
}

fn interpret(
    status: u16,
    content_type: &str,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<AccessToken, TokenFailure> {
    let not_json = || TokenFailure::NotJson {
        status,
        content_type: content_type.to_owned(),
        excerpt: String::from_utf8_lossy(&body[..body.len().min(200)])
            .trim()
            .to_owned(),
    };
    if status == 200 {
        let parsed: TokenBody = serde_json::from_slice(body).map_err(|_| not_json())?;
        return Ok(AccessToken {
            token: Zeroizing::new(parsed.access_token),
            token_type: parsed.token_type,
            expires_in: parsed.expires_in.clamp(0, MAX_EXPIRES_IN),
            scope: parsed.scope,
            obtained_at: now,
        });
    }
    if let Ok(err) = serde_json::from_slice::<ErrorBody>(body) {
        return Err(TokenFailure::OAuth {
            status,
            error: err.error,
            description: err.error_description,
        });
    }
    if status >= 500 {
        // A 5xx with an HTML page is still first of all a server failure.
        return Err(TokenFailure::ServerError { status });
    }
    if serde_json::from_slice::<serde_json::Value>(body).is_err() {
        return Err(not_json());
    }
    Err(TokenFailure::UnexpectedStatus { status })
}

fn header_text(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Parses an HTTP date (`Tue, 24 Nov 2026 11:18:38 GMT`).
pub fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text.trim(), &format)
        .ok()
        .map(|t| t.assume_utc())
}

/// Formats an HTTP date.
pub fn format_http_date(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// An error and its sources, as one line (reqwest's own message hides the cause).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut chain = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    chain
}

fn classify_transport(e: &reqwest::Error, timeout: Duration) -> TokenFailure {
    if e.is_timeout() {
        return TokenFailure::Timeout {
            seconds: timeout.as_secs(),
        };
    }
    let chain = error_chain(e);
    let lower = chain.to_lowercase();
    if lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve") {
        TokenFailure::Dns { detail: chain }
    } else if [
        "certificate",
        "tls",
        "handshake",
        // rustls's words for a peer that does not speak TLS or breaks it off.
        "corrupt message",
        "alert",
        "invalidcontenttype",
    ]
    .iter()
    .any(|marker| lower.contains(marker))
    {
        TokenFailure::Tls { detail: chain }
    } else {
        TokenFailure::Connect { detail: chain }
    }
}

/// Tokens by (token URL, client ID, scope), kept in memory only, reused until
/// `expires_in` − 60 s.
#[derive(Default)]
pub struct TokenCache {
    tokens: Mutex<HashMap<(String, String, String), AccessToken>>,
}

impl TokenCache {
    pub fn get(
        &self,
        token_url: &str,
        client_id: &str,
        scope: &str,
        now: OffsetDateTime,
    ) -> Option<AccessToken> {
        let tokens = self.tokens.lock().ok()?;
        let key = (token_url.to_owned(), client_id.to_owned(), scope.to_owned());
        tokens
            .get(&key)
            .filter(|t| {
                t.expires_at()
                    .checked_sub(time::Duration::seconds(REUSE_MARGIN_SECS))
                    .is_some_and(|reuse_until| now < reuse_until)
            })
            .cloned()
    }

    pub fn put(&self, token_url: &str, client_id: &str, scope: &str, token: AccessToken) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(
                (token_url.to_owned(), client_id.to_owned(), scope.to_owned()),
                token,
            );
        }
    }

    /// Forgets a token the server no longer accepts (a 401).
    pub fn forget(&self, token_url: &str, client_id: &str, scope: &str) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.remove(&(token_url.to_owned(), client_id.to_owned(), scope.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(at: i64, expires_in: i64) -> AccessToken {
        AccessToken {
            token: Zeroizing::new("secret-token-value-0123456789".into()),
            token_type: "Bearer".into(),
            expires_in,
            scope: "s".into(),
            obtained_at: OffsetDateTime::from_unix_timestamp(at).unwrap(),
        }
    }

    #[test]
    fn cache_reuses_until_a_minute_before_expiry() {
        let cache = TokenCache::default();
        cache.put("u", "c", "s", token(1_000, 600));
        let at = |t| OffsetDateTime::from_unix_timestamp(t).unwrap();
        assert!(cache.get("u", "c", "s", at(1_000)).is_some());
        assert!(cache.get("u", "c", "s", at(1_539)).is_some());
        assert!(cache.get("u", "c", "s", at(1_540)).is_none());
        assert!(cache.get("u", "c", "other", at(1_000)).is_none());
        cache.forget("u", "c", "s");
        assert!(cache.get("u", "c", "s", at(1_000)).is_none());
    }

    #[test]
    fn any_lifetime_from_the_network_is_bounded_and_never_overflows_a_date() {
        // The extremes, and a spread between them (a fixed sequence: the same
        // numbers each run).
        let mut lifetimes = vec![
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            1,
            600,
            86_400,
            86_401,
            i64::MAX,
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            lifetimes.push(i64::from_ne_bytes(x.to_ne_bytes()));
        }
        let nows = [
            OffsetDateTime::UNIX_EPOCH,
            time::macros::datetime!(9999-12-31 23:59:59 UTC),
            time::macros::datetime!(-9999-01-01 00:00:00 UTC),
        ];
        for now in nows {
            for &lifetime in &lifetimes {
                let body = format!(
                    r#"{{"access_token":"abc","token_type":"Bearer","expires_in":{lifetime},"scope":"x"}}"#
                );
                let t = interpret(200, "application/json", body.as_bytes(), now).unwrap();
                assert!((0..=MAX_EXPIRES_IN).contains(&t.expires_in), "{lifetime}");
                let at = t.expires_at();
                assert!(at >= now && at - now <= time::Duration::seconds(MAX_EXPIRES_IN));
                let cache = TokenCache::default();
                cache.put("u", "c", "s", t);
                let _ = cache.get("u", "c", "s", now);
            }
        }
    }

    #[test]
    fn tokens_never_show_whole() {
        let t = token(0, 600);
        assert!(!format!("{t:?}").contains("secret-token-value-0123456789"));
        assert_eq!(t.sha256_hex().len(), 64);
    }

    #[test]
    fn responses_are_read_as_the_server_meant_them() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let ok = interpret(
            200,
            "application/json",
            br#"{"access_token":"abc","token_type":"Bearer","expires_in":600,"scope":"x"}"#,
            now,
        )
        .unwrap();
        assert_eq!(ok.expires_in, 600);
        assert_eq!(
            interpret(
                401,
                "application/json",
                br#"{"error":"invalid_client","error_description":"d"}"#,
                now
            )
            .unwrap_err(),
            TokenFailure::OAuth {
                status: 401,
                error: "invalid_client".into(),
                description: Some("d".into())
            }
        );
        assert!(matches!(
            interpret(200, "text/html", b"<html>login</html>", now),
            Err(TokenFailure::NotJson { .. })
        ));
        assert!(matches!(
            interpret(403, "text/html", b"<html>proxy</html>", now),
            Err(TokenFailure::NotJson { .. })
        ));
        assert_eq!(
            interpret(503, "text/html", b"<html/>", now).unwrap_err(),
            TokenFailure::ServerError { status: 503 }
        );
    }

    #[test]
    fn loopback_is_this_computer_only() {
        let loopback = |s: &str| is_loopback(&url::Url::parse(s).unwrap());
        for url in [
            "http://127.0.0.1:8080/x",
            "http://127.8.9.10/x",
            "http://[::1]:80/x",
            "http://localhost:1/x",
            "http://LOCALHOST./x",
            "http://sim.localhost/x",
            "http://[::ffff:127.0.0.1]/x",
        ] {
            assert!(loopback(url), "{url}");
        }
        for url in [
            "https://services.socialsecurity.be/x",
            "http://128.0.0.1/x",
            "http://localhost.example.com/x",
            "http://10.0.0.1/x",
            "http://[::2]/x",
        ] {
            assert!(!loopback(url), "{url}");
        }
    }

    #[test]
    fn http_dates_round_trip() {
        let t = parse_http_date("Tue, 24 Nov 2026 11:18:38 GMT").unwrap();
        assert_eq!(t.unix_timestamp(), 1_795_519_118);
        assert_eq!(format_http_date(t), "Tue, 24 Nov 2026 11:18:38 GMT");
        assert!(parse_http_date("yesterday").is_none());
    }
}
