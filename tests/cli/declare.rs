//! `declare` and `declarations search` as scripts run them: exit 0 for A or W,
//! 1 when refused (locally before sending, or for want of a mandate), 2 for a
//! file that is not a declaration.

use fla_test_support::cli as support;

use serde_json::{json, Value};
use support::{certs, declaration_file_with, register, run, start_sim};

#[test]
fn declare_then_search() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let declare = |file: &str| {
        run(
            data.path(),
            &[
                "declare",
                "--env",
                "sandbox",
                "--client-id",
                &client_id,
                "--pfx",
                &pfx,
                "--file",
                file,
                "--json",
            ],
            "Password",
        )
    };

    let (code, out) = declare(&declaration_file_with(data.path(), "CLI-A", |_| {}));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["result"], "A");
    assert!(out["declarationId"].is_i64());
    assert_eq!(out["anomalies"], json!([]));

    // The same file again: the journal knows it, nothing is sent twice.
    let (code, again) = declare(&declaration_file_with(data.path(), "CLI-A", |_| {}));
    assert_eq!(code, 0, "{again}");
    assert_eq!(again["duplicate"], true, "{again}");
    assert_eq!(again["declarationId"], out["declarationId"]);
    assert_eq!(again["result"], "A");
    assert!(
        data.path().join("declarations.sqlite").exists(),
        "declare writes the app's journal"
    );

    let (code, out) = declare(&declaration_file_with(data.path(), "CLI-W", |d| {
        d["worker"]["ssin"] = json!("17073003384")
    }));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["result"], "W");
    assert_eq!(out["anomalies"][0]["code"], "FLA-WORKER-UNKNOWN");
    assert_eq!(out["anomalies"][0]["severity"], "WARNING");
    assert!(out["anomalies"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not known"));

    // A blocking rule refuses it before anything is sent.
    let (code, out) = declare(&declaration_file_with(data.path(), "CLI-B", |d| {
        d["worker"]["ssin"] = json!("85073003329")
    }));
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["result"], "B");
    assert_eq!(out["declarationId"], Value::Null);
    assert_eq!(out["anomalies"][0]["code"], "FLA-SSIN");
    assert_eq!(out["anomalies"][0]["field"], "worker.ssin");

    // The reference of an earlier declaration, for other content (another
    // worker): held back before anything is sent, a local refusal naming the
    // conflict (exit 1), never "run it again".
    let (code, out) = declare(&declaration_file_with(data.path(), "CLI-A", |d| {
        d["worker"]["ssin"] = json!("17073003384")
    }));
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["result"], "B", "{out}");
    assert_eq!(out["refusedLocally"], true, "{out}");
    assert_eq!(out["declarationId"], Value::Null);
    assert_eq!(out["anomalies"][0]["code"], "reference_conflict", "{out}");
    assert_eq!(out["anomalies"][0]["field"], "externalReference");

    // Not a declaration at all.
    let (code, out) = declare(&declaration_file_with(data.path(), "CLI-X", |d| {
        d["training"]["startDate"] = json!("2025-13-01")
    }));
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "not_a_declaration");
    assert!(out["error"]["message"]
        .as_str()
        .unwrap()
        .contains("training.startDate"));

    let (code, out) = run(
        data.path(),
        &[
            "declarations",
            "search",
            "--client-id",
            &client_id,
            "--pfx",
            &pfx,
            "--enterprise",
            "BE 0403.170.701",
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["count"], 2);
    let refs: Vec<&str> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["externalReference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, vec!["CLI-A", "CLI-W"]);
    assert_eq!(out["items"][1]["declarationStatus"]["result"], "W");
}

#[test]
fn a_provider_without_mandate_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(
        data.path(),
        &sim,
        &["--quality", "provider", "--mandate", "0202239951"],
    );
    let file = declaration_file_with(data.path(), "CLI-M", |_| {});
    let (code, out) = run(
        data.path(),
        &[
            "declare",
            "--client-id",
            &client_id,
            "--pfx",
            &certs::fresh_arg("openssl3-aes256.pfx"),
            "--role",
            "provider",
            "--file",
            &file,
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["error"]["code"], "no_mandate");
    let message = out["error"]["message"].as_str().unwrap();
    assert!(message.contains("MAHIS"), "{message}");
    // The enterprise it is about, and the trace id the service desk asks for.
    assert!(
        message.starts_with("You hold no mandate for enterprise 0403170701:"),
        "{message}"
    );
    assert!(
        out["error"]["traceId"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{out}"
    );
}

/// A custom environment missing one of its URLs is a configuration to fix:
/// exit 2 both, said before anything is sent.
#[test]
fn a_custom_environment_missing_a_url_is_bad_input_exit_2() {
    let data = tempfile::tempdir().unwrap();
    let file = support::declaration_file(data.path(), "X-1");
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let common = [
        "declare",
        "--env",
        "custom",
        "--client-id",
        "self_service_chaman_1_abcdefghij",
        "--pfx",
        pfx.as_str(),
        "--file",
        file.as_str(),
        "--json",
    ];
    // No API base (a token URL on a port where nothing listens: never asked).
    let mut args = common.to_vec();
    args.extend(["--token-url", "http://127.0.0.1:9/REST/oauth/v5/token"]);
    let (code, out) = run(data.path(), &args, certs::PASSWORD);
    assert_eq!(
        (code, out["error"]["code"].as_str()),
        (2, Some("no_api_base")),
        "{out}"
    );
    // No token URL.
    let mut args = common.to_vec();
    args.extend(["--api-base", "http://127.0.0.1:9/api"]);
    let (code, out) = run(data.path(), &args, certs::PASSWORD);
    assert_eq!(
        (code, out["error"]["code"].as_str()),
        (2, Some("missing_token_url")),
        "{out}"
    );
}
