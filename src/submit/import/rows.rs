//! A file's rows as declarations: each converted and checked by the same
//! rules as the editor, whole or streamed one at a time, and the problems of
//! a row said in the user's language.

use super::*;

/// Where a problem comes from, for its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A value that cannot be read (`import.problem.*`).
    Value,
    Ssin(SsinError),
    /// A rule of the FLA, the editor's own check.
    Rule(&'static AnomalyKind),
    /// The reference is already taken, in the same file, by the row
    /// `first_row` with other content (see `conflicts`).
    Conflict {
        first_row: usize,
    },
    /// The same content as the row `first_row`, repeated (a warning).
    Duplicate {
        first_row: usize,
        row: usize,
    },
}

/// One problem of a row: what the user fixes in the spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field's path in the contract (`worker.ssin`).
    pub field: &'static str,
    /// A stable snake_case code (`ssin_checksum`, `end_before_start`).
    pub code: &'static str,
    /// The cell as the file gives it, where it is the cause.
    pub value: Option<String>,
    source: Source,
}

impl Problem {
    pub(super) fn value(field: Field, code: &'static str, value: Option<String>) -> Problem {
        Problem {
            field: field.path(),
            code,
            value,
            source: Source::Value,
        }
    }

    /// The reference of this row is already taken in the file by the row
    /// `first_row`, for other content: the row is not declared.
    pub fn reference_conflict(reference: &str, first_row: usize) -> Problem {
        Problem {
            field: Field::Reference.path(),
            code: "reference_conflict",
            value: Some(reference.to_owned()),
            source: Source::Conflict { first_row },
        }
    }

    /// The row `row` repeats the row `first_row` (reference and content): a
    /// warning, the declaration is made once.
    pub fn duplicate_row(first_row: usize, row: usize) -> Problem {
        Problem {
            field: Field::Reference.path(),
            code: "duplicate_row",
            value: None,
            source: Source::Duplicate { first_row, row },
        }
    }

    /// The anomaly code of the FLA rule, where the problem is one.
    pub fn anomaly(&self) -> Option<&'static str> {
        match self.source {
            Source::Rule(kind) => Some(kind.code),
            Source::Ssin(_) => Some(anomalies::SSIN.code),
            Source::Value if self.code.starts_with("enterprise_") => {
                Some(if self.field == Field::Provider.path() {
                    anomalies::PROVIDER_ENTERPRISE.code
                } else {
                    anomalies::ENTERPRISE.code
                })
            }
            Source::Value | Source::Conflict { .. } | Source::Duplicate { .. } => None,
        }
    }

    /// What is wrong and what to do, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self.source {
            Source::Ssin(e) => e.message(lang),
            Source::Rule(kind) => kind.text(lang).to_owned(),
            Source::Conflict { first_row } => tr_args(
                lang,
                "import.problem.reference_conflict",
                &[
                    ("reference", self.value.clone().unwrap_or_default()),
                    ("first", first_row.to_string()),
                ],
            ),
            Source::Duplicate { first_row, row } => tr_args(
                lang,
                "import.warning.duplicate_row",
                &[("first", first_row.to_string()), ("row", row.to_string())],
            ),
            Source::Value => {
                let field = Field::ALL
                    .into_iter()
                    .find(|f| f.path() == self.field)
                    .map(|f| tr(lang, f.label_key()))
                    .unwrap_or_else(|| self.field.to_owned());
                let key = if self.code.starts_with("missing_") {
                    "import.problem.missing"
                } else {
                    match self.code {
                        "enterprise_format" => "import.problem.enterprise_format",
                        "enterprise_checksum" => "import.problem.enterprise_checksum",
                        "not_a_date" => "import.problem.not_a_date",
                        "not_a_number" => "import.problem.not_a_number",
                        "not_a_type" => "import.problem.not_a_type",
                        "not_a_unit" => "import.problem.not_a_unit",
                        _ => "import.problem.not_yes_no",
                    }
                };
                tr_args(
                    lang,
                    key,
                    &[
                        ("field", field),
                        ("value", self.value.clone().unwrap_or_default()),
                    ],
                )
            }
        }
    }
}

/// One row of the file: a valid declaration, or its problems.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedRow {
    /// As a spreadsheet numbers it (the header is row 1).
    pub row: usize,
    /// The reference as the file gives it (empty: one is generated once).
    pub reference: String,
    /// The declaration the values make, where they all could be read (its
    /// identifiers or rules may still be wrong: see `problems`).
    pub declaration: Option<Declaration>,
    pub problems: Vec<Problem>,
    /// The FLA's non-blocking anomalies (a late declaration): the row is sent
    /// all the same, the editor and the preview say them.
    pub warnings: Vec<Problem>,
}

impl ImportedRow {
    pub fn is_valid(&self) -> bool {
        self.declaration.is_some() && self.problems.is_empty()
    }
}

/// A file read as declarations.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub format: FileFormat,
    pub mapping: Mapping,
    pub rows: Vec<ImportedRow>,
}

impl Import {
    pub fn valid(&self) -> usize {
        self.rows.iter().filter(|r| r.is_valid()).count()
    }
}

/// Reads, maps and checks a file. `forced`: the user's own mapping; `today`:
/// the date in Brussels, for the rules.
pub fn import(
    bytes: &[u8],
    forced: &[(Field, Option<String>)],
    today: Date,
) -> Result<Import, ImportError> {
    let table = read_table(bytes)?;
    let mapping = map_table(&table, forced)?;
    let rows = convert(&table, &mapping, today);
    Ok(Import {
        format: table.format,
        mapping,
        rows,
    })
}

/// Rows read before the columns are mapped: the header is among the first
/// ten, the values that decide a column without a header among the hundred
/// under it, so the mapping of a file read as it goes is the mapping of the
/// whole file.
pub const SAMPLE_ROWS: usize = 1000;

/// A file read, mapped and checked one row at a time (`submit --dry-run` of a
/// million rows): only the first [`SAMPLE_ROWS`] rows are held, to map the
/// columns, and then the row being converted. The same rows, in the same
/// order, as [`import`] gives.
pub struct StreamedImport<'a> {
    pub format: FileFormat,
    pub mapping: Mapping,
    sample: std::vec::IntoIter<(usize, Vec<Cell>)>,
    rest: Rows<'a>,
    at: [Option<usize>; 15],
    today: Date,
}

/// Opens a file as [`StreamedImport`]: reads its first rows and maps its
/// columns (`forced` first); a file that cannot be read or mapped is refused
/// here, a CSV broken further down when its rows get there.
pub fn import_stream<'a>(
    bytes: &'a [u8],
    forced: &[(Field, Option<String>)],
    today: Date,
) -> Result<StreamedImport<'a>, ImportError> {
    let (format, rest) = read_rows(bytes)?;
    stream_rows(format, rest, forced, today)
}

/// As [`import_stream`], the file's bytes given away (see [`read_rows_owned`]).
pub fn import_stream_owned(
    bytes: Vec<u8>,
    forced: &[(Field, Option<String>)],
    today: Date,
) -> Result<StreamedImport<'static>, ImportError> {
    let (format, rest) = read_rows_owned(bytes)?;
    stream_rows(format, rest, forced, today)
}

fn stream_rows<'a>(
    format: FileFormat,
    mut rest: Rows<'a>,
    forced: &[(Field, Option<String>)],
    today: Date,
) -> Result<StreamedImport<'a>, ImportError> {
    let mut rows = Vec::new();
    for row in rest.by_ref() {
        rows.push(row?);
        if rows.len() >= SAMPLE_ROWS {
            break;
        }
    }
    if rows.is_empty() {
        return Err(ImportError::Empty);
    }
    let sample = Table { format, rows };
    let mapping = map_table(&sample, forced)?;
    Ok(StreamedImport {
        format,
        at: columns_at(&mapping),
        mapping,
        sample: sample.rows.into_iter(),
        rest,
        today,
    })
}

impl StreamedImport<'_> {
    /// Reads the rest of the file through without converting its rows: how
    /// many data rows it has, or where it breaks (a run that must refuse a
    /// broken file before anything starts reads it this way first).
    pub fn count_rows(self) -> Result<usize, ImportError> {
        let header = self.mapping.header_row;
        let mut rows = self.sample.filter(|(row, _)| *row > header).count();
        for row in self.rest {
            if row?.0 > header {
                rows += 1;
            }
        }
        Ok(rows)
    }
}

impl Iterator for StreamedImport<'_> {
    type Item = Result<ImportedRow, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (row, cells) = match self.sample.next() {
                Some(row) => row,
                None => match self.rest.next()? {
                    Ok(row) => row,
                    Err(e) => return Some(Err(e)),
                },
            };
            if row > self.mapping.header_row {
                return Some(Ok(convert_row(
                    row,
                    &cells,
                    &self.at,
                    self.mapping.implied_unit,
                    self.today,
                )));
            }
        }
    }
}

/// The header row (the first of the first ten that names three fields, a
/// title row above it being left out; else the first row) and its mapping.
pub fn map_table(
    table: &Table,
    forced: &[(Field, Option<String>)],
) -> Result<Mapping, ImportError> {
    let (mapping, missing) = map_table_partial(table, forced)?;
    match missing {
        Some(missing) => Err(missing),
        None => Ok(mapping),
    }
}

/// As [`map_table`], with the required fields no column could be taken for
/// left out and said apart (see [`map_columns_partial`]).
pub fn map_table_partial(
    table: &Table,
    forced: &[(Field, Option<String>)],
) -> Result<(Mapping, Option<ImportError>), ImportError> {
    let at = header_at(table);
    let Some((header_row, cells)) = table.rows.get(at) else {
        return Err(ImportError::Empty);
    };
    let headers: Vec<String> = cells.iter().map(Cell::display).collect();
    let sample: Vec<&[Cell]> = table
        .rows
        .iter()
        .skip(at + 1)
        .take(100)
        .map(|(_, c)| c.as_slice())
        .collect();
    map_columns_partial(*header_row, &headers, &sample, forced)
}

/// Where the header row is among the first rows: the first that names three
/// fields (else the first row).
fn header_at(table: &Table) -> usize {
    header_row_at(table, |headers| {
        Field::ALL
            .into_iter()
            .filter(|f| headers.iter().any(|h| header_score(*f, h, &fold(h)) > 0))
            .count()
    })
}

/// Where the header row is among a table's first ten rows: the first of
/// which `named` (the cells as text) finds three fields or more, a title row
/// above it being left out; else the first row. An index into `table.rows`.
pub(crate) fn header_row_at(table: &Table, named: impl Fn(&[String]) -> usize) -> usize {
    table
        .rows
        .iter()
        .take(10)
        .position(|(_, cells)| {
            let headers: Vec<String> = cells.iter().map(Cell::display).collect();
            named(&headers) >= 3
        })
        .unwrap_or(0)
}

/// The column choices remembered from an earlier file (field name → header)
/// that this file can take: a known field, a header the file has (as
/// `--mapping` takes it). To give `map_table` before its own choices.
pub fn remembered_choices(
    table: &Table,
    remembered: &std::collections::BTreeMap<String, String>,
) -> Vec<(Field, Option<String>)> {
    let Some((_, cells)) = table.rows.get(header_at(table)) else {
        return Vec::new();
    };
    let headers: Vec<String> = cells
        .iter()
        .map(|c| c.display().trim().to_owned())
        .collect();
    remembered
        .iter()
        .filter_map(|(field, header)| {
            let field = Field::parse(field)?;
            let header = header.trim();
            (!header.is_empty() && headers.iter().any(|h| h == header))
                .then(|| (field, Some(header.to_owned())))
        })
        .collect()
}

/// Each row under the header, read and checked.
pub fn convert(table: &Table, mapping: &Mapping, today: Date) -> Vec<ImportedRow> {
    let at = columns_at(mapping);
    // One reference, one declaration: a row whose reference an earlier row
    // holds with other content is held back, naming that row (the Bulk
    // page's preview, `submit`); the same row again is said.
    let mut book = ReferenceBook::new();
    table
        .rows
        .iter()
        .filter(|(row, _)| *row > mapping.header_row)
        .map(|(row, cells)| {
            let mut r = convert_row(*row, cells, &at, mapping.implied_unit, today);
            if let Some(d) = &r.declaration {
                check_row(&mut book, r.row, d, &mut r.problems, &mut r.warnings);
            }
            r
        })
        .collect()
}

/// Each field's column, by the field's index.
fn columns_at(mapping: &Mapping) -> [Option<usize>; 15] {
    let mut at = [None; 15];
    for m in &mapping.fields {
        at[m.field as usize] = Some(m.column);
    }
    at
}

const EMPTY: Cell = Cell::Empty;

fn convert_row(
    row: usize,
    cells: &[Cell],
    at: &[Option<usize>; 15],
    implied_unit: Option<DurationUnit>,
    today: Date,
) -> ImportedRow {
    let cell = |f: Field| -> &Cell { at[f as usize].and_then(|c| cells.get(c)).unwrap_or(&EMPTY) };
    let mut problems: Vec<Problem> = Vec::new();
    // Whether the values make a declaration at all.
    let mut whole = true;
    let mut missing = |f: Field, code: &'static str, problems: &mut Vec<Problem>| {
        whole = false;
        problems.push(Problem::value(f, code, None));
    };

    let reference = cell(Field::Reference).display();

    let enterprise = enterprise_digits(cell(Field::Enterprise), Field::Enterprise, &mut problems);
    if enterprise.is_empty() {
        missing(
            Field::Enterprise,
            "missing_enterprise_number",
            &mut problems,
        );
    }

    let ssin_cell = cell(Field::Ssin);
    let ssin = if ssin_cell.is_empty() {
        missing(Field::Ssin, "missing_ssin", &mut problems);
        String::new()
    } else {
        match read_ssin(ssin_cell, |typed| identifiers::parse_ssin_on(typed, today)) {
            Ok(digits) => digits,
            Err(e) => {
                problems.push(Problem {
                    field: Field::Ssin.path(),
                    code: e.code(),
                    value: Some(ssin_cell.display()),
                    source: Source::Ssin(e),
                });
                ssin_text(ssin_cell)
                    .chars()
                    .filter(|c| !matches!(c, ' ' | '.' | '-'))
                    .collect()
            }
        }
    };

    let name = cell(Field::Name).display();
    if name.is_empty() {
        missing(Field::Name, "missing_name", &mut problems);
    }

    let kind = match cell(Field::Type) {
        Cell::Empty => {
            missing(Field::Type, "missing_type", &mut problems);
            None
        }
        c => {
            let kind = parse_type(c);
            if kind.is_none() {
                whole = false;
                problems.push(Problem::value(Field::Type, "not_a_type", Some(c.display())));
            }
            kind
        }
    };

    let mut date = |f: Field, required: Option<&'static str>, problems: &mut Vec<Problem>| {
        read_cell(
            cell(f),
            f,
            required,
            "not_a_date",
            parse_date,
            &mut whole,
            problems,
        )
    };
    let start = date(Field::Start, Some("missing_start_date"), &mut problems);
    let end = date(Field::End, Some("missing_end_date"), &mut problems);
    let valid_until = date(Field::ValidUntil, None, &mut problems);

    let mut number_unit = None;
    let duration = match cell(Field::Duration) {
        Cell::Empty => {
            whole = false;
            problems.push(Problem::value(Field::Duration, "missing_duration", None));
            None
        }
        c => match parse_number(c) {
            Some((value, unit)) => {
                number_unit = unit;
                Some(value)
            }
            None => {
                whole = false;
                problems.push(Problem::value(
                    Field::Duration,
                    "not_a_number",
                    Some(c.display()),
                ));
                None
            }
        },
    };
    let unit = match cell(Field::Unit) {
        Cell::Text(t) => {
            let unit = parse_unit(t);
            if unit.is_none() {
                whole = false;
                problems.push(Problem::value(Field::Unit, "not_a_unit", Some(t.clone())));
            }
            unit
        }
        Cell::Empty => number_unit.or(implied_unit).or_else(|| {
            whole = false;
            problems.push(Problem::value(Field::Unit, "missing_unit", None));
            None
        }),
        other => {
            whole = false;
            problems.push(Problem::value(
                Field::Unit,
                "not_a_unit",
                Some(other.display()),
            ));
            None
        }
    };

    let mut yes_no = |f: Field, required: Option<&'static str>, problems: &mut Vec<Problem>| {
        read_cell(
            cell(f),
            f,
            required,
            "not_yes_no",
            parse_bool,
            &mut whole,
            problems,
        )
    };
    let followed = yes_no(Field::Followed, Some("missing_followed"), &mut problems);
    let obtained = yes_no(Field::CertificateObtained, None, &mut problems);
    let counts = yes_no(
        Field::CountsForFla,
        Some("missing_counts_for_fla"),
        &mut problems,
    );

    let provider = enterprise_digits(cell(Field::Provider), Field::Provider, &mut problems);
    let joint_committee = joint_committee(cell(Field::JointCommittee));

    let (
        true,
        Some(kind),
        Some(start),
        Some(end),
        Some(value),
        Some(unit),
        Some(followed),
        Some(counts),
    ) = (whole, kind, start, end, duration, unit, followed, counts)
    else {
        return ImportedRow {
            row,
            reference,
            declaration: None,
            problems,
            warnings: Vec::new(),
        };
    };
    let certificate = match (obtained, valid_until) {
        (Some(obtained), valid_until) => Some(wire::TrainingCertificate {
            obtained,
            valid_until: valid_until.map(|d| d.to_string()),
        }),
        // A validity date says the certificate was obtained.
        (None, Some(d)) => Some(wire::TrainingCertificate {
            obtained: true,
            valid_until: Some(d.to_string()),
        }),
        (None, None) => None,
    };
    let declaration = Declaration {
        external_reference: reference.clone(),
        employer: wire::Employer {
            enterprise_number: enterprise,
        },
        worker: wire::Worker { ssin },
        training: wire::Training {
            name,
            kind,
            start_date: start.to_string(),
            end_date: end.to_string(),
            duration: wire::Duration { value, unit },
            followed,
            certificate,
            counts_for_fla: counts,
            provider_enterprise_number: (!provider.is_empty()).then_some(provider),
            joint_committee,
        },
    };
    let warnings = rule_problems(&declaration, today, &mut problems);
    ImportedRow {
        row,
        reference,
        declaration: Some(declaration),
        problems,
        warnings,
    }
}

/// The blocking rules of the FLA (the editor's check) on a declaration, after
/// the problems already found (a field said already is not said again);
/// returns the non-blocking ones (warnings).
fn rule_problems(
    declaration: &Declaration,
    today: Date,
    problems: &mut Vec<Problem>,
) -> Vec<Problem> {
    let mut warnings = Vec::new();
    for kind in rules::check(declaration, today) {
        if !kind.blocking {
            warnings.push(Problem {
                field: kind.field,
                code: rule_code(kind, declaration),
                value: None,
                source: Source::Rule(kind),
            });
            continue;
        }
        // Said already, more precisely, by the identifier's own check.
        if problems.iter().any(|p| p.field == kind.field)
            // An empty reference is generated once, before the first send.
            || (kind.code == anomalies::REFERENCE.code
                && declaration.external_reference.trim().is_empty())
        {
            continue;
        }
        problems.push(Problem {
            field: kind.field,
            code: rule_code(kind, declaration),
            value: None,
            source: Source::Rule(kind),
        });
    }
    warnings
}

/// Notes a row's declaration in the file's `book` and adds what it found: a
/// `reference_conflict` problem (the reference is an earlier row's, for other
/// content), or a `duplicate_row` warning (the same declaration again).
pub fn check_row(
    book: &mut ReferenceBook,
    row: usize,
    declaration: &Declaration,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Noted {
    let (noted, reference) = book.note_declaration(row, declaration);
    match noted {
        Noted::First => {}
        Noted::SameContent { first_row } => {
            warnings.push(Problem::duplicate_row(first_row, row));
        }
        Noted::Conflict { first_row } => {
            problems.push(Problem::reference_conflict(&reference, first_row));
        }
    }
    noted
}

/// The problems of a declaration given whole (JSON Lines): its identifiers,
/// with the precise codes of a file's cells, then the FLA's rules.
pub fn check_declaration(declaration: &Declaration, today: Date) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Err(e) = identifiers::parse_ssin_on(&declaration.worker.ssin, today) {
        problems.push(Problem {
            field: Field::Ssin.path(),
            code: e.code(),
            value: Some(declaration.worker.ssin.clone()),
            source: Source::Ssin(e),
        });
    }
    let text = |s: &str| Cell::text(s);
    enterprise_digits(
        &text(&declaration.employer.enterprise_number),
        Field::Enterprise,
        &mut problems,
    );
    if let Some(provider) = &declaration.training.provider_enterprise_number {
        enterprise_digits(&text(provider), Field::Provider, &mut problems);
    }
    rule_problems(declaration, today, &mut problems);
    problems
}

/// The FLA's non-blocking anomalies of a declaration given whole (a late
/// declaration): it is sent all the same.
pub fn declaration_warnings(declaration: &Declaration, today: Date) -> Vec<Problem> {
    rule_problems(declaration, today, &mut Vec::new())
}

/// An SSIN's 11 digits from its cell as people type it (`85.07.30-033.28`, a
/// number cell), judged by `parse`: a text that lost its leading zero on its
/// way through Excel gets it back.
pub(crate) fn read_ssin(
    cell: &Cell,
    parse: impl Fn(&str) -> Result<identifiers::Ssin, SsinError>,
) -> Result<String, SsinError> {
    let typed = ssin_text(cell);
    parse(&typed)
        .or_else(|e| {
            let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
            match e {
                SsinError::Length if digits.len() == 10 => {
                    parse(&format!("0{digits}")).map_err(|_| e)
                }
                _ => Err(e),
            }
        })
        .map(|s| s.digits)
}

/// An enterprise number's digits (`BE 0403.170.701` → `0403170701`); where
/// they are wrong, a problem and the text as typed (without separators).
fn enterprise_digits(cell: &Cell, field: Field, problems: &mut Vec<Problem>) -> String {
    match read_enterprise(cell) {
        Ok(digits) => digits,
        Err((code, typed)) => {
            problems.push(Problem::value(field, code, Some(cell.display())));
            typed
        }
    }
}

/// An enterprise number's 10 digits from its cell (`BE 0403.170.701`, a
/// number cell that lost its leading zero; empty: empty); where they are
/// wrong, the code of what is wrong (`enterprise_checksum` where the digits
/// are there, else `enterprise_format`) and the text as typed, trimmed.
pub(crate) fn read_enterprise(cell: &Cell) -> Result<String, (&'static str, String)> {
    let text = match cell {
        Cell::Empty => return Ok(String::new()),
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 => format!("{:010}", *n as u64),
        other => other.display(),
    };
    if let Some(digits) = identifiers::parse_enterprise_number(&text) {
        return Ok(digits);
    }
    let cleaned: String = text
        .trim()
        .trim_start_matches(['B', 'E', 'b', 'e'])
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let code = if cleaned.bytes().all(|b| b.is_ascii_digit()) && matches!(cleaned.len(), 9 | 10) {
        "enterprise_checksum"
    } else {
        "enterprise_format"
    };
    Err((code, text.trim().to_owned()))
}

/// `200`, `PC 200`, `CP 200.03`, a number cell `200`.
pub(crate) fn joint_committee(cell: &Cell) -> Option<String> {
    let text = match cell {
        Cell::Empty => return None,
        other => other.display(),
    };
    let folded = text.trim();
    let rest = ["PC", "CP", "pc", "cp", "PSC", "SPC", "psc", "spc"]
        .iter()
        .find_map(|p| folded.strip_prefix(p))
        .unwrap_or(folded);
    let rest: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
    (!rest.is_empty()).then_some(rest)
}

/// The snake_case code of a rule's anomaly.
fn rule_code(kind: &AnomalyKind, d: &Declaration) -> &'static str {
    match kind.code {
        "FLA-REFERENCE" => "reference_length",
        "FLA-ENTERPRISE" => "enterprise_checksum",
        "FLA-PROVIDER-ENTERPRISE" => "provider_enterprise_checksum",
        "FLA-SSIN" => "ssin_invalid",
        "FLA-NAME" if d.training.name.trim().is_empty() => "missing_name",
        "FLA-NAME" => "name_too_long",
        "FLA-END-BEFORE-START" => "end_before_start",
        "FLA-TOO-EARLY" => "start_before_2024",
        "FLA-FUTURE" => "end_in_future",
        "FLA-DURATION-ZERO" => "duration_not_positive",
        "FLA-DURATION-TOO-LONG" => "duration_too_long",
        "FLA-DURATION-STEP" => "duration_not_quarter_hours",
        "FLA-CERTIFICATE-VALIDITY" => "certificate_expires_before_end",
        "FLA-CERTIFICATE-NOT-OBTAINED" => "certificate_not_obtained",
        "FLA-JOINT-COMMITTEE" => "joint_committee_format",
        "FLA-LATE" => "late",
        _ => "rule",
    }
}

/// A declaration in the contract's JSON shape, a whole duration written as an
/// integer (`14`, not `14.0`), as people and the contract's examples write it.
pub fn declaration_json(d: &Declaration) -> serde_json::Value {
    let mut value = serde_json::to_value(d).unwrap_or(serde_json::Value::Null);
    let n = d.training.duration.value;
    if n.fract() == 0.0 && n.abs() < 1e15 {
        if let Some(v) = value.pointer_mut("/training/duration/value") {
            *v = serde_json::Value::from(n as i64);
        }
    }
    value
}
