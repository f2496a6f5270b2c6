//! The Bulk page: a spreadsheet as HR offices keep it (CSV or XLSX), read and
//! mapped on the runtime by the importer; the mapping, changeable field by
//! field; a virtualized preview of every row with its validation; then *Send
//! the N valid rows* through the app's submission engine (the same library
//! calls as `submit`: stored in the journal, then sent), with the progress
//! read from the engine's snapshot.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::Date;

use crate::i18n::{format_count, tr, tr_args, tr_n, Lang, Msg};
use crate::submit::engine::{NewDeclaration, RowId};
use crate::submit::import::{self, Field, ImportedRow, Mapping, Table};
use crate::submit::state::State;
use crate::ui::declarations::host::{Command, DeclarationsHost};
use crate::ui::declarations::state_label;
use crate::ui::tasks::{poll_slot, FileDialog, Pending, Tasks};
use crate::ui::widgets;

/// The extensions a dropped file is taken by the Bulk page for.
pub const EXTENSIONS: [&str; 4] = ["csv", "tsv", "txt", "xlsx"];

/// Whether a dropped file is a spreadsheet for the Bulk page.
pub fn is_spreadsheet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// What the page asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkCommand {
    /// Open this row of the journal on the Declarations page.
    Open(RowId),
    /// Remember in the current profile the column the user took a field from
    /// (`None`: forget the field's choice), for the next file.
    RememberColumn(Field, Option<String>),
    /// Forget the current profile's remembered column choices.
    ForgetColumns,
}

/// Which rows the preview shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    All,
    Valid,
    Invalid,
}

/// A file read: its table (kept to map again), the mapping and the rows.
struct Loaded {
    path: PathBuf,
    /// How the journal names the file (its canonical path), found on the runtime.
    source: String,
    table: Arc<Table>,
    mapping: Mapping,
    rows: Vec<ImportedRow>,
    /// The profile's remembered choices the file could take.
    remembered: Vec<(Field, Option<String>)>,
}

/// What a mapping change gives.
struct Converted {
    mapping: Mapping,
    rows: Vec<ImportedRow>,
}

/// A send under way: the sources of its rows in the journal.
struct Run {
    sources: HashSet<String>,
    started: Instant,
    /// Counts per state, read from the engine's snapshot (on a clock).
    counts: BTreeMap<State, usize>,
    paused: bool,
    read_at: Option<Instant>,
    /// Each file row's row in the journal, once stored.
    ids: std::collections::HashMap<usize, RowId>,
    /// The server's anomalies of the rows, by code.
    anomalies: BTreeMap<String, usize>,
    /// The user cancelled the rest: the rows still `ready` are not sent.
    cancelled: bool,
    /// The rows of the run still `ready` (stored, not sent), at the last read.
    ready: usize,
}

impl Run {
    /// A run that starts now, on the rows of these sources.
    fn starting(sources: HashSet<String>) -> Run {
        Run {
            sources,
            started: Instant::now(),
            counts: BTreeMap::new(),
            paused: false,
            read_at: None,
            ids: Default::default(),
            anomalies: BTreeMap::new(),
            cancelled: false,
            ready: 0,
        }
    }
}

/// The page's state.
#[derive(Default)]
pub struct BulkPage {
    /// The file field.
    pub path: String,
    /// The date the rules are checked at (tests: a fixed one; else today in Brussels).
    pub today: Option<Date>,
    load_now: bool,
    dialog_missing: bool,
    picking: Option<Pending<Option<PathBuf>>>,
    reading: Option<Pending<Result<Loaded, Msg>>>,
    converting: Option<Pending<Result<Converted, Msg>>>,
    error: Option<Msg>,
    file: Option<PathBuf>,
    /// How the journal names `file` (its canonical path).
    file_source: Option<String>,
    table: Option<Arc<Table>>,
    mapping: Option<Mapping>,
    forced: Vec<(Field, Option<String>)>,
    /// The choices before the last change: back to them if it cannot be mapped.
    forced_before: Vec<(Field, Option<String>)>,
    rows: Vec<ImportedRow>,
    filter: Filter,
    /// The rows the filter shows (indices in `rows`).
    shown: Vec<usize>,
    run: Option<Run>,
    /// A CSV being chosen (where) or written: what it is and the bytes' maker.
    saving: Option<Pending<Option<Result<Msg, Msg>>>>,
    saved: Option<Result<Msg, Msg>>,
    /// Rows of a file stored in the journal and never sent (a run the app's
    /// closing interrupted), looked for on a clock: their sources and ids.
    left: Vec<(String, RowId)>,
    left_read: Option<Instant>,
    /// The valid rows of the file, counted once per conversion.
    valid: usize,
    /// How many of the profile's remembered column choices the file took.
    remembered: usize,
    /// The user's last column change, remembered once the file maps with it.
    changing: Option<(Field, Option<String>)>,
    /// The remembered choices were forgotten (said until the next file).
    forgot: bool,
}

/// Which CSV to save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Export {
    Invalid,
    Report,
}

impl BulkPage {
    /// A file dropped on the window while the page is on screen.
    pub fn file_dropped(&mut self, path: &Path) {
        self.path = path.display().to_string();
        self.load_now = true;
    }

    /// True while a file is read or converted.
    pub fn is_busy(&self) -> bool {
        self.load_now
            || self.reading.is_some()
            || self.converting.is_some()
            || self.picking.is_some()
    }

    fn today(&self) -> Date {
        self.today
            .unwrap_or_else(|| crate::today::brussels_date(time::OffsetDateTime::now_utc()))
    }

    fn start_reading(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        remembered: &BTreeMap<String, String>,
    ) {
        let path = PathBuf::from(self.path.trim());
        if path.as_os_str().is_empty() {
            return;
        }
        let today = self.today();
        let remembered = remembered.clone();
        self.error = None;
        self.run = None;
        self.forgot = false;
        self.forced.clear();
        self.reading = Some(tasks.blocking(ctx, move || {
            let bytes = crate::files::read_input(&path)
                .map_err(|e| Msg::from_fn(move |lang| e.message(lang)))?;
            let name = path.display().to_string();
            let failed = |e: import::ImportError| {
                let name = name.clone();
                Msg::from_fn(move |lang| e.message(lang, &name))
            };
            let table = import::read_table(&bytes).map_err(failed)?;
            // The profile's choices first, as `--mapping` would; if they no
            // longer fit together, the file's own mapping.
            let chosen = import::remembered_choices(&table, &remembered);
            let (mapping, chosen) = match import::map_table(&table, &chosen) {
                Ok(mapping) => (mapping, chosen),
                Err(_) if !chosen.is_empty() => {
                    (import::map_table(&table, &[]).map_err(failed)?, Vec::new())
                }
                Err(e) => return Err(failed(e)),
            };
            let rows = import::convert(&table, &mapping, today);
            Ok(Loaded {
                source: crate::files::file_source(&path),
                path,
                table: Arc::new(table),
                mapping,
                rows,
                remembered: chosen,
            })
        }));
    }

    /// Maps the file again with the user's choices and converts its rows.
    fn start_converting(&mut self, ctx: &egui::Context, tasks: &Tasks) {
        let (Some(table), Some(file)) = (self.table.clone(), self.file.clone()) else {
            return;
        };
        let forced = self.forced.clone();
        let today = self.today();
        self.converting = Some(tasks.blocking(ctx, move || {
            let mapping = import::map_table(&table, &forced).map_err(|e| {
                let name = file.display().to_string();
                Msg::from_fn(move |lang| e.message(lang, &name))
            })?;
            let rows = import::convert(&table, &mapping, today);
            Ok(Converted { mapping, rows })
        }));
    }

    fn poll(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        remembered: &BTreeMap<String, String>,
        commands: &mut Vec<BulkCommand>,
    ) {
        if let Some(Some(Some(path))) = poll_slot(&mut self.picking) {
            self.path = path.display().to_string();
            self.load_now = true;
        }
        if std::mem::take(&mut self.load_now) {
            self.start_reading(ctx, tasks, remembered);
        }
        match poll_slot(&mut self.reading) {
            Some(Some(Ok(loaded))) => {
                self.remembered = loaded.remembered.len();
                self.forced = loaded.remembered;
                self.file = Some(loaded.path);
                self.file_source = Some(loaded.source);
                self.table = Some(loaded.table);
                self.mapping = Some(loaded.mapping);
                self.set_rows(loaded.rows);
            }
            Some(Some(Err(e))) => {
                self.error = Some(e);
                self.file = None;
                self.file_source = None;
                self.table = None;
                self.mapping = None;
                self.set_rows(Vec::new());
            }
            Some(None) => self.error = Some(Msg::new("bulk.lost")),
            None => {}
        }
        match poll_slot(&mut self.converting) {
            Some(Some(Ok(converted))) => {
                self.mapping = Some(converted.mapping);
                self.set_rows(converted.rows);
                if let Some((field, header)) = self.changing.take() {
                    commands.push(BulkCommand::RememberColumn(field, header));
                }
            }
            Some(Some(Err(e))) => {
                self.error = Some(e);
                self.forced = std::mem::take(&mut self.forced_before);
                self.changing = None;
            }
            Some(None) => self.error = Some(Msg::new("bulk.lost")),
            None => {}
        }
    }

    fn poll_saving(&mut self) {
        match poll_slot(&mut self.saving) {
            Some(Some(Some(done))) => self.saved = Some(done),
            Some(Some(None)) => {}
            Some(None) => self.saved = Some(Err(Msg::new("bulk.lost"))),
            None => {}
        }
    }

    fn set_rows(&mut self, rows: Vec<ImportedRow>) {
        self.valid = rows.iter().filter(|r| r.is_valid()).count();
        self.rows = rows;
        self.refilter();
    }

    fn refilter(&mut self) {
        let filter = self.filter;
        self.shown = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| match filter {
                Filter::All => true,
                Filter::Valid => r.is_valid(),
                Filter::Invalid => !r.is_valid(),
            })
            .map(|(i, _)| i)
            .collect();
    }

    fn valid(&self) -> usize {
        self.valid
    }

    /// Offers to send the rows of a file an earlier run stored and did not
    /// send (the app was closed meanwhile).
    fn left_ui(&mut self, ui: &mut egui::Ui, lang: Lang, host: &DeclarationsHost) {
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
                    .filter_map(|r| r.source.map(|s| (s, r.id)))
                    .filter(|(s, _)| s.contains('#'))
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
                let ids: Vec<RowId> = self.left.iter().map(|(_, id)| *id).collect();
                engine.send(&ids);
                self.run = Some(Run::starting(self.left.drain(..).map(|(s, _)| s).collect()));
            }
        });
    }

    /// `remembered`: the current profile's column choices (field → header).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        host: &DeclarationsHost,
        remembered: &BTreeMap<String, String>,
    ) -> Vec<BulkCommand> {
        let mut commands = Vec::new();
        self.poll(ui.ctx(), tasks, remembered, &mut commands);
        self.poll_saving();
        ui.heading(tr(lang, "nav.bulk"));
        ui.add(egui::Label::new(tr(lang, "page.bulk.intro")).wrap());
        ui.add_space(6.0);
        self.file_ui(ui, lang, tasks, remembered);
        if let Some(e) = &self.error {
            widgets::error_text_ui(ui, &e.render(lang));
        }
        if self.is_busy() && self.picking.is_none() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, "bulk.reading"));
            });
        }
        if self.mapping.is_none() {
            self.left_ui(ui, lang, host);
            if self.run.is_some() {
                self.progress_ui(ui, lang, host);
            }
            return commands;
        }
        ui.add_space(8.0);
        self.mapping_ui(ui, lang, tasks, remembered, &mut commands);
        ui.add_space(8.0);
        self.send_ui(ui, lang, host);
        self.export_ui(ui, lang, tasks, host);
        ui.add_space(8.0);
        self.preview_ui(ui, lang, &mut commands);
        commands
    }

    fn file_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        remembered: &BTreeMap<String, String>,
    ) {
        let busy = self.reading.is_some();
        ui.horizontal(|ui| {
            let label = ui.label(tr(lang, "bulk.file"));
            let width = (ui.available_width() - 220.0).max(200.0);
            let field = ui
                .add_enabled(
                    !busy,
                    egui::TextEdit::singleline(&mut self.path)
                        .hint_text(tr(lang, "bulk.file_hint"))
                        .desired_width(width),
                )
                .labelled_by(label.id);
            if field.changed() {
                self.dialog_missing = false;
            }
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let browse = ui.add_enabled(
                !busy && self.picking.is_none(),
                egui::Button::new(tr(lang, "bulk.browse")),
            );
            if browse.clicked() && tasks.file_dialog() == FileDialog::Missing {
                self.dialog_missing = true;
            } else if browse.clicked() {
                self.dialog_missing = false;
                self.picking = Some(tasks.run(ui.ctx(), async {
                    rfd::AsyncFileDialog::new()
                        .add_filter("CSV, Excel", &EXTENSIONS)
                        .pick_file()
                        .await
                        .map(|handle| handle.path().to_path_buf())
                }));
            }
            let read = ui.add_enabled(
                !busy && !self.path.trim().is_empty(),
                egui::Button::new(tr(lang, "bulk.read")),
            );
            if read.clicked() || entered {
                self.start_reading(ui.ctx(), tasks, remembered);
            }
        });
        if self.dialog_missing {
            widgets::error_text_ui(ui, &tr(lang, "bulk.file_dialog_missing"));
        }
        ui.weak(tr(lang, "bulk.drop_hint"));
    }

    fn mapping_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        remembered: &BTreeMap<String, String>,
        commands: &mut Vec<BulkCommand>,
    ) {
        let Some(mapping) = &self.mapping else {
            return;
        };
        let Some(table) = &self.table else { return };
        let sample = table
            .rows
            .iter()
            .find(|(row, _)| *row > mapping.header_row)
            .map(|(_, cells)| cells.clone())
            .unwrap_or_default();
        let headers = mapping.headers.clone();
        let mut changed: Option<(Field, Option<String>)> = None;
        egui::CollapsingHeader::new(tr(lang, "bulk.mapping"))
            .default_open(true)
            .show(ui, |ui| {
                egui::Grid::new("bulk_mapping")
                    .num_columns(3)
                    .spacing([12.0, 4.0])
                    .striped(true)
                    .show(ui, |ui| {
                        ui.strong(tr(lang, "bulk.mapping.field"));
                        ui.strong(tr(lang, "bulk.mapping.column"));
                        ui.strong(tr(lang, "bulk.mapping.sample"));
                        ui.end_row();
                        for field in Field::ALL {
                            let chosen = mapping.column(field);
                            let mut name = tr(lang, field.label_key());
                            if field.required() {
                                name.push_str(" *");
                            }
                            let label = ui.label(name);
                            let none = tr(lang, "bulk.mapping.none");
                            let text = chosen
                                .and_then(|c| headers.get(c).cloned())
                                .unwrap_or_else(|| none.clone());
                            egui::ComboBox::from_id_salt(("bulk_map", field.name()))
                                .selected_text(text)
                                .width(220.0)
                                .show_ui(ui, |ui| {
                                    if ui.selectable_label(chosen.is_none(), &none).clicked()
                                        && chosen.is_some()
                                    {
                                        changed = Some((field, None));
                                    }
                                    for (i, header) in headers.iter().enumerate() {
                                        if ui.selectable_label(chosen == Some(i), header).clicked()
                                            && chosen != Some(i)
                                        {
                                            changed = Some((field, Some(header.clone())));
                                        }
                                    }
                                })
                                .response
                                .labelled_by(label.id);
                            let value = chosen
                                .and_then(|c| sample.get(c))
                                .map(|c| c.display())
                                .unwrap_or_default();
                            ui.weak(value);
                            ui.end_row();
                        }
                    });
                if !mapping.ignored.is_empty() {
                    ui.add(
                        egui::Label::new(tr_args(
                            lang,
                            "bulk.ignored",
                            &[("columns", mapping.ignored.join(", "))],
                        ))
                        .wrap(),
                    );
                }
            });
        self.remembered_ui(ui, lang, remembered, commands);
        if let Some((field, header)) = changed {
            self.error = None;
            self.forced_before = self.forced.clone();
            self.forced.retain(|(f, _)| *f != field);
            self.forced.push((field, header.clone()));
            self.changing = Some((field, header));
            self.run = None;
            self.start_converting(ui.ctx(), tasks);
        }
    }

    /// The choices remembered from last time that this file took, and a way
    /// to forget them (the next files are then mapped by their own headers).
    fn remembered_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        remembered: &BTreeMap<String, String>,
        commands: &mut Vec<BulkCommand>,
    ) {
        if self.forgot {
            ui.add(egui::Label::new(tr(lang, "bulk.forgot_remembered")).wrap());
            return;
        }
        if remembered.is_empty() && self.remembered == 0 {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            ui.label(tr_args(
                lang,
                "bulk.remembered",
                &[("n", format_count(lang, self.remembered as u64))],
            ));
            if ui.button(tr(lang, "bulk.forget_remembered")).clicked() {
                commands.push(BulkCommand::ForgetColumns);
                self.remembered = 0;
                self.forgot = true;
            }
        });
    }

    fn send_ui(&mut self, ui: &mut egui::Ui, lang: Lang, host: &DeclarationsHost) {
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
    fn send(&mut self, host: &DeclarationsHost) {
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
        let sources = items.iter().filter_map(|i| i.source.clone()).collect();
        host.command(Command::Import(items));
        self.run = Some(Run::starting(sources));
    }

    fn progress_ui(&mut self, ui: &mut egui::Ui, lang: Lang, host: &DeclarationsHost) {
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
                let Some(source) = row.source.as_ref().filter(|s| run.sources.contains(*s)) else {
                    continue;
                };
                *counts.entry(row.state).or_insert(0) += 1;
                for a in &row.anomalies {
                    *anomalies.entry(a.code.clone()).or_insert(0) += 1;
                }
                if let Some(n) = crate::submit::input::source_row(source) {
                    run.ids.insert(n, row.id);
                }
            }
            run.ready = counts.get(&State::Ready).copied().unwrap_or(0);
            run.counts = counts;
            run.anomalies = anomalies;
            run.paused = snapshot.paused;
            run.read_at = Some(Instant::now());
        }
        let total = run.sources.len();
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

    fn export_ui(&mut self, ui: &mut egui::Ui, lang: Lang, tasks: &Tasks, host: &DeclarationsHost) {
        let invalid = self.rows.len() - self.valid();
        let mut asked = None;
        ui.horizontal_wrapped(|ui| {
            let free = self.saving.is_none();
            if ui
                .add_enabled(
                    free && invalid > 0,
                    egui::Button::new(tr(lang, "bulk.save_invalid")),
                )
                .clicked()
            {
                asked = Some(Export::Invalid);
            }
            if ui
                .add_enabled(
                    free && self.run.is_some(),
                    egui::Button::new(tr(lang, "bulk.save_report")),
                )
                .clicked()
            {
                asked = Some(Export::Report);
            }
        });
        match &self.saved {
            Some(Ok(done)) => {
                ui.add(egui::Label::new(done.render(lang)).wrap());
            }
            Some(Err(e)) => widgets::error_text_ui(ui, &e.render(lang)),
            None => {}
        }
        if let Some(export) = asked {
            self.start_saving(ui.ctx(), tasks, host, export, lang);
        }
    }

    /// Makes the CSV now (from what the page shows) and writes it where the
    /// user says, or, on a system without a file dialog, beside the file.
    fn start_saving(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        host: &DeclarationsHost,
        export: Export,
        lang: Lang,
    ) {
        let Some(file) = self.file.clone() else {
            return;
        };
        let made = match export {
            Export::Invalid => self.invalid_csv(lang),
            Export::Report => self.report_csv(host, lang),
        };
        let bytes = match made {
            Ok(bytes) => bytes,
            Err(e) => {
                let detail = e.to_string();
                self.saved = Some(Err(Msg::new("bulk.save_failed")
                    .arg("path", file.display().to_string())
                    .arg("detail", detail)));
                return;
            }
        };
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "fla".into());
        let name = match export {
            Export::Invalid => format!("{stem}-invalid.csv"),
            Export::Report => format!("{stem}-report.csv"),
        };
        let beside = file.with_file_name(&name);
        let dialog = tasks.file_dialog() != FileDialog::Missing;
        self.saved = None;
        self.saving = Some(tasks.run(ctx, async move {
            let path = if dialog {
                let mut d = rfd::AsyncFileDialog::new().set_file_name(&name);
                if let Some(dir) = beside.parent() {
                    d = d.set_directory(dir);
                }
                d.save_file().await?.path().to_path_buf()
            } else {
                beside
            };
            let shown = path.display().to_string();
            let written =
                tokio::task::spawn_blocking(move || crate::files::write_atomically(&path, &bytes))
                    .await;
            Some(match written {
                Ok(Ok(())) => Ok(Msg::new("bulk.saved").arg("path", shown)),
                Ok(Err(e)) => Err(Msg::from_fn(move |lang| e.message(lang))),
                Err(e) => Err(Msg::new("bulk.save_failed")
                    .arg("path", shown)
                    .arg("detail", e.to_string())),
            })
        }));
    }

    /// The invalid rows as the file has them, with a last column of their
    /// messages: to fix in the spreadsheet and read again.
    fn invalid_csv(&self, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        if let (Some(mapping), Some(table)) = (&self.mapping, &self.table) {
            let mut header = mapping.headers.clone();
            header.push(tr(lang, "bulk.problems_column"));
            w.write_record(&header)?;
            let cells: std::collections::HashMap<usize, &Vec<import::Cell>> =
                table.rows.iter().map(|(n, c)| (*n, c)).collect();
            for r in self.rows.iter().filter(|r| !r.is_valid()) {
                let mut record: Vec<String> = cells
                    .get(&r.row)
                    .map(|c| c.iter().map(import::Cell::display).collect())
                    .unwrap_or_default();
                record.resize(mapping.headers.len(), String::new());
                let messages: Vec<String> = r
                    .problems
                    .iter()
                    .map(|p| format!("{} [{}]", p.message(lang), p.code))
                    .collect();
                record.push(messages.join(" | "));
                w.write_record(&record)?;
            }
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    /// What each row of the file came to: the engine's view of the rows sent,
    /// the preview's problems for the rows held back (as `submit --report`).
    fn report_csv(&self, host: &DeclarationsHost, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        use crate::cli::submit::{row_outcome, RowOutcome};
        let by_row: std::collections::HashMap<usize, crate::submit::engine::RowView> =
            match (host.engine(), &self.run) {
                (Some(engine), Some(run)) => engine
                    .snapshot()
                    .rows
                    .into_iter()
                    .filter_map(|r| {
                        let source = r.source.clone()?;
                        if !run.sources.contains(&source) {
                            return None;
                        }
                        let row = crate::submit::input::source_row(&source)?;
                        Some((row, r))
                    })
                    .collect(),
                _ => Default::default(),
            };
        let outcomes: Vec<RowOutcome> = self
            .rows
            .iter()
            .map(|r| match by_row.get(&r.row) {
                Some(view) => row_outcome(r.row, view, lang),
                None if r.is_valid() => RowOutcome {
                    row: r.row,
                    reference: r.reference.clone(),
                    state: State::Draft.code().into(),
                    ..RowOutcome::default()
                },
                None => RowOutcome {
                    row: r.row,
                    reference: r.reference.clone(),
                    state: State::Invalid.code().into(),
                    anomalies: r
                        .problems
                        .iter()
                        .map(|p| (p.code.to_owned(), p.message(lang)))
                        .collect(),
                    ..RowOutcome::default()
                },
            })
            .collect();
        crate::cli::submit::report_csv(&outcomes)
    }

    fn preview_ui(&mut self, ui: &mut egui::Ui, lang: Lang, commands: &mut Vec<BulkCommand>) {
        let valid = self.valid();
        let invalid = self.rows.len() - valid;
        let mut filter = self.filter;
        ui.horizontal(|ui| {
            ui.label(tr(lang, "bulk.show"));
            for (f, key, n) in [
                (Filter::All, "bulk.filter.all", self.rows.len()),
                (Filter::Valid, "bulk.filter.valid", valid),
                (Filter::Invalid, "bulk.filter.invalid", invalid),
            ] {
                let text = tr_args(lang, key, &[("n", format_count(lang, n as u64))]);
                if ui.selectable_label(filter == f, text).clicked() {
                    filter = f;
                }
            }
        });
        if filter != self.filter {
            self.filter = filter;
            self.refilter();
        }
        let rows = &self.rows;
        let shown = &self.shown;
        let ids = self.run.as_ref().map(|r| &r.ids);
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        egui_extras::TableBuilder::new(ui)
            .id_salt("bulk_preview")
            .striped(true)
            .resizable(true)
            .max_scroll_height(420.0)
            .column(egui_extras::Column::auto().at_least(40.0))
            .column(egui_extras::Column::auto().at_least(90.0))
            .column(egui_extras::Column::auto().at_least(100.0))
            .column(egui_extras::Column::initial(180.0).clip(true))
            .column(egui_extras::Column::auto().at_least(80.0))
            .column(egui_extras::Column::auto().at_least(80.0))
            .column(egui_extras::Column::remainder().at_least(200.0))
            .header(row_height, |mut header| {
                for key in [
                    "bulk.col.row",
                    "bulk.col.reference",
                    "bulk.col.worker",
                    "bulk.col.training",
                    "bulk.col.start",
                    "bulk.col.end",
                    "bulk.col.check",
                ] {
                    header.col(|ui| {
                        ui.strong(tr(lang, key));
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, shown.len(), |mut table_row| {
                    let Some(r) = shown.get(table_row.index()).and_then(|&i| rows.get(i)) else {
                        return;
                    };
                    let d = r.declaration.as_ref();
                    // A row sent opens on the Declarations page.
                    let id = ids.and_then(|ids| ids.get(&r.row)).copied();
                    table_row.col(|ui| match id {
                        Some(id) => {
                            if ui.link(r.row.to_string()).clicked() {
                                commands.push(BulkCommand::Open(id));
                            }
                        }
                        None => {
                            ui.label(r.row.to_string());
                        }
                    });
                    let cells = [
                        r.reference.clone(),
                        d.map(|d| d.worker.ssin.clone()).unwrap_or_default(),
                        d.map(|d| d.training.name.clone()).unwrap_or_default(),
                        d.map(|d| shown_date(&d.training.start_date))
                            .unwrap_or_default(),
                        d.map(|d| shown_date(&d.training.end_date))
                            .unwrap_or_default(),
                    ];
                    for text in cells {
                        table_row.col(|ui| {
                            ui.add(egui::Label::new(text).truncate());
                        });
                    }
                    table_row.col(|ui| match r.problems.first() {
                        // Sent all the same; said as the editor says it.
                        None if r.declaration.is_some() && !r.warnings.is_empty() => {
                            let message = r.warnings[0].message(lang);
                            let text = tr_args(lang, "bulk.valid_warning", &[("message", message)]);
                            ui.add(
                                egui::Label::new(
                                    egui::RichText::new(text).color(ui.visuals().warn_fg_color),
                                )
                                .truncate(),
                            );
                        }
                        None if r.declaration.is_some() => {
                            ui.label(tr(lang, "bulk.valid"));
                        }
                        first => {
                            let message = first
                                .map(|p| p.message(lang))
                                .unwrap_or_else(|| tr(lang, "bulk.invalid"));
                            let more = r.problems.len().saturating_sub(1) as u64;
                            let text = if more > 0 {
                                format!("{message} {}", tr_n(lang, "bulk.more_problems", more, &[]))
                            } else {
                                message
                            };
                            widgets::error_text_ui(ui, &text);
                        }
                    });
                });
            });
    }
}

/// A date of the contract (ISO) as the pages show dates: dd/mm/yyyy.
fn shown_date(iso: &str) -> String {
    crate::i18n::parse_user_date(iso)
        .map(crate::i18n::format_date)
        .unwrap_or_else(|| iso.to_owned())
}
