//! `submit FILE --dry-run` on what a big or careless file holds: a reference
//! given to two workers (`reference_conflict`, naming the first row), the same
//! row twice (`duplicate_row`, a warning), the declarations written as JSON
//! Lines (`--declarations-out`), and a file of more than 10,000 valid rows whose
//! JSON leaves the declarations out unless `--include-declarations` asks.

use fla_test_support::cli as support;

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

const NOW: &str = "2025-11-01T12:00:00Z";
const HEADER: &str = "externalReference;enterpriseNumber;ssin;trainingName;trainingType;startDate;endDate;durationValue;durationUnit;followed;countsForFla";

fn row(reference: &str, ssin: &str) -> String {
    format!("{reference};0403170701;{ssin};VCA;FORMAL;2025-10-06;2025-10-07;14;HOURS;true;true")
}

/// Runs `submit FILE --dry-run --json` with `extra`: the exit code, the JSON and stderr.
fn dry_run(data: &Path, file: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = Command::new(&*support::BIN)
        .args([
            "submit",
            file.to_str().unwrap(),
            "--dry-run",
            "--now",
            NOW,
            "--json",
        ])
        .args(extra)
        .env("FLA_DATA_DIR", data)
        .env("FLA_LANG", "en")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(data: &Path, name: &str, lines: &[String]) -> std::path::PathBuf {
    let file = data.join(name);
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn one_reference_for_two_workers_is_a_conflict_naming_the_first_row() {
    let data = tempfile::tempdir().unwrap();
    let file = write(
        data.path(),
        "course.csv",
        &[
            HEADER.to_owned(),
            row("VCA-2026", "85073003328"),
            row("VCA-2026", "71072665211"),
            row("VCA-2027", "71072665211"),
        ],
    );
    let (code, out, _) = dry_run(data.path(), &file, &[]);
    assert_eq!(code, 1, "a row is held back: {out}");
    assert_eq!(out["total"], 3);
    assert_eq!(out["valid"], 2);
    assert_eq!(out["invalidRows"], 1);
    let invalid = out["invalid"].as_array().unwrap();
    assert_eq!(invalid.len(), 1, "{out}");
    assert_eq!(invalid[0]["row"], 3);
    assert_eq!(invalid[0]["code"], "reference_conflict");
    assert_eq!(invalid[0]["field"], "externalReference");
    assert_eq!(invalid[0]["externalReference"], "VCA-2026");
    let message = invalid[0]["message"].as_str().unwrap();
    assert!(message.contains("row 2"), "{message}");
    assert!(message.contains("its own reference"), "{message}");
    // The first row keeps the reference and is declared; the second is not.
    let declarations = out["declarations"].as_array().unwrap();
    assert_eq!(declarations.len(), 2);
    assert_eq!(declarations[0]["worker"]["ssin"], "85073003328");
    assert_eq!(declarations[1]["externalReference"], "VCA-2027");
}

#[test]
fn the_same_row_twice_is_a_warning_not_a_conflict() {
    let data = tempfile::tempdir().unwrap();
    let file = write(
        data.path(),
        "twice.csv",
        &[
            HEADER.to_owned(),
            row("VCA-2026", "85073003328"),
            row("VCA-2026", "85073003328"),
        ],
    );
    let (code, out, _) = dry_run(data.path(), &file, &[]);
    assert_eq!(code, 0, "a duplicate is not invalid: {out}");
    assert_eq!(out["invalidRows"], 0);
    assert!(out["invalid"].as_array().unwrap().is_empty(), "{out}");
    let warnings = out["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{out}");
    assert_eq!(warnings[0]["code"], "duplicate_row");
    assert_eq!(warnings[0]["row"], 3);
    let message = warnings[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Row 3") && message.contains("row 2"),
        "{message}"
    );

    // Rows without a reference are known by their content: the same again
    // is a duplicate, another worker is another declaration.
    let file = write(
        data.path(),
        "no-reference.csv",
        &[
            HEADER.to_owned(),
            row("", "85073003328"),
            row("", "71072665211"),
            row("", "85073003328"),
        ],
    );
    let (code, out, _) = dry_run(data.path(), &file, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["valid"], 3);
    let warnings = out["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{out}");
    assert_eq!(warnings[0]["row"], 4);
}

#[test]
fn declarations_out_writes_json_lines() {
    let data = tempfile::tempdir().unwrap();
    let file = write(
        data.path(),
        "rows.csv",
        &[
            HEADER.to_owned(),
            row("A-1", "85073003328"),
            row("A-2", "85073003329"),
            row("A-3", "71072665211"),
        ],
    );
    let jsonl = data.path().join("out.jsonl");
    let (code, out, _) = dry_run(
        data.path(),
        &file,
        &["--declarations-out", jsonl.to_str().unwrap()],
    );
    assert_eq!(code, 1, "A-2's SSIN is wrong: {out}");
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["externalReference"], "A-1");
    assert_eq!(lines[1]["externalReference"], "A-3");
    assert_eq!(lines, out["declarations"].as_array().unwrap().clone());
    // Streamed or kept, the JSON is the same.
    let (_, streamed, _) = dry_run(data.path(), &file, &["--include-declarations"]);
    assert_eq!(streamed, out);
}

#[test]
fn over_ten_thousand_valid_rows_the_declarations_are_asked_for() {
    let data = tempfile::tempdir().unwrap();
    let mut lines = vec![HEADER.to_owned()];
    lines.extend((0..10_001).map(|i| row(&format!("R-{i}"), "85073003328")));
    let file = write(data.path(), "big.csv", &lines);

    let (code, out, stderr) = dry_run(data.path(), &file, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["valid"], 10_001);
    assert!(out.get("declarations").is_none(), "left out");
    assert_eq!(out["declarationsOmitted"], true);
    assert!(stderr.contains("--include-declarations"), "{stderr}");
    assert!(stderr.contains("--declarations-out"), "{stderr}");

    let (code, out, _) = dry_run(data.path(), &file, &["--include-declarations"]);
    assert_eq!(code, 0);
    assert!(out.get("declarationsOmitted").is_none());
    let declarations = out["declarations"].as_array().unwrap();
    assert_eq!(declarations.len(), 10_001);
    assert_eq!(declarations[10_000]["externalReference"], "R-10000");
    assert_eq!(out["total"], 10_001);
}
