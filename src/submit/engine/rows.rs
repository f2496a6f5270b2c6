//! The engine's rows in memory: each row's record, its digest and what the
//! engine watches it for, and the state every task shares under one lock
//! (`St`): the queue, the indexes by reference and server id, the counts of
//! work under way.

use super::*;

/// When the engine next asks the server about a row.
#[derive(Debug, Clone, Copy)]
pub(super) struct Watch {
    pub(super) since: Instant,
    pub(super) next: Instant,
    pub(super) busy: bool,
}

pub(super) struct Row {
    pub(super) rec: Record,
    pub(super) watch: Option<Watch>,
    /// Its last transition (by `St::staged`): the engine asks the server
    /// nothing about it before the journal holds it.
    pub(super) ticket: u64,
    /// Searches by reference made for it in this run (an `unknown` row).
    pub(super) searches: u32,
    /// The digest of its declaration once the declaration is let go (see
    /// `EngineConfig::keep_settled`).
    pub(super) digest: Option<[u8; 16]>,
}

impl Row {
    /// The digest of what the row declares (`content_digest`), where known.
    pub(super) fn digest(&self) -> Option<[u8; 16]> {
        self.rec
            .content
            .as_deref()
            .map(Content::digest)
            .or(self.digest)
    }

    /// Lets a row's declaration go once the server holds it (or it is held
    /// back as invalid), keeping its digest (a lean engine): only a row that
    /// may still be sent needs what it sends.
    pub(super) fn let_content_go(&mut self) {
        if self.rec.state.is_result() || matches!(self.rec.state, State::Invalid | State::Submitted)
        {
            if let Some(content) = self.rec.content.take() {
                self.digest = Some(content.digest());
            }
            self.rec.form = None;
        }
    }
}

#[derive(Default)]
pub(super) struct St {
    // Boxed: a B-tree filled in order leaves its nodes half empty, and a
    // million rows of a file run would pay for the empty half.
    pub(super) rows: BTreeMap<RowId, Box<Row>>,
    /// By (enterprise, reference), as a 16-byte digest: a million rows'
    /// index holds no copy of their strings.
    pub(super) by_reference: HashMap<Digest, RowId>,
    /// Rows held back because their reference is another row's with other
    /// content, by (enterprise, reference, content): the same row read again
    /// is the same held-back row.
    pub(super) conflicts: HashMap<(String, String, [u8; 16]), RowId>,
    /// Settled rows let their declaration go (`!EngineConfig::keep_settled`).
    pub(super) lean: bool,
    pub(super) queue: VecDeque<RowId>,
    pub(super) queued: HashSet<RowId>,
    pub(super) in_flight: usize,
    pub(super) jobs: usize,
    /// Enterprises with a poll running: one at a time each.
    pub(super) polling: HashSet<String>,
    /// The rows being watched (a `watch` set): a poll looks through these,
    /// not through every row of a million-row run.
    pub(super) watching: BTreeSet<RowId>,
    /// Per enterprise, the server ids of its rows: how many declarations a
    /// search between two ids reads, without looking through every row.
    pub(super) server_ids: HashMap<String, BTreeSet<i64>>,
    /// The watched rows by server id: where a search's result goes.
    pub(super) watched_sids: HashMap<i64, RowId>,
    pub(super) paused: bool,
    pub(super) cancelled: bool,
    /// An engine task panicked (a bug): what it held stays as the journal has
    /// it, and a command ends with `internal`.
    pub(super) broken: bool,
    pub(super) unreadable: Vec<UnreadableRow>,
    /// Transitions made so far (the last one's number).
    pub(super) staged: u64,
    /// Per enterprise: where its search may start again.
    pub(super) resume: HashMap<String, Resume>,
    /// Rows a drafts' call is writing to the journal without the rows' lock
    /// (see `Engine::edit`): the sender and the polls leave them alone. The
    /// value says whether a send was asked meanwhile (it is queued after).
    pub(super) editing: HashMap<RowId, bool>,
}

impl St {
    /// Indexes a row by enterprise and reference (not a correction, which
    /// shares its original's reference; not a row without one yet).
    pub(super) fn note_reference(&mut self, rec: &Record) {
        if rec.correction_of.is_none() && !rec.reference.is_empty() {
            self.by_reference
                .entry(key(&rec.enterprise, &rec.reference))
                .or_insert(rec.id);
        }
    }

    pub(super) fn note_server_id(&mut self, enterprise: &str, sid: i64) {
        match self.server_ids.get_mut(enterprise) {
            Some(ids) => {
                ids.insert(sid);
            }
            None => {
                self.server_ids
                    .insert(enterprise.to_owned(), BTreeSet::from([sid]));
            }
        }
    }

    /// Takes a row the journal now holds into memory, indexed by reference.
    /// A form that is just its content's (a row of a file, or fetched) is not
    /// kept beside it: it is made again when shown (`form_of`), so ten
    /// thousand rows of a file cost one copy of each declaration, not two.
    pub(super) fn hold(&mut self, mut rec: Record) {
        if let (Some(form), Some(Content::Fla(content))) = (&rec.form, rec.content.as_deref()) {
            if **form == DraftForm::from_declaration(content) {
                rec.form = None;
            }
        }
        if rec.state == State::Invalid && rec.anomalies.iter().any(|a| a.code == REFERENCE_CONFLICT)
        {
            if let Some(content) = &rec.content {
                self.conflicts.insert(
                    (
                        rec.enterprise.clone(),
                        rec.reference.clone(),
                        content.digest(),
                    ),
                    rec.id,
                );
            }
        }
        self.note_reference(&rec);
        if let Some(sid) = rec.server_id {
            self.note_server_id(&rec.enterprise, sid);
        }
        let id = rec.id;
        self.rows.insert(
            id,
            Box::new(Row {
                rec,
                watch: None,
                ticket: 0,
                searches: 0,
                digest: None,
            }),
        );
        if self.lean {
            if let Some(row) = self.rows.get_mut(&id) {
                row.let_content_go();
            }
        }
    }

    /// Asks the server about row `id` again `after` from `now`, counted from
    /// when the engine began watching it.
    /// Starts watching row `id`: first asked `after` from `now`.
    pub(super) fn watch_from(&mut self, id: RowId, now: Instant, after: Duration) {
        self.set_watch(
            id,
            Some(Watch {
                since: now,
                next: now + after,
                busy: false,
            }),
        );
    }

    pub(super) fn watch_again(&mut self, id: RowId, now: Instant, after: Duration) {
        let since = self
            .rows
            .get(&id)
            .and_then(|r| r.watch)
            .map_or(now, |w| w.since);
        self.set_watch(
            id,
            Some(Watch {
                since,
                next: now + after,
                busy: false,
            }),
        );
    }

    /// Row `id` is being edited: out of the queue (queued with its old
    /// content, it is no longer what the user wants sent, unless `keep_send`:
    /// then it is queued again when the edit ends), and out of the sender's
    /// reach until then.
    pub(super) fn begin_edit(&mut self, id: RowId, keep_send: bool) {
        let queued = self.queued.remove(&id);
        if queued {
            self.queue.retain(|q| *q != id);
        }
        self.editing.insert(id, keep_send && queued);
    }

    /// The edit of row `id` is over: a send asked meanwhile is queued now
    /// (whether the sender must be woken).
    pub(super) fn end_edit(&mut self, id: RowId) -> bool {
        let asked = self.editing.remove(&id) == Some(true);
        asked && !self.cancelled && self.ask_send(id).is_ok()
    }

    /// Queues row `id` for sending, or says why not. A row being edited is
    /// queued as its edit ends, if it can be sent then.
    pub(super) fn ask_send(&mut self, id: RowId) -> Result<(), Skip> {
        if let Some(asked) = self.editing.get_mut(&id) {
            *asked = true;
            return Ok(());
        }
        let row = self.rows.get(&id).ok_or(Skip::NoSuchRow)?;
        let state = row.rec.state;
        let k = (row.rec.correction_of.is_none() && !row.rec.reference.is_empty())
            .then(|| key(&row.rec.enterprise, &row.rec.reference));
        let taken_by = k
            .as_ref()
            .and_then(|k| self.by_reference.get(k))
            .copied()
            .filter(|&holder| holder != id);
        if next(state, Event::Send).is_none() {
            return Err(Skip::State(state));
        }
        if let Some(holder) = taken_by {
            return Err(Skip::ReferenceTaken(holder));
        }
        if !self.queued.insert(id) {
            return Err(Skip::AlreadyQueued);
        }
        if let Some(k) = k {
            self.by_reference.insert(k, id);
        }
        self.queue.push_back(id);
        Ok(())
    }

    pub(super) fn forget_reference(&mut self, rec: &Record) {
        let k = key(&rec.enterprise, &rec.reference);
        if self.by_reference.get(&k) == Some(&rec.id) {
            self.by_reference.remove(&k);
        }
    }

    /// Row `rec.id` is now `rec` (an edit's outcome): its reference indexed
    /// anew.
    pub(super) fn replace(&mut self, rec: Record) {
        if let Some(old) = self.rows.get(&rec.id).map(|r| r.rec.clone()) {
            self.forget_reference(&old);
        }
        self.note_reference(&rec);
        if let Some(row) = self.rows.get_mut(&rec.id) {
            row.rec = rec;
        }
    }

    pub(super) fn set_watch(&mut self, id: RowId, watch: Option<Watch>) {
        if let Some(row) = self.rows.get_mut(&id) {
            if watch.is_some() {
                self.watching.insert(id);
                if let Some(sid) = row.rec.server_id {
                    self.watched_sids.insert(sid, id);
                }
            } else {
                self.watching.remove(&id);
                if let Some(sid) = row.rec.server_id {
                    if self.watched_sids.get(&sid) == Some(&id) {
                        self.watched_sids.remove(&sid);
                    }
                }
            }
            row.watch = watch;
        }
    }

    /// The rows being watched (see `watching`).
    pub(super) fn watched_rows(&self) -> impl Iterator<Item = &Row> {
        self.watching
            .iter()
            .filter_map(|id| self.rows.get(id).map(|r| &**r))
    }

    pub(super) fn idle(&self) -> bool {
        self.broken
            || (self.in_flight == 0
                && (self.paused
                    || (self.queue.is_empty() && self.jobs == 0 && self.watching.is_empty())))
    }
}
