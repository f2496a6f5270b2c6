//! What one Dimona declaration goes through, once for the command line and
//! the app: the local rules (a blocking one and nothing is sent), one `POST`
//! (a lost answer looked for before any resend), its result waited for.

use std::time::Duration;

use super::client::DimonaClient;
use super::rules::{self, RuleFinding};
use super::wire::{Declaration, StoredDeclaration};
use crate::fla::error::ApiError;

/// What came of one declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A blocking rule: not sent.
    RefusedLocally(Vec<RuleFinding>),
    /// The server's word (final, or still `S` when the wait ended).
    Answered {
        stored: Box<StoredDeclaration>,
        found_after_lost_answer: bool,
    },
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

/// Checks `declaration` (today in Brussels), sends it, waits up to `wait`.
pub async fn declare(
    client: &DimonaClient,
    declaration: &Declaration,
    today: time::Date,
    wait: Duration,
) -> Result<Outcome, ApiError> {
    let local = rules::check(declaration, today);
    if local.iter().any(|f| f.blocking) {
        return Ok(Outcome::RefusedLocally(local));
    }
    let posted = client
        .post(declaration, settle_time(&client.api.server))
        .await?;
    let stored = client.wait_for_result(posted.declaration_id, wait).await?;
    Ok(Outcome::Answered {
        stored: Box::new(stored),
        found_after_lost_answer: posted.found_after_lost_answer,
    })
}
