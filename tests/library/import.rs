//! The importer against files as HR offices export them: the shared fixtures
//! and their manifest (rows, refused rows and why, the first valid row's
//! declaration exactly), and files made here with other headers (EN/NL/FR,
//! abbreviated, saying nothing), orders, delimiters, encodings, extra columns,
//! and an XLSX with date cells. "Today" is fixed: no test reads the clock.

use std::path::PathBuf;

use fla_assistant::submit::import::{self, Field, FileFormat, ImportError, MappedBy, TextEncoding};
use serde_json::{json, Value};
use time::macros::date;
use time::Date;

/// After every fixture's trainings, before their certificates expire.
const TODAY: Date = date!(2025 - 11 - 01);

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name);
    std::fs::read(path).unwrap()
}

#[test]
fn the_fixtures_import_as_their_manifest_says() {
    let manifest: Value = serde_json::from_slice(&fixture("manifest.json")).unwrap();
    let entries = manifest.as_array().unwrap();
    assert_eq!(entries.len(), 3);
    for entry in entries {
        let file = entry["file"].as_str().unwrap();
        let imported = import::import(&fixture(file), &[], TODAY).unwrap();
        match (entry["delimiter"].as_str(), imported.format) {
            (None, FileFormat::Xlsx) => {}
            (
                Some(d),
                FileFormat::Csv {
                    delimiter,
                    encoding,
                },
            ) => {
                assert_eq!(d.as_bytes(), [delimiter], "{file}");
                let expected = match entry["encoding"].as_str().unwrap() {
                    "windows-1252" => TextEncoding::Windows1252,
                    "utf-8 with BOM" => TextEncoding::Utf8Bom,
                    other => panic!("{other}"),
                };
                assert_eq!(encoding, expected, "{file}");
            }
            other => panic!("{file}: {other:?}"),
        }
        assert_eq!(imported.rows.len() as u64, entry["rows"], "{file}");
        assert_eq!(imported.valid() as u64, entry["valid"], "{file}");
        // Every refused row, its fault and its reference, and no other.
        let refused: Vec<Value> = imported
            .rows
            .iter()
            .filter(|r| !r.is_valid())
            .map(|r| {
                assert_eq!(
                    r.problems.len(),
                    1,
                    "{file} row {}: {:?}",
                    r.row,
                    r.problems
                );
                json!({
                    "row": r.row,
                    "fault": r.problems[0].code,
                    "externalReference": r.reference,
                })
            })
            .collect();
        assert_eq!(Value::Array(refused), entry["invalid"], "{file}");
        let first = imported.rows.iter().find(|r| r.is_valid()).unwrap();
        assert_eq!(
            import::declaration_json(first.declaration.as_ref().unwrap()),
            entry["first_valid"],
            "{file}"
        );
        assert!(imported.mapping.ignored.is_empty(), "{file}");
    }
}

#[test]
fn the_dutch_fixture_is_mapped_by_its_headers_and_its_accents_survive() {
    let imported = import::import(&fixture("nl-excel-cp1252.csv"), &[], TODAY).unwrap();
    let m = &imported.mapping;
    let header = |f: Field| {
        m.fields
            .iter()
            .find(|x| x.field == f)
            .map(|x| x.header.as_str())
    };
    assert_eq!(header(Field::End), Some("Einddatum"));
    assert_eq!(header(Field::ValidUntil), Some("Attest geldig tot"));
    assert_eq!(header(Field::CertificateObtained), Some("Attest behaald"));
    assert_eq!(header(Field::Name), Some("Naam opleiding"));
    assert_eq!(header(Field::Type), Some("Type opleiding"));
    // Windows-1252 é, as Excel wrote it.
    let d = imported.rows[0].declaration.as_ref().unwrap();
    assert_eq!(d.training.name, "Néerlandais B1");
    // BE-prefixed and 9-digit enterprise numbers are the same employer.
    let third = imported.rows[2].declaration.as_ref().unwrap();
    assert_eq!(third.employer.enterprise_number, "0403170701");
    let fourth = imported.rows[3].declaration.as_ref().unwrap();
    assert_eq!(fourth.employer.enterprise_number, "0202239951");
}

/// A CSV of `rows` under `header`, joined by `d`.
fn csv(d: &str, header: &[&str], rows: &[&[&str]]) -> Vec<u8> {
    let mut text = header.join(d);
    for r in rows {
        text.push('\n');
        text.push_str(&r.join(d));
    }
    text.push('\n');
    text.into_bytes()
}

fn mapped(imported: &import::Import) -> Vec<(&'static str, String, MappedBy)> {
    imported
        .mapping
        .fields
        .iter()
        .map(|m| (m.field.name(), m.header.clone(), m.by))
        .collect()
}

#[test]
fn english_headers_in_another_order_with_commas_and_extra_columns() {
    let bytes = csv(
        ",",
        &[
            "Employee name",
            "SSIN",
            "Course",
            "Start date",
            "End date",
            // Partly a duration's words: the exact "Hours" wins.
            "Hours planned",
            "Hours",
            "Unit",
            "Type",
            "Enterprise number",
            "Followed",
            "Counts for FLA",
            "Reference",
            "Cost centre",
        ],
        &[&[
            "Jan Peeters",
            "85.07.30-033.28",
            "Excel advanced",
            "2025-03-03",
            "2025-03-04",
            "8",
            "\"7,5\"",
            "h",
            "Formal",
            "BE 0403.170.701",
            "yes",
            "yes",
            "HR-1",
            "CC-7",
        ]],
    );
    let imported = import::import(&bytes, &[], TODAY).unwrap();
    assert_eq!(
        imported.format,
        FileFormat::Csv {
            delimiter: b',',
            encoding: TextEncoding::Utf8
        }
    );
    assert_eq!(
        imported.mapping.ignored,
        vec!["Employee name", "Hours planned", "Cost centre"]
    );
    assert_eq!(imported.rows.len(), 1);
    let r = &imported.rows[0];
    assert!(r.is_valid(), "{:?}", r.problems);
    assert_eq!(
        import::declaration_json(r.declaration.as_ref().unwrap()),
        json!({
            "externalReference": "HR-1",
            "employer": {"enterpriseNumber": "0403170701"},
            "worker": {"ssin": "85073003328"},
            "training": {
                "name": "Excel advanced",
                "type": "FORMAL",
                "startDate": "2025-03-03",
                "endDate": "2025-03-04",
                "duration": {"value": 7.5, "unit": "HOURS"},
                "followed": true,
                "countsForFla": true
            }
        })
    );
}

#[test]
fn abbreviated_dutch_headers_with_tabs_and_a_unit_in_the_duration_header() {
    let bytes = csv(
        "\t",
        &[
            "Nr.",
            "KBO",
            "Rijksregisternummer",
            "Opleiding",
            "Soort",
            "Van",
            "Tot",
            "Duur (dagen)",
            "Gevolgd",
            "Attest",
            "Attest geldig tot",
            "Telt mee",
            "PC",
            "Aanbieder",
        ],
        &[
            &[
                "7",
                "0403.170.701",
                "85.07.30-033.28",
                "Heftruck",
                "Informeel",
                "3-3-2025",
                "04/03/2025",
                "2",
                "ja",
                "ja",
                "03/03/2028",
                "nee",
                "PC 200",
                "0202.239.951",
            ],
            // Empty where it may be; "tot" stays the end date.
            &[
                "8",
                "0403170701",
                "85073003328",
                "Heftruck",
                "Formeel",
                "05/03/2025",
                "",
                "1",
                "ja",
                "nee",
                "",
                "ja",
                "",
                "",
            ],
        ],
    );
    let imported = import::import(&bytes, &[], TODAY).unwrap();
    assert_eq!(
        imported.format,
        FileFormat::Csv {
            delimiter: b'\t',
            encoding: TextEncoding::Utf8
        }
    );
    let by_header: Vec<(&str, String)> = mapped(&imported)
        .into_iter()
        .map(|(f, h, _)| (f, h))
        .collect();
    assert_eq!(
        by_header,
        vec![
            ("externalReference", "Nr.".into()),
            ("enterpriseNumber", "KBO".into()),
            ("ssin", "Rijksregisternummer".into()),
            ("trainingName", "Opleiding".into()),
            ("trainingType", "Soort".into()),
            ("startDate", "Van".into()),
            ("endDate", "Tot".into()),
            ("durationValue", "Duur (dagen)".into()),
            ("followed", "Gevolgd".into()),
            ("certificateObtained", "Attest".into()),
            ("certificateValidUntil", "Attest geldig tot".into()),
            ("countsForFla", "Telt mee".into()),
            ("providerEnterpriseNumber", "Aanbieder".into()),
            ("jointCommittee", "PC".into()),
        ]
    );
    let first = &imported.rows[0];
    assert!(first.is_valid(), "{:?}", first.problems);
    let d = import::declaration_json(first.declaration.as_ref().unwrap());
    assert_eq!(
        d["training"]["duration"],
        json!({"value": 2, "unit": "DAYS"})
    );
    assert_eq!(d["training"]["type"], "INFORMAL");
    assert_eq!(d["training"]["startDate"], "2025-03-03");
    assert_eq!(
        d["training"]["certificate"],
        json!({"obtained": true, "validUntil": "2028-03-03"})
    );
    assert_eq!(d["training"]["countsForFla"], false);
    assert_eq!(d["training"]["jointCommittee"], "200");
    assert_eq!(d["training"]["providerEnterpriseNumber"], "0202239951");
    // The second row: its end date is missing, said as such, on row 3.
    let second = &imported.rows[1];
    assert_eq!(second.row, 3);
    assert!(second.declaration.is_none());
    let codes: Vec<(&str, &str)> = second.problems.iter().map(|p| (p.field, p.code)).collect();
    assert_eq!(codes, vec![("training.endDate", "missing_end_date")]);
}

#[test]
fn french_short_headers_with_pipes_and_windows_1252_bytes() {
    let text = String::from_utf8(csv(
        "|",
        &[
            "Réf.",
            "BCE",
            "NISS",
            "Formation",
            "Type",
            "Début",
            "Fin",
            "Durée",
            "Unité",
            "Suivi",
            "Compte",
        ],
        &[
            &[
                "R-1",
                "BE0403170701",
                "85073003328",
                "Sécurité é à ç",
                "Formelle",
                "03/03/2025",
                "03/03/2025",
                "3,25",
                "heures",
                "oui",
                "non",
            ],
            &[
                "R-2",
                "0403170701",
                "85073003328",
                "Sécurité",
                "Formelle",
                "03/03/2025",
                "03/03/2025",
                "3,3",
                "heures",
                "oui",
                "peut-être",
            ],
        ],
    ))
    .unwrap();
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    let imported = import::import(&bytes, &[], TODAY).unwrap();
    assert_eq!(
        imported.format,
        FileFormat::Csv {
            delimiter: b'|',
            encoding: TextEncoding::Windows1252
        }
    );
    assert_eq!(imported.mapping.fields.len(), 11);
    assert!(imported.mapping.ignored.is_empty());
    let first = &imported.rows[0];
    assert!(first.is_valid(), "{:?}", first.problems);
    let d = first.declaration.as_ref().unwrap();
    assert_eq!(d.training.name, "Sécurité é à ç");
    assert_eq!(d.training.duration.value, 3.25);
    assert!(!d.training.counts_for_fla);
    // A value that is neither yes nor no is said, with the cell as typed.
    let second = &imported.rows[1];
    assert!(second.declaration.is_none());
    let p = &second.problems[0];
    assert_eq!(
        (p.field, p.code, p.value.as_deref()),
        ("training.countsForFla", "not_yes_no", Some("peut-être"))
    );
    assert!(p
        .message(fla_assistant::i18n::Lang::Fr)
        .contains("peut-être"));
}

#[test]
fn columns_whose_headers_say_nothing_are_known_by_their_values() {
    let bytes = csv(
        ";",
        &[
            "Kolom1", "Kolom2", "Kolom3", "Kolom4", "Kolom5", "Kolom6", "Kolom7", "Kolom8",
            "Kolom9", "Kolom10", "Kolom11",
        ],
        &[
            &[
                "X-1",
                "0403.170.701",
                "85.07.30-033.28",
                "Coaching",
                "INFORMAL",
                "03/03/2025",
                "04/03/2025",
                "7,5",
                "uur",
                "ja",
                "ja",
            ],
            &[
                "X-2",
                "BE 0202.239.951",
                "85073003328",
                "Coaching",
                "formeel",
                "2025-03-05",
                "2025-03-05",
                "1",
                "dag",
                "nee",
                "ja",
            ],
        ],
    );
    // The name cannot be told from its values, nor which yes/no column is
    // which: the user says them.
    let forced = vec![
        import::parse_forced("trainingName=Kolom4").unwrap(),
        import::parse_forced("externalReference=A").unwrap(),
        import::parse_forced("followed=Kolom10").unwrap(),
        import::parse_forced("countsForFla=k").unwrap(),
    ];
    let imported = import::import(&bytes, &forced, TODAY).unwrap();
    let m = mapped(&imported);
    let by = |f: &str| m.iter().find(|x| x.0 == f).map(|x| (x.1.as_str(), x.2));
    assert_eq!(by("trainingName"), Some(("Kolom4", MappedBy::Forced)));
    // A column named by its letter.
    assert_eq!(by("externalReference"), Some(("Kolom1", MappedBy::Forced)));
    assert_eq!(by("ssin"), Some(("Kolom3", MappedBy::Values)));
    assert_eq!(by("enterpriseNumber"), Some(("Kolom2", MappedBy::Values)));
    assert_eq!(by("trainingType"), Some(("Kolom5", MappedBy::Values)));
    assert_eq!(by("startDate"), Some(("Kolom6", MappedBy::Values)));
    assert_eq!(by("endDate"), Some(("Kolom7", MappedBy::Values)));
    assert_eq!(by("durationUnit"), Some(("Kolom9", MappedBy::Values)));
    // A small number beside the unit's column.
    assert_eq!(by("durationValue"), Some(("Kolom8", MappedBy::Values)));
    assert_eq!(by("followed"), Some(("Kolom10", MappedBy::Forced)));
    // A column letter in lower case is the same column.
    assert_eq!(by("countsForFla"), Some(("Kolom11", MappedBy::Forced)));
    assert_eq!(imported.valid(), 2, "{:?}", imported.rows);
    let second = imported.rows[1].declaration.as_ref().unwrap();
    assert_eq!(
        second.training.duration.unit,
        fla_assistant::fla::wire::DurationUnit::Days
    );
    assert_eq!(second.employer.enterprise_number, "0202239951");

    // Without the forced columns, the file says what is missing and what it has.
    match import::import(&bytes, &[], TODAY) {
        Err(ImportError::MissingColumns { missing, headers }) => {
            assert_eq!(
                missing,
                vec![Field::Name, Field::Followed, Field::CountsForFla]
            );
            assert_eq!(headers.len(), 11);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_yes_no_column_is_never_taken_by_its_values_alone() {
    // Good headers but for the two yes/no columns: "followed" and "counts
    // for the FLA" look the same; a swap would declare wrongly, unseen.
    let header = [
        "externalReference",
        "enterpriseNumber",
        "ssin",
        "trainingName",
        "trainingType",
        "startDate",
        "endDate",
        "durationValue",
        "durationUnit",
        "Kolom10",
        "Kolom11",
        "Kolom12",
    ];
    let row: &[&str] = &[
        "R",
        "0403170701",
        "85073003328",
        "Excel",
        "FORMAL",
        "2025-03-03",
        "2025-03-03",
        "4",
        "HOURS",
        "nee",
        "ja",
        "ja",
    ];
    let bytes = csv(";", &header, &[row, row]);
    match import::import(&bytes, &[], TODAY) {
        Err(e @ ImportError::MissingColumns { .. }) => {
            let ImportError::MissingColumns { missing, .. } = &e else {
                unreachable!()
            };
            assert_eq!(missing, &vec![Field::Followed, Field::CountsForFla]);
            for lang in [
                fla_assistant::i18n::Lang::En,
                fla_assistant::i18n::Lang::Nl,
                fla_assistant::i18n::Lang::Fr,
            ] {
                let message = e.message(lang, "x.csv");
                assert!(message.contains("followed"), "{message}");
                assert!(message.contains("countsForFla"), "{message}");
                assert!(message.contains("--mapping"), "{message}");
            }
        }
        other => panic!("{other:?}"),
    }
    // Said, they are taken; the optional yes/no (certificate obtained) is
    // left out, not guessed from the third column.
    let forced = [
        import::parse_forced("followed=Kolom11").unwrap(),
        import::parse_forced("countsForFla=Kolom12").unwrap(),
    ];
    let imported = import::import(&bytes, &forced, TODAY).unwrap();
    assert_eq!(imported.mapping.column(Field::CertificateObtained), None);
    assert_eq!(imported.mapping.ignored, vec!["Kolom10"]);
    let d = imported.rows[0].declaration.as_ref().unwrap();
    assert!(d.training.followed);
    assert!(d.training.counts_for_fla);
}

#[test]
fn two_columns_with_a_header_a_field_would_take_are_refused() {
    let rest = [
        "Ondernemingsnummer",
        "Naam opleiding",
        "Type",
        "Begindatum",
        "Einddatum",
        "Duur",
        "Eenheid",
        "Gevolgd",
        "Telt mee voor FLA",
    ];
    let values: &[&str] = &[
        "85073003328",
        "85073003328",
        "0403170701",
        "Excel",
        "Formeel",
        "03/03/2025",
        "03/03/2025",
        "4",
        "uren",
        "ja",
        "ja",
    ];
    for twice in ["INSZ", "ssin", "Rijksregisternummer", "NISS "] {
        let mut header = vec![twice, twice];
        header.extend(rest);
        let bytes = csv(";", &header, &[values]);
        match import::import(&bytes, &[], TODAY) {
            Err(e @ ImportError::DuplicateColumn { .. }) => {
                assert_eq!(e.code(), "duplicate_column");
                let message = e.message(fla_assistant::i18n::Lang::En, "x.csv");
                assert!(message.contains(twice.trim()), "{message}");
            }
            other => panic!("{twice}: {other:?}"),
        }
        // The user says which: the other is ignored.
        let imported =
            import::import(&bytes, &[import::parse_forced("ssin=B").unwrap()], TODAY).unwrap();
        assert_eq!(imported.mapping.column(Field::Ssin), Some(1));
        assert_eq!(imported.valid(), 1);
    }
    // Two columns no field takes are no one's business.
    let mut header = vec!["INSZ", "Opmerking"];
    header.extend(rest);
    header.push("Opmerking");
    let mut row = vec![values[1], "x"];
    row.extend(&values[2..]);
    row.push("y");
    let bytes = csv(";", &header, &[&row]);
    assert_eq!(import::import(&bytes, &[], TODAY).unwrap().valid(), 1);
}

#[test]
fn a_field_mapped_twice_is_refused_and_letters_take_any_case() {
    let header = [
        "externalReference",
        "enterpriseNumber",
        "ssin",
        "trainingName",
        "trainingType",
        "startDate",
        "endDate",
        "durationValue",
        "durationUnit",
        "followed",
        "countsForFla",
    ];
    let row: &[&str] = &[
        "R",
        "0403170701",
        "85073003328",
        "Excel",
        "FORMAL",
        "2025-03-03",
        "2025-03-03",
        "4",
        "HOURS",
        "true",
        "true",
    ];
    let bytes = csv(",", &header, &[row]);
    for letter in ["c", "C"] {
        let forced = [import::parse_forced(&format!("ssin={letter}")).unwrap()];
        let imported = import::import(&bytes, &forced, TODAY).unwrap();
        assert_eq!(imported.mapping.column(Field::Ssin), Some(2), "{letter}");
    }
    let forced = [
        import::parse_forced("ssin=A").unwrap(),
        import::parse_forced("worker.ssin=C").unwrap(),
    ];
    match import::import(&bytes, &forced, TODAY) {
        Err(e) => {
            assert_eq!(e.code(), "bad_mapping");
            let message = e.message(fla_assistant::i18n::Lang::En, "x.csv");
            assert!(message.contains("ssin"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn random_bytes_are_not_a_csv_and_no_message_carries_control_characters() {
    // Bytes as a random file has them (fixed, so that the test is the same each run).
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let mut files = vec![bytes.clone()];
    // NUL bytes in what is otherwise text.
    files.push(b"ssin;trainingName\n\x00\x00\x00;\x00x\n".to_vec());
    for bytes in files {
        match import::import(&bytes, &[], TODAY) {
            Err(e) => {
                assert_eq!(e.code(), "bad_csv", "{e:?}");
                for lang in [
                    fla_assistant::i18n::Lang::En,
                    fla_assistant::i18n::Lang::Nl,
                    fla_assistant::i18n::Lang::Fr,
                ] {
                    let message = e.message(lang, "x.bin");
                    assert!(!message.chars().any(char::is_control), "{message:?}");
                    assert!(message.contains("x.bin"), "{message}");
                }
            }
            other => panic!("{other:?}"),
        }
    }
    // A header of control characters in a file that is text: the message
    // shows them escaped, not raw.
    let mut text = b"a\x07b;c\x1b[31m\n".to_vec();
    text.extend(b"x;y\n".repeat(20));
    let e = import::import(&text, &[], TODAY).unwrap_err();
    assert_eq!(e.code(), "missing_columns");
    let message = e.message(fla_assistant::i18n::Lang::En, "x.csv");
    assert!(!message.chars().any(char::is_control), "{message:?}");
}

#[test]
fn a_forced_mapping_wins_and_bad_ones_are_refused() {
    let header = [
        "externalReference",
        "enterpriseNumber",
        "ssin",
        "trainingName",
        "Omschrijving",
        "trainingType",
        "startDate",
        "endDate",
        "durationValue",
        "durationUnit",
        "followed",
        "countsForFla",
    ];
    let row: &[&str] = &[
        "R",
        "0403170701",
        "85073003328",
        "Excel",
        "Excel voor gevorderden",
        "FORMAL",
        "2025-03-03",
        "2025-03-03",
        "4",
        "HOURS",
        "true",
        "true",
    ];
    let bytes = csv(",", &header, &[row]);
    let imported = import::import(
        &bytes,
        &[import::parse_forced("trainingName=omschrijving").unwrap()],
        TODAY,
    )
    .unwrap();
    assert_eq!(
        imported.rows[0].declaration.as_ref().unwrap().training.name,
        "Excel voor gevorderden"
    );
    assert_eq!(imported.mapping.ignored, vec!["trainingName"]);
    assert!(matches!(
        import::parse_forced("ssin"),
        Err(ImportError::BadMapping { .. })
    ));
    assert!(matches!(
        import::parse_forced("worker=INSZ"),
        Err(ImportError::UnknownField { .. })
    ));
    assert_eq!(
        import::parse_forced("worker.ssin=INSZ").unwrap(),
        (Field::Ssin, Some("INSZ".into()))
    );
    match import::import(&bytes, &[import::parse_forced("ssin=INSZ").unwrap()], TODAY) {
        Err(ImportError::UnknownHeader { header, .. }) => assert_eq!(header, "INSZ"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rows_are_numbered_as_a_spreadsheet_numbers_them() {
    let header = "externalReference;enterpriseNumber;ssin;trainingName;trainingType;startDate;endDate;durationValue;durationUnit;followed;countsForFla";
    let row = |r: &str, name: &str| {
        format!("{r};0403170701;85073003328;{name};FORMAL;2025-03-03;2025-03-03;4;HOURS;true;true")
    };
    // CRLF, a blank line, a blank row of delimiters, a name over two lines.
    let text = format!(
        "{header}\r\n{}\r\n\r\n;;;;;;;;;;\r\n{}\r\n{}\r\n",
        row("A", "Excel"),
        row("B", "\"Excel\nvoor gevorderden\""),
        row("C", "Word"),
    );
    let imported = import::import(text.as_bytes(), &[], TODAY).unwrap();
    let rows: Vec<(usize, &str)> = imported
        .rows
        .iter()
        .map(|r| (r.row, r.reference.as_str()))
        .collect();
    assert_eq!(rows, vec![(2, "A"), (5, "B"), (6, "C")]);
    assert_eq!(
        imported.rows[1].declaration.as_ref().unwrap().training.name,
        "Excel\nvoor gevorderden"
    );
    // Excel's `sep=` line is row 1; the header row 2.
    let text = format!("sep=;\n{header}\n{}\n", row("A", "Excel"));
    let imported = import::import(text.as_bytes(), &[], TODAY).unwrap();
    assert_eq!(imported.mapping.header_row, 2);
    assert_eq!(imported.rows[0].row, 3);
    assert!(imported.rows[0].is_valid());
}

#[test]
fn an_xlsx_made_here_with_date_cells_a_title_row_and_numbers() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    sheet.write_string(0, 0, "Opleidingen 2025").unwrap();
    let headers = [
        "Opleiding",
        "INSZ",
        "Ondernemingsnummer",
        "Begindatum",
        "Einddatum",
        "Uren",
        "Formeel/informeel",
        "Gevolgd",
        "Telt mee",
        "Referentie",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let day = |d: u8| ExcelDateTime::from_ymd(2025, 3, d).unwrap();
    // Row 4: date cells, a number SSIN that lost its leading zero (born 2001),
    // a number enterprise, a boolean cell.
    sheet.write_string(3, 0, "Veiligheid").unwrap();
    sheet.write_number(3, 1, 1_030_300_177.0).unwrap();
    sheet.write_number(3, 2, 403_170_701.0).unwrap();
    sheet
        .write_datetime_with_format(3, 3, day(3), &date_format)
        .unwrap();
    sheet
        .write_datetime_with_format(3, 4, day(4), &date_format)
        .unwrap();
    sheet.write_number(3, 5, 7.5).unwrap();
    sheet.write_string(3, 6, "Formeel").unwrap();
    sheet.write_boolean(3, 7, true).unwrap();
    sheet.write_string(3, 8, "ja").unwrap();
    sheet.write_string(3, 9, "X-1").unwrap();
    // Row 5: serial days as plain numbers, an end before the start.
    sheet.write_string(4, 0, "Veiligheid").unwrap();
    sheet.write_string(4, 1, "85.07.30-033.28").unwrap();
    sheet.write_string(4, 2, "BE 0403.170.701").unwrap();
    sheet.write_number(4, 3, 45721.0).unwrap();
    sheet.write_number(4, 4, 45720.0).unwrap();
    sheet.write_number(4, 5, 2.0).unwrap();
    sheet.write_string(4, 6, "Informeel").unwrap();
    sheet.write_boolean(4, 7, true).unwrap();
    sheet.write_boolean(4, 8, true).unwrap();
    sheet.write_string(4, 9, "X-2").unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let imported = import::import(&bytes, &[], TODAY).unwrap();
    assert_eq!(imported.format, FileFormat::Xlsx);
    assert_eq!(imported.mapping.header_row, 3);
    assert_eq!(
        imported.mapping.implied_unit,
        Some(fla_assistant::fla::wire::DurationUnit::Hours)
    );
    assert_eq!(imported.rows.len(), 2);
    let first = &imported.rows[0];
    assert_eq!(first.row, 4);
    assert!(first.is_valid(), "{:?}", first.problems);
    assert_eq!(
        import::declaration_json(first.declaration.as_ref().unwrap()),
        json!({
            "externalReference": "X-1",
            "employer": {"enterpriseNumber": "0403170701"},
            "worker": {"ssin": "01030300177"},
            "training": {
                "name": "Veiligheid",
                "type": "FORMAL",
                "startDate": "2025-03-03",
                "endDate": "2025-03-04",
                "duration": {"value": 7.5, "unit": "HOURS"},
                "followed": true,
                "countsForFla": true
            }
        })
    );
    let second = &imported.rows[1];
    assert_eq!(second.row, 5);
    let d = second.declaration.as_ref().unwrap();
    assert_eq!(
        (d.training.start_date.as_str(), d.training.end_date.as_str()),
        ("2025-03-05", "2025-03-04")
    );
    let codes: Vec<&str> = second.problems.iter().map(|p| p.code).collect();
    assert_eq!(codes, vec!["end_before_start"]);
}

#[test]
fn the_templates_read_back_as_the_contracts_names() {
    for bytes in [import::template_csv(), import::template_xlsx().unwrap()] {
        let table = import::read_table(&bytes).unwrap();
        let mapping = import::map_table(&table, &[]).unwrap();
        assert_eq!(mapping.fields.len(), Field::ALL.len());
        assert!(mapping.fields.iter().all(|m| m.by == MappedBy::Name));
        assert_eq!(import::convert(&table, &mapping, TODAY).len(), 0);
    }
}

#[test]
fn files_that_are_not_declarations_say_why() {
    assert_eq!(import::import(b"", &[], TODAY), Err(ImportError::Empty));
    assert_eq!(
        import::import(b" \r\n\n", &[], TODAY),
        Err(ImportError::Empty)
    );
    assert!(matches!(
        import::import(b"PK\x03\x04not really a zip", &[], TODAY),
        Err(ImportError::Xlsx { .. })
    ));
    match import::import(b"Naam;Voornaam\nPeeters;Jan\n", &[], TODAY) {
        Err(e @ ImportError::MissingColumns { .. }) => {
            assert_eq!(e.code(), "missing_columns");
            let message = e.message(fla_assistant::i18n::Lang::Nl, "x.csv");
            assert!(message.contains("--mapping"), "{message}");
            assert!(message.contains("Naam | Voornaam"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
