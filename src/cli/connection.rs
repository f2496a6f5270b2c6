//! The connection flags every command that talks to a server takes (`token`,
//! `declare`, `declarations search`, `submit`), and their resolution into
//! endpoints, a certificate entry and a running sandbox where needed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use time::OffsetDateTime;

use super::{exit, CliError};
use crate::cert::{Entry, Pkcs12Contents};
use crate::channel::env::{
    self, Endpoints, EnvironmentKind, Role, ServiceDefinition, UrlOverrides,
};
use crate::channel::token::{system_clock, Clock};
use crate::i18n::{tr_args, Lang};
use crate::sandbox::Sandbox;

#[derive(Debug, Args, Clone)]
pub struct ConnectionArgs {
    /// sandbox (the built-in simulator), acceptance, production or custom.
    #[arg(long = "env", value_name = "ENV", default_value = "sandbox", value_parser = parse_env)]
    pub environment: EnvironmentKind,
    /// The token URL (required with --env custom).
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,
    /// The JWT audience (default: the token URL; on the token URL's host).
    #[arg(long, value_name = "URL")]
    pub audience: Option<String>,
    /// Lets --audience name another host than the token URL: the assertion is
    /// then valid at that host's token endpoint, and is sent to this one.
    #[arg(long)]
    pub allow_foreign_audience: bool,
    /// The API base URL.
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
    /// The client ID Chaman shows for the REST web-service account.
    #[arg(long, value_name = "ID")]
    pub client_id: String,
    /// The PKCS#12 file with the certificate uploaded in Chaman and its key.
    #[arg(long, value_name = "FILE")]
    pub pfx: PathBuf,
    /// The entry that signs (needed where the file holds several).
    #[arg(long, value_name = "ALIAS")]
    pub alias: Option<String>,
    /// The environment variable that holds the PFX password.
    #[arg(long, value_name = "VAR", default_value = "FLA_PFX_PASSWORD")]
    pub password_env: String,
    /// The service: fla (the default) or dimona.
    #[arg(long, value_name = "SERVICE", default_value = "fla", value_parser = parse_service)]
    pub service: &'static ServiceDefinition,
    /// employer or provider (an authorized representative).
    #[arg(long, value_name = "ROLE", default_value = "employer", value_parser = parse_role, conflicts_with = "scope")]
    pub role: Role,
    /// A scope to ask instead of the role's.
    #[arg(long, value_name = "STRING")]
    pub scope: Option<String>,
    /// Seconds to wait for the server.
    #[arg(long, value_name = "SECONDS", default_value_t = 15)]
    pub timeout: u64,
    /// Lifetime of the client assertion in seconds (at most 300).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub assertion_lifetime: i64,
    /// Run as if the clock showed this time (RFC 3339, e.g. 2026-11-24T23:30:00Z),
    /// for the local checks, the assertions and a sandbox this command starts:
    /// for rehearsals against the sandbox; the real servers refuse assertions
    /// made at another time.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

fn parse_env(s: &str) -> Result<EnvironmentKind, String> {
    EnvironmentKind::parse(s)
        .ok_or_else(|| format!("'{s}' is not sandbox, acceptance, production or custom"))
}

pub(super) fn parse_service(s: &str) -> Result<&'static ServiceDefinition, String> {
    env::service(s).ok_or_else(|| format!("'{s}' is not fla or dimona"))
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("'{s}' is not employer or provider"))
}

/// Resolved connection: endpoints, the signing entry, and the sandbox started
/// for this call where none was running.
pub struct Resolved {
    pub endpoints: Endpoints,
    pub contents: Pkcs12Contents,
    pub alias: String,
    pub timeout: Duration,
    /// Kept alive for the duration of the command.
    pub local_sandbox: Option<Sandbox>,
    /// The command's clock: the system's, or the one `--now` shifted.
    pub clock: Clock,
}

impl Resolved {
    pub fn entry(&self) -> Option<&Entry> {
        self.contents.entry(&self.alias)
    }
}

/// A clock that shows `at` now and runs on from there.
pub fn shifted_clock(at: OffsetDateTime) -> Clock {
    let shift = at - OffsetDateTime::now_utc();
    Arc::new(move || OffsetDateTime::now_utc() + shift)
}

impl ConnectionArgs {
    /// The clock for this command: the system's, or one shifted to `--now`.
    pub fn clock(&self, lang: Lang) -> Result<Clock, CliError> {
        match &self.now {
            None => Ok(system_clock()),
            Some(text) => {
                let at = super::cert::parse_reference_time(text, lang)?;
                eprintln!(
                    "{}",
                    tr_args(
                        lang,
                        "connection.now_shifted",
                        &[("time", crate::cert::format_rfc3339(at))]
                    )
                );
                Ok(shifted_clock(at))
            }
        }
    }

    pub async fn resolve(&self, lang: Lang) -> Result<Resolved, CliError> {
        let clock = self.clock(lang)?;
        self.resolve_with(clock, lang).await
    }

    /// [`Self::resolve`] with the clock the command already took from [`Self::clock`].
    pub async fn resolve_with(&self, clock: Clock, lang: Lang) -> Result<Resolved, CliError> {
        let overrides = UrlOverrides {
            token_url: self.token_url.clone(),
            audience: self.audience.clone(),
            api_base: self.api_base.clone(),
            allow_foreign_audience: self.allow_foreign_audience,
        };
        let mut local_sandbox = None;
        let sandbox_host =
            if self.environment == EnvironmentKind::Sandbox && self.token_url.is_none() {
                match find_running_sandbox(lang).await {
                    Some(host) => Some(host),
                    None => {
                        let sandbox = start_local_sandbox(clock.clone()).await.map_err(|e| {
                            let err = crate::channel::ChannelError::NoSandbox {
                                detail: e.message(lang),
                            };
                            CliError {
                                code: err.code().into(),
                                message: err.message(lang),
                                exit: exit::NETWORK,
                            }
                        })?;
                        let host = sandbox.base_url.clone();
                        local_sandbox = Some(sandbox);
                        Some(host)
                    }
                }
            } else {
                None
            };
        let endpoints = env::endpoints(
            self.environment,
            self.service,
            &overrides,
            sandbox_host.as_deref(),
        )
        .map_err(|e| CliError::usage(e.code(), e.message(lang)))?;
        let contents = super::cert::open(&self.pfx, &self.password_env, lang)?;
        let alias = contents
            .choose(self.alias.as_deref())
            .map_err(|e| CliError::from((e, lang)))?
            .label
            .clone();
        if !env::client_id_looks_right(&self.client_id) {
            eprintln!(
                "{}",
                tr_args(
                    lang,
                    "connection.client_id_unusual",
                    &[("id", self.client_id.clone())]
                )
            );
        }
        Ok(Resolved {
            endpoints,
            contents,
            alias,
            timeout: Duration::from_secs(self.timeout.max(1)),
            local_sandbox,
            clock,
        })
    }
}

/// The signing entry is gone from the file (it was chosen from it): said as
/// the certificate workbench says it.
pub fn alias_not_found(resolved: &Resolved, lang: Lang) -> CliError {
    let available = resolved
        .contents
        .entries
        .iter()
        .map(|e| e.label.clone())
        .collect();
    CliError::from((
        crate::cert::CertError::AliasNotFound {
            alias: resolved.alias.clone(),
            available,
        },
        lang,
    ))
}

/// The sandbox whose address the app (or `sim`) wrote, if it still answers.
/// A file that names anything but this computer is not followed (a token
/// request with the user's certificate goes to no other host from it).
pub async fn find_running_sandbox(lang: Lang) -> Option<String> {
    let file = crate::profile::sandbox_endpoint_file();
    let text = std::fs::read_to_string(&file).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let admin = json["admin_url"].as_str()?;
    let token_url = json["token_url"].as_str()?;
    let loopback =
        |u: &str| url::Url::parse(u).is_ok_and(|u| crate::channel::token::is_loopback(&u));
    if !(loopback(admin) && loopback(token_url)) {
        eprintln!(
            "{}",
            tr_args(
                lang,
                "cli.sandbox_endpoint_not_loopback",
                &[("file", file.display().to_string())]
            )
        );
        return None;
    }
    let host = token_url.strip_suffix(env::TOKEN_PATH)?.to_owned();
    let http = crate::channel::token::http_client(Duration::from_secs(2)).ok()?;
    let alive = http.get(format!("{admin}/health")).send().await.ok()?;
    alive.status().is_success().then_some(host)
}

/// Starts a sandbox in this process on the app's sandbox state, so that accounts
/// registered earlier are known, running on the command's clock.
pub async fn start_local_sandbox(clock: Clock) -> Result<Sandbox, crate::sandbox::SandboxError> {
    let addr = crate::sandbox::host::any_loopback_port();
    crate::sandbox::start(addr, &crate::profile::sandbox_state_dir(), clock).await
}
