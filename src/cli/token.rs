//! `fla-assistant token`: get an OAuth token with a private_key_jwt assertion
//! signed by the PFX, and explain any failure.

use clap::Args;
use serde_json::{json, Value};

use super::connection::{alias_not_found, ConnectionArgs};
use super::{exit, print_json, CliError};
use crate::channel::assertion::shorten;
use crate::channel::connect::{self, ConnectionOutcome, ConnectionTest};
use crate::channel::token::{http_client, Exchange};
use crate::i18n::{format_count, tr, tr_args, Lang};

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: TokenArgs, lang: Lang) -> Result<u8, CliError> {
    let c = &args.connection;
    let resolved = c.resolve(lang).await?;
    let entry = resolved
        .entry()
        .ok_or_else(|| alias_not_found(&resolved, lang))?;
    let http = http_client(resolved.timeout).map_err(|e| CliError {
        code: e.code().into(),
        message: e.message(lang),
        exit: exit::NETWORK,
    })?;
    let test = ConnectionTest {
        endpoints: &resolved.endpoints,
        service: c.service,
        client_id: &c.client_id,
        role: c.role,
        scope: c.scope.as_deref(),
        entry,
        protection: &resolved.contents.protection,
        lifetime_secs: c.assertion_lifetime,
        timeout: resolved.timeout,
        clock: resolved.clock.clone(),
    };
    // Said only where a request leaves: a certificate refused sends nothing.
    if connect::refused_before_sending(&test, (resolved.clock)()).is_empty() {
        eprintln!("POST {}", resolved.endpoints.token_url);
    }
    let outcome = connect::test_connection(&http, &test, lang)
        .await
        .map_err(|e| CliError::usage(e.code(), e.message(lang)))?;
    match outcome {
        ConnectionOutcome::CertificateRefused(findings) => {
            let first = &findings[0];
            let message = findings
                .iter()
                .map(|f| f.message(lang))
                .collect::<Vec<_>>()
                .join("\n");
            if args.json {
                print_json(&json!({
                    "error": {"code": first.code(), "message": message},
                    "cause": "certificate",
                    "sent": Value::Null,
                }));
            } else {
                eprintln!("{}", super::error_line(lang, first.code(), &message));
            }
            Ok(exit::BAD_INPUT)
        }
        ConnectionOutcome::Granted {
            token,
            exchange,
            warnings,
            ..
        } => {
            for w in &warnings {
                eprintln!(
                    "{}",
                    tr_args(lang, "cli.warning_line", &[("message", w.clone())])
                );
            }
            if args.json {
                print_json(&json!({
                    "token_type": token.token_type,
                    "expires_in": token.expires_in,
                    "scope": token.scope,
                    "access_token_sha256": token.sha256_hex(),
                    "access_token": shorten(&token.token),
                    "warnings": warnings,
                    "trace_id": exchange.trace_id,
                }));
            } else {
                println!("{}", tr(lang, "connection.granted"));
                let line = |key: &str, value: &str| super::field_line(lang, &tr(lang, key), value);
                println!("  {}", line("cli.token.token", &shorten(&token.token)));
                println!("  {}", line("cli.token.type", &token.token_type));
                println!("  {}", line("cli.token.scope", &token.scope));
                println!(
                    "  {}",
                    line(
                        "cli.token.expires_in",
                        &tr_args(
                            lang,
                            "cli.seconds",
                            &[(
                                "seconds",
                                format_count(lang, token.expires_in.unsigned_abs())
                            )]
                        )
                    )
                );
            }
            Ok(exit::DONE)
        }
        ConnectionOutcome::Failed {
            failure,
            cause,
            explanation,
            exchange,
            ..
        } => {
            let code = failure.code();
            if args.json {
                print_json(&json!({
                    "error": {"code": code, "message": explanation},
                    "cause": cause.code(),
                    "sent": sent_json(&exchange),
                }));
            } else {
                eprintln!(
                    "{}",
                    tr_args(
                        lang,
                        "cli.error_line_cause",
                        &[
                            ("code", code.to_owned()),
                            ("cause", cause.code().to_owned()),
                            ("message", explanation.clone()),
                        ]
                    )
                );
                if let Some(trace) = &exchange.trace_id {
                    eprintln!("BelGov-Trace-Id: {trace}");
                }
            }
            // A refusal and a network failure both exit 3: the server, not the input, said no.
            Ok(exit::NETWORK)
        }
    }
}

/// What was sent and received, as `sent` in the JSON output.
pub fn sent_json(exchange: &Exchange) -> Value {
    json!({
        "token_url": exchange.token_url,
        "header": exchange.header,
        "claims": exchange.claims,
        "form": exchange.form.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
        "http_status": exchange.http_status,
        "trace_id": exchange.trace_id,
        "server_date": exchange.server_date,
        "clock_skew_secs": exchange.clock_skew_secs,
    })
}
