//! Helpers for the command-line tests: run the binary, start `sim`, register a
//! certificate in its Chaman.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// Certificates made at test time (valid relative to now).
pub use crate::certs;

/// The app's binary, as Cargo built it for the tests: beside the test
/// binary's `deps` folder (`target/<profile>/fla-assistant`).
pub static BIN: std::sync::LazyLock<PathBuf> = std::sync::LazyLock::new(|| {
    let exe = std::env::current_exe().expect("the test binary's own path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("a test binary under target/<profile>/deps");
    profile.join(format!("fla-assistant{}", std::env::consts::EXE_SUFFIX))
});

pub fn fixture(name: &str) -> String {
    crate::project_dir()
        .join("tests/fixtures/pfx")
        .join(name)
        .display()
        .to_string()
}

/// A `sim` process, killed when dropped.
pub struct Sim {
    pub child: Child,
    pub line: Value,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_sim(data: &Path) -> Sim {
    start_sim_with(data, &[])
}

/// `sim` with extra flags (its modes), killed when dropped.
pub fn start_sim_with(data: &Path, extra: &[&str]) -> Sim {
    let mut child = Command::new(&*BIN)
        .arg("sim")
        .args(extra)
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

/// The binary with `args`, on data folder `data`, in English, with the PFX
/// password in the environment.
pub fn command(data: &Path, args: &[&str], password: &str) -> Command {
    let mut cmd = Command::new(&*BIN);
    cmd.args(args)
        .env("FLA_DATA_DIR", data)
        .env("FLA_LANG", "en")
        .env("FLA_PFX_PASSWORD", password)
        .stdin(Stdio::null());
    cmd
}

/// [`run`] started in the background: its stdout piped (its JSON), stderr dropped.
pub fn spawn(data: &Path, args: &[&str], password: &str) -> Child {
    command(data, args, password)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// [`command`] cut as a power cut would: the process aborts once the
/// `row`th row's `sending` is in the journal, before its request leaves
/// (debug builds honour `FLA_TEST_AFTER_SENDING`). Fails if it was not cut.
pub fn run_cut_after_sending(data: &Path, args: &[&str], password: &str, row: usize) {
    let cut = command(data, args, password)
        .env("FLA_TEST_AFTER_SENDING", format!("abort:{row}"))
        .output()
        .unwrap();
    assert!(
        cut.status.code().is_none_or(|c| c > 3),
        "the run was not cut: {}",
        String::from_utf8_lossy(&cut.stdout)
    );
}

/// `declare` with a token from the sandbox `sim` and the API at `api_base`.
pub fn declare_args<'a>(
    sim: &'a Sim,
    client_id: &'a str,
    pfx: &'a str,
    file: &'a str,
    api_base: &'a str,
) -> Vec<&'a str> {
    vec![
        "declare",
        "--env",
        "custom",
        "--token-url",
        sim.line["token_url"].as_str().unwrap(),
        "--api-base",
        api_base,
        "--client-id",
        client_id,
        "--pfx",
        pfx,
        "--file",
        file,
    ]
}

pub fn run(data: &Path, args: &[&str], password: &str) -> (i32, Value) {
    let out = command(data, args, password).output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), json)
}

pub fn register(data: &Path, sim: &Sim, extra: &[&str]) -> String {
    let cer = data.join("company.cer");
    let (code, _) = run(
        data,
        &[
            "cert",
            "export",
            &certs::fresh_arg("openssl3-aes256.pfx"),
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

/// A read-out of the sandbox's admin routes (`references`, `stats`).
pub fn admin_get(sim: &Sim, route: &str) -> Value {
    let url = format!("{}/{route}", sim.line["admin_url"].as_str().unwrap());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move { reqwest::get(url).await.unwrap().json().await.unwrap() })
}

/// The server's declarations per reference (the sandbox's admin read-out).
pub fn server_references(sim: &Sim) -> std::collections::HashMap<String, u64> {
    let body = admin_get(sim, "references");
    body["references"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|r| {
            (
                r["externalReference"].as_str().unwrap().to_owned(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A followed training that ended on `end` (and began the day before), in
/// the contract's JSON shape.
pub fn declaration_ending(reference: &str, end: time::Date) -> Value {
    serde_json::json!({
        "externalReference": reference,
        "employer": { "enterpriseNumber": "0403170701" },
        "worker": { "ssin": "85073003328" },
        "training": {
            "name": "Excel voor gevorderden",
            "type": "FORMAL",
            "startDate": end.previous_day().unwrap().to_string(),
            "endDate": end.to_string(),
            "duration": { "value": 14, "unit": "HOURS" },
            "followed": true,
            "countsForFla": true
        }
    })
}

/// A declaration that ended two days ago, changed by `edit`, written to
/// `dir` as `REFERENCE.json`: its path.
pub fn declaration_file_with(dir: &Path, reference: &str, edit: impl FnOnce(&mut Value)) -> String {
    let today = time::OffsetDateTime::now_utc().date();
    let mut d = declaration_ending(reference, today - time::Duration::days(2));
    edit(&mut d);
    let path = dir.join(format!("{reference}.json"));
    std::fs::write(&path, d.to_string()).unwrap();
    path.display().to_string()
}

/// [`declaration_file_with`] unchanged.
pub fn declaration_file(dir: &Path, reference: &str) -> String {
    declaration_file_with(dir, reference, |_| {})
}
