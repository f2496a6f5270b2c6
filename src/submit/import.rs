//! The files HR offices really keep, read as declarations: CSV with any
//! delimiter in UTF-8 (with or without BOM), UTF-16 or Windows-1252 as Excel
//! writes it, and XLSX, told apart by their content. Their columns are mapped
//! to the contract's fields by the words offices use (EN/NL/FR), by the values
//! where a header says nothing, or as the user forces; their values are read
//! as people type them; each row becomes a declaration checked by the same
//! rules as the editor, or its problems. Pure: bytes and "today" in, rows out
//! (an XLSX's sheet is read on a thread of its own, a few rows ahead).
//!
//! Along the way a file goes: `read` (cells and rows, CSV here, XLSX checked
//! and streamed by `workbook`), `mapping` (columns to fields, with the words
//! of `vocabulary`), `values` (a cell as people type it), `rows` (a row as a
//! declaration and its problems); `error` says why a whole file is refused;
//! `template` writes the header offices start from. The children share what
//! this module names (`use super::*`); the outside sees it through here.

use time::Date;

use super::conflicts::{Noted, ReferenceBook};
use crate::fla::anomalies::{self, AnomalyKind};
use crate::fla::rules;
use crate::fla::wire::{self, Declaration, DurationUnit, TrainingType};
use crate::i18n::{format_count, tr, tr_args, Lang};
use crate::identifiers::{self, SsinError};

mod error;
mod mapping;
mod read;
mod rows;
mod template;
mod values;
mod vocabulary;
mod workbook;

pub use error::*;
pub use mapping::*;
pub use read::*;
pub use rows::*;
pub use template::*;
use values::*;
pub(crate) use values::{parse_date, parse_number};
pub use vocabulary::*;
pub use workbook::Refusal as XlsxRefusal;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_fold_to_words() {
        assert_eq!(fold("Numéro d'entreprise"), "numero d entreprise");
        assert_eq!(fold("  Réf. "), "ref");
        assert_eq!(fold("startDate"), "start date");
        assert_eq!(fold("INSZ-nummer"), "insz nummer");
        assert_eq!(fold("Attest geldig tot"), "attest geldig tot");
    }

    #[test]
    fn an_exact_header_wins_over_a_partial_one() {
        let h = |s: &str| header_score(Field::End, s, &fold(s));
        assert_eq!(h("Tot"), 500);
        assert_eq!(h("Attest geldig tot"), 0);
        assert!(h("Einddatum opleiding") > 100);
        assert_eq!(h("endDate"), 1000);
        // "tot" only as a whole word.
        assert_eq!(h("Totaal"), 0);
        let provider = "Numéro d'entreprise du prestataire";
        assert_eq!(
            header_score(Field::Enterprise, provider, &fold(provider)),
            0
        );
        assert!(header_score(Field::Provider, provider, &fold(provider)) > 0);
    }

    #[test]
    fn values_are_read_as_typed() {
        let t = |s: &str| Cell::Text(s.into());
        assert_eq!(parse_number(&t("3,5")), Some((3.5, None)));
        assert_eq!(
            parse_number(&t("14 uren")),
            Some((14.0, Some(DurationUnit::Hours)))
        );
        assert_eq!(
            parse_number(&t("2 j")),
            Some((2.0, Some(DurationUnit::Days)))
        );
        assert_eq!(parse_number(&t("abc")), None);
        for (s, b) in [
            ("ja", true),
            ("Nee", false),
            ("oui", true),
            ("NON", false),
            ("x", true),
        ] {
            assert_eq!(parse_bool(&t(s)), Some(b), "{s}");
        }
        assert_eq!(parse_bool(&t("peut-être")), None);
        for s in ["uren", "uur", "u", "h", "heures", "HOURS"] {
            assert_eq!(parse_unit(s), Some(DurationUnit::Hours), "{s}");
        }
        for s in ["dagen", "d", "jours", "j", "DAYS"] {
            assert_eq!(parse_unit(s), Some(DurationUnit::Days), "{s}");
        }
        assert_eq!(parse_type(&t("Formelle")), Some(TrainingType::Formal));
        assert_eq!(parse_type(&t("Informeel")), Some(TrainingType::Informal));
        let d = time::macros::date!(2025 - 03 - 03);
        for s in [
            "2025-03-03",
            "03/03/2025",
            "3-3-2025",
            "2025-03-03T00:00:00",
            "45719",
        ] {
            assert_eq!(parse_date(&t(s)), Some(d), "{s}");
        }
        assert_eq!(parse_date(&Cell::Number(45719.0)), Some(d));
        assert_eq!(parse_date(&Cell::Date(d)), Some(d));
        assert_eq!(joint_committee(&t("PC 200")), Some("200".into()));
        assert_eq!(joint_committee(&Cell::Number(200.0)), Some("200".into()));
    }

    #[test]
    fn the_delimiter_is_the_one_most_lines_share() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2,5\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n"), b'|');
        assert_eq!(sniff_delimiter("a,b,c\n1,\"2;5\",3\n"), b',');
        assert_eq!(
            sniff_delimiter("a;b;c\n1;Leadership, coaching, teams;3\n1;x;3\n"),
            b';'
        );
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter("A"), Some(0));
        assert_eq!(column_letter("C"), Some(2));
        assert_eq!(column_letter("AA"), Some(26));
        assert_eq!(column_letter("a"), Some(0));
        assert_eq!(column_letter("ab"), Some(27));
        assert_eq!(column_letter("A1"), None);
    }

    #[test]
    fn windows_1252_is_decoded_as_encoding_rs_does() {
        let bytes: Vec<u8> = (0u8..=255).cycle().take(100_000).collect();
        let (expected, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
        assert_eq!(windows_1252(&bytes), expected);
        assert_eq!(decode(b"R\xe9f\xe9rence").0, "Référence");
    }

    /// The rows and mapping of [`import_stream`], collected.
    fn streamed(bytes: &[u8], today: Date) -> (FileFormat, Mapping, Vec<ImportedRow>) {
        let stream = import_stream(bytes, &[], today).unwrap();
        let (format, mapping) = (stream.format, stream.mapping.clone());
        let rows = stream.collect::<Result<Vec<_>, _>>().unwrap();
        (format, mapping, rows)
    }

    #[test]
    fn the_streamed_import_is_the_whole_import() {
        let today = time::macros::date!(2025 - 11 - 01);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
        for name in [
            "fr-utf8-bom.csv",
            "nl-excel-cp1252.csv",
            "template-names.xlsx",
        ] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let whole = import(&bytes, &[], today).unwrap();
            let (format, mapping, rows) = streamed(&bytes, today);
            assert_eq!(format, whole.format, "{name}");
            assert_eq!(mapping, whole.mapping, "{name}");
            assert_eq!(rows, whole.rows, "{name}");
            assert!(rows.len() > 10, "{name}");
            // The bytes given away: the same again.
            let owned = import_stream_owned(bytes.clone(), &[], today).unwrap();
            assert_eq!(owned.format, whole.format, "{name}");
            assert_eq!(owned.mapping, whole.mapping, "{name}");
            let rows = owned.collect::<Result<Vec<_>, _>>().unwrap();
            assert_eq!(rows, whole.rows, "{name}");
        }

        // Longer than the sample: a title row, Excel's `sep=` line, a blank
        // line, a cell over two lines (row numbers), headers that say nothing
        // for the SSIN and the dates (mapped by their values), a row with a
        // wrong SSIN far down.
        let mut text = String::from("sep=;\r\nOpleidingen 2025\r\n\r\n");
        text.push_str("Ref;KBO;Kolom3;Opleiding;Type;K6;K7;Uren;Gevolgd;Telt mee\r\n");
        for i in 0..(SAMPLE_ROWS + 500) {
            let ssin = if i == SAMPLE_ROWS + 100 {
                "85073003329"
            } else {
                "85073003328"
            };
            let name = if i == 3 {
                "\"Heftruck\ndeel 2\""
            } else {
                "Heftruck"
            };
            text.push_str(&format!(
                "R-{i};0403.170.701;{ssin};{name};Formeel;3-3-2025;04/03/2025;7,5;ja;ja\r\n"
            ));
        }
        let bytes = text.into_bytes();
        let whole = import(&bytes, &[], today).unwrap();
        let (format, mapping, rows) = streamed(&bytes, today);
        assert_eq!(format, whole.format);
        assert_eq!(mapping, whole.mapping);
        assert_eq!(rows, whole.rows);
        assert_eq!(mapping.header_row, 4);
        assert_eq!(mapping.column(Field::Ssin), Some(2));
        assert_eq!(rows.len(), SAMPLE_ROWS + 500);
        assert_eq!(rows[0].row, 5);
        // The cell over two lines is one row: the next is numbered on.
        assert_eq!(rows[4].row, 9);
        assert_eq!(rows[4].reference, "R-4");
        let bad: Vec<usize> = rows
            .iter()
            .filter(|r| !r.is_valid())
            .map(|r| r.row)
            .collect();
        assert_eq!(bad, vec![5 + SAMPLE_ROWS + 100]);
    }

    #[test]
    fn rows_become_problems_and_warnings() {
        let mut book = ReferenceBook::new();
        let (mut problems, mut warnings) = (Vec::new(), Vec::new());
        let first = crate::submit::conflicts::tests::declaration("VCA-2026", "85073003328");
        let other_worker = crate::submit::conflicts::tests::declaration("VCA-2026", "90010100123");
        check_row(&mut book, 2, &first, &mut problems, &mut warnings);
        assert!(problems.is_empty() && warnings.is_empty());
        let noted = check_row(&mut book, 3, &other_worker, &mut problems, &mut warnings);
        assert_eq!(noted, Noted::Conflict { first_row: 2 });
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "reference_conflict");
        assert_eq!(problems[0].field, "externalReference");
        for lang in [Lang::En, Lang::Nl, Lang::Fr] {
            let message = problems[0].message(lang);
            assert!(
                message.contains(" 2") && message.contains("VCA-2026"),
                "{message}"
            );
        }
        check_row(&mut book, 4, &first, &mut problems, &mut warnings);
        assert_eq!(problems.len(), 1);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].code, "duplicate_row");
        let message = warnings[0].message(Lang::En);
        assert!(message.contains('2') && message.contains('4'), "{message}");
    }
}
