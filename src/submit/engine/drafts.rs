//! What the Declarations page needs from the engine beside sending: the rows
//! with their forms, drafts saved as typed, deleted and duplicated, a
//! correction beside what the server holds, a cancel on the server, and a
//! fetch of the server's declarations that never overwrites an unsent edit.
//! [`DraftJournal`] offers the same draft calls on a journal before a
//! connection (and so an engine) can be made. Every call that writes runs on
//! a blocking task of the runtime, never on the caller's thread.

use std::path::Path;

use super::*;
use crate::fla::wire::{SearchRequest, StoredDeclaration};
use crate::submit::state;

/// A row and the form it shows in the editor.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftRow {
    pub view: RowView,
    pub form: DraftForm,
    /// Fetched from the server (not made here).
    pub remote: bool,
    /// When it was last sent (ms since the epoch), where it was sent from here.
    pub sent_at_ms: Option<i64>,
}

/// What a fetch from the server found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FetchSummary {
    /// Declarations the server gave.
    pub found: usize,
    /// Of those, the ones the journal did not have.
    pub new: usize,
}

/// The state a form would be checked to now (`ready` or `invalid`), as a save
/// checks it: for the page to show the state of what is being typed before
/// the save.
pub fn live_state(form: &DraftForm, today: time::Date) -> State {
    checked(form, today).0
}

/// Why a call on a draft or a row did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum DraftError {
    Engine(EngineError),
    /// The row's state does not offer this.
    NotAllowed {
        state: State,
    },
    NoSuchRow,
    /// The server did not take the request (its message, in the engine's language, with its trace id).
    Api {
        code: String,
        message: String,
    },
}

impl DraftError {
    pub fn code(&self) -> &str {
        match self {
            DraftError::Engine(e) => e.code(),
            DraftError::NotAllowed { .. } => "not_allowed",
            DraftError::NoSuchRow => "no_such_row",
            DraftError::Api { code, .. } => code,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            DraftError::Engine(e) => e.message(lang),
            DraftError::NotAllowed { state } => tr_args(
                lang,
                "submit.drafts.error.not_allowed",
                &[(
                    "state",
                    crate::i18n::tr(lang, &format!("state.{}", state.code())),
                )],
            ),
            DraftError::NoSuchRow => tr_args(lang, "submit.drafts.error.no_such_row", &[]),
            DraftError::Api { message, .. } => message.clone(),
        }
    }

    fn api(e: &ApiError, lang: Lang) -> DraftError {
        DraftError::Api {
            code: e.code(),
            message: e.message_with_trace(lang),
        }
    }
}

impl From<EngineError> for DraftError {
    fn from(e: EngineError) -> Self {
        DraftError::Engine(e)
    }
}

impl From<JournalError> for DraftError {
    fn from(e: JournalError) -> Self {
        DraftError::Engine(EngineError::Journal(e))
    }
}

fn joined<T>(r: Result<Result<T, DraftError>, tokio::task::JoinError>) -> Result<T, DraftError> {
    r.map_err(|e| {
        DraftError::Engine(EngineError::Task {
            detail: e.to_string(),
        })
    })?
}

/// The form a record shows: as typed, or made from its content.
fn form_of(rec: &Record) -> DraftForm {
    rec.form
        .as_deref()
        .cloned()
        .or_else(|| {
            rec.content
                .as_deref()
                .and_then(Content::fla)
                .map(DraftForm::from_declaration)
        })
        .unwrap_or_default()
}

fn view_of(rec: &Record, watching: bool) -> RowView {
    RowView {
        id: rec.id,
        state: rec.state,
        reference: rec.reference.clone(),
        enterprise: rec.enterprise.clone(),
        server_id: rec.server_id,
        correction_of: rec.correction_of,
        result: rec.state.result(),
        anomalies: rec.anomalies.clone(),
        error: rec.error.clone(),
        source: rec.source.clone(),
        watching,
        duplicate_avoided: rec.duplicate_avoided,
    }
}

/// What a watcher of a run needs (the app's set-up notices and its log):
/// the rows per state and the failures it has not seen, read where the rows
/// are kept without copying their forms (cheap enough for every change of a
/// big run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activity {
    pub counts: BTreeMap<State, usize>,
    /// Rows with a failure that `is_new` let through, oldest row first.
    pub failures: Vec<Failure>,
}

impl Activity {
    /// The rows per state and every row's failure, oldest row first.
    pub fn of(rows: &[DraftRow]) -> Activity {
        let mut out = Activity::default();
        for row in rows.iter().map(|r| &r.view) {
            *out.counts.entry(row.state).or_insert(0) += 1;
            if let Some(error) = &row.error {
                out.failures.push(Failure {
                    id: row.id,
                    reference: row.reference.clone(),
                    error: error.clone(),
                });
            }
        }
        out
    }

    /// Rows the server accepted (with or without warnings).
    pub fn accepted(&self) -> usize {
        self.counts
            .iter()
            .filter(|(s, _)| s.is_accepted())
            .map(|(_, n)| n)
            .sum()
    }
}

/// A row's failure, for a log line.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub id: RowId,
    pub reference: String,
    pub error: RowError,
}

fn draft_row(rec: &Record, watching: bool) -> DraftRow {
    DraftRow {
        view: view_of(rec, watching),
        form: form_of(rec),
        remote: rec.remote,
        sent_at_ms: rec.sent_at_ms,
    }
}

/// The state a form's content is checked to: `draft` while it is being
/// filled in (a required field empty, none typed wrong), `ready`, or
/// `invalid` (a field that cannot be read, or a blocking rule, with the
/// rules' anomalies). An empty reference is no reason: one is generated when
/// it is sent.
fn checked(form: &DraftForm, today: time::Date) -> (State, Option<Declaration>, Vec<Anomaly>) {
    if form.being_filled_in() {
        return (State::Draft, form.to_declaration().ok(), Vec::new());
    }
    let Ok(d) = form.to_declaration() else {
        return (State::Invalid, None, Vec::new());
    };
    let mut probe = d.clone();
    if probe.external_reference.trim().is_empty() {
        probe.external_reference = "FLA-CHECK".into();
    }
    let found = rules::check(&probe, today);
    if rules::is_refused(&found) {
        let anomalies = found
            .iter()
            .filter(|a| a.blocking)
            .map(|a| a.to_wire())
            .collect();
        (State::Invalid, Some(d), anomalies)
    } else {
        (State::Ready, Some(d), Vec::new())
    }
}

/// A new draft row (not checked yet), written to the journal.
fn insert_draft(journal: &Journal, form: DraftForm) -> Result<Record, JournalError> {
    let id = journal.save_form(None, &form, State::Draft)?;
    let new = Record::new(
        State::Draft,
        form.reference.trim().to_owned(),
        normalised_enterprise(&form.enterprise),
    );
    Ok(Record {
        id,
        content: form
            .to_declaration()
            .ok()
            .map(|d| Box::new(Content::Fla(d))),
        form: Some(Box::new(form)),
        ..new
    })
}

/// Writes an edited form and the state it is checked to; `rec` follows.
fn store_form(
    journal: &mut Journal,
    rec: &mut Record,
    form: DraftForm,
    today: time::Date,
) -> Result<(), DraftError> {
    if !state::actions(rec.state).contains(&state::Action::Edit) {
        return Err(DraftError::NotAllowed { state: rec.state });
    }
    let (to, content, anomalies) = checked(&form, today);
    // `save_form` writes the fields and marks the row a draft; the check's
    // outcome is then one transition like any other.
    journal.save_form(Some(rec.id), &form, State::Draft)?;
    let changes = Changes {
        anomalies: Some(anomalies.clone()),
        error: Some(None),
        ..Changes::default()
    };
    journal.transition(rec.id, State::Draft, to, &changes, "edited and checked")?;
    rec.state = to;
    rec.reference = form.reference.trim().to_owned();
    rec.enterprise = normalised_enterprise(&form.enterprise);
    rec.content = content.map(|d| Box::new(Content::Fla(d)));
    rec.form = Some(Box::new(form));
    rec.anomalies = anomalies;
    rec.error = None;
    Ok(())
}

/// The same training for another worker: worker and reference cleared.
fn duplicate_form(rec: &Record) -> DraftForm {
    DraftForm {
        reference: String::new(),
        ssin: String::new(),
        ..form_of(rec)
    }
}

fn offers(rec: &Record, action: state::Action) -> bool {
    state::actions(rec.state).contains(&action)
}

/// An edit of one row by a drafts' call (see [`Inner::edit`]).
struct Edit {
    id: RowId,
    /// A send queued before the edit is queued again after it.
    keep_send: bool,
    /// Whether the row's state (and content) offers the edit.
    allowed: fn(&Record) -> bool,
}

impl Inner {
    /// Edits a row with the journal written while the rows' lock is let go:
    /// the row is checked (`allowed`) and taken out of the sender's reach
    /// (no poll watches a row a drafts' call may edit) for the time of the
    /// edit; `write` writes the journal and changes a copy of the row;
    /// `finish` takes the copy in, the rows' lock held again. The journal's
    /// failure changes nothing in memory.
    fn edit<T>(
        &self,
        journal: &mut Journal,
        edit: Edit,
        write: impl FnOnce(&mut Journal, &mut Record) -> Result<T, DraftError>,
        finish: impl FnOnce(&mut St, Record),
    ) -> Result<T, DraftError> {
        let Edit {
            id,
            keep_send,
            allowed,
        } = edit;
        let mut rec = {
            let mut st = lock(&self.st);
            let rec = st
                .rows
                .get(&id)
                .map(|r| r.rec.clone())
                .ok_or(DraftError::NoSuchRow)?;
            if !allowed(&rec) {
                return Err(DraftError::NotAllowed { state: rec.state });
            }
            st.begin_edit(id, keep_send);
            rec
        };
        // What the engine staged for the row before it was taken goes first.
        let out = self
            .flush_now(journal)
            .map_err(DraftError::from)
            .and_then(|()| write(journal, &mut rec));
        let mut st = lock(&self.st);
        if out.is_ok() {
            finish(&mut st, rec);
        }
        let wake = st.end_edit(id);
        drop(st);
        if wake {
            self.wake.notify_one();
        }
        out
    }
}

impl Engine {
    /// The version `subscribe` carries now (cheap: to tell whether to read again).
    pub fn version(&self) -> u64 {
        *self.inner.changed.borrow()
    }

    /// Every row with its form, oldest first (from memory, never SQLite).
    pub fn rows_with_forms(&self) -> Vec<DraftRow> {
        let st = lock(&self.inner.st);
        st.rows
            .values()
            .map(|row| draft_row(&row.rec, row.watch.is_some()))
            .collect()
    }

    /// Rows queued and not yet taken for sending.
    pub fn queued_rows(&self) -> Vec<RowId> {
        lock(&self.inner.st).queue.iter().copied().collect()
    }

    /// Runs `work` on a blocking task with the journal (what the engine has
    /// staged written first), one drafts' call or one add at a time, then
    /// tells the subscribers. The rows' lock is never held across the
    /// journal: `work` takes it for moments (see [`Engine::edit`]).
    async fn with_journal<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner, &mut Journal) -> Result<T, DraftError> + Send + 'static,
    ) -> Result<T, DraftError> {
        let inner = self.inner.clone();
        let out = joined(
            tokio::task::spawn_blocking(move || {
                let _adding = lock(&inner.adding);
                let mut journal = lock(&inner.journal);
                inner.flush_now(&mut journal)?;
                work(&inner, &mut journal)
            })
            .await,
        );
        self.inner.bump();
        out
    }

    /// A new draft (not checked yet); its id.
    pub async fn new_draft(&self, form: DraftForm) -> Result<RowId, DraftError> {
        self.with_journal(move |inner, journal| {
            let rec = insert_draft(journal, form)?;
            let id = rec.id;
            lock(&inner.st).hold(rec);
            Ok(id)
        })
        .await
    }

    /// New drafts, each checked at once (`ready` or `invalid`): one
    /// declaration per worker of the same training. Their ids, in order.
    pub async fn new_checked(&self, forms: Vec<DraftForm>) -> Result<Vec<RowId>, DraftError> {
        self.with_journal(move |inner, journal| {
            let today = client::today(&inner.client().tokens.clock);
            let mut ids = Vec::new();
            for form in forms {
                let mut rec = insert_draft(journal, form.clone())?;
                store_form(journal, &mut rec, form, today)?;
                ids.push(rec.id);
                lock(&inner.st).hold(rec);
            }
            Ok(ids)
        })
        .await
    }

    /// Saves a draft's form as typed and checks it (`ready` or `invalid`);
    /// only rows whose state offers `Edit`. A row queued with its old content
    /// is no longer what the user wants sent: it leaves the queue.
    pub async fn save_draft(&self, id: RowId, form: DraftForm) -> Result<State, DraftError> {
        self.with_journal(move |inner, journal| {
            let today = client::today(&inner.client().tokens.clock);
            let edit = Edit {
                id,
                keep_send: false,
                allowed: |rec| offers(rec, state::Action::Edit),
            };
            inner.edit(
                journal,
                edit,
                |journal, rec| {
                    store_form(journal, rec, form, today)?;
                    Ok(rec.state)
                },
                St::replace,
            )
        })
        .await
    }

    /// Removes a row the server never held (its state offers `Delete`).
    pub async fn delete_draft(&self, id: RowId) -> Result<(), DraftError> {
        self.with_journal(move |inner, journal| {
            let edit = Edit {
                id,
                keep_send: false,
                allowed: |rec| offers(rec, state::Action::Delete),
            };
            inner.edit(
                journal,
                edit,
                |journal, _| Ok(journal.delete(id)?),
                |st, rec| {
                    st.forget_reference(&rec);
                    st.set_watch(id, None);
                    st.rows.remove(&id);
                },
            )
        })
        .await
    }

    /// A new draft with the same training for another worker (worker and
    /// reference cleared); its id.
    pub async fn duplicate(&self, id: RowId) -> Result<RowId, DraftError> {
        self.with_journal(move |inner, journal| {
            let form = lock(&inner.st)
                .rows
                .get(&id)
                .map(|r| duplicate_form(&r.rec))
                .ok_or(DraftError::NoSuchRow)?;
            let rec = insert_draft(journal, form)?;
            let new = rec.id;
            lock(&inner.st).hold(rec);
            Ok(new)
        })
        .await
    }

    /// A correction of what the server holds in row `id` (its state offers
    /// `Correct`): the unsent correction already beside it, or a new one with
    /// the same content, to edit and send (a `PUT`).
    pub async fn correct(&self, id: RowId) -> Result<RowId, DraftError> {
        let (server_id, content, existing) = {
            let st = lock(&self.inner.st);
            let rec = &st.rows.get(&id).ok_or(DraftError::NoSuchRow)?.rec;
            let allowed = state::actions(rec.state).contains(&state::Action::Correct);
            let content = rec.content.as_deref().and_then(Content::fla).cloned();
            let (true, Some(sid), Some(content)) = (allowed, rec.server_id, content) else {
                return Err(DraftError::NotAllowed { state: rec.state });
            };
            let existing = st
                .rows
                .values()
                .find(|r| {
                    r.rec.correction_of == Some(sid)
                        && state::actions(r.rec.state).contains(&state::Action::Edit)
                })
                .map(|r| r.rec.id);
            (sid, content, existing)
        };
        if let Some(existing) = existing {
            return Ok(existing);
        }
        Ok(self.add_correction(server_id, content, None).await?)
    }

    /// Sends rows as `send` does, after giving a reference to those that have
    /// none (generated once, stored before anything is sent).
    pub async fn submit(&self, ids: Vec<RowId>) -> Result<SendSummary, DraftError> {
        let engine = self.clone();
        let list = ids.clone();
        self.with_journal(move |inner, journal| {
            for id in list {
                let edit = Edit {
                    id,
                    keep_send: true,
                    // Only where the row has no reference and can be sent.
                    allowed: |rec| {
                        rec.reference.is_empty() && next(rec.state, Event::Send).is_some()
                    },
                };
                let named = inner.edit(
                    journal,
                    edit,
                    |journal, rec| {
                        let reference = new_reference();
                        let mut form = form_of(rec);
                        form.reference = reference.clone();
                        journal.save_form(Some(id), &form, State::Draft)?;
                        journal.transition(
                            id,
                            State::Draft,
                            rec.state,
                            &Changes::default(),
                            "reference generated",
                        )?;
                        if let Some(Content::Fla(d)) = rec.content.as_deref_mut() {
                            d.external_reference = reference.clone();
                        }
                        rec.reference = reference;
                        rec.form = Some(Box::new(form));
                        Ok(())
                    },
                    St::replace,
                );
                match named {
                    // `send` says why such a row is skipped.
                    Ok(()) | Err(DraftError::NotAllowed { .. } | DraftError::NoSuchRow) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
        .await?;
        Ok(engine.send(&ids))
    }

    /// Asks the server to cancel what it holds in row `id` (a `DELETE`); the
    /// row is then `submitted` until the result `C` comes back.
    pub async fn cancel_on_server(&self, id: RowId) -> Result<(), DraftError> {
        let server_id = {
            let st = lock(&self.inner.st);
            let rec = &st.rows.get(&id).ok_or(DraftError::NoSuchRow)?.rec;
            match rec.server_id {
                Some(sid) if state::actions(rec.state).contains(&state::Action::Cancel) => sid,
                _ => return Err(DraftError::NotAllowed { state: rec.state }),
            }
        };
        let lang = self.inner.lang();
        let answer = {
            let _slot = self.inner.pace.slot().await;
            self.inner.client().cancel(server_id).await
        };
        let poll_first = self.inner.config.poll.first;
        let inner = self.inner.clone();
        let out = joined(
            tokio::task::spawn_blocking(move || {
                // After a fetch that may be refreshing the row.
                let _adding = lock(&inner.adding);
                match answer {
                    Ok(()) => {
                        let changes = Changes {
                            error: Some(None),
                            ..Changes::default()
                        };
                        let taken = inner.apply_or_note(
                            &mut lock(&inner.st),
                            id,
                            Event::CancelTaken,
                            changes,
                            "cancel taken",
                        );
                        inner.flush_now(&mut lock(&inner.journal))?;
                        if taken.is_some() {
                            lock(&inner.st).watch_from(id, Instant::now(), poll_first);
                        }
                        Ok(())
                    }
                    Err(e) => {
                        if let Some(row) = lock(&inner.st).rows.get_mut(&id) {
                            row.rec.error = Some(row_error(&e, lang));
                        }
                        Err(DraftError::api(&e, lang))
                    }
                }
            })
            .await,
        );
        self.inner.bump();
        out
    }

    /// Brings the server's declarations for `filters` into the journal: what
    /// the server holds is added or refreshed; a draft or a correction being
    /// edited is never touched, nor a row whose request is still out. How
    /// many declarations the server gave, and how many were new here.
    pub async fn fetch(&self, filters: SearchRequest) -> Result<FetchSummary, DraftError> {
        let lang = self.inner.lang();
        let items = self
            .inner
            .client()
            .search_all(&filters)
            .await
            .map_err(|e| DraftError::api(&e, lang))?;
        let found = items.len();
        self.with_journal(move |inner, journal| {
            // What to do with each, the rows' lock held: a row of ours is
            // refreshed (and taken from the polls and the sender meanwhile),
            // a declaration not held here is new.
            let mut refresh = Vec::new();
            let mut fresh = Vec::new();
            let mut seen = HashSet::new();
            {
                let mut st = lock(&inner.st);
                for item in items {
                    let sid = item.declaration_status.declaration_id;
                    let held = st
                        .rows
                        .values()
                        .find(|r| r.rec.server_id == Some(sid) && r.rec.correction_of.is_none())
                        .map(|r| (r.rec.id, r.rec.state));
                    match held {
                        Some((id, state)) if state == State::Submitted || state.is_result() => {
                            st.set_watch(id, None);
                            st.begin_edit(id, false);
                            refresh.push((id, item));
                        }
                        // A request still out: the engine finds its result itself.
                        Some(_) => {}
                        None => {
                            let enterprise =
                                normalised_enterprise(&item.declaration.employer.enterprise_number);
                            let reference = item.declaration.external_reference.trim();
                            let unanswered = st
                                .by_reference
                                .get(&key(&enterprise, reference))
                                .and_then(|other| st.rows.get(other))
                                .is_some_and(|r| r.rec.server_id.is_none());
                            // Our own row whose answer was not seen: reconciling
                            // adopts it. A declaration the server gave twice is one.
                            if !unanswered && seen.insert(sid) {
                                fresh.push(item);
                            }
                        }
                    }
                }
            }
            // The journal, the rows' lock let go.
            let marked: Vec<RowId> = refresh.iter().map(|(id, _)| *id).collect();
            let mut failure = None;
            let mut refreshed = Vec::new();
            for (id, item) in refresh.iter() {
                if let Err(e) = journal.upsert_remote(item) {
                    failure = Some(e);
                    break;
                }
                refreshed.push(*id);
            }
            let mut new = Vec::new();
            if failure.is_none() {
                for item in fresh {
                    match journal.upsert_remote(&item) {
                        Ok(id) => new.push(remote_record(id, item)),
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
            }
            let mut st = lock(&inner.st);
            for (id, item) in refresh.into_iter().take(refreshed.len()) {
                if let Some(row) = st.rows.get_mut(&id) {
                    let rec = &mut row.rec;
                    rec.state = State::of_result(item.declaration_status.result);
                    rec.form = Some(Box::new(DraftForm::from_declaration(&item.declaration)));
                    rec.content = Some(Box::new(Content::Fla(item.declaration)));
                    rec.anomalies = item.declaration_status.anomalies;
                    rec.error = None;
                }
            }
            let added = new.len();
            for rec in new {
                st.hold(rec);
            }
            for id in marked {
                st.end_edit(id);
            }
            failure.map_or(Ok(FetchSummary { found, new: added }), |e| Err(e.into()))
        })
        .await
    }
}

/// The row of a declaration fetched from the server (`id` in the journal).
fn remote_record(id: RowId, item: StoredDeclaration) -> Record {
    let enterprise = normalised_enterprise(&item.declaration.employer.enterprise_number);
    let reference = item.declaration.external_reference.trim().to_owned();
    let to = State::of_result(item.declaration_status.result);
    Record {
        id,
        server_id: Some(item.declaration_status.declaration_id),
        form: Some(Box::new(DraftForm::from_declaration(&item.declaration))),
        content: Some(Box::new(Content::Fla(item.declaration))),
        anomalies: item.declaration_status.anomalies,
        remote: true,
        ..Record::new(to, reference, enterprise)
    }
}

mod offline;
pub use offline::DraftJournal;

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> DraftForm {
        DraftForm {
            reference: "R-1".into(),
            enterprise: "0403170701".into(),
            ssin: "85073003328".into(),
            name: "Excel".into(),
            start: "2025-03-03".into(),
            end: "2025-03-04".into(),
            duration: "14".into(),
            ..DraftForm::default()
        }
    }

    #[test]
    fn a_form_is_checked_to_ready_or_invalid_and_an_empty_reference_is_no_reason() {
        let today = time::macros::date!(2025 - 06 - 01);
        assert_eq!(checked(&form(), today).0, State::Ready);
        let no_reference = DraftForm {
            reference: String::new(),
            ..form()
        };
        assert_eq!(checked(&no_reference, today).0, State::Ready);
        let bad = DraftForm {
            ssin: "85073003329".into(),
            ..form()
        };
        let (state, content, anomalies) = checked(&bad, today);
        assert_eq!(state, State::Invalid);
        assert!(content.is_some());
        assert!(!anomalies.is_empty());
        let unreadable = DraftForm {
            start: "2025-03".into(),
            ..form()
        };
        assert_eq!(checked(&unreadable, today).0, State::Invalid);
    }

    #[test]
    fn a_duplicate_keeps_the_training_and_clears_the_worker_and_the_reference() {
        let rec = Record {
            id: 1,
            server_id: Some(5),
            form: Some(Box::new(form())),
            ..Record::new(State::Accepted, "R-1".into(), "0403170701".into())
        };
        let copy = duplicate_form(&rec);
        assert_eq!(copy.ssin, "");
        assert_eq!(copy.reference, "");
        assert_eq!(
            DraftForm {
                ssin: form().ssin,
                reference: form().reference,
                ..copy
            },
            form()
        );
    }
}
