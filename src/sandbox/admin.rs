//! Sandbox-only read-outs and shortcuts for tests and benchmarks: a token for a
//! registered client without the OAuth round trip, and the declarations held
//! per reference. No real service has these; the app never calls them.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::{Shared, TOKEN_LIFETIME_SECS};
use crate::channel::env::{Role, FLA};

/// The longest a token issued here lives (a benchmark's whole run).
const MAX_ADMIN_TOKEN_SECS: i64 = 24 * 3600;

#[derive(Debug, Deserialize)]
pub(super) struct TokenRequest {
    client_id: String,
    /// Seconds; default the token endpoint's lifetime.
    #[serde(default)]
    lifetime_secs: Option<i64>,
    /// The service whose scope the token carries (`fla`, `dimona`); default
    /// the FLA.
    #[serde(default)]
    service: Option<String>,
}

fn refused(status: StatusCode, detail: String) -> Response {
    (
        status,
        Json(json!({"error": "bad_request", "detail": detail})),
    )
        .into_response()
}

/// `POST /admin/tokens` `{"client_id", "lifetime_secs"?, "service"?}`: a full
/// bearer token for a registered client, with the scope of its quality for
/// the service (the FLA's by default; the account must hold the service's
/// authorization, as at the token endpoint), as the token endpoint would issue
/// after a valid client assertion. SANDBOX ONLY: for benchmarks that load the
/// API with a tool that cannot sign assertions.
pub(super) async fn issue_token(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let Ok(request) = serde_json::from_str::<TokenRequest>(&body) else {
        return refused(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object {\"client_id\", \"lifetime_secs\"?, \"service\"?}"
                .into(),
        );
    };
    let Some(account) = shared.account(&request.client_id) else {
        return refused(
            StatusCode::NOT_FOUND,
            format!(
                "no account has client ID '{}': register a certificate first",
                request.client_id
            ),
        );
    };
    let lifetime = request.lifetime_secs.unwrap_or(TOKEN_LIFETIME_SECS);
    if !(1..=MAX_ADMIN_TOKEN_SECS).contains(&lifetime) {
        return refused(
            StatusCode::BAD_REQUEST,
            format!("lifetime_secs {lifetime} is not from 1 to {MAX_ADMIN_TOKEN_SECS}"),
        );
    }
    let id = request.service.as_deref().unwrap_or(FLA.id);
    let Some(service) = crate::channel::env::service(id) else {
        return refused(StatusCode::BAD_REQUEST, format!("no service '{id}'"));
    };
    if !account
        .authorizations
        .iter()
        .any(|a| a == service.authorization)
    {
        return refused(
            StatusCode::BAD_REQUEST,
            format!(
                "the account is not authorized for '{}'",
                service.authorization
            ),
        );
    }
    let scope = service.scope(Role::parse(&account.quality).unwrap_or(Role::Employer));
    let token = shared.issue_token(&account.client_id, scope, lifetime);
    (
        StatusCode::CREATED,
        Json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": scope,
        })),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct ReferencesQuery {
    /// Only the references held more than once.
    #[serde(default)]
    duplicates: bool,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    enterprise: Option<String>,
}

/// `GET /admin/references?duplicates=true&reference=R&enterprise=E`: how many
/// declarations hold each (enterprise, reference), with their ids.
pub(super) async fn references(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<ReferencesQuery>,
) -> Response {
    match super::fla_api::references(
        &shared,
        query.duplicates,
        query.reference.as_deref(),
        query.enterprise.as_deref(),
    ) {
        Ok(list) => Json(json!({ "references": list })).into_response(),
        Err(e) => refused(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}
