//! The Bulk page's sending: the valid rows handed to the engine, the
//! progress read from its snapshot (pause, resume, cancel), the report's
//! counts; and the rows an interrupted run left unsent. Reads, never waits.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{BulkPage, Filter, RowStatus, Run};
use crate::fla::anomalies::anomaly_text;
use crate::i18n::{format_count, tr, tr_args, tr_n, Lang};
use crate::submit::engine::{row_key, NewDeclaration, RowId};
use crate::submit::state::State;
use crate::ui::declarations::host::{DeclarationCommand, DeclarationsHost, View};
use crate::ui::declarations::state_label;
use crate::ui::tasks::{poll_slot, Tasks};

impl BulkPage {
    /// Offers to send the rows of a file an earlier run stored and did not
    /// send (the app was closed meanwhile).
    pub(super) fn left_ui(&mut self, ui: &mut egui::Ui, lang: Lang, host: &DeclarationsHost) {
        let Some(engine) = host.engine() else { return };
        if self.run.is_some() {
            return;
        }
        let due = self
            .left_read
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        if due {
            let view = host.view();
            self.left = if view.online && view.progress.queued == 0 && view.progress.in_flight == 0
            {
                view.rows
                    .iter()
                    .map(|r| &r.view)
                    .filter(|r| r.state == State::Ready)
                    .filter_map(|r| {
                        let row = crate::submit::input::source_row(r.source.as_deref()?)?;
                        Some(((r.enterprise.clone(), r.reference.clone()), row, r.id))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            self.left_read = Some(Instant::now());
        }
        if self.left.is_empty() {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            let n = self.left.len() as u64;
            ui.label(tr_n(lang, "bulk.left", n, &[]));
            if ui.button(tr_n(lang, "bulk.left_send", n, &[])).clicked() {
                let ids: Vec<RowId> = self.left.iter().map(|(_, _, id)| *id).collect();
                engine.send(&ids);
                let rows = self.left.drain(..).map(|(k, row, _)| (k, row)).collect();
                self.run = Some(Run::starting(rows));
            }
        });
    }

    pub(super) fn send_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        host: &DeclarationsHost,
    ) {
        let total = self.rows.len() as u64;
        let valid = self.valid();
        let valid64 = valid as u64;
        ui.label(crate::submit::run::summary_text(
            lang,
            total,
            valid64,
            total - valid64,
        ));
        let online = host.is_online();
        if self.run.is_none() {
            ui.horizontal_wrapped(|ui| {
                let send = ui.add_enabled(
                    online && valid > 0 && self.converting.is_none(),
                    egui::Button::new(tr_n(lang, "bulk.send", valid as u64, &[])),
                );
                if send.clicked() {
                    self.send(host);
                }
                if !online {
                    ui.weak(tr(lang, "bulk.needs_connection"));
                }
            });
            if self.valid_out_of_scope > 0 {
                let key = match self.profile.as_ref().and_then(|p| p.role) {
                    Some(role) if !role.declares_for_itself() => "bulk.scope.send_no_mandate",
                    _ => "bulk.scope.send_other",
                };
                let text = tr_n(
                    lang,
                    key,
                    self.valid_out_of_scope as u64,
                    &[("valid", format_count(lang, valid as u64))],
                );
                ui.add(
                    egui::Label::new(egui::RichText::new(text).color(ui.visuals().warn_fg_color))
                        .wrap(),
                );
            }
            return;
        }
        self.progress_ui(ui, lang, tasks, host);
    }

    /// Hands the valid rows to the engine: stored in the journal with their
    /// file and row as source, then sent (as `submit` does).
    pub(super) fn send(&mut self, host: &DeclarationsHost) {
        let Some(file_name) = &self.file_source else {
            return;
        };
        // Each valid row for the engine, and how the journal will know it.
        let (items, rows): (Vec<NewDeclaration>, HashMap<_, _>) = self
            .rows
            .iter()
            .filter(|r| r.is_valid())
            .filter_map(|r| {
                let declaration = r.declaration.clone()?;
                let key = row_key(&declaration);
                let item = NewDeclaration {
                    declaration,
                    source: Some(crate::submit::input::row_source(file_name, r.row)),
                };
                Some((item, (key, r.row)))
            })
            .unzip();
        host.command(DeclarationCommand::Import(items));
        self.run = Some(Run::starting(rows));
        // The report comes where the columns were.
        self.close_mapping = true;
    }

    pub(super) fn progress_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        host: &DeclarationsHost,
    ) {
        let Some(run) = &mut self.run else { return };
        let engine = host.engine();
        let mut refilter = false;
        if let Some(Some(read)) = poll_slot(&mut run.reading) {
            run.ids = read.ids;
            run.scanned_to = read.scanned_to;
            run.ready = read.counts.get(&State::Ready).copied().unwrap_or(0);
            run.counts = read.counts;
            run.statuses = read.statuses;
            run.paused = read.paused;
            refilter = read.changed;
        }
        // Read on a clock, on the runtime: going through ten thousand rows
        // is more than a frame may take.
        let due = run
            .read_at
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(250));
        let view = host.view();
        if due && view.online && run.reading.is_none() {
            let (rows, ids, before, scanned_to) = (
                run.rows.clone(),
                run.ids.clone(),
                run.statuses.clone(),
                run.scanned_to,
            );
            run.reading = Some(tasks.blocking(ui.ctx(), move || {
                read_run(&view, &rows, &ids, scanned_to, &before)
            }));
            run.read_at = Some(Instant::now());
        }
        if refilter && matches!(self.filter, Filter::Accepted | Filter::RefusedOrFailed) {
            self.refilter();
        }
        let Some(run) = &mut self.run else { return };
        let total = run.rows.len();
        let settled: usize = run
            .counts
            .iter()
            .filter(|(s, _)| s.is_result() || matches!(s, State::Failed | State::Invalid))
            .map(|(_, n)| n)
            .sum();
        let fraction = if total == 0 {
            1.0
        } else {
            settled as f32 / total as f32
        };
        ui.add(
            egui::ProgressBar::new(fraction)
                .show_percentage()
                .desired_width(ui.available_width().min(600.0)),
        );
        let line = run
            .counts
            .iter()
            .map(|(s, n)| {
                format!(
                    "{}: {}",
                    state_label(*s, lang),
                    format_count(lang, *n as u64)
                )
            })
            .collect::<Vec<_>>()
            .join(" · ");
        ui.label(tr_n(
            lang,
            "bulk.progress",
            total as u64,
            &[
                ("settled", format_count(lang, settled as u64)),
                ("counts", line),
            ],
        ));
        let unknown = run.counts.get(&State::Unknown).copied().unwrap_or(0);
        if unknown > 0 {
            // Never offered for sending again: the engine looks them up first.
            ui.add(egui::Label::new(tr_n(lang, "bulk.unknown", unknown as u64, &[])).wrap());
        }
        let seconds = run.started.elapsed().as_secs_f64();
        if settled > 0 && settled < total && seconds > 0.0 {
            let rate = settled as f64 / seconds;
            let left = ((total - settled) as f64 / rate).round() as u64;
            ui.weak(tr_args(
                lang,
                "bulk.rate",
                &[
                    (
                        "rate",
                        crate::i18n::format_decimal(lang, (rate * 10.0).round() / 10.0),
                    ),
                    ("seconds", format_count(lang, left)),
                ],
            ));
        }
        // Cancelled: the rows left `ready` are not sent, so not waited for.
        let not_sent = if run.cancelled { run.ready } else { 0 };
        let running = settled + not_sent < total;
        if let (true, Some(engine)) = (running, &engine) {
            ui.horizontal(|ui| {
                if run.paused {
                    if ui.button(tr(lang, "bulk.resume")).clicked() {
                        engine.resume();
                        run.read_at = None;
                    }
                } else if ui.button(tr(lang, "bulk.pause")).clicked() {
                    engine.pause();
                    run.read_at = None;
                }
                if ui.button(tr(lang, "bulk.cancel")).clicked() {
                    engine.cancel();
                    run.cancelled = true;
                    run.read_at = None;
                }
            });
            ui.ctx().request_repaint_after(Duration::from_millis(250));
        } else if !running {
            ui.label(tr(lang, "bulk.done"));
            if not_sent > 0 {
                ui.add(egui::Label::new(tr_n(lang, "bulk.not_sent", not_sent as u64, &[])).wrap());
            }
            let grouped = by_code(run.statuses.values(), lang);
            if !grouped.is_empty() {
                ui.label(tr(lang, "bulk.by_code"));
                for (code, (n, text)) in grouped {
                    let line = tr_n(
                        lang,
                        "bulk.by_code.line",
                        n as u64,
                        &[("code", code), ("text", text)],
                    );
                    ui.add(egui::Label::new(line).wrap());
                }
            }
        }
    }
}

/// The server's anomalies and the failures of the run's rows, by code: how
/// many rows carry each code (a row once per code), and what it means (the
/// catalogue's sentence as the server sent it; a failure's message).
fn by_code<'a>(
    statuses: impl Iterator<Item = &'a RowStatus>,
    lang: Lang,
) -> BTreeMap<String, (usize, String)> {
    let mut grouped: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for status in statuses {
        let mut seen = BTreeSet::new();
        for a in &status.anomalies {
            if seen.insert(a.code.as_str()) {
                let entry = grouped
                    .entry(a.code.clone())
                    .or_insert_with(|| (0, anomaly_text(a, lang).to_owned()));
                entry.0 += 1;
            }
        }
        // A failure of a row the server did not take (no mandate, network).
        if let Some(e) = status.error.as_ref().filter(|_| status.refused_or_failed()) {
            if !seen.contains(e.code.as_str()) {
                let entry = grouped
                    .entry(e.code.clone())
                    .or_insert_with(|| (0, e.text(lang)));
                entry.0 += 1;
            }
        }
    }
    grouped
}

/// What a read of a run found (made on the runtime, see [`read_run`]).
pub(super) struct RunRead {
    ids: Arc<HashMap<usize, RowId>>,
    scanned_to: RowId,
    counts: BTreeMap<State, usize>,
    statuses: Arc<HashMap<usize, RowStatus>>,
    /// A row's status changed since the read before.
    changed: bool,
    paused: bool,
}

/// Each file row's journal row and status in `view`: the rows stored since
/// `scanned_to` are matched to the file's rows by enterprise and reference
/// (the view is in the order of the rows' ids), those known by their id; a
/// status is made again only where its row changed since `before`.
fn read_run(
    view: &View,
    file: &HashMap<(String, String), usize>,
    known: &HashMap<usize, RowId>,
    scanned_to: RowId,
    before: &HashMap<usize, RowStatus>,
) -> RunRead {
    let rows = &view.rows;
    let mut ids = known.clone();
    let new = rows.partition_point(|r| r.view.id <= scanned_to);
    for row in rows[new..].iter().map(|r| &r.view) {
        if let Some(&n) = file.get(&(row.enterprise.clone(), row.reference.clone())) {
            ids.insert(n, row.id);
        }
    }
    let mut counts = BTreeMap::new();
    let mut statuses = HashMap::with_capacity(ids.len());
    let mut changed = false;
    for (&n, &id) in &ids {
        let Ok(i) = rows.binary_search_by_key(&id, |r| r.view.id) else {
            continue;
        };
        let row = &rows[i].view;
        *counts.entry(row.state).or_insert(0) += 1;
        let status = match before.get(&n) {
            Some(s) if s.is_of(row) => s.clone(),
            _ => {
                changed = true;
                RowStatus::of(row)
            }
        };
        statuses.insert(n, status);
    }
    RunRead {
        ids: Arc::new(ids),
        scanned_to: rows
            .last()
            .map_or(scanned_to, |r| r.view.id.max(scanned_to)),
        counts,
        statuses: Arc::new(statuses),
        changed,
        paused: view.progress.paused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fla::anomalies;
    use crate::submit::journal::RowError;

    #[test]
    fn a_row_is_counted_once_per_code_with_the_codes_sentence() {
        let late = anomalies::LATE.to_wire();
        let unknown = anomalies::WORKER_UNKNOWN.to_wire();
        let statuses = [
            RowStatus {
                state: State::Warning,
                error: None,
                anomalies: vec![late.clone(), late.clone(), unknown.clone()],
            },
            RowStatus {
                state: State::Warning,
                error: None,
                anomalies: vec![late],
            },
            RowStatus {
                state: State::Failed,
                error: Some(RowError::localized("no_mandate", None, |_| {
                    "No mandate.".into()
                })),
                anomalies: vec![],
            },
            // An accepted row keeps no failure of an earlier attempt.
            RowStatus {
                state: State::Accepted,
                error: Some(RowError::localized("network", None, |_| "Offline.".into())),
                anomalies: vec![],
            },
        ];
        let grouped = by_code(statuses.iter(), Lang::En);
        assert_eq!(
            grouped.get("FLA-LATE"),
            Some(&(2, anomalies::LATE.en.to_owned()))
        );
        assert_eq!(
            grouped.get("FLA-WORKER-UNKNOWN"),
            Some(&(1, anomalies::WORKER_UNKNOWN.en.to_owned()))
        );
        assert_eq!(
            grouped.get("no_mandate"),
            Some(&(1, "No mandate.".to_owned()))
        );
        assert_eq!(grouped.len(), 3, "{grouped:?}");
    }
}
