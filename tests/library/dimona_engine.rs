//! Dimona through the one engine, against the sandbox over loopback: the
//! FLA's exactly-once proof made again for a service without a client
//! reference. Hundreds of Dimona In end as the server says (`S`, then `A`,
//! for BIS numbers); faults, answers lost after the server kept the
//! declaration, a runtime dropped in the middle of a run and a new engine on
//! the same journal, a server that does not refuse an In twice: every worker
//! has exactly one period. The FLA's rows in the same journal stay the FLA's.

use fla_test_support::sandbox::World;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fla_assistant::dimona::client::DimonaClient;
use fla_assistant::dimona::service::{content, DimonaService};
use fla_assistant::dimona::wire::{Declaration, Employer, SearchRequest};
use fla_assistant::fla::client::{PollSchedule, RetryPolicy};
use fla_assistant::identifiers::ssin_check_digits;
use fla_assistant::sandbox::SandboxOptions;
use fla_assistant::submit::engine::{Engine, EngineConfig, NewContent};
use fla_assistant::submit::owner::Holder;
use fla_assistant::submit::state::State;
use serde_json::json;

const EMPLOYER: &str = "0403170701";

fn config() -> EngineConfig {
    EngineConfig {
        concurrency: 8,
        max_tries: 6,
        poll: PollSchedule {
            first: Duration::from_millis(150),
            fast_interval: Duration::from_millis(50),
            fast_until: Duration::from_secs(20),
            slow_interval: Duration::from_millis(200),
            give_up_after: Duration::from_secs(60),
        },
        give_up_after: Duration::from_secs(60),
        reconcile_after: Duration::from_secs(2),
        get_batch: 4,
        keep_settled: true,
    }
}

fn quick() -> SandboxOptions {
    SandboxOptions {
        processing_delay: Duration::from_millis(100),
        ..SandboxOptions::default()
    }
}

/// The `i`th worker born 30 July 1985 (a BIS number, which the register
/// does not know yet, where `bis`).
fn ssin(i: usize, bis: bool) -> String {
    let month = if bis { 27 } else { 7 };
    let first_nine = (85 * 10_000 + month * 100 + 30) * 1000 + (i as u64 % 997 + 1);
    format!("{first_nine:09}{:02}", ssin_check_digits(first_nine, false))
}

/// A payroll office's month start: `n` workers start today, every fifth
/// with a BIS number.
fn month_start(n: usize) -> Vec<NewContent> {
    (0..n).map(|i| starts(i, &ssin(i, i % 5 == 4))).collect()
}

/// Row `i` of a month start: `worker` starts today.
fn starts(i: usize, worker: &str) -> NewContent {
    let today = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
    let d: Declaration = serde_json::from_value(json!({
        "employer": {"enterpriseNumber": EMPLOYER},
        "worker": {"ssin": worker},
        "dimonaIn": {
            "startDate": today.to_string(),
            "features": {"jointCommissionNumber": "200", "workerType": "OTH"}
        }
    }))
    .unwrap();
    NewContent {
        content: content(d),
        source: Some(format!("month.csv#{}", i + 2)),
    }
}

async fn service(w: &World) -> Arc<DimonaService> {
    let mut client: DimonaClient = w.dimona_client(EMPLOYER, Duration::from_secs(5)).await;
    client.api.retry = RetryPolicy {
        first_wait: Duration::from_millis(50),
        max_wait: Duration::from_millis(400),
        ..RetryPolicy::default()
    };
    client.api.schedule = config().poll;
    Arc::new(DimonaService(client))
}

async fn open(journal: &Path, service: Arc<DimonaService>) -> Engine {
    Engine::open_service(journal, service, config(), Holder::Other)
        .await
        .unwrap()
}

async fn idle(engine: &Engine, within: Duration) {
    tokio::time::timeout(within, engine.until_idle())
        .await
        .unwrap_or_else(|_| panic!("not idle within {within:?}: {:?}", engine.snapshot().counts));
}

/// How many periods that are not cancelled the server holds per worker of
/// the employer, once `expected` declarations are processed.
async fn periods_per_worker(
    service: &DimonaService,
    expected: usize,
) -> std::collections::HashMap<String, usize> {
    let mut counts = std::collections::HashMap::new();
    for _ in 0..100 {
        let periods = service
            .0
            .search_periods(&SearchRequest {
                employer: Employer {
                    enterprise_number: EMPLOYER.into(),
                },
                ssin: None,
                from: None,
                to: None,
                cursor: None,
            })
            .await
            .unwrap();
        counts.clear();
        for p in &periods {
            *counts.entry(p.worker.ssin.clone()).or_insert(0) += 1;
        }
        if periods.len() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    counts
}

/// Every row accepted and every worker with exactly one period.
async fn assert_exactly_once(service: &DimonaService, engine: &Engine, n: usize) {
    let s = engine.snapshot();
    assert_eq!(s.count(State::Accepted), n, "{:?}", s.counts);
    let held = periods_per_worker(service, n).await;
    let twice: Vec<_> = held.iter().filter(|(_, c)| **c > 1).collect();
    assert!(twice.is_empty(), "declared twice: {twice:?}");
    assert_eq!(held.len(), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_start_of_dimona_in_ends_as_the_server_says_waiting_workers_included() {
    let w = World::start(quick()).await;
    let service = service(&w).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&dir.path().join("journal.sqlite"), service.clone()).await;
    let ids = engine.add(month_start(150)).await.unwrap();
    assert_eq!(engine.send(&ids).queued.len(), 150);
    idle(&engine, Duration::from_secs(120)).await;
    assert_exactly_once(&service, &engine, 150).await;
    // The same file again: the same rows, nothing sent.
    let again = engine.add(month_start(150)).await.unwrap();
    assert_eq!(again, ids);
    assert!(engine.send(&again).queued.is_empty());
    let stats = w.admin("/stats").await;
    assert_eq!(stats["dimona_declarations"], 150, "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_holds_a_row_back_and_the_services_rows_stay_apart_both_open_at_once() {
    let w = World::start(quick()).await;
    let service = service(&w).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite");
    // An FLA row in the same journal first; its engine stays open: each
    // service has its own owner of the file.
    let fla = Arc::new(
        w.client("employer", EMPLOYER, &[], Duration::from_secs(5))
            .await,
    );
    let fla_engine = Engine::open(&journal, fla, config()).await.unwrap();
    let ids = fla_engine
        .add(vec![fla_assistant::submit::engine::NewDeclaration {
            declaration: fla_test_support::sandbox::declaration(
                "FLA-1",
                fla_test_support::sandbox::KNOWN,
            ),
            source: None,
        }])
        .await
        .unwrap();
    fla_engine.send(&ids);
    let engine = open(&journal, service.clone()).await;
    assert!(
        engine.snapshot().rows.is_empty(),
        "the FLA's row shown to Dimona"
    );
    let items = vec![starts(0, &ssin(0, false)), starts(1, "85073003329")];
    let ids = engine.add(items).await.unwrap();
    let sent = engine.send(&ids);
    assert_eq!(sent.queued, vec![ids[0]]);
    idle(&engine, Duration::from_secs(30)).await;
    idle(&fla_engine, Duration::from_secs(30)).await;
    let rows = engine.snapshot().rows;
    assert_eq!(rows[0].state, State::Accepted);
    assert_eq!(rows[1].state, State::Invalid);
    assert_eq!(rows[1].anomalies[0].code, "DIM-SSIN");
    assert_eq!(w.admin("/stats").await["dimona_declarations"], 1);
    // And the FLA's engine sees its own row only.
    let rows = fla_engine.snapshot().rows;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].reference, "FLA-1");
    assert_eq!(rows[0].state, State::Accepted);
}

/// Runs an engine on its own runtime, sends the month start, and drops the
/// runtime once `stop_after` rows have left `ready` (requests cut off).
fn run_and_drop(
    w: &World,
    server: &tokio::runtime::Runtime,
    journal: &Path,
    n: usize,
    stop_after: usize,
) {
    let service = server.block_on(service(w));
    let engine_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let journal = journal.to_owned();
    engine_rt.block_on(async move {
        let engine = open(&journal, service).await;
        let ids = engine.add(month_start(n)).await.unwrap();
        engine.send(&ids);
        let started = Instant::now();
        loop {
            let s = engine.snapshot();
            if n - s.count(State::Ready) >= stop_after {
                assert!(
                    s.count(State::Ready) > 0,
                    "stopped too late: {:?}",
                    s.counts
                );
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{:?}",
                s.counts
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        engine.release_journal_as_if_crashed();
        std::mem::forget(engine);
    });
    engine_rt.shutdown_background();
}

/// A new engine on the same journal: resumes, adds the file again, sends,
/// ends with every worker declared once. How many sends were avoided.
fn finish(w: &World, server: &tokio::runtime::Runtime, journal: &Path, n: usize) -> u64 {
    server.block_on(async {
        let service = service(w).await;
        let engine = open(journal, service.clone()).await;
        let resumed = engine.snapshot();
        assert_eq!(resumed.rows.len(), n);
        assert_eq!(resumed.count(State::Sending), 0, "{:?}", resumed.counts);
        let ids = engine.add(month_start(n)).await.unwrap();
        engine.send(&ids);
        idle(&engine, Duration::from_secs(120)).await;
        assert_exactly_once(&service, &engine, n).await;
        engine.snapshot().duplicates_avoided
    })
}

fn server_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn dimona_exactly_once_through_faults_lost_answers_a_kill_and_a_server_that_takes_repeats() {
    let server = server_runtime();
    let w = server.block_on(World::start(SandboxOptions {
        accept_duplicates: true,
        drop_after_commit_rate: 0.1,
        fault_rate: 0.05,
        stall: Duration::from_millis(200),
        seed: Some(21),
        ..quick()
    }));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite");
    run_and_drop(&w, &server, &journal, 120, 40);
    let avoided = finish(&w, &server, &journal, 120);
    // Answers lost after the server kept the declaration: found by employer,
    // worker and dates, not sent again.
    assert!(avoided > 0);
    let stats = server.block_on(w.admin("/stats"));
    assert!(
        stats["served"]["dropped_after_commit"].as_u64().unwrap() > 0,
        "{stats}"
    );
}
