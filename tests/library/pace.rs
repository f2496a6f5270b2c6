//! The engine finds the server's pace: against a sandbox that allows 40 API
//! requests a second, 150 ms away, every row ends accepted, fewer than 10% of
//! the requests are answered 429, and the limit found settles within a
//! factor of the truth (40/s × 0.15 s = 6 requests in flight). No wall-clock
//! duration is asserted here (a shared machine): times are in benches/pace.sh.
//! And the client tells the pace of every answer, each retry included.

use fla_test_support::sandbox as sandbox_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fla_assistant::channel::token::{http_client, system_clock};
use fla_assistant::fla::client::{Answered, FlaClient, Observer, PollSchedule, PostOutcome};
use fla_assistant::i18n::Lang;
use fla_assistant::sandbox::SandboxOptions;
use fla_assistant::submit::engine::{Engine, EngineConfig, NewDeclaration};
use fla_assistant::submit::state::State;
use serde_json::Value;

use sandbox_support::{declaration, ENTERPRISE, KNOWN};

const RATE: u32 = 40;
const LATENCY: Duration = Duration::from_millis(150);
const ROWS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_rate_limit_the_pace_settles_near_it_with_few_429s() {
    let state = tempfile::tempdir().unwrap();
    let sandbox = sandbox_support::start(
        state.path(),
        system_clock(),
        SandboxOptions {
            rate_limit: Some(RATE),
            latency: LATENCY,
            processing_delay: Duration::from_millis(500),
            ..SandboxOptions::default()
        },
    )
    .await;
    let timeout = Duration::from_secs(10);
    let http = http_client(timeout).unwrap();
    let (client_id, contents) =
        sandbox_support::register(&http, &sandbox, "employer", ENTERPRISE, &[]).await;
    let tokens = sandbox_support::token_source(&sandbox, client_id, "employer", &contents, timeout);
    let fla = Arc::new(FlaClient::new(http.clone(), tokens, Lang::En).unwrap());

    // The defaults but for a quicker first poll (the sandbox processes in 0.5 s).
    let config = EngineConfig {
        poll: PollSchedule {
            first: Duration::from_millis(500),
            ..PollSchedule::default()
        },
        ..EngineConfig::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(&dir.path().join("journal.sqlite"), fla, config)
        .await
        .unwrap();
    let rows: Vec<NewDeclaration> = (0..ROWS)
        .map(|i| NewDeclaration {
            declaration: declaration(&format!("PACE-{i:05}"), KNOWN),
            source: None,
        })
        .collect();
    let ids = engine.add(rows).await.unwrap();
    engine.send(&ids);

    // The limit, sampled while rows are still being sent, after the first
    // quarter of them (the controller starts at 8).
    let mut limits = Vec::new();
    let run = async {
        loop {
            let s = engine.snapshot();
            let sent = ROWS - s.count(State::Ready);
            if s.queued > 0 && sent > ROWS / 4 {
                limits.push(engine.pace_limit());
            }
            if s.queued == 0 && engine_idle(&engine).await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .unwrap_or_else(|_| panic!("not done: {:?}", engine.snapshot().counts));

    let s = engine.snapshot();
    assert_eq!(
        s.count(State::Accepted) + s.count(State::Warning),
        ROWS,
        "{:?} {:?}",
        s.counts,
        s.rows.iter().find(|r| r.error.is_some())
    );

    let stats: Value = http
        .get(format!("{}/stats", sandbox.admin_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let requests = stats["api_requests"].as_u64().unwrap();
    let refused = stats["served"]["rate_limited"].as_u64().unwrap();
    assert!(requests >= ROWS as u64, "{stats}");
    assert!(
        (refused as f64) < 0.10 * requests as f64,
        "{refused} of {requests} requests answered 429"
    );

    let truth = f64::from(RATE) * LATENCY.as_secs_f64();
    assert!(!limits.is_empty(), "no sample of the limit");
    let mean = limits.iter().sum::<usize>() as f64 / limits.len() as f64;
    eprintln!(
        "{refused} of {requests} requests answered 429; the limit found {mean:.1} on average \
         (truth {truth})"
    );
    assert!(
        mean >= truth / 3.0 && mean <= 3.0 * truth,
        "the limit found, {mean:.1} on average ({limits:?}), is not within a factor 3 of {truth}"
    );
}

/// Idle, waited for a moment at most (the snapshot is polled around it).
async fn engine_idle(engine: &Engine) -> bool {
    tokio::time::timeout(Duration::from_millis(50), engine.until_idle())
        .await
        .is_ok()
}

/// What the client reported.
#[derive(Default)]
struct Seen(Mutex<Vec<Answered>>);

impl Observer for Seen {
    fn observe(&self, answer: Answered, _sent: Instant, _latency: Duration) {
        self.0.lock().unwrap().push(answer);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_reports_every_answer_retries_included() {
    let state = tempfile::tempdir().unwrap();
    let sandbox =
        sandbox_support::start(state.path(), system_clock(), SandboxOptions::default()).await;
    let timeout = Duration::from_secs(10);
    let http = http_client(timeout).unwrap();
    let (client_id, contents) =
        sandbox_support::register(&http, &sandbox, "employer", ENTERPRISE, &[]).await;
    let tokens = sandbox_support::token_source(&sandbox, client_id, "employer", &contents, timeout);
    let fla = FlaClient::new(http.clone(), tokens, Lang::En).unwrap();
    let seen = Arc::new(Seen::default());
    fla.observe_with(seen.clone());
    // The token first, then two 429s (Retry-After: 1 s) for the POST.
    fla.tokens.token(&fla.http, false, Lang::En).await.unwrap();
    let r = http
        .post(format!("{}/faults", sandbox.admin_url))
        .json(&serde_json::json!({"mode": "too_many_requests", "target": "api", "count": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let outcome = fla.submit_counted(&declaration("SEEN-1", KNOWN), 6).await;
    assert!(matches!(outcome, PostOutcome::Taken(_)), "{outcome:?}");
    assert_eq!(
        *seen.0.lock().unwrap(),
        vec![
            Answered::Status(429),
            Answered::Status(429),
            Answered::Status(201)
        ]
    );
}
