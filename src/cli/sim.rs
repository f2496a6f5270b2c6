//! `fla-assistant sim` (run the sandbox) and `sim-register` (register a
//! certificate in its small Chaman and get a client ID).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::{exit, print_json, CliError};
use crate::i18n::{format_count, format_decimal, tr, tr_args, Lang};

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// The state folder (default: the app's data dir).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// The fraction (0 to 1) of FLA API requests that meet a random fault: a
    /// 500, a 429 with Retry-After, or a stall (see --stall-ms).
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_fraction)]
    pub fault_rate: f64,
    /// The fraction (0 to 1) of POST and PUT /trainings that are committed and
    /// then lose their connection without an answer.
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_fraction)]
    pub drop_after_commit_rate: f64,
    /// At most N FLA API requests a second (then 429 with Retry-After), as N/s or N.
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    pub rate_limit: Option<u32>,
    /// Every FLA API answer waits this long.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// How long a declaration is being processed (404) before its result (0 allowed).
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub processing_delay_ms: u64,
    /// How long a stall (one of the random faults) holds its answer back.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    pub stall_ms: u64,
    /// A POST with a reference the enterprise already declared creates a second
    /// declaration instead of a 409 (a server that does not refuse duplicates).
    #[arg(long)]
    pub accept_duplicates: bool,
    /// The seed of the random faults and drops, to replay a run (default: a fresh one).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!("'{s}' is not a fraction from 0 to 1 (e.g. 0.1)")),
    }
}

fn parse_rate(s: &str) -> Result<u32, String> {
    let number = s.trim().trim_end_matches("/s").trim();
    match number.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "'{s}' is not a number of requests a second (e.g. 100/s)"
        )),
    }
}

impl SimArgs {
    /// The sandbox's options from the flags.
    pub fn options(&self) -> crate::sandbox::SandboxOptions {
        use std::time::Duration;
        crate::sandbox::SandboxOptions {
            processing_delay: Duration::from_millis(self.processing_delay_ms),
            fault_rate: self.fault_rate,
            drop_after_commit_rate: self.drop_after_commit_rate,
            rate_limit: self.rate_limit,
            latency: Duration::from_millis(self.latency_ms),
            stall: Duration::from_millis(self.stall_ms),
            accept_duplicates: self.accept_duplicates,
            seed: self.seed,
        }
    }
}

#[derive(Debug, Args)]
pub struct SimRegisterArgs {
    /// The sandbox's admin URL, as `sim` printed it.
    #[arg(long, value_name = "URL")]
    pub admin_url: String,
    /// The certificate to register (.cer, DER or PEM).
    #[arg(long, value_name = "FILE")]
    pub cer: PathBuf,
    /// The enterprise number of the account.
    #[arg(long, value_name = "NUMBER")]
    pub enterprise: String,
    /// employer or provider.
    #[arg(long, default_value = "employer", value_parser = ["employer", "provider"])]
    pub quality: String,
    /// An enterprise a provider holds a mandate for (repeat for several).
    #[arg(long = "mandate", value_name = "NUMBER")]
    pub mandates: Vec<String>,
    /// Register without ticking 'CareerPro – Federal Learning Account'.
    #[arg(long)]
    pub no_fla_authorization: bool,
    /// Tick the Dimona authorization too.
    #[arg(long)]
    pub dimona: bool,
}

pub async fn sim(args: SimArgs, lang: Lang) -> Result<u8, CliError> {
    if !args.addr.ip().is_loopback() {
        return Err(CliError::usage(
            "not_loopback",
            tr_args(lang, "sim.not_loopback", &[("addr", args.addr.to_string())]),
        ));
    }
    let options = args.options();
    // The app's sandbox state, unless told otherwise; its address where
    // `token --env sandbox` finds it (failing to write it is not fatal).
    let home = crate::sandbox::host::Home {
        state_dir: args
            .state
            .clone()
            .unwrap_or_else(crate::profile::sandbox_state_dir),
        endpoint_file: crate::profile::sandbox_endpoint_file(),
    };
    let state_dir = home.state_dir.clone();
    let sandbox = crate::sandbox::host::start(
        args.addr,
        &home,
        crate::channel::token::system_clock(),
        options,
    )
    .await
    .map_err(|e| CliError {
        code: "sandbox_failed".into(),
        message: e.message(lang),
        exit: exit::NETWORK,
    })?;
    let line = sandbox.endpoint_json();
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
    eprintln!(
        "{}",
        tr_args(
            lang,
            "sim.listening",
            &[
                ("url", sandbox.base_url.clone()),
                ("dir", state_dir.display().to_string()),
            ]
        )
    );
    let limit = match args.rate_limit {
        Some(n) => tr_args(
            lang,
            "sim.per_second",
            &[("n", format_count(lang, u64::from(n)))],
        ),
        None => tr(lang, "sim.no_limit"),
    };
    let duplicates = if args.accept_duplicates {
        "sim.duplicates_accepted"
    } else {
        "sim.duplicates_refused"
    };
    eprintln!(
        "{}",
        tr_args(
            lang,
            "sim.modes",
            &[
                ("fault", format_decimal(lang, args.fault_rate)),
                ("drop", format_decimal(lang, args.drop_after_commit_rate)),
                ("limit", limit),
                ("latency", format_count(lang, args.latency_ms)),
                ("delay", format_count(lang, args.processing_delay_ms)),
                ("duplicates", tr(lang, duplicates)),
                // A seed is an identifier to type again, not a quantity.
                ("seed", sandbox.seed.to_string()),
            ]
        )
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = sandbox.wait() => {}
    }
    Ok(exit::DONE)
}

pub async fn sim_register(args: SimRegisterArgs, lang: Lang) -> Result<u8, CliError> {
    use base64::Engine;
    let bytes = crate::files::read_input(&args.cer).map_err(|e| CliError::from((e, lang)))?;
    let certificate = match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN CERTIFICATE-----") => text.to_owned(),
        _ => base64::engine::general_purpose::STANDARD.encode(&bytes),
    };
    let mut authorizations = if args.no_fla_authorization {
        vec![]
    } else {
        vec![crate::channel::env::FLA.authorization.to_owned()]
    };
    if args.dimona {
        authorizations.push(crate::channel::env::DIMONA.authorization.to_owned());
    }
    let request = crate::sandbox::RegisterRequest {
        certificate,
        enterprise: args.enterprise,
        quality: args.quality,
        mandates: args.mandates,
        authorizations,
    };
    let http =
        crate::channel::token::http_client(std::time::Duration::from_secs(15)).map_err(|e| {
            CliError {
                code: e.code().into(),
                message: e.message(lang),
                exit: exit::NETWORK,
            }
        })?;
    let url = format!("{}/chaman/accounts", args.admin_url.trim_end_matches('/'));
    let response = http
        .post(&url)
        .json(&request)
        .send()
        .await
        .map_err(|e| CliError {
            code: "connect".into(),
            message: tr_args(
                lang,
                "sim.unreachable",
                &[("url", url.clone()), ("detail", e.to_string())],
            ),
            exit: exit::NETWORK,
        })?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    if status.is_client_error() {
        return Err(CliError::usage(
            "registration_refused",
            body["detail"]
                .as_str()
                .map_or_else(|| tr(lang, "sim.refused"), str::to_owned),
        ));
    }
    if !status.is_success() {
        return Err(CliError {
            code: "server_error".into(),
            message: format!("{status}: {body}"),
            exit: exit::NETWORK,
        });
    }
    print_json(&serde_json::json!({ "client_id": body["client_id"] }));
    Ok(exit::DONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_fractions_are_read_or_refused_with_a_reason() {
        assert_eq!(parse_fraction("0.1"), Ok(0.1));
        assert_eq!(parse_fraction("0"), Ok(0.0));
        assert!(parse_fraction("1.5").is_err());
        assert!(parse_fraction("-0.1").is_err());
        assert!(parse_fraction("NaN").is_err());
        assert_eq!(parse_rate("100/s"), Ok(100));
        assert_eq!(parse_rate("7"), Ok(7));
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("fast").is_err());
    }
}
