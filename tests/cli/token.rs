//! `sim`, `sim-register` and `token` run as support staff script them.

use fla_test_support::cli as support;

use support::{certs, fixture, register, run, start_sim};

#[test]
fn sim_prints_its_urls_and_token_gets_a_token() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    for key in ["token_url", "api_base", "admin_url"] {
        assert!(
            sim.line[key]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1:"),
            "{key}"
        );
    }
    assert!(sim.line["token_url"]
        .as_str()
        .unwrap()
        .ends_with("/REST/oauth/v5/token"));
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let (code, json) = run(
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
        "Password",
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["expires_in"], 600);
    assert_eq!(
        json["scope"],
        "scope:sigedis:gestion:careerpro-federal-learning-account:employer"
    );
    assert_eq!(json["access_token_sha256"].as_str().unwrap().len(), 64);

    // An explicit token URL reaches the same server.
    let token_url = sim.line["token_url"].as_str().unwrap();
    let (code, _) = run(
        data.path(),
        &[
            "token",
            "--env",
            "custom",
            "--token-url",
            token_url,
            "--client-id",
            &client_id,
            "--pfx",
            &pfx,
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 0);
    // …and is the URL used: another path on that server is not a token endpoint.
    let (code, json) = run(
        data.path(),
        &[
            "token",
            "--env",
            "custom",
            "--token-url",
            &token_url.replace("/REST/oauth/v5/token", "/REST/oauth/v4/token"),
            "--client-id",
            &client_id,
            "--pfx",
            &pfx,
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 3, "{json}");
    assert_eq!(json["sent"]["http_status"], 404, "{json}");
}

#[test]
fn refusals_exit_3_with_the_cause_and_what_was_sent() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &["--no-fla-authorization"]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let (code, json) = run(
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
        "Password",
    );
    assert_eq!(code, 3, "{json}");
    assert_eq!(json["error"]["code"], "unauthorized_client");
    assert_eq!(json["cause"], "authorization_missing");
    assert_eq!(json["sent"]["claims"]["iss"], client_id.as_str());
    assert_eq!(json["sent"]["claims"]["aud"], sim.line["token_url"]);
    assert_eq!(json["sent"]["header"]["alg"], "RS256");
    assert_eq!(json["sent"]["http_status"], 400);
    let assertion = json["sent"]["form"]["client_assertion"].as_str().unwrap();
    assert!(
        assertion.contains('…') && assertion.len() < 40,
        "the assertion is shortened: {assertion}"
    );

    let (code, json) = run(
        data.path(),
        &[
            "token",
            "--env",
            "sandbox",
            "--client-id",
            "self_service_expeditor_1",
            "--pfx",
            &pfx,
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 3);
    assert_eq!(json["error"]["code"], "invalid_client");
    assert_eq!(json["cause"], "client_or_certificate");
}

#[test]
fn bad_input_exits_2() {
    let data = tempfile::tempdir().unwrap();
    let expired = certs::expired("openssl3-aes256.pfx", data.path());
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    let args = [
        "token",
        "--client-id",
        &client_id,
        "--pfx",
        expired.to_str().unwrap(),
        "--json",
    ];
    let out = support::command(data.path(), &args, "Password")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(2), "{json}");
    assert_eq!(json["error"]["code"], "expired");
    assert_eq!(json["cause"], "certificate");
    assert!(json["sent"].is_null());
    // Nothing was sent, and nothing on stderr says a request left.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("POST"), "{stderr}");
    let (code, json) = run(
        data.path(),
        &[
            "token",
            "--env",
            "custom",
            "--token-url",
            "http://example.org/token",
            "--client-id",
            &client_id,
            "--pfx",
            &certs::fresh_arg("openssl3-aes256.pfx"),
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 2);
    assert_eq!(json["error"]["code"], "insecure_url");
    let (code, json) = run(
        data.path(),
        &[
            "token",
            "--client-id",
            &client_id,
            "--pfx",
            &certs::fresh_arg("openssl3-aes256.pfx"),
            "--json",
        ],
        "wrong",
    );
    assert_eq!(code, 2);
    assert_eq!(json["error"]["code"], "wrong_password");
    let (code, json) = run(
        data.path(),
        &[
            "sim-register",
            "--admin-url",
            sim.line["admin_url"].as_str().unwrap(),
            "--cer",
            &fixture("not-a-pfx.pfx"),
            "--enterprise",
            "0403170702",
        ],
        "",
    );
    assert_eq!(code, 2);
    assert_eq!(json["error"]["code"], "registration_refused");
}

#[test]
fn without_a_running_sandbox_token_starts_one_on_the_same_state() {
    let data = tempfile::tempdir().unwrap();
    let client_id = {
        let sim = start_sim(data.path());
        register(data.path(), &sim, &[])
    }; // the sim is killed here; its address file stays behind
    let (code, json) = run(
        data.path(),
        &[
            "token",
            "--env",
            "sandbox",
            "--client-id",
            &client_id,
            "--pfx",
            &certs::fresh_arg("openssl3-aes256.pfx"),
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 0, "{json}");
}

#[test]
fn an_endpoint_file_naming_another_host_is_not_followed() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    // A server on this machine's network address (not loopback) that answers
    // anything with 200 `{"ok": true}` and counts what reaches it.
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let reached = Arc::new(AtomicUsize::new(0));
    let counted = reached.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(200)));
            let _ = stream.read(&mut [0u8; 8192]);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}",
            );
        }
    });
    // This machine's address on its network, as another computer sees it.
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    socket.connect("192.0.2.1:9").unwrap();
    let ip = socket.local_addr().unwrap().ip();
    assert!(!ip.is_loopback(), "{ip}");
    let base = format!("http://{ip}:{port}");

    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("sandbox-endpoint.json"),
        serde_json::json!({
            "token_url": format!("{base}/REST/oauth/v5/token"),
            "api_base": format!("{base}/REST/federalLearningAccount/v1"),
            "admin_url": format!("{base}/admin"),
        })
        .to_string(),
    )
    .unwrap();
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let out = support::command(
        data.path(),
        &[
            "token",
            "--client-id",
            "self_service_chaman_1_abc",
            "--pfx",
            &pfx,
            "--json",
        ],
        certs::PASSWORD,
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not on this computer"), "{stderr}");
    assert_eq!(reached.load(Ordering::SeqCst), 0, "the file was followed");
}
