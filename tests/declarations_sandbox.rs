//! Declarations through the sandbox over loopback: accepted, accepted with a
//! warning, refused; a correction; a cancel; a provider without mandate; a
//! duplicate reference; a token that expires in the middle; a 429.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use fla_assistant::cert;
use fla_assistant::channel::env::{endpoints, EnvironmentKind, Role, UrlOverrides, FLA};
use fla_assistant::channel::token::{http_client, system_clock, TokenCache};
use fla_assistant::fla::client::{ApiError, FlaClient, PollSchedule, TokenSource};
use fla_assistant::fla::wire::{Declaration, ResultCode, SearchRequest};
use fla_assistant::i18n::Lang;
use fla_assistant::sandbox::{self, RegisterRequest, Sandbox, SandboxOptions};
use serde_json::json;

fn fast() -> PollSchedule {
    PollSchedule {
        first: Duration::from_millis(150),
        fast_interval: Duration::from_millis(50),
        fast_until: Duration::from_secs(5),
        slow_interval: Duration::from_millis(200),
        give_up_after: Duration::from_secs(10),
    }
}

struct World {
    sandbox: Sandbox,
    _state: tempfile::TempDir,
}

async fn world() -> World {
    let state = tempfile::tempdir().unwrap();
    let options = SandboxOptions {
        processing_delay: Duration::from_millis(100),
    };
    let sandbox = sandbox::start_with(
        "127.0.0.1:0".parse().unwrap(),
        state.path(),
        system_clock(),
        options,
    )
    .await
    .unwrap();
    World {
        sandbox,
        _state: state,
    }
}

fn pfx(name: &str) -> cert::Pkcs12Contents {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pfx")
        .join(name);
    cert::open_pkcs12(&std::fs::read(path).unwrap(), "Password").unwrap()
}

impl World {
    async fn client(&self, quality: &str, enterprise: &str, mandates: &[&str]) -> FlaClient {
        let contents = pfx("openssl3-aes256.pfx");
        let entry = contents.entries[0].clone();
        let request = RegisterRequest {
            certificate: base64::engine::general_purpose::STANDARD
                .encode(&entry.certificate.as_ref().unwrap().der),
            enterprise: enterprise.into(),
            quality: quality.into(),
            mandates: mandates.iter().map(|m| m.to_string()).collect(),
            authorizations: vec![FLA.authorization.into()],
        };
        let http = http_client(Duration::from_secs(5)).unwrap();
        let body: serde_json::Value = http
            .post(format!("{}/chaman/accounts", self.sandbox.admin_url))
            .json(&request)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let role = if quality == "provider" {
            Role::Provider
        } else {
            Role::Employer
        };
        let tokens = TokenSource::new(
            endpoints(
                EnvironmentKind::Sandbox,
                &FLA,
                &UrlOverrides::default(),
                Some(&self.sandbox.base_url),
            )
            .unwrap(),
            body["client_id"].as_str().unwrap().to_owned(),
            role,
            None,
            entry,
            contents.protection.clone(),
            Duration::from_secs(5),
        );
        let mut client = FlaClient::new(http, tokens, Lang::En).unwrap();
        client.schedule = fast();
        client
    }

    async fn fault(&self, mode: &str, target: &str) {
        let http = http_client(Duration::from_secs(5)).unwrap();
        let r = http
            .post(format!("{}/faults", self.sandbox.admin_url))
            .json(&json!({"mode": mode, "target": target}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
}

/// The contract's example, for a worker the sandbox knows, ended recently so it is not late.
fn declaration(reference: &str) -> Declaration {
    let today = time::OffsetDateTime::now_utc().date();
    let start = today - time::Duration::days(3);
    let end = today - time::Duration::days(2);
    serde_json::from_value(json!({
        "externalReference": reference,
        "employer": { "enterpriseNumber": "0403170701" },
        "worker": { "ssin": "85073003328" },
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
    }))
    .unwrap()
}

#[tokio::test]
async fn accepted_warning_and_refused() {
    let w = world().await;
    let fla = w.client("employer", "0403170701", &[]).await;

    let ok = fla.submit(&declaration("REF-A")).await.unwrap();
    assert!(!ok.duplicate);
    // Processing is asynchronous: at first the declaration is not there yet.
    assert_eq!(fla.get(ok.declaration_id).await.unwrap(), None);
    let done = fla.wait_for_result(ok.declaration_id).await.unwrap();
    assert_eq!(done.declaration_status.result, ResultCode::A);
    assert!(done.declaration_status.anomalies.is_empty());

    let mut unknown_worker = declaration("REF-W");
    unknown_worker.worker.ssin = "17073003384".into();
    let id = fla.submit(&unknown_worker).await.unwrap().declaration_id;
    let done = fla.wait_for_result(id).await.unwrap();
    assert_eq!(done.declaration_status.result, ResultCode::W);
    assert_eq!(
        done.declaration_status.anomalies[0].code,
        "FLA-WORKER-UNKNOWN"
    );

    // A rule broken is a refusal with its anomaly, never a 400.
    let mut broken = declaration("REF-B");
    broken.worker.ssin = "85073003329".into();
    let id = fla.submit(&broken).await.unwrap().declaration_id;
    let done = fla.wait_for_result(id).await.unwrap();
    assert_eq!(done.declaration_status.result, ResultCode::B);
    let codes: Vec<&str> = done
        .declaration_status
        .anomalies
        .iter()
        .map(|a| a.code.as_str())
        .collect();
    assert_eq!(codes, vec!["FLA-SSIN"]);
    assert!(!done.declaration_status.anomalies[0]
        .description_nl
        .is_empty());
    assert!(fla.last_trace_id.lock().unwrap().is_some());
}

#[tokio::test]
async fn correction_and_cancel() {
    let w = world().await;
    let fla = w.client("employer", "0403170701", &[]).await;
    let mut d = declaration("REF-C");
    d.training.duration.value = 100.0; // more than 24 h a day for two days
    let id = fla.submit(&d).await.unwrap().declaration_id;
    assert_eq!(
        fla.wait_for_result(id)
            .await
            .unwrap()
            .declaration_status
            .result,
        ResultCode::B
    );
    d.training.duration.value = 14.0;
    fla.correct(id, &d).await.unwrap();
    let again = fla.wait_for_result(id).await.unwrap();
    assert_eq!(again.declaration_status.result, ResultCode::A);
    assert_eq!(again.declaration.training.duration.value, 14.0);
    fla.cancel(id).await.unwrap();
    assert_eq!(
        fla.get(id)
            .await
            .unwrap()
            .unwrap()
            .declaration_status
            .result,
        ResultCode::C
    );
}

#[tokio::test]
async fn a_duplicate_reference_leads_to_the_first_declaration() {
    let w = world().await;
    let fla = w.client("employer", "0403170701", &[]).await;
    let first = fla.submit(&declaration("REF-D")).await.unwrap();
    let second = fla.submit(&declaration("REF-D")).await.unwrap();
    assert!(second.duplicate);
    assert_eq!(second.declaration_id, first.declaration_id);
}

#[tokio::test]
async fn a_provider_without_mandate_is_told_to_use_mahis() {
    let w = world().await;
    let provider = w.client("provider", "0202239951", &["0202239951"]).await;
    let err = provider.submit(&declaration("REF-M")).await.unwrap_err();
    match &err {
        ApiError::NoMandate { enterprise, .. } => assert_eq!(enterprise, "0403170701"),
        other => panic!("{other:?}"),
    }
    assert!(err.message(Lang::En).contains("MAHIS"));
    // With the mandate, the same declaration goes through.
    let mandated = w.client("provider", "0202239951", &["0403170701"]).await;
    let id = mandated
        .submit(&declaration("REF-M"))
        .await
        .unwrap()
        .declaration_id;
    assert_eq!(
        mandated
            .wait_for_result(id)
            .await
            .unwrap()
            .declaration_status
            .result,
        ResultCode::A
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_429_is_waited_out() {
    let w = world().await;
    let fla = w.client("employer", "0403170701", &[]).await;
    let id = fla
        .submit(&declaration("REF-T1"))
        .await
        .unwrap()
        .declaration_id;
    w.fault("expire_tokens", "api").await;
    // The cached token is refused with 401: the client fetches a new one and goes on.
    let done = fla.wait_for_result(id).await.unwrap();
    assert_eq!(done.declaration_status.result, ResultCode::A);
    w.fault("too_many_requests", "api").await;
    let second = fla.submit(&declaration("REF-T2")).await.unwrap();
    assert!(!second.duplicate);
}

#[tokio::test]
async fn search_pages_through_everything() {
    let w = world().await;
    let fla = w.client("employer", "0403170701", &[]).await;
    let mut last = 0;
    for i in 0..(sandbox::PAGE_SIZE + 7) {
        last = fla
            .submit(&declaration(&format!("REF-S{i:03}")))
            .await
            .unwrap()
            .declaration_id;
    }
    fla.wait_for_result(last).await.unwrap();
    let all = fla
        .search_all(&SearchRequest {
            enterprise_number: "0403170701".into(),
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len() as i64, sandbox::PAGE_SIZE + 7);
    let far_future = fla
        .search_all(&SearchRequest {
            enterprise_number: "0403170701".into(),
            from: Some("2999-01-01".into()),
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert!(far_future.is_empty());
}

#[tokio::test]
async fn what_is_not_a_declaration_is_a_400_with_issues() {
    let w = world().await;
    let fla = w.client("employer", "0403170701", &[]).await;
    let token = fla.tokens.token(&fla.http, false, Lang::En).await.unwrap();
    let r = fla
        .http
        .post(format!("{}/trainings", w.sandbox.api_base))
        .bearer_auth(token.as_str())
        .json(&json!({"externalReference": "X", "training": {"startDate": "2025-13-01"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["type"], "urn:problem-type:belgif:badRequest");
    let names: Vec<&str> = body["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"training.startDate") && names.contains(&"worker.ssin"),
        "{names:?}"
    );
    // No token, no access.
    let r = fla
        .http
        .get(format!("{}/trainings/1", w.sandbox.api_base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn declarations_survive_a_restart() {
    let state = tempfile::tempdir().unwrap();
    let options = SandboxOptions {
        processing_delay: Duration::from_millis(50),
    };
    let first = sandbox::start_with(
        "127.0.0.1:0".parse().unwrap(),
        state.path(),
        system_clock(),
        options,
    )
    .await
    .unwrap();
    let w = World {
        sandbox: first,
        _state: tempfile::tempdir().unwrap(),
    };
    let fla = w.client("employer", "0403170701", &[]).await;
    let id = fla
        .submit(&declaration("REF-R"))
        .await
        .unwrap()
        .declaration_id;
    fla.wait_for_result(id).await.unwrap();
    let client_id = fla.tokens.client_id.clone();
    w.sandbox.stop().await;
    let again = sandbox::start_with(
        "127.0.0.1:0".parse().unwrap(),
        state.path(),
        system_clock(),
        options,
    )
    .await
    .unwrap();
    let mut tokens = fla.tokens;
    tokens.endpoints = endpoints(
        EnvironmentKind::Sandbox,
        &FLA,
        &UrlOverrides::default(),
        Some(&again.base_url),
    )
    .unwrap();
    tokens.cache = TokenCache::default();
    assert_eq!(tokens.client_id, client_id);
    let fla = FlaClient::new(
        http_client(Duration::from_secs(5)).unwrap(),
        tokens,
        Lang::En,
    )
    .unwrap();
    assert_eq!(
        fla.get(id)
            .await
            .unwrap()
            .unwrap()
            .declaration
            .external_reference,
        "REF-R"
    );
}
