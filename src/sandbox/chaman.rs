//! The sandbox's small Chaman: register a certificate for an enterprise and a
//! quality (employer, or provider with its mandates), tick authorizations, and
//! get a client ID in the real format. Also the fault switch for tests.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{random_alnum, Account, Fault, Shared};
use crate::channel::env::FLA;
use crate::identifiers::parse_enterprise_number;

/// What `sim-register` (or a test) sends to register a certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// The .cer: PEM text, or DER in base64.
    pub certificate: String,
    pub enterprise: String,
    #[serde(default = "default_quality")]
    pub quality: String,
    #[serde(default)]
    pub mandates: Vec<String>,
    /// Authorizations to tick; by default the FLA's.
    #[serde(default = "default_authorizations")]
    pub authorizations: Vec<String>,
}

fn default_quality() -> String {
    "employer".into()
}

fn default_authorizations() -> Vec<String> {
    vec![FLA.authorization.to_owned()]
}

fn bad_request(detail: String) -> (StatusCode, Json<serde_json::Value>) {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "bad_request", "detail": detail})),
    )
}

/// Why Chaman refuses a certificate that cannot sign token requests (the real
/// one refuses an expired certificate): `None` if it can.
fn cannot_sign(facts: &crate::cert::facts::CertFacts, now: time::OffsetDateTime) -> Option<String> {
    use crate::cert::KeyType;
    if facts.key_type != KeyType::Rsa {
        return Some(format!(
            "the certificate's key is {}, not RSA: the token endpoint only takes RS256 signatures",
            facts.key_type.name()
        ));
    }
    if facts.key_bits < MIN_RSA_BITS {
        return Some(format!(
            "the certificate's RSA key has {} bits; at least {MIN_RSA_BITS} are required",
            facts.key_bits
        ));
    }
    if facts.not_before > now {
        return Some(format!(
            "the certificate is not valid yet (valid from {}): upload it once it is valid",
            crate::cert::format_date(facts.not_before)
        ));
    }
    if facts.not_after < now {
        return Some(format!(
            "the certificate expired on {}: renew it and upload the new one",
            crate::cert::format_date(facts.not_after)
        ));
    }
    None
}

/// The smallest RSA key Chaman takes.
const MIN_RSA_BITS: u32 = 2048;

/// The DER of a certificate sent as PEM or base64 DER.
fn certificate_der(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let body: String = if text.contains("-----BEGIN CERTIFICATE-----") {
        text.lines()
            .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE-----"))
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect()
    } else {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    };
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()?;
    crate::cert::facts::certificate_facts(&der).map(|_| der)
}

pub(super) async fn register(
    State(shared): State<Arc<Shared>>,
    Json(request): Json<RegisterRequest>,
) -> (StatusCode, Json<serde_json::Value>) {
    let Some(der) = certificate_der(&request.certificate) else {
        return bad_request("the certificate is not a .cer (DER or PEM X.509 certificate)".into());
    };
    let Some(facts) = crate::cert::facts::certificate_facts(&der) else {
        return bad_request("the certificate is not a .cer (DER or PEM X.509 certificate)".into());
    };
    if let Some(why) = cannot_sign(&facts, (shared.clock)()) {
        return bad_request(why);
    }
    let Some(enterprise) = parse_enterprise_number(&request.enterprise) else {
        return bad_request(format!(
            "'{}' is not a valid enterprise number",
            request.enterprise
        ));
    };
    if !matches!(request.quality.as_str(), "employer" | "provider") {
        return bad_request(format!(
            "quality '{}' is not employer or provider",
            request.quality
        ));
    }
    let mut mandates = Vec::new();
    for m in &request.mandates {
        match parse_enterprise_number(m) {
            Some(n) => mandates.push(n),
            None => return bad_request(format!("mandate '{m}' is not a valid enterprise number")),
        }
    }
    use base64::Engine;
    // Chaman shows a sender number and ten random characters.
    let sender: u32 = 100_000
        + uuid::Uuid::new_v4().as_bytes().iter().fold(0u32, |acc, b| {
            acc.wrapping_mul(31).wrapping_add(u32::from(*b))
        }) % 900_000;
    let account = Account {
        client_id: format!("self_service_chaman_{sender}_{}", random_alnum(10)),
        enterprise,
        quality: request.quality,
        mandates,
        authorizations: request.authorizations,
        certificate_der_b64: base64::engine::general_purpose::STANDARD.encode(&der),
    };
    let body = json!({
        "client_id": account.client_id,
        "enterprise": account.enterprise,
        "quality": account.quality,
        "mandates": account.mandates,
        "authorizations": account.authorizations,
    });
    match shared.add_account(account) {
        Ok(()) => (StatusCode::CREATED, Json(body)),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": "server_error", "detail": e.to_string()})),
        ),
    }
}

pub(super) async fn list(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let accounts: Vec<serde_json::Value> = shared
        .accounts()
        .into_iter()
        .map(|a| {
            json!({
                "client_id": a.client_id,
                "enterprise": a.enterprise,
                "quality": a.quality,
                "mandates": a.mandates,
                "authorizations": a.authorizations,
            })
        })
        .collect();
    Json(json!({ "accounts": accounts }))
}

/// At most this many faults are queued by one request.
const MAX_FAULT_COUNT: u64 = 1000;

/// `POST /admin/faults` `{"mode", "target"?, "count"?}`: `mode` one of html,
/// hang, server_error, too_many_requests, expire_tokens; `target` `token` (the
/// token endpoint, the default) or `api` (the FLA API); `count` 1–1000 (the
/// next `count` requests to the target). Every pair acts; anything else is a
/// 400 that says why, never accepted to do nothing.
pub(super) async fn inject_fault(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let Ok(request) = serde_json::from_str::<serde_json::Value>(&body) else {
        return bad_request_response(
            "the body must be a JSON object {\"mode\", \"target\", \"count\"}".into(),
        );
    };
    let modes = || {
        [
            "html",
            "hang",
            "server_error",
            "too_many_requests",
            "expire_tokens",
        ]
        .join(", ")
    };
    let mode = request["mode"].as_str().unwrap_or_default();
    let Ok(mode) = serde_json::from_value::<Fault>(json!(mode)) else {
        return bad_request_response(format!("unknown fault mode '{mode}': one of {}", modes()));
    };
    let queue = match &request["target"] {
        serde_json::Value::Null => &shared.faults,
        serde_json::Value::String(t) if t == "token" => &shared.faults,
        serde_json::Value::String(t) if t == "api" => &shared.api_faults,
        other => {
            return bad_request_response(format!(
                "unknown fault target {other}: 'token' (the token endpoint) or 'api' (the FLA API)"
            ))
        }
    };
    let count = match &request["count"] {
        serde_json::Value::Null => 1,
        other => match other.as_u64() {
            Some(n) if (1..=MAX_FAULT_COUNT).contains(&n) => n,
            _ => {
                return bad_request_response(format!(
                    "count {other} is not a whole number from 1 to {MAX_FAULT_COUNT}"
                ))
            }
        },
    };
    if mode == Fault::ExpireTokens {
        // Whatever the target: the tokens are the token endpoint's, and the API refuses them.
        let now = (shared.clock)();
        if let Ok(mut tokens) = shared.tokens.lock() {
            tokens.values_mut().for_each(|t| t.expires_at = now);
        }
        return StatusCode::NO_CONTENT.into_response();
    }
    if let Ok(mut faults) = queue.lock() {
        faults.extend(std::iter::repeat_n(
            mode,
            usize::try_from(count).unwrap_or(1),
        ));
    }
    StatusCode::NO_CONTENT.into_response()
}

fn bad_request_response(detail: String) -> Response {
    bad_request(detail).into_response()
}
