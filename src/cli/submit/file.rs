//! The rows of `submit`'s FILE: JSON Lines as they are, a spreadsheet
//! through the importer, each ready for the engine or said why not.

use super::*;
use crate::submit::service::Content;

/// One row of the file, ready for the engine or not a declaration at all.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    /// As a spreadsheet numbers it (the header is row 1; for JSON Lines, the line).
    pub row: usize,
    /// The reference as the file gives it (empty: one is generated once).
    pub reference: String,
    /// The declaration in its service's shape, or why the row is none.
    pub content: Result<Content, String>,
}

/// Turns the rows of an input file into declarations. A row without a reference
/// gets an empty one (the engine generates one, once); nothing else is filled in.
/// A row that is not a declaration keeps its issues, as one line.
pub fn declarations(input: &input::Input, lang: Lang) -> Vec<FileRow> {
    input
        .rows
        .iter()
        .map(|r| {
            let content = match &r.value {
                Err(e) => Err(e.to_string()),
                Ok(value) => {
                    let mut value = value.clone();
                    if let Value::Object(map) = &mut value {
                        if map.get("externalReference").is_none_or(Value::is_null) {
                            map.insert("externalReference".into(), Value::String(String::new()));
                        }
                    }
                    rules::parse_declaration(&value).map_err(|issues| {
                        issues
                            .iter()
                            .map(|i| crate::cli::issue_text(lang, i))
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                }
            };
            let reference = match &content {
                Ok(d) => d.external_reference.clone(),
                Err(_) => r
                    .value
                    .as_ref()
                    .ok()
                    .and_then(|v| v.get("externalReference"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            };
            FileRow {
                row: r.row,
                reference,
                content: content.map(Content::Fla),
            }
        })
        .collect()
}

pub(super) fn input_error(e: &InputError, file: &Path, lang: Lang) -> CliError {
    let path = ("file", file.display().to_string());
    let message = match e {
        InputError::Empty => tr_args(lang, "submit.error.empty_file", &[path]),
        InputError::NotUtf8 => tr_args(lang, "submit.error.not_utf8", &[path]),
        InputError::MissingColumns { missing } => tr_args(
            lang,
            "submit.error.missing_columns",
            &[path, ("columns", missing.join(", "))],
        ),
        InputError::DuplicateColumn { name } => tr_args(
            lang,
            "submit.error.duplicate_column",
            &[path, ("column", name.clone())],
        ),
        InputError::Csv { line, detail } => tr_args(
            lang,
            "submit.error.bad_csv",
            &[path, ("line", line.to_string()), ("detail", detail.clone())],
        ),
        InputError::NotJsonLine { line, detail } => tr_args(
            lang,
            "submit.error.not_json",
            &[path, ("line", line.to_string()), ("detail", detail.clone())],
        ),
    };
    CliError::usage(e.code(), message)
}

/// Whether a file is JSON Lines (the importer reads every other kind).
pub(super) fn is_json_lines(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"PK\x03\x04") {
        return false;
    }
    // The first characters say it: a few kilobytes are decoded, not a file of
    // a hundred megabytes (cut between two UTF-8 characters, not inside one).
    let mut end = bytes.len().min(4096);
    while end > 0 && end < bytes.len() && bytes[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    let head = import::decode(&bytes[..end]).0;
    let head = head.trim_start();
    if head.is_empty() && end < bytes.len() {
        return import::decode(bytes).0.trim_start().starts_with('{');
    }
    head.starts_with('{')
}

/// The user's `--mapping FIELD=HEADER`s.
pub(super) fn forced_mapping(
    args: &SubmitArgs,
    lang: Lang,
) -> Result<Vec<(import::Field, Option<String>)>, CliError> {
    args.mapping
        .iter()
        .map(|m| {
            import::parse_forced(m).map_err(|e| {
                CliError::usage(e.code(), e.message(lang, &args.file.display().to_string()))
            })
        })
        .collect()
}

pub(super) fn import_error(e: &ImportError, file: &Path, lang: Lang) -> CliError {
    CliError::usage(e.code(), e.message(lang, &file.display().to_string()))
}

/// The rows of FILE for the engine: JSON Lines as they are, a spreadsheet
/// through the importer (a row whose values make no declaration is held
/// back; one that breaks a rule goes to the engine, which holds it as invalid
/// with its anomalies, in the journal).
pub(super) fn file_rows(args: &SubmitArgs, lang: Lang) -> Result<FileInput, CliError> {
    let bytes = crate::files::read_input(&args.file).map_err(|e| CliError::from((e, lang)))?;
    if is_json_lines(&bytes) {
        let parsed = input::read(&bytes).map_err(|e| input_error(&e, &args.file, lang))?;
        return Ok(FileInput::Rows(declarations(&parsed, lang)));
    }
    let forced = forced_mapping(args, lang)?;
    // The engine checks the rules again at its own "today" before sending.
    let today = crate::today::brussels_date(time::OffsetDateTime::now_utc());
    // Read once through, keeping nothing, so that a file broken further down
    // is refused before anything starts; its rows are read again as they are
    // sent (a million rows are never all in memory).
    let first = import::import_stream(&bytes, &forced, today)
        .map_err(|e| import_error(&e, &args.file, lang))?;
    if !args.json {
        mapping_text(&first.mapping, lang)
            .iter()
            .for_each(|line| eprintln!("{line}"));
    }
    let rows = first
        .count_rows()
        .map_err(|e| import_error(&e, &args.file, lang))?;
    Ok(FileInput::Stream {
        bytes,
        forced,
        today,
        rows,
    })
}

/// A file's rows for `submit`: JSON Lines read whole, or a spreadsheet read
/// again row by row as the rows are sent.
pub(super) enum FileInput {
    Rows(Vec<FileRow>),
    Stream {
        bytes: Vec<u8>,
        forced: Vec<(import::Field, Option<String>)>,
        today: time::Date,
        rows: usize,
    },
}

impl FileInput {
    /// How many rows the file has.
    pub(super) fn len(&self) -> usize {
        match self {
            FileInput::Rows(rows) => rows.len(),
            FileInput::Stream { rows, .. } => *rows,
        }
    }

    /// The rows, one at a time (a spreadsheet's read through once already:
    /// its second reading fails only where the first did).
    pub(super) fn into_rows(
        self,
        lang: Lang,
    ) -> Result<Box<dyn Iterator<Item = Result<FileRow, ImportError>>>, ImportError> {
        Ok(match self {
            FileInput::Rows(rows) => Box::new(rows.into_iter().map(Ok)),
            FileInput::Stream {
                bytes,
                forced,
                today,
                ..
            } => Box::new(
                import::import_stream_owned(bytes, &forced, today)?.map(move |r| {
                    r.map(|r| FileRow {
                        row: r.row,
                        reference: r.reference,
                        content: r.declaration.map(Content::Fla).ok_or_else(|| {
                            // The field's path too: the spreadsheet's column may be named otherwise.
                            r.problems
                                .iter()
                                .map(|p| format!("{} ({})", p.message(lang), p.field))
                                .collect::<Vec<_>>()
                                .join("; ")
                        }),
                    })
                }),
            ),
        })
    }
}
