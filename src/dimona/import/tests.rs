use super::*;

const EMPLOYER: &str = "0403170701";
const SSIN: &str = "85073003328";

fn declaration(part: Parts) -> Declaration {
    Declaration {
        employer: wire::Employer {
            enterprise_number: EMPLOYER.into(),
        },
        worker: wire::Worker { ssin: SSIN.into() },
        dimona_in: part.dimona_in,
        dimona_out: part.dimona_out,
        dimona_update: part.dimona_update,
        dimona_cancel: part.dimona_cancel,
    }
}

fn dimona_in(start: &str, end: Option<&str>, jc: &str, kind: &str) -> wire::DimonaIn {
    wire::DimonaIn {
        start_date: start.into(),
        end_date: end.map(Into::into),
        features: wire::Features {
            joint_commission_number: jc.into(),
            worker_type: kind.into(),
        },
        planned_hours_number: None,
        student_place_of_work: None,
        start_hour: None,
        end_hour: None,
    }
}

fn an_in(i: wire::DimonaIn) -> Declaration {
    declaration(Parts {
        dimona_in: Some(i),
        ..Parts::default()
    })
}

fn an_out(period_id: i64, end: &str) -> Declaration {
    declaration(Parts {
        dimona_out: Some(wire::DimonaOut {
            period_id,
            end_date: end.into(),
        }),
        ..Parts::default()
    })
}

fn a_cancel(period_id: i64) -> Declaration {
    declaration(Parts {
        dimona_cancel: Some(wire::DimonaCancel { period_id }),
        ..Parts::default()
    })
}

/// A CSV's delimiter and encoding.
fn csv_of(imported: &DimonaImport) -> Option<(u8, file::TextEncoding)> {
    match imported.format {
        FileFormat::Csv {
            delimiter,
            encoding,
        } => Some((delimiter, encoding)),
        FileFormat::Xlsx => None,
    }
}

/// Each row's number and declaration, a row with issues failing the test.
fn valid(imported: &DimonaImport) -> Vec<(usize, Declaration)> {
    imported
        .rows
        .iter()
        .map(|r| match &r.declaration {
            Ok(d) => (r.row, d.clone()),
            Err(issues) => panic!("row {}: {issues:?}", r.row),
        })
        .collect()
}

#[test]
fn an_english_csv_gives_each_part_as_the_wire_shapes_it() {
    let text = "\
employer,ssin,part,startDate,endDate,PC,workerType,plannedHoursNumber,startHour,endHour,periodId,Notes
0403.170.701,85.07.30-033.28,in,2026-12-07,2026-12-08,200,OTH,,,,,first day
BE 0403 170 701,85073003328,Out,,2026-12-31,,,,,,123456,
0403170701,850730 033 28,update,2026-12-08,,,,20,,,123 456,
0403170701,85073003328,cancel,,,,,,,,123456,

0403170701,85073003328,,2026-12-07,,PC 302,flexi,,08:00,1730,,
0403170701,85073003328,IN,07/12/2026,,xxx,stu,20 uren,,,,
";
    let imported = import(text.as_bytes()).unwrap();
    assert_eq!(csv_of(&imported).map(|(d, _)| d), Some(b','));
    assert_eq!(imported.mapping.header_row, 1);
    assert_eq!(imported.mapping.columns.len(), 11);
    assert_eq!(imported.mapping.ignored, vec!["Notes".to_owned()]);
    let flexi = wire::DimonaIn {
        start_hour: Some("0800".into()),
        end_hour: Some("1730".into()),
        ..dimona_in("2026-12-07", None, "302", "FLX")
    };
    let student = wire::DimonaIn {
        planned_hours_number: Some(20),
        ..dimona_in("2026-12-07", None, "XXX", "STU")
    };
    let update = declaration(Parts {
        dimona_update: Some(wire::DimonaUpdate {
            period_id: 123456,
            start_date: Some("2026-12-08".into()),
            end_date: None,
            planned_hours_number: Some(20),
            start_hour: None,
            end_hour: None,
        }),
        ..Parts::default()
    });
    assert_eq!(
        valid(&imported),
        vec![
            (
                2,
                an_in(dimona_in("2026-12-07", Some("2026-12-08"), "200", "OTH"))
            ),
            (3, an_out(123456, "2026-12-31")),
            (4, update),
            (5, a_cancel(123456)),
            // The blank line 6 is no row, and counts as a line.
            (7, an_in(flexi)),
            (8, an_in(student)),
        ]
    );
    for (_, d) in valid(&imported) {
        assert!(d.part().is_some());
    }
}

#[test]
fn a_dutch_csv_from_excel_with_belgian_dates() {
    // Excel's "CSV" on a Belgian Windows: Windows-1252 and semicolons.
    let text = "\
Werkgever;Rijksregisternummer;Soort;Begindatum;Einddatum;Paritair comité;Type werknemer;Uren;Periode
0403.170.701;85.07.30-033.28;in dienst;07/12/2026;7-12-2026;PC 200;OTH;;
0403.170.701;85.07.30-033.28;uit;;31.12.2026;;;;42
";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let imported = import(&bytes).unwrap();
    assert_eq!(
        csv_of(&imported),
        Some((b';', file::TextEncoding::Windows1252))
    );
    assert_eq!(imported.mapping.column(Column::JointCommittee), Some(5));
    assert!(imported.mapping.ignored.is_empty());
    assert_eq!(
        valid(&imported),
        vec![
            (
                2,
                an_in(dimona_in("2026-12-07", Some("2026-12-07"), "200", "OTH"))
            ),
            (3, an_out(42, "2026-12-31")),
        ]
    );
}

#[test]
fn a_french_csv_with_its_own_words() {
    let text = "\u{feff}Employeur\tNISS\tType de déclaration\tDate de début\tDate de fin\tCP\tType de travailleur\tHeures\tHeure de début\tHeure de fin\tPériode\r\n\
0403.170.701\t85.07.30-033.28\tentrée\t07/12/2026\t\t200\tétudiant\t12\t8h30\t17u\t\r\n\
0403.170.701\t85.07.30-033.28\tannulation\t\t\t\t\t\t\t\t7\r\n";
    let imported = import(text.as_bytes()).unwrap();
    assert_eq!(
        csv_of(&imported),
        Some((b'\t', file::TextEncoding::Utf8Bom))
    );
    assert_eq!(imported.mapping.column(Column::Start), Some(3));
    assert_eq!(imported.mapping.column(Column::StartHour), Some(8));
    assert_eq!(imported.mapping.column(Column::PlannedHours), Some(7));
    let student = wire::DimonaIn {
        planned_hours_number: Some(12),
        start_hour: Some("0830".into()),
        end_hour: Some("1700".into()),
        ..dimona_in("2026-12-07", None, "200", "STU")
    };
    assert_eq!(
        valid(&imported),
        vec![(2, an_in(student)), (3, a_cancel(7))]
    );
}

#[test]
fn an_xlsx_with_date_cells_numbers_and_a_title_row() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let time = Format::new().set_num_format("hh:mm");
    sheet.write_string(0, 0, "Dimona december 2026").unwrap();
    for (c, h) in template_headers_in(Headers::In(Lang::Nl))
        .iter()
        .enumerate()
    {
        sheet.write_string(2, c as u16, h).unwrap();
    }
    let day = |d: u8| ExcelDateTime::from_ymd(2026, 12, d).unwrap();
    // Row 4: an SSIN and an enterprise as numbers (leading zero lost), a
    // date cell, a number joint committee and hours, a time cell.
    sheet.write_number(3, 0, 403_170_701.0).unwrap();
    sheet.write_number(3, 1, 85_073_003_328.0).unwrap();
    sheet.write_string(3, 2, "in").unwrap();
    sheet
        .write_datetime_with_format(3, 3, day(7), &date)
        .unwrap();
    sheet.write_number(3, 5, 200.0).unwrap();
    sheet.write_string(3, 6, "FLX").unwrap();
    sheet.write_number(3, 7, 4.0).unwrap();
    sheet.write_string(3, 8, "0800").unwrap();
    sheet.write_number_with_format(3, 9, 0.75, &time).unwrap();
    // Row 5: an Out, its end a serial day, its period a number.
    sheet.write_string(4, 0, "0403.170.701").unwrap();
    sheet.write_string(4, 1, "85.07.30-033.28").unwrap();
    sheet.write_string(4, 2, "out").unwrap();
    sheet.write_number(4, 4, 46_387.0).unwrap();
    sheet.write_number(4, 10, 98_765.0).unwrap();
    // Row 6: an end as a date cell, a period as text.
    sheet.write_string(5, 0, "0403.170.701").unwrap();
    sheet.write_string(5, 1, "85.07.30-033.28").unwrap();
    sheet.write_string(5, 2, "out").unwrap();
    sheet
        .write_datetime_with_format(5, 4, day(31), &date)
        .unwrap();
    sheet.write_string(5, 10, "98765").unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let imported = import_owned(bytes).unwrap();
    assert_eq!(imported.format, FileFormat::Xlsx);
    assert_eq!(imported.mapping.header_row, 3);
    let flexi = wire::DimonaIn {
        planned_hours_number: Some(4),
        start_hour: Some("0800".into()),
        end_hour: Some("1800".into()),
        ..dimona_in("2026-12-07", None, "200", "FLX")
    };
    assert_eq!(
        valid(&imported),
        vec![
            (4, an_in(flexi)),
            (5, an_out(98765, "2026-12-31")),
            (6, an_out(98765, "2026-12-31")),
        ]
    );
}

#[test]
fn a_bad_ssin_and_unreadable_values_are_the_rows_issues() {
    let text = "\
enterpriseNumber;ssin;part;startDate;endDate;jointCommissionNumber;workerType;startHour;periodId
0403.170.701;85.07.30-033.28;in;07/12/2026;;200;OTH;;
0403.170.701;85.07.30-033.29;in;07/12/2026;;200;OTH;;
0403.170.702;85.07.30-033.28;in;31/02/2026;;200;OTH;25:00;
0403.170.701;85.07.30-033.28;out;;;;;;12a
0403.170.701;85.07.30-033.28;later;;;;;;
";
    let imported = import(text.as_bytes()).unwrap();
    let rows = &imported.rows;
    assert_eq!(rows.len(), 5);
    assert!(rows[0].declaration.is_ok());
    let issues = |i: usize| -> Vec<(Column, &str, Option<String>)> {
        let row: &DimonaRow = &rows[i];
        row.declaration
            .as_ref()
            .unwrap_err()
            .iter()
            .map(|p| (p.column, p.code, p.value.clone()))
            .collect()
    };
    assert_eq!(rows[1].row, 3);
    assert_eq!(
        issues(1),
        vec![(
            Column::Ssin,
            "ssin_checksum",
            Some("85.07.30-033.29".into())
        )]
    );
    assert_eq!(
        issues(2),
        vec![
            (
                Column::Enterprise,
                "enterprise_checksum",
                Some("0403.170.702".into())
            ),
            (Column::Start, "not_a_date", Some("31/02/2026".into())),
            (Column::StartHour, "not_an_hour", Some("25:00".into())),
        ]
    );
    assert_eq!(
        issues(3),
        vec![
            (Column::PeriodId, "not_a_period", Some("12a".into())),
            (Column::End, "missing_value", None),
        ]
    );
    assert_eq!(
        issues(4),
        vec![(Column::Part, "not_a_part", Some("later".into()))]
    );
    // Said in each language, naming the column in its words.
    let bad_ssin = &rows[1].declaration.as_ref().unwrap_err()[0];
    for (lang, column, reason) in [
        (Lang::En, "Worker SSIN", "check digits"),
        (Lang::Nl, "INSZ werknemer", "controlecijfers"),
        (Lang::Fr, "NISS travailleur", "chiffres de contrôle"),
    ] {
        let text = bad_ssin.message(lang);
        assert!(text.contains(column), "{text}");
        assert!(text.contains("85.07.30-033.29"), "{text}");
        assert!(text.contains(reason), "{text}");
    }
    let missing_end = &rows[3].declaration.as_ref().unwrap_err()[1];
    assert!(missing_end.message(Lang::Nl).contains("Einddatum"));
    assert!(missing_end.message(Lang::Fr).contains("Dimona out"));
    for issue in rows
        .iter()
        .flat_map(|r| r.declaration.as_ref().err())
        .flatten()
    {
        for lang in Lang::ALL {
            let text = issue.message(lang);
            assert!(
                !text.contains("dimona.import") && !text.contains('{'),
                "{text}"
            );
        }
    }
}

#[test]
fn a_missing_column_is_one_error_that_names_it_and_its_words() {
    let err =
        import(b"employer;startDate;PC;workerType\n0403.170.701;07/12/2026;200;OTH\n").unwrap_err();
    assert_eq!(err.code(), "missing_columns");
    let DimonaImportError::MissingColumns { missing, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        missing,
        &vec![MissingColumn {
            column: Column::Ssin,
            parts: Vec::new()
        }]
    );
    let text = err.message(Lang::En, "staff.csv");
    for said in [
        "staff.csv",
        "Worker SSIN",
        "ssin",
        "insz",
        "niss",
        "employer | startDate",
    ] {
        assert!(text.contains(said), "{said}: {text}");
    }
    assert!(err
        .message(Lang::Nl, "staff.csv")
        .contains("INSZ werknemer"));
    assert!(err
        .message(Lang::Fr, "staff.csv")
        .contains("NISS travailleur"));

    // Without a part column every row is an In: its columns are needed.
    let err =
        import(b"employer;ssin;startDate\n0403.170.701;85073003328;07/12/2026\n").unwrap_err();
    let DimonaImportError::MissingColumns { missing, .. } = &err else {
        panic!("{err:?}");
    };
    let columns: Vec<Column> = missing.iter().map(|m| m.column).collect();
    assert_eq!(columns, vec![Column::JointCommittee, Column::WorkerType]);
    // Only outs: the period and the end, not what an In needs.
    let err = import(b"employer;ssin;part\n0403.170.701;85073003328;out\n").unwrap_err();
    let DimonaImportError::MissingColumns { missing, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        missing,
        &vec![
            MissingColumn {
                column: Column::End,
                parts: vec![Part::Out]
            },
            MissingColumn {
                column: Column::PeriodId,
                parts: vec![Part::Out]
            },
        ]
    );
    assert!(err.message(Lang::En, "f.csv").contains("Dimona out rows"));

    // Two columns with the header a column would take: which one is
    // meant cannot be told.
    let err = import(b"ssin;SSIN;employer\n").unwrap_err();
    assert_eq!(err.code(), "duplicate_column");
    // What the FLA's reading refuses is refused the same.
    assert_eq!(import(b"").unwrap_err().code(), "empty_file");
}

#[test]
fn the_templates_are_read_back_column_for_column() {
    for headers in [
        Headers::Contract,
        Headers::In(Lang::En),
        Headers::In(Lang::Nl),
        Headers::In(Lang::Fr),
    ] {
        let names = template_headers_in(headers);
        if let Headers::In(_) = headers {
            assert!(names.iter().zip(Column::ALL).all(|(h, c)| h != c.name()));
        }
        let csv = template_csv_in(headers);
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        let xlsx = template_xlsx_in(headers).unwrap();
        let in_order: Vec<(Column, usize)> = Column::ALL.into_iter().zip(0..).collect();
        for bytes in [csv, xlsx] {
            let imported = import(&bytes).unwrap();
            assert!(imported.rows.is_empty());
            assert!(
                imported.mapping.ignored.is_empty(),
                "{headers:?}: {names:?}"
            );
            assert_eq!(imported.mapping.columns, in_order, "{headers:?}: {names:?}");
        }
    }
}

#[test]
fn hours_are_read_as_typed() {
    let t = |s: &str| read_hour(&Cell::Text(s.into()));
    for (typed, wire) in [
        ("0800", "0800"),
        ("800", "0800"),
        ("8", "0800"),
        ("08:00", "0800"),
        ("8:00:00", "0800"),
        ("8u30", "0830"),
        ("17h", "1700"),
        ("23.59", "2359"),
    ] {
        assert_eq!(t(typed), Ok(wire.to_owned()), "{typed}");
    }
    for typed in ["2400", "8:5", "08:60", "huit", "8:00pm", "12345"] {
        assert!(t(typed).is_err(), "{typed}");
    }
    assert_eq!(read_hour(&Cell::Number(0.5)), Ok("1200".into()));
    assert_eq!(read_hour(&Cell::Number(930.0)), Ok("0930".into()));
    assert!(read_hour(&Cell::Number(60.0)).is_err());
}
