//! The journal of local declarations: drafts saved as they are typed, their
//! status as they are sent and processed, and declarations fetched from the
//! server. SQLite in WAL mode, so a crash or a closed window loses nothing.

use std::path::Path;

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::fla::rules;
use crate::fla::wire::{self, Anomaly, Declaration, ResultCode, StoredDeclaration};
use crate::i18n::{tr_args, Lang};

/// Where a local declaration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalStatus {
    Draft,
    Invalid,
    Sending,
    Processing,
    Accepted,
    Warning,
    Refused,
    Cancelled,
}

impl LocalStatus {
    pub const ALL: [LocalStatus; 8] = [
        LocalStatus::Draft,
        LocalStatus::Invalid,
        LocalStatus::Sending,
        LocalStatus::Processing,
        LocalStatus::Accepted,
        LocalStatus::Warning,
        LocalStatus::Refused,
        LocalStatus::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LocalStatus::Draft => "draft",
            LocalStatus::Invalid => "invalid",
            LocalStatus::Sending => "sending",
            LocalStatus::Processing => "processing",
            LocalStatus::Accepted => "accepted",
            LocalStatus::Warning => "warning",
            LocalStatus::Refused => "refused",
            LocalStatus::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> LocalStatus {
        LocalStatus::ALL
            .into_iter()
            .find(|x| x.code() == s)
            .unwrap_or(LocalStatus::Draft)
    }

    pub fn from_result(result: ResultCode) -> LocalStatus {
        match result {
            ResultCode::A => LocalStatus::Accepted,
            ResultCode::W => LocalStatus::Warning,
            ResultCode::B => LocalStatus::Refused,
            ResultCode::C => LocalStatus::Cancelled,
        }
    }
}

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
    /// The declaration these fields make, or the fields that cannot be read.
    pub fn to_declaration(&self) -> Result<Declaration, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let date = |text: &str, field: &'static str, problems: &mut Vec<FieldProblem>| {
            if rules::parse_date(text.trim()).is_none() {
                problems.push(FieldProblem {
                    field,
                    key: "form.not_a_date",
                });
            }
            text.trim().to_owned()
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
                key: "form.not_a_number",
            });
        }
        let valid_until = (self.certificate && !self.valid_until.trim().is_empty()).then(|| {
            date(
                &self.valid_until,
                "training.certificate.validUntil",
                &mut problems,
            )
        });
        if !problems.is_empty() {
            return Err(problems);
        }
        let optional = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Ok(Declaration {
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
        })
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

/// One local declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalRow {
    pub id: i64,
    pub form: DraftForm,
    pub status: LocalStatus,
    pub server_id: Option<i64>,
    pub anomalies: Vec<Anomaly>,
    /// Fetched from the server rather than typed here.
    pub remote: bool,
}

pub struct Journal {
    db: Connection,
}

/// Why the journal could not be opened, read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum JournalError {
    /// The file (or its folder) could not be opened or made.
    Open { path: String, detail: String },
    /// SQLite failed on a file that was open.
    Database { detail: String },
    /// A form or anomaly list could not be put into JSON.
    Encode { detail: String },
}

impl JournalError {
    pub fn code(&self) -> &'static str {
        match self {
            JournalError::Open { .. } => "journal_open",
            JournalError::Database { .. } => "journal_database",
            JournalError::Encode { .. } => "journal_encode",
        }
    }

    /// What happened and what to do next, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            JournalError::Open { path, detail } => tr_args(
                lang,
                "journal.error.open",
                &[("path", path.clone()), ("detail", detail.clone())],
            ),
            JournalError::Database { detail } => tr_args(
                lang,
                "journal.error.database",
                &[("detail", detail.clone())],
            ),
            JournalError::Encode { detail } => {
                tr_args(lang, "journal.error.encode", &[("detail", detail.clone())])
            }
        }
    }
}

fn err(e: rusqlite::Error) -> JournalError {
    JournalError::Database {
        detail: e.to_string(),
    }
}

fn encode(e: serde_json::Error) -> JournalError {
    JournalError::Encode {
        detail: e.to_string(),
    }
}

impl Journal {
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let open_failed = |detail: String| JournalError::Open {
            path: path.display().to_string(),
            detail,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| open_failed(format!("{}: {e}", parent.display())))?;
        }
        let db = Connection::open(path).map_err(|e| open_failed(e.to_string()))?;
        // WAL with synchronous=NORMAL: a commit is durable against a crash of the
        // app and costs microseconds, so drafts can be saved as they are typed.
        db.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS local_declarations (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 form TEXT NOT NULL,
                 status TEXT NOT NULL,
                 server_id INTEGER,
                 anomalies TEXT NOT NULL DEFAULT '[]',
                 remote INTEGER NOT NULL DEFAULT 0
             );",
        )
        .map_err(err)?;
        Ok(Journal { db })
    }

    /// Saves a draft's fields; returns its id (new where `id` is `None`).
    pub fn save_form(
        &self,
        id: Option<i64>,
        form: &DraftForm,
        status: LocalStatus,
    ) -> Result<i64, JournalError> {
        let json = serde_json::to_string(form).map_err(encode)?;
        match id {
            Some(id) => {
                self.db
                    .execute(
                        "UPDATE local_declarations SET form = ?1, status = ?2 WHERE id = ?3",
                        params![json, status.code(), id],
                    )
                    .map_err(err)?;
                Ok(id)
            }
            None => {
                self.db
                    .execute(
                        "INSERT INTO local_declarations (form, status) VALUES (?1, ?2)",
                        params![json, status.code()],
                    )
                    .map_err(err)?;
                Ok(self.db.last_insert_rowid())
            }
        }
    }

    pub fn set_outcome(
        &self,
        id: i64,
        status: LocalStatus,
        server_id: Option<i64>,
        anomalies: &[Anomaly],
    ) -> Result<(), JournalError> {
        let json = serde_json::to_string(anomalies).map_err(encode)?;
        self.db
            .execute(
                "UPDATE local_declarations SET status = ?1, server_id = COALESCE(?2, server_id), anomalies = ?3 WHERE id = ?4",
                params![status.code(), server_id, json, id],
            )
            .map_err(err)?;
        Ok(())
    }

    /// Adds (or refreshes) a declaration fetched from the server.
    pub fn upsert_remote(&self, stored: &StoredDeclaration) -> Result<i64, JournalError> {
        let status = LocalStatus::from_result(stored.declaration_status.result);
        let existing: Option<i64> = self
            .db
            .query_row(
                "SELECT id FROM local_declarations WHERE server_id = ?1",
                params![stored.declaration_status.declaration_id],
                |r| r.get(0),
            )
            .ok();
        let form = DraftForm::from_declaration(&stored.declaration);
        let id = match existing {
            Some(id) => self.save_form(Some(id), &form, status)?,
            None => {
                let json = serde_json::to_string(&form).map_err(encode)?;
                self.db
                    .execute(
                        "INSERT INTO local_declarations (form, status, server_id, remote) VALUES (?1, ?2, ?3, 1)",
                        params![json, status.code(), stored.declaration_status.declaration_id],
                    )
                    .map_err(err)?;
                self.db.last_insert_rowid()
            }
        };
        self.set_outcome(
            id,
            status,
            Some(stored.declaration_status.declaration_id),
            &stored.declaration_status.anomalies,
        )?;
        Ok(id)
    }

    pub fn delete(&self, id: i64) -> Result<(), JournalError> {
        self.db
            .execute("DELETE FROM local_declarations WHERE id = ?1", params![id])
            .map_err(err)?;
        Ok(())
    }

    /// Every local declaration, oldest first.
    pub fn list(&self) -> Result<Vec<LocalRow>, JournalError> {
        let mut stmt = self
            .db
            .prepare("SELECT id, form, status, server_id, anomalies, remote FROM local_declarations ORDER BY id")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, form, status, server_id, anomalies, remote) = row.map_err(err)?;
            out.push(LocalRow {
                id,
                form: serde_json::from_str(&form).unwrap_or_default(),
                status: LocalStatus::parse(&status),
                server_id,
                anomalies: serde_json::from_str(&anomalies).unwrap_or_default(),
                remote: remote != 0,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_that_cannot_be_opened_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "x").unwrap();
        let path = file.join("journal.sqlite");
        let Err(e) = Journal::open(&path) else {
            panic!("opened under a file")
        };
        assert_eq!(e.code(), "journal_open");
        assert!(e.message(Lang::En).contains("not-a-folder"), "{e}");
    }

    #[test]
    fn drafts_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let form = DraftForm {
            ssin: "85.07.30-033.2".into(),
            start: "2025-03".into(),
            ..DraftForm::default()
        };
        let id = {
            let j = Journal::open(&path).unwrap();
            j.save_form(None, &form, LocalStatus::Draft).unwrap()
        };
        let j = Journal::open(&path).unwrap();
        let rows = j.list().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].id, id);
        assert_eq!(rows[0].form, form);
        j.set_outcome(id, LocalStatus::Refused, Some(7), &[])
            .unwrap();
        assert_eq!(j.list().unwrap()[0].server_id, Some(7));
    }

    #[test]
    fn a_form_names_the_fields_it_cannot_read() {
        let form = DraftForm {
            start: "2025-13-01".into(),
            end: "2025-03-04".into(),
            duration: "abc".into(),
            ..DraftForm::default()
        };
        let problems = form.to_declaration().unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            vec!["training.startDate", "training.duration.value"]
        );
        let ok = DraftForm {
            reference: "R".into(),
            enterprise: "BE 0403.170.701".into(),
            ssin: "85.07.30-033.28".into(),
            name: "Excel".into(),
            start: "2025-03-03".into(),
            end: "2025-03-04".into(),
            duration: "14,5".into(),
            ..DraftForm::default()
        };
        let d = ok.to_declaration().unwrap();
        assert_eq!(d.employer.enterprise_number, "0403170701");
        assert_eq!(d.worker.ssin, "85073003328");
        assert_eq!(d.training.duration.value, 14.5);
        assert_eq!(DraftForm::from_declaration(&d).to_declaration().unwrap(), d);
    }
}
