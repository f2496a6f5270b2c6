//! A payroll office's file of Dimona declarations (CSV or XLSX), read as
//! declarations in the shape of [`super::wire`]: one a row, or what keeps the
//! row from being one. The file is read as the FLA's (`submit::import`: the
//! encodings, the delimiter, the workbook's checks and bounds); its columns
//! are found by the contract's names and the words offices write (EN/NL/FR);
//! its values are read as people type them (`07/12/2026`, `08:00`, an SSIN
//! with its dots). Only what a declaration's shape needs is judged here: the
//! Dimona rules (`super::rules`) come after. Pure: bytes in, rows out.
//!
//! `template_*_in` write the header row offices start from, which this reads
//! back.

use super::wire::{self, Declaration, Part};
use crate::i18n::{tr, tr_args, Lang};
use crate::identifiers::{self, SsinError};
use crate::submit::import::{self as file, Cell, FileFormat, Headers, ImportError, Table};

mod columns;

pub use columns::Column;
use columns::PARTS;

/// Where each column is in a file, and what is left out.
#[derive(Debug, Clone, PartialEq)]
pub struct DimonaMapping {
    /// The header's row, as a spreadsheet numbers it.
    pub header_row: usize,
    pub headers: Vec<String>,
    /// Each column found and its index, in the order of [`Column::ALL`].
    pub columns: Vec<(Column, usize)>,
    /// Headers of the columns no column of a declaration takes (ignored).
    pub ignored: Vec<String>,
}

impl DimonaMapping {
    pub fn column(&self, column: Column) -> Option<usize> {
        self.columns
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, i)| *i)
    }
}

/// A column a file's declarations need and its header row lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingColumn {
    pub column: Column,
    /// The parts of the file's rows that need it; empty: every declaration.
    pub parts: Vec<Part>,
}

/// Why a file cannot be read as Dimona declarations at all (a row's own
/// problems are the row's).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DimonaImportError {
    /// The file cannot be read (the FLA's file errors: empty, not text, a
    /// refused workbook, a bound).
    #[error(transparent)]
    File(#[from] ImportError),
    #[error("the header row names {name} twice")]
    DuplicateColumn { name: String },
    #[error("the columns {missing:?} are not found among {headers:?}")]
    MissingColumns {
        missing: Vec<MissingColumn>,
        headers: Vec<String>,
    },
}

impl DimonaImportError {
    pub fn code(&self) -> &'static str {
        match self {
            DimonaImportError::File(e) => e.code(),
            DimonaImportError::DuplicateColumn { .. } => "duplicate_column",
            DimonaImportError::MissingColumns { .. } => "missing_columns",
        }
    }

    /// What happened and what to do, in `lang`; `file` names the file. A
    /// control character of the file is shown escaped (`\u{7}`).
    pub fn message(&self, lang: Lang, file: &str) -> String {
        match self {
            DimonaImportError::File(e) => e.message(lang, file),
            DimonaImportError::DuplicateColumn { name } => file::escape_controls(tr_args(
                lang,
                "dimona.import.error.duplicate_column",
                &[("file", file.to_owned()), ("column", name.clone())],
            )),
            DimonaImportError::MissingColumns { missing, headers } => missing
                .iter()
                .map(|m| file::escape_controls(missing_message(m, headers, lang, file)))
                .chain(std::iter::once(tr(
                    lang,
                    "dimona.import.error.use_template",
                )))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// One missing column, said: the column, who needs it, the words a header
/// may have to be it, and the headers the file has.
fn missing_message(missing: &MissingColumn, headers: &[String], lang: Lang, file: &str) -> String {
    let column = missing.column;
    let words: Vec<&str> = column
        .names()
        .iter()
        .copied()
        .chain(column.words().iter().map(|w| w.trim_start_matches('=')))
        .collect();
    let mut args = vec![
        ("file", file.to_owned()),
        ("column", column.header(Headers::In(lang))),
        ("name", column.name().to_owned()),
        ("words", words.join(", ")),
        ("headers", headers.join(" | ")),
    ];
    let key = if missing.parts.is_empty() {
        "dimona.import.error.missing_column"
    } else {
        let parts: Vec<&str> = missing.parts.iter().map(|p| p.code()).collect();
        args.push(("parts", parts.join(", ")));
        "dimona.import.error.missing_column_for"
    };
    tr_args(lang, key, &args)
}

/// Why a cell is not the value its column needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// Empty where the part needs it.
    Missing,
    /// A value that cannot be read: its code.
    Bad(&'static str),
    /// An SSIN that is none.
    Ssin(SsinError),
}

/// One problem of a row: what the office fixes in its spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimonaIssue {
    pub column: Column,
    /// A stable snake_case code: `missing_value`, `not_a_date`,
    /// `not_an_hour`, `not_a_number`, `not_a_period`, `not_a_part`,
    /// `enterprise_format`, `enterprise_checksum`, or the SSIN's own
    /// (`ssin_checksum`…).
    pub code: &'static str,
    /// The cell as the file gives it, where it is the cause.
    pub value: Option<String>,
    /// The part the row declares, where it could be read.
    pub part: Option<Part>,
    why: Why,
}

impl DimonaIssue {
    /// What is wrong and what to do, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let mut args = vec![
            ("field", self.column.header(Headers::In(lang))),
            ("value", self.value.clone().unwrap_or_default()),
        ];
        let key = match self.why {
            Why::Missing => {
                args.push(("part", self.part.unwrap_or(Part::In).code().to_owned()));
                "dimona.import.problem.missing"
            }
            Why::Ssin(e) => {
                args.push(("reason", e.message(lang)));
                "dimona.import.problem.ssin"
            }
            Why::Bad(code) => match code {
                "enterprise_format" => "import.problem.enterprise_format",
                "enterprise_checksum" => "import.problem.enterprise_checksum",
                "not_a_date" => "import.problem.not_a_date",
                "not_an_hour" => "dimona.import.problem.not_an_hour",
                "not_a_number" => "dimona.import.problem.not_a_number",
                "not_a_period" => "dimona.import.problem.not_a_period",
                _ => "dimona.import.problem.not_a_part",
            },
        };
        file::escape_controls(tr_args(lang, key, &args))
    }
}

/// One row of the file: its declaration, or what keeps it from being one.
#[derive(Debug, Clone, PartialEq)]
pub struct DimonaRow {
    /// As a spreadsheet numbers it (the header is row 1), as the FLA's rows
    /// (`submit::import::ImportedRow::row`): "row 7 of file.csv".
    pub row: usize,
    pub declaration: Result<Declaration, Vec<DimonaIssue>>,
}

/// A file read as Dimona declarations.
#[derive(Debug, Clone, PartialEq)]
pub struct DimonaImport {
    pub format: FileFormat,
    pub mapping: DimonaMapping,
    /// The rows under the header, blank ones left out.
    pub rows: Vec<DimonaRow>,
}

/// Reads a file (CSV or XLSX, told apart by its content) as Dimona
/// declarations.
pub fn import(bytes: &[u8]) -> Result<DimonaImport, DimonaImportError> {
    import_table(file::read_table(bytes)?)
}

/// As [`import`], the file's bytes given away (a big file is not held twice).
pub fn import_owned(bytes: Vec<u8>) -> Result<DimonaImport, DimonaImportError> {
    import_table(file::read_table_owned(bytes)?)
}

fn import_table(table: Table) -> Result<DimonaImport, DimonaImportError> {
    let mapping = map_table(&table)?;
    let mut at = [None; 11];
    for (column, index) in &mapping.columns {
        at[*column as usize] = Some(*index);
    }
    let rows = table
        .rows
        .iter()
        .filter(|(row, _)| *row > mapping.header_row)
        .map(|(row, cells)| DimonaRow {
            row: *row,
            declaration: RowReader { cells, at: &at }.declaration(),
        })
        .collect();
    Ok(DimonaImport {
        format: table.format,
        mapping,
        rows,
    })
}

/// The header row (the first of the first ten that names three columns,
/// else the first row), its columns, and the columns the file's rows need
/// that it lacks (refused, all said at once).
pub fn map_table(table: &Table) -> Result<DimonaMapping, DimonaImportError> {
    let at = file::header_row_at(table, |headers| {
        Column::ALL
            .into_iter()
            .filter(|c| headers.iter().any(|h| c.score(h, &file::fold(h)) > 0))
            .count()
    });
    let Some((header_row, cells)) = table.rows.get(at) else {
        return Err(ImportError::Empty.into());
    };
    let headers: Vec<String> = cells.iter().map(Cell::display).collect();
    let folded: Vec<String> = headers.iter().map(|h| file::fold(h)).collect();
    let mut taken = vec![false; headers.len()];
    if let Some(name) = file::twin_header(&headers, &folded, &taken, |h, folded| {
        Column::ALL.into_iter().any(|c| c.score(h, folded) > 0)
    }) {
        return Err(DimonaImportError::DuplicateColumn { name });
    }
    let mut columns: Vec<(Column, usize)> = file::by_headers(
        &headers,
        &folded,
        &Column::ALL,
        |c, h, folded| c.score(h, folded),
        &mut taken,
        |_| true,
    )
    .into_iter()
    .map(|(column, index, _)| (column, index))
    .collect();
    columns.sort();
    let ignored = headers
        .iter()
        .zip(&taken)
        .filter(|(h, taken)| !**taken && !h.trim().is_empty())
        .map(|(h, _)| h.clone())
        .collect();
    let mapping = DimonaMapping {
        header_row: *header_row,
        headers,
        columns,
        ignored,
    };
    // The parts the rows declare (none with a part that cannot be read);
    // without a part column, each row is an In.
    let parts: Vec<Part> = match mapping.column(Column::Part) {
        None => vec![Part::In],
        Some(index) => {
            let mut found = [false; 4];
            for (_, cells) in table.rows.iter().skip(at + 1) {
                if let Some(Ok(part)) = cells.get(index).map(read_part) {
                    found[part_index(part)] = true;
                }
            }
            PARTS
                .into_iter()
                .filter(|p| found[part_index(*p)])
                .collect()
        }
    };
    let missing: Vec<MissingColumn> = Column::ALL
        .into_iter()
        .filter(|c| mapping.column(*c).is_none())
        .filter_map(|column| {
            if PARTS.iter().all(|p| column.needed_by(*p)) {
                return Some(MissingColumn {
                    column,
                    parts: Vec::new(),
                });
            }
            let parts: Vec<Part> = parts
                .iter()
                .copied()
                .filter(|p| column.needed_by(*p))
                .collect();
            (!parts.is_empty()).then_some(MissingColumn { column, parts })
        })
        .collect();
    if !missing.is_empty() {
        return Err(DimonaImportError::MissingColumns {
            missing,
            headers: mapping.headers,
        });
    }
    Ok(mapping)
}

fn part_index(part: Part) -> usize {
    match part {
        Part::In => 0,
        Part::Out => 1,
        Part::Update => 2,
        Part::Cancel => 3,
    }
}

/// A row's cells, each column's where the file has it.
struct RowReader<'a> {
    cells: &'a [Cell],
    at: &'a [Option<usize>; 11],
}

const EMPTY: Cell = Cell::Empty;

impl RowReader<'_> {
    fn cell(&self, column: Column) -> &Cell {
        self.at[column as usize]
            .and_then(|i| self.cells.get(i))
            .unwrap_or(&EMPTY)
    }

    /// The row as a declaration of its part, or its issues.
    fn declaration(&self) -> Result<Declaration, Vec<DimonaIssue>> {
        let mut issues = Vec::new();
        let part = match read_part(self.cell(Column::Part)) {
            Ok(part) => Some(part),
            Err(why) => {
                issues.push(self.issue(Column::Part, None, why));
                None
            }
        };
        let mut read = Values {
            reader: self,
            part,
            issues,
        };
        let enterprise = read.needed(Column::Enterprise, read_enterprise);
        let ssin = read.needed(Column::Ssin, read_ssin);
        let built = match part {
            Some(Part::In) => read.dimona_in().map(|i| Parts {
                dimona_in: Some(i),
                ..Parts::default()
            }),
            Some(Part::Out) => read.dimona_out().map(|o| Parts {
                dimona_out: Some(o),
                ..Parts::default()
            }),
            Some(Part::Update) => read.dimona_update().map(|u| Parts {
                dimona_update: Some(u),
                ..Parts::default()
            }),
            Some(Part::Cancel) => {
                read.needed(Column::PeriodId, read_period)
                    .map(|period_id| Parts {
                        dimona_cancel: Some(wire::DimonaCancel { period_id }),
                        ..Parts::default()
                    })
            }
            None => None,
        };
        match (enterprise, ssin, built) {
            (Some(enterprise_number), Some(ssin), Some(parts)) if read.issues.is_empty() => {
                Ok(Declaration {
                    employer: wire::Employer { enterprise_number },
                    worker: wire::Worker { ssin },
                    dimona_in: parts.dimona_in,
                    dimona_out: parts.dimona_out,
                    dimona_update: parts.dimona_update,
                    dimona_cancel: parts.dimona_cancel,
                })
            }
            _ => Err(read.issues),
        }
    }

    fn issue(&self, column: Column, part: Option<Part>, why: Why) -> DimonaIssue {
        let cell = self.cell(column);
        DimonaIssue {
            column,
            code: match why {
                Why::Missing => "missing_value",
                Why::Bad(code) => code,
                Why::Ssin(e) => e.code(),
            },
            value: (!matches!(cell, Cell::Empty)).then(|| cell.display()),
            part,
            why,
        }
    }
}

/// The one part a row holds.
#[derive(Default)]
struct Parts {
    dimona_in: Option<wire::DimonaIn>,
    dimona_out: Option<wire::DimonaOut>,
    dimona_update: Option<wire::DimonaUpdate>,
    dimona_cancel: Option<wire::DimonaCancel>,
}

/// A row's values read one by one, its issues gathered.
struct Values<'a> {
    reader: &'a RowReader<'a>,
    part: Option<Part>,
    issues: Vec<DimonaIssue>,
}

impl Values<'_> {
    /// A value the row's part needs: empty is an issue.
    fn needed<T>(&mut self, column: Column, read: fn(&Cell) -> Result<T, Why>) -> Option<T> {
        match self.reader.cell(column) {
            Cell::Empty => {
                self.issues
                    .push(self.reader.issue(column, self.part, Why::Missing));
                None
            }
            cell => self.read(column, cell, read),
        }
    }

    /// A value the row may give: empty is none.
    fn optional<T>(&mut self, column: Column, read: fn(&Cell) -> Result<T, Why>) -> Option<T> {
        match self.reader.cell(column) {
            Cell::Empty => None,
            cell => self.read(column, cell, read),
        }
    }

    fn read<T>(
        &mut self,
        column: Column,
        cell: &Cell,
        read: fn(&Cell) -> Result<T, Why>,
    ) -> Option<T> {
        match read(cell) {
            Ok(value) => Some(value),
            Err(why) => {
                self.issues.push(self.reader.issue(column, self.part, why));
                None
            }
        }
    }

    fn dimona_in(&mut self) -> Option<wire::DimonaIn> {
        let start = self.needed(Column::Start, read_date);
        let end = self.optional(Column::End, read_date);
        let joint = self.needed(Column::JointCommittee, read_joint_committee);
        let kind = self.needed(Column::WorkerType, read_worker_type);
        let hours = self.optional(Column::PlannedHours, read_hours);
        let start_hour = self.optional(Column::StartHour, read_hour);
        let end_hour = self.optional(Column::EndHour, read_hour);
        Some(wire::DimonaIn {
            start_date: start?,
            end_date: end,
            features: wire::Features {
                joint_commission_number: joint?,
                worker_type: kind?,
            },
            planned_hours_number: hours,
            student_place_of_work: None,
            start_hour,
            end_hour,
        })
    }

    fn dimona_out(&mut self) -> Option<wire::DimonaOut> {
        let period_id = self.needed(Column::PeriodId, read_period);
        let end_date = self.needed(Column::End, read_date);
        Some(wire::DimonaOut {
            period_id: period_id?,
            end_date: end_date?,
        })
    }

    fn dimona_update(&mut self) -> Option<wire::DimonaUpdate> {
        let period_id = self.needed(Column::PeriodId, read_period);
        Some(wire::DimonaUpdate {
            start_date: self.optional(Column::Start, read_date),
            end_date: self.optional(Column::End, read_date),
            planned_hours_number: self.optional(Column::PlannedHours, read_hours),
            start_hour: self.optional(Column::StartHour, read_hour),
            end_hour: self.optional(Column::EndHour, read_hour),
            period_id: period_id?,
        })
    }
}

/// `in`, `out`, `update`, `cancel` (`Dimona In`…), or an office's word for
/// one (`uit dienst`, `annulation`…); empty: `in`.
fn read_part(cell: &Cell) -> Result<Part, Why> {
    let text = match cell {
        Cell::Empty => return Ok(Part::In),
        Cell::Text(t) => file::fold(t),
        _ => return Err(Why::Bad("not_a_part")),
    };
    let word = text.strip_prefix("dimona ").unwrap_or(&text);
    match word {
        "in" | "start" | "in dienst" | "indiensttreding" | "entree" => Ok(Part::In),
        "out" | "stop" | "uit" | "uit dienst" | "uitdiensttreding" | "sortie" => Ok(Part::Out),
        "update" | "change" | "wijziging" | "wijzigen" | "modification" | "modifier" => {
            Ok(Part::Update)
        }
        "cancel" | "annulering" | "annuleren" | "annulation" | "annuler" => Ok(Part::Cancel),
        _ => Err(Why::Bad("not_a_part")),
    }
}

fn read_enterprise(cell: &Cell) -> Result<String, Why> {
    file::read_enterprise(cell).map_err(|(code, _)| Why::Bad(code))
}

/// The structure and the check digits; a birth after today is the rules'.
fn read_ssin(cell: &Cell) -> Result<String, Why> {
    file::read_ssin(cell, identifiers::parse_ssin).map_err(Why::Ssin)
}

/// An ISO date as the wire has it, from a date cell, a date as typed in
/// Belgium (`07/12/2026`, `7-12-2026`) or ISO.
fn read_date(cell: &Cell) -> Result<String, Why> {
    file::parse_date(cell)
        .map(|d| d.to_string())
        .ok_or(Why::Bad("not_a_date"))
}

/// `200`, `PC 200`, `CP 302`, `XXX` (whether it is one is the rules').
fn read_joint_committee(cell: &Cell) -> Result<String, Why> {
    Ok(file::joint_committee(cell)
        .unwrap_or_else(|| cell.display().trim().to_owned())
        .to_uppercase())
}

/// `OTH`, `STU`, `FLX`… as the wire has them, or an office's word for the
/// three most used (`student`, `étudiant`, `flexi`).
fn read_worker_type(cell: &Cell) -> Result<String, Why> {
    let text = cell.display();
    let kind = match file::fold(&text).as_str() {
        "student" | "studente" | "etudiant" | "etudiante" | "jobstudent" => "STU",
        "flexi" | "flexi job" | "flexijob" | "flexi jobber" | "flexijobber" => "FLX",
        "ordinary" | "gewoon" | "ordinaire" | "other" => "OTH",
        _ => return Ok(text.trim().to_uppercase()),
    };
    Ok(kind.to_owned())
}

/// A whole number of hours (`20`, `20 uren`, a number cell).
fn read_hours(cell: &Cell) -> Result<u32, Why> {
    match file::parse_number(cell) {
        Some((n, None | Some(crate::fla::wire::DurationUnit::Hours)))
            if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) =>
        {
            Ok(n as u32)
        }
        _ => Err(Why::Bad("not_a_number")),
    }
}

/// An hour of the day as the wire has it (`"0800"`), from `0800`, `08:00`,
/// `8:00`, `8u00`, `8h`, `8`, or a time cell.
fn read_hour(cell: &Cell) -> Result<String, Why> {
    let bad = Why::Bad("not_an_hour");
    let (h, m) = match cell {
        // A time cell: a fraction of a day.
        Cell::Number(n) if (0.0..1.0).contains(n) && n.fract() != 0.0 => {
            let minutes = (n * 1440.0).round() as u32;
            (minutes / 60, minutes % 60)
        }
        Cell::Number(n) if n.fract() == 0.0 && (0.0..24.0).contains(n) => (*n as u32, 0),
        Cell::Number(n) if n.fract() == 0.0 && (100.0..2400.0).contains(n) => {
            let n = *n as u32;
            (n / 100, n % 100)
        }
        Cell::Text(t) => hour_text(t).ok_or(bad)?,
        _ => return Err(bad),
    };
    if h < 24 && m < 60 {
        Ok(format!("{h:02}{m:02}"))
    } else {
        Err(bad)
    }
}

/// `0800`, `800`, `8`, `08:00`, `8:00:00`, `8u00`, `8h30`, `8h`: hours and
/// minutes.
fn hour_text(text: &str) -> Option<(u32, u32)> {
    let text = text.trim().to_ascii_lowercase();
    let digits = |s: &str, max: usize| {
        (!s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let parts: Vec<&str> = text.split([':', 'h', 'u', '.']).collect();
    match parts.as_slice() {
        [whole] if whole.len() <= 2 => Some((digits(whole, 2)?, 0)),
        [whole] => {
            let n = digits(whole, 4)?;
            Some((n / 100, n % 100))
        }
        [h, ""] => Some((digits(h, 2)?, 0)),
        [h, m] => Some((digits(h, 2)?, digits(m, 2).filter(|_| m.len() == 2)?)),
        [h, m, s] if digits(s, 2).is_some() => {
            Some((digits(h, 2)?, digits(m, 2).filter(|_| m.len() == 2)?))
        }
        _ => None,
    }
}

/// A Dimona period's number (digits; a number cell).
fn read_period(cell: &Cell) -> Result<i64, Why> {
    let bad = Why::Bad("not_a_period");
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 9e15 => Ok(*n as i64),
        Cell::Text(t) => {
            let digits: String = t.chars().filter(|c| !matches!(c, ' ' | '.')).collect();
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad);
            }
            digits.parse().map_err(|_| bad)
        }
        _ => Err(bad),
    }
}

/// The template's header: each column in `headers`' words.
pub fn template_headers_in(headers: Headers) -> Vec<String> {
    Column::ALL.iter().map(|c| c.header(headers)).collect()
}

/// The template as CSV (UTF-8 with a BOM, `;`): its header row, as the FLA's.
pub fn template_csv_in(headers: Headers) -> Vec<u8> {
    file::csv_header_row(&template_headers_in(headers))
}

/// The template as XLSX: its header row; identifiers, codes and hours as
/// text (Excel keeps `0800` and leading zeros), dates as dates.
pub fn template_xlsx_in(headers: Headers) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let columns: Vec<(String, file::ColumnFormat)> = Column::ALL
        .iter()
        .map(|c| {
            let format = match c {
                Column::Start | Column::End => file::ColumnFormat::Date,
                Column::PlannedHours => file::ColumnFormat::General,
                _ => file::ColumnFormat::Text,
            };
            (c.header(headers), format)
        })
        .collect();
    file::xlsx_header_row("Dimona", &columns)
}

#[cfg(test)]
mod tests;
