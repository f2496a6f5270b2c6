//! The journal's records: a declaration as the engine keeps it, what is
//! written to make one, what a transition changes, and the error a row keeps
//! (said in the language of the moment).

use super::*;

/// One declaration as the engine keeps it: the journal's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: i64,
    pub state: State,
    /// The external reference, fixed before the first POST.
    pub reference: String,
    /// The enterprise number (10 digits where it could be read).
    pub enterprise: String,
    /// The server's declaration id, once taken.
    pub server_id: Option<i64>,
    /// For a correction: the server id of the declaration it corrects.
    pub correction_of: Option<i64>,
    /// What is (or was) sent, in the contract's shape. Boxed, as the form:
    /// a record a file run holds for each of a million rows stays small once
    /// they are let go (see `EngineConfig::keep_settled`).
    pub content: Option<Box<Content>>,
    /// The editor's fields as typed.
    pub form: Option<Box<DraftForm>>,
    /// The server's anomalies (or the local rules' for an `invalid` row).
    pub anomalies: Vec<Anomaly>,
    pub error: Option<RowError>,
    /// Where it came from (file and row), for a report.
    pub source: Option<String>,
    /// Fetched from the server rather than typed or imported here.
    pub remote: bool,
    /// When it last went to `sending` (Unix milliseconds).
    pub sent_at_ms: Option<i64>,
    /// A send was avoided because the server already held its reference (a
    /// 409, or found by reconciliation); kept in the journal, so a file's
    /// count survives a new run.
    pub duplicate_avoided: bool,
}

/// The last failure of a row: its code, message and the response's trace id.
/// The message is kept in every language the app speaks (a JSON object of
/// language codes in `message`), so that a failure shown before a language
/// switch follows the switch; read it with [`RowError::text`]. A message of an
/// older journal is plain text and shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub code: String,
    pub message: String,
    pub trace_id: Option<String>,
}

impl RowError {
    /// A failure whose message `say` renders in each language.
    pub fn localized(
        code: impl Into<String>,
        trace_id: Option<String>,
        say: impl Fn(Lang) -> String,
    ) -> RowError {
        let texts: serde_json::Map<String, serde_json::Value> = Lang::ALL
            .into_iter()
            .map(|lang| (lang.code().to_owned(), serde_json::Value::String(say(lang))))
            .collect();
        RowError {
            code: code.into(),
            message: serde_json::Value::Object(texts).to_string(),
            trace_id,
        }
    }

    /// The message in `lang` (English where that language is missing; a plain
    /// message of an older journal as it is).
    pub fn text(&self, lang: Lang) -> String {
        if self.message.starts_with('{') {
            if let Ok(serde_json::Value::Object(texts)) =
                serde_json::from_str::<serde_json::Value>(&self.message)
            {
                if let Some(text) = texts
                    .get(lang.code())
                    .or_else(|| texts.get(Lang::En.code()))
                    .and_then(|v| v.as_str())
                {
                    return text.to_owned();
                }
            }
        }
        self.message.clone()
    }
}

/// A journal row that cannot be read: reported, never turned into a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableRow {
    pub id: i64,
    pub detail: String,
}

impl UnreadableRow {
    pub fn code(&self) -> &'static str {
        "journal_unreadable_row"
    }

    /// What is wrong and what to do, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        tr_args(
            lang,
            "submit.engine.error.unreadable",
            &[("id", self.id.to_string()), ("detail", self.detail.clone())],
        )
    }
}

impl Record {
    /// A row not yet in the journal, in `state`: no id (the journal gives one
    /// when it is inserted), nothing from a server, no failure. The one place
    /// a new row is made; set its content, form, anomalies and source with
    /// `Record { …, ..Record::new(…) }`.
    pub fn new(state: State, reference: String, enterprise: String) -> Record {
        Record {
            id: 0,
            state,
            reference,
            enterprise,
            server_id: None,
            correction_of: None,
            content: None,
            form: None,
            anomalies: Vec::new(),
            error: None,
            source: None,
            remote: false,
            sent_at_ms: None,
            duplicate_avoided: false,
        }
    }
}

/// What a transition changes beside the state (`None`: unchanged).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub server_id: Option<i64>,
    pub anomalies: Option<Vec<Anomaly>>,
    /// `Some(None)` clears the last error.
    pub error: Option<Option<RowError>>,
    /// Sets `sent_at` (Unix milliseconds).
    pub sent_at_ms: Option<i64>,
    /// Marks the row as a send avoided (`false`: unchanged).
    pub duplicate_avoided: bool,
    /// The content the server now holds (a correction it processed).
    pub content: Option<Content>,
}
