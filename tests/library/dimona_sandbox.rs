//! The sandbox's Dimona as a client that skips the local rules meets it: a
//! rule is a `B` with its anomaly, never a 400 nor a declaration its sender
//! cannot read back; what is not a declaration at all is a 400.

use fla_test_support::sandbox::World;

use std::time::Duration;

use fla_assistant::dimona::wire::{Declaration, DimonaResult};
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
    let today = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
    serde_json::from_value(json!({
        "employer": {"enterpriseNumber": enterprise},
        "worker": {"ssin": "85073003328"},
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
