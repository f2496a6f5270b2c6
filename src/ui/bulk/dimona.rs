//! Dimona on the Bulk page: a payroll office's file (a month start: hundreds
//! of Dimona In) read on the runtime by `dimona::import` and checked with
//! Dimona's rules, a virtualized preview of its rows, then *Send the N valid
//! rows* through Dimona's engine (the same engine and journal as `submit
//! --service dimona`: stored, then sent exactly once), the progress read from
//! the engine's states on a clock. Reads, never waits.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::dimona::import::{self as dimona_import, DimonaIssue};
use crate::dimona::rules::{self, RuleFinding};
use crate::i18n::{format_count, tr, tr_args, tr_n, Lang, Msg};
use crate::submit::engine::{Engine, NewContent, RowId};
use crate::submit::service::Content;
use crate::submit::state::State;
use crate::ui::declarations::state_label;
use crate::ui::tasks::{poll_slot, Pending, Tasks};
use crate::ui::widgets;

/// One row of the file as the preview shows it.
struct Row {
    row: usize,
    ssin: String,
    part: String,
    start: String,
    end: String,
    /// The declaration for the engine, where the row makes one.
    content: Option<Content>,
    /// Why the row makes none, or what a rule refuses in it.
    issues: Vec<DimonaIssue>,
    findings: Vec<RuleFinding>,
}

impl Row {
    fn valid(&self) -> bool {
        self.content.is_some() && !self.findings.iter().any(|f| f.blocking)
    }

    /// What is wrong, or the warning, in `lang` (empty: nothing).
    fn check(&self, lang: Lang) -> String {
        self.issues
            .iter()
            .map(|i| i.message(lang))
            .chain(self.findings.iter().map(|f| f.text(lang)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A file read.
struct File {
    /// How the journal names the file (its canonical path).
    source: String,
    /// Each column found: its name and the file's header.
    columns: Vec<(String, String)>,
    ignored: Vec<String>,
    rows: Vec<Row>,
}

/// A send under way: each valid row's index in the file's rows and its
/// journal row, and the states read last.
struct Run {
    adding: Option<Pending<Result<Vec<RowId>, Msg>>>,
    sent: Vec<usize>,
    ids: Vec<RowId>,
    states: Vec<Option<State>>,
    read_at: Option<Instant>,
    started: Instant,
}

/// Dimona's side of the Bulk page.
#[derive(Default)]
pub(super) struct DimonaBulk {
    reading: Option<Pending<Result<File, Msg>>>,
    file: Option<File>,
    error: Option<Msg>,
    run: Option<Run>,
}

impl DimonaBulk {
    pub(super) fn is_busy(&self) -> bool {
        self.reading.is_some()
    }

    /// Reads `path` on the runtime (rules at `today`).
    pub(super) fn start_reading(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        path: PathBuf,
        today: time::Date,
    ) {
        self.error = None;
        self.run = None;
        self.reading = Some(tasks.blocking(ctx, move || read(&path, today)));
    }

    fn poll(&mut self) {
        if let Some(done) = poll_slot(&mut self.reading) {
            match done {
                Some(Ok(file)) => self.file = Some(file),
                Some(Err(e)) => {
                    self.file = None;
                    self.error = Some(e);
                }
                None => self.error = Some(Msg::new("bulk.lost")),
            }
        }
        let Some(run) = &mut self.run else { return };
        if let Some(done) = poll_slot(&mut run.adding) {
            match done {
                Some(Ok(ids)) => run.ids = ids,
                Some(Err(e)) => {
                    self.error = Some(e);
                    self.run = None;
                }
                None => {
                    self.error = Some(Msg::new("bulk.lost"));
                    self.run = None;
                }
            }
        }
    }

    /// The page below the file field: the columns, the send, the preview.
    /// `engine`: Dimona's, once the connection gives one (else `why_not`).
    pub(super) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        engine: Option<&Engine>,
        why_not: Option<Msg>,
    ) {
        self.poll();
        if let Some(e) = &self.error {
            widgets::error_text_ui(ui, &e.render(lang));
        }
        if self.reading.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, "bulk.reading"));
            });
        }
        let Some(file) = &self.file else {
            return;
        };
        ui.add_space(8.0);
        egui::CollapsingHeader::new(tr(lang, "bulk.mapping"))
            .id_salt("bulk_dimona_columns")
            .default_open(self.run.is_none())
            .show(ui, |ui| {
                egui::Grid::new("bulk_dimona_columns_grid")
                    .num_columns(2)
                    .spacing([12.0, 4.0])
                    .striped(true)
                    .show(ui, |ui| {
                        ui.strong(tr(lang, "bulk.dimona.field"));
                        ui.strong(tr(lang, "bulk.mapping.column"));
                        ui.end_row();
                        for (name, header) in &file.columns {
                            ui.label(tr(lang, &format!("dimona.import.header.{name}")));
                            ui.label(header);
                            ui.end_row();
                        }
                    });
                if !file.ignored.is_empty() {
                    ui.add(
                        egui::Label::new(tr_args(
                            lang,
                            "bulk.ignored",
                            &[("columns", file.ignored.join(", "))],
                        ))
                        .wrap(),
                    );
                }
            });
        ui.add_space(8.0);
        let total = file.rows.len() as u64;
        let valid = file.rows.iter().filter(|r| r.valid()).count() as u64;
        ui.label(crate::submit::run::summary_text(
            lang,
            total,
            valid,
            total - valid,
        ));
        if self.run.is_none() {
            ui.horizontal_wrapped(|ui| {
                let send = ui.add_enabled(
                    engine.is_some() && valid > 0,
                    egui::Button::new(tr_n(lang, "bulk.send", valid, &[])),
                );
                crate::ui::keyboard::mark_next_step(&send);
                if send.clicked() {
                    if let Some(engine) = engine {
                        self.send(ui.ctx(), tasks, engine);
                    }
                }
                if engine.is_none() {
                    let why = why_not
                        .map_or_else(|| tr(lang, "bulk.needs_connection"), |m| m.render(lang));
                    ui.weak(why);
                }
            });
        } else if let Some(engine) = engine {
            self.progress_ui(ui, lang, engine);
        }
        ui.add_space(8.0);
        self.preview_ui(ui, lang);
    }

    /// Hands the valid rows to the engine: stored with their file and row as
    /// source, then sent (as `submit --service dimona` does).
    fn send(&mut self, ctx: &egui::Context, tasks: &Tasks, engine: &Engine) {
        let Some(file) = &self.file else { return };
        let mut sent = Vec::new();
        let mut items = Vec::new();
        for (i, r) in file.rows.iter().enumerate() {
            if let (true, Some(content)) = (r.valid(), &r.content) {
                sent.push(i);
                items.push(NewContent {
                    content: content.clone(),
                    source: Some(crate::submit::input::row_source(&file.source, r.row)),
                });
            }
        }
        let engine = engine.clone();
        let adding = tasks.run(ctx, async move {
            engine
                .add_and_send(items, crate::submit::run::SLICE)
                .await
                .map_err(|e| Msg::from_fn(move |lang| e.message(lang)))
        });
        self.run = Some(Run {
            adding: Some(adding),
            states: vec![None; sent.len()],
            sent,
            ids: Vec::new(),
            read_at: None,
            started: Instant::now(),
        });
    }

    fn progress_ui(&mut self, ui: &mut egui::Ui, lang: Lang, engine: &Engine) {
        let Some(run) = &mut self.run else { return };
        let due = run
            .read_at
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(300));
        if due && !run.ids.is_empty() {
            run.states = engine.states(&run.ids);
            run.read_at = Some(Instant::now());
        }
        let mut counts: BTreeMap<State, usize> = BTreeMap::new();
        for s in run.states.iter().flatten() {
            *counts.entry(*s).or_insert(0) += 1;
        }
        let settled: usize = counts
            .iter()
            .filter(|(s, _)| s.is_result() || matches!(s, State::Invalid | State::Failed))
            .map(|(_, n)| n)
            .sum();
        let n = run.sent.len();
        let line = counts
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
        ui.add(egui::ProgressBar::new(if n == 0 {
            1.0
        } else {
            settled as f32 / n as f32
        }));
        ui.label(tr_n(
            lang,
            "bulk.progress",
            n as u64,
            &[
                ("settled", format_count(lang, settled as u64)),
                ("counts", line),
            ],
        ));
        if settled < n {
            // Results come in on the runtime: drawn again while they do.
            ui.ctx().request_repaint_after(Duration::from_millis(300));
        } else {
            ui.weak(tr_args(
                lang,
                "bulk.dimona.done",
                &[(
                    "seconds",
                    format!("{:.1}", run.started.elapsed().as_secs_f32()),
                )],
            ));
        }
    }

    fn preview_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let Some(file) = &self.file else { return };
        // Each file row's state in the run, by its index in the rows.
        let mut states: Vec<Option<State>> = vec![None; file.rows.len()];
        if let Some(run) = &self.run {
            for (at, state) in run.sent.iter().zip(&run.states) {
                if let Some(slot) = states.get_mut(*at) {
                    *slot = *state;
                }
            }
        }
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        egui_extras::TableBuilder::new(ui)
            .id_salt("bulk_dimona_preview")
            .striped(true)
            .max_scroll_height(420.0)
            .column(egui_extras::Column::auto().at_least(40.0))
            .column(egui_extras::Column::auto().at_least(110.0))
            .column(egui_extras::Column::auto().at_least(60.0))
            .column(egui_extras::Column::auto().at_least(90.0))
            .column(egui_extras::Column::auto().at_least(90.0))
            .column(egui_extras::Column::remainder().at_least(200.0))
            .header(row_height, |mut header| {
                super::preview::header_cells(
                    &mut header,
                    lang,
                    &[
                        "bulk.col.row",
                        "bulk.col.worker",
                        "bulk.dimona.col.part",
                        "bulk.col.start",
                        "bulk.col.end",
                        "bulk.col.check",
                    ],
                );
            })
            .body(|body| {
                body.rows(row_height, file.rows.len(), |mut row| {
                    let i = row.index();
                    let Some(r) = file.rows.get(i) else { return };
                    row.col(|ui| {
                        ui.label(r.row.to_string());
                    });
                    row.col(|ui| {
                        ui.label(&r.ssin);
                    });
                    row.col(|ui| {
                        ui.label(&r.part);
                    });
                    row.col(|ui| {
                        ui.label(&r.start);
                    });
                    row.col(|ui| {
                        ui.label(&r.end);
                    });
                    row.col(|ui| {
                        let check = r.check(lang);
                        match states.get(i).copied().flatten() {
                            Some(state) => {
                                ui.label(state_label(state, lang));
                            }
                            None if !r.valid() => {
                                // One line in the row; the whole of it on hover.
                                let text =
                                    egui::RichText::new(&check).color(ui.visuals().error_fg_color);
                                ui.add(egui::Label::new(text).truncate())
                                    .on_hover_text(&check);
                            }
                            None if check.is_empty() => {
                                ui.label(tr(lang, "bulk.valid"));
                            }
                            None => {
                                ui.label(tr_args(
                                    lang,
                                    "bulk.valid_warning",
                                    &[("message", check)],
                                ));
                            }
                        }
                    });
                });
            });
    }
}

/// Reads and checks a file (on the runtime).
fn read(path: &std::path::Path, today: time::Date) -> Result<File, Msg> {
    let bytes =
        crate::files::read_input(path).map_err(|e| Msg::from_fn(move |lang| e.message(lang)))?;
    let name = path.display().to_string();
    let read = dimona_import::import_owned(bytes)
        .map_err(|e| Msg::from_fn(move |lang| e.message(lang, &name)))?;
    let mapping = &read.mapping;
    let columns = mapping
        .columns
        .iter()
        .map(|(c, i)| {
            (
                c.name().to_owned(),
                mapping.headers.get(*i).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let rows = read
        .rows
        .into_iter()
        .map(|r| match r.declaration {
            Ok(d) => {
                let (start, end) = d.dates();
                Row {
                    row: r.row,
                    ssin: crate::identifiers::format_ssin(&d.worker.ssin),
                    part: d.part().map_or("?", |p| p.code()).to_owned(),
                    start: start.map(crate::i18n::format_iso_date).unwrap_or_default(),
                    end: end.map(crate::i18n::format_iso_date).unwrap_or_default(),
                    findings: rules::check(&d, today),
                    issues: Vec::new(),
                    content: Some(crate::dimona::service::content(d)),
                }
            }
            Err(issues) => Row {
                row: r.row,
                ssin: String::new(),
                part: String::new(),
                start: String::new(),
                end: String::new(),
                content: None,
                issues,
                findings: Vec::new(),
            },
        })
        .collect();
    Ok(File {
        source: crate::files::file_source(path),
        columns,
        ignored: read.mapping.ignored.clone(),
        rows,
    })
}
