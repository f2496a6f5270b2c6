//! `fla-assistant declare` (one declaration: check locally, submit, wait for
//! the result) and `declarations search` (the server's declarations of an
//! enterprise, every page).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::connection::{ConnectionArgs, Resolved};
use super::{exit, print_json, report_server_error, CliError};
use crate::channel::token::http_client;
use crate::fla::anomalies::{self, AnomalyKind};
use crate::fla::client::{
    ApiError, FlaClient, PollSchedule, TokenSource, TOKEN_CERTIFICATE, TOKEN_CONFIGURATION,
};
use crate::fla::rules;
use crate::fla::wire::{ResultCode, SearchRequest, StoredDeclaration};
use crate::i18n::{tr, tr_args, Lang};

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

fn api_error(e: &ApiError, lang: Lang) -> CliError {
    CliError {
        code: e.code(),
        message: e.message(lang),
        exit: if e.is_refusal() {
            exit::FINDINGS
        } else if matches!(e, ApiError::BadRequest { .. }) || refused_before_sending(e) {
            exit::BAD_INPUT
        } else {
            exit::NETWORK
        },
    }
}

/// A token error found before sending (the configuration, a certificate that
/// cannot sign) is bad input; one the token server answered is a failure.
fn refused_before_sending(e: &ApiError) -> bool {
    matches!(e, ApiError::Token { cause, .. }
        if cause == TOKEN_CONFIGURATION || cause == TOKEN_CERTIFICATE)
}

/// Reports a failed API call with the trace id of the response that failed,
/// and gives the exit code.
fn report_api_error(e: &ApiError, json: bool, lang: Lang) -> u8 {
    let err = api_error(e, lang);
    report_server_error(&err, e.trace_id(), json, lang);
    err.exit
}

fn client_for(resolved: &Resolved, c: &ConnectionArgs, lang: Lang) -> Result<FlaClient, CliError> {
    let entry = resolved
        .entry()
        .cloned()
        .ok_or_else(|| CliError::usage("alias_not_found", resolved.alias.clone()))?;
    let refused = crate::channel::connect::blocking_findings(
        &entry,
        &resolved.contents.protection,
        (resolved.clock)(),
    );
    if let Some(first) = refused.first() {
        return Err(CliError::usage(first.code(), first.message(lang)));
    }
    // Refused before anything is built or sent, like `token` does.
    crate::channel::assertion::check_lifetime(c.assertion_lifetime)
        .map_err(|e| CliError::usage(e.code(), e.message(lang)))?;
    let http = http_client(resolved.timeout).map_err(|e| CliError {
        code: e.code().into(),
        message: e.message(lang),
        exit: exit::NETWORK,
    })?;
    let mut tokens = TokenSource::new(
        resolved.endpoints.clone(),
        c.client_id.clone(),
        c.role,
        c.scope.clone(),
        entry,
        resolved.contents.protection.clone(),
        resolved.timeout,
    )
    .with_lifetime(c.assertion_lifetime);
    // Assertions dated by the command's clock (`--now`).
    tokens.clock = resolved.clock.clone();
    FlaClient::new(http, tokens, lang).map_err(|e| api_error(&e, lang))
}

fn local_anomaly_json(a: &AnomalyKind, lang: Lang) -> Value {
    json!({
        "code": a.code,
        "severity": if a.blocking { "BLOCKING" } else { "WARNING" },
        "field": a.field,
        "message": a.text(lang),
    })
}

fn result_json(stored: &StoredDeclaration, lang: Lang) -> Value {
    let status = &stored.declaration_status;
    json!({
        "declarationId": status.declaration_id,
        "result": status.result,
        "externalReference": stored.declaration.external_reference,
        "anomalies": status.anomalies.iter().map(|a| json!({
            "code": a.code,
            "severity": a.severity,
            "field": a.field,
            "message": anomalies::anomaly_text(a, lang),
        })).collect::<Vec<_>>(),
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
        let list: Vec<String> = issues
            .iter()
            .map(|i| format!("{}: {}", i.name, i.detail))
            .collect();
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
    let mut fla = client_for(&resolved, c, lang)?;
    fla.schedule = PollSchedule {
        give_up_after: std::time::Duration::from_secs(args.wait),
        ..PollSchedule::default()
    };
    let submitted = match fla.submit(&declaration).await {
        Ok(s) => s,
        Err(e) => return Ok(report_api_error(&e, args.json, lang)),
    };
    if submitted.duplicate {
        eprintln!(
            "{}",
            tr_args(
                lang,
                "declare.duplicate",
                &[("id", submitted.declaration_id.to_string())]
            )
        );
    } else {
        eprintln!(
            "{}",
            tr_args(
                lang,
                "declare.submitted",
                &[("id", submitted.declaration_id.to_string())]
            )
        );
    }
    let stored = match fla.wait_for_result(submitted.declaration_id).await {
        Ok(s) => s,
        Err(ApiError::StillProcessing(id)) => {
            let out = json!({
                "declarationId": id,
                "result": Value::Null,
                "status": "processing",
                "message": ApiError::StillProcessing(id).message(lang),
            });
            emit(&out, args.json, lang);
            return Ok(exit::NETWORK);
        }
        Err(e) => return Ok(report_api_error(&e, args.json, lang)),
    };
    let mut out = result_json(&stored, lang);
    out["duplicate"] = json!(submitted.duplicate);
    out["traceId"] = json!(fla.last_trace_id.lock().ok().and_then(|t| t.clone()));
    emit(&out, args.json, lang);
    Ok(match stored.declaration_status.result {
        ResultCode::A | ResultCode::W => exit::DONE,
        ResultCode::B | ResultCode::C => exit::FINDINGS,
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
        println!(
            "  [{}] {} ({}): {}",
            a["severity"].as_str().unwrap_or_default(),
            a["code"].as_str().unwrap_or_default(),
            a["field"].as_str().unwrap_or_default(),
            a["message"].as_str().unwrap_or_default()
        );
    }
}

pub async fn search(args: SearchArgs, lang: Lang) -> Result<u8, CliError> {
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
            println!(
                "{:>8}  {}  {}  {}  {}..{}  {:?}",
                s.declaration_status.declaration_id,
                s.declaration.external_reference,
                s.declaration.worker.ssin,
                s.declaration.training.name,
                s.declaration.training.start_date,
                s.declaration.training.end_date,
                s.declaration_status.result
            );
        }
        eprintln!(
            "{}",
            tr_args(lang, "declare.found", &[("count", items.len().to_string())])
        );
    }
    Ok(exit::DONE)
}
