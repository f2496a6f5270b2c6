//! Dimona as the engine asks it (`submit::service::ServiceApi`): how a
//! declaration is identified without a client reference (employer, worker,
//! part, dates and period), found after a lost answer (the employer's
//! declarations of that worker and those dates, matched by content), and
//! read (`A`/`W`/`B` final, `S` still waiting).

use crate::fla::client::PostOutcome;
use crate::fla::error::ApiError;
use crate::fla::wire::{Anomaly, AnomalySeverity, ResultCode};
use crate::identifiers::{normalised_enterprise, normalised_ssin};
use crate::submit::service::{
    foreign, Call, Content, Found, FoundPage, Payload, ServiceApi, DIMONA,
};

use super::client::DimonaClient;
use super::wire::{self, Declaration, DimonaResult, StoredDeclaration};

/// Dimona for the engine.
pub struct DimonaService(pub DimonaClient);

/// How the journal knows a Dimona declaration, since Dimona has no client
/// reference: its employer, and as its reference the part, the worker, the
/// period and the dates (`in/85073003328/-/2026-12-07/-`). The same In of
/// the same worker from the same day is one declaration; an Out, an Update
/// or a Cancel of a period is one per period and dates.
pub fn identity(d: &Declaration) -> (String, String) {
    let part = d.part().map_or("?", |p| p.code());
    let (from, to) = d.dates();
    let period = d
        .period_id()
        .map_or_else(|| "-".to_owned(), |p| p.to_string());
    (
        normalised_enterprise(&d.employer.enterprise_number),
        format!(
            "{part}/{}/{period}/{}/{}",
            normalised_ssin(&d.worker.ssin),
            from.map_or("-", str::trim),
            to.map_or("-", str::trim),
        ),
    )
}

/// What a journal row's reference (its [`identity`]) says: the part, the
/// worker, the period and the dates (ISO), where it says them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub part: String,
    pub ssin: String,
    pub period: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Reads a reference [`identity`] made (`None`: not one of Dimona's).
pub fn read_identity(reference: &str) -> Option<Identity> {
    let mut parts = reference.split('/');
    let mut next = || parts.next().filter(|p| !p.is_empty() && *p != "-");
    let part = next()?.to_owned();
    let ssin = next()?.to_owned();
    let period = next().and_then(|p| p.parse().ok());
    let from = next().map(str::to_owned);
    let to = next().map(str::to_owned);
    Some(Identity {
        part,
        ssin,
        period,
        from,
        to,
    })
}

/// A declaration as the engine keeps it: its JSON, the employer's and the
/// worker's numbers written one way (digits only), so that the same
/// declaration however a file writes its numbers is the same row.
pub fn content(mut d: Declaration) -> Content {
    d.employer.enterprise_number = normalised_enterprise(&d.employer.enterprise_number);
    d.worker.ssin = normalised_ssin(&d.worker.ssin);
    Content::Other(Payload {
        service: DIMONA.to_owned(),
        json: serde_json::to_value(&d).unwrap_or_default(),
    })
}

/// The Dimona declaration a row's content is, if it is one.
pub fn declaration(content: &Content) -> Option<Declaration> {
    serde_json::from_value(content.json_of(DIMONA)?.clone()).ok()
}

/// The local rules' findings as the engine keeps anomalies.
pub fn check(d: &Declaration, today: time::Date) -> Vec<Anomaly> {
    super::rules::check(d, today)
        .iter()
        .map(|f| as_engine_anomaly(f.anomaly()))
        .collect()
}

/// A Dimona anomaly in the engine's (and the journal's) shape.
pub fn as_engine_anomaly(a: wire::Anomaly) -> Anomaly {
    Anomaly {
        severity: if a.is_blocking() {
            AnomalySeverity::Blocking
        } else {
            AnomalySeverity::Warning
        },
        code: a.code,
        field: a.field.unwrap_or_default(),
        description_nl: a.description_nl,
        description_fr: a.description_fr,
        description_en: a.description_en,
    }
}

/// A declaration the server holds, in the engine's words: `S` is not final.
pub fn found(item: StoredDeclaration) -> Found {
    let result = match item.declaration_status.result {
        DimonaResult::A => Some(ResultCode::A),
        DimonaResult::W => Some(ResultCode::W),
        DimonaResult::B => Some(ResultCode::B),
        DimonaResult::S => None,
    };
    Found {
        server_id: item.declaration_id,
        result,
        anomalies: item
            .declaration_status
            .anomalies
            .into_iter()
            .map(as_engine_anomaly)
            .collect(),
        content: Some(content(item.declaration)),
    }
}

fn not_ours() -> ApiError {
    ApiError::Network("a declaration of another service was given to Dimona".into())
}

impl ServiceApi for DimonaService {
    fn id(&self) -> &'static str {
        DIMONA
    }

    fn channel(&self) -> &crate::fla::client::FlaClient {
        &self.0.api
    }

    fn identity(&self, content: &mut Content) -> (String, String) {
        declaration(content).map_or_else(|| (String::new(), String::new()), |d| identity(&d))
    }

    fn check(&self, content: &Content, today: time::Date) -> Vec<Anomaly> {
        declaration(content).map_or_else(|| vec![foreign(DIMONA)], |d| check(&d, today))
    }

    fn post<'a>(&'a self, content: &'a Content, tries: u32) -> Call<'a, PostOutcome> {
        Box::pin(async move {
            match declaration(content) {
                Some(d) => {
                    self.0
                        .api
                        .post_counted(
                            wire::DECLARATIONS,
                            &d,
                            Some(d.employer.enterprise_number.as_str()),
                            tries,
                        )
                        .await
                }
                None => PostOutcome::NotTaken(not_ours()),
            }
        })
    }

    /// Dimona corrects with an Update, a declaration of its own: never a `PUT`.
    fn correct<'a>(
        &'a self,
        _server_id: i64,
        _content: &'a Content,
        _tries: u32,
    ) -> Call<'a, Result<(), ApiError>> {
        Box::pin(async move { Err(not_ours()) })
    }

    fn read(&self, server_id: i64, tries: u32) -> Call<'_, Result<Option<Found>, ApiError>> {
        Box::pin(async move {
            let path = format!("{}/{server_id}", wire::DECLARATIONS);
            let item: Option<StoredDeclaration> = self.0.api.get_counted_at(&path, tries).await?;
            Ok(item.map(found))
        })
    }

    /// Dimona's search is by employer and worker, not in id order: rows are
    /// read one `GET` each.
    fn pages(&self) -> bool {
        false
    }

    fn page<'a>(
        &'a self,
        _enterprise: &'a str,
        _cursor: Option<String>,
        _tries: u32,
    ) -> Option<Call<'a, Result<FoundPage, ApiError>>> {
        None
    }

    fn find<'a>(
        &'a self,
        _enterprise: &'a str,
        _reference: &'a str,
        content: Option<&'a Content>,
        _tries: u32,
    ) -> Call<'a, Result<Vec<Found>, ApiError>> {
        Box::pin(async move {
            let Some(d) = content.and_then(declaration) else {
                return Ok(Vec::new());
            };
            Ok(self.0.find_all(&d).await?.into_iter().map(found).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_reads_back_what_it_says() {
        let d: Declaration = serde_json::from_value(serde_json::json!({
            "employer": {"enterpriseNumber": "0403.170.701"},
            "worker": {"ssin": "85.07.30-033.28"},
            "dimonaOut": {"periodId": 7, "endDate": "2026-12-31"}
        }))
        .unwrap();
        let (employer, reference) = identity(&d);
        assert_eq!(employer, "0403170701");
        assert_eq!(reference, "out/85073003328/7/-/2026-12-31");
        assert_eq!(
            read_identity(&reference),
            Some(Identity {
                part: "out".into(),
                ssin: "85073003328".into(),
                period: Some(7),
                from: None,
                to: Some("2026-12-31".into()),
            })
        );
        assert_eq!(read_identity("FLA-REF-1"), None);
    }
}
