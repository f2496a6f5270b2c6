//! The command line: one file per command. Every command prints JSON on stdout
//! with `--json` (errors included) and human text otherwise; logs go to stderr.
//! No logic lives here beyond argument handling and presentation.

pub mod cert;
mod common;
pub mod connection;
pub mod declare;
pub mod dimona;
pub mod help;
pub mod sim;
pub mod submit;
pub mod template;
pub mod token;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zeroize::Zeroizing;

use crate::i18n::{tr, tr_args, Lang};

/// Exit codes, as the architecture fixes them.
pub mod exit {
    pub const DONE: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const NETWORK: u8 = 3;
}

#[derive(Debug, Parser)]
#[command(
    name = "fla-assistant",
    version,
    about = "Set up and use the social security REST channel of the CareerPro Federal Learning Account.",
    long_about = "Without a command, opens the desktop app. With one, runs it headless."
)]
pub struct Cli {
    /// Language of messages: en, nl or fr (default: the system's).
    #[arg(long, global = true, env = "FLA_LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The extensions of the files the app opens when the system gives it one
/// (a certificate, a spreadsheet).
pub const DESKTOP_FILES: [&str; 6] = ["pfx", "p12", "csv", "tsv", "txt", "xlsx"];

/// The file a desktop gives the app alone on its command line (`%f`: a
/// double-click, "Open with"), if that is all it was given besides
/// `--lang`: a path ending in one of [`DESKTOP_FILES`], never a command's
/// name or a flag (those are the command line's).
pub fn desktop_file_arg(argv: &[std::ffi::OsString]) -> Option<std::path::PathBuf> {
    let mut rest = Vec::new();
    let mut args = argv.iter().skip(1);
    while let Some(a) = args.next() {
        let text = a.to_string_lossy();
        if text == "--lang" {
            args.next();
        } else if !text.starts_with("--lang=") {
            rest.push(a);
        }
    }
    let [only] = rest.as_slice() else {
        return None;
    };
    if only.to_string_lossy().starts_with('-') {
        return None;
    }
    let path = std::path::PathBuf::from(only);
    let known = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| DESKTOP_FILES.iter().any(|x| x.eq_ignore_ascii_case(e)));
    known.then_some(path)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Certificate workbench: inspect a .pfx/.p12, export its .cer.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Get an OAuth token with the certificate's private key, and explain any failure.
    Token(token::TokenArgs),
    /// Check one declaration locally, submit it, wait for its result.
    Declare(declare::DeclareArgs),
    /// Submit every declaration of a CSV or JSON Lines file: exactly once,
    /// concurrently, resumable (run it again to go on).
    Submit(submit::SubmitArgs),
    /// Write a template (CSV or XLSX) whose columns have the contract's names.
    Template(template::TemplateArgs),
    /// The server's declarations.
    #[command(subcommand)]
    Declarations(declare::DeclarationsCommand),
    /// Dimona, the employment declaration, on the same channel.
    #[command(subcommand)]
    Dimona(dimona::DimonaCommand),
    /// Run the sandbox (simulator) on loopback until killed.
    Sim(sim::SimArgs),
    /// Register a certificate in the sandbox's Chaman and get a client ID.
    SimRegister(sim::SimRegisterArgs),
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::from_tag(s).ok_or_else(|| format!("unknown language '{s}': use en, nl or fr"))
}

/// An error of the command line itself, with its code and exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: String,
    pub message: String,
    pub exit: u8,
}

impl CliError {
    pub fn usage(code: &str, message: String) -> Self {
        CliError {
            code: code.to_owned(),
            message,
            exit: exit::BAD_INPUT,
        }
    }
}

impl From<(crate::files::FileError, Lang)> for CliError {
    fn from((err, lang): (crate::files::FileError, Lang)) -> Self {
        CliError {
            code: err.code().to_owned(),
            message: err.message(lang),
            exit: exit::BAD_INPUT,
        }
    }
}

impl From<(crate::cert::CertError, Lang)> for CliError {
    fn from((err, lang): (crate::cert::CertError, Lang)) -> Self {
        CliError {
            code: err.code().to_owned(),
            message: err.message(lang),
            exit: exit::BAD_INPUT,
        }
    }
}

/// Exit 3, `internal`, when an engine task met a bug (a panic) during the
/// run: the command ends instead of waiting for it, and says that nothing is
/// lost (the rows it held are in the journal; the next run looks them up).
fn engine_broken(engine: &crate::submit::engine::Engine, lang: Lang) -> Result<(), CliError> {
    if engine.broken() {
        return Err(CliError {
            code: "internal".into(),
            message: tr(lang, "cli.internal_error"),
            exit: exit::NETWORK,
        });
    }
    Ok(())
}

/// The engine could not start or store (its journal): nothing was sent.
pub fn engine_error(err: &crate::submit::engine::EngineError, lang: Lang) -> CliError {
    CliError {
        code: err.code().to_owned(),
        message: err.message(lang),
        exit: exit::BAD_INPUT,
    }
}

/// How long a command waits, once all else is done, for declarations whose
/// outcome is not known: beyond that it ends (exit 3) and says when to run again.
pub const UNKNOWN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(45);

/// The processing window: `--unknown-wait`, or the server's default.
pub fn unknown_wait(seconds: Option<u64>, server: &str) -> std::time::Duration {
    seconds.map_or_else(
        || crate::submit::engine::unknown_wait_for(server),
        std::time::Duration::from_secs,
    )
}

/// A time given in Unix milliseconds (none where out of range).
fn at_unix_ms(ms: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// A time in Unix milliseconds as RFC 3339 (UTC).
pub fn rfc3339_ms(ms: i64) -> String {
    at_unix_ms(ms)
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// "3 declarations: outcome not known yet (rows …). Run the same command
/// again after 10:55; nothing will be sent twice." The time in Brussels.
pub fn unknown_line(lang: Lang, n: u64, at_ms: i64, rows: &[usize]) -> String {
    let at = at_unix_ms(at_ms)
        .map(crate::today::brussels_clock)
        .unwrap_or_default();
    let mut listed: Vec<String> = rows.iter().take(20).map(|r| r.to_string()).collect();
    if rows.len() > 20 {
        listed.push("…".into());
    }
    let line = crate::i18n::tr_n(lang, "submit.unknown_left", n, &[("at", at)]);
    if listed.is_empty() {
        line
    } else {
        let rows = tr_args(lang, "submit.unknown_rows", &[("rows", listed.join(", "))]);
        format!("{line} {rows}")
    }
}

/// Runs a command; `None` command is handled by `main` (the GUI).
pub fn run(command: Command, lang: Lang) -> ExitCode {
    let (json, result) = match command {
        Command::Cert(cmd) => (cmd.json(), cert::run(cmd, lang)),
        Command::Token(args) => (args.json, block_on(token::run(args, lang), lang)),
        // Another service than the FLA: its own module.
        Command::Declare(args) if args.connection.service.id != crate::channel::env::FLA.id => {
            (args.json, block_on(dimona::declare(args, lang), lang))
        }
        Command::Declare(args) => (args.json, block_on(declare::declare(args, lang), lang)),
        Command::Submit(args) => (args.json, block_on(submit::submit(args, lang), lang)),
        Command::Template(args) => (args.json, template::run(args, lang)),
        Command::Declarations(cmd) => {
            let json = cmd.json();
            let declare::DeclarationsCommand::Search(args) = cmd;
            (json, block_on(declare::search(args, lang), lang))
        }
        Command::Dimona(cmd) => {
            let json = cmd.json();
            let dimona::DimonaCommand::Periods(dimona::PeriodsCommand::Search(args)) = cmd;
            (json, block_on(dimona::periods_search(args, lang), lang))
        }
        // `sim` and `sim-register` always answer in JSON.
        Command::Sim(args) => (true, block_on(sim::sim(args, lang), lang)),
        Command::SimRegister(args) => (true, block_on(sim::sim_register(args, lang), lang)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            report_error(&err, json, lang);
            ExitCode::from(err.exit)
        }
    }
}

/// Runs a command's future on a runtime made for it.
fn block_on(
    work: impl std::future::Future<Output = Result<u8, CliError>>,
    lang: Lang,
) -> Result<u8, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError {
            code: "runtime".into(),
            message: runtime_failed(&e, lang),
            exit: exit::NETWORK,
        })?;
    runtime.block_on(work)
}

/// Prints an error: `{"error":{"code","message"}}` on stdout with `--json`, the
/// message on stderr otherwise.
pub fn report_error(err: &CliError, json: bool, lang: Lang) {
    if json {
        print_json(&serde_json::json!({
            "error": { "code": err.code, "message": err.message }
        }));
    } else {
        eprintln!("{}", error_line(lang, &err.code, &err.message));
    }
}

/// `label: value`, with the colon as `lang` writes it (`label : value` in French).
pub fn field_line(lang: Lang, label: &str, value: &str) -> String {
    tr_args(
        lang,
        "cli.field_line",
        &[("label", label.to_owned()), ("value", value.to_owned())],
    )
}

/// `error [code]: message`, in `lang` (and its typography).
pub fn error_line(lang: Lang, code: &str, message: &str) -> String {
    tr_args(
        lang,
        "cli.error_line",
        &[("code", code.to_owned()), ("message", message.to_owned())],
    )
}

/// Prints an error that came from a server's response: as `report_error`, with
/// the response's `BelGov-Trace-Id` (`traceId` in the JSON error object, a line
/// of its own in text), which is what the service desk asks for.
pub fn report_server_error(err: &CliError, trace_id: Option<&str>, json: bool, lang: Lang) {
    if json {
        print_json(&serde_json::json!({
            "error": { "code": err.code, "message": err.message, "traceId": trace_id }
        }));
    } else {
        eprintln!("{}", error_line(lang, &err.code, &err.message));
        if let Some(trace) = trace_id {
            eprintln!(
                "{}",
                tr_args(lang, "api.trace_id", &[("trace", trace.to_owned())])
            );
        }
    }
}

fn runtime_failed(e: &std::io::Error, lang: Lang) -> String {
    tr_args(lang, "cli.runtime_failed", &[("detail", e.to_string())])
}

/// A field of a declaration by the label the app's form gives it, with its
/// path in the contract: "Startdatum (training.startDate)".
pub fn field_label(lang: Lang, path: &str) -> String {
    let key = match path {
        "externalReference" => "form.reference",
        "employer.enterpriseNumber" => "form.enterprise",
        "worker.ssin" => "form.ssin",
        "training.name" => "form.name",
        "training.type" => "form.type",
        "training.startDate" => "form.start",
        "training.endDate" => "form.end",
        "training.duration" | "training.duration.value" => "form.duration",
        "training.duration.unit" => "form.unit",
        "training.followed" => "form.followed",
        "training.countsForFla" => "form.counts_for_fla",
        "training.certificate" | "training.certificate.obtained" => "form.certificate",
        "training.certificate.validUntil" => "form.valid_until",
        "training.providerEnterpriseNumber" => "form.provider",
        "training.jointCommittee" => "form.joint_committee",
        _ => return path.to_owned(),
    };
    format!("{} ({path})", tr(lang, key))
}

/// Why a value is not a declaration, in `lang`: the local checks word their
/// issues in English (as the server's 400 does); each is said again here.
pub fn issue_text(lang: Lang, issue: &crate::fla::wire::ProblemIssue) -> String {
    let detail = match issue.detail.as_str() {
        "is required" => tr(lang, "cli.issue.required"),
        "must be a string" => tr(lang, "cli.issue.string"),
        "must be FORMAL or INFORMAL" => tr(lang, "cli.issue.type"),
        "must be a date (YYYY-MM-DD)" => tr(lang, "cli.issue.date"),
        "must be a number" => tr(lang, "cli.issue.number"),
        "must be HOURS or DAYS" => tr(lang, "cli.issue.unit"),
        "must be true or false" => tr(lang, "cli.issue.bool"),
        "the body must be a JSON object (a declaration)" => tr(lang, "cli.issue.object"),
        other => other.to_owned(),
    };
    if issue.name.is_empty() {
        return detail;
    }
    let label = match field_label(lang, &issue.name) {
        // The label without the path: the path follows with the value.
        text if text.ends_with(&format!(" ({})", issue.name)) => {
            text[..text.len() - issue.name.len() - 3].to_owned()
        }
        text => text,
    };
    tr_args(
        lang,
        "cli.issue.field",
        &[
            ("label", label),
            ("field", issue.name.clone()),
            (
                "value",
                issue
                    .value
                    .as_ref()
                    .map(|v| format!(", {v}"))
                    .unwrap_or_default(),
            ),
            ("detail", detail),
        ],
    )
}

/// An anomaly's severity (`BLOCKING`, `WARNING`) as a word of `lang`.
pub fn severity_text(lang: Lang, severity: &str) -> String {
    let key = format!("cli.severity.{severity}");
    let text = tr(lang, &key);
    if text == key {
        severity.to_owned()
    } else {
        text
    }
}

/// A declaration's state as the app names it in `lang`.
pub fn state_text(lang: Lang, state: crate::submit::state::State) -> String {
    tr(lang, &format!("state.{}", state.code()))
}

pub fn print_json(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (a pipe to `head`) is not worth a panic.
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
}

/// The PFX password: from the environment variable named by `var` (set to the
/// empty string, the empty password), else from a prompt without echo on a
/// terminal. Never from an argument, so it stays out of shell history and `ps`.
pub fn read_password(var: &str, file: &str, lang: Lang) -> Result<Zeroizing<String>, CliError> {
    match std::env::var_os(var) {
        Some(value) => value.into_string().map(Zeroizing::new).map_err(|_| {
            CliError::usage(
                "password_not_utf8",
                tr_args(lang, "cli.password_not_utf8", &[("var", var.to_owned())]),
            )
        }),
        None if std::io::stdin().is_terminal() => {
            let prompt = tr_args(lang, "cli.password_prompt", &[("file", file.to_owned())]);
            rpassword::prompt_password(format!("{prompt} "))
                .map(Zeroizing::new)
                .map_err(|e| {
                    CliError::usage(
                        "password_required",
                        format!("{}: {e}", tr(lang, "cli.password_prompt_failed")),
                    )
                })
        }
        None => Err(CliError::usage(
            "password_required",
            tr_args(lang, "cli.password_required", &[("var", var.to_owned())]),
        )),
    }
}
