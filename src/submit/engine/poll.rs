//! Following: the loop that finds rows due, polls them (one `GET` each,
//! or the enterprise's search, paged) and takes their results.

use super::*;

impl Inner {
    /// The loop that starts polls and reconciliations when rows are due.
    pub(super) async fn watch_loop(self: Arc<Self>) {
        // It wakes when the first row is due (at the latest every `longest`,
        // at the soonest every `shortest`), or when a poll ends or a row is
        // to be asked now.
        let longest = (self.config.poll.fast_interval / 2)
            .clamp(Duration::from_millis(10), Duration::from_millis(250));
        let shortest = Duration::from_millis(50).min(longest);
        loop {
            let (batches, unknown, soonest) = self.due(Instant::now());
            for batch in batches {
                let inner = self.clone();
                let enterprise = batch.0.clone();
                tokio::spawn(async move {
                    let _done = Finally::poll(&inner, move |st| {
                        st.jobs -= 1;
                        st.polling.remove(&enterprise);
                    });
                    inner.poll_batch(batch).await;
                });
            }
            for id in unknown {
                let inner = self.clone();
                tokio::spawn(async move {
                    let _done = Finally::poll(&inner, |st| st.jobs -= 1);
                    inner.reconcile(id).await;
                });
            }
            let wait = soonest
                .map_or(longest, |at| at.saturating_duration_since(Instant::now()))
                .clamp(shortest, longest);
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.poll_wake.notified() => {}
            }
        }
    }

    /// The rows due now, marked busy: batches of `submitted` rows per
    /// enterprise, and `unknown` rows. Rows past `give_up_after` are let go.
    /// Also when the first row not taken now will be due.
    pub(super) fn due(&self, now: Instant) -> (Vec<Batch>, Vec<RowId>, Option<Instant>) {
        let mut st = lock(&self.st);
        if st.watching.is_empty() {
            return (Vec::new(), Vec::new(), None);
        }
        let mut soonest: Option<Instant> = None;
        let mut note = |at: Instant| soonest = Some(soonest.map_or(at, |s| s.min(at)));
        let mut by_enterprise: BTreeMap<String, Vec<(RowId, i64)>> = BTreeMap::new();
        let polling = std::mem::take(&mut st.polling);
        // A row whose last transition is not in the journal yet waits for it.
        let committed = *self.committed.borrow();
        let mut unknown = Vec::new();
        let mut given_up = Vec::new();
        let St { rows, watching, .. } = &mut *st;
        for id in watching.iter() {
            let Some(row) = rows.get_mut(id) else {
                continue;
            };
            let Some(w) = row.watch.as_mut() else {
                continue;
            };
            if w.busy {
                continue;
            }
            if w.next > now {
                note(w.next);
                continue;
            }
            if row.ticket > committed {
                // Its transition is being written: in a moment.
                note(now);
                continue;
            }
            match (row.rec.state, row.rec.server_id) {
                (State::Submitted, Some(sid)) => {
                    if now.duration_since(w.since) >= self.config.give_up_after {
                        given_up.push(row.rec.id);
                        continue;
                    }
                    if polling.contains(&row.rec.enterprise) {
                        continue;
                    }
                    w.busy = true;
                    by_enterprise
                        .entry(row.rec.enterprise.clone())
                        .or_default()
                        .push((row.rec.id, sid));
                }
                (State::Unknown, _) => {
                    w.busy = true;
                    unknown.push(row.rec.id);
                }
                _ => given_up.push(row.rec.id),
            }
        }
        for id in given_up {
            if let Some(row) = st.rows.get_mut(&id) {
                if row.rec.state == State::Submitted {
                    let sid = row.rec.server_id.unwrap_or_default();
                    row.rec.error = Some(RowError::localized("still_processing", None, |lang| {
                        tr_args(lang, "submit.engine.gave_up", &[("id", sid.to_string())])
                    }));
                }
            }
            st.set_watch(id, None);
        }
        st.polling = polling;
        let mut batches = Vec::new();
        for (enterprise, rows) in by_enterprise {
            let lowest = rows.iter().map(|&(_, sid)| sid).min().unwrap_or(0);
            let highest = rows.iter().map(|&(_, sid)| sid).max().unwrap_or(0);
            let start = st
                .resume
                .get(&enterprise)
                .filter(|r| r.below < lowest)
                .cloned();
            let below = start.as_ref().map_or(i64::MIN, |r| r.below);
            // What the server holds for the enterprise from where the search
            // starts to the last row due, as far as the journal knows: the
            // pages a search reads.
            let held = match st.server_ids.get(&enterprise) {
                Some(ids) if below < highest => ids
                    .range((Bound::Excluded(below), Bound::Included(highest)))
                    .count(),
                _ => 0,
            };
            let how = if self.service.pages() {
                plan(rows.len(), self.config.get_batch, held)
            } else {
                Plan::Gets
            };
            st.polling.insert(enterprise.clone());
            batches.push((enterprise, rows, how, start));
        }
        st.jobs += batches.len() + unknown.len();
        (batches, unknown, soonest)
    }

    /// Asks for the results of due rows of one enterprise.
    pub(super) async fn poll_batch(self: &Arc<Self>, (enterprise, rows, how, start): Batch) {
        let tries = self.config.max_tries;
        let mut found: Vec<Found> = Vec::new();
        let mut failure: Option<ApiError> = None;
        // The cursors of the pages a search read, in order.
        let mut read: Vec<Resume> = Vec::new();
        if how == Plan::Gets {
            let mut gets = tokio::task::JoinSet::new();
            for &(_, sid) in &rows {
                let inner = self.clone();
                gets.spawn(async move {
                    let _slot = inner.pace.slot().await;
                    Some(inner.service.read(sid, tries).await)
                });
            }
            while let Some(done) = gets.join_next().await {
                match done {
                    Ok(Some(Ok(Some(stored)))) => found.push(stored),
                    Ok(Some(Ok(None))) | Ok(None) => {}
                    Ok(Some(Err(e))) => failure = Some(e),
                    Err(e) => {
                        failure = Some(ApiError::Network(e.to_string()));
                    }
                }
            }
        } else {
            let mut wanted: HashSet<i64> = rows.iter().map(|&(_, sid)| sid).collect();
            let mut cursors = client::Cursors::new(client::MAX_SEARCH_PAGES);
            let mut cursor = start.map(|r| r.cursor);
            loop {
                let page = {
                    let _slot = self.pace.slot().await;
                    match self.service.page(&enterprise, cursor.clone(), tries) {
                        Some(page) => page.await,
                        // Planned only for a service that pages (see `due`).
                        None => break,
                    }
                };
                match page {
                    Ok(page) => {
                        // The cursor that led here is before this page's first
                        // declaration (one still processing is not listed: what
                        // the cursor passed is not known before this page).
                        let first = page.items.iter().map(|i| i.server_id).min();
                        if let (Some(cursor), Some(first)) = (cursor.take(), first) {
                            read.push(Resume {
                                cursor,
                                below: first - 1,
                            });
                        }
                        for item in &page.items {
                            wanted.remove(&item.server_id);
                        }
                        // Taken page by page: a search through a million
                        // declarations shows its results as it goes and
                        // holds one page at a time.
                        self.take_found(&mut lock(&self.st), &enterprise, page.items);
                        match page.next {
                            Some(next) if !wanted.is_empty() => match cursors.follow(next) {
                                Ok(next) => cursor = Some(next),
                                Err(e) => {
                                    failure = Some(e);
                                    break;
                                }
                            },
                            _ => break,
                        }
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
        }
        self.take_results(&enterprise, &rows, found, failure);
        self.note_resume(&enterprise, read);
    }

    /// Applies what a poll found; reschedules (or lets go) the rest.
    pub(super) fn take_results(
        &self,
        enterprise: &str,
        rows: &[(RowId, i64)],
        found: Vec<Found>,
        failure: Option<ApiError>,
    ) {
        let now = Instant::now();
        let mut st = lock(&self.st);
        self.take_found(&mut st, enterprise, found);
        for &(id, _) in rows {
            let Some(row) = st.rows.get(&id) else {
                continue;
            };
            if row.rec.state != State::Submitted {
                st.set_watch(id, None);
                continue;
            }
            let Some(w) = row.watch else {
                continue;
            };
            if let Some(e) = &failure {
                let error = row_error(e, self.lang());
                if let Some(row) = st.rows.get_mut(&id) {
                    row.rec.error = Some(error);
                }
                st.set_watch(id, None);
                continue;
            }
            let elapsed = now.duration_since(w.since);
            let schedule = PollSchedule {
                give_up_after: self.config.give_up_after,
                ..self.config.poll
            };
            let watch = schedule.next_wait(elapsed).map(|wait| Watch {
                since: w.since,
                next: now + wait,
                busy: false,
            });
            st.set_watch(id, watch);
        }
    }

    /// Applies the results found for an enterprise: any of its watched
    /// `submitted` rows may be among them.
    pub(super) fn take_found(&self, st: &mut St, enterprise: &str, found: Vec<Found>) {
        for item in found {
            let sid = item.server_id;
            let Some(&id) = st.watched_sids.get(&sid) else {
                continue;
            };
            let ours = st.rows.get(&id).is_some_and(|r| {
                r.rec.state == State::Submitted
                    && r.rec.enterprise == enterprise
                    && r.rec.server_id == Some(sid)
            });
            if ours {
                self.take_result(st, id, &item);
            }
        }
    }

    /// After a search: the furthest page before which every declaration of
    /// ours has its result is where the next search of the enterprise starts.
    pub(super) fn note_resume(&self, enterprise: &str, read: Vec<Resume>) {
        if read.is_empty() {
            return;
        }
        let mut st = lock(&self.st);
        let open = st
            .watched_rows()
            .filter(|r| r.rec.enterprise == enterprise && r.rec.state == State::Submitted)
            .filter_map(|r| r.rec.server_id)
            .min()
            .unwrap_or(i64::MAX);
        let Some(furthest) = read.into_iter().rfind(|r| r.below < open) else {
            return;
        };
        let ahead = st
            .resume
            .get(enterprise)
            .is_none_or(|r| r.below < furthest.below);
        if ahead {
            st.resume.insert(enterprise.to_owned(), furthest);
        }
    }

    /// A result for row `id` (and no more watching it).
    pub(super) fn take_result(&self, st: &mut St, id: RowId, item: &Found) {
        // Not final yet (Dimona's `S`): still watched.
        let Some(result) = item.result else {
            return;
        };
        let changes = Changes {
            anomalies: Some(item.anomalies.clone()),
            error: Some(None),
            ..Changes::default()
        };
        let event = Event::Result(result);
        if self
            .apply_or_note(st, id, event, changes, "result")
            .is_some()
        {
            st.set_watch(id, None);
            self.follow_correction(st, id, item);
        }
    }

    /// A correction (row `id`) the server processed: the row of what the
    /// server holds now shows the corrected content and its new result.
    pub(super) fn follow_correction(&self, st: &mut St, id: RowId, item: &Found) {
        let Some(result) = item.result else {
            return;
        };
        let Some(sid) = st.rows.get(&id).and_then(|r| r.rec.correction_of) else {
            return;
        };
        let held: Vec<RowId> = st
            .rows
            .values()
            // A row a fetch is refreshing takes what the server holds from it.
            .filter(|r| {
                r.rec.correction_of.is_none()
                    && r.rec.server_id == Some(sid)
                    && !st.editing.contains_key(&r.rec.id)
            })
            .map(|r| r.rec.id)
            .collect();
        for original in held {
            let changes = Changes {
                anomalies: Some(item.anomalies.clone()),
                content: item.content.clone(),
                ..Changes::default()
            };
            let event = Event::Result(result);
            self.apply_or_note(st, original, event, changes, "corrected on the server");
        }
    }
}

/// How often an `unknown` row is searched for while the server's processing
/// window has not passed: a tenth of the window, between the poll's fast
/// interval and a minute.
pub fn unknown_recheck(config: &EngineConfig) -> Duration {
    (config.reconcile_after / 10).clamp(
        config.poll.fast_interval.min(UNKNOWN_RECHECK),
        UNKNOWN_RECHECK,
    )
}

/// The longest wait between two searches for an `unknown` row.
pub const UNKNOWN_RECHECK: Duration = Duration::from_secs(60);

/// How the due rows of one enterprise are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// One `GET` per row (a few rows).
    Gets,
    /// The enterprise's search, paged, matched by id (one request per 50
    /// declarations the server holds, however many rows are due).
    Search,
}

/// Declarations in a page of the search, as the sandbox pages (an estimate:
/// it only weighs a search against `GET`s).
pub const SEARCH_PAGE: usize = 50;

/// `Gets` while they cost fewer requests than reading the enterprise's search
/// (`held` declarations the server holds for it, [`SEARCH_PAGE`] a page), and
/// always for up to `get_batch` due rows; `Search` for more.
pub fn plan(due: usize, get_batch: usize, held: usize) -> Plan {
    if due <= get_batch.max(held.div_ceil(SEARCH_PAGE)) {
        Plan::Gets
    } else {
        Plan::Search
    }
}
