//! The `cert` commands as support staff and the acceptance checks run them: exit
//! codes, JSON on stdout (errors included), the password only from the environment.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pfx")
}

fn run(args: &[&str], password: Option<&str>) -> (i32, Value, Output) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fla-assistant"));
    cmd.args(args)
        .env_remove("FLA_PFX_PASSWORD")
        .env("FLA_LANG", "en")
        .stdin(Stdio::null());
    if let Some(p) = password {
        cmd.env("FLA_PFX_PASSWORD", p);
    }
    let out = cmd.output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), json, out)
}

/// The time the fixtures' facts are checked at (their manifest's `reference_time`).
const REFERENCE_TIME: &str = "2026-11-24T01:24:36+00:00";

fn fixture(name: &str) -> String {
    fixtures().join(name).display().to_string()
}

#[test]
fn inspect_json_for_every_manifest_case() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("manifest.json")).unwrap())
            .unwrap();
    for case in manifest.as_array().unwrap() {
        let file = fixture(case["file"].as_str().unwrap());
        let now = case["reference_time"].as_str().unwrap();
        let password = case["password"].as_str().unwrap();
        let (code, json, out) = run(
            &["cert", "inspect", &file, "--now", now, "--json"],
            Some(password),
        );
        let expect = case["expect"].as_str().unwrap();
        if expect != "ok" {
            assert_eq!(code, 2, "{file}");
            assert_eq!(json["error"]["code"], expect, "{file}");
            assert!(json["error"]["message"].as_str().unwrap().len() > 20);
            continue;
        }
        let errors = json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| e["findings"].as_array().unwrap().clone())
            .filter(|f| f["severity"] == "error")
            .count();
        assert_eq!(
            code,
            if errors > 0 { 1 } else { 0 },
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(json["file"], file);
        assert!(json["protection"].is_object());
        for wanted in case["entries"].as_array().unwrap() {
            let entry = json["entries"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["alias"] == wanted["alias"])
                .unwrap_or_else(|| panic!("{file}: {}", wanted["alias"]));
            assert_eq!(entry["has_private_key"], wanted["has_private_key"]);
            assert!(entry["local_key_id"].is_string() || entry["local_key_id"].is_null());
            assert!(entry["chain"].is_array());
            for key in [
                "subject_cn",
                "issuer_cn",
                "serial_hex",
                "sha256",
                "sha1",
                "not_before",
                "not_after",
                "key_type",
                "key_bits",
            ] {
                assert_eq!(entry["certificate"][key], wanted[key], "{file}: {key}");
            }
            for f in entry["findings"].as_array().unwrap() {
                assert!(
                    f["code"].is_string() && f["severity"].is_string() && f["message"].is_string()
                );
            }
        }
    }
}

#[test]
fn empty_variable_means_empty_password_and_unset_means_ask() {
    let file = fixture("empty-password.pfx");
    // At the fixtures' reference time: exit 0 means "no error finding", which
    // must not change when the fixture's certificate expires.
    let (code, json, _) = run(
        &["cert", "inspect", &file, "--now", REFERENCE_TIME, "--json"],
        Some(""),
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["entries"][0]["alias"], "nopass");
    // No variable and no terminal: a clear usage error, not a hang.
    let (code, json, _) = run(&["cert", "inspect", &file, "--json"], None);
    assert_eq!(code, 2);
    assert_eq!(json["error"]["code"], "password_required");
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("FLA_PFX_PASSWORD"));
}

#[test]
fn password_env_names_another_variable() {
    let file = fixture("unicode-password.pfx");
    let out = Command::new(env!("CARGO_BIN_EXE_fla-assistant"))
        .args([
            "cert",
            "inspect",
            &file,
            "--now",
            REFERENCE_TIME,
            "--password-env",
            "MY_PFX_SECRET",
            "--json",
        ])
        .env_remove("FLA_PFX_PASSWORD")
        .env("MY_PFX_SECRET", "Pässwörd€")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Pässwörd€"), "the password leaked to stdout");
}

#[test]
fn export_writes_der_by_default_and_pem_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let der_out = dir.path().join("employer.cer");
    let file = fixture("java-two-aliases.p12");
    // Several entries and no alias: say which exist.
    let (code, json, _) = run(
        &[
            "cert",
            "export",
            &file,
            "--out",
            der_out.to_str().unwrap(),
            "--json",
        ],
        Some("Password"),
    );
    assert_eq!(code, 2);
    assert_eq!(json["error"]["code"], "alias_required");
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("dimona"));
    assert!(!der_out.exists());

    let (code, json, _) = run(
        &[
            "cert",
            "export",
            &file,
            "--alias",
            "fla-employer",
            "--out",
            der_out.to_str().unwrap(),
            "--json",
        ],
        Some("Password"),
    );
    assert_eq!(code, 0, "{json}");
    let der = std::fs::read(&der_out).unwrap();
    assert_eq!(der[0], 0x30, "DER starts with a SEQUENCE");
    use sha2::Digest;
    assert_eq!(
        fla_assistant::cert::facts::hex_upper(&sha2::Sha256::digest(&der)),
        "E192E51126EAE856294CDFCC0CEF5FA919DB305D4CE0F17248CC20BB8FDD282D"
    );
    assert_eq!(
        json["sha256"],
        "E192E51126EAE856294CDFCC0CEF5FA919DB305D4CE0F17248CC20BB8FDD282D"
    );

    let pem_out = dir.path().join("employer.pem");
    let (code, _, _) = run(
        &[
            "cert",
            "export",
            &file,
            "--alias",
            "fla-employer",
            "--out",
            pem_out.to_str().unwrap(),
            "--pem",
        ],
        Some("Password"),
    );
    assert_eq!(code, 0);
    let pem = std::fs::read_to_string(&pem_out).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    // The PEM export is the same certificate as the DER one.
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let from_pem = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    assert_eq!(from_pem, der);
    // And the workbench tells a certificate from a PKCS#12.
    assert_eq!(
        run(
            &["cert", "inspect", pem_out.to_str().unwrap(), "--json"],
            None
        )
        .1["error"]["code"],
        "not_pkcs12"
    );
}

#[test]
fn errors_without_json_go_to_stderr_with_their_code() {
    let (code, _, out) = run(
        &["cert", "inspect", &fixture("truncated.pfx")],
        Some("Password"),
    );
    assert_eq!(code, 2);
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[corrupt]") && err.contains("Copy it again"),
        "{err}"
    );

    let (code, json, _) = run(
        &["cert", "inspect", "/no/such/file.pfx", "--json"],
        Some("x"),
    );
    assert_eq!(code, 2);
    assert_eq!(json["error"]["code"], "unreadable");

    let (code, json, _) = run(
        &[
            "cert",
            "inspect",
            &fixture("expired.pfx"),
            "--now",
            "yesterday",
            "--json",
        ],
        Some("Password"),
    );
    assert_eq!(code, 2);
    assert_eq!(json["error"]["code"], "bad_time");
}

#[test]
fn messages_follow_the_language() {
    let file = fixture("openssl3-aes256.pfx");
    let out = Command::new(env!("CARGO_BIN_EXE_fla-assistant"))
        .args(["--lang", "nl", "cert", "inspect", &file, "--json"])
        .env("FLA_PFX_PASSWORD", "wrong")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["code"], "wrong_password");
    assert_eq!(
        json["error"]["message"],
        fla_assistant::i18n::tr(fla_assistant::i18n::Lang::Nl, "error.wrong_password")
    );
    assert_ne!(
        json["error"]["message"],
        fla_assistant::i18n::tr(fla_assistant::i18n::Lang::En, "error.wrong_password")
    );
}
