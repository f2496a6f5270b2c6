//! The submission engine against the sandbox over loopback: hundreds of
//! declarations with concurrency 8 end as the server says; faults (500s, 429s)
//! are retried and end well; a runtime dropped in the middle of a run and a
//! new engine on the same journal finish the work, and the server holds each
//! reference exactly once, also when it does not refuse duplicates.

use fla_test_support::sandbox as sandbox_support;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fla_assistant::fla::client::{FlaClient, PollSchedule, RetryPolicy};
use fla_assistant::fla::wire::SearchRequest;
use fla_assistant::i18n::Lang;
use fla_assistant::sandbox::SandboxOptions;
use fla_assistant::submit::engine::{Engine, EngineConfig, NewDeclaration, Skip};
use fla_assistant::submit::state::State;
use serde_json::json;

use sandbox_support::{declaration, World, ENTERPRISE, KNOWN, UNKNOWN};

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

async fn world(options: SandboxOptions) -> World {
    World::start(options).await
}

fn quick() -> SandboxOptions {
    SandboxOptions {
        processing_delay: Duration::from_millis(100),
        ..SandboxOptions::default()
    }
}

/// What these tests ask of the sandbox's world besides what it offers.
trait EngineWorld {
    async fn employer(&self) -> Arc<FlaClient>;
    async fn employer_with_timeout(&self, timeout: Duration) -> Arc<FlaClient>;
    async fn api_faults(&self, mode: &str, count: u64);
    async fn references(&self, fla: &FlaClient, expected: usize) -> HashMap<String, usize>;
}

impl EngineWorld for World {
    /// A new employer account of ENTERPRISE, and a client for it.
    async fn employer(&self) -> Arc<FlaClient> {
        self.employer_with_timeout(Duration::from_secs(5)).await
    }

    async fn employer_with_timeout(&self, timeout: Duration) -> Arc<FlaClient> {
        let mut client = self.client("employer", ENTERPRISE, &[], timeout).await;
        client.retry = RetryPolicy {
            first_wait: Duration::from_millis(50),
            max_wait: Duration::from_millis(400),
            ..RetryPolicy::default()
        };
        Arc::new(client)
    }

    /// The next `count` API requests meet `mode`.
    async fn api_faults(&self, mode: &str, count: u64) {
        self.fault(json!({"mode": mode, "target": "api", "count": count}))
            .await;
    }

    /// Every reference the server holds for ENTERPRISE (every page of the
    /// search, once processed), with how many times.
    async fn references(&self, fla: &FlaClient, expected: usize) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for _ in 0..100 {
            let all = fla
                .search_all(&SearchRequest {
                    enterprise_number: ENTERPRISE.into(),
                    ..SearchRequest::default()
                })
                .await
                .unwrap();
            counts.clear();
            for item in &all {
                *counts
                    .entry(item.declaration.external_reference.clone())
                    .or_insert(0) += 1;
            }
            if all.len() >= expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        counts
    }
}

/// `n` declarations: every third one for a worker the server does not know (W).
fn batch(prefix: &str, n: usize) -> Vec<NewDeclaration> {
    (0..n)
        .map(|i| NewDeclaration {
            declaration: declaration(
                &format!("{prefix}-{i:05}"),
                if i % 3 == 2 { UNKNOWN } else { KNOWN },
            ),
            source: Some(format!("test.csv:{}", i + 2)),
        })
        .collect()
}

async fn idle(engine: &Engine, within: Duration) {
    tokio::time::timeout(within, engine.until_idle())
        .await
        .unwrap_or_else(|_| panic!("not idle within {within:?}: {:?}", engine.snapshot().counts));
}

/// Each row's final state is the server's result for its reference, and the
/// server holds every reference once.
async fn assert_exactly_once(w: &World, fla: &FlaClient, engine: &Engine, n: usize) {
    let snapshot = engine.snapshot();
    let held = w.references(fla, n).await;
    let twice: Vec<_> = held.iter().filter(|(_, c)| **c > 1).collect();
    assert!(twice.is_empty(), "declared twice: {twice:?}");
    let sent: Vec<_> = snapshot
        .rows
        .iter()
        .filter(|r| r.server_id.is_some())
        .collect();
    assert_eq!(held.len(), sent.len(), "{:?}", snapshot.counts);
    for row in &sent {
        assert_eq!(held.get(&row.reference), Some(&1), "{}", row.reference);
    }
    let duplicates = w.admin("/references?duplicates=true").await;
    assert_eq!(duplicates["references"], json!([]), "{duplicates}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_declarations_end_as_the_server_says() {
    // Every answer takes 20 ms, as over a network: 300 rows at 8 at a time
    // take longer to send than the first result takes to come.
    let w = world(SandboxOptions {
        latency: Duration::from_millis(20),
        ..quick()
    })
    .await;
    let fla = w.employer().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(&dir.path().join("journal.sqlite"), fla.clone(), config())
        .await
        .unwrap();
    let mut items = batch("HUNDREDS", 300);
    // A bad SSIN check digit: invalid here, never sent.
    items.push(NewDeclaration {
        declaration: declaration("HUNDREDS-BAD", "85073003329"),
        source: None,
    });
    // The same reference again: the row the journal holds.
    items.push(NewDeclaration {
        declaration: declaration("HUNDREDS-00000", KNOWN),
        source: None,
    });
    let ids = engine.add(items).await.unwrap();
    assert_eq!(ids.len(), 302);
    assert_eq!(ids[301], ids[0], "one reference, one row");
    let again = engine.add(batch("HUNDREDS", 3)).await.unwrap();
    assert_eq!(again, ids[..3].to_vec(), "adding again finds the rows");
    assert_eq!(engine.snapshot().count(State::Invalid), 1);

    // Results come in while later rows are still being sent.
    let mut changes = engine.subscribe();
    let watcher = {
        let engine = engine.clone();
        tokio::spawn(async move {
            let mut overlapped = false;
            while changes.changed().await.is_ok() {
                let s = engine.snapshot();
                let done = s.count(State::Accepted) + s.count(State::Warning);
                if done > 0 && s.queued > 0 {
                    overlapped = true;
                }
                if done == 300 {
                    break;
                }
            }
            overlapped
        })
    };
    let summary = engine.send(&ids[..301]);
    assert_eq!(summary.queued.len(), 300);
    assert_eq!(
        summary.skipped,
        vec![(ids[300], Skip::State(State::Invalid))]
    );
    assert!(summary.skipped[0].1.message(Lang::En).contains("invalid"));
    idle(&engine, Duration::from_secs(120)).await;
    let s = engine.snapshot();
    assert_eq!(s.count(State::Accepted), 200, "{:?}", s.counts);
    assert_eq!(s.count(State::Warning), 100, "{:?}", s.counts);
    assert_eq!(s.count(State::Invalid), 1, "{:?}", s.counts);
    assert_eq!(s.duplicates_avoided, 0);
    for row in s.rows.iter().filter(|r| r.state == State::Warning) {
        assert_eq!(row.anomalies[0].code, "FLA-WORKER-UNKNOWN");
    }
    assert!(
        tokio::time::timeout(Duration::from_secs(5), watcher)
            .await
            .unwrap()
            .unwrap(),
        "no result came in before the last row was sent"
    );
    // Polled in batches: far fewer requests than a poller per row would make.
    let stats = w.admin("/stats").await;
    let polls = stats["api_requests"].as_u64().unwrap() - 300;
    assert!(polls < 100, "{polls} requests for 300 results: {stats}");
    assert_exactly_once(&w, &fla, &engine, 300).await;

    // Sending the accepted rows again sends nothing.
    let summary = engine.send(&ids[..5]);
    assert!(summary.queued.is_empty());
    assert_eq!(summary.skipped[0].1, Skip::State(State::Accepted));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_429s_are_retried_and_end_well() {
    let w = world(quick()).await;
    let fla = w.employer().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(&dir.path().join("journal.sqlite"), fla.clone(), config())
        .await
        .unwrap();
    let ids = engine.add(batch("FAULTS", 40)).await.unwrap();
    // The first token, then the faults for the requests that follow.
    fla.tokens.token(&fla.http, false, Lang::En).await.unwrap();
    w.api_faults("server_error", 12).await;
    w.api_faults("too_many_requests", 6).await;
    let started = Instant::now();
    engine.send(&ids);
    idle(&engine, Duration::from_secs(60)).await;
    let s = engine.snapshot();
    assert_eq!(
        s.count(State::Accepted) + s.count(State::Warning),
        40,
        "{:?} {:?}",
        s.counts,
        s.rows.iter().find(|r| r.error.is_some())
    );
    let stats = w.admin("/stats").await;
    assert_eq!(stats["faults_served"]["api"], 18, "{stats}");
    // The 429s' Retry-After (1 s) was waited out.
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_exactly_once(&w, &fla, &engine, 40).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_401s_renews_the_token_once() {
    // Every answer takes a while: eight requests meet the 401 together.
    let w = world(SandboxOptions {
        latency: Duration::from_millis(50),
        ..quick()
    })
    .await;
    let fla = w.employer().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(&dir.path().join("journal.sqlite"), fla.clone(), config())
        .await
        .unwrap();
    let ids = engine.add(batch("TOKENS", 24)).await.unwrap();
    fla.tokens.token(&fla.http, false, Lang::En).await.unwrap();
    let before = w.tokens_issued().await;
    w.fault(json!({"mode": "expire_tokens"})).await;
    engine.send(&ids);
    idle(&engine, Duration::from_secs(60)).await;
    let s = engine.snapshot();
    assert_eq!(s.count(State::Accepted) + s.count(State::Warning), 24);
    let after = w.tokens_issued().await;
    assert_eq!(after, before + 1, "eight requests met a 401: one renewal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_is_its_own_row_beside_what_the_server_holds() {
    let w = world(quick()).await;
    let fla = w.employer().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite");
    let engine = Engine::open(&journal, fla.clone(), config()).await.unwrap();
    let ids = engine
        .add(vec![NewDeclaration {
            declaration: declaration("CORR-1", KNOWN),
            source: None,
        }])
        .await
        .unwrap();
    engine.send(&ids);
    idle(&engine, Duration::from_secs(30)).await;
    let original = engine.snapshot().rows[0].clone();
    assert_eq!(original.state, State::Accepted);
    let server_id = original.server_id.unwrap();
    // The same reference, another worker: a correction, not a duplicate.
    let correction = engine
        .add_correction(server_id, declaration("CORR-1", UNKNOWN), None)
        .await
        .unwrap();
    assert_ne!(correction, ids[0]);
    engine.send(&[correction]);
    idle(&engine, Duration::from_secs(30)).await;
    let s = engine.snapshot();
    let by_id = |id| s.rows.iter().find(|r| r.id == id).unwrap();
    // The row of what the server holds follows the processed correction:
    // its content and its new result, without a fetch from the server.
    assert_eq!(by_id(ids[0]).state, State::Warning, "what the server holds");
    assert_eq!(by_id(ids[0]).correction_of, None);
    let forms = engine.rows_with_forms();
    let held = forms.iter().find(|r| r.view.id == ids[0]).unwrap();
    assert_eq!(held.form.ssin, UNKNOWN, "the corrected content");
    let c = by_id(correction);
    assert_eq!(c.state, State::Warning, "{c:?}");
    assert_eq!(c.correction_of, Some(server_id));
    assert_eq!(c.server_id, Some(server_id));
    assert_eq!(w.references(&fla, 1).await.get("CORR-1"), Some(&1));
    // A new engine on the journal sees both rows as they were.
    drop(engine);
    let again = Engine::open(&journal, fla, config()).await.unwrap();
    let s2 = again.snapshot();
    assert_eq!(s2.rows, s.rows);
    let held = again.rows_with_forms();
    let held = held.iter().find(|r| r.view.id == ids[0]).unwrap();
    assert_eq!(held.form.ssin, UNKNOWN, "kept in the journal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_cancel_and_check_again() {
    // Results take longer than the engine waits for them.
    let w = world(SandboxOptions {
        processing_delay: Duration::from_millis(1500),
        ..SandboxOptions::default()
    })
    .await;
    let fla = w.employer().await;
    let dir = tempfile::tempdir().unwrap();
    let config = EngineConfig {
        give_up_after: Duration::from_millis(400),
        ..config()
    };
    let engine = Engine::open(&dir.path().join("journal.sqlite"), fla.clone(), config)
        .await
        .unwrap();
    let ids = engine.add(batch("PAUSE", 20)).await.unwrap();
    engine.pause();
    engine.send(&ids);
    idle(&engine, Duration::from_secs(5)).await;
    let s = engine.snapshot();
    assert!(s.paused);
    assert_eq!((s.queued, s.count(State::Ready)), (20, 20));
    engine.cancel();
    engine.resume();
    idle(&engine, Duration::from_secs(5)).await;
    assert_eq!(
        engine.snapshot().count(State::Ready),
        20,
        "cancelled: nothing sent"
    );

    engine.send(&ids);
    idle(&engine, Duration::from_secs(30)).await;
    let s = engine.snapshot();
    assert_eq!(s.count(State::Submitted), 20, "{:?}", s.counts);
    assert!(s.rows.iter().all(|r| !r.watching));
    assert_eq!(
        s.rows[0].error.as_ref().map(|e| e.code.as_str()),
        Some("still_processing")
    );
    // The server's processing delay passes on its own clock.
    w.advance(Duration::from_millis(1500));
    engine.check_again(&ids);
    idle(&engine, Duration::from_secs(30)).await;
    let s = engine.snapshot();
    assert_eq!(
        s.count(State::Accepted) + s.count(State::Warning),
        20,
        "{:?}",
        s.counts
    );
    assert!(s.rows.iter().all(|r| r.error.is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_is_honoured() {
    let w = world(SandboxOptions {
        rate_limit: Some(40),
        ..quick()
    })
    .await;
    let fla = w.employer().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(&dir.path().join("journal.sqlite"), fla.clone(), config())
        .await
        .unwrap();
    let ids = engine.add(batch("RATE", 60)).await.unwrap();
    engine.send(&ids);
    idle(&engine, Duration::from_secs(60)).await;
    let s = engine.snapshot();
    assert_eq!(
        s.count(State::Accepted) + s.count(State::Warning),
        60,
        "{:?} {:?}",
        s.counts,
        s.rows.iter().find(|r| r.error.is_some())
    );
    let stats = w.admin("/stats").await;
    assert!(
        stats["served"]["rate_limited"].as_u64().unwrap() > 0,
        "{stats}"
    );
    assert_exactly_once(&w, &fla, &engine, 60).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reference_the_server_already_holds_is_adopted_not_sent_twice() {
    let w = world(quick()).await;
    let fla = w.employer().await;
    let first = fla.submit(&declaration("HELD-1", KNOWN)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(&dir.path().join("journal.sqlite"), fla.clone(), config())
        .await
        .unwrap();
    let ids = engine
        .add(vec![NewDeclaration {
            declaration: declaration("HELD-1", KNOWN),
            source: None,
        }])
        .await
        .unwrap();
    engine.send(&ids);
    idle(&engine, Duration::from_secs(30)).await;
    let s = engine.snapshot();
    assert_eq!(s.rows[0].state, State::Accepted);
    assert_eq!(
        s.rows[0].server_id,
        Some(first.declaration_id),
        "the 409's id"
    );
    assert_eq!(s.duplicates_avoided, 1);
    assert_eq!(w.references(&fla, 1).await.get("HELD-1"), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_without_an_answer_is_searched_then_sent_again() {
    let w = world(quick()).await;
    let fla = w.employer_with_timeout(Duration::from_secs(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(&dir.path().join("journal.sqlite"), fla.clone(), config())
        .await
        .unwrap();
    let ids = engine
        .add(vec![NewDeclaration {
            declaration: declaration("HANG-1", KNOWN),
            source: None,
        }])
        .await
        .unwrap();
    fla.tokens.token(&fla.http, false, Lang::En).await.unwrap();
    // The POST gets no answer: its outcome is unknown.
    w.api_faults("hang", 1).await;
    engine.send(&ids);
    let mut changes = engine.subscribe();
    let unknown = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let s = engine.snapshot();
            if s.rows[0].state == State::Unknown {
                return s.rows[0].clone();
            }
            changes.changed().await.unwrap();
        }
    })
    .await
    .unwrap();
    assert_eq!(unknown.error.unwrap().code, "timeout");
    // Not on the server after `reconcile_after`: sent again, and accepted.
    idle(&engine, Duration::from_secs(30)).await;
    let s = engine.snapshot();
    assert_eq!(s.rows[0].state, State::Accepted, "{:?}", s.rows[0]);
    assert_eq!(s.duplicates_avoided, 0);
    assert_eq!(w.references(&fla, 1).await.get("HANG-1"), Some(&1));
}

/// Runs an engine on its own runtime, sends `n` declarations, and drops the
/// runtime (every task of the engine with it) once `stop_after` rows have left
/// `ready` (requests in flight are cut off).
fn run_and_drop(
    w: &World,
    server: &tokio::runtime::Runtime,
    journal: &Path,
    prefix: &str,
    n: usize,
    stop_after: usize,
) {
    let fla = server.block_on(w.employer());
    let engine_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let journal = journal.to_owned();
    let items = batch(prefix, n);
    engine_rt.block_on(async move {
        let engine = Engine::open(&journal, fla, config()).await.unwrap();
        let ids = engine.add(items).await.unwrap();
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
                assert!(
                    s.count(State::Sending) > 0,
                    "nothing in flight: {:?}",
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
        // Leaked on purpose: the runtime's end is what stops its tasks; the
        // journal is let go as a process's end would.
        engine.release_journal_as_if_crashed();
        std::mem::forget(engine);
    });
    engine_rt.shutdown_background();
}

/// A new engine on the same journal: resumes, sends what is left, ends.
/// Returns how many sends the server's answers avoided.
fn finish(
    w: &World,
    server: &tokio::runtime::Runtime,
    journal: &Path,
    prefix: &str,
    n: usize,
) -> u64 {
    server.block_on(async {
        let fla = w.employer().await;
        let engine = Engine::open(journal, fla.clone(), config()).await.unwrap();
        let resumed = engine.snapshot();
        assert_eq!(resumed.rows.len(), n);
        assert_eq!(resumed.count(State::Sending), 0, "{:?}", resumed.counts);
        // What a `submit` run does again: add the file (the rows are found), send.
        let ids = engine.add(batch(prefix, n)).await.unwrap();
        engine.send(&ids);
        idle(&engine, Duration::from_secs(120)).await;
        let s = engine.snapshot();
        assert_eq!(
            s.count(State::Accepted) + s.count(State::Warning),
            n,
            "{:?}",
            s.counts
        );
        assert_exactly_once(w, &fla, &engine, n).await;
        s.duplicates_avoided
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
fn a_dropped_runtime_and_a_new_engine_finish_the_work_exactly_once() {
    let server = server_runtime();
    let w = server.block_on(world(quick()));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite");
    run_and_drop(&w, &server, &journal, "DROPPED", 300, 100);
    finish(&w, &server, &journal, "DROPPED", 300);
}

#[test]
fn exactly_once_also_when_the_server_takes_duplicates_and_drops_connections() {
    let server = server_runtime();
    let w = server.block_on(world(SandboxOptions {
        accept_duplicates: true,
        drop_after_commit_rate: 0.1,
        fault_rate: 0.05,
        stall: Duration::from_millis(200),
        seed: Some(8),
        ..quick()
    }));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite");
    run_and_drop(&w, &server, &journal, "DUPS", 200, 60);
    let avoided = finish(&w, &server, &journal, "DUPS", 200);
    // Connections dropped after the server committed: found by reference.
    assert!(avoided > 0);
    let stats = server.block_on(w.admin("/stats"));
    assert!(
        stats["served"]["dropped_after_commit"].as_u64().unwrap() > 0,
        "{stats}"
    );
    assert_eq!(stats["served"]["duplicates_accepted"], 0, "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_read_the_pages_of_what_is_new_not_every_page_again() {
    const HELD: usize = 1500;
    const NEW: usize = 100;
    let w = world(quick()).await;
    let fla = w.employer().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(&dir.path().join("journal.sqlite"), fla.clone(), config())
        .await
        .unwrap();
    let requests = || async { w.admin("/stats").await["api_requests"].as_u64().unwrap() };
    let before = requests().await;
    let ids = engine.add(batch("HELD", HELD)).await.unwrap();
    engine.send(&ids);
    idle(&engine, Duration::from_secs(120)).await;
    let held_polls = requests().await - before - HELD as u64;
    // The server holds 30 pages of 50 for the enterprise; a few more rows.
    let before = requests().await;
    let ids = engine.add(batch("NEW", NEW)).await.unwrap();
    engine.send(&ids);
    idle(&engine, Duration::from_secs(120)).await;
    let new_polls = requests().await - before - NEW as u64;
    eprintln!("polls: {held_polls} for {HELD} declarations, then {new_polls} for {NEW} more");
    let s = engine.snapshot();
    assert_eq!(
        s.count(State::Accepted) + s.count(State::Warning),
        HELD + NEW
    );
    // Their polls start where every earlier result is known: a page or two
    // each, not the 30 pages before them again (nor a GET per row).
    assert!(
        new_polls <= 20,
        "{new_polls} poll requests for {NEW} declarations after {HELD}"
    );
    assert_exactly_once(&w, &fla, &engine, HELD + NEW).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_sent_before_its_sending_is_in_the_journal() {
    let w = world(quick()).await;
    let fla = w.employer().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite");
    let engine = Engine::open(&journal, fla.clone(), config()).await.unwrap();
    let ids = engine.add(batch("NOJOURNAL", 5)).await.unwrap();
    // The journal can no longer record a transition.
    rusqlite::Connection::open(&journal)
        .unwrap()
        .execute_batch("DROP TABLE transitions;")
        .unwrap();
    let before = w.admin("/stats").await["api_requests"].as_u64().unwrap();
    engine.send(&ids);
    idle(&engine, Duration::from_secs(30)).await;
    let after = w.admin("/stats").await["api_requests"].as_u64().unwrap();
    assert_eq!(
        after, before,
        "a request left without its 'sending' recorded"
    );
    let s = engine.snapshot();
    assert_eq!(s.count(State::Ready), 5, "{:?}", s.counts);
    for row in &s.rows {
        let error = row.error.as_ref().expect("the journal's failure is shown");
        assert_eq!(error.code, "journal_database", "{error:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rows_under_one_reference_never_both_go_to_the_server() {
    use fla_assistant::submit::journal::DraftForm;
    let w = world(quick()).await;
    let fla = w.employer().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(&dir.path().join("journal.sqlite"), fla.clone(), config())
        .await
        .unwrap();
    // Two drafts typed with the same reference, for two workers.
    let form = |ssin: &str| DraftForm::from_declaration(&declaration("TYPED-TWICE", ssin));
    let first = engine.new_draft(form(KNOWN)).await.unwrap();
    let second = engine.new_draft(form(UNKNOWN)).await.unwrap();
    // Checked as the editor does: both ready to send.
    for (id, ssin) in [(first, KNOWN), (second, UNKNOWN)] {
        let state = engine.save_draft(id, form(ssin)).await.unwrap();
        assert_eq!(state, State::Ready);
    }
    let summary = engine.send(&[first, second]);
    assert_eq!(summary.queued, vec![first]);
    assert_eq!(summary.skipped, vec![(second, Skip::ReferenceTaken(first))]);
    assert_eq!(summary.skipped[0].1.code(), "reference_conflict");
    assert!(summary.skipped[0]
        .1
        .message(Lang::En)
        .contains(&first.to_string()));
    idle(&engine, Duration::from_secs(30)).await;
    assert_eq!(w.references(&fla, 1).await.get("TYPED-TWICE"), Some(&1));
    // Asked again, still not: the reference is the first declaration's.
    let again = engine.send(&[second]);
    assert!(again.queued.is_empty(), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rows_stay_readable_while_a_draft_waits_for_the_journal() {
    use fla_assistant::submit::journal::DraftForm;
    let w = world(quick()).await;
    let fla = w.employer().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let engine = Engine::open(&path, fla, config()).await.unwrap();
    let form = DraftForm::from_declaration(&declaration("WAITS-FOR-SQLITE", KNOWN));
    let id = engine.new_draft(form.clone()).await.unwrap();
    // Another process holds the journal's write lock: the save waits for it.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let saving = tokio::spawn({
        let engine = engine.clone();
        async move { engine.save_draft(id, form).await }
    });
    // Until the save is at the journal (it then waits up to five seconds).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let read = tokio::task::spawn_blocking({
        let engine = engine.clone();
        move || (engine.snapshot().rows.len(), engine.send(&[id]))
    })
    .await
    .unwrap();
    assert!(
        !saving.is_finished(),
        "the rows were read only once the save had given up on the journal"
    );
    assert_eq!(read.0, 1);
    // A send asked while the row is being saved waits for the save.
    assert_eq!(read.1.queued, vec![id]);
    other.execute_batch("COMMIT;").unwrap();
    assert_eq!(saving.await.unwrap().unwrap(), State::Ready);
    idle(&engine, Duration::from_secs(30)).await;
    let row = engine
        .snapshot()
        .rows
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    assert!(row.state.is_accepted(), "{:?}", row.state);
    // A fetch of the server's declarations: the same while it writes them.
    other.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let fetching = tokio::spawn({
        let engine = engine.clone();
        let filters = SearchRequest {
            enterprise_number: ENTERPRISE.into(),
            ..SearchRequest::default()
        };
        async move { engine.fetch(filters).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rows = tokio::task::spawn_blocking({
        let engine = engine.clone();
        move || engine.snapshot().rows.len()
    })
    .await
    .unwrap();
    assert!(
        !fetching.is_finished(),
        "the rows were read only once the fetch had given up on the journal"
    );
    assert_eq!(rows, 1);
    other.execute_batch("COMMIT;").unwrap();
    let fetched = fetching.await.unwrap().unwrap();
    assert_eq!((fetched.found, fetched.new), (1, 0));
}
