//! Exactly once, whatever the user does, as a script runs the command line
//! against `sim`: two runs at once on one journal (one refuses, never both
//! send), a reference taken by another declaration (held back, said), the same
//! row twice (declared once), one journal per server (a declaration sent to one
//! server is not taken as sent to another), and answers lost on a slow server
//! that keeps duplicates (no reference stored twice).

use fla_test_support::cli as support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::submit::{count, read_report, submit_args, write_csv, Kind};
use serde_json::Value;
use support::{
    certs, declaration_file, declare_args, register, run, server_references, spawn, start_sim_with,
    Sim,
};

const HEADER: &str = "externalReference,enterpriseNumber,ssin,trainingName,trainingType,startDate,endDate,durationValue,durationUnit,followed,certificateObtained,certificateValidUntil,countsForFla,providerEnterpriseNumber,jointCommittee";

/// Workers of the enterprise (valid SSINs).
const WORKER_A: &str = "85073003328";
const WORKER_B: &str = "17073003384";

/// A CSV row: reference, worker, training name (dates a few days ago).
fn csv(dir: &Path, name: &str, rows: &[(&str, &str, &str)]) -> PathBuf {
    let today = time::OffsetDateTime::now_utc().date();
    let start = (today - time::Duration::days(3)).to_string();
    let end = (today - time::Duration::days(2)).to_string();
    let mut text = format!("{HEADER}\n");
    for (reference, ssin, training) in rows {
        text.push_str(&format!(
            "{reference},0403170701,{ssin},{training},FORMAL,{start},{end},14,HOURS,true,,,true,,\n"
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `n` rows of worker A, references PREFIX-0000…, a training each.
fn numbered_csv(dir: &Path, name: &str, prefix: &str, n: usize) -> PathBuf {
    let rows: Vec<(String, String)> = (0..n)
        .map(|i| (format!("{prefix}-{i:04}"), format!("Excel {i}")))
        .collect();
    let borrowed: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(r, t)| (r.as_str(), WORKER_A, t.as_str()))
        .collect();
    csv(dir, name, &borrowed)
}

/// The report's rows by row number.
fn report_rows(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let row: HashMap<String, String> = header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect();
            (row["row"].clone(), row)
        })
        .collect()
}

fn submit<'a>(file: &'a str, client_id: &'a str, pfx: &'a str, journal: &'a str) -> Vec<&'a str> {
    vec![
        "submit",
        file,
        "--client-id",
        client_id,
        "--pfx",
        pfx,
        "--journal",
        journal,
        "--json",
    ]
}

/// (The longest test of the command line: first in its binary's order, so
/// that the others run beside it.)
#[test]
fn a_run_killed_in_the_middle_then_run_again_declares_each_reference_once() {
    const N: usize = 1000;
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim_with(
        data.path(),
        &[
            "--fault-rate",
            "0.1",
            "--drop-after-commit-rate",
            "0.05",
            "--accept-duplicates",
            "--processing-delay-ms",
            "50",
            "--stall-ms",
            "300",
        ],
    );
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = write_csv(
        data.path(),
        "many.csv",
        N,
        |_| Kind::Accepted,
        |i| format!("K-{i:05}"),
    );
    let file = file.to_str().unwrap();
    let journal = data.path().join("journal.sqlite");
    let journal = journal.to_str().unwrap();
    let report = data.path().join("report.csv");
    let report = report.to_str().unwrap();
    let mut args = submit_args(file, &client_id, &pfx, journal, report);
    // The sim processes in 50 ms: an answer lost is looked up after 3 s,
    // not the sandbox's default 30.
    args.extend(["--unknown-wait", "3"]);

    let mut child = spawn(data.path(), &args, "Password");
    // Kill it once the server holds a good part of the file, not all of it.
    let started = Instant::now();
    loop {
        let held = server_references(&sim).len();
        if held >= N / 4 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "submit ended before it was killed ({held} held)"
        );
        assert!(started.elapsed() < Duration::from_secs(120), "{held} held");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let held_at_kill = server_references(&sim).len();
    assert!(held_at_kill < N, "killed too late: {held_at_kill} held");

    // Run again until nothing is left to send (a row may fail six times in a
    // row against this server; it is sent again by the next run).
    let mut last = Value::Null;
    for _ in 0..3 {
        let (code, out) = run(data.path(), &args, "Password");
        eprintln!("killed at {held_at_kill} held; run again: exit {code}, {out}");
        last = out;
        if code == 0 {
            break;
        }
        assert_eq!(code, 3, "{last}");
    }
    assert_eq!(count(&last, "total"), N as u64, "{last}");
    assert_eq!(count(&last, "accepted"), N as u64, "{last}");

    let held = server_references(&sim);
    assert_eq!(held.len(), N, "references held");
    let twice: Vec<_> = held.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "held more than once: {twice:?}");

    let (rows, counts) = read_report(report);
    assert_eq!(rows.len(), N);
    assert_eq!(counts.values().sum::<u64>(), N as u64);
    assert_eq!(counts.get("accepted"), Some(&(N as u64)), "{counts:?}");
    let ids: std::collections::HashSet<&String> =
        rows.iter().map(|r| &r["declarationId"]).collect();
    assert_eq!(ids.len(), N, "one server id per row");
}

#[test]
fn two_runs_at_once_on_one_journal_never_both_send() {
    const N: usize = 100;
    let data = tempfile::tempdir().unwrap();
    // A server that does not refuse repeated references (a second sender
    // would declare every row twice), and takes its time to process: the
    // first run is still at work when the second starts.
    let sim = start_sim_with(
        data.path(),
        &["--accept-duplicates", "--processing-delay-ms", "8000"],
    );
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = numbered_csv(data.path(), "rows.csv", "TWICE", N);
    let journal = data.path().join("journal.sqlite");
    let (file, journal) = (file.to_str().unwrap(), journal.to_str().unwrap());
    let args = submit(file, &client_id, &pfx, journal);

    let first = spawn(data.path(), &args, "Password");
    // Started and sending: the first run holds the journal.
    let started = Instant::now();
    while server_references(&sim).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "never sent");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The same command again (a double click on a scheduled task).
    let (code, second) = run(data.path(), &args, "Password");
    assert_eq!(code, 2, "{second}");
    assert_eq!(second["error"]["code"], "journal_in_use", "{second}");
    let message = second["error"]["message"].as_str().unwrap();
    assert!(message.contains("a submit"), "{message}");
    assert!(message.contains("close the app"), "{message}");

    let out = first.wait_with_output().unwrap();
    let first: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{first}");
    let held = server_references(&sim);
    assert_eq!(held.len(), N);
    assert!(held.values().all(|n| *n == 1), "a reference declared twice");

    // Once the first has ended, the second goes on and sends nothing new.
    let (code, again) = run(data.path(), &args, "Password");
    assert_eq!(code, 0, "{again}");
    assert_eq!(again["accepted"], N as u64, "{again}");
    assert_eq!(server_references(&sim), held);
}

#[test]
fn a_reference_means_one_declaration_in_a_file_and_against_the_journal() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim_with(data.path(), &["--processing-delay-ms", "50"]);
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    // The course code as the reference: two workers under one reference.
    let file = csv(
        data.path(),
        "course.csv",
        &[
            ("VCA-2026", WORKER_A, "VCA"),
            ("VCA-2026", WORKER_B, "VCA"),
            ("VCA-2026", WORKER_A, "VCA"),
            ("OTHER-1", WORKER_A, "Excel"),
        ],
    );
    let journal = data.path().join("journal.sqlite");
    let report = data.path().join("report.csv");
    let (file, journal, report_arg) = (
        file.to_str().unwrap(),
        journal.to_str().unwrap(),
        report.to_str().unwrap(),
    );
    let mut args = submit(file, &client_id, &pfx, journal);
    args.extend(["--report", report_arg]);
    let (code, out) = run(data.path(), &args, "Password");
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["invalid"], 1, "{out}");
    assert_eq!(
        out["accepted"].as_u64().unwrap() + out["warning"].as_u64().unwrap(),
        3
    );
    assert_eq!(out["duplicates_avoided"], 1, "{out}");
    let rows = report_rows(&report);
    // Row 3 (another worker under row 2's reference) is held back, named.
    assert_eq!(rows["3"]["state"], "invalid");
    assert_eq!(rows["3"]["anomalyCodes"], "reference_conflict");
    assert!(
        rows["3"]["anomalyMessages"].contains("row 2 of course.csv"),
        "{:?}",
        rows["3"]
    );
    // Row 4 repeats row 2: declared once, said.
    assert_eq!(rows["4"]["errorCode"], "duplicate_row");
    assert_eq!(rows["4"]["declarationId"], rows["2"]["declarationId"]);
    assert_eq!(server_references(&sim)["VCA-2026"], 1);

    // Another file, the same reference for a third training: the journal's
    // declaration holds it.
    let other = csv(
        data.path(),
        "later.csv",
        &[("VCA-2026", WORKER_B, "VCA refresher")],
    );
    let mut args = submit(other.to_str().unwrap(), &client_id, &pfx, journal);
    args.extend(["--report", report_arg]);
    let (code, out) = run(data.path(), &args, "Password");
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["invalid"], 1, "{out}");
    let rows = report_rows(&report);
    assert_eq!(rows["2"]["anomalyCodes"], "reference_conflict");
    assert_eq!(server_references(&sim)["VCA-2026"], 1);
    // Run again: the same held-back row, nothing new in the journal or sent.
    let (code, again) = run(data.path(), &args, "Password");
    assert_eq!(code, 1, "{again}");
    assert_eq!(again["total"], 1, "{again}");
    assert_eq!(server_references(&sim)["VCA-2026"], 1);
}

#[test]
fn a_declaration_sent_to_one_server_is_not_taken_as_sent_to_another() {
    let (a_dir, b_dir, data) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let a = start_sim_with(a_dir.path(), &["--processing-delay-ms", "50"]);
    let b = start_sim_with(b_dir.path(), &["--processing-delay-ms", "50"]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = declaration_file(data.path(), "PER-SERVER-1");
    let declare = |sim: &Sim, client_id: &str| {
        let api_base = sim.line["api_base"].as_str().unwrap();
        let mut args = declare_args(sim, client_id, &pfx, &file, api_base);
        args.push("--json");
        run(data.path(), &args, "Password")
    };
    let client_a = register(a_dir.path(), &a, &[]);
    let client_b = register(b_dir.path(), &b, &[]);
    let (code, out) = declare(&a, &client_a);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["duplicate"], false, "{out}");
    // The same file to another server: sent there, not answered from A's row.
    let (code, out) = declare(&b, &client_b);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["duplicate"], false, "{out}");
    assert_eq!(server_references(&b)["PER-SERVER-1"], 1);
    assert_eq!(server_references(&a)["PER-SERVER-1"], 1);
    // Both in the one journal of the custom environment, each its server's.
    assert!(data.path().join("declarations-custom.sqlite").exists());
    // A again: its own row, a duplicate, nothing sent.
    let (code, out) = declare(&a, &client_a);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["duplicate"], true, "{out}");
    assert_eq!(server_references(&a)["PER-SERVER-1"], 1);
}

#[test]
fn answers_lost_on_a_slow_server_that_keeps_duplicates_store_no_reference_twice() {
    const N: usize = 40;
    let data = tempfile::tempdir().unwrap();
    // Processing takes 4 s (a search lists a declaration only then), 30% of
    // the answers are lost after the commit, repeated references are kept.
    let sim = start_sim_with(
        data.path(),
        &[
            "--processing-delay-ms",
            "4000",
            "--drop-after-commit-rate",
            "0.3",
            "--accept-duplicates",
            "--seed",
            "16",
        ],
    );
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = numbered_csv(data.path(), "slow.csv", "SLOW", N);
    let journal = data.path().join("journal.sqlite");
    let (file, journal) = (file.to_str().unwrap(), journal.to_str().unwrap());
    // The window the user gives: longer than the server's processing.
    let mut args = submit(file, &client_id, &pfx, journal);
    args.extend(["--unknown-wait", "10"]);
    let (code, out) = run(data.path(), &args, "Password");
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["accepted"], N as u64, "{out}");
    assert!(
        out["duplicates_avoided"].as_u64().unwrap() > 0,
        "no answer was lost: {out}"
    );
    let held = server_references(&sim);
    assert_eq!(held.len(), N);
    let twice: Vec<_> = held.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
}

/// A sandbox that keeps repeated references (a row sent blindly a second time
/// would be stored twice), `n` rows to it, and `submit`'s arguments sending
/// them one at a time with a window of 2 s: the data folder, the sandbox, the
/// journal and the arguments.
fn one_at_a_time_to_a_server_keeping_duplicates(
    prefix: &str,
    n: usize,
) -> (tempfile::TempDir, Sim, PathBuf, Vec<String>) {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim_with(
        data.path(),
        &["--processing-delay-ms", "200", "--accept-duplicates"],
    );
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = numbered_csv(data.path(), &format!("{prefix}.csv"), prefix, n);
    let journal = data.path().join("journal.sqlite");
    let mut args: Vec<String> = submit(
        file.to_str().unwrap(),
        &client_id,
        &pfx,
        journal.to_str().unwrap(),
    )
    .into_iter()
    .map(str::to_owned)
    .collect();
    args.extend(["--concurrency", "1", "--unknown-wait", "2"].map(str::to_owned));
    (data, sim, journal, args)
}

#[test]
fn a_power_cut_between_the_commit_and_the_request_sends_each_row_once() {
    const N: usize = 12;
    let (data, sim, journal, args) = one_at_a_time_to_a_server_keeping_duplicates("CUT", N);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // The power goes when the 5th row's `sending` is in the journal, before
    // its request leaves.
    support::run_cut_after_sending(data.path(), &args, "Password", 5);
    let db = rusqlite::Connection::open(&journal).unwrap();
    let sending: Vec<String> = db
        .prepare("SELECT reference FROM declarations WHERE state = 'sending'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(db);
    let held = server_references(&sim);
    let never_left: Vec<&String> = sending.iter().filter(|r| !held.contains_key(*r)).collect();
    assert!(
        !never_left.is_empty(),
        "no row was cut between its commit and its request: sending {sending:?}, server {held:?}"
    );

    // Run again: every row declared, none twice, the cut one sent once; the
    // look-up it waits for first is said on stderr, not silent.
    let again = support::command(data.path(), &args, "Password")
        .output()
        .unwrap();
    let code = again.status.code().unwrap_or(-1);
    let out: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(
        said.contains("looked up on the server before anything is sent again"),
        "{said}"
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["accepted"], N as u64, "{out}");
    let held = server_references(&sim);
    assert_eq!(held.len(), N, "{held:?}");
    let twice: Vec<_> = held.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
}

#[test]
fn a_bug_in_a_worker_ends_the_run_with_internal_and_loses_nothing() {
    const N: usize = 8;
    let (data, sim, _, args) = one_at_a_time_to_a_server_keeping_duplicates("BUG", N);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // The 3rd row's worker panics after its `sending` is committed (debug
    // builds honour the variable): the run ends, it does not wait for it.
    let started = Instant::now();
    let out = support::command(data.path(), &args, "Password")
        .env("FLA_TEST_AFTER_SENDING", "panic:3")
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(out.status.code(), Some(3), "{json}");
    assert_eq!(json["error"]["code"], "internal", "{json}");
    assert!(started.elapsed() < Duration::from_secs(60));

    // Run again: every row declared once.
    let (code, out) = run(data.path(), &args, "Password");
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["accepted"], N as u64, "{out}");
    let held = server_references(&sim);
    assert_eq!(held.len(), N, "{held:?}");
    assert!(held.values().all(|n| *n == 1), "{held:?}");
}
