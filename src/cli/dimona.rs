//! Dimona on the command line: `declare --service dimona` (one declaration:
//! checked locally, sent once, looked for before any resend, its result
//! waited for) and `dimona periods search`. The FLA stays the default
//! service of every command.

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::common::{client_for, prefetch_token, report_api_error};
use super::connection::ConnectionArgs;
use super::declare::DeclareArgs;
use super::{exit, print_json, CliError};
use crate::dimona::client::DimonaClient;
use crate::dimona::rules;
use crate::dimona::send::{self, DeclareError, Outcome};
use crate::dimona::service::DimonaService;
use crate::dimona::wire::{Declaration, DimonaResult, Employer, SearchRequest, StoredDeclaration};
use crate::i18n::{tr, tr_args, Lang};
use crate::submit::engine::{Engine, EngineConfig};
use crate::submit::owner::Holder;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum DimonaCommand {
    /// The worker's periods as the server knows them.
    #[command(subcommand)]
    Periods(PeriodsCommand),
}

#[derive(Debug, Subcommand)]
pub enum PeriodsCommand {
    /// The Dimona periods of an employer (and worker, and dates).
    Search(PeriodsSearchArgs),
}

impl DimonaCommand {
    pub fn json(&self) -> bool {
        let DimonaCommand::Periods(PeriodsCommand::Search(args)) = self;
        args.json
    }
}

#[derive(Debug, Args)]
pub struct PeriodsSearchArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The employer's enterprise number.
    #[arg(long, value_name = "N")]
    pub employer: String,
    /// The worker's INSZ/NISS.
    #[arg(long, value_name = "SSIN")]
    pub ssin: Option<String>,
    /// Periods that end on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "D")]
    pub from: Option<String>,
    /// Periods that start on or before this date (YYYY-MM-DD).
    #[arg(long, value_name = "D")]
    pub to: Option<String>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

async fn client(
    c: &ConnectionArgs,
    json: bool,
    lang: Lang,
) -> Result<(DimonaClient, super::connection::Resolved), Result<u8, CliError>> {
    let resolved = c.resolve(lang).await.map_err(Err)?;
    let api = client_for(&resolved, c, lang).map_err(Err)?;
    if let Err(code) = prefetch_token(&api, json, lang).await {
        return Err(Ok(code));
    }
    Ok((DimonaClient { api }, resolved))
}

fn anomalies_json(d: &StoredDeclaration, lang: Lang) -> Vec<Value> {
    d.declaration_status
        .anomalies
        .iter()
        .map(|a| {
            json!({
                "code": a.code,
                "severity": a.severity,
                "field": a.field,
                "message": a.description(lang),
            })
        })
        .collect()
}

/// `declare --service dimona --file D.json`.
pub async fn declare(args: DeclareArgs, lang: Lang) -> Result<u8, CliError> {
    let bytes = crate::files::read_input(&args.file).map_err(|e| CliError::from((e, lang)))?;
    let declaration: Declaration = serde_json::from_slice(&bytes).map_err(|e| {
        CliError::usage(
            "not_a_declaration",
            tr_args(
                lang,
                "dimona.not_a_declaration",
                &[("detail", e.to_string())],
            ),
        )
    })?;
    let c = &args.connection;
    let clock = c.clock(lang)?;
    let today = crate::today::brussels_date(clock());
    // Refused by a rule: said before any connection is made.
    let local = rules::check(&declaration, today);
    if local.iter().any(|f| f.blocking) {
        return Ok(refused_locally(&local, args.json, lang));
    }
    let (dimona, _resolved) = match client(c, args.json, lang).await {
        Ok(x) => x,
        Err(done) => return done,
    };
    let wait = Duration::from_secs(args.wait);
    // On Dimona's engine, like `submit --service dimona` and the app: the
    // journal keeps it, the same declaration again is the first one, and a
    // POST whose answer was lost is looked for before anything is sent again.
    let server = dimona.api.server.clone();
    let service = Arc::new(DimonaService(dimona));
    let config = EngineConfig {
        concurrency: 1,
        give_up_after: wait,
        reconcile_after: super::unknown_wait(args.unknown_wait, &server),
        ..EngineConfig::default()
    };
    let journal = args
        .journal
        .clone()
        .unwrap_or_else(|| super::common::default_journal(c.environment));
    let engine = Engine::open_service(&journal, service.clone(), config, Holder::Declare)
        .await
        .map_err(|e| super::engine_error(&e, lang))?;
    let source = Some(crate::files::file_source(&args.file));
    let outcome = send::declare(&engine, &service.0, &declaration, today, wait, source).await;
    let (done, found) = match outcome {
        Ok(Outcome::RefusedLocally(local)) => return Ok(refused_locally(&local, args.json, lang)),
        Ok(Outcome::HeldBack(anomalies)) => {
            let anomalies = anomalies
                .iter()
                .map(|a| {
                    json!({
                        "code": a.code,
                        "severity": a.severity,
                        "field": a.field,
                        "message": crate::fla::anomalies::anomaly_text(a, lang),
                    })
                })
                .collect();
            return Ok(refused_here(anomalies, args.json, lang));
        }
        Ok(Outcome::Answered {
            stored,
            found_after_lost_answer,
        }) => (stored, found_after_lost_answer),
        Err(DeclareError::Api(e)) => return Ok(report_api_error(&e, args.json, lang)),
        Err(DeclareError::Engine(e)) => return Err(super::engine_error(&e, lang)),
        Err(e) => {
            return Err(CliError {
                exit: super::declare::exit_for_error_code(&e.code()),
                code: e.code(),
                message: e.message(lang),
            })
        }
    };
    let result = done.declaration_status.result;
    let out = json!({
        "declarationId": done.declaration_id,
        "result": format!("{result:?}"),
        "status": result.code(),
        "refusedLocally": false,
        "periodId": done.declaration_status.period.as_ref().map(|p| p.id),
        "foundAfterLostAnswer": found,
        "anomalies": anomalies_json(&done, lang),
    });
    emit(&out, args.json, lang);
    Ok(match result {
        DimonaResult::A | DimonaResult::W => exit::DONE,
        DimonaResult::B => exit::FINDINGS,
        // Still waiting for the worker to be identified: not done.
        DimonaResult::S => exit::NETWORK,
    })
}

/// A declaration a blocking rule refuses: said, exit 1, nothing sent.
fn refused_locally(local: &[rules::RuleFinding], json: bool, lang: Lang) -> u8 {
    let anomalies: Vec<Value> = local
        .iter()
        .map(|f| {
            json!({
                "code": f.code,
                "severity": if f.blocking { "BLOCKING" } else { "WARNING" },
                "field": f.field,
                "message": f.text(lang),
            })
        })
        .collect();
    refused_here(anomalies, json, lang)
}

/// A declaration refused before anything was sent (a rule, or the journal
/// holding the same worker, part and dates with other content): said, exit 1.
fn refused_here(anomalies: Vec<Value>, json: bool, lang: Lang) -> u8 {
    let out = json!({
        "declarationId": Value::Null,
        "result": "B",
        "status": DimonaResult::B.code(),
        "refusedLocally": true,
        "periodId": Value::Null,
        "anomalies": anomalies,
    });
    emit(&out, json, lang);
    exit::FINDINGS
}

/// The result in words on stdout, or the JSON object.
fn emit(out: &Value, json: bool, lang: Lang) {
    if json {
        print_json(out);
        return;
    }
    let status = out["status"].as_str().unwrap_or_default();
    let line = tr_args(
        lang,
        "dimona.result_line",
        &[
            (
                "id",
                out["declarationId"]
                    .as_i64()
                    .map_or_else(|| "-".to_owned(), |i| i.to_string()),
            ),
            ("status", tr(lang, &format!("dimona.status.{status}"))),
            (
                "period",
                out["periodId"]
                    .as_i64()
                    .map_or_else(|| "-".to_owned(), |i| i.to_string()),
            ),
        ],
    );
    println!("{line}");
    for a in out["anomalies"].as_array().into_iter().flatten() {
        println!(
            "  {} {}: {}",
            a["severity"].as_str().unwrap_or_default(),
            a["code"].as_str().unwrap_or_default(),
            a["message"].as_str().unwrap_or_default()
        );
    }
}

/// `dimona periods search`.
pub async fn periods_search(mut args: PeriodsSearchArgs, lang: Lang) -> Result<u8, CliError> {
    // Dimona's, whatever `--service` says.
    args.connection.service = &crate::channel::env::DIMONA;
    let Some(employer) = crate::identifiers::parse_enterprise_number(&args.employer) else {
        return Err(CliError::usage(
            "bad_enterprise",
            tr_args(
                lang,
                "dimona.bad_employer",
                &[("enterprise", args.employer.clone())],
            ),
        ));
    };
    let ssin = match &args.ssin {
        None => None,
        Some(text) => match crate::identifiers::parse_ssin(text) {
            Ok(s) => Some(s.digits),
            Err(_) => {
                return Err(CliError::usage(
                    "bad_ssin",
                    tr_args(lang, "dimona.bad_ssin", &[("ssin", text.clone())]),
                ))
            }
        },
    };
    for date in [&args.from, &args.to].into_iter().flatten() {
        if time::Date::parse(
            date,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_err()
        {
            return Err(CliError::usage(
                "bad_date",
                tr_args(lang, "dimona.bad_date", &[("date", date.clone())]),
            ));
        }
    }
    let (dimona, _resolved) = match client(&args.connection, args.json, lang).await {
        Ok(x) => x,
        Err(done) => return done,
    };
    let filters = SearchRequest {
        employer: Employer {
            enterprise_number: employer,
        },
        ssin,
        from: args.from.clone(),
        to: args.to.clone(),
        cursor: None,
    };
    let periods = match dimona.search_periods(&filters).await {
        Ok(p) => p,
        Err(e) => return Ok(report_api_error(&e, args.json, lang)),
    };
    if args.json {
        print_json(&json!({ "periods": periods }));
    } else {
        for p in &periods {
            println!(
                "{}",
                tr_args(
                    lang,
                    "dimona.period_line",
                    &[
                        ("id", p.id.to_string()),
                        ("ssin", crate::identifiers::shown_ssin(&p.worker.ssin)),
                        ("start", crate::i18n::format_iso_date(&p.start_date)),
                        (
                            "end",
                            p.end_date
                                .as_deref()
                                .map_or_else(|| "…".into(), crate::i18n::format_iso_date),
                        ),
                        ("type", p.features.worker_type.clone()),
                        (
                            "status",
                            tr(lang, &format!("dimona.period.{}", p.status.code()))
                        ),
                    ],
                )
            );
        }
        eprintln!(
            "{}",
            crate::i18n::tr_n(lang, "dimona.periods_found", periods.len() as u64, &[])
        );
    }
    Ok(exit::DONE)
}
