//! Names the cause of a failed token request and the next step. Pure: it reads
//! the failure, what was sent and the certificate used, and returns a cause.

use serde::Serialize;

use super::env::{EnvironmentKind, Role};
use super::token::TokenFailure;
use crate::cert::{self, CertFacts};
use crate::i18n::{tr, tr_args, Lang};

/// The local clock may differ this much from the server's before it is named.
pub const CLOCK_SKEW_TOLERANCE_SECS: i64 = 5;

/// A named cause of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Client ID unknown, or the certificate is not the one uploaded for it.
    ClientOrCertificate,
    /// The service's authorization is not ticked on the web-service account.
    AuthorizationMissing,
    /// Employer scope used by a representative, or the reverse.
    ScopeRole,
    ClockSkew,
    WrongAudience,
    AssertionLifetime,
    ReplayedAssertion,
    RequestRejected,
    ServerError,
    NotJson,
    /// An answer longer than a token answer can be.
    TooLarge,
    /// The URL answered a redirect, which is not followed.
    Redirect,
    Timeout,
    Dns,
    Tls,
    Connect,
}

impl Cause {
    pub fn code(self) -> &'static str {
        match self {
            Cause::ClientOrCertificate => "client_or_certificate",
            Cause::AuthorizationMissing => "authorization_missing",
            Cause::ScopeRole => "scope_role",
            Cause::ClockSkew => "clock_skew",
            Cause::WrongAudience => "wrong_audience",
            Cause::AssertionLifetime => "assertion_lifetime",
            Cause::ReplayedAssertion => "replayed_assertion",
            Cause::RequestRejected => "request_rejected",
            Cause::ServerError => "server_error",
            Cause::NotJson => "not_json",
            Cause::TooLarge => super::body::RESPONSE_TOO_LARGE,
            Cause::Redirect => "redirect",
            Cause::Timeout => "timeout",
            Cause::Dns => "dns",
            Cause::Tls => "tls",
            Cause::Connect => "connect",
        }
    }
}

/// What the diagnosis knows besides the failure.
pub struct Context<'a> {
    pub environment: EnvironmentKind,
    pub role: Role,
    pub token_url: &'a str,
    pub audience: &'a str,
    pub clock_skew_secs: Option<i64>,
    pub certificate: Option<&'a CertFacts>,
    pub service_authorization: &'a str,
}

/// The cause of a failure.
pub fn diagnose(failure: &TokenFailure, ctx: &Context<'_>) -> Cause {
    let skewed = ctx
        .clock_skew_secs
        .is_some_and(|s| s.abs() > CLOCK_SKEW_TOLERANCE_SECS);
    match failure {
        TokenFailure::OAuth { status, error, .. }
            if *status >= 500 || error == "server_error" || error == "temporarily_unavailable" =>
        {
            Cause::ServerError
        }
        TokenFailure::OAuth {
            error, description, ..
        } => {
            let said = description.as_deref().unwrap_or_default().to_lowercase();
            match error.as_str() {
                "invalid_client" | "invalid_grant" => {
                    if skewed {
                        Cause::ClockSkew
                    } else if ctx.audience != ctx.token_url || said.contains("aud") {
                        Cause::WrongAudience
                    } else if said.contains("jti") || said.contains("replay") {
                        Cause::ReplayedAssertion
                    } else if said.contains("lifetime") {
                        Cause::AssertionLifetime
                    } else if said.contains("iat")
                        || said.contains("expired")
                        || said.contains("future")
                    {
                        // The server's clock says the assertion is not valid now,
                        // though its Date header did not show a skew.
                        Cause::ClockSkew
                    } else {
                        Cause::ClientOrCertificate
                    }
                }
                "unauthorized_client" => Cause::AuthorizationMissing,
                "invalid_scope" => Cause::ScopeRole,
                _ => Cause::RequestRejected,
            }
        }
        TokenFailure::ServerError { .. } | TokenFailure::UnexpectedStatus { .. } => {
            Cause::ServerError
        }
        TokenFailure::NotJson { .. } => Cause::NotJson,
        TokenFailure::TooLarge { .. } => Cause::TooLarge,
        TokenFailure::Redirect { .. } => Cause::Redirect,
        TokenFailure::Timeout { .. } => Cause::Timeout,
        TokenFailure::Dns { .. } => Cause::Dns,
        TokenFailure::Tls { .. } => Cause::Tls,
        TokenFailure::Connect { .. } => Cause::Connect,
    }
}

/// The explanation of a cause with the next step, in `lang`.
pub fn explain(cause: Cause, failure: &TokenFailure, ctx: &Context<'_>, lang: Lang) -> String {
    let key = format!("cause.{}", cause.code());
    let other_role = match ctx.role {
        Role::Employer => Role::Provider,
        Role::Provider => Role::Employer,
    };
    let mut text = match cause {
        Cause::ClientOrCertificate => {
            let card = ctx
                .certificate
                .map(|c| chaman_card(c, lang))
                .unwrap_or_default();
            tr_args(lang, &key, &[("certificate", card)])
        }
        Cause::AuthorizationMissing => tr_args(
            lang,
            &key,
            &[("authorization", ctx.service_authorization.to_owned())],
        ),
        Cause::ScopeRole => tr_args(
            lang,
            &key,
            &[
                ("role", tr(lang, &format!("role.{}", ctx.role.code()))),
                ("other", tr(lang, &format!("role.{}", other_role.code()))),
            ],
        ),
        Cause::ClockSkew => tr_args(
            lang,
            &key,
            &[(
                "seconds",
                ctx.clock_skew_secs.unwrap_or_default().abs().to_string(),
            )],
        ),
        Cause::WrongAudience => tr_args(
            lang,
            &key,
            &[
                ("audience", ctx.audience.to_owned()),
                ("token_url", ctx.token_url.to_owned()),
            ],
        ),
        Cause::Timeout => match failure {
            TokenFailure::Timeout { seconds } => {
                tr_args(lang, &key, &[("seconds", seconds.to_string())])
            }
            _ => tr_args(lang, &key, &[("seconds", String::new())]),
        },
        Cause::NotJson => match failure {
            TokenFailure::NotJson {
                status,
                content_type,
                ..
            } => tr_args(
                lang,
                &key,
                &[
                    ("status", status.to_string()),
                    ("content_type", content_type.clone()),
                ],
            ),
            _ => tr_args(
                lang,
                &key,
                &[("status", String::new()), ("content_type", String::new())],
            ),
        },
        Cause::Redirect => match failure {
            TokenFailure::Redirect { status, location } => tr_args(
                lang,
                &key,
                &[
                    ("status", status.to_string()),
                    ("location", location.clone().unwrap_or_else(|| "-".into())),
                ],
            ),
            _ => tr_args(
                lang,
                &key,
                &[("status", String::new()), ("location", String::new())],
            ),
        },
        Cause::TooLarge => {
            let (status, limit) = match failure {
                TokenFailure::TooLarge { status, limit } => {
                    (status.to_string(), super::body::limit_text(*limit))
                }
                _ => (String::new(), String::new()),
            };
            tr_args(lang, &key, &[("status", status), ("limit", limit)])
        }
        Cause::ServerError => match failure {
            TokenFailure::ServerError { status }
            | TokenFailure::UnexpectedStatus { status }
            | TokenFailure::OAuth { status, .. } => {
                tr_args(lang, &key, &[("status", status.to_string())])
            }
            _ => tr_args(lang, &key, &[("status", String::new())]),
        },
        _ => tr(lang, &key),
    };
    if let TokenFailure::OAuth {
        error, description, ..
    } = failure
    {
        let answer = format!(
            "{error}{}",
            description
                .as_deref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default()
        );
        text.push('\n');
        text.push_str(&tr_args(lang, "cause.server_said", &[("answer", answer)]));
    }
    if ctx
        .clock_skew_secs
        .is_some_and(|s| s.abs() > CLOCK_SKEW_TOLERANCE_SECS)
        && cause != Cause::ClockSkew
    {
        text.push('\n');
        text.push_str(&clock_warning(
            ctx.clock_skew_secs.unwrap_or_default(),
            lang,
        ));
    }
    text
}

/// The warning given even on success when the clocks differ.
pub fn clock_warning(skew_secs: i64, lang: Lang) -> String {
    tr_args(
        lang,
        "cause.clock_warning",
        &[("seconds", skew_secs.abs().to_string())],
    )
}

/// The certificate as Chaman lists one (owner, enterprise, supplier, expiry date),
/// so the user can compare it with the account's certificate there.
pub fn chaman_card(c: &CertFacts, lang: Lang) -> String {
    tr_args(
        lang,
        "cause.chaman_card",
        &[
            ("owner", c.subject_cn.clone()),
            ("enterprise", c.subject_org.clone()),
            ("supplier", c.issuer_cn.clone()),
            ("expiry", cert::format_user_date(c.not_after)),
            ("sha1", c.sha1.clone()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(skew: Option<i64>, audience: &'a str) -> Context<'a> {
        Context {
            environment: EnvironmentKind::Sandbox,
            role: Role::Employer,
            token_url: "http://127.0.0.1:1/REST/oauth/v5/token",
            audience,
            clock_skew_secs: skew,
            certificate: None,
            service_authorization: "CareerPro – Federal Learning Account",
        }
    }

    fn oauth(error: &str, description: &str) -> TokenFailure {
        TokenFailure::OAuth {
            status: 401,
            error: error.into(),
            description: Some(description.into()),
        }
    }

    #[test]
    fn causes_are_named() {
        let url = "http://127.0.0.1:1/REST/oauth/v5/token";
        assert_eq!(
            diagnose(&oauth("invalid_client", "unknown"), &ctx(None, url)),
            Cause::ClientOrCertificate
        );
        assert_eq!(
            diagnose(&oauth("invalid_client", "unknown"), &ctx(Some(30), url)),
            Cause::ClockSkew
        );
        assert_eq!(
            diagnose(
                &oauth("invalid_client", "x"),
                &ctx(Some(3), "https://other")
            ),
            Cause::WrongAudience
        );
        assert_eq!(
            diagnose(
                &oauth("invalid_client", "jti already used"),
                &ctx(None, url)
            ),
            Cause::ReplayedAssertion
        );
        assert_eq!(
            diagnose(
                &oauth("invalid_client", "assertion lifetime 600 s exceeds 300 s"),
                &ctx(None, url)
            ),
            Cause::AssertionLifetime
        );
        assert_eq!(
            diagnose(&oauth("unauthorized_client", ""), &ctx(None, url)),
            Cause::AuthorizationMissing
        );
        assert_eq!(
            diagnose(&oauth("invalid_scope", ""), &ctx(None, url)),
            Cause::ScopeRole
        );
        assert_eq!(
            diagnose(&TokenFailure::Timeout { seconds: 15 }, &ctx(None, url)),
            Cause::Timeout
        );
        assert_eq!(
            diagnose(&TokenFailure::ServerError { status: 502 }, &ctx(None, url)),
            Cause::ServerError
        );
    }

    #[test]
    fn explanations_say_what_to_do() {
        let url = "http://127.0.0.1:1/REST/oauth/v5/token";
        let f = oauth("invalid_scope", "scope not allowed");
        let text = explain(Cause::ScopeRole, &f, &ctx(None, url), Lang::En);
        assert!(text.contains("scope not allowed"), "{text}");
        assert!(!text.contains('{'), "{text}");
    }
}
