//! Who calls the sandbox's FLA API: the bearer token checked (known, not
//! expired, with the FLA scope), the pace and the faults asked for applied
//! before anything is stored.

use super::*;
use crate::channel::env::ServiceDefinition;

/// Who calls, from the bearer token.
pub(crate) struct Caller {
    pub(crate) account: Account,
}

impl Caller {
    /// An employer declares for itself; a provider for the enterprises it holds a mandate for.
    pub(crate) fn may_act_for(&self, enterprise: &str) -> bool {
        match self.account.quality.as_str() {
            "provider" => self.account.mandates.iter().any(|m| m == enterprise),
            _ => self.account.enterprise == enterprise,
        }
    }

    /// A declaration is visible to the enterprise it is for and to the client
    /// that sent it (whose enterprise number may have failed its check digit,
    /// so that it belongs to no enterprise).
    pub(crate) fn may_see(&self, enterprise: &str, sender: &str) -> bool {
        self.may_act_for(enterprise) || self.account.client_id == sender
    }
}

/// Errors are boxed: a `Response` is large and the error path is the rare one.
pub(crate) fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    service: &ServiceDefinition,
) -> Result<Caller, Box<Response>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let issued = shared
        .tokens
        .lock()
        .ok()
        .and_then(|t| t.get(token).cloned());
    let Some(issued) = issued else {
        return Err(Box::new(problem(
            StatusCode::UNAUTHORIZED,
            wire::PROBLEM_INVALID_TOKEN,
            "Invalid Access Token",
            "the access token is missing or unknown".into(),
        )));
    };
    if issued.expires_at <= (shared.clock)() {
        return Err(Box::new(problem(
            StatusCode::UNAUTHORIZED,
            wire::PROBLEM_EXPIRED_TOKEN,
            "Expired Access Token",
            "the access token has expired".into(),
        )));
    }
    if service.role_of_scope(&issued.scope).is_none() {
        return Err(Box::new(problem(
            StatusCode::FORBIDDEN,
            wire::PROBLEM_MISSING_SCOPE,
            "Missing Scope",
            format!(
                "the token's scope '{}' does not give access to {}",
                issued.scope, service.id
            ),
        )));
    }
    let account = shared.account(&issued.client_id).ok_or_else(|| {
        Box::new(problem(
            StatusCode::UNAUTHORIZED,
            wire::PROBLEM_INVALID_TOKEN,
            "Invalid Access Token",
            "the token's client no longer exists".into(),
        ))
    })?;
    Ok(Caller { account })
}

/// What every API call goes through first: the latency, the rate limit, an
/// injected fault, a random fault, then the token.
pub(super) async fn admit(shared: &Shared, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    admit_for(shared, headers, &FLA).await
}

/// [`admit`] for a service's API (its scope on the token).
pub(crate) async fn admit_for(
    shared: &Shared,
    headers: &HeaderMap,
    service: &ServiceDefinition,
) -> Result<Caller, Box<Response>> {
    shared.count_api_request();
    let modes = &shared.modes;
    if !modes.latency.is_zero() {
        tokio::time::sleep(modes.latency).await;
    }
    if let Some((_, limiter)) = &modes.rate_limit {
        if let Err(wait) = limiter.admit() {
            modes
                .served
                .rate_limited
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(Box::new(too_many_requests(&wait.to_string())));
        }
    }
    if let Some(r) = injected(shared).await {
        return Err(Box::new(r));
    }
    if let Some(fault) = modes.dice.fault(modes.fault_rate) {
        modes.served.count(fault);
        match fault {
            RandomFault::ServerError => {
                return Err(Box::new(problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "about:blank",
                    "Internal Server Error",
                    "a random fault of the sandbox (--fault-rate)".into(),
                )))
            }
            RandomFault::TooManyRequests => {
                return Err(Box::new(too_many_requests(super::super::RETRY_AFTER_SECS)))
            }
            // Slow, then served as usual.
            RandomFault::Stall => tokio::time::sleep(modes.stall).await,
        }
    }
    authenticate(shared, headers, service)
}

/// A 429 problem with `Retry-After` (seconds).
pub(super) fn too_many_requests(retry_after: &str) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (header::CONTENT_TYPE, wire::PROBLEM_CONTENT_TYPE.to_owned()),
            (header::RETRY_AFTER, retry_after.to_owned()),
        ],
        Json(json!({"type": wire::PROBLEM_TOO_MANY, "title": "Too Many Requests", "status": 429})),
    )
        .into_response()
}

/// After a commit, where the drop-after-commit mode draws it: the connection
/// is closed with no answer and this never returns.
pub(crate) async fn maybe_drop_after_commit(shared: &Shared, kill: Option<&ConnectionKill>) {
    let modes = &shared.modes;
    let Some(kill) = kill else {
        return;
    };
    if modes.dice.drop_after_commit(modes.drop_after_commit_rate) {
        modes
            .served
            .dropped_after_commit
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        kill.drop_connection().await;
    }
}
