//! The sandbox's FLA API under /REST/federalLearningAccount/v1: bearer tokens
//! checked (scope, expiry), mandates enforced for providers, a small register of
//! workers per enterprise, asynchronous processing (a declaration is 404 until
//! its processing delay has passed, then A/W/B with anomalies), state in SQLite.

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
use super::writer::{Inserted, NewDeclaration};
use super::{Account, Fault, SandboxError, Shared};
use crate::channel::env::FLA;
use crate::fla::anomalies;
use crate::fla::rules;
use crate::fla::wire::{
    self, Created, Declaration, DeclarationStatus, Problem, ResultCode, SearchPage, SearchRequest,
    StoredDeclaration,
};
use crate::identifiers::{parse_enterprise_number, parse_ssin};
use axum::Extension;

/// Search pages hold this many items.
pub const PAGE_SIZE: i64 = 50;

/// Workers each seeded enterprise employs, with their employment periods.
const SEED_WORKERS: &[(&str, &str, &str, &str)] = &[
    ("0403170701", "85073003328", "2020-01-01", "9999-12-31"),
    ("0403170701", "90022212345", "2023-06-01", "9999-12-31"),
    ("0403170701", "01490700185", "2024-01-01", "2025-06-30"),
    ("0202239951", "78111512375", "2019-03-01", "9999-12-31"),
];

/// The store's schema version (`PRAGMA user_version`). 0: (enterprise,
/// reference) UNIQUE in the table itself; 1: a plain index, the uniqueness
/// checked by the writer unless duplicates are accepted.
const STORE_VERSION: i64 = 1;

/// The declarations table of version 1 (as `name`, for the migration's copy).
fn declarations_table(name: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {name} (
             id INTEGER PRIMARY KEY AUTOINCREMENT,
             enterprise TEXT NOT NULL,
             external_reference TEXT NOT NULL,
             ssin TEXT NOT NULL,
             start_date TEXT NOT NULL,
             body TEXT NOT NULL,
             sender TEXT NOT NULL,
             due_at INTEGER NOT NULL,
             result TEXT,
             anomalies TEXT
         );"
    )
}

/// A connection to the store with the sandbox's settings: WAL, commits that
/// wait for no fsync (`synchronous=NORMAL`: a power cut may lose the last
/// commits, never corrupt the file), and a wait on a busy writer.
pub(crate) fn open_connection(path: &std::path::Path) -> Result<Connection, SandboxError> {
    let failed = |e: rusqlite::Error| SandboxError::Store {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    let db = Connection::open(path).map_err(failed)?;
    db.execute_batch(
        "PRAGMA journal_mode=WAL;
         PRAGMA synchronous=NORMAL;
         PRAGMA busy_timeout=10000;",
    )
    .map_err(failed)?;
    Ok(db)
}

/// Version 0 → 1: the table is rebuilt without its UNIQUE constraint (SQLite
/// cannot drop one), its rows and ids kept.
fn migrate(db: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= STORE_VERSION {
        return Ok(());
    }
    let tx = db.transaction()?;
    let unique: i64 = tx.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'declarations' AND name LIKE 'sqlite_autoindex_declarations_%'",
        [],
        |r| r.get(0),
    )?;
    if unique > 0 {
        tx.execute_batch(&format!(
            "{}
             INSERT INTO declarations_v1 (id, enterprise, external_reference, ssin, start_date, body, sender, due_at, result, anomalies)
                 SELECT id, enterprise, external_reference, ssin, start_date, body, sender, due_at, result, anomalies FROM declarations;
             DROP TABLE declarations;
             ALTER TABLE declarations_v1 RENAME TO declarations;",
            declarations_table("declarations_v1")
        ))?;
    }
    tx.execute_batch(&format!(
        "CREATE INDEX IF NOT EXISTS declarations_reference ON declarations (enterprise, external_reference);
         -- A search page reads an enterprise's declarations in id order from
         -- its cursor: a range of this index, not a sort of all of them.
         CREATE INDEX IF NOT EXISTS declarations_enterprise ON declarations (enterprise, id);
         PRAGMA user_version = {STORE_VERSION};"
    ))?;
    tx.commit()
}

pub(crate) fn open_store(path: &std::path::Path) -> Result<Connection, SandboxError> {
    let failed = |e: rusqlite::Error| SandboxError::Store {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    let mut db = open_connection(path)?;
    db.execute_batch(&format!(
        "{}
         CREATE TABLE IF NOT EXISTS seen_jti (
             client_id TEXT NOT NULL,
             jti TEXT NOT NULL,
             exp INTEGER NOT NULL,
             PRIMARY KEY (client_id, jti)
         );
         CREATE TABLE IF NOT EXISTS workers (
             enterprise TEXT NOT NULL,
             ssin TEXT NOT NULL,
             from_date TEXT NOT NULL,
             to_date TEXT NOT NULL
         );",
        declarations_table("declarations")
    ))
    .map_err(failed)?;
    migrate(&mut db).map_err(failed)?;
    let seeded: i64 = db
        .query_row("SELECT COUNT(*) FROM workers", [], |r| r.get(0))
        .map_err(failed)?;
    if seeded == 0 {
        for (enterprise, ssin, from, to) in SEED_WORKERS {
            db.execute(
                "INSERT INTO workers (enterprise, ssin, from_date, to_date) VALUES (?1, ?2, ?3, ?4)",
                params![enterprise, ssin, from, to],
            )
            .map_err(failed)?;
        }
    }
    Ok(db)
}

pub(super) fn problem(status: StatusCode, kind: &str, title: &str, detail: String) -> Response {
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

/// An SSIN as the register keeps it: its 11 digits (`85.07.30-033.28` is
/// `85073003328`); a text that is not an SSIN is kept trimmed, as sent.
pub(crate) fn normalised_ssin(text: &str) -> String {
    parse_ssin(text)
        .map(|s| s.digits)
        .unwrap_or_else(|_| text.trim().to_owned())
}

/// Who calls, from the bearer token.
struct Caller {
    account: Account,
}

impl Caller {
    /// An employer declares for itself; a provider for the enterprises it holds a mandate for.
    fn may_act_for(&self, enterprise: &str) -> bool {
        match self.account.quality.as_str() {
            "provider" => self.account.mandates.iter().any(|m| m == enterprise),
            _ => self.account.enterprise == enterprise,
        }
    }

    /// A declaration is visible to the enterprise it is for and to the client
    /// that sent it (whose enterprise number may have failed its check digit,
    /// so that it belongs to no enterprise).
    fn may_see(&self, enterprise: &str, sender: &str) -> bool {
        self.may_act_for(enterprise) || self.account.client_id == sender
    }
}

/// Errors are boxed: a `Response` is large and the error path is the rare one.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let issued = shared
        .tokens
        .lock()
        .ok()
        .and_then(|t| t.get(token).cloned());
    let Some(issued) = issued else {
        return Err(Box::new(problem(
            StatusCode::UNAUTHORIZED,
            wire::PROBLEM_INVALID_TOKEN,
            "Invalid Access Token",
            "the access token is missing or unknown".into(),
        )));
    };
    if issued.expires_at <= (shared.clock)() {
        return Err(Box::new(problem(
            StatusCode::UNAUTHORIZED,
            wire::PROBLEM_EXPIRED_TOKEN,
            "Expired Access Token",
            "the access token has expired".into(),
        )));
    }
    if FLA.role_of_scope(&issued.scope).is_none() {
        return Err(Box::new(problem(
            StatusCode::FORBIDDEN,
            wire::PROBLEM_MISSING_SCOPE,
            "Missing Scope",
            format!(
                "the token's scope '{}' does not give access to the FLA",
                issued.scope
            ),
        )));
    }
    let account = shared.account(&issued.client_id).ok_or_else(|| {
        Box::new(problem(
            StatusCode::UNAUTHORIZED,
            wire::PROBLEM_INVALID_TOKEN,
            "Invalid Access Token",
            "the token's client no longer exists".into(),
        ))
    })?;
    Ok(Caller { account })
}

/// What every API call goes through first: the latency, the rate limit, an
/// injected fault, a random fault, then the token.
async fn admit(shared: &Shared, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    shared.count_api_request();
    let modes = &shared.modes;
    if !modes.latency.is_zero() {
        tokio::time::sleep(modes.latency).await;
    }
    if let Some((_, limiter)) = &modes.rate_limit {
        if let Err(wait) = limiter.admit() {
            modes
                .served
                .rate_limited
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(Box::new(too_many_requests(&wait.to_string())));
        }
    }
    if let Some(r) = injected(shared).await {
        return Err(Box::new(r));
    }
    if let Some(fault) = modes.dice.fault(modes.fault_rate) {
        modes.served.count(fault);
        match fault {
            RandomFault::ServerError => {
                return Err(Box::new(problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "about:blank",
                    "Internal Server Error",
                    "a random fault of the sandbox (--fault-rate)".into(),
                )))
            }
            RandomFault::TooManyRequests => {
                return Err(Box::new(too_many_requests(super::RETRY_AFTER_SECS)))
            }
            // Slow, then served as usual.
            RandomFault::Stall => tokio::time::sleep(modes.stall).await,
        }
    }
    authenticate(shared, headers)
}

/// A 429 problem with `Retry-After` (seconds).
fn too_many_requests(retry_after: &str) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (header::CONTENT_TYPE, wire::PROBLEM_CONTENT_TYPE.to_owned()),
            (header::RETRY_AFTER, retry_after.to_owned()),
        ],
        Json(json!({"type": wire::PROBLEM_TOO_MANY, "title": "Too Many Requests", "status": 429})),
    )
        .into_response()
}

/// After a commit, where the drop-after-commit mode draws it: the connection
/// is closed with no answer and this never returns.
async fn maybe_drop_after_commit(shared: &Shared, kill: Option<&ConnectionKill>) {
    let modes = &shared.modes;
    let Some(kill) = kill else {
        return;
    };
    if modes.dice.drop_after_commit(modes.drop_after_commit_rate) {
        modes
            .served
            .dropped_after_commit
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        kill.drop_connection().await;
    }
}

/// How many declarations the store holds.
pub(crate) fn count_declarations(shared: &Shared) -> i64 {
    shared
        .store
        .lock()
        .ok()
        .and_then(|db| {
            db.query_row("SELECT COUNT(*) FROM declarations", [], |r| r.get(0))
                .ok()
        })
        .unwrap_or(-1)
}

/// How many (enterprise, reference) pairs more than one declaration holds.
pub(crate) fn count_duplicate_references(shared: &Shared) -> i64 {
    shared
        .store
        .lock()
        .ok()
        .and_then(|db| {
            db.query_row(
                "SELECT COUNT(*) FROM (SELECT 1 FROM declarations GROUP BY enterprise, external_reference HAVING COUNT(*) > 1)",
                [],
                |r| r.get(0),
            )
            .ok()
        })
        .unwrap_or(-1)
}

/// Every (enterprise, reference) with the ids that hold it (only those held
/// more than once with `duplicates`), for `GET /admin/references`.
pub(crate) fn references(
    shared: &Shared,
    duplicates: bool,
    reference: Option<&str>,
    enterprise: Option<&str>,
) -> Result<Vec<Value>, String> {
    let db = shared
        .store
        .lock()
        .map_err(|_| "store lock poisoned".to_owned())?;
    let mut stmt = db
        .prepare(
            "SELECT enterprise, external_reference, COUNT(*), group_concat(id) FROM declarations
              WHERE (?1 IS NULL OR external_reference = ?1) AND (?2 IS NULL OR enterprise = ?2)
              GROUP BY enterprise, external_reference
              HAVING COUNT(*) > ?3
              ORDER BY MIN(id)",
        )
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map(params![reference, enterprise, i64::from(duplicates)], |r| {
            let ids: String = r.get(3)?;
            let mut ids: Vec<i64> = ids.split(',').filter_map(|i| i.parse().ok()).collect();
            ids.sort_unstable();
            Ok(json!({
                "enterprise": r.get::<_, String>(0)?,
                "externalReference": r.get::<_, String>(1)?,
                "count": r.get::<_, i64>(2)?,
                "declarationIds": ids,
            }))
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

/// The 403 of contract §3: the problem type says why, and the enterprise is
/// in the `enterpriseNumber` extension member.
fn no_mandate(enterprise: &str) -> Response {
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
        .insert(NewDeclaration {
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
