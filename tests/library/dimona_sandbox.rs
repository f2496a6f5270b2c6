//! The sandbox's Dimona as a client that skips the local rules meets it: a
//! rule is a `B` with its anomaly, never a 400 nor a declaration its sender
//! cannot read back; what is not a declaration at all is a 400. What it takes
//! is kept across restarts, however many at once, and what an older sandbox
//! kept (`dimona.json`, written whole) is still read.

use fla_test_support::sandbox::{admin_get, World, ENTERPRISE};

use std::sync::Arc;
use std::time::Duration;

use fla_assistant::dimona::wire::{
    Declaration, DimonaResult, Employer, PeriodStatus, SearchRequest,
};
use fla_assistant::fla::client::{ApiError, PollSchedule};
use fla_assistant::sandbox::SandboxOptions;
use serde_json::json;

fn fast() -> PollSchedule {
    PollSchedule {
        first: Duration::from_millis(100),
        fast_interval: Duration::from_millis(50),
        fast_until: Duration::from_secs(5),
        slow_interval: Duration::from_millis(200),
        give_up_after: Duration::from_secs(10),
    }
}

fn dimona_in(enterprise: &str) -> Declaration {
    dimona_in_of(enterprise, "85073003328")
}

/// A Dimona In for today of `ssin` at `enterprise`.
fn dimona_in_of(enterprise: &str, ssin: &str) -> Declaration {
    let today = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
    serde_json::from_value(json!({
        "employer": {"enterpriseNumber": enterprise},
        "worker": {"ssin": ssin},
        "dimonaIn": {
            "startDate": today.to_string(),
            "features": {"jointCommissionNumber": "200", "workerType": "OTH"}
        }
    }))
    .unwrap()
}

#[tokio::test]
async fn a_rule_the_client_skipped_is_a_refusal_its_sender_reads_back() {
    let world = World::start(SandboxOptions {
        processing_delay: Duration::from_millis(100),
        ..SandboxOptions::default()
    })
    .await;
    let mut client = world
        .dimona_client("0403170701", Duration::from_secs(5))
        .await;
    client.api.schedule = fast();
    // A check digit wrong: no enterprise of anyone's, and yet its sender's.
    let posted = client
        .post(&dimona_in("0403170702"), Duration::from_millis(200))
        .await
        .unwrap();
    let done = client
        .wait_for_result(posted.declaration_id, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(done.declaration_status.result, DimonaResult::B);
    assert_eq!(done.declaration_status.anomalies[0].code, "DIM-ENTERPRISE");
    // Two parts at once: a rule too.
    let mut two = dimona_in("0403170701");
    two.dimona_cancel = Some(fla_assistant::dimona::wire::DimonaCancel { period_id: 1 });
    let posted = client.post(&two, Duration::from_millis(200)).await.unwrap();
    let done = client
        .wait_for_result(posted.declaration_id, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(done.declaration_status.anomalies[0].code, "DIM-PART");
}

#[tokio::test]
async fn what_is_not_a_declaration_is_a_400_and_another_employer_is_a_403() {
    let world = World::start(SandboxOptions::default()).await;
    let client = world
        .dimona_client("0403170701", Duration::from_secs(5))
        .await;
    let url = format!("{}/declarations", client.api.api_base);
    let token = client
        .api
        .tokens
        .token(&client.api.http, false, fla_assistant::i18n::Lang::En)
        .await
        .unwrap();
    let response = client
        .api
        .http
        .post(&url)
        .bearer_auth(token.as_str())
        .json(&json!({"employer": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // Another employer's declaration: refused for want of a mandate.
    let err = client
        .post(&dimona_in("0202239951"), Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::NoMandate { .. }), "{err:?}");
}

/// The `i`th worker born 30 July 1985 (a valid INSZ; `i` below 997).
fn worker(i: u64) -> String {
    let first_nine = 850_730_000 + i + 1;
    format!(
        "{first_nine:09}{:02}",
        fla_assistant::identifiers::ssin_check_digits(first_nine, false)
    )
}

/// Every period of the sandbox's employer.
async fn periods(
    client: &fla_assistant::dimona::client::DimonaClient,
) -> Vec<fla_assistant::dimona::wire::Period> {
    client
        .search_periods(&SearchRequest {
            employer: Employer {
                enterprise_number: ENTERPRISE.into(),
            },
            ssin: None,
            from: None,
            to: None,
            cursor: None,
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_after_many_posts_at_once_keeps_every_declaration_and_period() {
    const N: u64 = 400;
    let mut world = World::start(SandboxOptions {
        processing_delay: Duration::ZERO,
        ..SandboxOptions::default()
    })
    .await;
    let client = Arc::new(
        world
            .dimona_client(ENTERPRISE, Duration::from_secs(30))
            .await,
    );
    // A month start: many POSTs at once, each a worker of its own.
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..N {
        let client = client.clone();
        posts.spawn(async move {
            client
                .post(
                    &dimona_in_of(ENTERPRISE, &worker(i)),
                    Duration::from_millis(200),
                )
                .await
                .unwrap()
                .declaration_id
        });
    }
    let mut ids = posts.join_all().await;
    ids.sort_unstable();
    assert_eq!(ids, (1..=N as i64).collect::<Vec<_>>());
    // A period changed after it was opened: its change is kept too.
    let first = periods(&client).await[0].clone();
    let out: Declaration = serde_json::from_value(json!({
        "employer": {"enterpriseNumber": ENTERPRISE},
        "worker": {"ssin": first.worker.ssin},
        "dimonaOut": {"periodId": first.id, "endDate": "2099-12-31"}
    }))
    .unwrap();
    client.post(&out, Duration::from_millis(200)).await.unwrap();
    for round in [
        "a restart",
        "a second restart (the first compacted the log)",
    ] {
        world = world.restart().await;
        // The tokens were in memory: a new account of the same employer.
        let client = world
            .dimona_client(ENTERPRISE, Duration::from_secs(30))
            .await;
        assert_eq!(
            world.stats().await["dimona_declarations"],
            N + 1,
            "after {round}"
        );
        let held = periods(&client).await;
        let mut workers: Vec<String> = held.iter().map(|p| p.worker.ssin.clone()).collect();
        workers.sort_unstable();
        assert_eq!(
            workers,
            (0..N).map(worker).collect::<Vec<_>>(),
            "after {round}"
        );
        let kept = held.iter().find(|p| p.id == first.id).unwrap();
        assert_eq!(kept.status, PeriodStatus::Closed, "after {round}");
        assert_eq!(kept.end_date.as_deref(), Some("2099-12-31"));
        let last = client.get(N as i64 + 1).await.unwrap().expect("the Out");
        assert!(last.declaration.dimona_out.is_some(), "after {round}");
    }
    // What is taken next follows what was kept.
    let client = world
        .dimona_client(ENTERPRISE, Duration::from_secs(30))
        .await;
    let next = client
        .post(
            &dimona_in_of(ENTERPRISE, &worker(N)),
            Duration::from_millis(200),
        )
        .await
        .unwrap();
    assert_eq!(next.declaration_id, N as i64 + 2);
}

#[tokio::test]
async fn a_dimona_json_an_older_sandbox_wrote_whole_is_still_read() {
    // Written by the sandbox before its log (commit b8dd22e): an In, and an
    // Out that closed its period.
    let state = tempfile::tempdir().unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sandbox/dimona-written-whole.json"),
        state.path().join("dimona.json"),
    )
    .unwrap();
    let world = World::start_in(state, SandboxOptions::default()).await;
    let client = world
        .dimona_client(ENTERPRISE, Duration::from_secs(30))
        .await;
    let held = periods(&client).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].status, PeriodStatus::Closed);
    assert_eq!(held[0].end_date.as_deref(), Some("2026-12-05"));
    let out = client.get(2).await.unwrap().expect("the Out, processed");
    assert_eq!(out.declaration_status.result, DimonaResult::A);
    // Taken on from there, and kept across a restart.
    let next = client
        .post(
            &dimona_in_of(ENTERPRISE, &worker(1)),
            Duration::from_millis(200),
        )
        .await
        .unwrap();
    assert_eq!(next.declaration_id, 3);
    let world = world.restart().await;
    assert_eq!(world.stats().await["dimona_declarations"], 3);
}

#[tokio::test]
async fn a_reset_of_the_sandbox_forgets_its_dimona() {
    use fla_assistant::sandbox::host::{self, Home, ENDPOINT_FILE};
    let world = World::start(SandboxOptions {
        processing_delay: Duration::ZERO,
        ..SandboxOptions::default()
    })
    .await;
    let client = world
        .dimona_client(ENTERPRISE, Duration::from_secs(30))
        .await;
    for i in 0..3 {
        client
            .post(
                &dimona_in_of(ENTERPRISE, &worker(i)),
                Duration::from_millis(200),
            )
            .await
            .unwrap();
    }
    // Reset as the Support page does it: the running sandbox stopped, its
    // state folder deleted, a fresh one started there.
    let state_dir = world.state_dir().to_path_buf();
    let home = Home {
        endpoint_file: state_dir.join(ENDPOINT_FILE),
        state_dir,
    };
    let addr = world.sandbox.addr;
    let clock = world.clock();
    let http = world.http.clone();
    let fresh = host::reset(Some(world.sandbox), addr, &home, clock.clone())
        .await
        .unwrap();
    let stats = admin_get(&http, &fresh.admin_url, "/stats").await;
    assert_eq!(stats["dimona_declarations"], 0, "{stats}");
    fresh.stop().await;
    // Nor does a restart bring them back.
    let again =
        fla_test_support::sandbox::start(&home.state_dir, clock.clone(), SandboxOptions::default())
            .await;
    let stats = admin_get(&http, &again.admin_url, "/stats").await;
    assert_eq!(stats["dimona_declarations"], 0, "{stats}");
    again.stop().await;
}

#[tokio::test]
async fn an_admin_token_for_dimona_carries_its_scope_for_an_account_authorized_for_it() {
    use fla_assistant::channel::env::DIMONA;
    let world = World::start(SandboxOptions::default()).await;
    // An account without the Dimona authorization: no Dimona token; nor
    // any token for a service that is none.
    let (fla_only, _) = world.register("employer", ENTERPRISE, &[]).await;
    for service in ["dimona", "nope"] {
        let (status, body) = world
            .admin_post(
                "/tokens",
                &json!({"client_id": fla_only, "service": service}),
            )
            .await;
        assert_eq!(status, 400, "{service}: {body}");
    }
    // With it: a token Dimona's API takes (what the newman benchmark posts with).
    let (both, _) = world.dimona_account(ENTERPRISE).await;
    let (status, body) = world
        .admin_post("/tokens", &json!({"client_id": both, "service": "dimona"}))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["scope"], DIMONA.employer_scope);
    let url = format!("{}{}/declarations", world.sandbox.base_url, DIMONA.api_path);
    let posted = world
        .http
        .post(&url)
        .bearer_auth(body["access_token"].as_str().unwrap())
        .json(&dimona_in(ENTERPRISE))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201);
    // The FLA's token, the default, is not Dimona's.
    let fla = world.admin_token(&both).await;
    let refused = world
        .http
        .post(&url)
        .bearer_auth(fla)
        .json(&dimona_in(ENTERPRISE))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}
