//! The Dimona wire format. [seen] in two independent public clients: the
//! paths, the four parts of a declaration and their fields, the results
//! A/W/B/S, the period's id, the `Location` of a new declaration.
//! [modelled] (docs/dimona-api.md): the anomaly's shape, the searches and
//! their pages, the period's own fields. This module is the only place that
//! knows them.

use serde::{Deserialize, Serialize};

pub const DECLARATIONS: &str = "/declarations";
pub const DECLARATIONS_SEARCH: &str = "/declarations/search";
pub const PERIODS_SEARCH: &str = "/periods/search";

/// Joint committees 302 and 304 are declared as `XXX` [seen].
pub const JOINT_COMMITTEE_ANY: &str = "XXX";

/// One Dimona declaration: an employer, a worker, and exactly one part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Declaration {
    pub employer: Employer,
    pub worker: Worker,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimona_in: Option<DimonaIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimona_out: Option<DimonaOut>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimona_update: Option<DimonaUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimona_cancel: Option<DimonaCancel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Employer {
    pub enterprise_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worker {
    pub ssin: String,
}

/// A worker starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DimonaIn {
    /// ISO dates; no end for an open-ended job.
    pub start_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    pub features: Features,
    /// A student's planned hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_hours_number: Option<u32>,
    /// Where a student works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub student_place_of_work: Option<PlaceOfWork>,
    /// A flexi-job's hours (`"0800"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_hour: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_hour: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Features {
    /// Three digits, or `XXX` (joint committees 302 and 304).
    pub joint_commission_number: String,
    /// `OTH` ordinary, `STU` student, `FLX` flexi-job, and others.
    pub worker_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaceOfWork {
    pub name: String,
    pub address: Address,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub street: String,
    pub house_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub box_number: Option<String>,
    pub post_code: String,
    pub municipality: Municipality,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Municipality {
    pub code: String,
    pub name: String,
}

/// A worker stops: the period ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DimonaOut {
    pub period_id: i64,
    pub end_date: String,
}

/// A period changed: what changes, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DimonaUpdate {
    pub period_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_hours_number: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_hour: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_hour: Option<String>,
}

/// A period withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DimonaCancel {
    pub period_id: i64,
}

/// Which of the four parts a declaration holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    In,
    Out,
    Update,
    Cancel,
}

impl Part {
    pub fn code(self) -> &'static str {
        match self {
            Part::In => "in",
            Part::Out => "out",
            Part::Update => "update",
            Part::Cancel => "cancel",
        }
    }
}

impl Declaration {
    /// The part it holds, where it holds exactly one.
    pub fn part(&self) -> Option<Part> {
        let parts = [
            (self.dimona_in.is_some(), Part::In),
            (self.dimona_out.is_some(), Part::Out),
            (self.dimona_update.is_some(), Part::Update),
            (self.dimona_cancel.is_some(), Part::Cancel),
        ];
        let mut held = parts.iter().filter(|(has, _)| *has).map(|(_, p)| *p);
        match (held.next(), held.next()) {
            (Some(part), None) => Some(part),
            _ => None,
        }
    }

    /// The period an Out, Update or Cancel is about.
    pub fn period_id(&self) -> Option<i64> {
        self.dimona_out
            .as_ref()
            .map(|o| o.period_id)
            .or(self.dimona_update.as_ref().map(|u| u.period_id))
            .or(self.dimona_cancel.as_ref().map(|c| c.period_id))
    }

    /// The dates a declaration is found by after a lost answer: an In's
    /// start (and end), an Out's end, an Update's new dates; none for a
    /// Cancel (its period says it).
    pub fn dates(&self) -> (Option<&str>, Option<&str>) {
        if let Some(i) = &self.dimona_in {
            return (Some(i.start_date.as_str()), i.end_date.as_deref());
        }
        if let Some(o) = &self.dimona_out {
            return (None, Some(o.end_date.as_str()));
        }
        if let Some(u) = &self.dimona_update {
            return (u.start_date.as_deref(), u.end_date.as_deref());
        }
        (None, None)
    }
}

/// A result [seen].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DimonaResult {
    /// Accepted.
    A,
    /// Accepted with warnings.
    W,
    /// Refused.
    B,
    /// Waiting: the worker must first be identified.
    S,
}

impl DimonaResult {
    /// Whether this is the declaration's last word (`S` is not).
    pub fn is_final(self) -> bool {
        !matches!(self, DimonaResult::S)
    }

    pub fn code(self) -> &'static str {
        match self {
            DimonaResult::A => "accepted",
            DimonaResult::W => "warning",
            DimonaResult::B => "refused",
            DimonaResult::S => "waiting",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodRef {
    pub id: i64,
}

/// A rule's finding on a declaration [modelled shape].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Anomaly {
    pub code: String,
    /// `BLOCKING` or `WARNING`.
    pub severity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default)]
    pub description_nl: String,
    #[serde(default)]
    pub description_fr: String,
    #[serde(default)]
    pub description_en: String,
}

impl Anomaly {
    pub fn is_blocking(&self) -> bool {
        self.severity == "BLOCKING"
    }

    /// The description in `lang` (English where the server gave none).
    pub fn description(&self, lang: crate::i18n::Lang) -> &str {
        let text = match lang {
            crate::i18n::Lang::Nl => &self.description_nl,
            crate::i18n::Lang::Fr => &self.description_fr,
            crate::i18n::Lang::En => &self.description_en,
        };
        if text.is_empty() {
            &self.description_en
        } else {
            text
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeclarationStatus {
    pub result: DimonaResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<PeriodRef>,
    #[serde(default)]
    pub anomalies: Vec<Anomaly>,
}

/// A processed declaration, as `GET /declarations/{id}` and the search give it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredDeclaration {
    pub declaration_id: i64,
    pub declaration_status: DeclarationStatus,
    pub declaration: Declaration,
}

/// The filters of both searches [modelled].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    pub employer: Employer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssin: Option<String>,
    /// ISO dates: what touches `from`..=`to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The `next` of the page before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A page of a search: its items, and the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A period's state [modelled].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PeriodStatus {
    /// Going on (no end, or an end not declared by an Out).
    Open,
    /// Ended by a Dimona Out.
    Closed,
    Cancelled,
}

impl PeriodStatus {
    pub fn code(self) -> &'static str {
        match self {
            PeriodStatus::Open => "open",
            PeriodStatus::Closed => "closed",
            PeriodStatus::Cancelled => "cancelled",
        }
    }
}

/// A Dimona period: what the server knows of a worker's job at an employer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    pub id: i64,
    pub employer: Employer,
    pub worker: Worker,
    pub start_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    pub features: Features,
    pub status: PeriodStatus,
}
