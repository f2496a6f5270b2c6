//! The sandbox's modes over HTTP: random faults reproducible with a seed, a
//! connection dropped after the commit, a rate limit, latency, no processing
//! delay, duplicates accepted; and the default unchanged (409 on a duplicate).
//! Tokens come from the sandbox-only `POST /admin/tokens`.

use fla_test_support::sandbox as sandbox_support;
use sandbox_support::World;

use std::time::{Duration, Instant};

use fla_assistant::channel::token::http_client;
use fla_assistant::sandbox::SandboxOptions;
use serde_json::{json, Value};

/// The sandbox's world, with an employer's token from the sandbox-only
/// `POST /admin/tokens`.
struct Caller {
    world: World,
    token: String,
}

impl std::ops::Deref for Caller {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

/// What a request got back.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

async fn world(options: SandboxOptions) -> Caller {
    world_in(tempfile::tempdir().unwrap(), options).await
}

async fn world_in(state: tempfile::TempDir, options: SandboxOptions) -> Caller {
    let world = World::start_in(state, options).await;
    let (client_id, _) = world
        .register("employer", sandbox_support::ENTERPRISE, &[])
        .await;
    let token = world.admin_token(&client_id).await;
    Caller { world, token }
}

/// A declaration the sandbox accepts, for a worker it knows.
fn declaration(reference: &str) -> Value {
    sandbox_support::declaration_json(reference, sandbox_support::KNOWN)
}

impl Caller {
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, reqwest::Error> {
        let url = format!("{}{path}", self.sandbox.api_base);
        let request = match method {
            "GET" => self.http.get(url),
            "PUT" => self.http.put(url),
            _ => self.http.post(url),
        }
        .bearer_auth(&self.token);
        let request = match body {
            Some(b) => request.json(&b),
            None => request,
        };
        let r = request.send().await?;
        let status = r.status().as_u16();
        let retry_after = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = r.text().await?;
        Ok(Answer {
            status,
            retry_after,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        })
    }

    async fn post(&self, reference: &str) -> Result<Answer, reqwest::Error> {
        self.send("POST", "/trainings", Some(declaration(reference)))
            .await
    }

    /// The ids of the declarations holding `reference`.
    async fn held(&self, reference: &str) -> Vec<i64> {
        let list = self
            .admin(&format!("/references?reference={reference}"))
            .await;
        match list["references"].as_array().unwrap().as_slice() {
            [] => vec![],
            [one] => one["declarationIds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_i64().unwrap())
                .collect(),
            more => panic!("one enterprise only: {more:?}"),
        }
    }
}

fn fast() -> SandboxOptions {
    SandboxOptions {
        processing_delay: Duration::from_millis(0),
        ..Default::default()
    }
}

#[tokio::test]
async fn by_default_a_duplicate_reference_is_a_409_and_one_declaration() {
    let w = world(SandboxOptions::default()).await;
    let first = w.post("REF-1").await.unwrap();
    assert_eq!(first.status, 201, "{:?}", first.body);
    let again = w.post("REF-1").await.unwrap();
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(
        w.held("REF-1").await,
        vec![first.body["declarationId"].as_i64().unwrap()]
    );
    let stats = w.stats().await;
    assert_eq!(stats["declarations"], 1);
    assert_eq!(stats["duplicate_references"], 0);
    assert_eq!(stats["modes"]["accept_duplicates"], false);
    assert_eq!(stats["served"]["dropped_after_commit"], 0);
    // The default keeps its 2 s of processing.
    let id = first.body["declarationId"].as_i64().unwrap();
    let soon = w
        .send("GET", &format!("/trainings/{id}"), None)
        .await
        .unwrap();
    assert_eq!(soon.status, 404);
}

#[tokio::test]
async fn accept_duplicates_creates_a_second_declaration() {
    let w = world(SandboxOptions {
        accept_duplicates: true,
        ..fast()
    })
    .await;
    let first = w.post("REF-2").await.unwrap();
    let second = w.post("REF-2").await.unwrap();
    assert_eq!((first.status, second.status), (201, 201));
    let ids = vec![
        first.body["declarationId"].as_i64().unwrap(),
        second.body["declarationId"].as_i64().unwrap(),
    ];
    assert_ne!(ids[0], ids[1]);
    assert_eq!(w.held("REF-2").await, ids);
    let duplicates = w.admin("/references?duplicates=true").await;
    assert_eq!(duplicates["references"][0]["externalReference"], "REF-2");
    assert_eq!(duplicates["references"][0]["count"], 2);
    let stats = w.stats().await;
    assert_eq!(stats["duplicate_references"], 1);
    assert_eq!(stats["served"]["duplicates_accepted"], 1);
    // A search by reference finds both.
    let found = w
        .send(
            "POST",
            "/trainings/search",
            Some(json!({"enterpriseNumber": "0403170701", "externalReference": "REF-2"})),
        )
        .await
        .unwrap();
    assert_eq!(found.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn drop_after_commit_stores_the_declaration_while_the_client_sees_a_connection_error() {
    let w = world(SandboxOptions {
        drop_after_commit_rate: 1.0,
        ..fast()
    })
    .await;
    let lost = w.post("REF-3").await;
    let error = lost.expect_err("the answer must be lost");
    assert!(!error.is_status() && error.status().is_none(), "{error:?}");
    // Stored once (reqwest did not send it again), and processed.
    let ids = w.held("REF-3").await;
    assert_eq!(ids.len(), 1);
    let stored = w
        .send("GET", &format!("/trainings/{}", ids[0]), None)
        .await
        .unwrap();
    assert_eq!(stored.status, 200, "{:?}", stored.body);
    // A correction is committed too, and its answer lost as well.
    let mut corrected = declaration("REF-3");
    corrected["training"]["name"] = json!("Excel voor experts");
    let lost = w
        .send("PUT", &format!("/trainings/{}", ids[0]), Some(corrected))
        .await;
    assert!(lost.is_err(), "{lost:?}");
    let stored = w
        .send("GET", &format!("/trainings/{}", ids[0]), None)
        .await
        .unwrap();
    assert_eq!(stored.body["training"]["name"], "Excel voor experts");
    let stats = w.stats().await;
    assert_eq!(stats["served"]["dropped_after_commit"], 2);
    // A 409 commits nothing: it is answered.
    let again = w.post("REF-3").await.unwrap();
    assert_eq!(again.status, 409);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let w = world(SandboxOptions {
        rate_limit: Some(3),
        ..fast()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let a = w.send("GET", "/trainings/999", None).await.unwrap();
        if a.status == 429 {
            let secs: u64 = a.retry_after.as_deref().unwrap().parse().unwrap();
            assert!(secs >= 1);
            assert_eq!(a.body["status"], 429);
        }
        statuses.push(a.status);
    }
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(limited >= 4, "{statuses:?}");
    assert_eq!(statuses[0], 404, "{statuses:?}");
    assert_eq!(w.stats().await["served"]["rate_limited"], limited);
    // A second later on the sandbox's clock, the bucket has refilled.
    w.advance(Duration::from_millis(1100));
    let later = w.send("GET", "/trainings/999", None).await.unwrap();
    assert_eq!(later.status, 404);
}

/// What each of `n` requests met: "500", "429", "stall" or "ok".
async fn outcomes(seed: u64, n: usize) -> (Vec<&'static str>, Value) {
    let w = world(SandboxOptions {
        fault_rate: 0.5,
        stall: Duration::from_millis(400),
        seed: Some(seed),
        ..fast()
    })
    .await;
    let mut seen = Vec::new();
    for _ in 0..n {
        let started = Instant::now();
        let a = w.send("GET", "/trainings/999", None).await.unwrap();
        seen.push(match a.status {
            500 => "500",
            429 => {
                assert_eq!(a.retry_after.as_deref(), Some("1"));
                "429"
            }
            404 if started.elapsed() >= Duration::from_millis(400) => "stall",
            404 => "ok",
            other => panic!("unexpected {other}: {:?}", a.body),
        });
    }
    let stats = w.stats().await;
    (seen, stats)
}

#[tokio::test]
async fn random_faults_come_in_every_kind_and_again_with_the_same_seed() {
    let (first, stats) = outcomes(7, 24).await;
    for kind in ["500", "429", "stall", "ok"] {
        assert!(first.contains(&kind), "{kind} missing in {first:?}");
    }
    let count = |k| first.iter().filter(|s| **s == k).count();
    assert_eq!(stats["served"]["faults"]["server_error"], count("500"));
    assert_eq!(stats["served"]["faults"]["too_many_requests"], count("429"));
    assert_eq!(stats["served"]["faults"]["stall"], count("stall"));
    assert_eq!(stats["modes"]["seed"], 7);
    let (again, _) = outcomes(7, 24).await;
    assert_eq!(first, again);
    let (other, _) = outcomes(8, 24).await;
    assert_ne!(first, other);
}

#[tokio::test]
async fn latency_holds_every_answer_back() {
    let w = world(SandboxOptions {
        latency: Duration::from_millis(300),
        ..fast()
    })
    .await;
    for path in ["/trainings/999", "/trainings/1"] {
        let started = Instant::now();
        let a = w.send("GET", path, None).await.unwrap();
        assert_eq!(a.status, 404);
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
}

#[tokio::test]
async fn with_no_processing_delay_the_result_is_there_at_once() {
    let w = world(fast()).await;
    let created = w.post("REF-4").await.unwrap();
    let id = created.body["declarationId"].as_i64().unwrap();
    let stored = w
        .send("GET", &format!("/trainings/{id}"), None)
        .await
        .unwrap();
    assert_eq!(stored.status, 200, "{:?}", stored.body);
    assert_eq!(stored.body["declarationStatus"]["result"], "A");
}

#[tokio::test]
async fn a_correction_to_a_reference_already_held_is_a_409_by_default() {
    let w = world(fast()).await;
    w.post("REF-5").await.unwrap();
    let other = w.post("REF-6").await.unwrap();
    let id = other.body["declarationId"].as_i64().unwrap();
    let clash = w
        .send(
            "PUT",
            &format!("/trainings/{id}"),
            Some(declaration("REF-5")),
        )
        .await
        .unwrap();
    assert_eq!(clash.status, 409, "{:?}", clash.body);
    let own = w
        .send(
            "PUT",
            &format!("/trainings/{id}"),
            Some(declaration("REF-6")),
        )
        .await
        .unwrap();
    assert_eq!(own.status, 200, "{:?}", own.body);
}

#[tokio::test]
async fn a_store_of_the_first_version_keeps_its_declarations_and_takes_duplicates() {
    let state = tempfile::tempdir().unwrap();
    {
        let db = rusqlite::Connection::open(state.path().join("fla.sqlite")).unwrap();
        db.execute_batch(
            "CREATE TABLE declarations (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 enterprise TEXT NOT NULL,
                 external_reference TEXT NOT NULL,
                 ssin TEXT NOT NULL,
                 start_date TEXT NOT NULL,
                 body TEXT NOT NULL,
                 sender TEXT NOT NULL,
                 due_at INTEGER NOT NULL,
                 result TEXT,
                 anomalies TEXT,
                 UNIQUE (enterprise, external_reference)
             );",
        )
        .unwrap();
        db.execute(
            "INSERT INTO declarations (id, enterprise, external_reference, ssin, start_date, body, sender, due_at) VALUES (41, '0403170701', 'OLD-1', '85073003328', '2026-01-01', ?1, 'someone', 0)",
            [declaration("OLD-1").to_string()],
        )
        .unwrap();
    }
    let w = world_in(
        state,
        SandboxOptions {
            accept_duplicates: true,
            ..fast()
        },
    )
    .await;
    let stored = w.send("GET", "/trainings/41", None).await.unwrap();
    assert_eq!(stored.status, 200, "{:?}", stored.body);
    let second = w.post("OLD-1").await.unwrap();
    assert_eq!(second.status, 201, "{:?}", second.body);
    assert_eq!(second.body["declarationId"], 42);
    assert_eq!(w.held("OLD-1").await, vec![41, 42]);
}

#[tokio::test]
async fn an_admin_token_is_only_for_a_registered_client() {
    let w = world(fast()).await;
    let r = w
        .http
        .post(format!("{}/tokens", w.sandbox.admin_url))
        .json(&json!({"client_id": "self_service_chaman_000000_nobody"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let unknown = w
        .http
        .get(format!("{}/trainings/1", w.sandbox.api_base))
        .bearer_auth("sbx-not-issued")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
}

/// The flags reach the sandbox: `sim` started with them reports them.
#[test]
fn sim_takes_the_mode_flags_and_refuses_a_rate_that_is_not_a_fraction() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let bin = &*fla_test_support::cli::BIN;
    let data = tempfile::tempdir().unwrap();
    let refused = Command::new(bin)
        .args(["sim", "--fault-rate", "1.5"])
        .env("FLA_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let mut child = Command::new(bin)
        .args([
            "sim",
            "--fault-rate",
            "0.1",
            "--drop-after-commit-rate",
            "0.05",
            "--rate-limit",
            "100/s",
            "--latency-ms",
            "3",
            "--processing-delay-ms",
            "0",
            "--accept-duplicates",
            "--seed",
            "99",
        ])
        .env("FLA_DATA_DIR", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let line: Value = serde_json::from_str(&line).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stats: Value = runtime.block_on(fla_test_support::sandbox::admin_get(
        &http_client(Duration::from_secs(5)).unwrap(),
        line["admin_url"].as_str().unwrap(),
        "/stats",
    ));
    let _ = child.kill();
    let _ = child.wait();
    let modes = &stats["modes"];
    assert_eq!(modes["fault_rate"], 0.1);
    assert_eq!(modes["drop_after_commit_rate"], 0.05);
    assert_eq!(modes["rate_limit"], 100);
    assert_eq!(modes["latency_ms"], 3);
    assert_eq!(modes["processing_delay_ms"], 0);
    assert_eq!(modes["accept_duplicates"], true);
    assert_eq!(modes["seed"], 99);
}
