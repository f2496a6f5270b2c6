//! The sandbox's Dimona API under /REST/dimona/v2, beside the FLA's and with
//! the same token server: a token with Dimona's scope (an account with the
//! Dimona authorization), the same pace and faults, mandates for
//! representatives. Rules are a `B` with anomalies, never a 400 (a 400 is for
//! what is not a declaration at all). A declaration is processed after the
//! processing delay (404 until then); a worker the register does not know yet
//! (a BIS number) is `S` first, `A` three seconds later. Periods are created,
//! updated, closed and cancelled. Kept in the state folder, as the accounts
//! are: a restart keeps them (`store`: a snapshot and a log of what was taken
//! since, one line a declaration).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use super::fla_api::{admit_for, maybe_drop_after_commit, no_mandate, problem, Caller};
use super::serve::ConnectionKill;
use super::Shared;
use crate::channel::env::DIMONA;
use crate::dimona::rules::{self, RuleFinding};
use crate::dimona::wire::{
    Declaration, DeclarationStatus, DimonaResult, Employer, Page, Period, PeriodRef, PeriodStatus,
    SearchRequest, StoredDeclaration, Worker,
};
use crate::fla::wire::PROBLEM_BAD_REQUEST;
// An employer and a worker as the sandbox compares them (`403170701` is
// `0403170701`, `85.07.30-033.28` is `85073003328`).
use crate::identifiers::{normalised_enterprise as employer_key, normalised_ssin as worker_key};
use store::Held;
pub(crate) use store::{open as open_store, DimonaLog, DimonaStore};

mod store;

/// Search pages hold this many items.
pub const PAGE_SIZE: usize = 50;
/// How long the register takes to identify a worker it did not know.
const IDENTIFY_MS: i64 = 3_000;
/// A body larger than this is not read.
const BODY_MAX: usize = 64 * 1024;

fn now_ms(shared: &Shared) -> i64 {
    i64::try_from((shared.clock)().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The store's lock poisoned (a panic while it was held): the sandbox's
/// fault, a 503, whatever was asked.
fn store_unavailable() -> Response {
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "about:blank",
        "Service Unavailable",
        "the sandbox's Dimona store is unavailable".into(),
    )
}

fn bad_request(detail: String) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        PROBLEM_BAD_REQUEST,
        "Bad Request",
        detail,
    )
}

/// Who may act for `enterprise`: the employer itself, or a representative
/// with its mandate.
fn allowed(caller: &Caller, enterprise: &str) -> Result<(), Box<Response>> {
    if caller.may_act_for(enterprise) {
        Ok(())
    } else {
        Err(Box::new(no_mandate(enterprise)))
    }
}

fn today(shared: &Shared) -> time::Date {
    crate::today::brussels_date((shared.clock)())
}

/// The result of a declaration, and what it does to the periods (applied
/// here, in the order the declarations came). `repeats` (the sandbox's
/// `--accept-duplicates`): a server that does not refuse an In that repeats
/// an open period, and opens a second one; only the client then keeps a
/// worker from being declared twice.
fn process(
    store: &mut DimonaStore,
    d: &Declaration,
    today: time::Date,
    repeats: bool,
) -> DeclarationStatus {
    let mut findings: Vec<RuleFinding> = rules::check(d, today);
    let employer = employer_key(&d.employer.enterprise_number);
    let worker = worker_key(&d.worker.ssin);
    let blocked = |f: &[RuleFinding]| f.iter().any(|f| f.blocking);
    let mut period = None;
    if !blocked(&findings) {
        if let Some(id) = d.period_id() {
            match store.periods.get(&id) {
                Some(p) if employer_key(&p.employer.enterprise_number) == employer => {
                    if d.dimona_cancel.is_some() && p.status == PeriodStatus::Cancelled {
                        findings.push(rules::ALREADY_CANCELLED);
                    } else if p.status == PeriodStatus::Cancelled {
                        findings.push(rules::NO_SUCH_PERIOD);
                    }
                }
                _ => findings.push(rules::NO_SUCH_PERIOD),
            }
        }
        if let Some(i) = d.dimona_in.as_ref().filter(|_| !repeats) {
            let overlaps = store.periods_of(&employer, &worker).any(|p| {
                p.status != PeriodStatus::Cancelled
                    && p.end_date
                        .as_deref()
                        .is_none_or(|end| end >= i.start_date.as_str())
                    && i.end_date
                        .as_deref()
                        .is_none_or(|end| end >= p.start_date.as_str())
            });
            if overlaps {
                findings.push(rules::OVERLAP);
            }
        }
    }
    if !blocked(&findings) {
        if let Some(i) = &d.dimona_in {
            let id = store.next_period_id();
            store.put_period(Period {
                id,
                employer: Employer {
                    enterprise_number: employer.clone(),
                },
                worker: Worker {
                    ssin: worker.clone(),
                },
                start_date: i.start_date.clone(),
                end_date: i.end_date.clone(),
                features: i.features.clone(),
                status: PeriodStatus::Open,
            });
            period = Some(id);
        }
        if let Some(id) = d.period_id() {
            if let Some(p) = store.periods.get_mut(&id) {
                if let Some(o) = &d.dimona_out {
                    p.end_date = Some(o.end_date.clone());
                    p.status = PeriodStatus::Closed;
                }
                if let Some(u) = &d.dimona_update {
                    if let Some(s) = &u.start_date {
                        p.start_date.clone_from(s);
                    }
                    if u.end_date.is_some() {
                        p.end_date.clone_from(&u.end_date);
                    }
                }
                if d.dimona_cancel.is_some() {
                    p.status = PeriodStatus::Cancelled;
                }
            }
            period = Some(id);
        }
    }
    let result = if blocked(&findings) {
        DimonaResult::B
    } else if findings.is_empty() {
        DimonaResult::A
    } else {
        DimonaResult::W
    };
    DeclarationStatus {
        result,
        period: period.map(|id| PeriodRef { id }),
        anomalies: findings.iter().map(RuleFinding::anomaly).collect(),
    }
}

/// `POST /declarations`: 201 with the declaration's `Location`.
pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    kill: Option<Extension<ConnectionKill>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let caller = match admit_for(&shared, &headers, &DIMONA).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    if body.len() > BODY_MAX {
        return bad_request(format!("the body is larger than {BODY_MAX} bytes"));
    }
    let declaration: Declaration = match serde_json::from_str(&body) {
        Ok(d) => d,
        Err(e) => return bad_request(format!("not a Dimona declaration: {e}")),
    };
    let employer = employer_key(&declaration.employer.enterprise_number);
    if crate::identifiers::parse_enterprise_number(&employer).is_some() {
        if let Err(r) = allowed(&caller, &employer) {
            return *r;
        }
    }
    let now = now_ms(&shared);
    let delay = shared.processing_delay_ms;
    let unknown_worker =
        crate::identifiers::parse_ssin(&declaration.worker.ssin).is_ok_and(|s| s.bis);
    let (id, logged) = {
        let Ok(mut store) = shared.dimona.lock() else {
            return store_unavailable();
        };
        let status = process(
            &mut store,
            &declaration,
            today(&shared),
            shared.modes.accept_duplicates,
        );
        let waits = unknown_worker && status.result != DimonaResult::B;
        let (id, change) = store.keep(Held {
            declaration,
            status,
            due_ms: now.saturating_add(delay),
            identified_ms: waits.then(|| now.saturating_add(delay).saturating_add(IDENTIFY_MS)),
            sender: caller.account.client_id.clone(),
        });
        // Queued while the store is locked: the log keeps the store's order.
        (id, shared.dimona_log.queue(change))
    };
    // Kept before it is answered: a 201 is only for what is on disk.
    if let Err(e) = logged.committed().await {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "about:blank",
            "Service Unavailable",
            format!("the sandbox could not keep the declaration: {e}"),
        );
    }
    maybe_drop_after_commit(&shared, kill.as_ref().map(|k| &k.0)).await;
    let location = format!(
        "{}{}/declarations/{id}",
        shared.token_url.split("/REST/").next().unwrap_or_default(),
        DIMONA.api_path
    );
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(json!({ "declarationId": id })),
    )
        .into_response()
}

/// The declaration as it stands at `now`: `None` while it is processed.
fn shown(held: &Held, id: i64, now: i64) -> Option<StoredDeclaration> {
    if now < held.due_ms {
        return None;
    }
    let mut status = held.status.clone();
    if held.identified_ms.is_some_and(|at| now < at) {
        status.result = DimonaResult::S;
    }
    Some(StoredDeclaration {
        declaration_id: id,
        declaration_status: status,
        declaration: held.declaration.clone(),
    })
}

/// `GET /declarations/{id}`: 404 until processed.
pub(super) async fn get_one(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let caller = match admit_for(&shared, &headers, &DIMONA).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let now = now_ms(&shared);
    let Ok(store) = shared.dimona.lock() else {
        return store_unavailable();
    };
    let found = store.declarations.get(&id).and_then(|held| {
        let employer = employer_key(&held.declaration.employer.enterprise_number);
        caller
            .may_see(&employer, &held.sender)
            .then(|| shown(held, id, now))
            .flatten()
    });
    match found {
        Some(d) => Json(d).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            crate::fla::wire::PROBLEM_NOT_FOUND,
            "Not Found",
            format!("no processed declaration {id}"),
        ),
    }
}

/// The filters of a search, read and checked; the page asked.
fn filters(caller: &Caller, body: &str) -> Result<(SearchRequest, usize), Box<Response>> {
    let filters: SearchRequest = serde_json::from_str(body)
        .map_err(|e| Box::new(bad_request(format!("not a search: {e}"))))?;
    let employer = employer_key(&filters.employer.enterprise_number);
    if crate::identifiers::parse_enterprise_number(&employer).is_none() {
        return Err(Box::new(bad_request(format!(
            "'{}' is not an enterprise number",
            filters.employer.enterprise_number
        ))));
    }
    allowed(caller, &employer)?;
    let page = match &filters.cursor {
        None => 0,
        Some(c) => c
            .strip_prefix("page-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Box::new(bad_request(format!("unknown cursor '{c}'"))))?,
    };
    Ok((filters, page))
}

/// A search's caller admitted, its filters and page read, its employer and
/// worker as the sandbox compares them.
async fn search_of(
    shared: &Shared,
    headers: &HeaderMap,
    body: &str,
) -> Result<(SearchRequest, usize, String, Option<String>), Box<Response>> {
    let caller = admit_for(shared, headers, &DIMONA).await?;
    let (filters, page) = filters(&caller, body)?;
    let employer = employer_key(&filters.employer.enterprise_number);
    let worker = filters.ssin.as_deref().map(worker_key);
    Ok((filters, page, employer, worker))
}

/// Whether `start..=end` (an open end for none) touches the search's dates.
fn touches(filters: &SearchRequest, start: Option<&str>, end: Option<&str>) -> bool {
    let after_from = match (&filters.from, end.or(start)) {
        (Some(from), Some(e)) => e >= from.as_str(),
        _ => true,
    };
    let before_to = match (&filters.to, start.or(end)) {
        (Some(to), Some(s)) => s <= to.as_str(),
        _ => true,
    };
    after_from && before_to
}

fn paged<T: serde::Serialize>(items: Vec<T>, page: usize) -> Response {
    let total = items.len();
    let start = page.saturating_mul(PAGE_SIZE).min(total);
    let end = (start + PAGE_SIZE).min(total);
    let next = (end < total).then(|| format!("page-{}", page + 1));
    let items: Vec<T> = items.into_iter().skip(start).take(end - start).collect();
    Json(Page { items, next }).into_response()
}

/// `POST /declarations/search`: the processed declarations of an employer
/// (and worker, and dates).
pub(super) async fn search_declarations(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let (filters, page, employer, worker) = match search_of(&shared, &headers, &body).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let now = now_ms(&shared);
    let Ok(store) = shared.dimona.lock() else {
        return store_unavailable();
    };
    let items: Vec<StoredDeclaration> = store
        .declarations
        .iter()
        .filter_map(|(id, held)| shown(held, *id, now))
        .filter(|d| employer_key(&d.declaration.employer.enterprise_number) == employer)
        .filter(|d| {
            worker
                .as_ref()
                .is_none_or(|w| worker_key(&d.declaration.worker.ssin) == *w)
        })
        .filter(|d| {
            let (start, end) = d.declaration.dates();
            touches(&filters, start, end)
        })
        .collect();
    paged(items, page)
}

/// `POST /periods/search`: the periods of an employer (and worker, and dates).
pub(super) async fn search_periods(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let (filters, page, employer, worker) = match search_of(&shared, &headers, &body).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let Ok(store) = shared.dimona.lock() else {
        return store_unavailable();
    };
    let items: Vec<Period> = store
        .periods
        .values()
        .filter(|p| employer_key(&p.employer.enterprise_number) == employer)
        .filter(|p| {
            worker
                .as_ref()
                .is_none_or(|w| worker_key(&p.worker.ssin) == *w)
        })
        .filter(|p| touches(&filters, Some(&p.start_date), p.end_date.as_deref()))
        .cloned()
        .collect();
    paged(items, page)
}
