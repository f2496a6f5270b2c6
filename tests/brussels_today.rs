//! "Today" is the date in Brussels, end to end: at 00:30 Brussels time (22:30 or
//! 23:30 UTC the day before), a training that ended "today" is not in the
//! future, through the command line (`declare --now`, with the sandbox it starts
//! on the same clock) and through the sandbox with a client on that clock.

use fla_test_support::cli as support;
use fla_test_support::sandbox as sandbox_support;

use std::sync::Arc;
use std::time::Duration;

use fla_assistant::channel::token::{http_client, Clock};
use fla_assistant::fla::client::{FlaClient, PollSchedule};
use fla_assistant::fla::wire::Declaration;
use fla_assistant::i18n::Lang;
use fla_assistant::sandbox;
use fla_assistant::today::{brussels_date, brussels_offset};
use serde_json::Value;
use support::{certs, declaration_ending, register, run, start_sim};
use time::{OffsetDateTime, Time};

/// 00:30 in Brussels ten days ago: the UTC date is still the day before. Far
/// enough from the real clock that a part which ignored `--now` (the local
/// rules, the assertions, the sandbox) would show, and near enough that the
/// certificate (valid from 30 days ago) is valid and nothing is late.
fn half_past_midnight_in_brussels() -> OffsetDateTime {
    let day = OffsetDateTime::now_utc().date() - time::Duration::days(10);
    let offset = brussels_offset(day.with_time(Time::MIDNIGHT).assume_utc());
    let instant = day
        .with_hms(0, 30, 0)
        .unwrap()
        .assume_offset(offset)
        .to_offset(time::UtcOffset::UTC);
    assert_eq!(brussels_date(instant), day);
    assert_eq!(instant.date().next_day().unwrap(), day);
    instant
}

/// The anomaly codes of a `declare --json` answer (none where it failed).
fn codes(anomalies: &Value) -> Vec<String> {
    anomalies
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|a| a["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn declare_at_half_past_midnight_in_brussels_takes_a_training_that_ended_today() {
    let data = tempfile::tempdir().unwrap();
    // Register the certificate in a `sim` on this data dir, then stop it: the
    // command finds no running sandbox and starts its own on the --now clock,
    // with the accounts registered here.
    let client_id = {
        let sim = start_sim(data.path());
        register(data.path(), &sim, &[])
    };
    let now = half_past_midnight_in_brussels();
    let today = brussels_date(now);
    let file = data.path().join("today.json");
    std::fs::write(
        &file,
        declaration_ending("BXL-TODAY-CLI", today).to_string(),
    )
    .unwrap();
    let now_arg = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (code, out) = run(
        data.path(),
        &[
            "declare",
            "--env",
            "sandbox",
            "--now",
            &now_arg,
            "--client-id",
            &client_id,
            "--pfx",
            &certs::fresh_arg("openssl3-aes256.pfx"),
            "--file",
            file.to_str().unwrap(),
            "--wait",
            "30",
            "--json",
        ],
        "Password",
    );
    // Not refused locally: the local rules took Brussels' date.
    assert_ne!(out["refusedLocally"], true, "{out}");
    // Nor by the sandbox, which ran on the same clock.
    assert!(
        !codes(&out["anomalies"]).contains(&"FLA-FUTURE".to_owned()),
        "{out}"
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["result"], "A", "{out}");

    // The day after is the future, at that same moment.
    let tomorrow = today.next_day().unwrap();
    std::fs::write(
        &file,
        declaration_ending("BXL-TOMORROW-CLI", tomorrow).to_string(),
    )
    .unwrap();
    let (code, out) = run(
        data.path(),
        &[
            "declare",
            "--now",
            &now_arg,
            "--client-id",
            &client_id,
            "--pfx",
            &certs::fresh_arg("openssl3-aes256.pfx"),
            "--file",
            file.to_str().unwrap(),
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["refusedLocally"], true, "{out}");
    assert_eq!(codes(&out["anomalies"]), vec!["FLA-FUTURE"], "{out}");
}

#[test]
fn a_bad_now_is_a_usage_error() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("d.json");
    std::fs::write(
        &file,
        declaration_ending("X", OffsetDateTime::now_utc().date()).to_string(),
    )
    .unwrap();
    let (code, out) = run(
        data.path(),
        &[
            "declare",
            "--now",
            "yesterday",
            "--client-id",
            "x",
            "--pfx",
            "x.pfx",
            "--file",
            file.to_str().unwrap(),
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "bad_time");
}

#[tokio::test]
async fn the_sandbox_takes_a_training_that_ended_today_in_brussels_at_half_past_midnight() {
    let now = half_past_midnight_in_brussels();
    let shift = now - OffsetDateTime::now_utc();
    let clock: Clock = Arc::new(move || OffsetDateTime::now_utc() + shift);
    let state = tempfile::tempdir().unwrap();
    let sandbox = sandbox_support::start(
        state.path(),
        clock.clone(),
        sandbox::SandboxOptions {
            processing_delay: Duration::from_millis(100),
            ..Default::default()
        },
    )
    .await;
    let http = http_client(Duration::from_secs(5)).unwrap();
    let (client_id, contents) = sandbox_support::register(
        &http,
        &sandbox,
        "employer",
        sandbox_support::ENTERPRISE,
        &[],
    )
    .await;
    let mut tokens = sandbox_support::token_source(
        &sandbox,
        client_id,
        "employer",
        &contents,
        Duration::from_secs(5),
    );
    tokens.clock = clock.clone();
    let mut fla = FlaClient::new(http, tokens, Lang::En).unwrap();
    fla.schedule = PollSchedule {
        first: Duration::from_millis(150),
        fast_interval: Duration::from_millis(50),
        fast_until: Duration::from_secs(5),
        slow_interval: Duration::from_millis(200),
        give_up_after: Duration::from_secs(10),
    };

    let today = fla_assistant::fla::client::today(&clock);
    assert_eq!(today, brussels_date(now));
    let declaration: Declaration =
        serde_json::from_value(declaration_ending("BXL-TODAY", today)).unwrap();
    let submitted = fla.submit(&declaration).await.unwrap();
    let stored = fla.wait_for_result(submitted.declaration_id).await.unwrap();
    let found: Vec<&str> = stored
        .declaration_status
        .anomalies
        .iter()
        .map(|a| a.code.as_str())
        .collect();
    assert!(!found.contains(&"FLA-FUTURE"), "{found:?}");
    assert!(found.is_empty(), "{found:?}");

    // The day after is the future, at that same moment.
    let declaration: Declaration = serde_json::from_value(declaration_ending(
        "BXL-TOMORROW",
        today.next_day().unwrap(),
    ))
    .unwrap();
    let submitted = fla.submit(&declaration).await.unwrap();
    let stored = fla.wait_for_result(submitted.declaration_id).await.unwrap();
    let found: Vec<&str> = stored
        .declaration_status
        .anomalies
        .iter()
        .map(|a| a.code.as_str())
        .collect();
    assert_eq!(found, vec!["FLA-FUTURE"]);
}
