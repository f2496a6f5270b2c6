//! What one Dimona declaration goes through, once for the command line and
//! the app: the local rules (a blocking one and nothing is sent), the journal
//! (through Dimona's engine: stored before it is sent, the same declaration
//! twice is the first one, a lost answer looked for before any resend), its
//! result waited for.

use std::time::Duration;

use super::client::DimonaClient;
use super::rules::{self, RuleFinding};
use super::wire::{Declaration, StoredDeclaration};
use crate::fla::error::ApiError;
use crate::i18n::Lang;
use crate::submit::engine::{Engine, EngineError, NewContent, RowView};
use crate::submit::journal::RowError;
use crate::submit::state::State;

/// What came of one declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A blocking rule: not sent.
    RefusedLocally(Vec<RuleFinding>),
    /// Held back by the journal before anything was sent: the same worker,
    /// part, period and dates are another declaration of the journal with
    /// other content (`reference_conflict`).
    HeldBack(Vec<crate::fla::wire::Anomaly>),
    /// The server's word (final, or still `S` when the wait ended).
    Answered {
        stored: Box<StoredDeclaration>,
        /// Not sent by this call: its answer was lost and the server was
        /// found to hold it, or the journal already held it (declared before).
        found_after_lost_answer: bool,
    },
}

/// Why a declaration has no outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum DeclareError {
    /// The journal could not be used.
    Engine(EngineError),
    /// The server's or the network's failure, as the journal keeps it (the
    /// journal keeps the row: a next run goes on from there).
    Row(RowError),
    /// A request (the result's read).
    Api(ApiError),
}

impl DeclareError {
    pub fn code(&self) -> String {
        match self {
            DeclareError::Engine(e) => e.code().to_owned(),
            DeclareError::Row(e) => e.code.clone(),
            DeclareError::Api(e) => e.code(),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            DeclareError::Engine(e) => e.message(lang),
            DeclareError::Row(e) => e.text(lang),
            DeclareError::Api(e) => e.message(lang),
        }
    }
}

/// The time a server takes to process a declaration, waited before a lost
/// answer is looked for: the built-in sandbox's is short, a real server's longer.
pub fn settle_time(server: &str) -> Duration {
    if server == "sandbox" {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(30)
    }
}

/// Checks `declaration` (today in Brussels), stores it in the journal of
/// `engine` (Dimona's), sends it once and waits up to `wait` for its result,
/// read with `client`. The same declaration already in the journal is that
/// one: its answer, nothing sent again.
pub async fn declare(
    engine: &Engine,
    client: &DimonaClient,
    declaration: &Declaration,
    today: time::Date,
    wait: Duration,
    source: Option<String>,
) -> Result<Outcome, DeclareError> {
    let local = rules::check(declaration, today);
    if local.iter().any(|f| f.blocking) {
        return Ok(Outcome::RefusedLocally(local));
    }
    let ids = engine
        .add(vec![NewContent {
            content: super::service::content(declaration.clone()),
            source,
        }])
        .await
        .map_err(DeclareError::Engine)?;
    let Some(id) = ids.first().copied() else {
        return Err(DeclareError::Engine(EngineError::Task {
            detail: "no row was added".into(),
        }));
    };
    let known_before = engine.row(id).is_some_and(|r| r.state.is_result());
    engine.send(&[id]);
    let row = settled(engine, id, wait).await;
    let Some(row) = row else {
        return Err(DeclareError::Engine(EngineError::Task {
            detail: "the row left the journal".into(),
        }));
    };
    if row.state == State::Invalid {
        return Ok(Outcome::HeldBack(row.anomalies));
    }
    let Some(server_id) = row.server_id else {
        return Err(DeclareError::Row(row.error.unwrap_or_else(|| {
            RowError::localized(row.state.code(), None, |lang| {
                crate::i18n::tr(lang, "dimona.not_settled")
            })
        })));
    };
    match client.get(server_id).await.map_err(DeclareError::Api)? {
        Some(stored) => Ok(Outcome::Answered {
            stored: Box::new(stored),
            found_after_lost_answer: known_before || row.duplicate_avoided,
        }),
        None => Err(DeclareError::Api(ApiError::StillProcessing(server_id))),
    }
}

/// The row once it has its last word, failed or was held back, or when
/// `wait` ends (still processing, `S`, or its outcome not known yet).
async fn settled(engine: &Engine, id: i64, wait: Duration) -> Option<RowView> {
    let mut changes = engine.subscribe();
    let until = tokio::time::Instant::now() + wait;
    loop {
        let row = engine.row(id)?;
        let done = row.state.is_result()
            || matches!(row.state, State::Invalid | State::Failed)
            || (row.state == State::Submitted && !row.watching);
        if done || tokio::time::Instant::now() >= until {
            return Some(row);
        }
        tokio::select! {
            _ = changes.changed() => {}
            () = tokio::time::sleep_until(until) => {}
            // Some states follow the clock, not a change.
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}
