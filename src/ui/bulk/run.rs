//! The Bulk page's sending: the valid rows handed to the engine, the
//! progress read from its snapshot (pause, resume, cancel), the report's
//! counts; and the rows an interrupted run left unsent. Reads, never waits.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::{BulkPage, Run};
use crate::i18n::{format_count, tr, tr_args, tr_n, Lang};
use crate::submit::engine::{row_key, NewDeclaration, RowId};
use crate::submit::state::State;
use crate::ui::declarations::host::{Command, DeclarationsHost};
use crate::ui::declarations::state_label;

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
            let snapshot = engine.snapshot();
            self.left = if snapshot.queued == 0 && snapshot.in_flight == 0 {
                snapshot
                    .rows
                    .into_iter()
                    .filter(|r| r.state == State::Ready)
                    .filter_map(|r| {
                        let row = crate::submit::input::source_row(r.source.as_deref()?)?;
                        Some(((r.enterprise, r.reference), row, r.id))
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

    pub(super) fn send_ui(&mut self, ui: &mut egui::Ui, lang: Lang, host: &DeclarationsHost) {
        let total = self.rows.len() as u64;
        let valid = self.valid();
        ui.label(tr_n(
            lang,
            "import.summary",
            total,
            &[
                ("valid", format_count(lang, valid as u64)),
                ("invalid", format_count(lang, total - valid as u64)),
            ],
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
            return;
        }
        self.progress_ui(ui, lang, host);
    }

    /// Hands the valid rows to the engine: stored in the journal with their
    /// file and row as source, then sent (as `submit` does).
    pub(super) fn send(&mut self, host: &DeclarationsHost) {
        let Some(file_name) = &self.file_source else {
            return;
        };
        let items: Vec<NewDeclaration> = self
            .rows
            .iter()
            .filter(|r| r.is_valid())
            .filter_map(|r| {
                r.declaration.clone().map(|declaration| NewDeclaration {
                    declaration,
                    source: Some(crate::submit::input::row_source(file_name, r.row)),
                })
            })
            .collect();
        let rows = self
            .rows
            .iter()
            .filter(|r| r.is_valid())
            .filter_map(|r| Some((row_key(r.declaration.as_ref()?), r.row)))
            .collect();
        host.command(Command::Import(items));
        self.run = Some(Run::starting(rows));
    }

    pub(super) fn progress_ui(&mut self, ui: &mut egui::Ui, lang: Lang, host: &DeclarationsHost) {
        let Some(run) = &mut self.run else { return };
        let engine = host.engine();
        // Read on a clock: a snapshot of a hundred thousand rows per frame
        // would cost more than the work it shows.
        let due = run
            .read_at
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(250));
        if let (true, Some(engine)) = (due, &engine) {
            let snapshot = engine.snapshot();
            let mut counts = BTreeMap::new();
            let mut anomalies = BTreeMap::new();
            for row in &snapshot.rows {
                let Some(&n) = run
                    .rows
                    .get(&(row.enterprise.clone(), row.reference.clone()))
                else {
                    continue;
                };
                *counts.entry(row.state).or_insert(0) += 1;
                for a in &row.anomalies {
                    *anomalies.entry(a.code.clone()).or_insert(0) += 1;
                }
                run.ids.insert(n, row.id);
            }
            run.ready = counts.get(&State::Ready).copied().unwrap_or(0);
            run.counts = counts;
            run.anomalies = anomalies;
            run.paused = snapshot.paused;
            run.read_at = Some(Instant::now());
        }
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
        ui.label(tr_args(
            lang,
            "bulk.progress",
            &[
                ("settled", format_count(lang, settled as u64)),
                ("total", format_count(lang, total as u64)),
                ("counts", line),
            ],
        ));
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
            if !run.anomalies.is_empty() {
                let grouped = run
                    .anomalies
                    .iter()
                    .map(|(code, n)| format!("{code} ×{}", format_count(lang, *n as u64)))
                    .collect::<Vec<_>>()
                    .join(", ");
                ui.add(
                    egui::Label::new(tr_args(lang, "bulk.anomalies", &[("codes", grouped)])).wrap(),
                );
            }
        }
    }
}
