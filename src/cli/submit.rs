//! `fla-assistant submit FILE`: every row of a CSV or JSON Lines file, through
//! the submission engine (journal, exactly-once, concurrency, resume), with a
//! progress bar on a terminal, a final count and a CSV report of every row.
//! The engine does the work; this file reads the file, shows and reports.
//! Beside it: `file` (the rows of FILE) and `dry_run` (`--dry-run`).

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
use crate::dimona::service::DimonaService;
use crate::fla::rules;
use crate::fla::wire::Declaration;
use crate::i18n::{format_decimal, tr, tr_args, tr_n, Lang};
use crate::submit::conflicts::{Noted, ReferenceBook};
use crate::submit::engine::{Engine, EngineConfig, NewContent, RowId};
use crate::submit::import::{self, ImportError};
use crate::submit::input::{self, InputError};
use crate::submit::owner::Holder;
use crate::submit::run::{report_record, row_outcome, Counts, RowOutcome, REPORT_HEADER};
use crate::submit::service::{FlaService, ServiceApi};
use crate::submit::state::State;

mod dimona;
mod dry_run;
mod file;

use dry_run::*;
use file::*;
pub use file::{declarations, FileRow};

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

/// The service the engine sends to, on the channel's client `api` (already
/// on that service's API base).
fn service_of(
    service: &crate::channel::env::ServiceDefinition,
    api: crate::fla::client::FlaClient,
) -> Arc<dyn ServiceApi> {
    if service.id == crate::channel::env::DIMONA.id {
        Arc::new(DimonaService(crate::dimona::client::DimonaClient { api }))
    } else {
        Arc::new(FlaService(Arc::new(api)))
    }
}

pub async fn submit(args: SubmitArgs, lang: Lang) -> Result<u8, CliError> {
    let dimona = dimona::is_dimona(&args);
    if args.dry_run {
        return if dimona {
            dimona::dry_run_report(&args, lang)
        } else {
            dry_run(&args, lang)
        };
    }
    let started = Instant::now();
    let rows = if dimona {
        dimona::file_rows(&args, lang)?
    } else {
        file_rows(&args, lang)?
    };
    // Where each row comes from, in the journal (and the GUI's table).
    let file_name = crate::files::file_source(&args.file);

    let c = &args.connection;
    let clock = c.clock(lang)?;
    let resolved = c.resolve_with(clock, lang).await?;
    let api = client_for(&resolved, c, lang)?;
    // A connection that cannot give a token is an error before anything starts.
    if let Err(code) = prefetch_token(&api, args.json, lang).await {
        return Ok(code);
    }
    let server = api.server.clone();
    let service = service_of(c.service, api);

    let journal = args
        .journal
        .clone()
        .unwrap_or_else(|| default_journal(c.environment));
    let config = EngineConfig {
        concurrency: usize::from(args.concurrency),
        reconcile_after: super::unknown_wait(args.unknown_wait, &server),
        // A file run shows nothing of a row that is done but its outcome.
        keep_settled: false,
        ..EngineConfig::default()
    };
    let engine = Engine::open_service(&journal, service, config, Holder::Submit)
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
                Ok(content) => {
                    to_add_at.push(placed.len());
                    placed.push(Placed::Engine { row: r.row, id: 0 });
                    to_add.push(NewContent {
                        content,
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
    // Rows an earlier run left between their commit and their answer are
    // looked up on the server before anything is sent again: the wait that
    // may take is said, never silent.
    let interrupted = engine
        .states(&engine_ids)
        .iter()
        .filter(|s| **s == Some(State::Unknown))
        .count() as u64;
    if interrupted > 0 {
        let at = engine
            .unknown_until_ms()
            .and_then(super::at_unix_ms)
            .map(crate::today::brussels_clock)
            .unwrap_or_default();
        eprintln!(
            "{}",
            crate::i18n::tr_n(lang, "submit.looking_up", interrupted, &[("at", at)])
        );
    }
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
            message: match &e {
                crate::files::FileError::WriteFailed { path, .. } => tr_args(
                    lang,
                    "submit.report_failed",
                    &[("path", path.clone()), ("detail", e.cause(lang))],
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
        self.counts.add_outcome(o);
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
                .map(|d| d.fla().map(|d| d.external_reference.as_str())),
            Ok(Some(""))
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
