//! The Declarations page: a view of the app's submission engine. The rows
//! (read from the engine's memory, never from SQLite) in a virtualized table
//! with filters and sort, selection and *Submit selected* (`toolbar`); the
//! editor of the row on view (`editor`, its fields in `fields`), with the
//! actions its state allows. Messages are kept as [`Msg`] and said when drawn.
//! What the page asks is a [`host::DeclarationCommand`], run on the runtime by
//! [`host::DeclarationsHost`].

mod editor;
mod fields;
/// The engine's life in the app (the library's, named here for the pages).
pub use crate::submit::host;
pub mod scope;
mod toolbar;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::{Duration, Instant};

use egui::RichText;
use egui_extras::{Column, TableBuilder};

use super::widgets;
use crate::cert::Severity;
use crate::fla::client::TokenSource;
use crate::i18n::{format_count, format_date, parse_user_date, tr, tr_args, Arg, Lang, Msg};
use crate::submit::engine::drafts::DraftRow;
use crate::submit::engine::{SendSummary, Skip};
use crate::submit::journal::DraftForm;
use crate::submit::state::{self, Action, State};
pub use editor::{action_label, result_line};
pub use fields::split_ssins;
use host::{DeclarationCommand, DeclarationsHost, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Status,
    Reference,
    Worker,
    Name,
    Start,
}

/// Why sending cannot be asked now (the Connection and Certificate pages say).
pub type ClientMaker<'a> = dyn Fn(Lang) -> Result<TokenSource, String> + 'a;

/// The form being typed in the editor, saved through the engine after a pause.
struct Edit {
    id: i64,
    form: DraftForm,
    /// Changed since it was last sent to be saved.
    dirty_since: Option<Instant>,
    /// The fields that say what is wrong with them.
    touched: fields::Touched,
}

/// How often the rows are read again while the engine changes them.
const READ_EVERY: Duration = Duration::from_millis(150);

pub struct DeclarationsPage {
    /// The rows as the engine last showed them, oldest first.
    /// As the host last published them (shared with it, never copied here).
    pub rows: std::sync::Arc<Vec<DraftRow>>,
    seen: Option<(u64, u64)>,
    last_read: Option<Instant>,
    view: Vec<usize>,
    view_dirty: bool,
    filter_status: Option<State>,
    filter_text: String,
    /// Trainings that end on or after / start on or before these dates (YYYY-MM-DD).
    filter_from: String,
    filter_to: String,
    sort: (SortKey, bool),
    pub selected: BTreeSet<i64>,
    pub editing: Option<i64>,
    edit: Option<Edit>,
    open_when_read: Option<i64>,
    /// Server ids with an unsent correction beside them.
    corrections_pending: HashSet<i64>,
    commands: Vec<DeclarationCommand>,
    /// Why sending cannot be asked (no engine and no token source).
    cannot_send: Option<String>,
    fetch_enterprise: String,
    fetch_from: String,
    fetch_to: String,
    fetching: bool,
    /// What the last command did (how many sent, how many skipped and why),
    /// kept as a message and said in the language of the moment.
    pub notice: Option<Msg>,
    /// The rows the notice says were queued: it goes once none waits any
    /// more, and what was skipped (if any) is said alone.
    notice_queued: Vec<i64>,
    notice_after_sent: Option<Msg>,
    /// What the user asked for after an accepted declaration.
    next_after_accepted: Option<NextAfterAccepted>,
    pub error: Option<Msg>,
    /// The row whose cancel on the server waits for a yes.
    confirm_cancel: Option<i64>,
    /// "One training, several workers": open, and the SSINs typed.
    several_open: bool,
    workers_text: String,
    /// The enterprise a new declaration starts with (the Connection page's
    /// own enterprise of an employer); a representative picks among its mandates.
    pub own_enterprise: Option<String>,
    /// A representative's clients' names, by enterprise number (the app sets it).
    pub client_names: BTreeMap<String, String>,
    /// Whose rows are listed: the current profile's enterprises.
    scope: scope::ProfileScope,
    /// The profile's rows and the others' (the note's toggle).
    show_all: bool,
    /// Rows left out because they are other enterprises'.
    hidden: usize,
    /// The table's row that takes the keyboard (its one Tab stop), and the
    /// row the table scrolls to next.
    cursor: Option<i64>,
    scroll_to_row: Option<usize>,
}

impl Default for DeclarationsPage {
    fn default() -> Self {
        Self::new()
    }
}

impl DeclarationsPage {
    pub fn new() -> Self {
        DeclarationsPage {
            rows: Default::default(),
            seen: None,
            last_read: None,
            view: Vec::new(),
            view_dirty: true,
            filter_status: None,
            filter_text: String::new(),
            filter_from: String::new(),
            filter_to: String::new(),
            sort: (SortKey::Start, false),
            cursor: None,
            scroll_to_row: None,
            selected: BTreeSet::new(),
            editing: None,
            edit: None,
            open_when_read: None,
            corrections_pending: HashSet::new(),
            commands: Vec::new(),
            cannot_send: None,
            fetch_enterprise: String::new(),
            fetch_from: String::new(),
            fetch_to: String::new(),
            fetching: false,
            notice: None,
            notice_queued: Vec::new(),
            notice_after_sent: None,
            next_after_accepted: None,
            error: None,
            confirm_cancel: None,
            several_open: false,
            workers_text: String::new(),
            own_enterprise: None,
            client_names: BTreeMap::new(),
            scope: scope::ProfileScope::default(),
            show_all: false,
            hidden: 0,
        }
    }

    /// A form typed and not yet handed over to be saved, or commands not yet sent.
    pub fn has_unsaved(&self) -> bool {
        !self.commands.is_empty() || self.edit.as_ref().is_some_and(|e| e.dirty_since.is_some())
    }

    /// Replaces the rows (for measuring the table with many rows, without an engine).
    pub fn set_rows(&mut self, rows: Vec<DraftRow>) {
        self.rows = std::sync::Arc::new(rows);
        self.view_dirty = true;
    }

    /// Hands what the page has to the host: the form typed (now, not after the
    /// pause: the app is closing or the page asks) and the commands given.
    pub fn hand_over(&mut self, host: &DeclarationsHost) {
        self.leave_edit();
        for command in self.commands.drain(..) {
            host.command(command);
        }
    }

    /// Lists the rows of the current profile's enterprises (every frame:
    /// cheap when nothing changed). Another profile shows its own rows first.
    pub fn follow_profile(&mut self, scope: scope::ProfileScope) {
        if scope != self.scope {
            self.scope = scope;
            self.show_all = false;
            self.view_dirty = true;
        }
    }

    /// Has the host open the journal of `environment` (one per environment):
    /// the form typed and the commands given go to the journal they were
    /// meant for first; what the page showed of the other journal is
    /// forgotten (row ids are a journal's own).
    pub fn follow_environment(
        &mut self,
        host: &mut DeclarationsHost,
        environment: crate::channel::env::EnvironmentKind,
        server: &str,
    ) {
        if host.environment() == environment && host.server() == server {
            return;
        }
        self.hand_over(host);
        host.keep_environment(environment, server);
        self.rows = Default::default();
        self.seen = None;
        self.view_dirty = true;
        self.selected.clear();
        self.editing = None;
        self.edit = None;
        self.open_when_read = None;
        self.corrections_pending.clear();
        self.confirm_cancel = None;
        self.notice = None;
        self.notice_queued.clear();
        self.error = None;
    }

    /// Reads the engine's rows where they changed (at most every `READ_EVERY`
    /// while they keep changing), and what came of the commands.
    fn read(&mut self, ctx: &egui::Context, host: &DeclarationsHost) {
        for outcome in host.outcomes() {
            match outcome {
                Outcome::Opened(id) => self.open(id, true),
                Outcome::Made(ids) => {
                    self.notice_queued.clear();
                    self.notice = Some(Msg::plural("decl.workers.made", ids.len() as u64));
                    // Selected, to be sent at once with *Submit selected*.
                    self.selected.extend(ids);
                }
                Outcome::Sent(summary) => {
                    self.notice = Some(sent_notice(&summary));
                    self.notice_queued.clone_from(&summary.queued);
                    self.notice_after_sent = skipped_notice(&summary);
                }
                Outcome::Fetched(summary) => {
                    self.fetching = false;
                    self.notice_queued.clear();
                    self.notice = Some(if summary.found == 0 {
                        Msg::new("decl.fetched_none")
                    } else {
                        Msg::plural("decl.fetched", summary.found as u64)
                            .arg("new", Msg::plural("decl.fetched_new", summary.new as u64))
                    });
                }
                Outcome::Failed(message) => {
                    self.fetching = false;
                    self.error = Some(message);
                }
            }
        }
        // Many rows changing all the time: read them a few times a second.
        if let Some(at) = self.last_read.filter(|_| self.rows.len() > 2_000) {
            if at.elapsed() < READ_EVERY && self.seen.is_some() {
                ctx.request_repaint_after(READ_EVERY - at.elapsed());
                return;
            }
        }
        let Some(rows) = host.rows_if_changed(&mut self.seen) else {
            return;
        };
        self.last_read = Some(Instant::now());
        host.let_go(std::mem::replace(&mut self.rows, rows));
        self.view_dirty = true;
        self.corrections_pending = self
            .rows
            .iter()
            .filter(|r| state::actions(r.view.state).contains(&Action::Edit))
            .filter_map(|r| r.view.correction_of)
            .collect();
        // The rows come in the order of their ids.
        let rows = &self.rows;
        let present = |id: &i64| rows.binary_search_by_key(id, |r| r.view.id).is_ok();
        // "3 queued for sending" is true until none of them waits any more.
        if !self.notice_queued.is_empty() {
            let waiting = |id: &i64| {
                rows.binary_search_by_key(id, |r| r.view.id)
                    .is_ok_and(|i| matches!(rows[i].view.state, State::Ready | State::Sending))
            };
            if !self.notice_queued.iter().any(waiting) {
                // What was skipped and why stays true: it stays said.
                self.notice_queued.clear();
                self.notice = self.notice_after_sent.take();
            }
        }
        self.selected.retain(|id| present(id));
        if self.editing.is_some_and(|id| !present(&id)) && self.open_when_read.is_none() {
            self.editing = None;
            self.edit = None;
        }
        // A form whose row left the states that are typed (sent) is no longer typed here.
        if let Some(e) = &mut self.edit {
            let row = self.rows.iter().find(|r| r.view.id == e.id);
            let editable =
                row.is_some_and(|r| state::actions(r.view.state).contains(&Action::Edit));
            if !editable && e.dirty_since.is_none() {
                self.edit = None;
            } else if let Some(r) = row {
                // The reference generated when it was sent (a send that failed
                // comes back here): kept, not typed over with the empty one.
                if e.dirty_since.is_none()
                    && e.form.reference.trim().is_empty()
                    && !r.form.reference.is_empty()
                {
                    e.form.reference = r.form.reference.clone();
                }
            }
        }
        if let Some(id) = self.open_when_read {
            if present(&id) {
                self.open_when_read = None;
                self.open(id, true);
            }
        }
    }

    fn refresh_view(&mut self) {
        if !self.view_dirty {
            return;
        }
        let needle = self.filter_text.trim().to_lowercase();
        // ISO dates compare as text; a half-typed bound filters nothing.
        let from = parse_user_date(&self.filter_from).map(|d| d.to_string());
        let to = parse_user_date(&self.filter_to).map(|d| d.to_string());
        let iso = |text: &str| {
            parse_user_date(text)
                .map(|d| d.to_string())
                .unwrap_or_default()
        };
        let mut hidden = 0;
        let mut view: Vec<usize> = (0..self.rows.len())
            .filter(|&i| {
                let r = &self.rows[i];
                if !self.show_all && !self.scope.includes(r) {
                    hidden += 1;
                    return false;
                }
                self.filter_status.is_none_or(|s| r.view.state == s)
                    && from
                        .as_deref()
                        .is_none_or(|f| iso(&r.form.end).as_str() >= f)
                    && to
                        .as_deref()
                        .is_none_or(|t| iso(&r.form.start).as_str() <= t)
                    && (needle.is_empty()
                        || r.form.ssin.to_lowercase().contains(&needle)
                        || r.form.reference.to_lowercase().contains(&needle)
                        || r.form.name.to_lowercase().contains(&needle))
            })
            .collect();
        let rows = &self.rows;
        let (key, ascending) = self.sort;
        // Each row's start read once, not at each comparison.
        let starts: Vec<Option<time::Date>> = if key == SortKey::Start {
            rows.iter()
                .map(|r| parse_user_date(&r.form.start))
                .collect()
        } else {
            Vec::new()
        };
        view.sort_by(|&ia, &ib| {
            let (a, b) = (&rows[ia], &rows[ib]);
            let order = match key {
                SortKey::Status => a.view.state.cmp(&b.view.state),
                SortKey::Reference => a.form.reference.cmp(&b.form.reference),
                SortKey::Worker => a.form.ssin.cmp(&b.form.ssin),
                SortKey::Name => a.form.name.cmp(&b.form.name),
                SortKey::Start => starts[ia].cmp(&starts[ib]),
            }
            .then(a.view.id.cmp(&b.view.id));
            if ascending {
                order
            } else {
                order.reverse()
            }
        });
        self.view = view;
        self.hidden = hidden;
        self.view_dirty = false;
    }

    /// Draws the page. `host` is the app's engine (`None`: rows set by hand,
    /// for measuring); `client` says why nothing can be sent yet.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        host: Option<&DeclarationsHost>,
        client: &ClientMaker<'_>,
        mandates: &[String],
    ) {
        if let Some(host) = host {
            self.read(ui.ctx(), host);
            self.cannot_send = if host.is_online() {
                None
            } else {
                client(lang).err()
            };
        }
        ui.heading(tr(lang, "nav.declarations"));
        ui.add(egui::Label::new(tr(lang, "page.declarations.intro")).wrap());
        // Lines of their own, always there: a message that comes or goes moves nothing.
        let offline = host.is_some_and(|h| !h.is_online() && !h.is_loading());
        line_slot_ui(ui, |ui| {
            if offline {
                ui.weak(tr(lang, "decl.offline"));
            }
        });
        line_slot_ui(ui, |ui| {
            if let Some(e) = &self.error {
                // Nothing can be sent yet: the Connection page's reason, where it has one.
                let text = match (&self.cannot_send, e.key()) {
                    (Some(why), Some("decl.needs_connection")) => why.clone(),
                    _ => e.render(lang),
                };
                let color = widgets::severity_color(ui, Severity::Error);
                ui.add(egui::Label::new(RichText::new(&text).color(color)).truncate())
                    .on_hover_text(text);
            } else if let Some(n) = &self.notice {
                let text = n.render(lang);
                ui.add(egui::Label::new(&text).truncate())
                    .on_hover_text(text);
            }
        });
        if let Some(host) = host {
            // Which server's declarations these are (one journal per server).
            ui.weak(tr_args(
                lang,
                "decl.journal_of",
                &[("server", server_name(lang, host.server()))],
            ));
            if host.broken() {
                engine_broken_ui(ui, lang, host);
            }
            if host.open_failed() {
                // Another run holds the journal (or it failed): said above,
                // and tried again on request.
                if ui.button(tr(lang, "decl.try_again")).clicked() {
                    self.error = None;
                    host.reopen();
                }
                return;
            }
        }
        if host.is_some_and(|h| h.is_loading()) {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, "decl.loading"));
            });
            return;
        }
        if self.fetch_enterprise.is_empty() {
            if let Some(own) = &self.own_enterprise {
                self.fetch_enterprise = crate::identifiers::shown_enterprise(own);
            }
        }
        self.toolbar_ui(ui, lang, mandates);
        self.refresh_view();
        self.scope_ui(ui, lang);
        self.table_ui(ui, lang);
        ui.separator();
        self.editor_ui(ui, lang, mandates);
        if self.next_after_accepted == Some(NextAfterAccepted::Another) {
            self.next_after_accepted = None;
            self.new_declaration(mandates, None);
        }
        self.save_after_pause(ui.ctx());
        if let Some(host) = host {
            for command in self.commands.drain(..) {
                host.command(command);
            }
        }
    }

    /// "Showing the declarations of …: N hidden", with its toggle.
    fn scope_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let Some(note) = self.scope.note(lang, self.hidden, self.show_all) else {
            return;
        };
        ui.horizontal(|ui| {
            ui.label(note);
            if ui
                .checkbox(&mut self.show_all, tr(lang, "decl.scope.show_all"))
                .changed()
            {
                self.view_dirty = true;
            }
        });
    }

    /// True where sending can be asked; else says why.
    fn can_send(&mut self, _lang: Lang) -> bool {
        const NEEDS_CONNECTION: &str = "decl.needs_connection";
        match &self.cannot_send {
            // Said when drawn: why, in the language of the moment.
            Some(_) => {
                self.error = Some(Msg::new(NEEDS_CONNECTION));
                false
            }
            None => true,
        }
    }

    fn table_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let mut clicked_row = None;
        let mut toggled = Vec::new();
        let mut sort_by = None;
        let headers = [
            (None, ""),
            (Some(SortKey::Status), "decl.col.status"),
            (Some(SortKey::Reference), "decl.col.reference"),
            (Some(SortKey::Worker), "decl.col.worker"),
            (Some(SortKey::Name), "decl.col.training"),
            (Some(SortKey::Start), "decl.col.dates"),
            (None, "decl.col.server_id"),
        ];
        let height = table_height(ui.ctx());
        // The table is one Tab stop: its cursor row (the row on view, else
        // the first); the arrows move it, Space ticks it, Enter opens it.
        let in_view = |id: i64| self.view.iter().any(|&i| self.rows[i].view.id == id);
        let cursor = self
            .cursor
            .filter(|id| in_view(*id))
            .or(self.editing.filter(|id| in_view(*id)))
            .or_else(|| self.view.first().map(|&i| self.rows[i].view.id));
        self.cursor = cursor;
        let mut moved: Option<(i64, usize)> = None;
        let mut builder = TableBuilder::new(ui)
            .id_salt("declarations_table")
            .striped(true)
            // Cells answer clicks but take no focus of their own.
            .sense(egui::Sense::CLICK);
        if let Some(row) = self.scroll_to_row.take() {
            builder = builder.scroll_to_row(row, None);
        }
        builder
            // A fixed height: a row added moves nothing below the table.
            .min_scrolled_height(height)
            .max_scroll_height(height)
            .auto_shrink([false, false])
            .column(Column::exact(24.0))
            .column(Column::exact(190.0))
            .column(Column::initial(120.0).clip(true))
            .column(Column::initial(110.0).clip(true))
            .column(Column::remainder().at_least(120.0))
            .column(Column::exact(160.0))
            .column(Column::exact(80.0))
            .header(24.0, |mut header| {
                for (key, label) in headers {
                    header.col(|ui| {
                        ui.horizontal(|ui| {
                            if let Some(key) = key {
                                let arrow = match self.sort {
                                    (k, true) if k == key => " ▲",
                                    (k, false) if k == key => " ▼",
                                    _ => "",
                                };
                                if ui.button(tr(lang, label)).clicked() {
                                    sort_by = Some(key);
                                }
                                // Only the monospace font has the arrow glyphs.
                                if !arrow.is_empty() {
                                    ui.label(RichText::new(arrow.trim()).monospace());
                                }
                            } else if !label.is_empty() {
                                ui.label(tr(lang, label));
                            }
                        });
                    });
                }
            })
            .body(|body| {
                body.rows(22.0, self.view.len(), |mut row| {
                    let r = &self.rows[self.view[row.index()]];
                    let id = r.view.id;
                    let shown_state = self.shown_state(r);
                    row.set_selected(self.editing == Some(id));
                    let index = row.index();
                    let mut tick = None;
                    row.col(|ui| {
                        let checked = self.selected.contains(&id);
                        let label = tr_args(
                            lang,
                            "decl.select_row",
                            &[("reference", r.form.reference.clone())],
                        );
                        let t = widgets::row_tick_ui(ui, id, checked, cursor == Some(id), &label)
                            .on_hover_text(tr(lang, "decl.select"));
                        tick = Some(t);
                    });
                    row.col(|ui| {
                        let pending = r.view.correction_of.is_none()
                            && r.view
                                .server_id
                                .is_some_and(|s| self.corrections_pending.contains(&s));
                        state_badge_ui(ui, shown_state, pending, lang)
                    });
                    row.col(|ui| {
                        cell_text_ui(ui, &r.form.reference);
                    });
                    row.col(|ui| {
                        cell_text_ui(ui, &crate::identifiers::shown_ssin(&r.form.ssin));
                    });
                    row.col(|ui| {
                        cell_text_ui(ui, &r.form.name);
                    });
                    row.col(|ui| {
                        let belgian = |text: &str| {
                            parse_user_date(text)
                                .map(format_date)
                                .unwrap_or_else(|| text.to_owned())
                        };
                        cell_text_ui(
                            ui,
                            &format!("{} – {}", belgian(&r.form.start), belgian(&r.form.end)),
                        );
                    });
                    row.col(|ui| {
                        cell_text_ui(
                            ui,
                            &r.view.server_id.map(|i| i.to_string()).unwrap_or_default(),
                        );
                    });
                    if row.response().clicked() {
                        clicked_row = Some(id);
                    }
                    let Some(tick) = tick else { return };
                    if tick.has_focus() {
                        // The focus ring goes round the whole row.
                        crate::ui::keyboard::ring_around(&tick, row.response().rect);
                    }
                    match widgets::row_keys(&tick) {
                        Some(widgets::RowKey::Tick) => toggled.push(id),
                        Some(widgets::RowKey::Open) => {
                            clicked_row = Some(id);
                            crate::ui::keyboard::focus_next_step(&tick.ctx);
                        }
                        Some(widgets::RowKey::Move(delta)) => {
                            let to = index as i64 + delta;
                            if to >= 0 && (to as usize) < self.view.len() {
                                moved =
                                    Some((self.rows[self.view[to as usize]].view.id, to as usize));
                            }
                        }
                        None => {}
                    }
                    if tick.clicked_by(egui::PointerButton::Primary) {
                        self.cursor = Some(id);
                    }
                });
            });
        if let Some((id, index)) = moved {
            self.cursor = Some(id);
            self.scroll_to_row = Some(index);
            ui.ctx()
                .memory_mut(|m| m.request_focus(widgets::row_tick_id(id)));
        }
        for id in toggled {
            if !self.selected.remove(&id) {
                self.selected.insert(id);
            }
        }
        if let Some(id) = clicked_row {
            self.cursor = Some(id);
            self.open(id, true);
        }
        if let Some(key) = sort_by {
            self.sort = if self.sort.0 == key {
                (key, !self.sort.1)
            } else {
                (key, true)
            };
            self.view_dirty = true;
        }
        ui.weak(crate::i18n::tr_n(
            lang,
            "decl.count",
            self.rows.len() as u64,
            &[("shown", format_count(lang, self.view.len() as u64))],
        ));
    }
}

/// What comes after an accepted declaration, from its editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextAfterAccepted {
    /// Another declaration, new.
    Another,
    /// A file of declarations (the Bulk page).
    File,
}

impl DeclarationsPage {
    /// Whether the user asked for the Bulk page (once).
    pub fn take_go_to_bulk(&mut self) -> bool {
        let asked = self.next_after_accepted == Some(NextAfterAccepted::File);
        if asked {
            self.next_after_accepted = None;
        }
        asked
    }
}

/// How many were queued, and how many skipped and why (said when drawn).
pub fn sent_notice(summary: &SendSummary) -> Msg {
    let sent = Msg::plural("decl.sent", summary.queued.len() as u64);
    match skipped_notice(summary) {
        None => sent,
        Some(skipped) => Msg::new("decl.sent_skipped")
            .arg("sent", Arg::Msg(sent))
            .arg("skipped", Arg::Msg(skipped)),
    }
}

/// How many were skipped and why ("1 skipped: 1 invalid"), where any were.
pub fn skipped_notice(summary: &SendSummary) -> Option<Msg> {
    if summary.skipped.is_empty() {
        return None;
    }
    let skips: Vec<Skip> = summary.skipped.iter().map(|(_, skip)| *skip).collect();
    let skipped = skips.len();
    Some(Msg::from_fn(move |lang| {
        let mut why: BTreeMap<String, usize> = BTreeMap::new();
        for skip in &skips {
            let reason = match skip {
                Skip::State(s) => state_label(*s, lang),
                Skip::AlreadyQueued => tr(lang, "decl.skip.already_queued"),
                Skip::NoSuchRow => tr(lang, "decl.skip.no_such_row"),
                Skip::ReferenceTaken(_) => tr(lang, "decl.skip.reference_taken"),
            };
            *why.entry(reason).or_default() += 1;
        }
        let reasons = why
            .into_iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect::<Vec<_>>()
            .join(", ");
        crate::i18n::tr_n(
            lang,
            "decl.skipped",
            skipped as u64,
            &[("reasons", reasons)],
        )
    }))
}

/// The table's height: the window's, never the number of rows' (a row
/// added moves nothing below the table).
fn table_height(ctx: &egui::Context) -> f32 {
    (ctx.content_rect().height() * 0.5 - 230.0).clamp(120.0, 420.0)
}

/// One line of the page kept for a message that may come and go.
pub(super) fn line_slot_ui(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui)) {
    let height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    widgets::slot_ui(ui, height, add);
}

/// A state's name (i18n).
pub fn state_label(state: State, lang: Lang) -> String {
    tr(lang, &format!("state.{}", state.code()))
}

fn state_badge_ui(ui: &mut egui::Ui, state: State, correction_pending: bool, lang: Lang) {
    let color = widgets::state_color(ui.visuals(), state);
    let text = if correction_pending {
        tr_args(
            lang,
            "decl.correction_pending",
            &[("state", state_label(state, lang))],
        )
    } else {
        state_label(state, lang)
    };
    ui.add(egui::Label::new(RichText::new(text).color(color)).selectable(false));
}

/// A table cell's text: not selectable, so a click selects the row.
fn cell_text_ui(ui: &mut egui::Ui, text: &str) {
    ui.add(egui::Label::new(text).selectable(false).truncate());
}

/// A journal's server as the user knows it: the built-in sandbox by name, any
/// other by its API base URL.
fn server_name(lang: Lang, server: &str) -> String {
    if server == "sandbox" {
        tr(lang, "env.sandbox")
    } else if server.is_empty() {
        tr(lang, "decl.journal_no_server")
    } else {
        server.to_owned()
    }
}

/// Says that sending stopped on a bug of the app, and offers to restart it
/// (the Declarations and Bulk pages).
pub fn engine_broken_ui(ui: &mut egui::Ui, lang: Lang, host: &host::DeclarationsHost) {
    widgets::error_text_ui(ui, &tr(lang, "decl.engine_broken"));
    if ui.button(tr(lang, "decl.restart_engine")).clicked() {
        host.restart();
    }
}
