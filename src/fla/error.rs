//! Why an FLA API call did not give its answer: one error per way it fails
//! (the token, the server's refusals, the network, an answer too large or
//! paging without end), each with its code, its message in the user's
//! language, the response's trace id, and whether another attempt may help.

use super::wire::Problem;
use crate::i18n::{tr_args, Lang};

/// Why an API call did not give its answer. Every variant that comes from a
/// response carries that response's `BelGov-Trace-Id` (what the service desk
/// asks for); see [`ApiError::trace_id`]. `Display` is the English message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum ApiError {
    /// No token: the connection itself fails.
    Token {
        code: String,
        cause: String,
        message: String,
        trace_id: Option<String>,
    },
    /// 400: the body is not a declaration (issues say where).
    BadRequest {
        problem: Box<Problem>,
        trace_id: Option<String>,
    },
    /// 403 `missingMandate`: no mandate for this enterprise.
    NoMandate {
        enterprise: String,
        detail: String,
        trace_id: Option<String>,
    },
    /// 403 `missingScope`: the token's scope does not give access.
    MissingScope {
        detail: String,
        trace_id: Option<String>,
    },
    /// Any other 403, shown as what it is.
    Forbidden {
        problem_type: String,
        detail: String,
        trace_id: Option<String>,
    },
    /// 401 even with a new token.
    Unauthorized {
        detail: String,
        trace_id: Option<String>,
    },
    NotFound {
        id: i64,
        trace_id: Option<String>,
    },
    /// Submitted, but no result within the schedule: check later with this id.
    StillProcessing(i64),
    /// A 5xx, or an answer that is not the contract's.
    Server {
        status: u16,
        detail: String,
        trace_id: Option<String>,
    },
    /// A 3xx, not followed: a token goes only to the URL that was checked.
    Redirect {
        status: u16,
        location: Option<String>,
        trace_id: Option<String>,
    },
    /// No answer within the timeout (retries included).
    Timeout {
        seconds: u64,
    },
    Network(String),
    NoApiBase,
    /// A search whose pages do not end: a cursor given twice, or more pages
    /// than [`MAX_SEARCH_PAGES`].
    EndlessPaging {
        pages: usize,
        repeated: bool,
    },
    /// An answer longer than any the contract gives (read up to `limit`).
    TooLarge {
        limit: usize,
        trace_id: Option<String>,
    },
}

impl ApiError {
    pub fn code(&self) -> String {
        match self {
            ApiError::Token { code, .. } => code.clone(),
            ApiError::BadRequest { .. } => "bad_request".into(),
            ApiError::NoMandate { .. } => "no_mandate".into(),
            ApiError::MissingScope { .. } => "missing_scope".into(),
            ApiError::Forbidden { .. } => "forbidden".into(),
            ApiError::Unauthorized { .. } => "unauthorized".into(),
            ApiError::NotFound { .. } => "not_found".into(),
            ApiError::StillProcessing(_) => "still_processing".into(),
            ApiError::Server { .. } => "server_error".into(),
            ApiError::Redirect { .. } => "redirect".into(),
            ApiError::Timeout { .. } => "timeout".into(),
            ApiError::Network(_) => "network".into(),
            ApiError::NoApiBase => "no_api_base".into(),
            ApiError::TooLarge { .. } => crate::channel::body::RESPONSE_TOO_LARGE.into(),
            ApiError::EndlessPaging { .. } => "endless_paging".into(),
        }
    }

    /// The `BelGov-Trace-Id` of the response that failed, where one came back.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            ApiError::Token { trace_id, .. }
            | ApiError::BadRequest { trace_id, .. }
            | ApiError::NoMandate { trace_id, .. }
            | ApiError::MissingScope { trace_id, .. }
            | ApiError::Forbidden { trace_id, .. }
            | ApiError::Unauthorized { trace_id, .. }
            | ApiError::NotFound { trace_id, .. }
            | ApiError::Server { trace_id, .. }
            | ApiError::Redirect { trace_id, .. }
            | ApiError::TooLarge { trace_id, .. } => trace_id.as_deref(),
            ApiError::StillProcessing(_)
            | ApiError::Timeout { .. }
            | ApiError::Network(_)
            | ApiError::NoApiBase
            | ApiError::EndlessPaging { .. } => None,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let key = format!("api.error.{}", self.code());
        match self {
            ApiError::Token { message, .. } => message.clone(),
            ApiError::BadRequest { problem, .. } => {
                let issues: Vec<String> = problem
                    .issues
                    .iter()
                    .map(|i| format!("{}: {}", i.name, i.detail))
                    .collect();
                tr_args(lang, &key, &[("issues", issues.join("; "))])
            }
            ApiError::NoMandate {
                enterprise, detail, ..
            } => tr_args(
                lang,
                &key,
                &[
                    (
                        "enterprise",
                        if enterprise.is_empty() {
                            "?".to_owned()
                        } else {
                            enterprise.clone()
                        },
                    ),
                    ("detail", detail.clone()),
                ],
            ),
            ApiError::Forbidden {
                problem_type,
                detail,
                ..
            } => tr_args(
                lang,
                &key,
                &[
                    ("problem", problem_type.clone()),
                    ("detail", detail.clone()),
                ],
            ),
            ApiError::MissingScope { detail, .. }
            | ApiError::Unauthorized { detail, .. }
            | ApiError::Network(detail) => tr_args(lang, &key, &[("detail", detail.clone())]),
            ApiError::NotFound { id, .. } | ApiError::StillProcessing(id) => {
                tr_args(lang, &key, &[("id", id.to_string())])
            }
            ApiError::Server { status, detail, .. } => tr_args(
                lang,
                &key,
                &[("status", status.to_string()), ("detail", detail.clone())],
            ),
            ApiError::Redirect {
                status, location, ..
            } => tr_args(
                lang,
                &key,
                &[
                    ("status", status.to_string()),
                    ("location", location.clone().unwrap_or_else(|| "-".into())),
                ],
            ),
            ApiError::Timeout { seconds } => {
                tr_args(lang, &key, &[("seconds", seconds.to_string())])
            }
            ApiError::NoApiBase => tr_args(lang, &key, &[]),
            ApiError::TooLarge { limit, .. } => tr_args(
                lang,
                &key,
                &[("limit", crate::channel::body::limit_text(*limit))],
            ),
            ApiError::EndlessPaging { pages, repeated } => {
                let why = if *repeated {
                    tr_args(
                        lang,
                        "api.error.paging_repeated",
                        &[("page", pages.to_string())],
                    )
                } else {
                    tr_args(
                        lang,
                        "api.error.paging_bound",
                        &[("pages", pages.to_string())],
                    )
                };
                tr_args(lang, &key, &[("why", why)])
            }
        }
    }

    /// The message, and on a line of its own the trace id where a response
    /// gave one: what a page shows next to a failure.
    pub fn message_with_trace(&self, lang: Lang) -> String {
        match self.trace_id() {
            Some(trace) => format!(
                "{}\n{}",
                self.message(lang),
                tr_args(lang, "api.trace_id", &[("trace", trace.to_owned())])
            ),
            None => self.message(lang),
        }
    }

    /// A refusal (the server said no to this sender), as opposed to a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ApiError::NoMandate { .. } | ApiError::MissingScope { .. }
        )
    }

    /// Worth another attempt: a 5xx or no answer at all. Every request this
    /// client makes is idempotent (see [`FlaClient::send`]).
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Server { status, .. } => *status >= 500,
            ApiError::Timeout { .. } | ApiError::Network(_) => true,
            // A token request is sent again with a fresh assertion (a new `jti`).
            ApiError::Token { code, .. } => TRANSIENT_TOKEN_FAILURES.contains(&code.as_str()),
            _ => false,
        }
    }
}

/// The `cause` of an [`ApiError::Token`] for a certificate that cannot sign.
pub use crate::channel::source::TOKEN_CERTIFICATE;
/// The `cause` of an [`ApiError::Token`] that was refused before sending (a
/// lifetime or a key that cannot sign): bad input, not a network failure.
pub use crate::channel::source::TOKEN_CONFIGURATION;

impl From<crate::channel::source::TokenError> for ApiError {
    fn from(e: crate::channel::source::TokenError) -> Self {
        ApiError::Token {
            code: e.code,
            cause: e.cause,
            message: e.message,
            trace_id: e.trace_id,
        }
    }
}

/// Token failures worth another attempt: the server failed or did not answer.
const TRANSIENT_TOKEN_FAILURES: [&str; 4] = [
    "server_error",
    "temporarily_unavailable",
    "timeout",
    "connect",
];
