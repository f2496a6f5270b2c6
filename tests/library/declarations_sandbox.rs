//! Declarations through the sandbox over loopback: accepted, accepted with a
//! warning, refused; a correction; a cancel; a provider without mandate; a
//! duplicate reference; a token that expires in the middle; a 429; the faults
//! the admin endpoint injects; the sandbox's rules as the real service has them.

use fla_test_support::sandbox as sandbox_support;
use sandbox_support::World;

use std::time::{Duration, Instant};

use fla_assistant::channel::env::{endpoints, EnvironmentKind, UrlOverrides, FLA};
use fla_assistant::channel::token::{http_client, TokenCache};
use fla_assistant::fla::client::{ApiError, FlaClient, PollSchedule};
use fla_assistant::fla::wire::{self, Declaration, ResultCode, SearchRequest};
use fla_assistant::i18n::Lang;
use fla_assistant::sandbox::{self, SandboxOptions};
use serde_json::{json, Value};
use time::OffsetDateTime;

fn fast() -> PollSchedule {
    PollSchedule {
        first: Duration::from_millis(150),
        fast_interval: Duration::from_millis(50),
        fast_until: Duration::from_secs(5),
        slow_interval: Duration::from_millis(200),
        give_up_after: Duration::from_secs(10),
    }
}

async fn world() -> World {
    World::start(SandboxOptions {
        processing_delay: Duration::from_millis(100),
        ..Default::default()
    })
    .await
}

/// What a raw request got back.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

/// What these tests ask of the sandbox's world besides what it offers.
trait DeclarationsWorld {
    async fn account(&self, quality: &str, enterprise: &str, mandates: &[&str]) -> FlaClient;
    async fn fault_on(&self, mode: &str, target: &str);
    async fn raw(&self, fla: &FlaClient, method: &str, path: &str, body: Option<Value>) -> Answer;
    async fn raw_with(
        &self,
        http: &reqwest::Client,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, reqwest::Error>;
    async fn stored(&self, fla: &FlaClient, id: i64) -> Value;
}

impl DeclarationsWorld for World {
    /// A new account and its client, polling quickly.
    async fn account(&self, quality: &str, enterprise: &str, mandates: &[&str]) -> FlaClient {
        let mut client = self
            .client(quality, enterprise, mandates, Duration::from_secs(5))
            .await;
        client.schedule = fast();
        client
    }

    /// The next request to `target` (`api`, `token`) meets `mode`.
    async fn fault_on(&self, mode: &str, target: &str) {
        self.fault(json!({"mode": mode, "target": target})).await;
    }

    /// A request to the API with `fla`'s current token, as any client would send it.
    async fn raw(&self, fla: &FlaClient, method: &str, path: &str, body: Option<Value>) -> Answer {
        let token = fla.tokens.token(&fla.http, false, Lang::En).await.unwrap();
        self.raw_with(&fla.http, token.as_str(), method, path, body)
            .await
            .unwrap()
    }

    async fn raw_with(
        &self,
        http: &reqwest::Client,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, reqwest::Error> {
        let url = format!("{}{path}", self.sandbox.api_base);
        let request = match method {
            "GET" => http.get(url),
            "PUT" => http.put(url),
            "DELETE" => http.delete(url),
            _ => http.post(url),
        }
        .bearer_auth(token);
        let request = match body {
            Some(b) => request.json(&b),
            None => request,
        };
        let r = request.send().await?;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await?;
        Ok(Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        })
    }

    /// The declaration as the server stores it, once processed.
    async fn stored(&self, fla: &FlaClient, id: i64) -> Value {
        for _ in 0..100 {
            let a = self
                .raw(fla, "GET", &format!("/trainings/{id}"), None)
                .await;
            if a.status == 200 {
                return a.body;
            }
            assert_eq!(a.status, 404, "{}", a.body);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("declaration {id} was never processed");
    }
}

fn codes(stored: &Value) -> Vec<String> {
    stored["declarationStatus"]["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap().to_owned())
        .collect()
}

/// The contract's example, for a worker the sandbox knows, ended recently so it is not late.
fn declaration(reference: &str) -> Declaration {
    let today = fla_assistant::today::brussels_date(OffsetDateTime::now_utc());
    declaration_between(
        reference,
        today - time::Duration::days(3),
        today - time::Duration::days(2),
    )
}

fn declaration_between(reference: &str, start: time::Date, end: time::Date) -> Declaration {
    let json =
        sandbox_support::declaration_json_between(reference, sandbox_support::KNOWN, start, end);
    serde_json::from_value(json).unwrap()
}

#[tokio::test]
async fn accepted_warning_and_refused() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;

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
async fn a_bad_enterprise_number_comes_back_refused_to_its_sender_only() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;
    let mut d = declaration("REF-E");
    // 0403170701 with its last digit changed: the check digits fail.
    d.employer.enterprise_number = "0403170702".into();
    let id = fla.submit(&d).await.unwrap().declaration_id;
    let done = fla.wait_for_result(id).await.unwrap();
    assert_eq!(done.declaration_status.result, ResultCode::B);
    let codes: Vec<&str> = done
        .declaration_status
        .anomalies
        .iter()
        .map(|a| a.code.as_str())
        .collect();
    assert_eq!(codes, vec!["FLA-ENTERPRISE"]);
    assert_eq!(done.declaration.employer.enterprise_number, "0403170702");
    // Another client (even of the enterprise it meant) does not see it.
    let other = w.account("employer", "0403170701", &[]).await;
    let a = w
        .raw(&other, "GET", &format!("/trainings/{id}"), None)
        .await;
    assert_eq!(a.status, 404, "{}", a.body);
}

#[tokio::test]
async fn a_correction_changes_what_the_server_stores_and_its_result() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;
    let mut d = declaration("REF-C");
    d.training.duration.value = 100.0; // more than 24 h a day for two days
    let id = fla.submit(&d).await.unwrap().declaration_id;
    let first = w.stored(&fla, id).await;
    assert_eq!(first["declarationStatus"]["result"], "B");
    assert_eq!(codes(&first), ["FLA-DURATION-TOO-LONG"]);

    // Corrected: the server stores the new content and processes it again.
    d.training.duration.value = 14.0;
    d.training.name = "Excel voor experten".into();
    fla.correct(id, &d).await.unwrap();
    let again = w.stored(&fla, id).await;
    assert_eq!(again["training"]["name"], "Excel voor experten");
    assert_eq!(again["training"]["duration"]["value"], 14.0);
    assert_eq!(again["declarationStatus"]["result"], "A");
    assert_eq!(codes(&again), Vec::<String>::new());

    // The result follows the content again: a worker the register does not know.
    d.worker.ssin = "17073003384".into();
    fla.correct(id, &d).await.unwrap();
    let third = w.stored(&fla, id).await;
    assert_eq!(third["worker"]["ssin"], "17073003384");
    assert_eq!(third["declarationStatus"]["result"], "W");
    assert_eq!(codes(&third), ["FLA-WORKER-UNKNOWN"]);

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
async fn a_cancelled_declaration_cannot_be_corrected_back_to_life() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;
    let d = declaration("REF-X");
    let id = fla.submit(&d).await.unwrap().declaration_id;
    fla.wait_for_result(id).await.unwrap();
    fla.cancel(id).await.unwrap();
    let mut corrected = serde_json::to_value(&d).unwrap();
    corrected["training"]["name"] = json!("Back to life");
    let a = w
        .raw(&fla, "PUT", &format!("/trainings/{id}"), Some(corrected))
        .await;
    assert_eq!(a.status, 409, "{}", a.body);
    assert_eq!(a.headers["content-type"], wire::PROBLEM_CONTENT_TYPE);
    assert_eq!(a.body["type"], wire::PROBLEM_DECLARATION_CANCELLED);
    assert_eq!(
        a.body["type"],
        "urn:problem-type:sigedis:declarationCancelled"
    );
    let stored = w.stored(&fla, id).await;
    assert_eq!(stored["declarationStatus"]["result"], "C");
    assert_eq!(stored["training"]["name"], "Excel voor gevorderden");
}

#[tokio::test]
async fn a_correction_needs_the_mandate_for_the_enterprise_in_its_body() {
    let w = world().await;
    // A provider with a mandate for 0202239951 only.
    let provider = w.account("provider", "0202239951", &["0202239951"]).await;
    let mut d = declaration("REF-P");
    d.employer.enterprise_number = "0202239951".into();
    d.worker.ssin = "78111512375".into();
    let id = provider.submit(&d).await.unwrap().declaration_id;
    assert_eq!(
        w.stored(&provider, id).await["declarationStatus"]["result"],
        "A"
    );
    // Moving it to another enterprise is refused, whatever the mandates.
    let mut moved = serde_json::to_value(&d).unwrap();
    moved["employer"]["enterpriseNumber"] = json!("0403170701");
    let a = w
        .raw(&provider, "PUT", &format!("/trainings/{id}"), Some(moved))
        .await;
    assert_eq!(a.status, 409, "{}", a.body);
    assert_eq!(a.body["type"], wire::PROBLEM_ENTERPRISE_CHANGED);

    // A declaration sent with a number that fails its check digit belongs to
    // no enterprise: correcting the number needs the mandate for the new one.
    let mut typo = declaration("REF-Q");
    typo.employer.enterprise_number = "0403170702".into();
    let typo_id = provider.submit(&typo).await.unwrap().declaration_id;
    let stored = w.stored(&provider, typo_id).await;
    assert_eq!(codes(&stored), ["FLA-ENTERPRISE"]);
    typo.employer.enterprise_number = "0403170701".into();
    let a = w
        .raw(
            &provider,
            "PUT",
            &format!("/trainings/{typo_id}"),
            Some(serde_json::to_value(&typo).unwrap()),
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(a.body["type"], wire::PROBLEM_NO_MANDATE);
    assert_eq!(a.body["enterpriseNumber"], "0403170701");
    // Unchanged on the server.
    assert_eq!(
        w.stored(&provider, typo_id).await["employer"]["enterpriseNumber"],
        "0403170702"
    );
    // With the mandate, the corrected number is accepted and processed again.
    let mandated = w.account("provider", "0202239951", &["0403170701"]).await;
    let mut fixed = declaration("REF-Q2");
    fixed.employer.enterprise_number = "0403.170.702".into();
    let fixed_id = mandated.submit(&fixed).await.unwrap().declaration_id;
    assert_eq!(
        w.stored(&mandated, fixed_id).await["declarationStatus"]["result"],
        "B"
    );
    fixed.employer.enterprise_number = "0403.170.701".into();
    mandated.correct(fixed_id, &fixed).await.unwrap();
    let done = w.stored(&mandated, fixed_id).await;
    assert_eq!(done["declarationStatus"]["result"], "A", "{done}");
    // Now it is the enterprise's: found by a search for it.
    let found = mandated
        .search_all(&SearchRequest {
            enterprise_number: "0403170701".into(),
            external_reference: Some("REF-Q2".into()),
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn a_duplicate_reference_leads_to_the_first_declaration() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;
    let first = fla.submit(&declaration("REF-D")).await.unwrap();
    assert!(!first.duplicate);
    let second = fla.submit(&declaration("REF-D")).await.unwrap();
    assert!(second.duplicate);
    assert_eq!(second.declaration_id, first.declaration_id);
}

#[tokio::test]
async fn a_provider_without_mandate_is_told_to_use_mahis() {
    let w = world().await;
    let provider = w.account("provider", "0202239951", &["0202239951"]).await;
    let err = provider.submit(&declaration("REF-M")).await.unwrap_err();
    match &err {
        ApiError::NoMandate { enterprise, .. } => assert_eq!(enterprise, "0403170701"),
        other => panic!("{other:?}"),
    }
    assert!(err.message(Lang::En).contains("MAHIS"));
    // The answer as contract §3 has it: the type says why, the enterprise is a member.
    let a = w
        .raw(
            &provider,
            "POST",
            "/trainings",
            Some(serde_json::to_value(declaration("REF-M")).unwrap()),
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(a.headers["content-type"], wire::PROBLEM_CONTENT_TYPE);
    assert_eq!(a.body["type"], "urn:problem-type:sigedis:missingMandate");
    assert_eq!(a.body["status"], 403);
    assert_eq!(a.body["enterpriseNumber"], "0403170701");
    // With the mandate, the same declaration goes through.
    let mandated = w.account("provider", "0202239951", &["0403170701"]).await;
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
    let fla = w.account("employer", "0403170701", &[]).await;
    let id = fla
        .submit(&declaration("REF-T1"))
        .await
        .unwrap()
        .declaration_id;
    assert_eq!(w.tokens_issued().await, 1);
    w.fault_on("expire_tokens", "api").await;
    // The cached token is refused with 401: the client fetches one new token and goes on.
    let done = fla.wait_for_result(id).await.unwrap();
    assert_eq!(done.declaration_status.result, ResultCode::A);
    assert_eq!(w.tokens_issued().await, 2, "exactly one renewal");
    w.fault_on("too_many_requests", "api").await;
    let started = Instant::now();
    let second = fla.submit(&declaration("REF-T2")).await.unwrap();
    let waited = started.elapsed();
    assert!(!second.duplicate);
    let stats = w.stats().await;
    assert_eq!(stats["faults_served"]["api"], 1, "{stats}");
    assert_eq!(stats["faults_pending"]["api"], 0, "{stats}");
    let retry_after: u64 = sandbox::RETRY_AFTER_SECS.parse().unwrap();
    assert!(
        waited >= Duration::from_secs(retry_after),
        "the 429 was retried after {waited:?}, before its Retry-After of {retry_after} s"
    );
    assert_eq!(w.tokens_issued().await, 2, "a 429 needs no new token");
    assert_eq!(
        w.stored(&fla, second.declaration_id).await["externalReference"],
        "REF-T2"
    );
}

/// Every (mode, target) pair the admin endpoint accepts acts on its target.
#[tokio::test]
async fn every_fault_acts_on_the_target_it_names() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;
    let http = http_client(Duration::from_secs(1)).unwrap();
    let token = fla.tokens.token(&fla.http, false, Lang::En).await.unwrap();
    let token = token.as_str().to_owned();
    let get = || w.raw_with(&http, &token, "GET", "/trainings/999", None);
    assert_eq!(get().await.unwrap().status, 404);

    // The API.
    w.fault_on("html", "api").await;
    let a = get().await.unwrap();
    assert_eq!(a.status, 200);
    assert!(a.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    w.fault_on("server_error", "api").await;
    assert_eq!(get().await.unwrap().status, 500);
    w.fault_on("too_many_requests", "api").await;
    let a = get().await.unwrap();
    assert_eq!(a.status, 429);
    assert_eq!(a.headers["retry-after"], sandbox::RETRY_AFTER_SECS);
    assert_eq!(a.body["type"], wire::PROBLEM_TOO_MANY);
    w.fault_on("hang", "api").await;
    let started = Instant::now();
    let hung = get().await;
    assert!(
        hung.as_ref().is_err_and(|e| e.is_timeout()),
        "answered within {:?}",
        started.elapsed()
    );
    assert_eq!(get().await.unwrap().status, 404, "one fault, one request");
    w.fault_on("expire_tokens", "api").await;
    let a = get().await.unwrap();
    assert_eq!(a.status, 401);
    assert_eq!(a.body["type"], wire::PROBLEM_EXPIRED_TOKEN);

    // The token endpoint.
    let token_post = || {
        http.post(&w.sandbox.token_url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
    };
    assert_eq!(token_post().await.unwrap().status(), 400);
    w.fault_on("html", "token").await;
    let r = token_post().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    w.fault_on("server_error", "token").await;
    let r = token_post().await.unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "server_error");
    w.fault_on("too_many_requests", "token").await;
    let r = token_post().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], sandbox::RETRY_AFTER_SECS);
    w.fault_on("hang", "token").await;
    assert!(token_post().await.is_err_and(|e| e.is_timeout()));
    assert_eq!(token_post().await.unwrap().status(), 400);
    // Expiring tokens through the token target: the API refuses the new token too.
    let fresh = fla.tokens.token(&fla.http, true, Lang::En).await.unwrap();
    let fresh = fresh.as_str().to_owned();
    assert_eq!(
        w.raw_with(&http, &fresh, "GET", "/trainings/999", None)
            .await
            .unwrap()
            .status,
        404
    );
    w.fault_on("expire_tokens", "token").await;
    assert_eq!(
        w.raw_with(&http, &fresh, "GET", "/trainings/999", None)
            .await
            .unwrap()
            .status,
        401
    );
    let stats = w.stats().await;
    assert_eq!(stats["faults_served"]["api"], 4, "{stats}");
    assert_eq!(stats["faults_served"]["token"], 4, "{stats}");
}

#[tokio::test]
async fn a_fault_that_cannot_act_is_refused_with_a_reason() {
    let w = world().await;
    for (body, says) in [
        (json!({"mode": "explode"}), "explode"),
        (json!({"mode": "hang", "target": "chaman"}), "chaman"),
        (json!({"mode": "hang", "target": 7}), "target"),
        (json!({"mode": "html", "count": 0}), "count"),
        (json!({"mode": "html", "count": -1}), "count"),
        (json!({"mode": "html", "count": 1.5}), "count"),
        (json!({"target": "api"}), "mode"),
        (json!("hang"), "mode"),
    ] {
        let (status, answer) = w.admin_post("/faults", &body.clone()).await;
        assert_eq!(status, 400, "{body} was accepted");
        let detail = answer["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(says), "{body}: {detail}");
    }
    let stats = w.stats().await;
    assert_eq!(stats["faults_pending"]["api"], 0);
    assert_eq!(stats["faults_pending"]["token"], 0);
}

#[tokio::test]
async fn the_worker_register_is_looked_up_by_the_normalised_ssin() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;
    let mut typed = declaration("REF-N");
    typed.worker.ssin = "85.07.30-033.28".into();
    let id = fla.submit(&typed).await.unwrap().declaration_id;
    let done = fla.wait_for_result(id).await.unwrap();
    assert_eq!(
        done.declaration_status.result,
        ResultCode::A,
        "{:?}",
        done.declaration_status.anomalies
    );
    // Stored normalised: a search by either form finds it.
    for ssin in ["85073003328", "85.07.30-033.28"] {
        let found = fla
            .search_all(&SearchRequest {
                enterprise_number: "0403170701".into(),
                ssin: Some(ssin.into()),
                ..SearchRequest::default()
            })
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{ssin}");
    }
}

#[tokio::test]
async fn search_pages_through_everything() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;
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
    let long_ago = fla
        .search_all(&SearchRequest {
            enterprise_number: "0403170701".into(),
            to: Some("2024-01-01".into()),
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert!(long_ago.is_empty());
}

#[tokio::test]
async fn a_malformed_search_period_is_a_400_naming_the_field() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;
    let id = fla
        .submit(&declaration("REF-F"))
        .await
        .unwrap()
        .declaration_id;
    fla.wait_for_result(id).await.unwrap();
    for (filters, names) in [
        (json!({"from": "2025-13-01"}), vec!["from"]),
        (json!({"to": "yesterday"}), vec!["to"]),
        (json!({"from": "01/02/2025", "to": ""}), vec!["from", "to"]),
    ] {
        let mut body = json!({"enterpriseNumber": "0403170701"});
        for (k, v) in filters.as_object().unwrap() {
            body[k] = v.clone();
        }
        let a = w
            .raw(&fla, "POST", "/trainings/search", Some(body.clone()))
            .await;
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        assert_eq!(a.body["type"], wire::PROBLEM_BAD_REQUEST);
        let named: Vec<&str> = a.body["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap())
            .collect();
        assert_eq!(named, names, "{body}");
    }
}

/// At 00:30 in Brussels (23:30 UTC the day before, in winter), a training that
/// ended "today" is not in the future for the sandbox.
#[tokio::test]
async fn the_sandbox_s_today_is_the_date_in_brussels() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;
    // The token first, at the wall clock's time.
    fla.tokens.token(&fla.http, false, Lang::En).await.unwrap();
    let at = time::macros::datetime!(2025-12-31 23:30 UTC);
    w.shift_seconds((at - OffsetDateTime::now_utc()).whole_seconds());
    let brussels_today = time::macros::date!(2026 - 01 - 01);
    let d = declaration_between("REF-BXL", brussels_today, brussels_today);
    let id = fla.submit(&d).await.unwrap().declaration_id;
    let done = fla.wait_for_result(id).await.unwrap();
    assert_eq!(
        done.declaration_status.result,
        ResultCode::A,
        "{:?}",
        done.declaration_status.anomalies
    );
    // One day later still is in the future.
    let d = declaration_between(
        "REF-BXL2",
        brussels_today,
        brussels_today.next_day().unwrap(),
    );
    let id = fla.submit(&d).await.unwrap().declaration_id;
    let done = fla.wait_for_result(id).await.unwrap();
    let codes: Vec<&str> = done
        .declaration_status
        .anomalies
        .iter()
        .map(|a| a.code.as_str())
        .collect();
    assert_eq!(codes, vec!["FLA-FUTURE"]);
}

#[tokio::test]
async fn what_is_not_a_declaration_is_a_400_with_issues() {
    let w = world().await;
    let fla = w.account("employer", "0403170701", &[]).await;
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
    let body: Value = r.json().await.unwrap();
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
    // Nothing was stored.
    let search = w
        .raw(
            &fla,
            "POST",
            "/trainings/search",
            Some(json!({"enterpriseNumber": "0403170701"})),
        )
        .await;
    assert_eq!(search.status, 200, "{}", search.body);
    assert_eq!(search.body["items"], json!([]));
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
    let options = SandboxOptions {
        processing_delay: Duration::from_millis(50),
        ..Default::default()
    };
    let w = World::start(options).await;
    let fla = w.account("employer", "0403170701", &[]).await;
    let id = fla
        .submit(&declaration("REF-R"))
        .await
        .unwrap()
        .declaration_id;
    fla.wait_for_result(id).await.unwrap();
    let client_id = fla.tokens.client_id.clone();
    let again = World::start_in(w.stop().await, options).await;
    let again = &again.sandbox;
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
