//! Sending: rows taken from the queue while not paused, each marked
//! `sending` in the journal before its request leaves.

use super::*;

impl Inner {
    /// Starts sends while not paused. Up to twice the pace's limit rows are
    /// under way: `sending` committed while others are on the network, so no
    /// request waits for the journal.
    pub(super) async fn dispatch(self: Arc<Self>) {
        loop {
            let permit = self.pace.place().await;
            let id = {
                let mut st = lock(&self.st);
                let id = if st.paused {
                    None
                } else {
                    st.queue.pop_front()
                };
                if let Some(id) = id {
                    st.queued.remove(&id);
                    st.in_flight += 1;
                }
                id
            };
            match id {
                Some(id) => {
                    let inner = self.clone();
                    tokio::spawn(async move {
                        // Run however the send ends, a panic included: the
                        // engine never waits for a task that is gone.
                        let _done = Finally::send(&inner, |st| st.in_flight -= 1);
                        inner.send_one(id).await;
                        drop(permit);
                    });
                }
                None => {
                    drop(permit);
                    self.wake.notified().await;
                }
            }
        }
    }

    /// Sends one row: `sending` committed first, then the POST (or PUT)
    /// as a permit allows.
    pub(super) async fn send_one(&self, id: RowId) {
        let lang = self.lang();
        let tries = self.config.max_tries;
        let (content, correction_of, ticket) = {
            let mut st = lock(&self.st);
            let Some(row) = st.rows.get(&id) else {
                return;
            };
            if st.editing.contains_key(&id) {
                // Taken from the queue as an edit began: the edit decides.
                return;
            }
            let (Some(content), correction_of) = (row.rec.content.clone(), row.rec.correction_of)
            else {
                return;
            };
            let changes = Changes {
                sent_at_ms: Some(now_ms()),
                error: Some(None),
                ..Changes::default()
            };
            if self
                .apply_or_note(&mut st, id, Event::Send, changes, "sent")
                .is_none()
            {
                return;
            }
            (content, correction_of, st.staged)
        };
        self.bump();
        // `sending` is in the journal before the request leaves.
        self.committed(ticket).await;
        if lock(&self.st).rows.get(&id).map(|r| r.rec.state) != Some(State::Sending) {
            return;
        }
        #[cfg(debug_assertions)]
        fault_point();
        let _slot = self.pace.slot().await;
        let outcome = match correction_of {
            Some(sid) => match self.service.correct(sid, &content, tries).await {
                Ok(()) => PostOutcome::Taken(client::Submitted {
                    declaration_id: sid,
                    duplicate: false,
                }),
                Err(e) => PostOutcome::NotTaken(e),
            },
            None => self.service.post(&content, tries).await,
        };
        let now = Instant::now();
        let mut st = lock(&self.st);
        match outcome {
            PostOutcome::Taken(taken) => {
                let detail = if taken.duplicate {
                    "the server already had the reference (409)"
                } else {
                    "taken"
                };
                let changes = Changes {
                    server_id: Some(taken.declaration_id),
                    duplicate_avoided: taken.duplicate,
                    ..Changes::default()
                };
                if self
                    .apply_or_note(&mut st, id, Event::Taken, changes, detail)
                    .is_some()
                {
                    st.watch_from(id, now, self.config.poll.first);
                }
            }
            PostOutcome::NotTaken(e) => {
                let changes = Changes {
                    error: Some(Some(row_error(&e, lang))),
                    ..Changes::default()
                };
                self.apply_or_note(&mut st, id, Event::NotTaken, changes, &e.code());
            }
            PostOutcome::Unknown(e) => {
                let changes = Changes {
                    error: Some(Some(row_error(&e, lang))),
                    ..Changes::default()
                };
                if self
                    .apply_or_note(&mut st, id, Event::OutcomeUnknown, changes, &e.code())
                    .is_some()
                {
                    st.watch_from(id, now, self.config.poll.first);
                }
            }
        }
        drop(st);
        self.bump();
    }
}
