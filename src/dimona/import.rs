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

/// A column of a Dimona file: a value of the declaration, or its part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Enterprise,
    Ssin,
    Part,
    Start,
    End,
    JointCommittee,
    WorkerType,
    PlannedHours,
    StartHour,
    EndHour,
    PeriodId,
}

/// The four parts, in their order.
const PARTS: [Part; 4] = [Part::In, Part::Out, Part::Update, Part::Cancel];

impl Column {
    pub const ALL: [Column; 11] = [
        Column::Enterprise,
        Column::Ssin,
        Column::Part,
        Column::Start,
        Column::End,
        Column::JointCommittee,
        Column::WorkerType,
        Column::PlannedHours,
        Column::StartHour,
        Column::EndHour,
        Column::PeriodId,
    ];

    /// The column's name in the contract's template (the wire's own name).
    pub fn name(self) -> &'static str {
        match self {
            Column::Enterprise => "enterpriseNumber",
            Column::Ssin => "ssin",
            Column::Part => "part",
            Column::Start => "startDate",
            Column::End => "endDate",
            Column::JointCommittee => "jointCommissionNumber",
            Column::WorkerType => "workerType",
            Column::PlannedHours => "plannedHoursNumber",
            Column::StartHour => "startHour",
            Column::EndHour => "endHour",
            Column::PeriodId => "periodId",
        }
    }

    /// The names a header may have to be this column whatever its words: the
    /// template's and the wire's paths.
    fn names(self) -> &'static [&'static str] {
        match self {
            Column::Enterprise => &["enterpriseNumber", "employer.enterpriseNumber"],
            Column::Ssin => &["ssin", "worker.ssin"],
            Column::Part => &["part"],
            Column::Start => &["startDate", "dimonaIn.startDate"],
            Column::End => &["endDate", "dimonaOut.endDate"],
            Column::JointCommittee => &["jointCommissionNumber", "features.jointCommissionNumber"],
            Column::WorkerType => &["workerType", "features.workerType"],
            Column::PlannedHours => &["plannedHoursNumber"],
            Column::StartHour => &["startHour"],
            Column::EndHour => &["endHour"],
            Column::PeriodId => &["periodId"],
        }
    }

    /// The words offices put in a header for this column, folded (lower
    /// case, no accents, words split: see `submit::import::fold`). `=` before
    /// one: only as the whole header, never as a word of a longer one.
    fn words(self) -> &'static [&'static str] {
        match self {
            Column::Enterprise => &[
                "enterprise number",
                "employer enterprise number",
                "enterprise",
                "employer",
                "company number",
                "ondernemingsnummer",
                "ondernemingsnummer werkgever",
                "ondernemingsnr",
                "onderneming",
                "werkgever",
                "kbo",
                "kbo nummer",
                "kbonummer",
                "numero d entreprise",
                "numero d entreprise de l employeur",
                "numero entreprise",
                "entreprise",
                "employeur",
                "bce",
                "numero bce",
            ],
            Column::Ssin => &[
                "ssin",
                "worker ssin",
                "insz",
                "insz werknemer",
                "niss",
                "niss travailleur",
                "inss",
                "rijksregisternummer",
                "rijksregister",
                "rrn",
                "national number",
                "numero national",
                "registre national",
                "numero de registre national",
                "=worker",
                "=werknemer",
                "=travailleur",
            ],
            Column::Part => &[
                "dimona part",
                "declaration type",
                "type of declaration",
                "deel",
                "soort",
                "soort aangifte",
                "type aangifte",
                "type de declaration",
                "partie",
                "=part",
                "=action",
            ],
            Column::Start => &[
                "start date",
                "start",
                "startdatum",
                "begindatum",
                "begin",
                "datum in dienst",
                "in dienst",
                "date de debut",
                "debut",
                "date d entree",
                "entree",
                "=from",
                "=van",
                "=vanaf",
                "=du",
            ],
            Column::End => &[
                "end date",
                "end",
                "einddatum",
                "einde",
                "datum uit dienst",
                "uit dienst",
                "date de fin",
                "fin",
                "date de sortie",
                "sortie",
                "=to",
                "=until",
                "=tot",
                "=au",
            ],
            Column::JointCommittee => &[
                "joint committee",
                "joint commission",
                "joint commission number",
                "paritair comite",
                "paritair comite nummer",
                "pc nr",
                "commission paritaire",
                "numero de commission paritaire",
                "=pc",
                "=cp",
                "=pc cp",
                "=cp pc",
            ],
            Column::WorkerType => &[
                "worker type",
                "type of worker",
                "type werknemer",
                "soort werknemer",
                "werknemerstype",
                "categorie werknemer",
                "type de travailleur",
                "type travailleur",
                "categorie de travailleur",
            ],
            Column::PlannedHours => &[
                "planned hours",
                "planned hours number",
                "hours",
                "number of hours",
                "uren",
                "aantal uren",
                "geplande uren",
                "heures",
                "heures prevues",
                "nombre d heures",
                "nombre heures",
            ],
            Column::StartHour => &[
                "start hour",
                "start time",
                "begin hour",
                "beginuur",
                "startuur",
                "begintijd",
                "uur begin",
                "heure de debut",
                "heure debut",
            ],
            Column::EndHour => &[
                "end hour",
                "end time",
                "einduur",
                "eindtijd",
                "uur einde",
                "heure de fin",
                "heure fin",
            ],
            Column::PeriodId => &[
                "period id",
                "period",
                "dimona period",
                "periode",
                "dimona periode",
                "periode dimona",
                "periodenummer",
                "periode id",
                "numero de periode",
                "id de periode",
                "=id",
            ],
        }
    }

    /// Words that, in a header, say it is about something else (a partial
    /// match does not count then): "Start hour" is not the start date, "Type
    /// werknemer" is not the worker's INSZ nor the declaration's part.
    fn not_words(self) -> &'static [&'static str] {
        const HOURS: &[&str] = &["hour", "time", "uur", "tijd", "heure"];
        const WORKER: &[&str] = &["worker", "werknemer", "travailleur"];
        match self {
            Column::Start | Column::End => HOURS,
            Column::Ssin => &["type", "soort", "categorie"],
            Column::Part => WORKER,
            _ => &[],
        }
    }

    /// How well `header` (`folded`: its words) names this column: 0 not at all.
    fn score(self, header: &str, folded: &str) -> u32 {
        file::score_header(self.names(), self.words(), self.not_words(), header, folded)
    }

    /// The column's header in `headers`' words.
    pub fn header(self, headers: Headers) -> String {
        match headers {
            Headers::Contract => self.name().to_owned(),
            Headers::In(lang) => tr(lang, &format!("dimona.import.header.{}", self.name())),
        }
    }

    /// Whether a declaration of `part` cannot be made without this column.
    pub fn needed_by(self, part: Part) -> bool {
        match self {
            Column::Enterprise | Column::Ssin => true,
            Column::Start | Column::JointCommittee | Column::WorkerType => part == Part::In,
            Column::End => part == Part::Out,
            Column::PeriodId => part != Part::In,
            Column::Part | Column::PlannedHours | Column::StartHour | Column::EndHour => false,
        }
    }
}

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
mod tests {
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
        let err = import(b"employer;startDate;PC;workerType\n0403.170.701;07/12/2026;200;OTH\n")
            .unwrap_err();
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
}
