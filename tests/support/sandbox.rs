//! The sandbox as the library's tests use it: started on a free port in a
//! folder of its own, an account registered in its Chaman for the fixture's
//! key (made valid now), the token source of that account, and a declaration
//! it accepts. Include with `#[path = "support/sandbox.rs"] mod sandbox_support;`
//! beside `#[path = "support/certs.rs"] mod certs;`.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use fla_assistant::cert;
use fla_assistant::channel::env::{endpoints, EnvironmentKind, Role, UrlOverrides, FLA};
use fla_assistant::channel::token::Clock;
use fla_assistant::fla::client::TokenSource;
use fla_assistant::fla::wire::Declaration;
use fla_assistant::sandbox::{self, RegisterRequest, Sandbox, SandboxOptions};
use serde_json::{json, Value};
use time::OffsetDateTime;

/// The employer the sandbox's workers belong to.
pub const ENTERPRISE: &str = "0403170701";
/// A worker the sandbox knows (A).
pub const KNOWN: &str = "85073003328";
/// A worker it does not know (W, FLA-WORKER-UNKNOWN).
pub const UNKNOWN: &str = "17073003384";

/// Starts a sandbox keeping its state in `state`.
pub async fn start(state: &Path, clock: Clock, options: SandboxOptions) -> Sandbox {
    sandbox::start_with("127.0.0.1:0".parse().unwrap(), state, clock, options)
        .await
        .unwrap()
}

/// Registers an account of `quality` for `enterprise` (with `mandates`) for
/// the fixture's key: its client ID and the PKCS#12 contents that sign.
pub async fn register(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    quality: &str,
    enterprise: &str,
    mandates: &[&str],
) -> (String, cert::Pkcs12Contents) {
    let path = crate::certs::fresh("openssl3-aes256.pfx");
    let contents =
        cert::open_pkcs12(&std::fs::read(path).unwrap(), crate::certs::PASSWORD).unwrap();
    let der = &contents.entries[0].certificate.as_ref().unwrap().der;
    let request = RegisterRequest {
        certificate: base64::engine::general_purpose::STANDARD.encode(der),
        enterprise: enterprise.into(),
        quality: quality.into(),
        mandates: mandates.iter().map(|m| m.to_string()).collect(),
        authorizations: vec![FLA.authorization.into()],
    };
    let response = http
        .post(format!("{}/chaman/accounts", sandbox.admin_url))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    (body["client_id"].as_str().unwrap().to_owned(), contents)
}

/// The token source of an account registered with [`register`].
pub fn token_source(
    sandbox: &Sandbox,
    client_id: String,
    quality: &str,
    contents: &cert::Pkcs12Contents,
    timeout: Duration,
) -> TokenSource {
    let role = if quality == "provider" {
        Role::Provider
    } else {
        Role::Employer
    };
    TokenSource::new(
        endpoints(
            EnvironmentKind::Sandbox,
            &FLA,
            &UrlOverrides::default(),
            Some(&sandbox.base_url),
        )
        .unwrap(),
        client_id,
        role,
        None,
        contents.entries[0].clone(),
        contents.protection.clone(),
        timeout,
    )
}

/// A declaration of ENTERPRISE for `ssin`, a training from `start` to `end`, as JSON.
pub fn declaration_json_between(
    reference: &str,
    ssin: &str,
    start: time::Date,
    end: time::Date,
) -> Value {
    json!({
        "externalReference": reference,
        "employer": { "enterpriseNumber": ENTERPRISE },
        "worker": { "ssin": ssin },
        "training": {
            "name": "Excel voor gevorderden",
            "type": "FORMAL",
            "startDate": start.to_string(),
            "endDate": end.to_string(),
            "duration": { "value": 14, "unit": "HOURS" },
            "followed": true,
            "countsForFla": true,
            "jointCommittee": "200"
        }
    })
}

/// The same, for a training three and two days ago (in Brussels).
pub fn declaration_json(reference: &str, ssin: &str) -> Value {
    let today = fla_assistant::today::brussels_date(OffsetDateTime::now_utc());
    declaration_json_between(
        reference,
        ssin,
        today - time::Duration::days(3),
        today - time::Duration::days(2),
    )
}

/// [`declaration_json`] as the wire type.
pub fn declaration(reference: &str, ssin: &str) -> Declaration {
    serde_json::from_value(declaration_json(reference, ssin)).unwrap()
}
