//! Why a file cannot be read as declarations at all, the bounds a file is
//! held to, and what its user reads (EN/NL/FR).

use super::*;

/// Why a file cannot be read as declarations at all (a row's own problems
/// are per row).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("the spreadsheet cannot be read: {detail}")]
    Xlsx { detail: String },
    #[error("the CSV cannot be read at row {row}: {detail}")]
    Csv { row: usize, detail: String },
    #[error("the columns {missing:?} are not found among {headers:?}")]
    MissingColumns {
        missing: Vec<Field>,
        headers: Vec<String>,
    },
    #[error("the header row names {name} twice")]
    DuplicateColumn { name: String },
    #[error("--mapping {text}: not FIELD=HEADER")]
    BadMapping { text: String },
    #[error("--mapping gives the field {field} twice")]
    MappedTwice { field: String },
    #[error("the file is not text (a CSV) nor an Excel workbook")]
    NotText,
    #[error("--mapping names no field {field}")]
    UnknownField { field: String },
    #[error("--mapping names no column {header} (the file has {headers:?})")]
    UnknownHeader {
        header: String,
        headers: Vec<String>,
    },
    #[error("the workbook is refused: {refusal:?}")]
    XlsxRefused { refusal: XlsxRefusal },
    #[error("the workbook unpacks to more than {limit_mb} MB")]
    FileTooLarge { limit_mb: u64 },
    #[error("the file holds more than {limit} cells")]
    TooManyCells { limit: usize },
    #[error("row {row} of the CSV goes beyond a bound: {bound:?}")]
    CsvBound { row: usize, bound: CsvBound },
}

/// What a CSV row may not exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvBound {
    /// A cell longer than a spreadsheet cell holds.
    Field,
    /// A row longer than [`CSV_MAX_ROW_BYTES`].
    Row,
    /// More columns than a spreadsheet holds.
    Columns(usize),
}

/// The most characters a cell holds (Excel's own limit): a longer CSV field
/// is refused, most often a quote that never closes.
pub const CSV_MAX_FIELD_CHARS: usize = 32_767;
/// The most bytes a CSV row may take.
pub const CSV_MAX_ROW_BYTES: usize = 1024 * 1024;
/// The most columns a row may have (Excel's own limit, A to XFD).
pub const MAX_COLUMNS: usize = workbook::MAX_COLUMNS as usize;
/// The most cells a whole file read at once ([`read_table`], the Bulk page)
/// may hold: about a gigabyte of cells. `submit` reads a file row by row and
/// has no such bound.
pub const TABLE_MAX_CELLS: usize = 30_000_000;

impl ImportError {
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Empty => "empty_file",
            ImportError::Xlsx { .. } => "bad_xlsx",
            ImportError::Csv { .. } => "bad_csv",
            ImportError::MissingColumns { .. } => "missing_columns",
            ImportError::DuplicateColumn { .. } => "duplicate_column",
            ImportError::BadMapping { .. } | ImportError::MappedTwice { .. } => "bad_mapping",
            ImportError::NotText => "bad_csv",
            ImportError::UnknownField { .. } => "unknown_field",
            ImportError::UnknownHeader { .. } => "unknown_column",
            ImportError::XlsxRefused { .. } => "bad_xlsx",
            ImportError::FileTooLarge { .. } | ImportError::TooManyCells { .. } => "file_too_large",
            ImportError::CsvBound { .. } => "bad_csv",
        }
    }

    /// What happened and what to do, in `lang`; `file` names the file. No
    /// control character of a file (a header's, its name's) is said raw: each
    /// is shown escaped (`\u{7}`), so that a terminal shows what is there.
    pub fn message(&self, lang: Lang, file: &str) -> String {
        escape_controls(self.raw_message(lang, file))
    }

    fn raw_message(&self, lang: Lang, file: &str) -> String {
        let file = ("file", file.to_owned());
        let fields = |list: &[Field]| list.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
        match self {
            ImportError::Empty => tr_args(lang, "import.error.empty_file", &[file]),
            ImportError::Xlsx { detail } => tr_args(
                lang,
                "import.error.bad_xlsx",
                &[file, ("detail", detail.clone())],
            ),
            ImportError::Csv { row, detail } => tr_args(
                lang,
                "import.error.bad_csv",
                &[file, ("row", row.to_string()), ("detail", detail.clone())],
            ),
            ImportError::MissingColumns { missing, headers } => tr_args(
                lang,
                "import.error.missing_columns",
                &[
                    file,
                    ("fields", fields(missing)),
                    ("headers", headers.join(" | ")),
                ],
            ),
            ImportError::DuplicateColumn { name } => tr_args(
                lang,
                "import.error.duplicate_column",
                &[file, ("column", name.clone())],
            ),
            ImportError::BadMapping { text } => {
                tr_args(lang, "import.error.bad_mapping", &[("text", text.clone())])
            }
            ImportError::MappedTwice { field } => tr_args(
                lang,
                "import.error.mapped_twice",
                &[("field", field.clone())],
            ),
            ImportError::NotText => tr_args(lang, "import.error.not_text", &[file]),
            ImportError::UnknownField { field } => tr_args(
                lang,
                "import.error.unknown_field",
                &[("field", field.clone()), ("fields", fields(&Field::ALL))],
            ),
            ImportError::UnknownHeader { header, headers } => tr_args(
                lang,
                "import.error.unknown_column",
                &[
                    file,
                    ("column", header.clone()),
                    ("headers", headers.join(" | ")),
                ],
            ),
            ImportError::XlsxRefused { refusal } => refusal_message(refusal, lang, file),
            ImportError::FileTooLarge { limit_mb } => tr_args(
                lang,
                "import.error.file_too_large",
                &[file, ("limit", format_count(lang, *limit_mb))],
            ),
            ImportError::TooManyCells { limit } => tr_args(
                lang,
                "import.error.too_many_cells",
                &[file, ("limit", format_count(lang, *limit as u64))],
            ),
            ImportError::CsvBound { row, bound } => {
                let row = ("row", format_count(lang, *row as u64));
                match bound {
                    CsvBound::Field => tr_args(
                        lang,
                        "import.error.csv_field_too_long",
                        &[
                            file,
                            row,
                            ("limit", format_count(lang, CSV_MAX_FIELD_CHARS as u64)),
                        ],
                    ),
                    CsvBound::Row => tr_args(
                        lang,
                        "import.error.csv_row_too_long",
                        &[
                            file,
                            row,
                            ("limit", format_count(lang, CSV_MAX_ROW_BYTES as u64)),
                        ],
                    ),
                    CsvBound::Columns(columns) => tr_args(
                        lang,
                        "import.error.csv_too_many_columns",
                        &[
                            file,
                            row,
                            ("columns", format_count(lang, *columns as u64)),
                            ("limit", format_count(lang, MAX_COLUMNS as u64)),
                        ],
                    ),
                }
            }
        }
    }
}

/// A text with each control character (a header's, a file name's) shown
/// escaped (`\u{7}`), so that a terminal shows what is there.
pub(crate) fn escape_controls(text: String) -> String {
    if !text.chars().any(char::is_control) {
        return text;
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What a refused workbook's user reads.
fn refusal_message(refusal: &XlsxRefusal, lang: Lang, file: (&str, String)) -> String {
    let n = |n: u64| format_count(lang, n);
    match refusal {
        XlsxRefusal::Damaged { part } => tr_args(
            lang,
            "import.error.xlsx_damaged",
            &[file, ("part", part.clone())],
        ),
        XlsxRefusal::Packed { part, ratio } => tr_args(
            lang,
            "import.error.xlsx_packed",
            &[file, ("part", part.clone()), ("ratio", n(*ratio))],
        ),
        XlsxRefusal::ClaimsTexts { claimed, room } => tr_args(
            lang,
            "import.error.xlsx_claims_texts",
            &[file, ("claimed", n(*claimed)), ("room", n(*room))],
        ),
        XlsxRefusal::CellBeyond { row, column } => tr_args(
            lang,
            "import.error.xlsx_cell_beyond",
            &[file, ("row", n(*row)), ("column", n(*column))],
        ),
        XlsxRefusal::RowsOutOfOrder { row, after } => tr_args(
            lang,
            "import.error.xlsx_rows_out_of_order",
            &[file, ("row", n(*row)), ("after", n(*after))],
        ),
    }
}
