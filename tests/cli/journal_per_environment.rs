//! One journal per environment: a reference accepted by the sandbox is sent
//! (not "duplicate avoided") when it is declared in another environment, and
//! each environment's journal is its own file in the data folder.

use fla_test_support::cli as support;
// The declaration the library's tests send (it needs `certs` at the root).
use fla_test_support::sandbox as sandbox_support;

use std::path::Path;

use serde_json::Value;
use support::{certs, register, run, start_sim};

/// A declaration the sandbox accepts, in a file.
fn write_declaration(dir: &Path, reference: &str) -> String {
    let d = sandbox_support::declaration_json(reference, sandbox_support::KNOWN);
    let path = dir.join(format!("{reference}.json"));
    std::fs::write(&path, d.to_string()).unwrap();
    path.display().to_string()
}

#[test]
fn a_reference_accepted_in_the_sandbox_is_sent_in_another_environment() {
    // The app's data folder, with the sandbox running in it.
    let data = tempfile::tempdir().unwrap();
    let sandbox = start_sim(data.path());
    let sandbox_client = register(data.path(), &sandbox, &[]);
    // A second simulator stands for a server of another environment (custom
    // URLs); its own folder, so that the data folder's sandbox stays the first.
    let other_dir = tempfile::tempdir().unwrap();
    let other = start_sim(other_dir.path());
    let other_client = register(other_dir.path(), &other, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = write_declaration(data.path(), "ENV-1");

    let declare = |extra: &[&str], client_id: &str| -> (i32, Value) {
        let mut args = vec!["declare"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--client-id", client_id, "--pfx", &pfx, "--file", &file]);
        args.push("--json");
        run(data.path(), &args, "Password")
    };

    let (code, first) = declare(&["--env", "sandbox"], &sandbox_client);
    assert_eq!(code, 0, "{first}");
    assert_eq!(first["result"], "A", "{first}");
    assert_ne!(first["duplicate"], true, "{first}");

    let token_url = other.line["token_url"].as_str().unwrap();
    let api_base = other.line["api_base"].as_str().unwrap();
    let custom = [
        "--env",
        "custom",
        "--token-url",
        token_url,
        "--api-base",
        api_base,
    ];
    let (code, out) = declare(&custom, &other_client);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["result"], "A", "{out}");
    assert_ne!(
        out["duplicate"], true,
        "the sandbox's journal does not stand for the other server: {out}"
    );
    assert!(out["declarationId"].is_i64(), "{out}");

    // Each environment its own file; the sandbox keeps the name it had.
    assert!(data.path().join("declarations.sqlite").exists());
    assert!(data.path().join("declarations-custom.sqlite").exists());

    // In its own environment, the journal still avoids the duplicate.
    let (code, again) = declare(&custom, &other_client);
    assert_eq!(code, 0, "{again}");
    assert_eq!(again["duplicate"], true, "{again}");
    assert_eq!(again["declarationId"], out["declarationId"]);
}
