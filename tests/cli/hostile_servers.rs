//! Servers that lie or never stop, met by the real binary: numbers out of any
//! range, answers that stream without end (with and without a length), and a
//! search whose pages point back at themselves. Each ends in an exit code and
//! an error code a script can read, quickly, having read little.

use fla_test_support::cli as support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::certs;

/// A raw HTTP server on loopback answering every request with `head` (the
/// status line and headers) and then `body(written_to_this_client)` chunks
/// until the chunk is empty or the client hangs up. Counts the body bytes
/// written to all.
fn raw_server(
    head: &'static str,
    body: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let written = Arc::new(AtomicUsize::new(0));
    let counted = written.clone();
    let body = Arc::new(body);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let counted = counted.clone();
            let body = body.clone();
            std::thread::spawn(move || {
                // The request: whatever arrives within a moment.
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let mut buf = [0u8; 16 * 1024];
                let _ = stream.read(&mut buf);
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let mut mine = 0;
                loop {
                    let chunk = body(mine);
                    if chunk.is_empty() || stream.write_all(&chunk).is_err() {
                        return;
                    }
                    mine += chunk.len();
                    counted.fetch_add(chunk.len(), Ordering::SeqCst);
                }
            });
        }
    });
    (format!("http://{addr}"), written)
}

const MIB: usize = 1024 * 1024;

/// `token` against `token_url`, in JSON: exit code, output, time taken.
fn token(token_url: &str) -> (i32, Value, Duration) {
    let data = tempfile::tempdir().unwrap();
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let started = Instant::now();
    let out = support::command(
        data.path(),
        &[
            "token",
            "--env",
            "custom",
            "--token-url",
            token_url,
            "--client-id",
            "self_service_chaman_1_abc",
            "--pfx",
            &pfx,
            "--json",
        ],
        certs::PASSWORD,
    )
    .env_remove("HTTP_PROXY")
    .env_remove("http_proxy")
    .output()
    .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json, started.elapsed())
}

#[test]
fn a_lifetime_beyond_any_date_is_bounded_to_a_day() {
    for lifetime in ["9223372036854775807", "-9223372036854775808"] {
        let body = format!(
            r#"{{"access_token":"abc.def.ghi","token_type":"Bearer","expires_in":{lifetime},"scope":"x"}}"#
        );
        let head: &'static str = Box::leak(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_boxed_str(),
        );
        let body = body.into_bytes();
        let (url, _) = raw_server(head, move |written| {
            if written == 0 {
                body.clone()
            } else {
                Vec::new()
            }
        });
        let (code, out, _) = token(&format!("{url}/REST/oauth/v5/token"));
        assert_eq!(code, 0, "{out}");
        let granted = out["expires_in"].as_i64().unwrap();
        assert!((0..=86_400).contains(&granted), "{out}");
    }
}

#[test]
fn a_token_answer_that_never_ends_is_refused_having_read_little() {
    // Chunked, without end (up to 500 MiB, should the client read on).
    let (chunked, chunked_written) = raw_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        |written| {
            if written > 500 * MIB {
                return Vec::new();
            }
            let mut chunk = format!("{:x}\r\n", MIB).into_bytes();
            chunk.extend(std::iter::repeat_n(b'a', MIB));
            chunk.extend(b"\r\n");
            chunk
        },
    );
    // A length announced: 200 MiB.
    let (announced, announced_written) = raw_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 209715200\r\n\r\n",
        |written| {
            if written >= 200 * MIB {
                Vec::new()
            } else {
                vec![b'a'; MIB]
            }
        },
    );
    for (url, written) in [(chunked, chunked_written), (announced, announced_written)] {
        let (code, out, took) = token(&format!("{url}/REST/oauth/v5/token"));
        assert_eq!(code, 3, "{out}");
        assert_eq!(out["error"]["code"], "response_too_large", "{out}");
        let message = out["error"]["message"].as_str().unwrap();
        assert!(message.contains("64 KiB"), "{message}");
        assert!(message.contains("proxy"), "{message}");
        assert!(took < Duration::from_secs(30), "took {took:?}");
        // The client stopped: what the server could push is what the
        // sockets' buffers hold, not the stream.
        let pushed = written.load(Ordering::SeqCst);
        assert!(pushed < 64 * MIB, "{pushed} bytes were taken");
    }
}

#[test]
fn a_search_whose_cursor_points_back_ends_with_an_error() {
    let data = tempfile::tempdir().unwrap();
    let sim = support::start_sim(data.path());
    let client_id = support::register(data.path(), &sim, &[]);
    let body = br#"{"items":[],"next":"again"}"#;
    let head: &'static str = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_boxed_str(),
    );
    let (api, _) = raw_server(head, move |written| {
        if written == 0 {
            body.to_vec()
        } else {
            Vec::new()
        }
    });
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let started = Instant::now();
    let api_base = format!("{api}/api");
    let mut args = support::declare_args(&sim, &client_id, &pfx, "", &api_base);
    // `declarations search` takes the same connection, and an enterprise.
    args.splice(0..1, ["declarations", "search"]);
    args.truncate(args.len() - 2);
    args.extend(["--enterprise", "0403170701", "--json"]);
    let out = support::command(data.path(), &args, certs::PASSWORD)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(3), "{json}");
    assert_eq!(json["error"]["code"], "endless_paging", "{json}");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("pointed back"),
        "{json}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}
