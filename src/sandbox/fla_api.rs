//! The sandbox's FLA API under /REST/federalLearningAccount/v1: bearer tokens
//! checked (scope, expiry), mandates enforced for providers, a small register of
//! workers per enterprise, asynchronous processing (a declaration is 404 until
//! its processing delay has passed, then A/W/B with anomalies), state in SQLite.
//! Here: the routes and their answers; beside it: `store` (the tables, their
//! migrations, the seeded register, the counts) and `caller` (the bearer token,
//! the pace and the faults, before anything is stored).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::modes::RandomFault;
use super::serve::ConnectionKill;
use super::{Account, Fault, SandboxError, Shared};
use crate::channel::env::FLA;
use crate::fla::anomalies;
use crate::fla::rules;
use crate::fla::wire::{
    self, Created, Declaration, DeclarationStatus, Problem, ResultCode, SearchPage, SearchRequest,
    StoredDeclaration,
};
use crate::identifiers::parse_enterprise_number;
use axum::Extension;

mod caller;
mod store;

use caller::*;
pub(crate) use caller::{admit_for, maybe_drop_after_commit, Caller};
pub(crate) use store::{
    count_declarations, count_duplicate_references, open_connection, open_store, references,
    start_writer, Inserted, NewDeclaration, Writer,
};

/// Search pages hold this many items.
pub const PAGE_SIZE: i64 = 50;

pub(crate) fn problem(status: StatusCode, kind: &str, title: &str, detail: String) -> Response {
    let body = Problem {
        kind: kind.to_owned(),
        title: title.to_owned(),
        status: status.as_u16(),
        detail: Some(detail),
        issues: vec![],
        enterprise_number: None,
    };
    (
        status,
        [(header::CONTENT_TYPE, wire::PROBLEM_CONTENT_TYPE)],
        Json(body),
    )
        .into_response()
}

/// An SSIN as the register keeps it (its 11 digits, or trimmed as sent).
pub(crate) use crate::identifiers::normalised_ssin;

/// The 403 of contract §3: the problem type says why, and the enterprise is
/// in the `enterpriseNumber` extension member.
pub(crate) fn no_mandate(enterprise: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, wire::PROBLEM_CONTENT_TYPE)],
        Json(json!({
            "type": wire::PROBLEM_NO_MANDATE,
            "title": "Missing Mandate",
            "status": 403,
            "detail": format!(
                "the sender is not the authorized representative of enterprise {enterprise}"
            ),
            "enterpriseNumber": enterprise,
        })),
    )
        .into_response()
}

async fn injected(shared: &Shared) -> Option<Response> {
    match shared.next_api_fault()? {
        Fault::TooManyRequests => Some(too_many_requests(super::RETRY_AFTER_SECS)),
        Fault::ServerError => Some(problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "about:blank",
            "Internal Server Error",
            "the sandbox was asked to fail".into(),
        )),
        Fault::Html => Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><body>maintenance</body></html>",
            )
                .into_response(),
        ),
        Fault::Hang => {
            shared.hang().await;
            Some(problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "about:blank",
                "Service Unavailable",
                "the sandbox is stopping".into(),
            ))
        }
        // Applied when injected, never queued.
        Fault::ExpireTokens => None,
    }
}

fn location(shared: &Shared, id: i64) -> String {
    format!(
        "{}{}{}/{id}",
        shared
            .token_url
            .trim_end_matches(crate::channel::env::TOKEN_PATH),
        super::API_PATH,
        wire::TRAININGS
    )
}

fn bad_request(issues: Vec<wire::ProblemIssue>) -> Response {
    let body = Problem {
        kind: wire::PROBLEM_BAD_REQUEST.to_owned(),
        title: "Bad Request".to_owned(),
        status: 400,
        detail: Some("the body is not a valid declaration".to_owned()),
        issues,
        enterprise_number: None,
    };
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, wire::PROBLEM_CONTENT_TYPE)],
        Json(body),
    )
        .into_response()
}

fn parse_body(body: &str) -> Result<Declaration, Box<Response>> {
    let value: Value = serde_json::from_str(body).map_err(|e| {
        Box::new(bad_request(vec![wire::ProblemIssue {
            kind: wire::PROBLEM_SCHEMA_VIOLATION.to_owned(),
            location: "body".to_owned(),
            name: String::new(),
            value: None,
            detail: format!("not JSON: {e}"),
        }]))
    })?;
    rules::parse_declaration(&value).map_err(|issues| Box::new(bad_request(issues)))
}

fn store_error(e: impl std::fmt::Display) -> Response {
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "about:blank",
        "Internal Server Error",
        e.to_string(),
    )
}

fn not_found(id: i64) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        wire::PROBLEM_NOT_FOUND,
        "Resource Not Found",
        format!("declaration {id} is unknown or not yet processed"),
    )
}

/// When a declaration received now is processed, in ms since the epoch.
fn due_at(shared: &Shared) -> i64 {
    let due = (shared.clock)().unix_timestamp_nanos() / 1_000_000
        + i128::from(shared.processing_delay_ms);
    i64::try_from(due).unwrap_or(i64::MAX)
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    kill: Option<Extension<ConnectionKill>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let caller = match admit(&shared, &headers).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let declaration = match parse_body(&body) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    // An invalid enterprise number is a rule (a refusal, `B` with FLA-ENTERPRISE,
    // visible to its sender), not a 403: it is kept as sent.
    let enterprise = parse_enterprise_number(&declaration.employer.enterprise_number)
        .unwrap_or_else(|| declaration.employer.enterprise_number.clone());
    if parse_enterprise_number(&enterprise).is_some() && !caller.may_act_for(&enterprise) {
        return no_mandate(&enterprise);
    }
    let inserted = shared
        .writer
        .commit(NewDeclaration {
            enterprise: enterprise.clone(),
            external_reference: declaration.external_reference.clone(),
            ssin: normalised_ssin(&declaration.worker.ssin),
            start_date: declaration.training.start_date.clone(),
            body: serde_json::to_string(&declaration).unwrap_or_default(),
            sender: caller.account.client_id.clone(),
            due_at: due_at(&shared),
        })
        .await;
    let id = match inserted {
        Ok(Inserted::Created { id, again }) => {
            if again {
                shared
                    .modes
                    .served
                    .duplicates_accepted
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            id
        }
        Ok(Inserted::Duplicate(first)) => return (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, wire::PROBLEM_CONTENT_TYPE.to_owned()), (header::LOCATION, location(&shared, first))],
            Json(json!({
                "type": wire::PROBLEM_DUPLICATE,
                "title": "Duplicate reference",
                "status": 409,
                "detail": format!("enterprise {enterprise} already declared reference '{}' (declaration {first})", declaration.external_reference),
            })),
        )
            .into_response(),
        Err(e) => return store_error(e),
    };
    maybe_drop_after_commit(&shared, kill.as_ref().map(|k| &k.0)).await;
    (
        StatusCode::CREATED,
        [(header::LOCATION, location(&shared, id))],
        Json(Created { declaration_id: id }),
    )
        .into_response()
}

/// A processed declaration with who it belongs to.
struct Loaded {
    enterprise: String,
    sender: String,
    stored: StoredDeclaration,
}

/// Loads a declaration, processing it first if its time has come. `None` while
/// it is still being processed (or does not exist).
fn load(shared: &Shared, db: &Connection, id: i64) -> Result<Option<Loaded>, String> {
    type Row = (String, String, String, i64, Option<String>, Option<String>);
    let row: Option<Row> = db
        .query_row(
            "SELECT enterprise, sender, body, due_at, result, anomalies FROM declarations WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()
        .map_err(|e| e.to_string())?;
    let Some((enterprise, sender, body, due_at, result, found)) = row else {
        return Ok(None);
    };
    let declaration: Declaration = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    let now = (shared.clock)();
    let (result, anomalies) = match (result, found) {
        (Some(result), Some(found)) => (result, found),
        _ => {
            if (now.unix_timestamp_nanos() / 1_000_000) < i128::from(due_at) {
                return Ok(None);
            }
            let (result, list) = process(db, &declaration, &enterprise, now)?;
            let found = serde_json::to_string(&list).map_err(|e| e.to_string())?;
            db.execute(
                "UPDATE declarations SET result = ?1, anomalies = ?2 WHERE id = ?3",
                params![result, found, id],
            )
            .map_err(|e| e.to_string())?;
            (result, found)
        }
    };
    let result = match result.as_str() {
        "A" => ResultCode::A,
        "W" => ResultCode::W,
        "C" => ResultCode::C,
        _ => ResultCode::B,
    };
    let anomalies = serde_json::from_str(&anomalies).map_err(|e| e.to_string())?;
    Ok(Some(Loaded {
        enterprise,
        sender,
        stored: StoredDeclaration {
            declaration,
            declaration_status: DeclarationStatus {
                declaration_id: id,
                result,
                anomalies,
            },
        },
    }))
}

/// The server's processing: the shared rules at the date in Brussels, plus
/// whether the worker is known to the enterprise on the training dates (by
/// the normalised SSIN).
fn process(
    db: &Connection,
    declaration: &Declaration,
    enterprise: &str,
    now: OffsetDateTime,
) -> Result<(String, Vec<wire::Anomaly>), String> {
    let mut found: Vec<&anomalies::AnomalyKind> =
        rules::check(declaration, crate::today::brussels_date(now));
    let t = &declaration.training;
    let employed: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM workers WHERE enterprise = ?1 AND ssin = ?2 AND from_date <= ?3 AND to_date >= ?4",
            params![enterprise, normalised_ssin(&declaration.worker.ssin), t.start_date, t.end_date],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    // No register to look in without a valid SSIN and enterprise number.
    let unknowable = found
        .iter()
        .any(|a| a.code == anomalies::SSIN.code || a.code == anomalies::ENTERPRISE.code);
    if employed == 0 && !unknowable {
        found.push(&anomalies::WORKER_UNKNOWN);
    }
    let result = if rules::is_refused(&found) {
        "B"
    } else if found.is_empty() {
        "A"
    } else {
        "W"
    };
    Ok((
        result.to_owned(),
        found.iter().map(|a| a.to_wire()).collect(),
    ))
}

pub(super) async fn get_one(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let caller = match admit(&shared, &headers).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Ok(db) = shared.store.lock() else {
        return store_error("store lock poisoned");
    };
    match load(&shared, &db, id) {
        Ok(Some(loaded)) if caller.may_see(&loaded.enterprise, &loaded.sender) => {
            (StatusCode::OK, Json(loaded.stored)).into_response()
        }
        Ok(_) => not_found(id),
        Err(e) => store_error(e),
    }
}

/// A search filter that is present must be a date: a malformed one is a 400
/// naming the field, never a filter silently dropped.
fn date_filter(name: &str, value: Option<&str>) -> Result<Option<time::Date>, wire::ProblemIssue> {
    let Some(text) = value else {
        return Ok(None);
    };
    rules::parse_date(text)
        .map(Some)
        .ok_or_else(|| wire::ProblemIssue {
            kind: wire::PROBLEM_SCHEMA_VIOLATION.to_owned(),
            location: "body".to_owned(),
            name: name.to_owned(),
            value: Some(text.to_owned()),
            detail: "not a date (YYYY-MM-DD)".to_owned(),
        })
}

pub(super) async fn search(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let caller = match admit(&shared, &headers).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Ok(filters) = serde_json::from_str::<SearchRequest>(&body) else {
        return bad_request(vec![wire::ProblemIssue {
            kind: wire::PROBLEM_SCHEMA_VIOLATION.to_owned(),
            location: "body".to_owned(),
            name: "enterpriseNumber".to_owned(),
            value: None,
            detail: "a JSON object with at least enterpriseNumber is required".to_owned(),
        }]);
    };
    let mut issues = Vec::new();
    let Some(enterprise) = parse_enterprise_number(&filters.enterprise_number) else {
        return bad_request(vec![wire::ProblemIssue {
            kind: wire::PROBLEM_SCHEMA_VIOLATION.to_owned(),
            location: "body".to_owned(),
            name: "enterpriseNumber".to_owned(),
            value: Some(filters.enterprise_number.clone()),
            detail: "not a valid enterprise number".to_owned(),
        }]);
    };
    let from = date_filter("from", filters.from.as_deref()).unwrap_or_else(|issue| {
        issues.push(issue);
        None
    });
    let to = date_filter("to", filters.to.as_deref()).unwrap_or_else(|issue| {
        issues.push(issue);
        None
    });
    if !issues.is_empty() {
        return bad_request(issues);
    }
    if !caller.may_act_for(&enterprise) {
        return no_mandate(&enterprise);
    }
    let after: i64 = filters
        .cursor
        .as_deref()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let ssin = filters.ssin.as_deref().map(normalised_ssin);
    let Ok(db) = shared.store.lock() else {
        return store_error("store lock poisoned");
    };
    let in_period = |d: &Declaration| {
        let start = rules::parse_date(&d.training.start_date);
        let end = rules::parse_date(&d.training.end_date);
        let from_ok = from.is_none_or(|from| end.is_some_and(|e| e >= from));
        let to_ok = to.is_none_or(|to| start.is_some_and(|s| s <= to));
        from_ok && to_ok
    };
    // Read in order until the page is full: a page costs its own rows, not
    // every row after the cursor (a million-row enterprise is read in
    // twenty thousand pages).
    let mut items = Vec::new();
    let mut last = None;
    // One transaction for the page: the declarations it processes are
    // written in one commit, not fifty.
    let tx = match db.unchecked_transaction() {
        Ok(tx) => tx,
        Err(e) => return store_error(e),
    };
    {
        // By reference: a range of the reference index; otherwise a range of
        // the enterprise's (each read in id order, no sort).
        let query = if filters.external_reference.is_some() {
            "SELECT id FROM declarations WHERE enterprise = ?1 AND external_reference = ?4
               AND id > ?2 AND (?3 IS NULL OR ssin = ?3) ORDER BY id"
        } else {
            "SELECT id FROM declarations WHERE enterprise = ?1 AND id > ?2
               AND (?3 IS NULL OR ssin = ?3) AND ?4 IS NULL ORDER BY id"
        };
        let mut stmt = match tx.prepare(query) {
            Ok(s) => s,
            Err(e) => return store_error(e),
        };
        let mut rows =
            match stmt.query(params![enterprise, after, ssin, filters.external_reference]) {
                Ok(rows) => rows,
                Err(e) => return store_error(e),
            };
        while (items.len() as i64) < PAGE_SIZE {
            let id: i64 = match rows.next() {
                Ok(Some(row)) => match row.get(0) {
                    Ok(id) => id,
                    Err(e) => return store_error(e),
                },
                Ok(None) => break,
                Err(e) => return store_error(e),
            };
            last = Some(id);
            match load(&shared, &tx, id) {
                Ok(Some(loaded)) if in_period(&loaded.stored.declaration) => {
                    items.push(loaded.stored)
                }
                Ok(_) => {}
                Err(e) => return store_error(e),
            }
        }
    }
    if let Err(e) = tx.commit() {
        return store_error(e);
    }
    let more: bool = last.is_some_and(|l| {
        db.query_row(
            "SELECT EXISTS(SELECT 1 FROM declarations WHERE enterprise = ?1 AND id > ?2)",
            params![enterprise, l],
            |r| r.get(0),
        )
        .unwrap_or(false)
    });
    let next = if more {
        last.map(|l| l.to_string())
    } else {
        None
    };
    (StatusCode::OK, Json(SearchPage { items, next })).into_response()
}

/// What a correction or a cancel needs to know of a stored declaration.
struct Owned {
    enterprise: String,
    result: Option<String>,
}

/// Declaration `id`, where it exists and the caller may see it (its
/// enterprise's representative or its sender); a 404 otherwise (not a 403:
/// others' ids are not disclosed).
fn owned(db: &Connection, id: i64, caller: &Caller) -> Result<Owned, Box<Response>> {
    let row: Option<(String, String, Option<String>)> = db
        .query_row(
            "SELECT enterprise, sender, result FROM declarations WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(|e| Box::new(store_error(e)))?;
    row.filter(|(enterprise, sender, _)| caller.may_see(enterprise, sender))
        .map(|(enterprise, _, result)| Owned { enterprise, result })
        .ok_or_else(|| Box::new(not_found(id)))
}

/// The enterprise a correction leaves the declaration with, checked like a
/// POST: the mandate for the enterprise in the body. A declaration stays with
/// its enterprise: a correction that names another valid one is refused (409);
/// one whose stored number failed its check digit may be corrected to a valid
/// number (that is what correcting it is for).
fn corrected_enterprise(
    caller: &Caller,
    stored: &str,
    body: &str,
) -> Result<String, Box<Response>> {
    let in_body = parse_enterprise_number(body);
    match (parse_enterprise_number(stored), in_body) {
        (Some(stored), Some(new)) if stored != new => Err(Box::new(problem(
            StatusCode::CONFLICT,
            wire::PROBLEM_ENTERPRISE_CHANGED,
            "Enterprise Changed",
            format!(
                "a correction cannot move a declaration of enterprise {stored} to enterprise {new}: cancel it and declare it for {new}"
            ),
        ))),
        (_, Some(new)) => {
            if caller.may_act_for(&new) {
                Ok(new)
            } else {
                Err(Box::new(no_mandate(&new)))
            }
        }
        // The body's number fails its check: a rule (processed to `B`); the
        // declaration stays with its enterprise, for which the mandate is needed.
        (Some(stored), None) => {
            if caller.may_act_for(&stored) {
                Ok(stored)
            } else {
                Err(Box::new(no_mandate(&stored)))
            }
        }
        (None, None) => Ok(body.to_owned()),
    }
}

pub(super) async fn correct(
    State(shared): State<Arc<Shared>>,
    kill: Option<Extension<ConnectionKill>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: String,
) -> Response {
    let caller = match admit(&shared, &headers).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let declaration = match parse_body(&body) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let updated = update(&shared, &caller, id, &declaration);
    if updated.status() == StatusCode::OK {
        maybe_drop_after_commit(&shared, kill.as_ref().map(|k| &k.0)).await;
    }
    updated
}

/// The correction itself, under the store's lock (never held across an await).
fn update(shared: &Shared, caller: &Caller, id: i64, declaration: &Declaration) -> Response {
    let Ok(db) = shared.store.lock() else {
        return store_error("store lock poisoned");
    };
    let stored = match owned(&db, id, caller) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    if stored.result.as_deref() == Some("C") {
        return problem(
            StatusCode::CONFLICT,
            wire::PROBLEM_DECLARATION_CANCELLED,
            "Declaration Cancelled",
            format!("declaration {id} was cancelled and cannot be corrected: declare it anew"),
        );
    }
    let enterprise = match corrected_enterprise(
        caller,
        &stored.enterprise,
        &declaration.employer.enterprise_number,
    ) {
        Ok(e) => e,
        Err(r) => return *r,
    };
    if !shared.modes.accept_duplicates {
        let taken: Result<Option<i64>, _> = db
            .query_row(
                "SELECT id FROM declarations WHERE enterprise = ?1 AND external_reference = ?2 AND id != ?3 LIMIT 1",
                params![enterprise, declaration.external_reference, id],
                |r| r.get(0),
            )
            .optional();
        match taken {
            Ok(None) => {}
            Ok(Some(_)) => {
                return problem(
                    StatusCode::CONFLICT,
                    wire::PROBLEM_DUPLICATE,
                    "Duplicate reference",
                    format!(
                        "reference '{}' is already used by another declaration",
                        declaration.external_reference
                    ),
                )
            }
            Err(e) => return store_error(e),
        }
    }
    let updated = db.execute(
        "UPDATE declarations SET enterprise = ?1, external_reference = ?2, ssin = ?3, start_date = ?4, body = ?5, due_at = ?6, result = NULL, anomalies = NULL WHERE id = ?7",
        params![
            enterprise,
            declaration.external_reference,
            normalised_ssin(&declaration.worker.ssin),
            declaration.training.start_date,
            serde_json::to_string(declaration).unwrap_or_default(),
            due_at(shared),
            id,
        ],
    );
    match updated {
        Ok(_) => (
            StatusCode::OK,
            [(header::LOCATION, location(shared, id))],
            Json(Created { declaration_id: id }),
        )
            .into_response(),
        Err(e) => store_error(e),
    }
}

pub(super) async fn cancel(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let caller = match admit(&shared, &headers).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Ok(db) = shared.store.lock() else {
        return store_error("store lock poisoned");
    };
    if let Err(r) = owned(&db, id, &caller) {
        return *r;
    }
    match db.execute("UPDATE declarations SET result = 'C', anomalies = COALESCE(anomalies, '[]'), due_at = 0 WHERE id = ?1", params![id]) {
        Ok(_) => StatusCode::ACCEPTED.into_response(),
        Err(e) => store_error(e),
    }
}

/// A worker the sandbox employs in `enterprise` (its seeded register), or
/// the first seeded worker where it employs none there (the sandbox then
/// accepts the declaration with a warning): the rehearsal's example.
pub fn example_worker(enterprise: &str) -> &'static str {
    let enterprise = crate::identifiers::parse_enterprise_number(enterprise).unwrap_or_default();
    let today = crate::today::brussels_date(time::OffsetDateTime::now_utc()).to_string();
    store::SEED_WORKERS
        .iter()
        .find(|(e, _, from, to)| {
            *e == enterprise && *from <= today.as_str() && today.as_str() <= *to
        })
        .or(store::SEED_WORKERS.first())
        .map_or("", |(_, ssin, _, _)| ssin)
}
