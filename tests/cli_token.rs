//! `sim`, `sim-register` and `token` run as support staff script them.

#[path = "support/cli.rs"]
mod support;

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
    let (code, json) = run(
        data.path(),
        &[
            "token",
            "--client-id",
            &client_id,
            "--pfx",
            expired.to_str().unwrap(),
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 2, "{json}");
    assert_eq!(json["error"]["code"], "expired");
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
