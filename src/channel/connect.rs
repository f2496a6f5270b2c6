//! "Test connection": check the certificate, build and sign the assertion, ask
//! for a token, and name the cause of a failure. Both fronts call this.

use std::time::Duration;

use time::OffsetDateTime;

use super::assertion::{self, ClientAssertion};
use super::diagnosis::{self, Cause, Context};
use super::env::{Endpoints, Role, ServiceDefinition};
use super::token::{self, AccessToken, Clock, Exchange, TokenFailure};
use super::ChannelError;
use crate::cert::{Entry, Finding, Protection, Severity};
use crate::i18n::Lang;

/// Everything a connection test needs.
pub struct ConnectionTest<'a> {
    pub endpoints: &'a Endpoints,
    pub service: &'a ServiceDefinition,
    pub client_id: &'a str,
    pub role: Role,
    /// The scope to ask; by default the role's scope of the service.
    pub scope: Option<&'a str>,
    pub entry: &'a Entry,
    pub protection: &'a Protection,
    pub lifetime_secs: i64,
    pub timeout: Duration,
    pub clock: Clock,
}

/// What happened.
pub enum ConnectionOutcome {
    /// The certificate cannot sign a valid assertion: nothing was sent.
    CertificateRefused(Vec<Finding>),
    Granted {
        token: AccessToken,
        assertion: ClientAssertion,
        exchange: Exchange,
        warnings: Vec<String>,
    },
    Failed {
        failure: TokenFailure,
        cause: Cause,
        explanation: String,
        assertion: ClientAssertion,
        exchange: Exchange,
    },
}

impl ConnectionTest<'_> {
    pub fn scope(&self) -> String {
        self.scope
            .map(str::to_owned)
            .unwrap_or_else(|| self.service.scope(self.role).to_owned())
    }

    /// Builds and signs a fresh assertion (a new `jti` each time).
    pub fn assertion(&self, now: OffsetDateTime) -> Result<ClientAssertion, ChannelError> {
        let key = self
            .entry
            .private_key
            .as_ref()
            .ok_or(ChannelError::KeyNotRsa)?;
        let jti = uuid::Uuid::new_v4().to_string();
        let claims = assertion::build_claims(
            self.client_id,
            &self.endpoints.audience,
            now,
            &jti,
            self.lifetime_secs,
        )?;
        assertion::sign(&claims, key)
    }
}

/// The certificate findings that stop a request before it is sent.
pub fn blocking_findings(
    entry: &Entry,
    protection: &Protection,
    now: OffsetDateTime,
) -> Vec<Finding> {
    entry
        .findings(protection, now)
        .into_iter()
        .filter(|f| f.severity() == Severity::Error)
        .collect()
}

/// Why the test's certificate cannot be used at `now`, before anything is
/// sent (empty when it can): the sandbox's test certificate anywhere but the
/// sandbox, or a finding that stops it signing.
pub fn refused_before_sending(test: &ConnectionTest<'_>, now: OffsetDateTime) -> Vec<Finding> {
    if crate::cert::throwaway::is_throwaway(test.entry)
        && test.endpoints.environment != super::env::EnvironmentKind::Sandbox
    {
        return vec![Finding::SandboxOnly];
    }
    blocking_findings(test.entry, test.protection, now)
}

pub async fn test_connection(
    http: &reqwest::Client,
    test: &ConnectionTest<'_>,
    lang: Lang,
) -> Result<ConnectionOutcome, ChannelError> {
    let now = (test.clock)();
    let refused = refused_before_sending(test, now);
    if !refused.is_empty() {
        return Ok(ConnectionOutcome::CertificateRefused(refused));
    }
    let assertion = test.assertion(now)?;
    let scope = test.scope();
    let attempt = token::request_token(
        http,
        &test.endpoints.token_url,
        &assertion,
        &scope,
        &test.clock,
        test.timeout,
    )
    .await;
    let skew = attempt.exchange.clock_skew_secs;
    Ok(match attempt.outcome {
        Ok(token) => {
            let warnings = skew
                .filter(|s| s.abs() > diagnosis::CLOCK_SKEW_TOLERANCE_SECS)
                .map(|s| vec![diagnosis::clock_warning(s, lang)])
                .unwrap_or_default();
            ConnectionOutcome::Granted {
                token,
                assertion,
                exchange: attempt.exchange,
                warnings,
            }
        }
        Err(failure) => {
            let ctx = Context {
                environment: test.endpoints.environment,
                role: test.role,
                token_url: &test.endpoints.token_url,
                audience: &test.endpoints.audience,
                clock_skew_secs: skew,
                certificate: test.entry.certificate.as_ref(),
                service_authorization: test.service.authorization,
            };
            let cause = diagnosis::diagnose(&failure, &ctx);
            let explanation = diagnosis::explain(cause, &failure, &ctx, lang);
            ConnectionOutcome::Failed {
                failure,
                cause,
                explanation,
                assertion,
                exchange: attempt.exchange,
            }
        }
    })
}

/// A curl command that repeats the request, assertion included: it expires in
/// seconds, so it is safe to share with support.
pub fn curl_command(token_url: &str, assertion: &ClientAssertion, scope: &str) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut cmd = format!("curl -sS -X POST {}", quote(token_url));
    for (name, value) in token::form_fields(assertion, scope) {
        cmd.push_str(&format!(
            " \\\n  --data-urlencode {}",
            quote(&format!("{name}={value}"))
        ));
    }
    cmd
}
