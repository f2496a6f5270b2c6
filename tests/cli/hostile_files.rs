//! Files made to hurt, as the importer meets them: workbooks whose parts lie
//! about their sizes, pack like a zip bomb, claim billions of texts or cells
//! far beyond a sheet, and CSVs with an endless cell, row or column count.
//! Each is refused with its code and a sentence for an HR user, before
//! memory follows the claim; a cell far out but within a sheet is read in
//! memory that follows the data. Files are made here, at test time.

use fla_test_support::cli as support;

use std::io::{Read, Write};

use fla_assistant::i18n::Lang;
use fla_assistant::submit::import::{self, Cell, ImportError, XlsxRefusal};

fn today() -> time::Date {
    time::macros::date!(2025 - 11 - 01)
}

/// A small workbook of a header and one row, as Excel-like tools write it.
fn workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["externalReference", "ssin", "enterpriseNumber"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "R-1").unwrap();
    sheet.write_string(1, 1, "85073003328").unwrap();
    sheet.write_string(1, 2, "0403170701").unwrap();
    book.save_to_buffer().unwrap()
}

/// The workbook's parts, by name.
fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut part = zip.by_index(i).unwrap();
            let mut content = Vec::new();
            part.read_to_end(&mut content).unwrap();
            (part.name().unwrap().into_owned(), content)
        })
        .collect()
}

/// A workbook made of `parts`, deflated.
fn zipped(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, content) in parts {
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The workbook with one part's text changed.
fn with_part(name: &str, change: impl Fn(String) -> String) -> Vec<u8> {
    let mut all = parts(&workbook());
    let part = all.iter_mut().find(|(n, _)| n == name).unwrap();
    part.1 = change(String::from_utf8(part.1.clone()).unwrap()).into_bytes();
    zipped(&all)
}

/// The workbook with the sheet's rows replaced by `rows` (XML).
fn with_rows(rows: &str) -> Vec<u8> {
    with_part("xl/worksheets/sheet1.xml", |xml| {
        let start = xml.find("<sheetData>").unwrap() + "<sheetData>".len();
        let end = xml.find("</sheetData>").unwrap();
        format!("{}{rows}{}", &xml[..start], &xml[end..])
    })
}

/// The workbook with the sheet holding only these text cells, each in a row
/// of its own, in this order (`("XFD40000", "far")`).
fn with_cells(cells: &[(&str, &str)]) -> Vec<u8> {
    let rows: String = cells
        .iter()
        .map(|(at, text)| {
            let row = at.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            format!(r#"<row r="{row}"><c r="{at}" t="inlineStr"><is><t>{text}</t></is></c></row>"#)
        })
        .collect();
    with_rows(&rows)
}

fn refused(bytes: &[u8]) -> ImportError {
    match import::import(bytes, &[], today()) {
        Ok(_) => panic!("the file was read"),
        Err(e) => e,
    }
}

/// The error's code and its English sentence, which names the file.
fn said(e: &ImportError) -> (&'static str, String) {
    let message = e.message(Lang::En, "trainings.xlsx");
    assert!(message.contains("trainings.xlsx"), "{message}");
    for lang in [Lang::Nl, Lang::Fr] {
        let other = e.message(lang, "trainings.xlsx");
        assert!(!other.contains('{'), "{other}");
        assert_ne!(other, message);
    }
    (e.code(), message)
}

#[test]
fn the_workbook_made_here_reads() {
    // The files below differ from this one by what each test says.
    let table = import::read_table(&workbook()).unwrap();
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[1].1[0], Cell::Text("R-1".into()));
    let rezipped = import::read_table(&zipped(&parts(&workbook()))).unwrap();
    assert_eq!(rezipped, table);
}

#[test]
fn a_workbook_claiming_100_billion_texts_is_refused_before_they_are_believed() {
    // calamine reserves room for the claimed count: 2.4 TB, and the process
    // aborted (exit 134, no JSON).
    let bytes = with_part("xl/sharedStrings.xml", |xml| {
        let start = xml.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
        let end = start + xml[start..].find('"').unwrap();
        format!("{}100000000000{}", &xml[..start], &xml[end..])
    });
    assert!(bytes.len() < 10_000, "a small file: {}", bytes.len());
    let e = refused(&bytes);
    assert!(
        matches!(
            e,
            ImportError::XlsxRefused {
                refusal: XlsxRefusal::ClaimsTexts {
                    claimed: 100_000_000_000,
                    ..
                }
            }
        ),
        "{e:?}"
    );
    let (code, message) = said(&e);
    assert_eq!(code, "bad_xlsx");
    assert!(
        message.contains("claims 100,000,000,000 texts"),
        "{message}"
    );
    assert!(message.contains("Save it again from Excel"), "{message}");
}

#[test]
fn a_comment_before_the_strings_does_not_hide_their_claim() {
    // A scanner that took the first `uniqueCount` it saw would believe the
    // one in the comment; the XML reader skips it, as calamine does.
    let bytes = with_part("xl/sharedStrings.xml", |xml| {
        let start = xml.find("<sst").unwrap();
        let claimed = xml[start..].replacen(
            &format!(
                "uniqueCount=\"{}\"",
                xml.split("uniqueCount=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
            ),
            "uniqueCount=\"99999999999\"",
            1,
        );
        format!("{}<!-- <sst uniqueCount=\"1\"> -->{claimed}", &xml[..start])
    });
    let e = refused(&bytes);
    assert_eq!(e.code(), "bad_xlsx", "{e:?}");
}

#[test]
fn a_cell_at_the_last_row_and_column_of_a_sheet_is_read_in_memory_that_follows_the_data() {
    // XFD1048576 beside A1 made calamine allocate the whole sheet's box
    // (2.4 TB, abort); XFD40000 took 2 GB and half a minute. Read as they
    // come, both are one wide row.
    for far in ["XFD1048576", "XFD40000"] {
        let row: u32 = far[3..].parse().unwrap();
        let bytes = with_cells(&[("A1", "head"), (far, "far")]);
        let table = import::read_table(&bytes).unwrap();
        assert_eq!(table.rows.len(), 2, "{far}");
        assert_eq!(table.rows[1].0, row as usize, "{far}");
        assert_eq!(table.rows[1].1.len(), 16_384, "{far}");
        assert_eq!(table.rows[1].1[16_383], Cell::Text("far".into()), "{far}");
    }
}

#[test]
fn a_cell_beyond_what_a_sheet_holds_is_refused() {
    let bytes = with_cells(&[("A1", "head"), ("A1048577", "x")]);
    let e = refused(&bytes);
    assert_eq!(
        e,
        ImportError::XlsxRefused {
            refusal: XlsxRefusal::CellBeyond {
                row: 1_048_577,
                column: 1
            }
        }
    );
    let (code, message) = said(&e);
    assert_eq!(code, "bad_xlsx");
    assert!(message.contains("row 1,048,577, column 1"), "{message}");
}

#[test]
fn rows_out_of_order_are_refused_as_excel_would_repair_them() {
    let bytes = with_cells(&[("A5", "late"), ("A2", "early")]);
    let e = refused(&bytes);
    assert_eq!(
        e,
        ImportError::XlsxRefused {
            refusal: XlsxRefusal::RowsOutOfOrder { row: 2, after: 5 }
        }
    );
}

#[test]
fn a_part_packed_like_a_zip_bomb_is_refused_before_it_is_unpacked() {
    // 20 MB of blanks in the sheet pack about a thousand times.
    let bytes = with_part("xl/worksheets/sheet1.xml", |xml| {
        let at = xml.find("<sheetData>").unwrap();
        format!("{}{}{}", &xml[..at], " ".repeat(20 << 20), &xml[at..])
    });
    assert!(bytes.len() < 200_000, "{}", bytes.len());
    let e = refused(&bytes);
    assert!(
        matches!(&e, ImportError::XlsxRefused { refusal: XlsxRefusal::Packed { part, ratio } }
            if part == "xl/worksheets/sheet1.xml" && *ratio > 250),
        "{e:?}"
    );
    let (code, message) = said(&e);
    assert_eq!(code, "bad_xlsx");
    assert!(message.contains("xl/worksheets/sheet1.xml"), "{message}");
}

/// The offsets of each central-directory entry's uncompressed size (and the
/// local header's) of the part `name`.
fn size_fields(bytes: &[u8], name: &str) -> Vec<usize> {
    let mut at = Vec::new();
    for i in 0..bytes.len().saturating_sub(46) {
        // (name length at, name at, uncompressed size at)
        let (len_at, name_at, size_at) = match &bytes[i..i + 4] {
            b"PK\x01\x02" => (28, 46, 24),
            b"PK\x03\x04" => (26, 30, 22),
            _ => continue,
        };
        let name_len = u16::from_le_bytes([bytes[i + len_at], bytes[i + len_at + 1]]) as usize;
        if bytes.get(i + name_at..i + name_at + name_len) == Some(name.as_bytes()) {
            at.push(i + size_at);
        }
    }
    at
}

/// The workbook with `name`'s declared unpacked size set to `size`.
fn declaring(name: &str, size: u32) -> Vec<u8> {
    // Stored (not deflated) parts are not used: the sizes of a deflated
    // part are only in the headers, which a lying file changes.
    let mut bytes = zipped(&parts(&workbook()));
    let fields = size_fields(&bytes, name);
    assert_eq!(fields.len(), 2, "a local and a central header");
    for at in fields {
        bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
    }
    bytes
}

#[test]
fn a_workbook_declaring_more_than_512_mb_is_refused_as_too_large() {
    let bytes = declaring("xl/worksheets/sheet1.xml", 600 << 20);
    let e = refused(&bytes);
    assert_eq!(e, ImportError::FileTooLarge { limit_mb: 512 });
    let (code, message) = said(&e);
    assert_eq!(code, "file_too_large");
    assert!(message.contains("more than 512 MB"), "{message}");
}

#[test]
fn a_part_holding_more_than_it_declares_is_refused() {
    let bytes = declaring("xl/worksheets/sheet1.xml", 100);
    let e = refused(&bytes);
    assert!(
        matches!(&e, ImportError::XlsxRefused { refusal: XlsxRefusal::Damaged { part } } if part == "xl/worksheets/sheet1.xml"),
        "{e:?}"
    );
    assert_eq!(said(&e).0, "bad_xlsx");
}

#[test]
fn a_csv_cell_that_never_ends_is_refused_at_its_row() {
    // A quote opened on row 3 and never closed: the rest is one cell.
    let mut csv = b"externalReference;ssin\nR-1;85073003328\n\"R-2;85073003328\n".to_vec();
    csv.extend(std::iter::repeat_n(b'x', 40_000));
    let e = refused(&csv);
    assert_eq!(
        e,
        ImportError::CsvBound {
            row: 3,
            bound: import::CsvBound::Field
        }
    );
    let (code, message) = said(&e);
    assert_eq!(code, "bad_csv");
    assert!(message.contains("Row 3"), "{message}");
    assert!(message.contains("32,767"), "{message}");
    assert!(message.contains("quote"), "{message}");
}

#[test]
fn a_csv_row_too_wide_or_too_long_is_refused() {
    let header = b"externalReference;ssin\n".to_vec();
    let mut wide = header.clone();
    wide.extend(b"R-1".iter().chain(";".repeat(20_000).as_bytes()));
    let e = refused(&wide);
    assert_eq!(
        e,
        ImportError::CsvBound {
            row: 2,
            bound: import::CsvBound::Columns(20_001)
        }
    );
    assert!(said(&e).1.contains("20,001 columns"), "{}", said(&e).1);

    let mut long = header;
    let cell = "y".repeat(30_000);
    long.extend(vec![cell.as_str(); 40].join(";").as_bytes());
    let e = refused(&long);
    assert_eq!(
        e,
        ImportError::CsvBound {
            row: 2,
            bound: import::CsvBound::Row
        }
    );
}

#[test]
fn a_file_of_more_cells_than_a_page_holds_is_refused_as_too_large() {
    let csv = b"a;b;c\n1;2;3\n4;5;6\n7;8;9\n";
    assert!(import::read_table_within(csv, 12).is_ok());
    let e = import::read_table_within(csv, 11).unwrap_err();
    assert_eq!(e, ImportError::TooManyCells { limit: 11 });
    let (code, message) = said(&e);
    assert_eq!(code, "file_too_large");
    assert!(message.contains("fla-assistant submit"), "{message}");
}

#[test]
fn submit_refuses_a_hostile_workbook_with_exit_2_and_its_code_in_json() {
    let data = tempfile::tempdir().unwrap();
    let bytes = with_part("xl/sharedStrings.xml", |xml| {
        xml.replacen("uniqueCount=\"", "uniqueCount=\"9999999999", 1)
    });
    let file = data.path().join("trainings.xlsx");
    std::fs::write(&file, bytes).unwrap();
    let args = ["submit", file.to_str().unwrap(), "--dry-run", "--json"];
    let (code, out) = support::run(data.path(), &args, "");
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "bad_xlsx", "{out}");
    let message = out["error"]["message"].as_str().unwrap();
    assert!(message.contains("texts"), "{message}");

    let csv = data.path().join("trainings.csv");
    let mut endless = b"externalReference;ssin\n\"R-1;1\n".to_vec();
    endless.extend(std::iter::repeat_n(b'x', 40_000));
    std::fs::write(&csv, endless).unwrap();
    let args = ["submit", csv.to_str().unwrap(), "--dry-run", "--json"];
    let (code, out) = support::run(data.path(), &args, "");
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "bad_csv", "{out}");
}
