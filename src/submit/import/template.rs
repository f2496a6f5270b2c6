//! The template: a CSV or an XLSX header row, in the contract's own names or
//! in the words of an office's language (which the importer reads back).

use super::*;
use crate::i18n::{tr, Lang};

/// Whose words a template's header row has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Headers {
    /// The contract's own names (`externalReference`, `ssin`…): for scripts.
    #[default]
    Contract,
    /// The words of an office in this language ("Begindatum", "NISS travailleur"…).
    In(Lang),
}

impl Headers {
    /// `en`, `nl`, `fr` or `contract`.
    pub fn parse(text: &str) -> Option<Headers> {
        match text.trim().to_ascii_lowercase().as_str() {
            "contract" => Some(Headers::Contract),
            other => Lang::ALL
                .into_iter()
                .find(|l| l.code() == other)
                .map(Headers::In),
        }
    }

    /// The header of `field`.
    pub fn of(self, field: Field) -> String {
        match self {
            Headers::Contract => field.name().to_owned(),
            Headers::In(lang) => tr(lang, &format!("import.header.{}", field.name())),
        }
    }
}

/// The template's header: the contract's own names.
pub fn template_headers() -> Vec<&'static str> {
    Field::ALL.iter().map(|f| f.name()).collect()
}

/// The template's header in `headers`' words.
pub fn template_headers_in(headers: Headers) -> Vec<String> {
    Field::ALL.iter().map(|f| headers.of(*f)).collect()
}

/// The template as CSV: UTF-8 with a BOM and `;`, as Excel in Belgium opens it.
pub fn template_csv() -> Vec<u8> {
    template_csv_in(Headers::Contract)
}

/// The template as CSV with `headers`' words.
pub fn template_csv_in(headers: Headers) -> Vec<u8> {
    csv_header_row(&template_headers_in(headers))
}

/// A CSV of one header row: UTF-8 with a BOM, `;` and CRLF, as Excel in
/// Belgium opens it (a template's, any service's).
pub(crate) fn csv_header_row(headers: &[String]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // A header of words with an apostrophe or a space is quoted as CSV needs.
    let _ = w.write_record(headers);
    out.extend_from_slice(&w.into_inner().unwrap_or_default());
    out
}

/// The template as XLSX: the header row; identifiers as text (Excel keeps
/// their leading zeros), dates as dates.
pub fn template_xlsx() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    template_xlsx_in(Headers::Contract)
}

/// The template as XLSX with `headers`' words.
pub fn template_xlsx_in(headers: Headers) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let columns: Vec<(String, ColumnFormat)> = Field::ALL
        .iter()
        .map(|f| {
            let format = match f {
                Field::Reference
                | Field::Enterprise
                | Field::Ssin
                | Field::Provider
                | Field::JointCommittee => ColumnFormat::Text,
                Field::Start | Field::End | Field::ValidUntil => ColumnFormat::Date,
                _ => ColumnFormat::General,
            };
            (headers.of(*f), format)
        })
        .collect();
    xlsx_header_row("FLA", &columns)
}

/// How a template's column is formatted in a workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnFormat {
    /// Text: identifiers keep their leading zeros.
    Text,
    /// A date, shown as in Belgium (`07/12/2026`).
    Date,
    /// As Excel chooses.
    General,
}

/// A workbook of one sheet, `sheet`, whose first row is `columns`' headers
/// in bold (frozen), each column formatted as it says (a template's, any
/// service's).
pub(crate) fn xlsx_header_row(
    sheet: &str,
    columns: &[(String, ColumnFormat)],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let worksheet = book.add_worksheet();
    worksheet.set_name(sheet)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (i, (name, format)) in columns.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        worksheet.write_string_with_format(0, col, name, &bold)?;
        worksheet.set_column_width(col, (name.chars().count() + 4) as f64)?;
        match format {
            ColumnFormat::Text => {
                worksheet.set_column_format(col, &text)?;
            }
            ColumnFormat::Date => {
                worksheet.set_column_format(col, &date)?;
            }
            ColumnFormat::General => {}
        }
    }
    worksheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_in_each_language_is_read_back_column_for_column() {
        for lang in Lang::ALL {
            let headers = template_headers_in(Headers::In(lang));
            let mapping = map_columns(1, &headers, &[], &[]).unwrap();
            for (i, field) in Field::ALL.iter().enumerate() {
                assert_eq!(
                    mapping.column(*field),
                    Some(i),
                    "{lang:?}: '{}' is not read as {field:?}",
                    headers[i]
                );
            }
            // Not the contract's camelCase names.
            assert!(headers.iter().zip(Field::ALL).all(|(h, f)| h != f.name()));
        }
        assert_eq!(Headers::parse("NL"), Some(Headers::In(Lang::Nl)));
        assert_eq!(Headers::parse("contract"), Some(Headers::Contract));
        assert_eq!(Headers::parse("de"), None);
    }

    #[test]
    fn the_csv_template_quotes_what_needs_it_and_keeps_the_bom() {
        let csv = template_csv_in(Headers::In(Lang::Fr));
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        assert!(
            text.starts_with("Référence externe;Numéro d'entreprise;NISS travailleur;"),
            "{text}"
        );
        assert!(text.ends_with("\r\n"));
        assert_eq!(
            String::from_utf8(template_csv()[3..].to_vec()).unwrap(),
            format!("{}\r\n", template_headers().join(";"))
        );
    }
}
