//! Reconciling: an `unknown` row searched for by reference before anything
//! is sent again: adopted, sent again, or waited for.

use super::*;

impl Inner {
    /// Searches an `unknown` row by reference: adopt, or send again, or wait.
    pub(super) async fn reconcile(&self, id: RowId) {
        let (enterprise, reference, sent_at, content) = {
            let st = lock(&self.st);
            let Some(row) = st.rows.get(&id) else {
                return;
            };
            (
                row.rec.enterprise.clone(),
                row.rec.reference.clone(),
                row.rec.sent_at_ms,
                row.rec.content.clone(),
            )
        };
        let result = {
            let _slot = self.pace.slot().await;
            self.service
                .find(
                    &enterprise,
                    &reference,
                    content.as_deref(),
                    self.config.max_tries,
                )
                .await
        };
        let now = Instant::now();
        let mut st = lock(&self.st);
        if let Some(row) = st.rows.get_mut(&id) {
            row.searches += 1;
        }
        if st.rows.get(&id).map(|r| r.rec.state) != Some(State::Unknown) {
            st.set_watch(id, None);
            return;
        }
        match result {
            Ok(items) => {
                if let Some(first) = items.iter().min_by_key(|i| i.server_id) {
                    let changes = Changes {
                        server_id: Some(first.server_id),
                        error: Some(None),
                        duplicate_avoided: true,
                        ..Changes::default()
                    };
                    if self
                        .apply_or_note(
                            &mut st,
                            id,
                            Event::FoundOnServer,
                            changes,
                            "found on the server (lost answer)",
                        )
                        .is_some()
                    {
                        self.take_result(&mut st, id, first);
                    }
                    // Found without its last word yet (Dimona's `S`): its
                    // result is polled from now, as a row just taken.
                    // Otherwise, whatever the journal said: not asked again
                    // until "check again".
                    if st
                        .rows
                        .get(&id)
                        .is_some_and(|r| r.rec.state == State::Submitted)
                    {
                        st.watch_from(id, now, self.config.poll.first);
                    } else {
                        st.set_watch(id, None);
                    }
                    return;
                }
                let waited = sent_at.map_or(u64::MAX, |at| {
                    u64::try_from(now_ms().saturating_sub(at)).unwrap_or(0)
                });
                if Duration::from_millis(waited) >= self.config.reconcile_after {
                    let done = self.apply_or_note(
                        &mut st,
                        id,
                        Event::NotOnServer,
                        Changes::default(),
                        "not on the server: sent again",
                    );
                    st.set_watch(id, None);
                    if done.is_some() && !st.cancelled && st.queued.insert(id) {
                        st.queue.push_back(id);
                        self.wake.notify_one();
                    }
                } else {
                    // A search lists only processed declarations: asked again
                    // now and then (each minute for a real server), and once
                    // more when the window has passed.
                    let left = self
                        .config
                        .reconcile_after
                        .saturating_sub(Duration::from_millis(waited));
                    let next = unknown_recheck(&self.config).min(left);
                    st.watch_again(id, now, next.max(Duration::from_millis(10)));
                }
            }
            Err(e) => {
                // The search failed: the row stays `unknown` and is searched
                // again later; the POST's own failure stays what it shows
                // (with its trace id), the search's is kept where it had none.
                if let Some(row) = st.rows.get_mut(&id) {
                    if row.rec.error.is_none() {
                        row.rec.error = Some(row_error(&e, self.lang()));
                    }
                }
                st.watch_again(id, now, UNKNOWN_RECHECK);
            }
        }
    }
}
