//! `submit` as a script runs it, against `sim`: a file's rows end with the
//! right counts and a report whose counts add up; a second run on the same
//! journal sends nothing new and reports the file's totals; a run killed in the
//! middle (SIGKILL) against a faulty server that does not refuse duplicate
//! references, then run again, leaves each reference on the server exactly once.

use fla_test_support::cli as support;

use std::collections::HashMap;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{certs, register, run, server_references, start_sim, start_sim_with};

const HEADER: &str = "externalReference,enterpriseNumber,ssin,trainingName,trainingType,startDate,endDate,durationValue,durationUnit,followed,certificateObtained,certificateValidUntil,countsForFla,providerEnterpriseNumber,jointCommittee";

/// What a row of the test file is meant to become.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Accepted,
    /// A worker the enterprise does not employ: `W` (FLA-WORKER-UNKNOWN).
    Warning,
    /// An SSIN whose check digits are wrong: refused locally, never sent.
    Invalid,
    /// A month 13: not a declaration at all.
    NotADeclaration,
}

/// A CSV of `n` rows, `kind(i)` for row i; `reference(i)` may be empty.
pub(crate) fn write_csv(
    dir: &Path,
    name: &str,
    n: usize,
    kind: impl Fn(usize) -> Kind,
    reference: impl Fn(usize) -> String,
) -> PathBuf {
    let today = time::OffsetDateTime::now_utc().date();
    let start = (today - time::Duration::days(3)).to_string();
    let end = (today - time::Duration::days(2)).to_string();
    let mut text = format!("{HEADER}\n");
    for i in 0..n {
        let (ssin, start) = match kind(i) {
            Kind::Accepted => ("85073003328", start.as_str()),
            Kind::Warning => ("17073003384", start.as_str()),
            Kind::Invalid => ("85073003329", start.as_str()),
            Kind::NotADeclaration => ("85073003328", "2025-13-01"),
        };
        text.push_str(&format!(
            "{},0403170701,{ssin},Excel {i},FORMAL,{start},{end},14,HOURS,true,,,true,,\n",
            reference(i)
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

pub(crate) fn submit_args<'a>(
    file: &'a str,
    client_id: &'a str,
    pfx: &'a str,
    journal: &'a str,
    report: &'a str,
) -> Vec<&'a str> {
    vec![
        "submit",
        file,
        "--client-id",
        client_id,
        "--pfx",
        pfx,
        "--journal",
        journal,
        "--report",
        report,
        "--json",
    ]
}

/// The report's rows: (row number, state, declarationId), and the counts per state.
pub(crate) fn read_report(path: &str) -> (Vec<HashMap<String, String>>, HashMap<String, u64>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    let mut counts = HashMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        let row: HashMap<String, String> = header
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_owned))
            .collect();
        *counts.entry(row["state"].clone()).or_insert(0) += 1;
        rows.push(row);
    }
    (rows, counts)
}

pub(crate) fn count(out: &Value, key: &str) -> u64 {
    out[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no {key} in {out}"))
}

#[test]
fn a_file_that_cannot_be_read_stops_before_anything_starts() {
    let data = tempfile::tempdir().unwrap();
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let bad = data.path().join("bad.csv");
    std::fs::write(&bad, "externalReference;ssin\nA;85073003328\n").unwrap();
    let journal = data.path().join("journal.sqlite");
    let (code, out) = run(
        data.path(),
        &[
            "submit",
            bad.to_str().unwrap(),
            "--client-id",
            "self_service_chaman_x",
            "--pfx",
            &pfx,
            "--journal",
            journal.to_str().unwrap(),
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "missing_columns", "{out}");
    assert!(
        out["error"]["message"]
            .as_str()
            .unwrap()
            .contains("enterpriseNumber"),
        "{out}"
    );
    assert!(!journal.exists(), "nothing started");
}

#[test]
fn a_file_ends_with_its_counts_and_a_second_run_sends_nothing_new() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim_with(data.path(), &["--processing-delay-ms", "100"]);
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let kind = |i: usize| match i {
        101 => Kind::NotADeclaration,
        i if i % 50 == 7 => Kind::Invalid,
        i if i % 20 == 0 => Kind::Warning,
        _ => Kind::Accepted,
    };
    // Row 3 has no reference: one is generated, once.
    let reference = |i: usize| {
        if i == 3 {
            String::new()
        } else {
            format!("S-{i:04}")
        }
    };
    let file = write_csv(data.path(), "rows.csv", 200, kind, reference);
    let file = file.to_str().unwrap();
    let journal = data.path().join("journal.sqlite");
    let journal = journal.to_str().unwrap();
    let report = data.path().join("report.csv");
    let report = report.to_str().unwrap();

    let (code, first) = run(
        data.path(),
        &submit_args(file, &client_id, &pfx, journal, report),
        "Password",
    );
    // Some rows are invalid: exit 1.
    assert_eq!(code, 1, "{first}");
    assert_eq!(count(&first, "total"), 200, "{first}");
    assert_eq!(count(&first, "accepted"), 185, "{first}");
    assert_eq!(count(&first, "warning"), 10, "{first}");
    assert_eq!(count(&first, "invalid"), 5, "{first}");
    assert_eq!(count(&first, "refused"), 0, "{first}");
    assert_eq!(count(&first, "failed"), 0, "{first}");
    assert!(first["seconds"].is_number(), "{first}");
    assert!(first["duplicates_avoided"].is_u64(), "{first}");

    let (rows, counts) = read_report(report);
    assert_eq!(rows.len(), 200);
    assert_eq!(counts.values().sum::<u64>(), 200);
    assert_eq!(counts.get("accepted"), Some(&185), "{counts:?}");
    assert_eq!(counts.get("warning"), Some(&10), "{counts:?}");
    assert_eq!(counts.get("invalid"), Some(&5), "{counts:?}");
    // Spreadsheet row numbers, in the file's order.
    assert_eq!(rows[0]["row"], "2");
    assert_eq!(rows[199]["row"], "201");
    let warning = &rows[20];
    assert_eq!(warning["externalReference"], "S-0020");
    assert_eq!(warning["result"], "W");
    assert!(
        warning["declarationId"].parse::<i64>().is_ok(),
        "{warning:?}"
    );
    assert!(warning["anomalyCodes"].contains("FLA-WORKER-UNKNOWN"));
    assert!(
        warning["anomalyMessages"].contains("not known"),
        "{warning:?}"
    );
    let invalid = &rows[7];
    assert_eq!(invalid["state"], "invalid");
    assert!(invalid["anomalyCodes"].contains("FLA-SSIN"), "{invalid:?}");
    assert_eq!(invalid["declarationId"], "");
    let not_a_declaration = &rows[101];
    assert_eq!(not_a_declaration["state"], "invalid");
    assert_eq!(not_a_declaration["errorCode"], "not_a_declaration");
    assert!(not_a_declaration["errorMessage"].contains("training.startDate"));
    let generated = rows[3]["externalReference"].clone();
    assert!(!generated.is_empty(), "{:?}", rows[3]);

    let held = server_references(&sim);
    assert_eq!(held.len(), 195, "{held:?}");
    assert!(held.values().all(|n| *n == 1), "{held:?}");

    // The same command again: the file's totals, nothing sent again.
    let (code, second) = run(
        data.path(),
        &submit_args(file, &client_id, &pfx, journal, report),
        "Password",
    );
    assert_eq!(code, 1, "{second}");
    for key in [
        "total", "accepted", "warning", "invalid", "refused", "failed",
    ] {
        assert_eq!(first[key], second[key], "{key}: {first} / {second}");
    }
    let (rows, _) = read_report(report);
    assert_eq!(rows[3]["externalReference"], generated);
    assert_eq!(server_references(&sim), held);

    // The same file under another name (as "rows (2).csv" is made), with a
    // new row without a reference put first: the row without a reference is
    // known by its content, not by its place or file, so only the new row is
    // sent.
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let inserted = lines[4].replace("Excel 3,", "Excel inserted,");
    assert_ne!(inserted, lines[4]);
    lines.insert(1, &inserted);
    let copy = data.path().join("rows (2).csv");
    std::fs::write(&copy, lines.join("\n") + "\n").unwrap();
    let (code, third) = run(
        data.path(),
        &submit_args(copy.to_str().unwrap(), &client_id, &pfx, journal, report),
        "Password",
    );
    assert_eq!(code, 1, "{third}");
    assert_eq!(count(&third, "total"), 201, "{third}");
    assert_eq!(count(&third, "accepted"), 186, "{third}");
    let (rows, _) = read_report(report);
    assert_eq!(rows[4]["externalReference"], generated, "{:?}", rows[4]);
    let now_held = server_references(&sim);
    assert_eq!(now_held.len(), held.len() + 1, "{now_held:?}");
    assert!(now_held.values().all(|n| *n == 1), "{now_held:?}");
    assert!(now_held.contains_key(&rows[0]["externalReference"]));
}

#[test]
fn the_duplicates_avoided_are_the_files_as_the_journal_knows_them() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim_with(data.path(), &["--processing-delay-ms", "0"]);
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = write_csv(
        data.path(),
        "dup.csv",
        12,
        |_| Kind::Accepted,
        |i| format!("D-{i:03}"),
    );
    let file = file.to_str().unwrap();
    let report = data.path().join("report.csv");
    let report = report.to_str().unwrap();
    // Declared once through another journal: the server holds every reference.
    let other = data.path().join("other.sqlite");
    let (code, out) = run(
        data.path(),
        &submit_args(file, &client_id, &pfx, other.to_str().unwrap(), report),
        "Password",
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(count(&out, "duplicates_avoided"), 0, "{out}");

    // A journal that does not know them: each POST meets a 409, nothing is
    // declared twice, and every row is a send avoided.
    let journal = data.path().join("journal.sqlite");
    let args = submit_args(file, &client_id, &pfx, journal.to_str().unwrap(), report);
    let (code, first) = run(data.path(), &args, "Password");
    assert_eq!(code, 0, "{first}");
    assert_eq!(count(&first, "accepted"), 12, "{first}");
    assert_eq!(count(&first, "duplicates_avoided"), 12, "{first}");
    let held = server_references(&sim);
    assert_eq!(held.len(), 12, "{held:?}");
    assert!(held.values().all(|n| *n == 1), "{held:?}");

    // The same command again sends nothing and reports the file's figure.
    let (code, second) = run(data.path(), &args, "Password");
    assert_eq!(code, 0, "{second}");
    assert_eq!(count(&second, "duplicates_avoided"), 12, "{second}");
    assert_eq!(server_references(&sim), held);
}

#[test]
fn the_report_runs_no_formula_a_reference_holds() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let references = [
        "=HYPERLINK(\"http://evil.example\",\"klik\")",
        "+CMD-1",
        "@SUM(A1)",
        "-1+2",
    ];
    let quoted = |i: usize| format!("\"{}\"", references[i].replace('"', "\"\""));
    let file = write_csv(data.path(), "formulas.csv", 4, |_| Kind::Accepted, quoted);
    let file = file.to_str().unwrap();
    let journal = data.path().join("journal.sqlite");
    let report = data.path().join("report.csv");
    let args = submit_args(
        file,
        &client_id,
        &pfx,
        journal.to_str().unwrap(),
        report.to_str().unwrap(),
    );
    let (_, out) = run(data.path(), &args, "Password");
    assert_eq!(count(&out, "total"), 4, "{out}");
    let (rows, _) = read_report(report.to_str().unwrap());
    let written: Vec<&str> = rows
        .iter()
        .map(|r| r["externalReference"].as_str())
        .collect();
    let expected: Vec<String> = references.iter().map(|r| format!("'{r}")).collect();
    assert_eq!(written, expected);
}

/// A representative without a mandate for the enterprise: the server refuses
/// each row, a finding (exit 1, `refused`) that sending again cannot change;
/// never "failed" with "run the same command again".
#[test]
fn rows_refused_for_want_of_a_mandate_are_refused_exit_1_not_failed() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(
        data.path(),
        &sim,
        &["--quality", "provider", "--mandate", "0202239951"],
    );
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let file = write_csv(
        data.path(),
        "rows.csv",
        3,
        |_| Kind::Accepted,
        |i| format!("M-{i}"),
    );
    let file = file.to_str().unwrap();
    let journal = data.path().join("journal.sqlite");
    let report = data.path().join("report.csv");
    let mut args = submit_args(
        file,
        &client_id,
        &pfx,
        journal.to_str().unwrap(),
        report.to_str().unwrap(),
    );
    args.extend(["--role", "provider"]);
    let (code, out) = run(data.path(), &args, "Password");
    assert_eq!(code, 1, "{out}");
    assert_eq!(count(&out, "refused"), 3, "{out}");
    assert_eq!(count(&out, "failed"), 0, "{out}");
    // The text output does not tell her to run it again.
    let text: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
    let ran = support::command(data.path(), &text, "Password")
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(1));
    let said = String::from_utf8_lossy(&ran.stdout);
    let again = fla_assistant::i18n::tr(fla_assistant::i18n::Lang::En, "submit.run_again");
    assert!(!said.contains(&again), "{said}");
}
