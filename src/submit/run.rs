//! A file's run, as `submit` and the Bulk page both report it: what each row
//! came to (its state, the server's result and anomalies, the error that
//! stopped it), the counts of a run by what its rows came to, and the CSV
//! report of every row (cells a spreadsheet would run written as text). No
//! I/O: rows in, values and bytes out.

use crate::fla::anomalies;
use crate::fla::wire::ResultCode;
use crate::i18n::Lang;
use crate::submit::engine::RowView;
use crate::submit::state::{RunOutcome, State};

/// Rows stored per transaction when a file is sent (`submit`, the Bulk page):
/// the first requests leave while the rest is still being stored, and the
/// engine's rows are never held for long.
pub const SLICE: usize = 1000;

/// What a row of the file came to, for the counts and the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowOutcome {
    pub row: usize,
    pub reference: String,
    /// The engine's state code (`invalid` for a row that is not a declaration).
    pub state: String,
    pub declaration_id: Option<i64>,
    pub result: Option<String>,
    /// (code, message in the chosen language)
    pub anomalies: Vec<(String, String)>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub trace_id: Option<String>,
    /// A send was avoided: the server already held its reference (journal).
    pub duplicate_avoided: bool,
}

/// The counts of a file's rows, by what they came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: u64,
    pub accepted: u64,
    pub warning: u64,
    pub refused: u64,
    pub cancelled: u64,
    pub invalid: u64,
    pub failed: u64,
    /// Sent, its outcome not seen yet (reconciled on the next run).
    pub unknown: u64,
    /// Taken by the server, result not known yet (`sending` or `submitted`).
    pub processing: u64,
    /// Never sent (`ready`, `draft`: the run was stopped before).
    pub not_sent: u64,
}

impl Counts {
    pub fn of<'a>(states: impl IntoIterator<Item = &'a str>) -> Counts {
        let mut c = Counts::default();
        for s in states {
            c.add(s);
        }
        c
    }

    /// Counts one more row by what it came to: a row the server did not take
    /// because this sender may not send it (no mandate, no scope) is
    /// `refused`, a finding sending it again cannot change, not `failed`.
    pub fn add_outcome(&mut self, o: &RowOutcome) {
        if o.state == State::Failed.code() && o.error_code.as_deref().is_some_and(is_sender_refusal)
        {
            self.total += 1;
            self.refused += 1;
        } else {
            self.add(&o.state);
        }
    }

    /// Counts one more row, in `state` (a state's code).
    pub fn add(&mut self, state: &str) {
        let c = self;
        c.total += 1;
        match State::parse(state).map_or(RunOutcome::NotSent, State::outcome) {
            RunOutcome::Accepted => c.accepted += 1,
            RunOutcome::Warning => c.warning += 1,
            RunOutcome::Refused => c.refused += 1,
            RunOutcome::Cancelled => c.cancelled += 1,
            RunOutcome::Invalid => c.invalid += 1,
            RunOutcome::Failed => c.failed += 1,
            RunOutcome::Unknown => c.unknown += 1,
            RunOutcome::Processing => c.processing += 1,
            RunOutcome::NotSent => c.not_sent += 1,
        }
    }

    /// Rows that will not change any more in this run.
    pub fn settled(&self) -> u64 {
        self.accepted + self.warning + self.refused + self.cancelled + self.invalid + self.failed
    }
}

/// Whether an error code is the server refusing this sender for the
/// declaration (no mandate for the enterprise, no scope for the service):
/// a finding to act on (MAHIS, Chaman), never fixed by sending again.
pub fn is_sender_refusal(code: &str) -> bool {
    matches!(code, "no_mandate" | "missing_scope")
}

/// The report: one line per row of the file, in the file's order.
/// "12 rows: 11 valid, 1 invalid.", each count with its language's plural
/// ("1 valable", "2 valables"): the Bulk page and `submit --dry-run` say it so.
pub fn summary_text(lang: Lang, total: u64, valid: u64, invalid: u64) -> String {
    use crate::i18n::tr_n;
    crate::i18n::tr_args(
        lang,
        "import.summary",
        &[
            ("rows", tr_n(lang, "import.summary.rows", total, &[])),
            ("valid", tr_n(lang, "import.summary.valid", valid, &[])),
            (
                "invalid",
                tr_n(lang, "import.summary.invalid", invalid, &[]),
            ),
        ],
    )
}

pub fn report_csv(rows: &[RowOutcome]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(REPORT_HEADER)?;
    for r in rows {
        report_record(&mut w, r)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The report's columns.
pub const REPORT_HEADER: [&str; 10] = [
    "row",
    "externalReference",
    "state",
    "declarationId",
    "result",
    "anomalyCodes",
    "anomalyMessages",
    "errorCode",
    "errorMessage",
    "traceId",
];

/// One line of the report.
pub fn report_record<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    r: &RowOutcome,
) -> Result<(), csv::Error> {
    let codes: Vec<&str> = r.anomalies.iter().map(|(c, _)| c.as_str()).collect();
    let messages: Vec<String> = r
        .anomalies
        .iter()
        .map(|(c, m)| format!("{c}: {m}"))
        .collect();
    crate::files::write_csv_record(
        w,
        [
            r.row.to_string(),
            r.reference.clone(),
            r.state.clone(),
            r.declaration_id.map(|i| i.to_string()).unwrap_or_default(),
            r.result.clone().unwrap_or_default(),
            codes.join(" "),
            messages.join(" | "),
            r.error_code.clone().unwrap_or_default(),
            r.error_message.clone().unwrap_or_default(),
            r.trace_id.clone().unwrap_or_default(),
        ],
    )
}

/// What a row of a file came to, from the engine's view of it (also the Bulk page's report).
pub fn row_outcome(row: usize, r: &RowView, lang: Lang) -> RowOutcome {
    RowOutcome {
        row,
        reference: r.reference.clone(),
        state: r.state.code().to_owned(),
        declaration_id: r.server_id,
        result: r.result.map(|c| {
            match c {
                ResultCode::A => "A",
                ResultCode::W => "W",
                ResultCode::B => "B",
                ResultCode::C => "C",
            }
            .to_owned()
        }),
        anomalies: r
            .anomalies
            .iter()
            .map(|a| (a.code.clone(), anomalies::anomaly_text(a, lang).to_owned()))
            .collect(),
        error_code: r.error.as_ref().map(|e| e.code.clone()),
        error_message: r.error.as_ref().map(|e| e.text(lang)),
        trace_id: r.error.as_ref().and_then(|e| e.trace_id.clone()),
        duplicate_avoided: r.duplicate_avoided,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_each_with_its_plural_in_each_language() {
        assert_eq!(
            summary_text(Lang::Fr, 2, 1, 1),
            "2 lignes : 1 valable, 1 non valable."
        );
        assert_eq!(
            summary_text(Lang::Fr, 3, 2, 0),
            "3 lignes : 2 valables, 0 non valable."
        );
        assert_eq!(
            summary_text(Lang::Nl, 1, 1, 0),
            "1 rij: 1 geldig, 0 ongeldig."
        );
        assert_eq!(
            summary_text(Lang::En, 12, 11, 1),
            "12 rows: 11 valid, 1 invalid."
        );
    }
}
