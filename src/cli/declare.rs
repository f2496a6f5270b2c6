//! `fla-assistant declare` (one declaration: check locally, submit, wait for
//! the result) and `declarations search` (the server's declarations of an
//! enterprise, every page).

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::common::{client_for, prefetch_token, report_api_error};
use super::connection::ConnectionArgs;
use super::{exit, print_json, report_server_error, CliError};
use crate::fla::anomalies::{self, AnomalyKind};
use crate::fla::client::ApiError;
use crate::fla::rules;
use crate::fla::wire::SearchRequest;
use crate::i18n::{format_date, tr, tr_args, tr_n, Lang};
use crate::submit::engine::{Engine, EngineConfig, NewDeclaration, RowId, RowView};
use crate::submit::owner::Holder;
use crate::submit::state::State;

#[derive(Debug, Args)]
pub struct DeclareArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// One declaration in the contract's JSON shape.
    #[arg(long, value_name = "ONE.json")]
    pub file: PathBuf,
    /// How long to wait for the result, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub wait: u64,
    /// The server's processing window, in seconds: a declaration whose answer
    /// was lost is sent again only if a search this long after it was sent
    /// does not find it (default: 600, or 30 for the built-in sandbox).
    #[arg(long, value_name = "SECONDS")]
    pub unknown_wait: Option<u64>,
    /// The journal (default: the app's, in its data folder).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum DeclarationsCommand {
    /// The server's declarations of an enterprise (and period).
    Search(SearchArgs),
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The enterprise number.
    #[arg(long, value_name = "N")]
    pub enterprise: String,
    /// Trainings that end on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "D")]
    pub from: Option<String>,
    /// Trainings that start on or before this date (YYYY-MM-DD).
    #[arg(long, value_name = "D")]
    pub to: Option<String>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

impl DeclarationsCommand {
    pub fn json(&self) -> bool {
        match self {
            DeclarationsCommand::Search(a) => a.json,
        }
    }
}

/// The exit code for a row the engine could not send, by its error's code:
/// a refusal of this sender is a finding, a request the server called bad is
/// bad input, anything else a failure of the network or the server.
pub(super) fn exit_for_error_code(code: &str) -> u8 {
    match code {
        c if crate::submit::run::is_sender_refusal(c) => exit::FINDINGS,
        "bad_request" => exit::BAD_INPUT,
        _ => exit::NETWORK,
    }
}

fn local_anomaly_json(a: &AnomalyKind, lang: Lang) -> Value {
    json!({
        "code": a.code,
        "severity": if a.blocking { "BLOCKING" } else { "WARNING" },
        "field": a.field,
        "message": a.text(lang),
    })
}

pub async fn declare(args: DeclareArgs, lang: Lang) -> Result<u8, CliError> {
    let bytes = crate::files::read_input(&args.file).map_err(|e| CliError::from((e, lang)))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        CliError::usage(
            "not_a_declaration",
            tr_args(lang, "declare.not_json", &[("detail", e.to_string())]),
        )
    })?;
    let declaration = rules::parse_declaration(&value).map_err(|issues| {
        let list: Vec<String> = issues.iter().map(|i| super::issue_text(lang, i)).collect();
        CliError::usage(
            "not_a_declaration",
            tr_args(
                lang,
                "declare.not_a_declaration",
                &[("issues", list.join("; "))],
            ),
        )
    })?;
    let c = &args.connection;
    let clock = c.clock(lang)?;
    // "Today" for the rules is the date in Brussels.
    let local = rules::check(&declaration, crate::fla::client::today(&clock));
    if rules::is_refused(&local) {
        let out = json!({
            "declarationId": Value::Null,
            "result": "B",
            "refusedLocally": true,
            "anomalies": local.iter().map(|a| local_anomaly_json(a, lang)).collect::<Vec<_>>(),
        });
        emit(&out, args.json, lang);
        return Ok(exit::FINDINGS);
    }
    let resolved = c.resolve_with(clock, lang).await?;
    let fla = Arc::new(client_for(&resolved, c, lang)?);
    if let Err(code) = prefetch_token(&fla, args.json, lang).await {
        return Ok(code);
    }
    // On the engine, like `submit` and the app: the journal keeps it, a
    // reference already declared leads to that declaration, and a POST whose
    // answer was lost is reconciled before anything is sent again.
    let config = EngineConfig {
        concurrency: 1,
        give_up_after: std::time::Duration::from_secs(args.wait),
        reconcile_after: super::unknown_wait(args.unknown_wait, &fla.server),
        ..EngineConfig::default()
    };
    let journal = args
        .journal
        .clone()
        .unwrap_or_else(|| super::common::default_journal(c.environment));
    let engine = Engine::open_for(&journal, fla.clone(), config, Holder::Declare)
        .await
        .map_err(|e| super::engine_error(&e, lang))?;
    let duplicates_before = engine.snapshot().duplicates_avoided;
    let source = crate::files::file_source(&args.file);
    let ids = engine
        .add(vec![NewDeclaration {
            declaration,
            source: Some(source),
        }])
        .await
        .map_err(|e| super::engine_error(&e, lang))?;
    let Some(id) = ids.first().copied() else {
        return Err(CliError {
            code: "not_added".into(),
            message: tr(lang, "declare.not_added"),
            exit: exit::BAD_INPUT,
        });
    };
    // Already decided before this run: that declaration is the answer.
    let known_before = row_of(&engine, id).is_some_and(|r| r.state.is_result());
    engine.send(&[id]);
    let mut changes = engine.subscribe();
    let reconcile_budget = (resolved.timeout * 3).min(std::time::Duration::from_secs(45));
    // Ends early where all that is left is a lost answer the server's window
    // does not let us settle now (said with the time to run again).
    let idle = engine.until_idle_or_unknown(reconcile_budget);
    tokio::pin!(idle);
    let mut told = known_before;
    // A POST whose answer was lost is looked up by its reference; against a
    // server that does not answer at all that could take the engine's whole
    // retry schedule. `declare` waits for it as long as one request may take
    // with its retries (three times `--timeout`, at most 45 s, as before the
    // engine), then says what it knows: the journal keeps the row `unknown`
    // and the next run (or the app) reconciles it before sending anything.
    let mut unknown_since: Option<tokio::time::Instant> = None;
    loop {
        let row = row_of(&engine, id);
        if !told {
            if let Some(server_id) = row.as_ref().and_then(|r| r.server_id) {
                eprintln!(
                    "{}",
                    tr_args(lang, "declare.submitted", &[("id", server_id.to_string())])
                );
                told = true;
            }
        }
        unknown_since = match row.map(|r| r.state) {
            Some(State::Unknown) => unknown_since.or_else(|| Some(tokio::time::Instant::now())),
            _ => None,
        };
        let deadline = unknown_since.map(|since| since + reconcile_budget);
        tokio::select! {
            () = &mut idle => break,
            _ = changes.changed() => {}
            () = sleep_until(deadline) => break,
        }
    }
    super::engine_broken(&engine, lang)?;
    let Some(row) = row_of(&engine, id) else {
        return Err(CliError {
            code: "not_added".into(),
            message: tr(lang, "declare.not_added"),
            exit: exit::BAD_INPUT,
        });
    };
    let duplicate = known_before || engine.snapshot().duplicates_avoided > duplicates_before;
    match row.state {
        State::Accepted | State::Warning | State::Refused | State::Cancelled => {
            if duplicate {
                eprintln!(
                    "{}",
                    tr_args(
                        lang,
                        "declare.duplicate",
                        &[("id", row.server_id.unwrap_or_default().to_string())]
                    )
                );
            }
            let mut out = row_result_json(&row, lang);
            out["duplicate"] = json!(duplicate);
            out["traceId"] = json!(fla.last_trace_id.lock().ok().and_then(|t| t.clone()));
            emit(&out, args.json, lang);
            Ok(if matches!(row.state, State::Accepted | State::Warning) {
                exit::DONE
            } else {
                exit::FINDINGS
            })
        }
        State::Invalid if !row.anomalies.is_empty() => {
            // Held back by the engine before anything was sent (its
            // reference is another declaration's): a local refusal, which
            // running the command again cannot change.
            let out = json!({
                "declarationId": Value::Null,
                "result": "B",
                "refusedLocally": true,
                "anomalies": row_result_json(&row, lang)["anomalies"],
            });
            emit(&out, args.json, lang);
            Ok(exit::FINDINGS)
        }
        State::Submitted | State::Sending if row.server_id.is_some() => {
            let server_id = row.server_id.unwrap_or_default();
            let out = json!({
                "declarationId": server_id,
                "result": Value::Null,
                "status": "processing",
                "message": ApiError::StillProcessing(server_id).message(lang),
            });
            emit(&out, args.json, lang);
            Ok(exit::NETWORK)
        }
        _ => {
            let (code, mut message, trace_id) = match &row.error {
                Some(e) => (e.code.clone(), e.text(lang), e.trace_id.clone()),
                None => (
                    row.state.code().to_owned(),
                    tr_args(
                        lang,
                        "declare.not_sent",
                        &[("state", super::state_text(lang, row.state))],
                    ),
                    None,
                ),
            };
            let mut exit_code = exit_for_error_code(&code);
            if row.state == State::Unknown {
                // Not known whether the server took it: never a finding.
                exit_code = exit::NETWORK;
                if let Some(at) = engine.unknown_until_ms() {
                    message.push(' ');
                    message.push_str(&super::unknown_line(lang, 1, at, &[]));
                }
            }
            let err = CliError {
                message,
                exit: exit_code,
                code,
            };
            report_server_error(&err, trace_id.as_deref(), args.json, lang);
            Ok(err.exit)
        }
    }
}

/// Sleeps until `deadline`, or for ever without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The engine's view of one row.
fn row_of(engine: &Engine, id: RowId) -> Option<RowView> {
    engine.snapshot().rows.into_iter().find(|r| r.id == id)
}

/// A row with the server's result, in `declare`'s JSON shape.
fn row_result_json(row: &RowView, lang: Lang) -> Value {
    json!({
        "declarationId": row.server_id,
        "result": row.result,
        "externalReference": row.reference,
        "anomalies": row.anomalies.iter().map(|a| json!({
            "code": a.code,
            "severity": a.severity,
            "field": a.field,
            "message": anomalies::anomaly_text(a, lang),
        })).collect::<Vec<_>>(),
    })
}

fn emit(out: &Value, json_mode: bool, lang: Lang) {
    if json_mode {
        print_json(out);
        return;
    }
    let result = out["result"].as_str().unwrap_or("-");
    println!(
        "{}",
        tr_args(
            lang,
            "declare.result",
            &[
                (
                    "id",
                    out["declarationId"]
                        .as_i64()
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| "-".into())
                ),
                ("result", tr(lang, &format!("result.{result}"))),
            ],
        )
    );
    for a in out["anomalies"].as_array().into_iter().flatten() {
        let field = a["field"].as_str().unwrap_or_default();
        let field = if field.is_empty() {
            String::new()
        } else {
            format!(" {}", super::field_label(lang, field))
        };
        let label = format!(
            "[{}] {}{field}",
            super::severity_text(lang, a["severity"].as_str().unwrap_or_default()),
            a["code"].as_str().unwrap_or_default(),
        );
        println!(
            "  {}",
            super::field_line(lang, &label, a["message"].as_str().unwrap_or_default())
        );
    }
}

pub async fn search(args: SearchArgs, lang: Lang) -> Result<u8, CliError> {
    super::common::fla_only(args.connection.service, "declarations search", lang)?;
    let enterprise =
        crate::identifiers::parse_enterprise_number(&args.enterprise).ok_or_else(|| {
            CliError::usage(
                "bad_enterprise",
                tr_args(
                    lang,
                    "declare.bad_enterprise",
                    &[("value", args.enterprise.clone())],
                ),
            )
        })?;
    for d in [&args.from, &args.to].into_iter().flatten() {
        if rules::parse_date(d).is_none() {
            return Err(CliError::usage(
                "bad_date",
                tr_args(lang, "declare.bad_date", &[("value", d.clone())]),
            ));
        }
    }
    let c = &args.connection;
    let resolved = c.resolve(lang).await?;
    let fla = client_for(&resolved, c, lang)?;
    let filters = SearchRequest {
        enterprise_number: enterprise,
        from: args.from.clone(),
        to: args.to.clone(),
        ..SearchRequest::default()
    };
    let items = match fla.search_all(&filters).await {
        Ok(items) => items,
        Err(e) => return Ok(report_api_error(&e, args.json, lang)),
    };
    if args.json {
        print_json(&json!({
            "count": items.len(),
            "items": items.iter().map(|s| {
                let mut v = serde_json::to_value(s).unwrap_or_default();
                v["declarationStatus"]["anomalies"] = json!(s.declaration_status.anomalies.iter().map(|a| json!({
                    "code": a.code, "severity": a.severity, "field": a.field,
                    "message": anomalies::anomaly_text(a, lang),
                    "descriptionNl": a.description_nl, "descriptionFr": a.description_fr, "descriptionEn": a.description_en,
                })).collect::<Vec<_>>());
                v
            }).collect::<Vec<_>>(),
        }));
    } else {
        for s in &items {
            // Dates as people in Belgium write them; the JSON keeps ISO.
            let date = |d: &str| rules::parse_date(d).map_or_else(|| d.to_owned(), format_date);
            // `A`, `W`, `B`, `C`, as the contract writes them.
            let result = tr(lang, &format!("result.{:?}", s.declaration_status.result));
            println!(
                "{:>8}  {}  {}  {}  {}  {}",
                s.declaration_status.declaration_id,
                s.declaration.external_reference,
                s.declaration.worker.ssin,
                s.declaration.training.name,
                tr_args(
                    lang,
                    "declare.period",
                    &[
                        ("start", date(&s.declaration.training.start_date)),
                        ("end", date(&s.declaration.training.end_date)),
                    ]
                ),
                result
            );
        }
        eprintln!("{}", tr_n(lang, "declare.found", items.len() as u64, &[]));
    }
    Ok(exit::DONE)
}
