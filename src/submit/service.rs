//! What the engine asks of a service: the one place where what differs
//! between services meets the engine (see docs/ARCHITECTURE.md, "How to add
//! a service"). The state table, the journal, the owner lock, the pacing,
//! the retries and the polling are the engine's, for every service; a
//! service says how its declarations are identified ([`ServiceApi::identity`]),
//! checked before they are stored ([`ServiceApi::check`]), sent
//! ([`ServiceApi::post`]), looked for after a lost answer
//! ([`ServiceApi::find`]) and read back ([`ServiceApi::read`]), each
//! answer said in the engine's words ([`Found`]).
//!
//! [`Content`] is what a row declares in its service's own wire shape: the
//! journal keeps it as that service's JSON beside the row's `service`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::fla::client::{FlaClient, PostOutcome};
use crate::fla::error::ApiError;
use crate::fla::wire::{Anomaly, ResultCode, StoredDeclaration};

/// A future a service's call gives back.
pub type Call<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a row declares. The engine reads none of it: its service does
/// (`ServiceApi`). The FLA's is typed, as its editor and corrections need;
/// any other service's is its JSON ([`Payload`]), which that service's own
/// module makes and reads, so that the engine names no other service.
// A record holds it boxed: the size of its larger variant matters little.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Fla(crate::fla::wire::Declaration),
    Other(Payload),
}

/// Another service's declaration: its name and its JSON, in the canonical
/// form its service gives it (numbers written one way), so that the same
/// declaration is the same JSON, and the same digest.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    pub service: String,
    pub json: serde_json::Value,
}

/// The FLA's name in the journal, its definition's id (rows of a journal
/// before version 5 are the FLA's).
pub const FLA: &str = crate::channel::env::FLA.id;
/// Dimona's name in the journal, its definition's id.
pub const DIMONA: &str = crate::channel::env::DIMONA.id;

impl Content {
    /// The journal's name of its service.
    pub fn service(&self) -> &str {
        match self {
            Content::Fla(_) => FLA,
            Content::Other(p) => &p.service,
        }
    }

    /// The FLA declaration it is, if it is one.
    pub fn fla(&self) -> Option<&crate::fla::wire::Declaration> {
        match self {
            Content::Fla(d) => Some(d),
            Content::Other(_) => None,
        }
    }

    /// The JSON of `service`'s declaration, if it is one.
    pub fn json_of(&self, service: &str) -> Option<&serde_json::Value> {
        match self {
            Content::Other(p) if p.service == service => Some(&p.json),
            _ => None,
        }
    }

    /// Its JSON, as the journal keeps it.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        match self {
            Content::Fla(d) => serde_json::to_string(d),
            Content::Other(p) => serde_json::to_string(&p.json),
        }
    }

    /// A declaration of `service` from the journal's JSON.
    pub fn from_json(service: &str, text: &str) -> Result<Content, String> {
        if service == FLA {
            return serde_json::from_str(text)
                .map(Content::Fla)
                .map_err(|e| e.to_string());
        }
        serde_json::from_str(text)
            .map(|json| {
                Content::Other(Payload {
                    service: service.to_owned(),
                    json,
                })
            })
            .map_err(|e| e.to_string())
    }

    /// A 16-byte digest of what it declares, however its numbers are
    /// written: the same declaration read twice has the same digest.
    pub fn digest(&self) -> [u8; 16] {
        match self {
            Content::Fla(d) => super::reference::content_digest(d),
            Content::Other(p) => super::reference::digest_of(&p.json),
        }
    }
}

/// A declaration as the server holds it, in the engine's words.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub server_id: i64,
    /// Its result; `None` while it is not final (processed later, or Dimona's
    /// `S` for a worker the register does not know yet).
    pub result: Option<ResultCode>,
    pub anomalies: Vec<Anomaly>,
    /// What the server holds now (a correction it processed).
    pub content: Option<Content>,
}

impl Found {
    /// An FLA declaration as the engine reads it.
    pub fn of_fla(item: StoredDeclaration) -> Found {
        Found {
            server_id: item.declaration_status.declaration_id,
            result: Some(item.declaration_status.result),
            anomalies: item.declaration_status.anomalies,
            content: Some(Content::Fla(item.declaration)),
        }
    }
}

/// One page of a service's search of an enterprise's declarations.
pub struct FoundPage {
    pub items: Vec<Found>,
    pub next: Option<String>,
}

/// What differs per service, as the engine asks it. Every call that goes to
/// the network is tried at most `tries` times (5xx, 429, no answer) on the
/// channel's sending, which shares one token and one pace.
pub trait ServiceApi: Send + Sync + 'static {
    /// Its name in the journal ([`FLA`], [`DIMONA`]).
    fn id(&self) -> &'static str;

    /// The channel's client on the service's API base: the token, the pace's
    /// observer, the server key, the language of messages.
    fn channel(&self) -> &FlaClient;

    /// How the journal knows `content`: (enterprise, reference), normalised;
    /// a reference the content needs is set in it (the FLA's
    /// `externalReference`). Two rows with the same identity are one
    /// declaration: the second is the first, or a conflict.
    fn identity(&self, content: &mut Content) -> (String, String);

    /// The rules the client applies before storing: a blocking anomaly and
    /// the row is held back (`invalid`), never sent.
    fn check(&self, content: &Content, today: time::Date) -> Vec<Anomaly>;

    /// Sends a new declaration, never twice blindly: what became of it.
    fn post<'a>(&'a self, content: &'a Content, tries: u32) -> Call<'a, PostOutcome>;

    /// Sends a correction of the server's declaration `server_id`.
    fn correct<'a>(
        &'a self,
        server_id: i64,
        content: &'a Content,
        tries: u32,
    ) -> Call<'a, Result<(), ApiError>>;

    /// The server's declaration `server_id`; `None` while it is processed.
    fn read(&self, server_id: i64, tries: u32) -> Call<'_, Result<Option<Found>, ApiError>>;

    /// Whether [`ServiceApi::page`] lists an enterprise's declarations in id
    /// order: the engine then polls many rows of it by paging rather than
    /// one `GET` each.
    fn pages(&self) -> bool;

    /// One page of the enterprise's declarations from `cursor` (see
    /// [`ServiceApi::pages`]); `None` where the service has no such list.
    fn page<'a>(
        &'a self,
        enterprise: &'a str,
        cursor: Option<String>,
        tries: u32,
    ) -> Option<Call<'a, Result<FoundPage, ApiError>>>;

    /// What the server holds that is this row's declaration (a lost answer):
    /// by reference for the FLA, by employer, worker, part and dates for
    /// Dimona. Empty: not found (yet).
    fn find<'a>(
        &'a self,
        enterprise: &'a str,
        reference: &'a str,
        content: Option<&'a Content>,
        tries: u32,
    ) -> Call<'a, Result<Vec<Found>, ApiError>>;
}

/// The FLA as the engine asks it.
pub struct FlaService(pub Arc<FlaClient>);

/// What is not the FLA's, given to the FLA's service (a bug of the caller).
fn not_ours(service: &str) -> ApiError {
    ApiError::Network(format!(
        "a declaration of another service was given to {service}"
    ))
}

/// The anomaly of a declaration given to another service's engine: held
/// back, never sent.
pub fn foreign(service: &str) -> Anomaly {
    let say = |lang| {
        crate::i18n::tr_args(
            lang,
            "submit.engine.foreign",
            &[("service", service.to_owned())],
        )
    };
    Anomaly {
        code: "wrong_service".to_owned(),
        severity: crate::fla::wire::AnomalySeverity::Blocking,
        field: String::new(),
        description_nl: say(crate::i18n::Lang::Nl),
        description_fr: say(crate::i18n::Lang::Fr),
        description_en: say(crate::i18n::Lang::En),
    }
}

impl ServiceApi for FlaService {
    fn id(&self) -> &'static str {
        FLA
    }

    fn channel(&self) -> &FlaClient {
        &self.0
    }

    fn identity(&self, content: &mut Content) -> (String, String) {
        match content {
            Content::Fla(d) => {
                let (enterprise, reference) = super::reference::row_key(d);
                d.external_reference.clone_from(&reference);
                (enterprise, reference)
            }
            Content::Other(_) => (String::new(), String::new()),
        }
    }

    fn check(&self, content: &Content, today: time::Date) -> Vec<Anomaly> {
        match content {
            Content::Fla(d) => crate::fla::rules::check(d, today)
                .iter()
                .map(|a| a.to_wire())
                .collect(),
            Content::Other(_) => vec![foreign(FLA)],
        }
    }

    fn post<'a>(&'a self, content: &'a Content, tries: u32) -> Call<'a, PostOutcome> {
        Box::pin(async move {
            match content {
                Content::Fla(d) => self.0.submit_counted(d, tries).await,
                Content::Other(_) => PostOutcome::NotTaken(not_ours(FLA)),
            }
        })
    }

    fn correct<'a>(
        &'a self,
        server_id: i64,
        content: &'a Content,
        tries: u32,
    ) -> Call<'a, Result<(), ApiError>> {
        Box::pin(async move {
            match content {
                Content::Fla(d) => self.0.correct_counted(server_id, d, tries).await,
                Content::Other(_) => Err(not_ours(FLA)),
            }
        })
    }

    fn read(&self, server_id: i64, tries: u32) -> Call<'_, Result<Option<Found>, ApiError>> {
        Box::pin(async move {
            Ok(self
                .0
                .get_counted(server_id, tries)
                .await?
                .map(Found::of_fla))
        })
    }

    fn pages(&self) -> bool {
        true
    }

    fn page<'a>(
        &'a self,
        enterprise: &'a str,
        cursor: Option<String>,
        tries: u32,
    ) -> Option<Call<'a, Result<FoundPage, ApiError>>> {
        Some(Box::pin(async move {
            let filters = crate::fla::wire::SearchRequest {
                enterprise_number: enterprise.to_owned(),
                cursor,
                ..crate::fla::wire::SearchRequest::default()
            };
            let page = self.0.search_page(&filters, tries).await?;
            Ok(FoundPage {
                items: page.items.into_iter().map(Found::of_fla).collect(),
                next: page.next,
            })
        }))
    }

    fn find<'a>(
        &'a self,
        enterprise: &'a str,
        reference: &'a str,
        _content: Option<&'a Content>,
        tries: u32,
    ) -> Call<'a, Result<Vec<Found>, ApiError>> {
        Box::pin(async move {
            let items = self
                .0
                .search_reference(enterprise, reference, tries)
                .await?;
            Ok(items.into_iter().map(Found::of_fla).collect())
        })
    }
}
