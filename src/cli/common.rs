//! What the commands that talk to the FLA share (`declare`, `declarations
//! search`, `submit`): the client made from a connection, the token fetched
//! before anything starts, an API error as an exit code, and the journal of an
//! environment. The commands share through here, never through each other.

use std::path::PathBuf;

use super::connection::{alias_not_found, ConnectionArgs, Resolved};
use super::{exit, report_server_error, CliError};
use crate::channel::token::http_client;
use crate::fla::client::{
    ApiError, FlaClient, TokenSource, TOKEN_CERTIFICATE, TOKEN_CONFIGURATION,
};
use crate::i18n::{tr_args, Lang};

/// The journal `submit`, `declare` and the app share for an environment,
/// unless told otherwise (`--journal`): one per environment, see
/// [`crate::submit::journal::file_name`].
pub(super) fn default_journal(environment: crate::channel::env::EnvironmentKind) -> PathBuf {
    crate::profile::data_dir().join(crate::submit::journal::file_name(environment))
}

pub(super) fn api_error(e: &ApiError, lang: Lang) -> CliError {
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
pub(super) fn report_api_error(e: &ApiError, json: bool, lang: Lang) -> u8 {
    let err = api_error(e, lang);
    report_server_error(&err, e.trace_id(), json, lang);
    err.exit
}

pub(super) fn client_for(
    resolved: &Resolved,
    c: &ConnectionArgs,
    lang: Lang,
) -> Result<FlaClient, CliError> {
    let entry = resolved
        .entry()
        .cloned()
        .ok_or_else(|| alias_not_found(resolved, lang))?;
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
    // A connection without its API base is a configuration to fix (exit 2,
    // as its twin `missing_token_url`), said before a token is asked.
    if resolved.endpoints.api_base.is_none() {
        let e = ApiError::NoApiBase;
        return Err(CliError::usage(&e.code(), e.message(lang)));
    }
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
    .with_lifetime(c.assertion_lifetime)
    .with_service(c.service);
    // Assertions dated by the command's clock (`--now`).
    tokens.clock = resolved.clock.clone();
    FlaClient::new(http, tokens, lang).map_err(|e| api_error(&e, lang))
}

/// Gets a token before anything starts, so that a connection that cannot give
/// one is reported once (with its trace id), not as a failure of every row.
/// `Err` holds the exit code, the error already printed.
pub(super) async fn prefetch_token(fla: &FlaClient, json: bool, lang: Lang) -> Result<(), u8> {
    // A token server that failed or did not answer is asked again, as every
    // request of the client is.
    fla.retrying(
        || async {
            fla.tokens
                .token(&fla.http, false, lang)
                .await
                .map_err(ApiError::from)
        },
        |result| result.as_ref().is_err_and(ApiError::is_transient),
    )
    .await
    .map(|_| ())
    .map_err(|e| report_api_error(&e, json, lang))
}

/// A command that sends FLA declarations only (for now): Dimona is refused
/// before anything is read or sent (exit 2), saying what does send it.
pub(super) fn fla_only(
    service: &crate::channel::env::ServiceDefinition,
    command: &str,
    lang: Lang,
) -> Result<(), CliError> {
    if service.id == crate::channel::env::FLA.id {
        return Ok(());
    }
    Err(CliError::usage(
        "service_not_supported",
        tr_args(
            lang,
            "dimona.service_not_yet",
            &[("command", command.to_owned())],
        ),
    ))
}
