//! The social security REST channel, independent of the service: environments
//! and service definitions, the client assertion, the token client with its
//! cache, the token source a service's API client draws from (`source`), and
//! the diagnosis of every failure. Claim building and diagnosis are
//! pure; the token client is the network edge.

pub mod assertion;
pub mod body;
pub mod connect;
pub mod diagnosis;
pub mod env;
pub mod source;
pub mod token;

use crate::i18n::{tr, tr_args, Lang};

/// A connection that cannot be attempted as configured (nothing was sent).
/// Its `Display` is the English message; the fronts call `message(lang)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum ChannelError {
    MissingTokenUrl,
    BadUrl {
        url: String,
    },
    InsecureUrl {
        url: String,
    },
    BadLifetime {
        seconds: i64,
    },
    MissingClientId,
    KeyNotRsa,
    Signing {
        detail: String,
    },
    NoSandbox {
        detail: String,
    },
    /// The HTTP client itself could not be built (TLS roots, proxy settings).
    HttpClient {
        detail: String,
    },
    /// An audience on another host than the token URL: the assertion would be
    /// valid at a server that is not the one it is sent to.
    ForeignAudience {
        audience: String,
        token_url: String,
    },
}

impl ChannelError {
    pub fn code(&self) -> &'static str {
        match self {
            ChannelError::MissingTokenUrl => "missing_token_url",
            ChannelError::BadUrl { .. } => "bad_url",
            ChannelError::InsecureUrl { .. } => "insecure_url",
            ChannelError::BadLifetime { .. } => "bad_lifetime",
            ChannelError::MissingClientId => "missing_client_id",
            ChannelError::KeyNotRsa => "not_rsa",
            ChannelError::Signing { .. } => "signing_failed",
            ChannelError::NoSandbox { .. } => "no_sandbox",
            ChannelError::HttpClient { .. } => "http_client",
            ChannelError::ForeignAudience { .. } => "foreign_audience",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let key = format!("channel.error.{}", self.code());
        match self {
            ChannelError::BadUrl { url } | ChannelError::InsecureUrl { url } => {
                tr_args(lang, &key, &[("url", url.clone())])
            }
            ChannelError::BadLifetime { seconds } => {
                tr_args(lang, &key, &[("seconds", seconds.to_string())])
            }
            ChannelError::Signing { detail }
            | ChannelError::NoSandbox { detail }
            | ChannelError::HttpClient { detail } => {
                tr_args(lang, &key, &[("detail", detail.clone())])
            }
            ChannelError::ForeignAudience {
                audience,
                token_url,
            } => tr_args(
                lang,
                &key,
                &[
                    ("audience", audience.clone()),
                    ("token_url", token_url.clone()),
                ],
            ),
            _ => tr(lang, &key),
        }
    }
}
