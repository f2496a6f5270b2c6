//! `sim`, `sim-register` and `token` run as support staff script them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_fla-assistant");

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pfx")
        .join(name)
        .display()
        .to_string()
}

/// A `sim` process, killed when dropped.
struct Sim {
    child: Child,
    line: Value,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(data: &Path) -> Sim {
    let mut child = Command::new(BIN)
        .arg("sim")
        .env("FLA_DATA_DIR", data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let line: Value = serde_json::from_str(&line).unwrap();
    Sim { child, line }
}

fn run(data: &Path, args: &[&str], password: &str) -> (i32, Value) {
    let out = Command::new(BIN)
        .args(args)
        .env("FLA_DATA_DIR", data)
        .env("FLA_LANG", "en")
        .env("FLA_PFX_PASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), json)
}

fn register(data: &Path, sim: &Sim, extra: &[&str]) -> String {
    let cer = data.join("company.cer");
    let (code, _) = run(
        data,
        &[
            "cert",
            "export",
            &fixture("openssl3-aes256.pfx"),
            "--out",
            cer.to_str().unwrap(),
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 0);
    let mut args = vec![
        "sim-register",
        "--admin-url",
        sim.line["admin_url"].as_str().unwrap(),
        "--cer",
        cer.to_str().unwrap(),
        "--enterprise",
        "0403170701",
    ];
    args.extend_from_slice(extra);
    let (code, json) = run(data, &args, "");
    assert_eq!(code, 0, "{json}");
    json["client_id"].as_str().unwrap().to_owned()
}

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
    let pfx = fixture("openssl3-aes256.pfx");
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
}

#[test]
fn refusals_exit_3_with_the_cause_and_what_was_sent() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &["--no-fla-authorization"]);
    let pfx = fixture("openssl3-aes256.pfx");
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
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    let (code, json) = run(
        data.path(),
        &[
            "token",
            "--client-id",
            &client_id,
            "--pfx",
            &fixture("expired.pfx"),
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
            &fixture("openssl3-aes256.pfx"),
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
            &fixture("openssl3-aes256.pfx"),
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
            &fixture("openssl3-aes256.pfx"),
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 0, "{json}");
}
