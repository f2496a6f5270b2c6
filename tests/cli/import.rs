//! `submit FILE --dry-run` and `template` as a script runs them: the fixtures'
//! rows, refusals and first declaration in the JSON; a forced mapping; the exit
//! codes (0 all valid, 1 some invalid, 2 a file or a mapping that cannot be
//! used); no connection flags needed; and `submit` reading an office's own
//! spreadsheet and sending its valid rows to `sim`.

use fla_test_support::cli as support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{certs, register, run, start_sim};

/// Before any fixture certificate expires, after every fixture's trainings.
const NOW: &str = "2025-11-01T12:00:00Z";

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

fn dry_run(data: &Path, file: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["submit", file, "--dry-run", "--now", NOW, "--json"];
    args.extend_from_slice(extra);
    run(data, &args, "")
}

#[test]
fn dry_run_reports_the_fixtures_as_their_manifest_says() {
    let data = tempfile::tempdir().unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(fixture("manifest.json")).unwrap()).unwrap();
    for entry in manifest.as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let (code, out) = dry_run(data.path(), &fixture(file), &[]);
        assert_eq!(code, 1, "some rows are invalid: {out}");
        assert_eq!(out["total"], entry["rows"], "{file}");
        assert_eq!(out["valid"], entry["valid"], "{file}");
        let invalid: Vec<(u64, &str, &str)> = out["invalid"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                assert!(!i["message"].as_str().unwrap().is_empty());
                assert!(!i["field"].as_str().unwrap().is_empty());
                (
                    i["row"].as_u64().unwrap(),
                    i["externalReference"].as_str().unwrap(),
                    i["code"].as_str().unwrap(),
                )
            })
            .collect();
        let expected: Vec<(u64, &str, &str)> = entry["invalid"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["row"].as_u64().unwrap(),
                    i["externalReference"].as_str().unwrap(),
                    i["fault"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(invalid, expected, "{file}");
        let declarations = out["declarations"].as_array().unwrap();
        assert_eq!(declarations.len() as u64, entry["valid"], "{file}");
        assert_eq!(declarations[0], entry["first_valid"], "{file}");
        // Every field the files have is mapped, by a header of the file.
        let mapping = out["mapping"].as_object().unwrap();
        assert_eq!(mapping.len(), 13, "{file}: {out}");
        assert!(out["ignoredColumns"].as_array().unwrap().is_empty());
    }
    // The Dutch file's headers, as the mapping names them.
    let (_, out) = dry_run(data.path(), &fixture("nl-excel-cp1252.csv"), &[]);
    assert_eq!(out["mapping"]["ssin"], "INSZ");
    assert_eq!(out["mapping"]["endDate"], "Einddatum");
    assert_eq!(out["mapping"]["certificateValidUntil"], "Attest geldig tot");
    assert_eq!(out["encoding"], "windows-1252");
    assert_eq!(out["delimiter"], ";");
}

#[test]
fn a_forced_mapping_and_exit_codes() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("export.txt");
    // Tabs, an extra column, a header that says nothing for the name.
    std::fs::write(
        &file,
        "Nr.\tKBO\tINSZ\tKolom4\tSoort\tVan\tTot\tUren\tGevolgd\tTelt mee\tOpmerking\n\
         A-1\t0403.170.701\t85.07.30-033.28\tHeftruck\tFormeel\t3-3-2025\t04/03/2025\t7,5\tja\tja\tnvt\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let (code, out) = dry_run(data.path(), file, &[]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "missing_columns");
    assert!(
        out["error"]["message"]
            .as_str()
            .unwrap()
            .contains("trainingName"),
        "{out}"
    );

    let (code, out) = dry_run(data.path(), file, &["--mapping", "trainingName=Kolom4"]);
    assert_eq!(code, 0, "every row valid: {out}");
    assert_eq!(out["total"], 1);
    assert_eq!(out["valid"], 1);
    assert_eq!(out["mapping"]["trainingName"], "Kolom4");
    assert_eq!(out["mappedBy"]["trainingName"], "forced");
    assert_eq!(out["mapping"]["durationValue"], "Uren");
    assert_eq!(out["ignoredColumns"], serde_json::json!(["Opmerking"]));
    let d = &out["declarations"][0];
    assert_eq!(d["worker"]["ssin"], "85073003328");
    assert_eq!(d["training"]["duration"]["value"], 7.5);
    assert_eq!(d["training"]["duration"]["unit"], "HOURS");
    assert_eq!(d["training"]["startDate"], "2025-03-03");

    let (code, out) = dry_run(data.path(), file, &["--mapping", "trainingName=Titel"]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "unknown_column");
    let (code, out) = dry_run(data.path(), file, &["--mapping", "naam=Kolom4"]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "unknown_field");

    let (code, out) = dry_run(data.path(), "/no/such/file.csv", &[]);
    assert_eq!(code, 2, "{out}");
}

#[test]
fn dry_run_in_text_says_each_problem_and_that_nothing_was_sent() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(&*support::BIN)
        .args([
            "submit",
            &fixture("fr-utf8-bom.csv"),
            "--dry-run",
            "--now",
            NOW,
            "--lang",
            "fr",
        ])
        .env("FLA_DATA_DIR", data.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ssin : NISS (d'après son en-tête)"), "{text}");
    assert!(text.contains("Ligne 7 (PUB-0005)"), "{text}");
    assert!(text.contains("[duration_not_positive]"), "{text}");
    assert!(
        text.contains("20 lignes : 18 valables, 2 non valables."),
        "{text}"
    );
    assert!(text.contains("Rien n'a été envoyé"), "{text}");
}

#[test]
fn templates_are_written_and_read_back_empty() {
    let data = tempfile::tempdir().unwrap();
    for name in ["fla.csv", "fla.xlsx"] {
        let path = data.path().join(name);
        let path = path.to_str().unwrap();
        let (code, out) = run(data.path(), &["template", path, "--json"], "");
        assert_eq!(code, 0, "{out}");
        assert_eq!(out["columns"].as_array().unwrap().len(), 15);
        assert_eq!(out["columns"][2], "ssin");
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(bytes.starts_with(b"PK\x03\x04"), name.ends_with("xlsx"));
        let (code, out) = dry_run(data.path(), path, &[]);
        assert_eq!(code, 0, "{out}");
        assert_eq!(out["total"], 0);
        assert_eq!(out["mapping"].as_object().unwrap().len(), 15);
        assert!(out["mappedBy"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| v == "name"));
    }
    // In an office's words, each language read back column for column.
    for (lang, start) in [
        ("en", "Start date"),
        ("nl", "Begindatum"),
        ("fr", "Date de début"),
    ] {
        let path = data.path().join(format!("fla-{lang}.csv"));
        let path = path.to_str().unwrap();
        let (code, out) = run(
            data.path(),
            &["template", path, "--headers", lang, "--json"],
            "",
        );
        assert_eq!(code, 0, "{out}");
        assert_eq!(out["columns"][5], start, "{out}");
        let (code, out) = dry_run(data.path(), path, &[]);
        assert_eq!(code, 0, "{out}");
        assert_eq!(
            out["mapping"].as_object().unwrap().len(),
            15,
            "{lang}: {out}"
        );
    }
    // A language it does not know: usage, exit 2.
    let (code, _) = run(
        data.path(),
        &["template", "x.csv", "--headers", "de", "--json"],
        "",
    );
    assert_eq!(code, 2);
}

/// `template --service dimona`: a CSV and an XLSX, in the contract's names and
/// in each language's words, whose headers `dimona::import` reads back column
/// for column; without `--service` (or with `fla`) the FLA's template, byte
/// for byte and key for key as before.
#[test]
fn dimona_templates_are_written_and_read_back_and_the_flas_is_unchanged() {
    use fla_assistant::dimona::import::{self as dimona, Column};
    use fla_assistant::submit::import::{read_table, Cell};

    let data = tempfile::tempdir().unwrap();
    for (headers, ssin) in [
        ("contract", "ssin"),
        ("en", "Worker SSIN"),
        ("nl", "INSZ werknemer"),
        ("fr", "NISS travailleur"),
    ] {
        for ext in ["csv", "xlsx"] {
            let path = data.path().join(format!("dimona-{headers}.{ext}"));
            let path = path.to_str().unwrap();
            let (code, out) = run(
                data.path(),
                &[
                    "template",
                    path,
                    "--service",
                    "dimona",
                    "--headers",
                    headers,
                    "--json",
                ],
                "",
            );
            assert_eq!(code, 0, "{out}");
            assert_eq!(out["service"], "dimona", "{out}");
            assert_eq!(out["format"], ext, "{out}");
            let columns = out["columns"].as_array().unwrap();
            assert_eq!(columns.len(), Column::ALL.len(), "{out}");
            assert_eq!(columns[1], ssin, "{out}");
            let bytes = std::fs::read(path).unwrap();
            assert_eq!(bytes.starts_with(b"PK\x03\x04"), ext == "xlsx");
            let imported = dimona::import(&bytes).unwrap();
            assert!(imported.rows.is_empty(), "{headers} {ext}");
            assert!(imported.mapping.ignored.is_empty(), "{headers} {ext}");
            // Each column where the template put it.
            let in_order: Vec<(Column, usize)> = Column::ALL.into_iter().zip(0..).collect();
            assert_eq!(imported.mapping.columns, in_order, "{headers} {ext}");
        }
    }
    // In words, with the words of the command's language.
    let path = data.path().join("dimona.csv");
    let out = support::command(
        data.path(),
        &["template", path.to_str().unwrap(), "--service", "dimona"],
        "",
    )
    .env("FLA_LANG", "nl")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Dimona-sjabloon geschreven"), "{text}");
    assert!(text.contains("(11 kolommen)"), "{text}");

    // The FLA's, as it always was: the same bytes, the same keys, with or
    // without `--service fla`.
    let contract = "externalReference;enterpriseNumber;ssin;trainingName;trainingType;\
                    startDate;endDate;durationValue;durationUnit;followed;\
                    certificateObtained;certificateValidUntil;countsForFla;\
                    providerEnterpriseNumber;jointCommittee\r\n";
    for service in [None, Some("fla")] {
        for ext in ["csv", "xlsx"] {
            let path = data
                .path()
                .join(format!("fla-{}.{ext}", service.unwrap_or("default")));
            let path = path.to_str().unwrap();
            let mut args = vec!["template", path, "--json"];
            if let Some(service) = service {
                args.extend(["--service", service]);
            }
            let (code, out) = run(data.path(), &args, "");
            assert_eq!(code, 0, "{out}");
            let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["columns", "format", "path"], "{out}");
            let bytes = std::fs::read(path).unwrap();
            if ext == "csv" {
                assert_eq!(bytes, [b"\xEF\xBB\xBF", contract.as_bytes()].concat());
            }
            let table = read_table(&bytes).unwrap();
            assert_eq!(table.rows.len(), 1);
            let header: Vec<String> = table.rows[0].1.iter().map(Cell::display).collect();
            assert_eq!(header.join(";") + "\r\n", contract);
        }
    }
    // A service it does not know: usage, exit 2.
    let (code, _) = run(
        data.path(),
        &["template", "x.csv", "--service", "onss", "--json"],
        "",
    );
    assert_eq!(code, 2);
}

/// An office's own export, in Windows-1252 with semicolons and Dutch words,
/// dated relative to now so that the sandbox (on the real clock) takes it.
#[test]
fn submit_sends_the_valid_rows_of_an_offices_spreadsheet() {
    let data = tempfile::tempdir().unwrap();
    let sim = start_sim(data.path());
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let today = time::OffsetDateTime::now_utc().date();
    let day = |back: i64| {
        let d = today - time::Duration::days(back);
        format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
    };
    let mut text = String::from(
        "Referentie;INSZ;Ondernemingsnummer;Naam opleiding;Type;Begindatum;Einddatum;Duur;Eenheid;Gevolgd;Telt mee voor FLA\r\n",
    );
    for i in 0..6 {
        // Rows 4 and 6: a mistyped INSZ, and a month 13 (no declaration at all).
        let ssin = if i == 2 {
            "85.07.30-033.29"
        } else {
            "85.07.30-033.28"
        };
        let start = if i == 4 {
            "03/13/2025".to_owned()
        } else {
            day(3)
        };
        text.push_str(&format!(
            "IMP-{i};{ssin};BE 0403.170.701;Sécurité n°{i};Formeel;{start};{};3,5;uren;ja;ja\r\n",
            day(2)
        ));
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let file = data.path().join("export.csv");
    std::fs::write(&file, &bytes).unwrap();
    let journal = data.path().join("journal.sqlite");
    let report = data.path().join("report.csv");
    let (code, out) = run(
        data.path(),
        &[
            "submit",
            file.to_str().unwrap(),
            "--client-id",
            &client_id,
            "--pfx",
            &pfx,
            "--journal",
            journal.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 1, "two rows invalid: {out}");
    assert_eq!(out["total"], 6, "{out}");
    assert_eq!(out["invalid"], 2, "{out}");
    assert_eq!(
        out["accepted"].as_u64().unwrap() + out["warning"].as_u64().unwrap(),
        4,
        "{out}"
    );
    let report = std::fs::read_to_string(&report).unwrap();
    let invalid_rows: Vec<&str> = report
        .lines()
        .filter(|l| l.contains(",invalid,"))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(invalid_rows, vec!["4", "6"], "{report}");
}

/// A late declaration (FLA-LATE) is a warning: the row stays valid, the exit
/// code says nothing of it, the JSON and the text say it.
#[test]
fn dry_run_says_the_warnings_of_valid_rows() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("late.csv");
    // At NOW (2025-11-01): row 2 ended in March (due by 30 April: late),
    // row 3 in October (due by 31 January: on time).
    std::fs::write(
        &file,
        "externalReference;enterpriseNumber;ssin;trainingName;trainingType;startDate;endDate;durationValue;durationUnit;followed;countsForFla\n\
         LATE-1;0403170701;85073003328;Heftruck;FORMAL;2025-03-03;2025-03-04;7;HOURS;true;true\n\
         ON-TIME-1;0403170701;85073003328;Heftruck;FORMAL;2025-10-20;2025-10-21;7;HOURS;true;true\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let (code, out) = dry_run(data.path(), file, &[]);
    assert_eq!(code, 0, "a warning does not make a row invalid: {out}");
    assert_eq!(out["valid"], 2, "{out}");
    assert_eq!(out["invalid"], serde_json::json!([]), "{out}");
    let warnings = out["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{out}");
    let w = &warnings[0];
    assert_eq!(w["row"], 2);
    assert_eq!(w["externalReference"], "LATE-1");
    assert_eq!(w["field"], "training.endDate");
    assert_eq!(w["code"], "late");
    assert_eq!(w["anomaly"], "FLA-LATE");
    assert!(!w["message"].as_str().unwrap().is_empty());

    let text = Command::new(&*support::BIN)
        .args(["submit", file, "--dry-run", "--now", NOW, "--lang", "en"])
        .env("FLA_DATA_DIR", data.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Row 2 (LATE-1): warning"), "{text}");
    assert!(text.contains("[late]"), "{text}");
    assert!(!text.contains("ON-TIME-1"), "{text}");
}

/// What a reviewer met running `submit --dry-run` on files as they come:
/// yes/no columns whose headers say nothing, the same office header twice,
/// a column letter in lower case, a field mapped twice, a file of random bytes.
#[test]
fn dry_run_refuses_what_it_cannot_tell_and_says_why() {
    let data = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = data.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    // Two yes/no columns with headers that say nothing.
    let file = write(
        "kolom.csv",
        "Nr.;KBO;INSZ;Opleiding;Soort;Van;Tot;Uren;Kolom10;Kolom11\n\
         A-1;0403.170.701;85.07.30-033.28;Heftruck;Formeel;3-3-2025;04/03/2025;7,5;nee;ja\n"
            .as_bytes(),
    );
    let (code, out) = dry_run(data.path(), &file, &[]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "missing_columns");
    let message = out["error"]["message"].as_str().unwrap();
    assert!(message.contains("followed, countsForFla"), "{message}");
    assert!(message.contains("--mapping"), "{message}");
    let (code, out) = dry_run(
        data.path(),
        &file,
        &[
            "--mapping",
            "followed=i",
            "--mapping",
            "countsForFla=Kolom11",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["declarations"][0]["training"]["followed"], false);
    assert_eq!(out["declarations"][0]["training"]["countsForFla"], true);

    // The same office header twice.
    let file = write(
        "twice.csv",
        "INSZ;INSZ;KBO;Opleiding;Soort;Van;Tot;Uren;Gevolgd;Telt mee\n\
         85.07.30-033.28;85.07.30-033.28;0403.170.701;Heftruck;Formeel;3-3-2025;04/03/2025;7,5;ja;ja\n"
            .as_bytes(),
    );
    let (code, out) = dry_run(data.path(), &file, &[]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "duplicate_column");
    let (code, out) = dry_run(data.path(), &file, &["--mapping", "ssin=b"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["mapping"]["ssin"], "INSZ");
    let (code, out) = dry_run(
        data.path(),
        &file,
        &["--mapping", "ssin=A", "--mapping", "ssin=B"],
    );
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "bad_mapping");

    // Random bytes.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    let file = write("noise.csv", &noise);
    let (code, out) = dry_run(data.path(), &file, &[]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "bad_csv");
    let message = out["error"]["message"].as_str().unwrap();
    assert!(!message.chars().any(char::is_control), "{message:?}");
}
