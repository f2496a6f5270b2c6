//! The editor's form: a declaration's fields as they are typed (a half-typed
//! date kept as it is), turned into the contract's declaration once they read,
//! and made again from a declaration (a correction, a fetched one). The
//! journal keeps it beside the declaration, so a draft survives a restart as
//! it was left.

use serde::{Deserialize, Serialize};

use crate::fla::wire::{self, Declaration};

/// The editor's fields as typed (a half-typed date is kept as it is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftForm {
    pub reference: String,
    pub enterprise: String,
    pub ssin: String,
    pub name: String,
    pub informal: bool,
    pub start: String,
    pub end: String,
    pub duration: String,
    pub days: bool,
    pub followed: bool,
    pub certificate: bool,
    pub valid_until: String,
    pub counts_for_fla: bool,
    pub provider: String,
    pub joint_committee: String,
}

impl Default for DraftForm {
    fn default() -> Self {
        DraftForm {
            reference: String::new(),
            enterprise: String::new(),
            ssin: String::new(),
            name: String::new(),
            informal: false,
            start: String::new(),
            end: String::new(),
            duration: String::new(),
            days: false,
            followed: true,
            certificate: false,
            valid_until: String::new(),
            counts_for_fla: true,
            provider: String::new(),
            joint_committee: String::new(),
        }
    }
}

/// A field of the form that cannot be read, by its wire name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub key: &'static str,
}

impl DraftForm {
    /// Whether the form is still being filled in: a required field empty,
    /// and none of those typed wrong (the row is then neither ready nor
    /// invalid, and says nothing in red).
    pub fn being_filled_in(&self) -> bool {
        let required = [
            &self.enterprise,
            &self.ssin,
            &self.name,
            &self.start,
            &self.end,
            &self.duration,
        ];
        if required.iter().all(|f| !f.trim().is_empty()) {
            return false;
        }
        let typed_wrong = self
            .to_declaration_lenient()
            .1
            .iter()
            .any(|p| p.key != "form.required")
            || (!self.ssin.trim().is_empty()
                && crate::identifiers::parse_ssin(&self.ssin).is_err())
            || (!self.enterprise.trim().is_empty()
                && crate::identifiers::parse_enterprise_number(&self.enterprise).is_none());
        !typed_wrong
    }

    /// The declaration these fields make, or the fields that cannot be read.
    pub fn to_declaration(&self) -> Result<Declaration, Vec<FieldProblem>> {
        let (declaration, problems) = self.to_declaration_lenient();
        if problems.is_empty() {
            Ok(declaration)
        } else {
            Err(problems)
        }
    }

    /// The declaration these fields make even where some cannot be read (a
    /// date kept as typed, a duration of 0), and the fields that cannot: so
    /// that each field is checked on its own while others are still empty.
    /// Dates are typed `dd/mm/yyyy` (or ISO) and go out ISO.
    pub fn to_declaration_lenient(&self) -> (Declaration, Vec<FieldProblem>) {
        let mut problems = Vec::new();
        let date = |text: &str, field: &'static str, problems: &mut Vec<FieldProblem>| {
            match crate::i18n::parse_user_date(text) {
                Some(d) => d.to_string(),
                None => {
                    problems.push(FieldProblem {
                        field,
                        key: if text.trim().is_empty() {
                            "form.required"
                        } else {
                            "form.not_a_date"
                        },
                    });
                    text.trim().to_owned()
                }
            }
        };
        let start = date(&self.start, "training.startDate", &mut problems);
        let end = date(&self.end, "training.endDate", &mut problems);
        let duration = self
            .duration
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite());
        if duration.is_none() {
            problems.push(FieldProblem {
                field: "training.duration.value",
                key: if self.duration.trim().is_empty() {
                    "form.required"
                } else {
                    "form.not_a_number"
                },
            });
        }
        let valid_until = (self.certificate && !self.valid_until.trim().is_empty()).then(|| {
            date(
                &self.valid_until,
                "training.certificate.validUntil",
                &mut problems,
            )
        });
        let optional = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let declaration = Declaration {
            external_reference: self.reference.trim().to_owned(),
            employer: wire::Employer {
                enterprise_number: crate::identifiers::parse_enterprise_number(&self.enterprise)
                    .unwrap_or_else(|| self.enterprise.trim().to_owned()),
            },
            worker: wire::Worker {
                ssin: crate::identifiers::parse_ssin(&self.ssin)
                    .map(|s| s.digits)
                    .unwrap_or_else(|_| self.ssin.trim().to_owned()),
            },
            training: wire::Training {
                name: self.name.trim().to_owned(),
                kind: if self.informal {
                    wire::TrainingType::Informal
                } else {
                    wire::TrainingType::Formal
                },
                start_date: start,
                end_date: end,
                duration: wire::Duration {
                    value: duration.unwrap_or_default(),
                    unit: if self.days {
                        wire::DurationUnit::Days
                    } else {
                        wire::DurationUnit::Hours
                    },
                },
                followed: self.followed,
                certificate: self.certificate.then_some(wire::TrainingCertificate {
                    obtained: true,
                    valid_until,
                }),
                counts_for_fla: self.counts_for_fla,
                provider_enterprise_number: optional(&self.provider),
                joint_committee: optional(&self.joint_committee),
            },
        };
        (declaration, problems)
    }

    /// The form of a declaration (from the server).
    pub fn from_declaration(d: &Declaration) -> DraftForm {
        let t = &d.training;
        DraftForm {
            reference: d.external_reference.clone(),
            enterprise: d.employer.enterprise_number.clone(),
            ssin: d.worker.ssin.clone(),
            name: t.name.clone(),
            informal: t.kind == wire::TrainingType::Informal,
            start: t.start_date.clone(),
            end: t.end_date.clone(),
            duration: t.duration.value.to_string(),
            days: t.duration.unit == wire::DurationUnit::Days,
            followed: t.followed,
            certificate: t.certificate.as_ref().is_some_and(|c| c.obtained),
            valid_until: t
                .certificate
                .as_ref()
                .and_then(|c| c.valid_until.clone())
                .unwrap_or_default(),
            counts_for_fla: t.counts_for_fla,
            provider: t.provider_enterprise_number.clone().unwrap_or_default(),
            joint_committee: t.joint_committee.clone().unwrap_or_default(),
        }
    }
}
