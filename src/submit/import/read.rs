//! Reading a file's rows: its cells, CSV in the encodings Excel writes
//! (delimiter sniffed, rows numbered as a spreadsheet numbers them), XLSX
//! through `workbook`; rows one at a time, or a whole table.

use super::*;

/// A cell as the file gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// An XLSX date cell.
    Date(Date),
}

impl Cell {
    pub(super) fn text(text: &str) -> Cell {
        let text = text.trim();
        if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(text.to_owned())
        }
    }

    /// The cell as text: numbers as a person reads them (`14`, `7.5`).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => number_text(*n),
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }
}

pub(super) fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// What kind of file it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv {
        delimiter: u8,
        encoding: TextEncoding,
    },
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16,
    Windows1252,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8 with BOM",
            TextEncoding::Utf16 => "utf-16",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }
}

/// A file's rows, each with its number as a spreadsheet shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub format: FileFormat,
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// Whether decoded bytes are text as a CSV is: no NUL, and hardly any other
/// control character (a tab, a line break and the odd stray one aside). Bytes
/// that are neither UTF-8 nor Windows-1252 text (an image, a PDF, a zip that is
/// not a workbook) decode to many.
fn looks_like_text(text: &str) -> bool {
    let mut chars = 0usize;
    let mut controls = 0usize;
    for c in text.chars() {
        if c == '\0' {
            return false;
        }
        chars += 1;
        if c.is_control() && !matches!(c, '\t' | '\r' | '\n') {
            controls += 1;
        }
    }
    controls * 20 <= chars
}

/// The text of a CSV: UTF-8 (a BOM dropped), UTF-16 with its BOM (Excel's
/// "Unicode text"), else Windows-1252 (Excel's "CSV" on a Western Windows).
pub fn decode(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        if let Ok(text) = std::str::from_utf8(rest) {
            return (text.into(), TextEncoding::Utf8Bom);
        }
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, _) = encoding_rs::UTF_16LE.decode(bytes);
        return (text, TextEncoding::Utf16);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.into(), TextEncoding::Utf8),
        Err(_) => (windows_1252(bytes).into(), TextEncoding::Windows1252),
    }
}

/// Windows-1252 bytes as text, in a string about as large as the text:
/// encoding_rs's own `decode` reserves three bytes per byte (300 MB for the
/// 100 MB file of a million rows).
pub(super) fn windows_1252(bytes: &[u8]) -> String {
    let mut decoder = encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling();
    // Most bytes of a Western file are ASCII, one byte each in UTF-8.
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 16 + 16);
    let mut rest = bytes;
    loop {
        let (result, read, _) = decoder.decode_to_string(rest, &mut text, true);
        rest = rest.get(read..).unwrap_or_default();
        match result {
            encoding_rs::CoderResult::InputEmpty => return text,
            encoding_rs::CoderResult::OutputFull => text.reserve(rest.len() / 2 + 16),
        }
    }
}

/// The delimiter of a CSV: of `;` `,` tab `|`, the one the first lines hold
/// most of (outside quotes), `;` first on a tie (Belgian Excel's).
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().take(10).collect();
    let count = |line: &str, d: char| {
        let mut quoted = false;
        line.chars()
            .filter(|&c| {
                if c == '"' {
                    quoted = !quoted;
                }
                !quoted && c == d
            })
            .count()
    };
    [(';', b';'), ('\t', b'\t'), (',', b','), ('|', b'|')]
        .into_iter()
        .map(|(c, b)| {
            // The count most lines share: a title line or a stray comma in a
            // name does not decide.
            let mut counts: Vec<usize> = lines.iter().map(|l| count(l, c)).collect();
            counts.sort_unstable();
            let mut best = (0usize, 0usize);
            let mut i = 0;
            while i < counts.len() {
                let j = counts[i..].iter().take_while(|&&n| n == counts[i]).count();
                if counts[i] > 0 && (j, counts[i]) > best {
                    best = (j, counts[i]);
                }
                i += j;
            }
            (best, b)
        })
        .fold(
            ((0, 0), b','),
            |acc, cur| if cur.0 > acc.0 { cur } else { acc },
        )
        .1
}

/// The decoded text of a CSV, from its first row on (an Excel `sep=` line
/// left out), owned or borrowed from the file's bytes, for the csv reader.
struct CsvText<'a> {
    text: std::borrow::Cow<'a, str>,
    start: usize,
}

impl AsRef<[u8]> for CsvText<'_> {
    fn as_ref(&self) -> &[u8] {
        self.text.as_bytes().get(self.start..).unwrap_or_default()
    }
}

/// A CSV's rows one at a time, each with its number as a spreadsheet shows
/// it, blank rows left out: only the row being read is held (besides the
/// decoded text), so a file of a million rows is read in bounded memory.
pub struct CsvRows<'a> {
    reader: csv::Reader<std::io::Cursor<CsvText<'a>>>,
    record: csv::StringRecord,
    first_row: usize,
    line: usize,
    scanned: usize,
    inner_breaks: usize,
    done: bool,
}

impl<'a> CsvRows<'a> {
    /// The rows of decoded text, its delimiter sniffed (or given by Excel's
    /// own hint line, `sep=;`).
    fn new(text: std::borrow::Cow<'a, str>) -> (CsvRows<'a>, u8) {
        let hint = text
            .lines()
            .next()
            .map(str::trim)
            .filter(|line| line.len() == 5 && line.to_ascii_lowercase().starts_with("sep="))
            .map(|line| line.as_bytes()[4]);
        let (start, delimiter, first_row) = match hint {
            Some(delimiter) => {
                let start = text.find('\n').map_or(text.len(), |i| i + 1);
                (start, delimiter, 2)
            }
            None => (0, sniff_delimiter(&text), 1),
        };
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(std::io::Cursor::new(CsvText { text, start }));
        (
            CsvRows {
                reader,
                record: csv::StringRecord::new(),
                first_row,
                line: 1,
                scanned: 0,
                inner_breaks: 0,
                done: false,
            },
            delimiter,
        )
    }

    /// The row, as a spreadsheet numbers it, of the record starting at
    /// `byte`: lines, blank ones included (the csv crate's own line count is
    /// off after CRLF and blank lines), less the line breaks inside quoted
    /// cells, which do not start a row.
    fn row_at(&mut self, byte: Option<u64>) -> usize {
        let bytes = self.reader.get_ref().get_ref().as_ref();
        let mut start = byte
            .map_or(self.scanned, |b| usize::try_from(b).unwrap_or(usize::MAX))
            .clamp(self.scanned, bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        self.line += bytes[self.scanned..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.scanned = start;
        self.line - self.inner_breaks + self.first_row - 1
    }
}

impl Iterator for CsvRows<'_> {
    type Item = Result<(usize, Vec<Cell>), ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    let row = self.row_at(self.record.position().map(|p| p.byte()));
                    if let Some(bound) = csv_bound(&self.record) {
                        self.done = true;
                        return Some(Err(ImportError::CsvBound { row, bound }));
                    }
                    let cells: Vec<Cell> = self.record.iter().map(Cell::text).collect();
                    self.inner_breaks += self
                        .record
                        .iter()
                        .map(|c| c.matches('\n').count())
                        .sum::<usize>();
                    if cells.iter().any(|c| !c.is_empty()) {
                        return Some(Ok((row, cells)));
                    }
                }
                Err(e) => {
                    self.done = true;
                    let row = self.row_at(e.position().map(|p| p.byte()));
                    return Some(Err(ImportError::Csv {
                        row,
                        detail: e.to_string(),
                    }));
                }
            }
        }
        None
    }
}

/// The bound a CSV record goes beyond, if any.
fn csv_bound(record: &csv::StringRecord) -> Option<CsvBound> {
    if record.len() > MAX_COLUMNS {
        return Some(CsvBound::Columns(record.len()));
    }
    if record.as_slice().len() > CSV_MAX_ROW_BYTES {
        return Some(CsvBound::Row);
    }
    // Characters, as a spreadsheet counts them; bytes first, which is cheap.
    record
        .iter()
        .any(|f| f.len() > CSV_MAX_FIELD_CHARS && f.chars().count() > CSV_MAX_FIELD_CHARS)
        .then_some(CsvBound::Field)
}

/// A file's rows one at a time (blank rows left out): a CSV read as it goes,
/// an XLSX checked first, then read as it goes (see [`workbook`]).
pub enum Rows<'a> {
    Csv(CsvRows<'a>),
    Sheet(workbook::SheetRows),
}

impl Iterator for Rows<'_> {
    type Item = Result<(usize, Vec<Cell>), ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Rows::Csv(rows) => rows.next(),
            Rows::Sheet(rows) => rows.next(),
        }
    }
}

/// Opens a file's rows: XLSX where the bytes are a ZIP, CSV otherwise. The
/// rows may still be none (see [`read_table`]).
pub fn read_rows(bytes: &[u8]) -> Result<(FileFormat, Rows<'_>), ImportError> {
    if bytes.starts_with(b"PK\x03\x04") {
        let rows = workbook::open(bytes.to_vec())?;
        return Ok((FileFormat::Xlsx, Rows::Sheet(rows)));
    }
    let (text, encoding) = decode(bytes);
    csv_rows(text, encoding)
}

/// As [`read_rows`], the file's bytes given away: a Windows-1252 or UTF-16
/// file's bytes are dropped once decoded (UTF-8 becomes its text in place),
/// an XLSX's once its sheet is read, so a big file is not held twice.
pub fn read_rows_owned(bytes: Vec<u8>) -> Result<(FileFormat, Rows<'static>), ImportError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok((FileFormat::Xlsx, Rows::Sheet(workbook::open(bytes)?)));
    }
    let (decoded, encoding) = match decode(&bytes) {
        (std::borrow::Cow::Owned(text), encoding) => (Some(text), encoding),
        (std::borrow::Cow::Borrowed(_), encoding) => (None, encoding),
    };
    let text = match decoded {
        Some(text) => text,
        // Borrowed: UTF-8, with or without its BOM.
        None => {
            let mut text = String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            if encoding == TextEncoding::Utf8Bom {
                text.drain(..text.len().min(3));
            }
            text
        }
    };
    csv_rows(text.into(), encoding)
}

fn csv_rows(
    text: std::borrow::Cow<'_, str>,
    encoding: TextEncoding,
) -> Result<(FileFormat, Rows<'_>), ImportError> {
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    if !looks_like_text(&text) {
        return Err(ImportError::NotText);
    }
    let (rows, delimiter) = CsvRows::new(text);
    Ok((
        FileFormat::Csv {
            delimiter,
            encoding,
        },
        Rows::Csv(rows),
    ))
}

/// Reads a file into its rows: XLSX where the bytes are a ZIP, CSV otherwise.
pub fn read_table(bytes: &[u8]) -> Result<Table, ImportError> {
    read_table_within(bytes, TABLE_MAX_CELLS)
}

/// As [`read_table`], refusing a file of more than `max_cells` cells
/// ([`ImportError::TooManyCells`]).
pub fn read_table_within(bytes: &[u8], max_cells: usize) -> Result<Table, ImportError> {
    let (format, rest) = read_rows(bytes)?;
    collect_table(format, rest, max_cells)
}

/// As [`read_table`], the file's bytes given away (see [`read_rows_owned`]).
pub fn read_table_owned(bytes: Vec<u8>) -> Result<Table, ImportError> {
    let (format, rest) = read_rows_owned(bytes)?;
    collect_table(format, rest, TABLE_MAX_CELLS)
}

/// A file's rows held whole, at most `max_cells` cells.
fn collect_table(
    format: FileFormat,
    rest: Rows<'_>,
    max_cells: usize,
) -> Result<Table, ImportError> {
    let mut rows = Vec::new();
    let mut cells = 0usize;
    for row in rest {
        let row = row?;
        cells += row.1.len();
        if cells > max_cells {
            return Err(ImportError::TooManyCells { limit: max_cells });
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(Table { format, rows })
}
