//! The FLA wire format [modelled]: paths, field names, problem types and the
//! declaration status, as reconstructed in docs/fla-api.md. This module and
//! `anomalies` are the only places that know them, so the official Swagger can
//! replace them in an hour.

use serde::{Deserialize, Serialize};

pub const TRAININGS: &str = "/trainings";
pub const SEARCH: &str = "/trainings/search";

pub const PROBLEM_BAD_REQUEST: &str = "urn:problem-type:belgif:badRequest";
pub const PROBLEM_SCHEMA_VIOLATION: &str =
    "urn:problem-type:belgif:input-validation:schemaViolation";
pub const PROBLEM_INVALID_TOKEN: &str = "urn:problem-type:belgif:invalidAccessToken";
pub const PROBLEM_EXPIRED_TOKEN: &str = "urn:problem-type:belgif:expiredAccessToken";
pub const PROBLEM_MISSING_SCOPE: &str = "urn:problem-type:belgif:missingScope";
pub const PROBLEM_NO_MANDATE: &str = "urn:problem-type:sigedis:missingMandate";
pub const PROBLEM_NOT_FOUND: &str = "urn:problem-type:belgif:resourceNotFound";
pub const PROBLEM_TOO_MANY: &str = "urn:problem-type:belgif:tooManyRequests";
pub const PROBLEM_DUPLICATE: &str = "urn:problem-type:sigedis:duplicateReference";
/// A correction (`PUT`) of a cancelled (`C`) declaration: it cannot be brought back to life.
pub const PROBLEM_DECLARATION_CANCELLED: &str = "urn:problem-type:sigedis:declarationCancelled";
/// A correction (`PUT`) naming another enterprise than the declaration's.
pub const PROBLEM_ENTERPRISE_CHANGED: &str = "urn:problem-type:sigedis:enterpriseChanged";
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One training followed by one worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Declaration {
    pub external_reference: String,
    pub employer: Employer,
    pub worker: Worker,
    pub training: Training,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Employer {
    pub enterprise_number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Worker {
    pub ssin: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Training {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: TrainingType,
    /// ISO dates (`2025-03-03`).
    pub start_date: String,
    pub end_date: String,
    pub duration: Duration,
    pub followed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<TrainingCertificate>,
    pub counts_for_fla: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_enterprise_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joint_committee: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TrainingType {
    /// Courses, internships, a group with a trainer, internal or external.
    Formal,
    /// Coaching, mentoring, on-the-job learning directly linked to the job.
    Informal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duration {
    pub value: f64,
    pub unit: DurationUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DurationUnit {
    Hours,
    Days,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrainingCertificate {
    pub obtained: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

/// A result letter: accepted, accepted with warnings, refused (B), cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResultCode {
    A,
    W,
    B,
    C,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AnomalySeverity {
    Blocking,
    Warning,
}

/// An anomaly as the server returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Anomaly {
    pub code: String,
    pub severity: AnomalySeverity,
    pub field: String,
    pub description_nl: String,
    pub description_fr: String,
    pub description_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeclarationStatus {
    pub declaration_id: i64,
    pub result: ResultCode,
    #[serde(default)]
    pub anomalies: Vec<Anomaly>,
}

/// A processed declaration, as `GET /trainings/{id}` and search items return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredDeclaration {
    #[serde(flatten)]
    pub declaration: Declaration,
    pub declaration_status: DeclarationStatus,
}

/// `201` body of `POST /trainings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub declaration_id: i64,
}

/// The filters of `POST /trainings/search`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    pub enterprise_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    pub items: Vec<StoredDeclaration>,
    pub next: Option<String>,
}

/// A Belgif problem (`application/problem+json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<ProblemIssue>,
    /// The enterprise a `missingMandate` problem is about.
    #[serde(
        rename = "enterpriseNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub enterprise_number: Option<String>,
}

/// One input issue of a 400.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemIssue {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "in")]
    pub location: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub detail: String,
}
