//! `fla-assistant sim` (run the sandbox) and `sim-register` (register a
//! certificate in its small Chaman and get a client ID).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::{exit, print_json, CliError};
use crate::i18n::{tr_args, Lang};

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// The state folder (default: the app's data dir).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
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
}

pub async fn sim(args: SimArgs, lang: Lang) -> Result<u8, CliError> {
    if !args.addr.ip().is_loopback() {
        return Err(CliError::usage(
            "not_loopback",
            tr_args(lang, "sim.not_loopback", &[("addr", args.addr.to_string())]),
        ));
    }
    let state_dir = args.state.unwrap_or_else(crate::profile::sandbox_state_dir);
    let sandbox =
        crate::sandbox::start(args.addr, &state_dir, crate::channel::token::system_clock())
            .await
            .map_err(|e| CliError {
                code: "sandbox_failed".into(),
                message: e.message(lang),
                exit: exit::NETWORK,
            })?;
    let line = sandbox.endpoint_json();
    // Where `token --env sandbox` finds it; failing to write this is not fatal.
    let endpoint_file = crate::profile::sandbox_endpoint_file();
    if let Some(parent) = endpoint_file.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = crate::files::write_atomically(&endpoint_file, line.to_string().as_bytes());
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
    eprintln!(
        "sandbox listening on {} (state in {}); stop with Ctrl+C",
        sandbox.base_url,
        state_dir.display()
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
    let authorizations = if args.no_fla_authorization {
        vec![]
    } else {
        vec![crate::channel::env::FLA.authorization.to_owned()]
    };
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
            body["detail"].as_str().unwrap_or("refused").to_owned(),
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
