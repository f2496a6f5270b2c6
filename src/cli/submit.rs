//! `fla-assistant submit FILE`: every row of a CSV or JSON Lines file, through
//! the submission engine (journal, exactly-once, concurrency, resume), with a
//! progress bar on a terminal, a final count and a CSV report of every row.
//! The engine does the work; this file reads the file, shows and reports.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{json, Value};

use super::common::{client_for, default_journal, prefetch_token};
use super::connection::ConnectionArgs;
use super::{exit, print_json, CliError};
use crate::fla::rules;
use crate::fla::wire::Declaration;
use crate::i18n::{format_decimal, tr, tr_args, tr_n, Lang};
use crate::submit::conflicts::{Noted, ReferenceBook};
use crate::submit::engine::{Engine, EngineConfig, NewDeclaration, RowId};
use crate::submit::import::{self, ImportError};
use crate::submit::input::{self, InputError};
use crate::submit::owner::Holder;
use crate::submit::run::{report_record, row_outcome, Counts, RowOutcome, REPORT_HEADER};
use crate::submit::state::State;

#[derive(Debug, Args)]
// `--dry-run` sends nothing: the account's flags are needed only without it.
#[command(
    mut_arg("client_id", |a| a
        .required(false)
        .required_unless_present("dry_run")
        .default_value("")
        .hide_default_value(true)),
    // (a path cannot be empty; this one is never opened)
    mut_arg("pfx", |a| a
        .required(false)
        .required_unless_present("dry_run")
        .default_value(".")
        .hide_default_value(true))
)]
pub struct SubmitArgs {
    /// A CSV whose header row uses the contract's names (any of `,` `;` tab),
    /// or JSON Lines of declarations in the contract's shape.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The journal (default: the app's, in its data folder).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// The most requests at once: below it the number adapts to the
    /// server's pace (1: one at a time).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Write a CSV of every row (its state, declarationId, result, messages).
    #[arg(long, value_name = "OUT.csv")]
    pub report: Option<PathBuf>,
    /// Print only the final JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Import and check only: send nothing (needs no connection flags).
    #[arg(long)]
    pub dry_run: bool,
    /// The server's processing window, in seconds: a declaration whose answer
    /// was lost is sent again only if a search this long after it was sent
    /// does not find it (default: 600, or 30 for the built-in sandbox).
    #[arg(long, value_name = "SECONDS")]
    pub unknown_wait: Option<u64>,
    /// Take this column for a field, as FIELD=HEADER (repeat for several).
    #[arg(long = "mapping", value_name = "FIELD=HEADER")]
    pub mapping: Vec<String>,
    /// With --dry-run --json: every valid row's declaration in the JSON, however
    /// many (without it, only up to 10,000 valid rows).
    #[arg(long, requires = "dry_run")]
    pub include_declarations: bool,
    /// With --dry-run: write each valid row's declaration to FILE, one JSON per line.
    #[arg(long, value_name = "FILE", requires = "dry_run")]
    pub declarations_out: Option<PathBuf>,
}

/// `--concurrency` when not given: the pace's own bound.
const DEFAULT_CONCURRENCY: u16 = crate::submit::pace::MAX_LIMIT as u16;

/// Rows added (and sent) at a time: as the Bulk page does.
const ADD_SLICE: usize = crate::submit::run::SLICE;

/// Rows waiting to be sent (or being sent) before the next slice is read: a
/// few seconds' work at the sandbox's pace, so sending never waits for reading.
const QUEUED_AT_MOST: usize = 10_000;
/// And no more while this many rows sent wait for their result (or for their
/// outcome to be known): a server slower to process than to take keeps a
/// million-row run to this many rows watched, not the whole file.
const AWAITING_AT_MOST: usize = 50_000;

/// One row of the file, ready for the engine or not a declaration at all.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    /// As a spreadsheet numbers it (the header is row 1; for JSON Lines, the line).
    pub row: usize,
    /// The reference as the file gives it (empty: one is generated once).
    pub reference: String,
    pub content: Result<Declaration, String>,
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
                            .map(|i| super::issue_text(lang, i))
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
                content,
            }
        })
        .collect()
}

fn input_error(e: &InputError, file: &Path, lang: Lang) -> CliError {
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

/// How the command line shows and ends on its counts.
trait CountsShown {
    fn exit_code(&self) -> u8;
    fn json(&self, duplicates_avoided: u64, seconds: f64) -> Value;
    fn line(&self, lang: Lang) -> String;
}

impl CountsShown for Counts {
    /// 0 when every row ended A or W; 3 when some could not be sent or have
    /// no result yet; 1 when some were refused or invalid (or cancelled).
    fn exit_code(&self) -> u8 {
        if self.failed + self.unknown + self.processing + self.not_sent > 0 {
            exit::NETWORK
        } else if self.refused + self.invalid + self.cancelled > 0 {
            exit::FINDINGS
        } else {
            exit::DONE
        }
    }

    fn json(&self, duplicates_avoided: u64, seconds: f64) -> Value {
        json!({
            "total": self.total,
            "accepted": self.accepted,
            "warning": self.warning,
            "refused": self.refused,
            "invalid": self.invalid,
            "failed": self.failed,
            "duplicates_avoided": duplicates_avoided,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "cancelled": self.cancelled,
            "unknown": self.unknown,
            "processing": self.processing,
            "not_sent": self.not_sent,
        })
    }

    /// One line for the progress bar and the text summary.
    fn line(&self, lang: Lang) -> String {
        let mut parts = Vec::new();
        for (key, n) in [
            ("submit.count.accepted", self.accepted),
            ("submit.count.warning", self.warning),
            ("submit.count.refused", self.refused),
            ("submit.count.cancelled", self.cancelled),
            ("submit.count.invalid", self.invalid),
            ("submit.count.failed", self.failed),
            ("submit.count.unknown", self.unknown),
            ("submit.count.processing", self.processing),
            ("submit.count.not_sent", self.not_sent),
        ] {
            if n > 0 || matches!(key, "submit.count.accepted") {
                parts.push(tr_n(lang, key, n, &[]));
            }
        }
        parts.join(" · ")
    }
}

/// Where each row of the file (by its number) went: its engine row, or why it
/// is not a declaration. All a run keeps of a row once it is stored.
enum Placed {
    Engine {
        row: usize,
        id: RowId,
    },
    NotADeclaration {
        row: usize,
        reference: String,
        issues: String,
    },
}

pub async fn submit(args: SubmitArgs, lang: Lang) -> Result<u8, CliError> {
    if args.dry_run {
        return dry_run(&args, lang);
    }
    let started = Instant::now();
    let rows = file_rows(&args, lang)?;
    // Where each row comes from, in the journal (and the GUI's table).
    let file_name = crate::files::file_source(&args.file);

    let c = &args.connection;
    let clock = c.clock(lang)?;
    let resolved = c.resolve_with(clock, lang).await?;
    let fla = client_for(&resolved, c, lang)?;
    // A connection that cannot give a token is an error before anything starts.
    if let Err(code) = prefetch_token(&fla, args.json, lang).await {
        return Ok(code);
    }

    let journal = args
        .journal
        .clone()
        .unwrap_or_else(|| default_journal(c.environment));
    let config = EngineConfig {
        concurrency: usize::from(args.concurrency),
        reconcile_after: super::unknown_wait(args.unknown_wait, &fla.server),
        // A file run shows nothing of a row that is done but its outcome.
        keep_settled: false,
        ..EngineConfig::default()
    };
    let engine = Engine::open_for(&journal, Arc::new(fla), config, Holder::Submit)
        .await
        .map_err(|e| super::engine_error(&e, lang))?;

    // A row without a reference is known by its content (the engine's
    // `content_reference`): read again, from this file or a copy, it is the
    // row already in the journal, not a new declaration.
    // Read, stored and sent a slice at a time: the first requests leave while
    // the rest of the file is still being read, and a row's declaration is
    // held once, by the engine (a run keeps a row's number and its id).
    let total = rows.len();
    let mut placed: Vec<Placed> = Vec::with_capacity(total);
    let mut rows = rows
        .into_rows(lang)
        .map_err(|e| import_error(&e, &args.file, lang))?
        .peekable();
    while rows.peek().is_some() {
        // The next rows are read once the engine has room for them: the rest
        // of the file waits in the file, not in memory.
        engine.until_room(QUEUED_AT_MOST, AWAITING_AT_MOST).await;
        let mut to_add = Vec::with_capacity(ADD_SLICE);
        let mut to_add_at = Vec::with_capacity(ADD_SLICE);
        for r in rows.by_ref().take(ADD_SLICE) {
            let r = r.map_err(|e| import_error(&e, &args.file, lang))?;
            match r.content {
                Err(issues) => placed.push(Placed::NotADeclaration {
                    row: r.row,
                    reference: r.reference,
                    issues,
                }),
                Ok(declaration) => {
                    to_add_at.push(placed.len());
                    placed.push(Placed::Engine { row: r.row, id: 0 });
                    to_add.push(NewDeclaration {
                        declaration,
                        source: Some(crate::submit::input::row_source(&file_name, r.row)),
                    });
                }
            }
        }
        let ids = engine
            .add_and_send(to_add, ADD_SLICE)
            .await
            .map_err(|e| super::engine_error(&e, lang))?;
        for (at, new_id) in to_add_at.into_iter().zip(ids) {
            if let Some(Placed::Engine { id, .. }) = placed.get_mut(at) {
                *id = new_id;
            }
        }
    }

    // The file's rows in the engine, and how many are not declarations at all:
    // the counts of a moment are read from the engine's states, never a copy
    // of every row.
    let engine_ids: Vec<RowId> = placed
        .iter()
        .filter_map(|p| match p {
            Placed::Engine { id, .. } => Some(*id),
            Placed::NotADeclaration { .. } => None,
        })
        .collect();
    let not_declarations = placed.len() - engine_ids.len();
    let counts_now = |engine: &Engine| {
        let states = engine.states(&engine_ids);
        Counts::of(
            states
                .iter()
                .map(|s| s.unwrap_or(State::Draft).code())
                .chain(std::iter::repeat_n(State::Invalid.code(), not_declarations)),
        )
    };
    if std::io::stderr().is_terminal() {
        let counts = counts_now(&engine);
        let bar = progress_bar(placed.len() as u64, counts.settled());
        bar.set_message(counts.line(lang));
        let idle = engine.until_idle_or_unknown(super::UNKNOWN_PATIENCE);
        tokio::pin!(idle);
        // Redrawn on a clock, not on every change: a snapshot of ten thousand
        // rows per result would cost more than the work it shows.
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            tokio::select! {
                () = &mut idle => break,
                _ = tick.tick() => {}
            }
            let counts = counts_now(&engine);
            bar.set_position(counts.settled());
            bar.set_message(counts.line(lang));
        }
        bar.finish_and_clear();
    } else {
        engine.until_idle_or_unknown(super::UNKNOWN_PATIENCE).await;
    }
    super::engine_broken(&engine, lang)?;

    // What each row came to, one row at a time: counted, said where it must
    // be, and written to the report as it goes (a million rows are never all
    // in memory twice).
    let mut summary = Summary::default();
    let rows = outcomes(&engine, &placed, lang);
    if let Some(out) = &args.report {
        crate::files::write_atomically_with(out, |w| {
            let mut report = csv::Writer::from_writer(w);
            report.write_record(REPORT_HEADER)?;
            for o in rows {
                summary.take(&o, lang);
                report_record(&mut report, &o)?;
            }
            report.flush()
        })
        .map_err(|e| CliError {
            code: e.code().into(),
            message: match e {
                crate::cert::CertError::WriteFailed { path, detail } => tr_args(
                    lang,
                    "submit.report_failed",
                    &[("path", path), ("detail", detail)],
                ),
                other => other.message(lang),
            },
            exit: exit::BAD_INPUT,
        })?;
    } else {
        rows.for_each(|o| summary.take(&o, lang));
    }
    let Summary {
        counts,
        duplicates,
        unknown_rows,
    } = summary;
    let seconds = started.elapsed().as_secs_f64();
    // Rows whose outcome is not known yet: when a run may tell.
    let unknown_until = (counts.unknown > 0)
        .then(|| engine.unknown_until_ms())
        .flatten();
    if let Some(at) = unknown_until {
        eprintln!(
            "{}",
            super::unknown_line(lang, counts.unknown, at, &unknown_rows)
        );
    }
    if args.json {
        let mut out = counts.json(duplicates, seconds);
        out["journal"] = json!(journal.display().to_string());
        out["server"] = json!(engine.server());
        if let Some(at) = unknown_until {
            out["unknownRows"] = json!(unknown_rows);
            out["runAgainAfter"] = json!(super::rfc3339_ms(at));
        }
        out["report"] = json!(args.report.as_ref().map(|p| p.display().to_string()));
        print_json(&out);
    } else {
        println!(
            "{}",
            tr_n(
                lang,
                "submit.summary",
                counts.total,
                &[
                    ("counts", counts.line(lang)),
                    (
                        "seconds",
                        format_decimal(lang, (seconds * 10.0).round() / 10.0)
                    ),
                ]
            )
        );
        if duplicates > 0 {
            println!(
                "{}",
                tr_n(lang, "submit.duplicates_avoided", duplicates, &[])
            );
        }
        if counts.exit_code() == exit::NETWORK {
            println!("{}", tr(lang, "submit.run_again"));
        }
    }
    Ok(counts.exit_code())
}

/// What a run's rows came to, taken one row at a time.
#[derive(Default)]
struct Summary {
    counts: Counts,
    /// The file's rows the journal knows were not sent twice (any run).
    duplicates: u64,
    /// The file's rows whose outcome is not known yet.
    unknown_rows: Vec<usize>,
}

impl Summary {
    fn take(&mut self, o: &RowOutcome, lang: Lang) {
        self.counts.add(&o.state);
        self.duplicates += u64::from(o.duplicate_avoided);
        if o.state == State::Unknown.code() {
            self.unknown_rows.push(o.row);
        }
        if o.error_code.as_deref() == Some(DUPLICATE_ROW) {
            if let Some(text) = &o.error_message {
                eprintln!(
                    "{}",
                    tr_args(
                        lang,
                        "submit.row_line",
                        &[("row", o.row.to_string()), ("text", text.clone())]
                    )
                );
            }
        }
    }
}

/// A bar of the file's rows on stderr, starting at the rows already settled
/// (a resumed run), its rate and time left counted from now.
fn progress_bar(len: u64, settled: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::hidden(),
    )
    .with_position(settled);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} {rate} ~{eta}  {msg}",
    ) {
        let style = style
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                },
            )
            .progress_chars("=> ");
        bar.set_style(style);
    }
    bar.reset_eta();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar
}

/// What each row of the file came to, as the engine knows it now.
fn outcomes<'a>(
    engine: &'a Engine,
    placed: &'a [Placed],
    lang: Lang,
) -> impl Iterator<Item = RowOutcome> + 'a {
    // The same declaration on two rows of the file: declared once, the second
    // row says which row it repeats and counts as a send avoided.
    let mut first_row: HashMap<RowId, usize> = HashMap::new();
    placed.iter().map(move |p| match p {
        Placed::NotADeclaration {
            row,
            reference,
            issues,
        } => RowOutcome {
            row: *row,
            reference: reference.clone(),
            state: State::Invalid.code().into(),
            error_code: Some("not_a_declaration".into()),
            error_message: Some(tr_args(
                lang,
                "declare.not_a_declaration",
                &[("issues", issues.clone())],
            )),
            ..RowOutcome::default()
        },
        Placed::Engine { row, id } => {
            let mut outcome = match engine.row(*id) {
                None => RowOutcome {
                    row: *row,
                    state: State::Draft.code().into(),
                    ..RowOutcome::default()
                },
                Some(r) => row_outcome(*row, &r, lang),
            };
            match first_row.get(id) {
                Some(&first) => {
                    outcome.duplicate_avoided = true;
                    outcome.error_code = Some(DUPLICATE_ROW.into());
                    outcome.error_message = Some(tr_args(
                        lang,
                        "submit.duplicate_row",
                        &[("first", first.to_string())],
                    ));
                }
                None => {
                    first_row.insert(*id, *row);
                }
            }
            outcome
        }
    })
}

/// The code of a row that repeats an earlier row of the file, content and all.
pub const DUPLICATE_ROW: &str = "duplicate_row";

/// Whether a file is JSON Lines (the importer reads every other kind).
fn is_json_lines(bytes: &[u8]) -> bool {
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
fn forced_mapping(
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

fn import_error(e: &ImportError, file: &Path, lang: Lang) -> CliError {
    CliError::usage(e.code(), e.message(lang, &file.display().to_string()))
}

/// The rows of FILE for the engine: JSON Lines as they are, a spreadsheet
/// through the importer (a row whose values make no declaration is held
/// back; one that breaks a rule goes to the engine, which holds it as invalid
/// with its anomalies, in the journal).
fn file_rows(args: &SubmitArgs, lang: Lang) -> Result<FileInput, CliError> {
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
enum FileInput {
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
    fn len(&self) -> usize {
        match self {
            FileInput::Rows(rows) => rows.len(),
            FileInput::Stream { rows, .. } => *rows,
        }
    }

    /// The rows, one at a time (a spreadsheet's read through once already:
    /// its second reading fails only where the first did).
    fn into_rows(
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
                        content: r.declaration.ok_or_else(|| {
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

/// The mapping as lines for a person: each field's column and why, then the
/// columns left out.
fn mapping_text(mapping: &import::Mapping, lang: Lang) -> Vec<String> {
    let mut lines: Vec<String> = mapping
        .fields
        .iter()
        .map(|m| {
            tr_args(
                lang,
                "import.mapping_line",
                &[
                    ("field", m.field.name().to_owned()),
                    ("header", m.header.clone()),
                    ("by", tr(lang, &format!("import.by.{}", m.by.code()))),
                ],
            )
        })
        .collect();
    if !mapping.ignored.is_empty() {
        lines.push(tr_args(
            lang,
            "import.ignored_columns",
            &[("columns", mapping.ignored.join(", "))],
        ));
    }
    lines
}

/// One row's problem, as `--dry-run` reports it.
fn problem_json(row: usize, reference: &str, p: &import::Problem, lang: Lang) -> Value {
    json!({
        "row": row,
        "externalReference": reference,
        "field": p.field,
        "code": p.code,
        "message": p.message(lang),
        "value": p.value,
        "anomaly": p.anomaly(),
    })
}

/// Valid rows up to which `--dry-run --json` lists their declarations without
/// being asked (`--include-declarations`): above, the JSON of a huge file would
/// be mostly the file again, and held whole in memory to be printed.
pub const DECLARATIONS_INLINE_MAX: u64 = 10_000;

/// A JSON Lines row as a declaration, or what makes it none (field, message).
fn jsonl_declaration(
    r: &input::InputRow,
    lang: Lang,
) -> Result<Declaration, Vec<(String, String)>> {
    match &r.value {
        Err(e) => Err(vec![(String::new(), e.to_string())]),
        Ok(value) => {
            let mut value = value.clone();
            if let Value::Object(map) = &mut value {
                map.entry("externalReference")
                    .or_insert_with(|| Value::String(String::new()));
            }
            rules::parse_declaration(&value).map_err(|issues| {
                issues
                    .iter()
                    .map(|i| (i.name.clone(), super::issue_text(lang, i)))
                    .collect()
            })
        }
    }
}

fn write_failed(path: &Path, e: &std::io::Error, lang: Lang) -> CliError {
    CliError {
        code: "write_failed".into(),
        message: tr_args(
            lang,
            "error.write_failed",
            &[
                ("path", path.display().to_string()),
                ("detail", e.to_string()),
            ],
        ),
        exit: exit::BAD_INPUT,
    }
}

/// A row's problem or warning as a dry run keeps it until it is said: the
/// row, its reference and the problem (its message made only when printed).
type Finding = (usize, String, import::Problem);

/// What a dry run keeps while the rows go by: counts, the problems and
/// warnings (a hundred bytes or so each, their text made when printed), a
/// 40-byte entry per reference for the conflicts, and the declarations only as
/// asked (a few in the JSON, or written to `--declarations-out` as they come).
struct DryRunReport<'a> {
    book: ReferenceBook,
    total: u64,
    valid: u64,
    invalid_rows: u64,
    problems: Vec<Finding>,
    warnings: Vec<Finding>,
    /// The declarations for the JSON, while they are at most
    /// [`DECLARATIONS_INLINE_MAX`]; `None` when not kept (over, not asked, or
    /// streamed at the end).
    inline: Option<Vec<Value>>,
    out_file: Option<(&'a Path, std::io::BufWriter<std::fs::File>)>,
    /// Rows whose values alone are valid, held back for a conflicting
    /// reference (in the file's order).
    conflict_rows: Vec<usize>,
}

impl<'a> DryRunReport<'a> {
    fn new(args: &'a SubmitArgs, lang: Lang) -> Result<DryRunReport<'a>, CliError> {
        let out_file = match &args.declarations_out {
            Some(path) => {
                let file = std::fs::File::create(path).map_err(|e| write_failed(path, &e, lang))?;
                Some((path.as_path(), std::io::BufWriter::new(file)))
            }
            None => None,
        };
        Ok(DryRunReport {
            book: ReferenceBook::new(),
            total: 0,
            valid: 0,
            invalid_rows: 0,
            problems: Vec::new(),
            warnings: Vec::new(),
            inline: (args.json && !args.include_declarations).then(Vec::new),
            out_file,
            conflict_rows: Vec::new(),
        })
    }

    /// One row: its declaration where its values make one, its problems and
    /// warnings; a reference an earlier row holds adds its own.
    fn row(
        &mut self,
        row: usize,
        reference: &str,
        declaration: Option<Declaration>,
        mut problems: Vec<import::Problem>,
        mut warnings: Vec<import::Problem>,
        lang: Lang,
    ) -> Result<(), CliError> {
        self.total += 1;
        if let Some(d) = &declaration {
            let clean = problems.is_empty();
            let noted = import::check_row(&mut self.book, row, d, &mut problems, &mut warnings);
            if clean && matches!(noted, Noted::Conflict { .. }) {
                self.conflict_rows.push(row);
            }
        }
        let valid = declaration.is_some() && problems.is_empty();
        self.warnings
            .extend(warnings.into_iter().map(|w| (row, reference.to_owned(), w)));
        self.problems
            .extend(problems.into_iter().map(|p| (row, reference.to_owned(), p)));
        match declaration {
            Some(d) if valid => {
                self.valid += 1;
                let value = import::declaration_json(&d);
                if let Some((path, out)) = &mut self.out_file {
                    use std::io::Write;
                    serde_json::to_writer(&mut *out, &value)
                        .map_err(std::io::Error::from)
                        .and_then(|()| out.write_all(b"\n"))
                        .map_err(|e| write_failed(path, &e, lang))?;
                }
                if self.valid > DECLARATIONS_INLINE_MAX {
                    self.inline = None;
                } else if let Some(list) = &mut self.inline {
                    list.push(value);
                }
            }
            _ => self.invalid_rows += 1,
        }
        Ok(())
    }

    /// Whether a row valid by its values was held back for its reference.
    fn held_back(&self, row: usize) -> bool {
        self.conflict_rows.binary_search(&row).is_ok()
    }
}

/// A warning as `--dry-run --json` says it.
fn warning_json(row: usize, reference: &str, w: &import::Problem, lang: Lang) -> Value {
    json!({
        "row": row,
        "externalReference": reference,
        "field": w.field,
        "code": w.code,
        "message": w.message(lang),
        "anomaly": w.anomaly(),
    })
}

/// A problem or a warning as a line of text.
fn finding_line(key: &str, (row, reference, p): &Finding, lang: Lang) -> String {
    tr_args(
        lang,
        key,
        &[
            ("row", row.to_string()),
            ("reference", reference.clone()),
            ("message", p.message(lang)),
            ("code", p.code.to_owned()),
        ],
    )
}

/// An array written as its items come (`--include-declarations`), never held.
struct StreamedArray<I>(std::cell::RefCell<Option<I>>);

impl<I: Iterator<Item = Value>> serde::Serialize for StreamedArray<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let items = self.0.borrow_mut().take();
        serializer.collect_seq(items.into_iter().flatten())
    }
}

/// Items of a JSON array, made as they are written.
type Items<'a> = Box<dyn Iterator<Item = Value> + 'a>;

/// A JSON object some of whose members are [`StreamedArray`]s, in the order
/// (and the pretty form) `print_json` gives the object.
struct WithStreamed<'a, 'b> {
    fields: &'a serde_json::Map<String, Value>,
    streamed: Vec<(&'static str, StreamedArray<Items<'b>>)>,
}

impl serde::Serialize for WithStreamed<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (k, v) in self.fields {
            match self.streamed.iter().find(|(key, _)| key == k) {
                Some((_, items)) => map.serialize_entry(k, items)?,
                None => map.serialize_entry(k, v)?,
            }
        }
        map.end()
    }
}

/// Prints `out` as `print_json` does, with the `streamed` members written as
/// their items come (never held whole).
fn print_json_streamed(out: &Value, streamed: Vec<(&'static str, Items<'_>)>) {
    use std::io::Write;
    let Value::Object(fields) = out else {
        return print_json(out);
    };
    let whole = WithStreamed {
        fields,
        streamed: streamed
            .into_iter()
            .map(|(key, items)| (key, StreamedArray(std::cell::RefCell::new(Some(items)))))
            .collect(),
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed stdout (a pipe to `head`) is not worth a panic.
    let _ = serde_json::to_writer_pretty(&mut stdout, &whole);
    let _ = writeln!(stdout);
    let _ = stdout.flush();
}

/// `submit FILE --dry-run`: import and check every row, send nothing. Exit 0
/// when every row is valid, 1 when some are not, 2 when the file cannot be
/// read. The rows of a CSV are read, checked and counted one at a time.
fn dry_run(args: &SubmitArgs, lang: Lang) -> Result<u8, CliError> {
    let result = dry_run_report(args, lang);
    if result.is_err() {
        // A file broken further down: no half list of declarations is left.
        if let Some(path) = &args.declarations_out {
            let _ = std::fs::remove_file(path);
        }
    }
    result
}

fn dry_run_report(args: &SubmitArgs, lang: Lang) -> Result<u8, CliError> {
    let bytes = crate::files::read_input(&args.file).map_err(|e| CliError::from((e, lang)))?;
    let clock = args.connection.clock(lang)?;
    let today = crate::today::brussels_date(clock());
    let mut report = DryRunReport::new(args, lang)?;
    let mut out = json!({});
    // JSON Lines rows that are no declaration at all, said first in text.
    let mut shape_invalid: Vec<Value> = Vec::new();
    let mut shape_lines: Vec<String> = Vec::new();
    let json_lines = is_json_lines(&bytes);
    let forced = if json_lines {
        Vec::new()
    } else {
        forced_mapping(args, lang)?
    };
    let (parsed, stream) = if json_lines {
        let parsed = input::read(&bytes).map_err(|e| input_error(&e, &args.file, lang))?;
        (Some(parsed), None)
    } else {
        // The bytes given away: a Windows-1252 file's are dropped once decoded.
        let rows = import::import_stream_owned(bytes, &forced, today)
            .map_err(|e| import_error(&e, &args.file, lang))?;
        (None, Some(rows))
    };
    let mut mapping_lines = Vec::new();
    if let Some(parsed) = &parsed {
        out["format"] = json!("jsonl");
        out["mapping"] = json!({});
        for r in &parsed.rows {
            let reference = r
                .value
                .as_ref()
                .ok()
                .and_then(|v| v.get("externalReference"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            match jsonl_declaration(r, lang) {
                Ok(d) => {
                    let problems = import::check_declaration(&d, today);
                    let warnings = import::declaration_warnings(&d, today);
                    report.row(r.row, &reference, Some(d), problems, warnings, lang)?;
                }
                Err(issues) => {
                    for (field, message) in issues {
                        shape_invalid.push(json!({
                            "row": r.row,
                            "externalReference": reference,
                            "field": field,
                            "code": "not_a_declaration",
                            "message": message,
                        }));
                        shape_lines.push(tr_args(
                            lang,
                            "import.problem_line",
                            &[
                                ("row", r.row.to_string()),
                                ("reference", reference.clone()),
                                ("message", message),
                                ("code", "not_a_declaration".to_owned()),
                            ],
                        ));
                    }
                    report.row(r.row, &reference, None, Vec::new(), Vec::new(), lang)?;
                }
            }
        }
    } else if let Some(rows) = stream {
        let m = &rows.mapping;
        match rows.format {
            import::FileFormat::Csv {
                delimiter,
                encoding,
            } => {
                out["format"] = json!("csv");
                out["delimiter"] = json!((delimiter as char).to_string());
                out["encoding"] = json!(encoding.name());
            }
            import::FileFormat::Xlsx => out["format"] = json!("xlsx"),
        }
        out["headerRow"] = json!(m.header_row);
        out["mapping"] = m
            .fields
            .iter()
            .map(|f| (f.field.name().to_owned(), json!(f.header)))
            .collect::<serde_json::Map<_, _>>()
            .into();
        out["mappedBy"] = m
            .fields
            .iter()
            .map(|f| (f.field.name().to_owned(), json!(f.by.code())))
            .collect::<serde_json::Map<_, _>>()
            .into();
        out["ignoredColumns"] = json!(m.ignored);
        if !args.json {
            mapping_lines = mapping_text(m, lang);
        }
        for r in rows {
            let r = r.map_err(|e| import_error(&e, &args.file, lang))?;
            let valid = r.is_valid();
            report.row(
                r.row,
                &r.reference,
                r.declaration.filter(|_| valid),
                r.problems,
                r.warnings,
                lang,
            )?;
        }
    }
    if let Some((path, out_file)) = &mut report.out_file {
        use std::io::Write;
        out_file.flush().map_err(|e| write_failed(path, &e, lang))?;
    }
    // Every row is read: the references are no longer needed, before the
    // output (and a second reading of the file) takes its own memory.
    report.book = ReferenceBook::new();
    let (total, valid, invalid_rows) = (report.total, report.valid, report.invalid_rows);
    let report = &report;
    if args.json {
        out["total"] = json!(total);
        out["valid"] = json!(valid);
        out["invalidRows"] = json!(invalid_rows);
        // Problems in the file's order: a JSON Lines row is either no
        // declaration (its shape) or a declaration with problems.
        let mut shape = shape_invalid.into_iter().peekable();
        let mut problems = report.problems.iter().peekable();
        let invalid = std::iter::from_fn(move || {
            let shape_first = match (shape.peek(), problems.peek()) {
                (Some(s), Some((row, ..))) => s["row"].as_u64() <= Some(*row as u64),
                (Some(_), None) => true,
                (None, _) => false,
            };
            if shape_first {
                shape.next()
            } else {
                problems
                    .next()
                    .map(|(row, reference, p)| problem_json(*row, reference, p, lang))
            }
        });
        let warnings = report
            .warnings
            .iter()
            .map(move |(row, reference, w)| warning_json(*row, reference, w, lang));
        let mut streamed: Vec<(&'static str, Items<'_>)> = vec![
            ("invalid", Box::new(invalid)),
            ("warnings", Box::new(warnings)),
        ];
        if args.include_declarations {
            // Read again, and each valid row's declaration written as it
            // comes: the first pass knows which rows are held back.
            let items: Items<'_> = match &parsed {
                Some(parsed) => Box::new(parsed.rows.iter().filter_map(move |r| {
                    let d = jsonl_declaration(r, lang).ok()?;
                    (import::check_declaration(&d, today).is_empty() && !report.held_back(r.row))
                        .then(|| import::declaration_json(&d))
                })),
                // Read again from the disk: the first pass gave its bytes away.
                None => Box::new(
                    crate::files::read_input(&args.file)
                        .map_err(|e| CliError::from((e, lang)))
                        .and_then(|bytes| {
                            import::import_stream_owned(bytes, &forced, today)
                                .map_err(|e| import_error(&e, &args.file, lang))
                        })?
                        .filter_map(Result::ok)
                        .filter(|r| r.is_valid() && !report.held_back(r.row))
                        .filter_map(|r| r.declaration.as_ref().map(import::declaration_json)),
                ),
            };
            streamed.push(("declarations", items));
        } else {
            match &report.inline {
                Some(list) => {
                    streamed.push(("declarations", Box::new(list.iter().cloned())));
                }
                None => {
                    out["declarationsOmitted"] = json!(true);
                    eprintln!(
                        "{}",
                        tr_args(
                            lang,
                            "import.declarations_omitted",
                            &[("count", crate::i18n::format_count(lang, valid))],
                        )
                    );
                }
            }
        }
        for (key, _) in &streamed {
            out[*key] = Value::Null;
        }
        print_json_streamed(&out, streamed);
    } else {
        for line in mapping_lines.iter().chain(&shape_lines) {
            println!("{line}");
        }
        // Each row's warnings, then its problems.
        let mut warnings = report.warnings.iter().peekable();
        let mut problems = report.problems.iter().peekable();
        loop {
            let warning_first = match (warnings.peek(), problems.peek()) {
                (Some(w), Some(p)) => w.0 <= p.0,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let line = if warning_first {
                warnings
                    .next()
                    .map(|w| finding_line("import.warning_line", w, lang))
            } else {
                problems
                    .next()
                    .map(|p| finding_line("import.problem_line", p, lang))
            };
            if let Some(line) = line {
                println!("{line}");
            }
        }
        println!(
            "{}",
            tr_n(
                lang,
                "import.summary",
                total,
                &[
                    ("valid", crate::i18n::format_count(lang, valid)),
                    ("invalid", crate::i18n::format_count(lang, invalid_rows)),
                ]
            )
        );
        println!("{}", tr(lang, "import.nothing_sent"));
    }
    Ok(if invalid_rows > 0 {
        exit::FINDINGS
    } else {
        exit::DONE
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submit::run::report_csv;

    const HEADER: &str = "externalReference;enterpriseNumber;ssin;trainingName;trainingType;startDate;endDate;durationValue;durationUnit;followed;countsForFla";

    #[test]
    fn json_lines_are_told_by_their_first_characters() {
        assert!(is_json_lines(b"\xEF\xBB\xBF{\"a\": 1}\n"));
        assert!(is_json_lines(b"\xFF\xFE{\x00}\x00"));
        let mut spaced = vec![b' '; 5000];
        spaced.extend_from_slice(b"{}\n");
        assert!(is_json_lines(&spaced));
        // Cut between two characters, not inside one.
        let mut text = "\u{e9}".repeat(3000).into_bytes();
        text.insert(0, b' ');
        assert!(!is_json_lines(&text));
        assert!(!is_json_lines(b"a;b\n{;}\n"));
    }

    #[test]
    fn rows_become_declarations_or_say_why_not() {
        let text = format!(
            "{HEADER}\n\
             R1;0403170701;85073003328;Excel;FORMAL;2025-03-03;2025-03-04;14;HOURS;true;true\n\
             ;0403170701;85073003328;Excel;FORMAL;2025-03-03;2025-03-04;14;HOURS;true;true\n\
             R3;0403170701;85073003328;Excel;FORMAL;2025-13-03;2025-03-04;14;HOURS;true;true\n"
        );
        let rows = declarations(&input::read(text.as_bytes()).unwrap(), Lang::En);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].row, 2);
        assert_eq!(rows[0].reference, "R1");
        assert!(rows[0].content.is_ok());
        // No reference: an empty one, for the engine to generate once.
        assert_eq!(rows[1].reference, "");
        assert_eq!(
            rows[1]
                .content
                .as_ref()
                .map(|d| d.external_reference.as_str()),
            Ok("")
        );
        assert_eq!(rows[2].reference, "R3");
        let issues = rows[2].content.clone().unwrap_err();
        assert!(
            issues.contains("(training.startDate, 2025-13-03): must be a date"),
            "{issues}"
        );
    }

    #[test]
    fn counts_decide_the_exit_code() {
        let done = Counts::of(["accepted", "warning"]);
        assert_eq!(done.total, 2);
        assert_eq!(done.settled(), 2);
        assert_eq!(done.exit_code(), exit::DONE);
        assert_eq!(
            Counts::of(["accepted", "invalid"]).exit_code(),
            exit::FINDINGS
        );
        assert_eq!(
            Counts::of(["refused", "accepted"]).exit_code(),
            exit::FINDINGS
        );
        for unfinished in ["failed", "unknown", "submitted", "sending", "ready"] {
            let c = Counts::of(["refused", unfinished]);
            assert_eq!(c.exit_code(), exit::NETWORK, "{unfinished}");
            assert_eq!(c.settled(), 1 + u64::from(unfinished == "failed"));
        }
        let all = Counts::of(State::ALL.iter().map(|s| s.code()));
        let json = all.json(0, 1.0);
        let keys = [
            "accepted",
            "warning",
            "refused",
            "invalid",
            "failed",
            "cancelled",
            "unknown",
            "processing",
            "not_sent",
        ];
        let sum: u64 = keys.iter().map(|k| json[k].as_u64().unwrap()).sum();
        assert_eq!(sum, json["total"].as_u64().unwrap());
        assert_eq!(sum, State::ALL.len() as u64);
    }

    #[test]
    fn the_report_has_a_line_per_row() {
        let rows = vec![
            RowOutcome {
                row: 2,
                reference: "R1".into(),
                state: "warning".into(),
                declaration_id: Some(7),
                result: Some("W".into()),
                anomalies: vec![
                    ("FLA-WORKER-UNKNOWN".into(), "not known, here".into()),
                    ("FLA-LATE".into(), "late".into()),
                ],
                ..RowOutcome::default()
            },
            RowOutcome {
                row: 3,
                reference: "R2".into(),
                state: "failed".into(),
                error_code: Some("server_error".into()),
                error_message: Some("failed".into()),
                trace_id: Some("t-1".into()),
                ..RowOutcome::default()
            },
        ];
        let text = String::from_utf8(report_csv(&rows).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[1],
            "2,R1,warning,7,W,FLA-WORKER-UNKNOWN FLA-LATE,\"FLA-WORKER-UNKNOWN: not known, here | FLA-LATE: late\",,,"
        );
        assert_eq!(lines[2], "3,R2,failed,,,,,server_error,failed,t-1");
    }
}
