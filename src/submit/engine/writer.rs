//! The engine's memory and its journal: a transition made in memory and
//! handed to the writer, which commits them in batches on a blocking task;
//! rows added a slice at a time.

use super::*;

impl Inner {
    /// One transition of row `id`, made in memory and handed to the journal's
    /// writer (see [`Inner::write_loop`]); `None` where the table does not
    /// allow it (nothing changes). The row's `ticket` says which commit the
    /// engine waits for before its next network step.
    pub(super) fn apply_or_note(
        &self,
        st: &mut St,
        id: RowId,
        event: Event,
        changes: Changes,
        detail: &str,
    ) -> Option<State> {
        let row = st.rows.get_mut(&id)?;
        let from = row.rec.state;
        let to = next(from, event)?;
        st.staged += 1;
        let seq = st.staged;
        let row = st.rows.get_mut(&id)?;
        row.ticket = seq;
        let rec = &mut row.rec;
        rec.state = to;
        let new_sid = changes.server_id.filter(|&sid| rec.server_id != Some(sid));
        if let Some(sid) = changes.server_id {
            rec.server_id = Some(sid);
        }
        if let Some(a) = &changes.anomalies {
            rec.anomalies.clone_from(a);
        }
        if let Some(e) = &changes.error {
            rec.error.clone_from(e);
        }
        if let Some(at) = changes.sent_at_ms {
            rec.sent_at_ms = Some(at);
        }
        rec.duplicate_avoided |= changes.duplicate_avoided;
        if let Some(d) = &changes.content {
            // The form is the content's (see `St::hold`): not kept twice.
            rec.form = None;
            rec.content = Some(Box::new(d.clone()));
        }
        if let Some(sid) = new_sid {
            let enterprise = rec.enterprise.clone();
            if row.watch.is_some() {
                st.watched_sids.insert(sid, id);
            }
            st.note_server_id(&enterprise, sid);
        }
        if st.lean {
            if let Some(row) = st.rows.get_mut(&id) {
                row.let_content_go();
            }
        }
        lock(&self.pending).push((
            seq,
            Transition {
                id,
                from,
                to,
                changes,
                detail: detail.to_owned(),
            },
        ));
        self.write.notify_one();
        Some(to)
    }

    /// Writes the pending transitions (the journal's lock held), in one
    /// transaction: the last one's number, or the failure and what failed.
    pub(super) fn flush(&self, journal: &mut Journal) -> Flushed {
        let ops = std::mem::take(&mut *lock(&self.pending));
        let Some(&(last, _)) = ops.last() else {
            return Ok(None);
        };
        match journal.transitions_batch(ops.iter().map(|(_, t)| t)) {
            Ok(()) => Ok(Some(last)),
            Err(e) => Err((e, ops)),
        }
    }

    /// `flush` now, the journal's lock held (and the rows' lock taken for a
    /// moment after it, never before: that is the order of the two locks);
    /// a failure puts the rows back.
    pub(super) fn flush_now(&self, journal: &mut Journal) -> Result<(), JournalError> {
        let flushed = self.flush(journal);
        if matches!(flushed, Ok(None)) {
            return Ok(());
        }
        self.settle(&mut lock(&self.st), flushed)
    }

    /// After a flush: tells who waits; rows whose transitions could not be
    /// written go back to where they were, with the journal's error.
    pub(super) fn settle(&self, st: &mut St, flushed: Flushed) -> Result<(), JournalError> {
        let (last, failure) = match flushed {
            Ok(None) => return Ok(()),
            Ok(Some(last)) => (last, None),
            Err((e, ops)) => {
                let error = RowError::localized(e.code(), None, |lang| e.message(lang));
                for (_, t) in ops.iter().rev() {
                    if let Some(row) = st.rows.get_mut(&t.id) {
                        if row.rec.state == t.to {
                            row.rec.state = t.from;
                        }
                        row.rec.error = Some(error.clone());
                    }
                }
                (ops.last().map_or(0, |(seq, _)| *seq), Some(e))
            }
        };
        self.committed.send_if_modified(|c| {
            let newer = last > *c;
            if newer {
                *c = last;
            }
            newer
        });
        failure.map_or(Ok(()), Err)
    }

    /// The journal's writer: whatever transitions are pending when it wakes
    /// go in one commit, so a thousand rows moving at once cost one commit,
    /// not a thousand; each row's next network step waits for its own.
    pub(super) async fn write_loop(rows: std::sync::Weak<Self>, wake: Arc<Notify>) {
        loop {
            wake.notified().await;
            let Some(inner) = rows.upgrade() else {
                return;
            };
            let writing = inner.clone();
            let written = tokio::task::spawn_blocking(move || {
                let flushed = writing.flush(&mut lock(&writing.journal));
                if matches!(flushed, Ok(None)) {
                    return;
                }
                let mut st = lock(&writing.st);
                let _ = writing.settle(&mut st, flushed);
            })
            .await;
            if written.is_err() {
                return;
            }
            inner.bump();
        }
    }

    /// Waits until the journal holds transition `ticket`.
    pub(super) async fn committed(&self, ticket: u64) {
        let mut rx = self.committed.subscribe();
        let _ = rx.wait_for(|c| *c >= ticket).await;
    }

    pub(super) fn add_blocking(
        &self,
        items: Vec<NewContent>,
        correction_of: Option<i64>,
    ) -> Result<Vec<RowId>, EngineError> {
        let today = client::today(&self.client().tokens.clock);
        // One call at a time adds rows (and the drafts' calls wait for it):
        // what this one decides below holds until its rows are held, while
        // the rows' lock is let go for the journal's transaction.
        let _adding = lock(&self.adding);
        let guard = lock(&self.st);
        let st = &*guard;
        let mut out: Vec<Option<RowId>> = Vec::with_capacity(items.len());
        let mut new = Vec::new();
        let mut new_slots = Vec::new();
        // New rows of this call by (enterprise, reference), and by content
        // for those held back.
        let mut batch: HashMap<Digest, usize> = HashMap::new();
        let mut batch_conflicts: HashMap<(String, String, [u8; 16]), usize> = HashMap::new();
        for item in items {
            let mut d = item.content;
            let (enterprise, reference) = self.service.identity(&mut d);
            let k = key(&enterprise, &reference);
            // Who already declares this reference with other content.
            let mut conflict_with: Option<String> = None;
            if correction_of.is_none() {
                let digest = d.digest();
                if let Some(&id) = st.by_reference.get(&k) {
                    let row = st.rows.get(&id);
                    let holder = row.map(|r| &r.rec);
                    // A row without a declaration (a draft being typed)
                    // keeps the reference as before. A declaration corrected
                    // since shows its new content: the file's row of it is
                    // the same declaration. (Asked only when the contents
                    // differ: it looks through every row.)
                    let same = row
                        .and_then(|r| r.digest())
                        .is_none_or(|held| held == digest)
                        || holder.and_then(|r| r.server_id).is_some_and(|sid| {
                            st.rows.values().any(|r| r.rec.correction_of == Some(sid))
                        });
                    if same {
                        out.push(Some(id));
                        continue;
                    }
                    conflict_with = holder.map(holder_name);
                } else if let Some(&slot) = batch.get(&k) {
                    let holder: &Record = &new[slot];
                    if holder.content.as_deref().map(Content::digest) == Some(digest) {
                        out.push(None);
                        new_slots.push((out.len() - 1, slot));
                        continue;
                    }
                    conflict_with =
                        Some(holder.source.clone().unwrap_or_else(|| reference.clone()));
                }
                if conflict_with.is_some() {
                    let ck = (enterprise.clone(), reference.clone(), digest);
                    if let Some(&id) = st.conflicts.get(&ck) {
                        out.push(Some(id));
                        continue;
                    }
                    if let Some(&slot) = batch_conflicts.get(&ck) {
                        out.push(None);
                        new_slots.push((out.len() - 1, slot));
                        continue;
                    }
                    batch_conflicts.insert(ck, new.len());
                }
            }
            let (state, anomalies) = match &conflict_with {
                // Held back, never sent: the reference is another declaration's.
                Some(holder) => (State::Invalid, vec![conflict_anomaly(&reference, holder)]),
                None => {
                    let found = self.service.check(&d, today);
                    if found
                        .iter()
                        .any(|a| a.severity == crate::fla::wire::AnomalySeverity::Blocking)
                    {
                        (State::Invalid, found)
                    } else {
                        (State::Ready, Vec::new())
                    }
                }
            };
            if conflict_with.is_none() {
                batch.insert(k, new.len());
            }
            out.push(None);
            new_slots.push((out.len() - 1, new.len()));
            new.push(Record {
                correction_of,
                form: d.fla().map(|f| Box::new(DraftForm::from_declaration(f))),
                content: Some(Box::new(d)),
                anomalies,
                source: item.source,
                ..Record::new(state, reference, enterprise)
            });
        }
        // The journal's transaction without the rows' lock: the engine's
        // sends and polls (and anything that reads the rows) go on meanwhile.
        drop(guard);
        let ids = lock(&self.journal).insert(&new)?;
        let mut st = lock(&self.st);
        for (record, &id) in new.into_iter().zip(&ids) {
            let rec = Record { id, ..record };
            st.hold(rec);
        }
        for (slot, index) in new_slots {
            out[slot] = ids.get(index).copied();
        }
        Ok(out.into_iter().flatten().collect())
    }
}
