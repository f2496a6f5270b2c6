//! The Bulk page: a spreadsheet as HR offices keep it (CSV or XLSX), read and
//! mapped on the runtime by the importer; the mapping, changeable field by
//! field; a virtualized preview of every row with its validation; then *Send
//! the N valid rows* through the app's submission engine (the same library
//! calls as `submit`: stored in the journal, then sent), with the progress
//! read from the engine's snapshot.

mod dimona;
mod export;
mod preview;
mod run;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use time::Date;

use crate::channel::env::EnvironmentKind;
use crate::checklist::Role;
use crate::fla::wire::Anomaly;
use crate::i18n::{format_count, tr, tr_args, Lang, Msg};
use crate::identifiers::format_enterprise_number;
use crate::profile::{MandateState, Profile};
use crate::submit::engine::{RowId, RowView};
use crate::submit::import::{self, Field, ImportedRow, Mapping, Table};
use crate::submit::journal::RowError;
use crate::submit::state::State;
use crate::ui::declarations::host::DeclarationsHost;
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
    /// A file was read on the page: it goes into the recent files.
    FileRead(PathBuf),
}

/// What the page needs of the current profile: its name (a switch lets the
/// run go), and whom it may send for (rows for others are flagged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkProfile {
    pub name: String,
    pub role: Option<Role>,
    /// An employer's own enterprise number (ten digits; empty: not set).
    pub enterprise: String,
    /// A representative's clients with an active mandate (ten digits each).
    pub active_clients: Vec<String>,
    /// It declares Dimona too (the Checklist asks): the page offers it.
    pub dimona: bool,
}

/// Whom the page sends for: the current profile, and Dimona's engine where
/// it declares Dimona.
pub struct BulkFor<'a> {
    pub profile: &'a BulkProfile,
    pub dimona: BulkDimona<'a>,
}

/// Dimona's engine as the app has it for the page: open for the connection
/// of the moment, or why not (none: no connection yet).
#[derive(Default)]
pub struct BulkDimona<'a> {
    pub engine: Option<&'a crate::submit::engine::Engine>,
    pub why_not: Option<Msg>,
}

impl BulkProfile {
    pub fn of(profile: &Profile) -> BulkProfile {
        BulkProfile {
            name: profile.name.clone(),
            role: profile.role,
            enterprise: digits(&profile.enterprise),
            active_clients: profile
                .clients
                .iter()
                .filter(|c| c.mandate == MandateState::Active)
                .map(|c| digits(&c.enterprise))
                .collect(),
            dimona: profile.dimona,
        }
    }

    /// Why this profile should not send a row for `enterprise` (ten digits),
    /// if it should not: an employer sends only its own rows, a
    /// representative only its clients' with an active mandate.
    fn out_of_scope(&self, enterprise: &str) -> Option<Msg> {
        let role = self.role?;
        let theirs = format_enterprise_number(enterprise);
        if role.declares_for_itself() {
            if self.enterprise.is_empty() || self.enterprise == enterprise {
                return None;
            }
            return Some(
                Msg::new("bulk.scope.other_enterprise")
                    .arg("enterprise", theirs)
                    .arg("own", format_enterprise_number(&self.enterprise)),
            );
        }
        if self.active_clients.iter().any(|c| c == enterprise) {
            return None;
        }
        Some(Msg::new("bulk.scope.no_mandate").arg("enterprise", theirs))
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// Which rows the preview shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    All,
    Valid,
    Invalid,
    /// Rows of the run the server accepted (with or without warnings).
    Accepted,
    /// Rows of the run refused, failed or blocked: the ones to fix.
    RefusedOrFailed,
}

/// What a row of the run came to, read from the engine's snapshot.
#[derive(Debug, Clone, PartialEq)]
struct RowStatus {
    state: State,
    error: Option<RowError>,
    anomalies: Vec<Anomaly>,
}

impl RowStatus {
    fn of(view: &RowView) -> RowStatus {
        RowStatus {
            state: view.state,
            error: view.error.clone(),
            anomalies: view.anomalies.clone(),
        }
    }

    /// Whether it is what `view` says now.
    fn is_of(&self, view: &RowView) -> bool {
        self.state == view.state && self.error == view.error && self.anomalies == view.anomalies
    }

    fn accepted(&self) -> bool {
        self.state.is_accepted()
    }

    fn refused_or_failed(&self) -> bool {
        self.state.is_refused_or_failed()
    }
}

/// A file read: its table (kept to map again), the mapping and the rows.
struct Loaded {
    path: PathBuf,
    /// How the journal names the file (its canonical path), found on the runtime.
    source: String,
    table: Arc<Table>,
    mapping: Mapping,
    rows: Vec<ImportedRow>,
    /// Required fields without a column, as [`Converted::missing`].
    missing: Option<Msg>,
    /// The profile's remembered choices the file could take.
    remembered: Vec<(Field, Option<String>)>,
}

/// What a mapping change gives.
struct Converted {
    mapping: Mapping,
    rows: Vec<ImportedRow>,
    /// Required fields still without a column (`missing_columns`): said, the
    /// mapping shown so that the user chooses them.
    missing: Option<Msg>,
}

/// A send under way: its rows as the journal knows them (enterprise and
/// reference, the reference made from the content where the file gives none;
/// a row already in the journal, from this file or a copy, is that row), each
/// with the file's row number.
struct Run {
    /// Each file row by (enterprise, reference).
    rows: std::sync::Arc<HashMap<(String, String), usize>>,
    started: Instant,
    /// Counts per state, read from the engine's snapshot (on a clock).
    counts: BTreeMap<State, usize>,
    paused: bool,
    read_at: Option<Instant>,
    /// Each file row's row in the journal, once stored.
    ids: std::sync::Arc<HashMap<usize, RowId>>,
    /// The journal's rows up to this id were looked through for the file's
    /// rows (a later read looks only at the rows after it).
    scanned_to: RowId,
    /// Each file row's state, failure and anomalies, at the last read.
    statuses: std::sync::Arc<HashMap<usize, RowStatus>>,
    /// A read of the run on the runtime (see `run::read_run`).
    reading: Option<Pending<run::RunRead>>,
    /// The user cancelled the rest: the rows still `ready` are not sent.
    cancelled: bool,
    /// The rows of the run still `ready` (stored, not sent), at the last read.
    ready: usize,
}

impl Run {
    /// A run that starts now, on these rows.
    fn starting(rows: HashMap<(String, String), usize>) -> Run {
        Run {
            rows: std::sync::Arc::new(rows),
            started: Instant::now(),
            counts: BTreeMap::new(),
            paused: false,
            read_at: None,
            ids: Default::default(),
            scanned_to: 0,
            statuses: Default::default(),
            reading: None,
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
    /// Where a template goes on a system without a file dialog (tests: a
    /// temporary folder; else the documents folder).
    pub template_dir: Option<PathBuf>,
    /// The environment whose journal the page's run and unsent rows belong to.
    environment: Option<EnvironmentKind>,
    /// Said once, until the next file: e.g. a run left in another journal.
    notice: Option<Msg>,
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
    /// A file to save, asked where (no file dialog).
    asking_where: Option<export::AskWhere>,
    /// Rows of a file stored in the journal and never sent (a run the app's
    /// closing interrupted), looked for on a clock: each row's key
    /// (enterprise, reference), its row in the file and its id.
    left: Vec<((String, String), usize, RowId)>,
    left_read: Option<Instant>,
    /// The valid rows of the file, counted once per conversion.
    valid: usize,
    /// How many of the profile's remembered column choices the file took.
    remembered: usize,
    /// The user's last column change, remembered once the file maps with it.
    changing: Option<(Field, Option<String>)>,
    /// The remembered choices were forgotten (said until the next file).
    forgot: bool,
    /// The current profile, as the page needs it.
    profile: Option<BulkProfile>,
    /// The rows (indices in `rows`) the profile should not send, and why.
    out_of_scope: HashMap<usize, Msg>,
    /// The valid rows among them.
    valid_out_of_scope: usize,
    /// The mapping's header is closed once (after a send).
    close_mapping: bool,
    /// The file is Dimona's (the page's switch, for a profile that declares it).
    dimona_mode: bool,
    dimona: dimona::DimonaBulk,
}

impl BulkPage {
    /// A file dropped on the window while the page is on screen.
    pub fn file_dropped(&mut self, path: &Path) {
        self.path = path.display().to_string();
        self.load_now = true;
    }

    /// A run's rows, and the rows left unsent, are rows of one environment's
    /// journal: when the environment changes, the page lets them go (they stay
    /// in that journal, offered again when it is chosen again) and says so.
    fn follow_environment(&mut self, now: EnvironmentKind) {
        let Some(before) = self.environment.replace(now) else {
            return;
        };
        if before == now {
            return;
        }
        self.let_run_go(
            Msg::new("bulk.environment_changed")
                .arg("before", Msg::new(format!("env.{}", before.code())))
                .arg("now", Msg::new(format!("env.{}", now.code()))),
        );
    }

    /// Lets the run and the rows left unsent go from the page (they stay in
    /// their journal) and, where a run was on the page, says why.
    fn let_run_go(&mut self, why: Msg) {
        self.left.clear();
        self.left_read = None;
        if self.run.take().is_some() {
            self.notice = Some(why);
            self.refilter();
        }
    }

    /// A run's rows were sent from one profile: when another profile is the
    /// current one, the page lets them go (they stay in the journal) and says
    /// so; the rows for others are flagged again for the new profile.
    fn follow_profile(&mut self, now: &BulkProfile) {
        let Some(before) = self.profile.replace(now.clone()) else {
            self.rescope();
            return;
        };
        if before == *now {
            return;
        }
        if before.name != now.name {
            self.let_run_go(
                Msg::new("bulk.profile_changed")
                    .arg("before", before.name.clone())
                    .arg("now", now.name.clone()),
            );
        }
        self.rescope();
    }

    /// Flags the rows the current profile should not send.
    fn rescope(&mut self) {
        self.out_of_scope.clear();
        self.valid_out_of_scope = 0;
        let Some(profile) = &self.profile else { return };
        for (i, r) in self.rows.iter().enumerate() {
            let Some(d) = &r.declaration else { continue };
            if let Some(why) = profile.out_of_scope(&digits(&d.employer.enterprise_number)) {
                if r.is_valid() {
                    self.valid_out_of_scope += 1;
                }
                self.out_of_scope.insert(i, why);
            }
        }
    }

    /// True while a file is read or converted.
    pub fn is_busy(&self) -> bool {
        self.load_now
            || self.dimona.is_busy()
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
        if self.dimona_mode {
            self.dimona.start_reading(ctx, tasks, path, today);
            return;
        }
        let remembered = remembered.clone();
        self.error = None;
        self.notice = None;
        self.run = None;
        self.forgot = false;
        self.forced.clear();
        // What was saved before was about another file: no longer said.
        self.saved = None;
        self.asking_where = None;
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
            // A required field no column could be taken for (a yes/no column
            // whose header says nothing) is said, and chosen on the mapping.
            let ((mapping, missing), chosen) = match import::map_table_partial(&table, &chosen) {
                Ok(mapped) => (mapped, chosen),
                Err(_) if !chosen.is_empty() => (
                    import::map_table_partial(&table, &[]).map_err(failed)?,
                    Vec::new(),
                ),
                Err(e) => return Err(failed(e)),
            };
            let missing = missing.map(failed);
            let rows = import::convert(&table, &mapping, today);
            Ok(Loaded {
                missing,
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
        // A required field taken off its column is refused (the mapping stays);
        // any other choice is taken, the fields still missing said.
        let unmapping = matches!(self.changing, Some((f, None)) if f.required());
        self.converting = Some(tasks.blocking(ctx, move || {
            let failed = |e: import::ImportError| {
                let name = file.display().to_string();
                Msg::from_fn(move |lang| e.message(lang, &name))
            };
            let (mapping, missing) = if unmapping {
                (import::map_table(&table, &forced).map_err(failed)?, None)
            } else {
                let (mapping, missing) =
                    import::map_table_partial(&table, &forced).map_err(failed)?;
                (mapping, missing.map(failed))
            };
            let rows = import::convert(&table, &mapping, today);
            Ok(Converted {
                mapping,
                rows,
                missing,
            })
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
                commands.push(BulkCommand::FileRead(loaded.path.clone()));
                self.remembered = loaded.remembered.len();
                self.forced = loaded.remembered;
                self.file = Some(loaded.path);
                self.file_source = Some(loaded.source);
                self.table = Some(loaded.table);
                self.mapping = Some(loaded.mapping);
                self.error = loaded.missing;
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
                self.error = converted.missing;
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
        self.rescope();
        self.refilter();
    }

    fn refilter(&mut self) {
        if self.run.is_none() && matches!(self.filter, Filter::Accepted | Filter::RefusedOrFailed) {
            self.filter = Filter::All;
        }
        let filter = self.filter;
        let statuses = self.run.as_ref().map(|r| &r.statuses);
        let status = |row: usize| statuses.and_then(|s| s.get(&row));
        self.shown = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| match filter {
                Filter::All => true,
                Filter::Valid => r.is_valid(),
                Filter::Invalid => !r.is_valid(),
                Filter::Accepted => status(r.row).is_some_and(RowStatus::accepted),
                Filter::RefusedOrFailed => status(r.row).is_some_and(RowStatus::refused_or_failed),
            })
            .map(|(i, _)| i)
            .collect();
    }

    fn valid(&self) -> usize {
        self.valid
    }

    /// `remembered`: the current profile's column choices (field → header);
    /// `profile`: whom the current profile sends for.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        host: &DeclarationsHost,
        remembered: &BTreeMap<String, String>,
        BulkFor { profile, dimona }: BulkFor<'_>,
    ) -> Vec<BulkCommand> {
        let mut commands = Vec::new();
        self.follow_environment(host.environment());
        self.follow_profile(profile);
        self.dimona_mode &= profile.dimona;
        self.poll(ui.ctx(), tasks, remembered, &mut commands);
        self.poll_saving();
        ui.heading(tr(lang, "nav.bulk"));
        ui.add(egui::Label::new(tr(lang, "page.bulk.intro")).wrap());
        ui.add_space(6.0);
        if profile.dimona {
            self.service_ui(ui, lang);
        }
        if self.dimona_mode {
            self.file_ui(ui, lang, tasks, remembered);
            self.template_ui(ui, lang, tasks);
            self.dimona
                .ui(ui, lang, tasks, dimona.engine, dimona.why_not);
            return commands;
        }
        if host.broken() {
            super::declarations::engine_broken_ui(ui, lang, host);
        }
        if let Some(why) = host.open_error() {
            // Another run (a submit) holds the journal: nothing can be sent
            // from here until it ends.
            widgets::error_text_ui(ui, &why.render(lang));
            if ui.button(tr(lang, "decl.try_again")).clicked() {
                host.reopen();
            }
        }
        self.file_ui(ui, lang, tasks, remembered);
        self.template_ui(ui, lang, tasks);
        if let Some(e) = &self.error {
            widgets::error_text_ui(ui, &e.render(lang));
        }
        if let Some(notice) = &self.notice {
            ui.add(egui::Label::new(notice.render(lang)).wrap());
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
                self.progress_ui(ui, lang, tasks, host);
            }
            return commands;
        }
        ui.add_space(8.0);
        self.mapping_ui(ui, lang, tasks, remembered, &mut commands);
        ui.add_space(8.0);
        self.send_ui(ui, lang, tasks, host);
        self.export_ui(ui, lang, tasks, host);
        ui.add_space(8.0);
        self.preview_ui(ui, lang, &mut commands);
        commands
    }

    /// Whose declarations the file holds: the FLA's or Dimona's.
    fn service_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(lang, "bulk.service"));
            let before = self.dimona_mode;
            for (dimona, key) in [(false, "service.fla"), (true, "service.dimona")] {
                ui.radio_value(&mut self.dimona_mode, dimona, tr(lang, key));
            }
            // A file is read again as the other service's.
            if self.dimona_mode != before && !self.path.trim().is_empty() {
                self.load_now = true;
            }
        });
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
        let close = std::mem::take(&mut self.close_mapping);
        egui::CollapsingHeader::new(tr(lang, "bulk.mapping"))
            .id_salt("bulk_mapping_header")
            .default_open(true)
            .open(close.then_some(false))
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
}
