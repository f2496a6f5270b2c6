//! The sandbox's OAuth v5 token endpoint. It validates as the real one would:
//! the signature against the certificate registered for the client, RS256 only,
//! `iss` = `sub` = a known client ID, `aud` = its own token URL, `exp` in the
//! future and `exp` − `iat` ≤ 300 s with 5 s of tolerance (any integer, even at
//! the limits of i64, is a refusal and never a panic), no replayed `jti` (kept in
//! the store, so a restart forgets none that is still alive), the registered
//! certificate within its validity, and a scope the account may have. Errors are
//! RFC 6749 bodies.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::json;

use super::{Account, Fault, Shared, CLOCK_TOLERANCE_SECS, TOKEN_LIFETIME_SECS};
use crate::cert::facts::{certificate_facts, PublicKey};
use crate::channel::assertion::{AssertionClaims, ASSERTION_TYPE, MAX_LIFETIME_SECS};
use crate::channel::env::service_of_scope;

/// An RFC 6749 refusal, turned into a response at the edge.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response()
    }
}

fn oauth_error(status: StatusCode, error: &'static str, description: String) -> Refusal {
    Refusal {
        status,
        error,
        description,
    }
}

fn invalid_client(description: String) -> Refusal {
    oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", description)
}

pub(super) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    shared
        .counters
        .token_requests
        .fetch_add(1, Ordering::Relaxed);
    match shared.next_fault() {
        Some(Fault::Html) => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<!DOCTYPE html><html><body><h1>Sign in</h1><p>Please log in to continue.</p></body></html>",
            )
                .into_response()
        }
        Some(Fault::Hang) => {
            // Never answers within any client's patience.
            shared.hang().await;
            return oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the sandbox is stopping".into(),
            )
            .into_response();
        }
        Some(Fault::TooManyRequests) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, super::RETRY_AFTER_SECS)],
                Json(json!({
                    "error": "temporarily_unavailable",
                    "error_description": "too many requests: retry after the Retry-After delay",
                })),
            )
                .into_response()
        }
        Some(Fault::ServerError) => {
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the sandbox was asked to fail".into(),
            )
            .into_response()
        }
        // Applied when injected, never queued.
        Some(Fault::ExpireTokens) | None => {}
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded".into(),
        )
        .into_response();
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    match validate(&shared, &form) {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

fn validate(shared: &Shared, form: &HashMap<String, String>) -> Result<Response, Refusal> {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "client_credentials" {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!(
                "grant_type must be client_credentials, not '{}'",
                field("grant_type")
            ),
        ));
    }
    if field("client_assertion_type") != ASSERTION_TYPE {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("client_assertion_type must be {ASSERTION_TYPE}"),
        ));
    }
    let assertion = field("client_assertion");
    if assertion.is_empty() {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_assertion is missing".into(),
        ));
    }
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|e| invalid_client(format!("the client assertion is not a JWT: {e}")))?;
    if header.alg != jsonwebtoken::Algorithm::RS256 {
        return Err(invalid_client(format!(
            "alg must be RS256, not {:?}",
            header.alg
        )));
    }
    let claims = unverified_claims(assertion)
        .ok_or_else(|| invalid_client("the client assertion's claims are not readable".into()))?;
    if claims.iss != claims.sub {
        return Err(invalid_client(
            "iss and sub must both be the client ID".into(),
        ));
    }
    let account = shared
        .account(&claims.iss)
        .ok_or_else(|| invalid_client(format!("unknown client '{}'", claims.iss)))?;
    verify_signature(assertion, &account)?;
    if claims.aud != shared.token_url {
        return Err(invalid_client(format!(
            "aud '{}' is not this token endpoint ({})",
            claims.aud, shared.token_url
        )));
    }
    let now = (shared.clock)().unix_timestamp();
    // In i128: an `exp`/`iat` at the limits of i64 is a refusal, not an overflow.
    let lifetime = i128::from(claims.exp) - i128::from(claims.iat);
    if lifetime <= 0 {
        return Err(invalid_client(format!(
            "exp {} is not after iat {}",
            claims.exp, claims.iat
        )));
    }
    if lifetime > i128::from(MAX_LIFETIME_SECS) {
        return Err(invalid_client(format!(
            "assertion lifetime {lifetime} s exceeds {MAX_LIFETIME_SECS} s"
        )));
    }
    if i128::from(claims.exp) + i128::from(CLOCK_TOLERANCE_SECS) <= i128::from(now) {
        return Err(invalid_client(format!(
            "the client assertion expired at {} (server time {now})",
            claims.exp
        )));
    }
    if i128::from(claims.iat) > i128::from(now) + i128::from(CLOCK_TOLERANCE_SECS) {
        return Err(invalid_client(format!(
            "iat {} is in the future (server time {now})",
            claims.iat
        )));
    }
    remember_jti(shared, &claims, now)?;
    let cert = certificate_facts(&decode_b64(&account.certificate_der_b64))
        .ok_or_else(|| invalid_client("the registered certificate is unreadable".into()))?;
    if cert.not_after.unix_timestamp() < now {
        return Err(invalid_client(format!(
            "the certificate registered for this client expired on {}",
            crate::cert::format_date(cert.not_after)
        )));
    }
    if cert.not_before.unix_timestamp() > now {
        return Err(invalid_client(format!(
            "the certificate registered for this client is not valid before {}",
            crate::cert::format_date(cert.not_before)
        )));
    }
    let scope = form.get("scope").map(String::as_str).unwrap_or_default();
    check_scope(&account, scope)?;
    let token = shared.issue_token(&account.client_id, scope, TOKEN_LIFETIME_SECS);
    Ok((
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECS,
            "scope": scope,
        })),
    )
        .into_response())
}

fn decode_b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_default()
}

fn unverified_claims(jwt: &str) -> Option<AssertionClaims> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn verify_signature(jwt: &str, account: &Account) -> Result<(), Refusal> {
    let refused = || {
        invalid_client(format!(
            "the signature does not verify with the certificate registered for '{}'",
            account.client_id
        ))
    };
    let cert = certificate_facts(&decode_b64(&account.certificate_der_b64)).ok_or_else(refused)?;
    let PublicKey::Rsa { modulus, exponent } = &cert.public_key else {
        return Err(refused());
    };
    let key = jsonwebtoken::DecodingKey::from_rsa_raw_components(modulus, exponent);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    // Time and audience are checked by hand, against the sandbox's own clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::new();
    jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &validation)
        .map(|_| ())
        .map_err(|_| refused())
}

/// Refuses a `jti` already seen for this client while it lives; remembers it
/// in the store (table `seen_jti`) until its `exp` has passed, so a restart of
/// the sandbox does not open a window for replays.
fn remember_jti(shared: &Shared, claims: &AssertionClaims, now: i64) -> Result<(), Refusal> {
    if claims.jti.is_empty() {
        return Err(invalid_client("jti is missing".into()));
    }
    let unavailable = |e: String| {
        oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            format!("the sandbox cannot check the jti: {e}"),
        )
    };
    let db = shared
        .store
        .lock()
        .map_err(|_| unavailable("store lock poisoned".into()))?;
    // Forget what has expired: a replay of it fails on `exp` anyway.
    db.execute(
        "DELETE FROM seen_jti WHERE exp <= ?1",
        rusqlite::params![now.saturating_sub(CLOCK_TOLERANCE_SECS)],
    )
    .map_err(|e| unavailable(e.to_string()))?;
    let inserted = db
        .execute(
            "INSERT OR IGNORE INTO seen_jti (client_id, jti, exp) VALUES (?1, ?2, ?3)",
            rusqlite::params![claims.iss, claims.jti, claims.exp],
        )
        .map_err(|e| unavailable(e.to_string()))?;
    if inserted == 0 {
        return Err(invalid_client(format!(
            "jti '{}' was already used (replay)",
            claims.jti
        )));
    }
    Ok(())
}

fn check_scope(account: &Account, scope: &str) -> Result<(), Refusal> {
    // The service the scope is of: the account must be authorized for it.
    let Some((service, role)) = service_of_scope(scope)
        .and_then(|service| service.role_of_scope(scope).map(|role| (service, role)))
    else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!("unknown scope '{scope}'"),
        ));
    };
    if !account
        .authorizations
        .iter()
        .any(|a| a == service.authorization)
    {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            format!(
                "the account is not authorized for '{}'",
                service.authorization
            ),
        ));
    }
    if service.scope_names_quality() && role.code() != account.quality {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!(
                "scope '{scope}' is for the {} quality; this account's quality is {}",
                role.code(),
                account.quality
            ),
        ));
    }
    Ok(())
}
