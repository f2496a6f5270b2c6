//! The HTTP edge as the real binary meets it: local test servers that fail,
//! refuse, redirect or never answer, a fake proxy, and the sandbox for tokens.
//! Each test names what must hold on the user's side: the exit code, the error
//! code, the trace id of the response that failed, and what reached whom.

use fla_test_support::cli as support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use support::{certs, declaration_file, declare_args, register, start_sim, BIN};

/// A test server on loopback, on a runtime of its own (dropped with it).
struct Server {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(app: Router) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Server {
            addr,
            _runtime: runtime,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// A server that counts every request it receives and answers with `answer`.
fn counting_server(
    answer: impl Fn(usize, &axum::http::Method) -> Response + Clone + Send + Sync + 'static,
) -> (Server, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let app = Router::new().fallback(move |method: axum::http::Method| {
        let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
        let answer = answer.clone();
        async move { answer(n, &method) }
    });
    (Server::start(app), count)
}

/// An API at `/api` whose `POST /trainings` answers `post(n)` (counted) and
/// whose search lists nothing (a declaration not processed yet looks so).
fn api_server(
    post: impl Fn(usize) -> Response + Clone + Send + Sync + 'static,
) -> (Server, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let app = Router::new()
        .route(
            "/api/trainings",
            axum::routing::post(move || {
                let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
                let post = post.clone();
                async move { post(n) }
            }),
        )
        .route(
            "/api/trainings/search",
            axum::routing::post(|| async { axum::Json(json!({"items": [], "next": null})) }),
        );
    (Server::start(app), count)
}

fn problem(status: StatusCode, trace: &str, body: Value) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("BelGov-Trace-Id", trace.parse().unwrap());
    headers.insert(
        header::CONTENT_TYPE,
        "application/problem+json".parse().unwrap(),
    );
    (status, headers, body.to_string()).into_response()
}

/// What a run of the binary gave: exit code, stdout as JSON (or Null), stderr.
struct Ran {
    code: i32,
    json: Value,
    stderr: String,
    took: Duration,
}

fn run_with(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut cmd = Command::new(&*BIN);
    cmd.args(args)
        .env("FLA_DATA_DIR", data)
        .env("FLA_LANG", "en")
        .env("FLA_PFX_PASSWORD", certs::PASSWORD)
        .stdin(Stdio::null());
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(name);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    Ran {
        code: out.status.code().unwrap(),
        json: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: started.elapsed(),
    }
}

#[test]
fn a_server_that_fails_every_post_ends_declare_within_a_minute_with_the_last_trace_id() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    let (api, posts) = api_server(|n| {
        problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("trace-{n}"),
            json!({"type": "urn:problem-type:belgif:internalServerError",
                   "title": "Internal Server Error", "status": 500, "detail": "down"}),
        )
    });
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = declaration_file(data.path(), "HTTP-500");
    let api_base = api.url("/api");
    let mut args = declare_args(&sim, &client_id, &pfx, &file, &api_base);
    args.push("--json");
    let ran = run_with(data.path(), &args, &[]);
    assert!(ran.took < Duration::from_secs(60), "took {:?}", ran.took);
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["error"]["code"], "server_error");
    let sent = posts.load(Ordering::SeqCst);
    // A 500 may come after the server's commit: looked up by its reference,
    // never sent again blindly.
    assert_eq!(sent, 1, "a 500 to a POST is not sent again blindly");
    assert_eq!(
        ran.json["error"]["traceId"],
        format!("trace-{sent}"),
        "the trace id of the last failed POST"
    );
    let message = ran.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("outcome not known yet"), "{message}");

    // The text output prints it too.
    let ran = run_with(data.path(), &args[..args.len() - 1], &[]);
    assert_eq!(ran.code, 3);
    let sent = posts.load(Ordering::SeqCst);
    assert!(
        ran.stderr
            .contains(&format!("BelGov-Trace-Id: trace-{sent}")),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_success_other_than_201_to_a_post_is_an_unknown_outcome_looked_up_before_any_resend() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    // A proxy that answers 200 with an empty body to the POST; the search
    // finds nothing it can read.
    let (api, posts) = api_server(|n| problem(StatusCode::OK, &format!("proxy-{n}"), json!({})));
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = declaration_file(data.path(), "HTTP-200");
    let api_base = api.url("/api");
    let mut args = declare_args(&sim, &client_id, &pfx, &file, &api_base);
    args.push("--json");
    let ran = run_with(data.path(), &args, &[]);
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    let message = ran.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("outcome not known yet"), "{message}");
    assert!(
        message.contains("Run the same command again after"),
        "{message}"
    );
    assert_eq!(posts.load(Ordering::SeqCst), 1);
    // Run again: looked up again, not POSTed again (the window of a real
    // server has not passed).
    let ran = run_with(data.path(), &args, &[]);
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    assert_eq!(posts.load(Ordering::SeqCst), 1, "not sent again blindly");
    let journal = data.path().join("declarations-custom.sqlite");
    assert!(journal.exists());
    let db = rusqlite::Connection::open(&journal).unwrap();
    let posts_in_journal: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM transitions WHERE to_state = 'sending'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(posts_in_journal, 1, "sent once, over two runs");
    let state: String = db
        .query_row("SELECT state FROM declarations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(state, "unknown");
}

#[test]
fn a_token_endpoint_that_fails_is_tried_again_within_a_minute() {
    let data = tempfile::tempdir().unwrap();
    let (token_server, token_requests) = counting_server(|n, _| {
        problem(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("tok-{n}"),
            json!({"error": "temporarily_unavailable"}),
        )
    });
    let (api, api_requests) = counting_server(|_, _| StatusCode::OK.into_response());
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = declaration_file(data.path(), "HTTP-TOKEN-503");
    let ran = run_with(
        data.path(),
        &[
            "declare",
            "--env",
            "custom",
            "--token-url",
            &token_server.url("/REST/oauth/v5/token"),
            "--api-base",
            &api.url("/api"),
            "--client-id",
            "self_service_chaman_1_abc",
            "--pfx",
            &pfx,
            "--file",
            &file,
            "--json",
        ],
        &[],
    );
    assert!(ran.took < Duration::from_secs(60), "took {:?}", ran.took);
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["error"]["code"], "temporarily_unavailable");
    let sent = token_requests.load(Ordering::SeqCst);
    assert!(sent >= 2, "a 503 is retried ({sent} token requests)");
    assert_eq!(ran.json["error"]["traceId"], format!("tok-{sent}"));
    assert_eq!(api_requests.load(Ordering::SeqCst), 0);
}

#[test]
fn a_missing_mandate_is_told_from_other_403s_by_its_problem_type() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    // The enterprise comes from the member, not from the request or the detail.
    let (no_mandate, _) = counting_server(|n, _| {
        problem(
            StatusCode::FORBIDDEN,
            &format!("mandate-{n}"),
            json!({"type": "urn:problem-type:sigedis:missingMandate", "title": "Forbidden",
                   "status": 403, "detail": "no mandate", "enterpriseNumber": "0202239951"}),
        )
    });
    // An unknown 403 whose words would look like a mandate problem.
    let (other, _) = counting_server(|n, _| {
        problem(
            StatusCode::FORBIDDEN,
            &format!("other-{n}"),
            json!({"type": "urn:problem-type:sigedis:accountSuspended", "title": "Forbidden",
                   "status": 403, "detail": "no mandate for enterprise 0403170701"}),
        )
    });
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = declaration_file(data.path(), "HTTP-403");

    let api_base = no_mandate.url("/api");
    let mut args = declare_args(&sim, &client_id, &pfx, &file, &api_base);
    args.push("--json");
    let ran = run_with(data.path(), &args, &[]);
    assert_eq!(ran.code, 1, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["error"]["code"], "no_mandate");
    let message = ran.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("0202239951"), "{message}");
    assert_eq!(ran.json["error"]["traceId"], "mandate-1");

    let api_base = other.url("/api");
    let mut args = declare_args(&sim, &client_id, &pfx, &file, &api_base);
    args.push("--json");
    let ran = run_with(data.path(), &args, &[]);
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["error"]["code"], "forbidden");
    let message = ran.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("accountSuspended"), "{message}");
    assert!(message.contains("no mandate for enterprise"), "{message}");
    assert_eq!(ran.json["error"]["traceId"], "other-1");

    // `declarations search` puts the trace id in its error object as well.
    let ran = run_with(
        data.path(),
        &[
            "declarations",
            "search",
            "--env",
            "custom",
            "--token-url",
            sim.line["token_url"].as_str().unwrap(),
            "--api-base",
            &api_base,
            "--client-id",
            &client_id,
            "--pfx",
            &pfx,
            "--enterprise",
            "0403170701",
            "--json",
        ],
        &[],
    );
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["error"]["code"], "forbidden");
    assert_eq!(ran.json["error"]["traceId"], "other-2");
}

#[test]
fn redirects_to_another_origin_carry_nothing_there() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    let (elsewhere, reached) = counting_server(|_, _| StatusCode::OK.into_response());
    let target = elsewhere.url("");
    let (redirecting, _) = counting_server(move |_, _| {
        (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, format!("{target}/stolen"))],
        )
            .into_response()
    });
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");

    // The token POST (it would carry the assertion).
    let token_url = redirecting.url("/REST/oauth/v5/token");
    let ran = run_with(
        data.path(),
        &[
            "token",
            "--env",
            "custom",
            "--token-url",
            &token_url,
            "--client-id",
            &client_id,
            "--pfx",
            &pfx,
            "--json",
        ],
        &[],
    );
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["error"]["code"], "redirect");
    assert_eq!(ran.json["cause"], "redirect");
    assert!(ran.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/stolen"));

    // An API call (it would carry the bearer token).
    let file = declaration_file(data.path(), "HTTP-307");
    let api_base = redirecting.url("/api");
    let mut args = declare_args(&sim, &client_id, &pfx, &file, &api_base);
    args.push("--json");
    let ran = run_with(data.path(), &args, &[]);
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["error"]["code"], "redirect");
    assert!(ran.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/stolen"));

    assert_eq!(reached.load(Ordering::SeqCst), 0, "nothing went elsewhere");
}

/// `exp - iat` of the client assertion in a token request's form body.
fn assertion_lifetime(form: &str) -> Option<i64> {
    use base64::Engine;
    let jwt = url::form_urlencoded::parse(form.as_bytes())
        .find(|(k, _)| k == "client_assertion")?
        .1
        .into_owned();
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwt.split('.').nth(1)?)
        .ok()?;
    let claims: Value = serde_json::from_slice(&claims).ok()?;
    Some(claims["exp"].as_i64()? - claims["iat"].as_i64()?)
}

/// A fake proxy: records the first line of every connection, answers 502.
fn fake_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = BufReader::new(&stream);
            let _ = reader.read_line(&mut line);
            record.lock().unwrap().push(line.trim().to_owned());
            let mut stream = &stream;
            let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (url, seen)
}

#[test]
fn loopback_is_reached_directly_and_other_hosts_through_the_proxy() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    let (proxy, seen) = fake_proxy();
    let proxies = [
        ("HTTP_PROXY", proxy.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("ALL_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
    ];
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let ran = run_with(
        data.path(),
        &[
            "token",
            "--env",
            "sandbox",
            "--client-id",
            &client_id,
            "--pfx",
            &pfx,
            "--json",
        ],
        &proxies,
    );
    assert_eq!(ran.code, 0, "{} {}", ran.json, ran.stderr);
    let file = declaration_file(data.path(), "HTTP-PROXY");
    let api_base = sim.line["api_base"].as_str().unwrap().to_owned();
    let mut args = declare_args(&sim, &client_id, &pfx, &file, &api_base);
    args.push("--json");
    let ran = run_with(data.path(), &args, &proxies);
    assert_eq!(ran.code, 0, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["result"], "A");
    assert!(
        seen.lock().unwrap().is_empty(),
        "loopback went through the proxy: {:?}",
        seen.lock().unwrap()
    );

    // A server elsewhere is reached through it.
    let ran = run_with(
        data.path(),
        &[
            "token",
            "--env",
            "custom",
            "--token-url",
            "https://fla.invalid/REST/oauth/v5/token",
            "--client-id",
            &client_id,
            "--pfx",
            &pfx,
            "--timeout",
            "5",
            "--json",
        ],
        &proxies,
    );
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    let lines = seen.lock().unwrap().clone();
    assert!(
        lines.iter().any(|l| l.contains("fla.invalid")),
        "the proxy saw {lines:?}"
    );
}

#[test]
fn assertion_lifetime_and_timeout_act_on_declare() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = declaration_file(data.path(), "HTTP-LIFETIME");

    // A lifetime over 300 s is refused before anything is sent.
    let (token_server, token_requests) = counting_server(|_, _| StatusCode::OK.into_response());
    let (api, api_requests) = counting_server(|_, _| StatusCode::OK.into_response());
    let ran = run_with(
        data.path(),
        &[
            "declare",
            "--env",
            "custom",
            "--token-url",
            &token_server.url("/REST/oauth/v5/token"),
            "--api-base",
            &api.url("/api"),
            "--client-id",
            &client_id,
            "--pfx",
            &pfx,
            "--file",
            &file,
            "--assertion-lifetime",
            "400",
            "--json",
        ],
        &[],
    );
    assert_eq!(ran.code, 2, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["error"]["code"], "bad_lifetime");
    assert_eq!(token_requests.load(Ordering::SeqCst), 0);
    assert_eq!(api_requests.load(Ordering::SeqCst), 0);

    // A valid lifetime reaches the assertion the token server receives.
    let lifetimes = Arc::new(Mutex::new(Vec::new()));
    let record = lifetimes.clone();
    let token_server = Server::start(Router::new().fallback(move |body: String| {
        let record = record.clone();
        async move {
            record.lock().unwrap().push(assertion_lifetime(&body));
            problem(
                StatusCode::BAD_REQUEST,
                "token-1",
                json!({"error": "invalid_client"}),
            )
        }
    }));
    let ran = run_with(
        data.path(),
        &[
            "declare",
            "--env",
            "custom",
            "--token-url",
            &token_server.url("/REST/oauth/v5/token"),
            "--api-base",
            &api.url("/api"),
            "--client-id",
            &client_id,
            "--pfx",
            &pfx,
            "--file",
            &file,
            "--assertion-lifetime",
            "120",
            "--json",
        ],
        &[],
    );
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["error"]["code"], "invalid_client");
    assert_eq!(ran.json["error"]["traceId"], "token-1");
    assert_eq!(*lifetimes.lock().unwrap(), vec![Some(120)]);
    assert_eq!(api_requests.load(Ordering::SeqCst), 0);

    // An API that never answers: `--timeout 2` ends it in a few seconds.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}/api", silent.local_addr().unwrap());
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    std::thread::spawn(move || {
        for stream in silent.incoming().flatten() {
            keep.lock().unwrap().push(stream);
        }
    });
    let mut args = declare_args(&sim, &client_id, &pfx, &file, &silent_url);
    args.extend(["--timeout", "2", "--json"]);
    let ran = run_with(data.path(), &args, &[]);
    assert_eq!(ran.code, 3, "{} {}", ran.json, ran.stderr);
    assert_eq!(ran.json["error"]["code"], "timeout");
    // 2 s, then at most three times 2 s to check by reference: about 8 s.
    // The default (15 s, then up to 45 s) would take a minute; the bound is
    // loose for a loaded machine and still tells the two apart.
    assert!(ran.took < Duration::from_secs(30), "took {:?}", ran.took);
    assert!(!held.lock().unwrap().is_empty(), "the API was asked");
}
