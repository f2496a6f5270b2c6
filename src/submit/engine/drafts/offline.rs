//! The journal without an engine (no connection yet): the same draft calls
//! as the engine's, on the journal alone; nothing is sent.

use super::*;

/// The journal without an engine (no connection yet): drafts can be listed,
/// typed, deleted and duplicated; nothing is sent. Drop it before an engine
/// opens the same journal.
pub struct DraftJournal {
    journal: Mutex<Journal>,
    rows: Mutex<BTreeMap<RowId, Record>>,
    unreadable: Vec<UnreadableRow>,
    changed: watch::Sender<u64>,
}

impl DraftJournal {
    pub async fn open(path: &Path, who: &OpenAs) -> Result<Arc<DraftJournal>, DraftError> {
        let path = path.to_owned();
        let who = who.clone();
        joined(
            tokio::task::spawn_blocking(move || {
                let journal = Journal::open_as(&path, &who)?;
                let (records, unreadable) = journal.records()?;
                let (changed, _) = watch::channel(0);
                Ok(Arc::new(DraftJournal {
                    journal: Mutex::new(journal),
                    rows: Mutex::new(records.into_iter().map(|r| (r.id, r)).collect()),
                    unreadable,
                    changed,
                }))
            })
            .await,
        )
    }

    pub fn version(&self) -> u64 {
        *self.changed.borrow()
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub fn unreadable(&self) -> &[UnreadableRow] {
        &self.unreadable
    }

    pub fn rows_with_forms(&self) -> Vec<DraftRow> {
        lock(&self.rows)
            .values()
            .map(|rec| draft_row(rec, false))
            .collect()
    }

    /// Runs `work` on a blocking task with the journal (one call at a time:
    /// its lock is taken first), then tells the subscribers. The rows' lock
    /// is taken for moments, never across the journal.
    async fn with_journal<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Self, &mut Journal) -> Result<T, DraftError> + Send + 'static,
    ) -> Result<T, DraftError> {
        let this = self.clone();
        let out = joined(
            tokio::task::spawn_blocking(move || {
                let mut journal = lock(&this.journal);
                work(&this, &mut journal)
            })
            .await,
        );
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
        out
    }

    /// A copy of row `id`.
    fn row(&self, id: RowId) -> Result<Record, DraftError> {
        lock(&self.rows)
            .get(&id)
            .cloned()
            .ok_or(DraftError::NoSuchRow)
    }

    fn hold(&self, rec: Record) {
        lock(&self.rows).insert(rec.id, rec);
    }

    pub async fn new_draft(self: &Arc<Self>, form: DraftForm) -> Result<RowId, DraftError> {
        self.with_journal(move |this, journal| {
            let rec = insert_draft(journal, form)?;
            let id = rec.id;
            this.hold(rec);
            Ok(id)
        })
        .await
    }

    /// New drafts, each checked at once (as [`Engine::new_checked`]).
    pub async fn new_checked(
        self: &Arc<Self>,
        forms: Vec<DraftForm>,
    ) -> Result<Vec<RowId>, DraftError> {
        let today = crate::today::brussels_date(time::OffsetDateTime::now_utc());
        self.with_journal(move |this, journal| {
            let mut ids = Vec::new();
            for form in forms {
                let mut rec = insert_draft(journal, form.clone())?;
                store_form(journal, &mut rec, form, today)?;
                ids.push(rec.id);
                this.hold(rec);
            }
            Ok(ids)
        })
        .await
    }

    pub async fn save_draft(
        self: &Arc<Self>,
        id: RowId,
        form: DraftForm,
    ) -> Result<State, DraftError> {
        let today = crate::today::brussels_date(time::OffsetDateTime::now_utc());
        self.with_journal(move |this, journal| {
            let mut rec = this.row(id)?;
            store_form(journal, &mut rec, form, today)?;
            let state = rec.state;
            this.hold(rec);
            Ok(state)
        })
        .await
    }

    pub async fn delete_draft(self: &Arc<Self>, id: RowId) -> Result<(), DraftError> {
        self.with_journal(move |this, journal| {
            let rec = this.row(id)?;
            if !offers(&rec, state::Action::Delete) {
                return Err(DraftError::NotAllowed { state: rec.state });
            }
            journal.delete(id)?;
            lock(&this.rows).remove(&id);
            Ok(())
        })
        .await
    }

    pub async fn duplicate(self: &Arc<Self>, id: RowId) -> Result<RowId, DraftError> {
        self.with_journal(move |this, journal| {
            let form = duplicate_form(&this.row(id)?);
            let rec = insert_draft(journal, form)?;
            let new = rec.id;
            this.hold(rec);
            Ok(new)
        })
        .await
    }
}
