//! The Declarations page: the local declarations in a virtualized table (filter,
//! sort, select), an editor with live validation next to each field, drafts
//! saved as they are typed, and submit / correct / cancel / fetch on the task
//! runtime with each row following its status.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc;

use egui::{Color32, RichText};
use egui_extras::{Column, TableBuilder};

use super::tasks::{poll_slot, Pending, Tasks};
use super::widgets;
use crate::cert::Severity;
use crate::fla::anomalies::{self, AnomalyKind};
use crate::fla::client::{ApiError, FlaClient, TokenSource};
use crate::fla::rules;
use crate::fla::wire::{Anomaly, SearchRequest, StoredDeclaration};
use crate::i18n::{tr, tr_args, Lang};
use crate::submit::journal::{DraftForm, Journal, LocalRow, LocalStatus};

/// The journal and its rows, opened in the background.
type Loaded = Result<(Journal, Vec<LocalRow>), String>;

/// A change of one row's status, sent by a background submission.
pub struct RowEvent {
    pub id: i64,
    pub status: LocalStatus,
    pub server_id: Option<i64>,
    pub anomalies: Vec<Anomaly>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Status,
    Reference,
    Worker,
    Name,
    Start,
}

/// What submitting needs from the Connection and Certificate pages.
pub type ClientMaker<'a> = dyn Fn(Lang) -> Result<TokenSource, String> + 'a;

pub struct DeclarationsPage {
    journal_path: PathBuf,
    journal: Option<Journal>,
    loading: Option<Pending<Loaded>>,
    pub rows: Vec<LocalRow>,
    view: Vec<usize>,
    view_dirty: bool,
    filter_status: Option<LocalStatus>,
    filter_text: String,
    /// Trainings that end on or after / start on or before these dates (YYYY-MM-DD).
    filter_from: String,
    filter_to: String,
    sort: (SortKey, bool),
    pub selected: BTreeSet<i64>,
    pub editing: Option<i64>,
    events_tx: mpsc::Sender<RowEvent>,
    events_rx: mpsc::Receiver<RowEvent>,
    inflight: usize,
    messages: std::collections::HashMap<i64, String>,
    fetch_enterprise: String,
    fetch_from: String,
    fetch_to: String,
    fetching: Option<Pending<Result<Vec<StoredDeclaration>, String>>>,
    error: Option<String>,
}

impl DeclarationsPage {
    pub fn new(data_dir: PathBuf) -> Self {
        let (events_tx, events_rx) = mpsc::channel();
        DeclarationsPage {
            journal_path: data_dir.join("declarations.sqlite"),
            journal: None,
            loading: None,
            rows: Vec::new(),
            view: Vec::new(),
            view_dirty: true,
            filter_status: None,
            filter_text: String::new(),
            filter_from: String::new(),
            filter_to: String::new(),
            sort: (SortKey::Start, false),
            selected: BTreeSet::new(),
            editing: None,
            events_tx,
            events_rx,
            inflight: 0,
            messages: Default::default(),
            fetch_enterprise: String::new(),
            fetch_from: String::new(),
            fetch_to: String::new(),
            fetching: None,
            error: None,
        }
    }

    pub fn is_busy(&self) -> bool {
        self.loading.is_some() || self.fetching.is_some() || self.inflight > 0
    }

    /// Replaces the rows (for measuring the table with many rows).
    pub fn set_rows(&mut self, rows: Vec<LocalRow>) {
        self.rows = rows;
        self.view_dirty = true;
    }

    fn ensure_loaded(&mut self, ctx: &egui::Context, tasks: &Tasks, lang: Lang) {
        if self.journal.is_some() || self.loading.is_some() {
            return;
        }
        let path = self.journal_path.clone();
        self.loading = Some(tasks.blocking(ctx, move || {
            let journal = Journal::open(&path).map_err(|e| e.message(lang))?;
            let rows = journal.list().map_err(|e| e.message(lang))?;
            Ok((journal, rows))
        }));
    }

    fn poll(&mut self, lang: Lang) {
        match poll_slot(&mut self.loading) {
            Some(Some(Ok((journal, rows)))) => {
                self.journal = Some(journal);
                if self.rows.is_empty() {
                    self.rows = rows;
                }
                self.view_dirty = true;
            }
            Some(Some(Err(e))) => self.error = Some(e),
            _ => {}
        }
        while let Ok(event) = self.events_rx.try_recv() {
            if matches!(
                event.status,
                LocalStatus::Accepted
                    | LocalStatus::Warning
                    | LocalStatus::Refused
                    | LocalStatus::Cancelled
                    | LocalStatus::Draft
            ) || event.message.is_some()
            {
                self.inflight = self.inflight.saturating_sub(1);
            }
            if let Some(j) = &self.journal {
                if let Err(e) =
                    j.set_outcome(event.id, event.status, event.server_id, &event.anomalies)
                {
                    self.error = Some(e.message(lang));
                }
            }
            if let Some(row) = self.rows.iter_mut().find(|r| r.id == event.id) {
                row.status = event.status;
                row.server_id = event.server_id.or(row.server_id);
                row.anomalies = event.anomalies;
            }
            match event.message {
                Some(m) => self.messages.insert(event.id, m),
                None => self.messages.remove(&event.id),
            };
            self.view_dirty = true;
        }
        match poll_slot(&mut self.fetching) {
            Some(Some(Ok(items))) => {
                if let Some(j) = &self.journal {
                    for item in &items {
                        if let Err(e) = j.upsert_remote(item) {
                            self.error = Some(e.message(lang));
                        }
                    }
                    match j.list() {
                        Ok(rows) => self.rows = rows,
                        Err(e) => self.error = Some(e.message(lang)),
                    }
                }
                self.view_dirty = true;
            }
            Some(Some(Err(e))) => self.error = Some(e),
            _ => {}
        }
    }

    fn refresh_view(&mut self) {
        if !self.view_dirty {
            return;
        }
        let needle = self.filter_text.trim().to_lowercase();
        // ISO dates compare as text; a half-typed bound filters nothing.
        let from =
            rules::parse_date(self.filter_from.trim()).map(|_| self.filter_from.trim().to_owned());
        let to = rules::parse_date(self.filter_to.trim()).map(|_| self.filter_to.trim().to_owned());
        let mut view: Vec<usize> = (0..self.rows.len())
            .filter(|&i| {
                let r = &self.rows[i];
                self.filter_status.is_none_or(|s| r.status == s)
                    && from.as_deref().is_none_or(|f| r.form.end.as_str() >= f)
                    && to.as_deref().is_none_or(|t| r.form.start.as_str() <= t)
                    && (needle.is_empty()
                        || r.form.ssin.to_lowercase().contains(&needle)
                        || r.form.reference.to_lowercase().contains(&needle)
                        || r.form.name.to_lowercase().contains(&needle))
            })
            .collect();
        let rows = &self.rows;
        let (key, ascending) = self.sort;
        view.sort_by(|&a, &b| {
            let (a, b) = (&rows[a], &rows[b]);
            let order = match key {
                SortKey::Status => a.status.cmp(&b.status),
                SortKey::Reference => a.form.reference.cmp(&b.form.reference),
                SortKey::Worker => a.form.ssin.cmp(&b.form.ssin),
                SortKey::Name => a.form.name.cmp(&b.form.name),
                SortKey::Start => a.form.start.cmp(&b.form.start),
            }
            .then(a.id.cmp(&b.id));
            if ascending {
                order
            } else {
                order.reverse()
            }
        });
        self.view = view;
        self.view_dirty = false;
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        client: &ClientMaker<'_>,
        mandates: &[String],
    ) {
        self.ensure_loaded(ui.ctx(), tasks, lang);
        self.poll(lang);
        ui.heading(tr(lang, "nav.declarations"));
        ui.add(egui::Label::new(tr(lang, "page.declarations.intro")).wrap());
        if let Some(e) = &self.error {
            widgets::error_text_ui(ui, e);
        }
        if self.loading.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, "decl.loading"));
            });
            return;
        }
        self.toolbar_ui(ui, lang, tasks, client);
        self.refresh_view();
        self.table_ui(ui, lang);
        ui.separator();
        self.editor_ui(ui, lang, tasks, client, mandates);
    }

    fn toolbar_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        client: &ClientMaker<'_>,
    ) {
        ui.horizontal_wrapped(|ui| {
            if ui.button(tr(lang, "decl.new")).clicked() {
                self.new_draft(lang);
            }
            let selectable = !self.selected.is_empty();
            if ui
                .add_enabled(
                    selectable,
                    egui::Button::new(tr_args(
                        lang,
                        "decl.submit_selected",
                        &[("count", self.selected.len().to_string())],
                    )),
                )
                .clicked()
            {
                let ids: Vec<i64> = self.selected.iter().copied().collect();
                self.submit(ui.ctx(), tasks, client, lang, ids, Action::Submit);
            }
            ui.separator();
            let label = ui.label(tr(lang, "decl.filter_status"));
            egui::ComboBox::from_id_salt("status_filter")
                .selected_text(
                    self.filter_status
                        .map(|s| tr(lang, &format!("status.{}", s.code())))
                        .unwrap_or_else(|| tr(lang, "decl.all")),
                )
                .show_ui(ui, |ui| {
                    let mut changed = ui
                        .selectable_value(&mut self.filter_status, None, tr(lang, "decl.all"))
                        .changed();
                    for s in LocalStatus::ALL {
                        changed |= ui
                            .selectable_value(
                                &mut self.filter_status,
                                Some(s),
                                tr(lang, &format!("status.{}", s.code())),
                            )
                            .changed();
                    }
                    if changed {
                        self.view_dirty = true;
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui.label(tr(lang, "decl.filter_text"));
            if ui
                .add(egui::TextEdit::singleline(&mut self.filter_text).desired_width(160.0))
                .labelled_by(label.id)
                .changed()
            {
                self.view_dirty = true;
            }
            for (key, value) in [
                ("decl.filter_from", &mut self.filter_from),
                ("decl.filter_to", &mut self.filter_to),
            ] {
                let label = ui.label(tr(lang, key));
                let edit = egui::TextEdit::singleline(value)
                    .desired_width(100.0)
                    .hint_text("YYYY-MM-DD");
                if ui.add(edit).labelled_by(label.id).changed() {
                    self.view_dirty = true;
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(tr(lang, "decl.fetch_enterprise"));
            ui.add(egui::TextEdit::singleline(&mut self.fetch_enterprise).desired_width(120.0))
                .labelled_by(label.id);
            let label = ui.label(tr(lang, "decl.from"));
            ui.add(
                egui::TextEdit::singleline(&mut self.fetch_from)
                    .desired_width(100.0)
                    .hint_text("YYYY-MM-DD"),
            )
            .labelled_by(label.id);
            let label = ui.label(tr(lang, "decl.to"));
            ui.add(
                egui::TextEdit::singleline(&mut self.fetch_to)
                    .desired_width(100.0)
                    .hint_text("YYYY-MM-DD"),
            )
            .labelled_by(label.id);
            if ui
                .add_enabled(
                    self.fetching.is_none(),
                    egui::Button::new(tr(lang, "decl.fetch")),
                )
                .clicked()
            {
                self.fetch(ui.ctx(), tasks, client, lang);
            }
            if self.fetching.is_some() {
                ui.spinner();
            }
        });
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
        TableBuilder::new(ui)
            .id_salt("declarations_table")
            .striped(true)
            .sense(egui::Sense::click())
            .max_scroll_height(300.0)
            .column(Column::exact(24.0))
            .column(Column::exact(150.0))
            .column(Column::initial(140.0).resizable(true))
            .column(Column::initial(120.0).resizable(true))
            .column(Column::remainder().at_least(160.0))
            .column(Column::exact(170.0))
            .column(Column::exact(70.0))
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
                    row.set_selected(self.editing == Some(r.id));
                    row.col(|ui| {
                        let mut checked = self.selected.contains(&r.id);
                        if ui
                            .checkbox(&mut checked, "")
                            .on_hover_text(tr(lang, "decl.select"))
                            .changed()
                        {
                            toggled.push(r.id);
                        }
                    });
                    row.col(|ui| status_badge_ui(ui, r.status, lang));
                    row.col(|ui| {
                        cell_text_ui(ui, &r.form.reference);
                    });
                    row.col(|ui| {
                        cell_text_ui(ui, &r.form.ssin);
                    });
                    row.col(|ui| {
                        cell_text_ui(ui, &r.form.name);
                    });
                    row.col(|ui| {
                        cell_text_ui(ui, &format!("{} – {}", r.form.start, r.form.end));
                    });
                    row.col(|ui| {
                        cell_text_ui(ui, &r.server_id.map(|i| i.to_string()).unwrap_or_default());
                    });
                    if row.response().clicked() {
                        clicked_row = Some(r.id);
                    }
                });
            });
        for id in toggled {
            if !self.selected.remove(&id) {
                self.selected.insert(id);
            }
        }
        if let Some(id) = clicked_row {
            self.editing = Some(id);
        }
        if let Some(key) = sort_by {
            self.sort = if self.sort.0 == key {
                (key, !self.sort.1)
            } else {
                (key, true)
            };
            self.view_dirty = true;
        }
        ui.weak(tr_args(
            lang,
            "decl.count",
            &[
                ("shown", self.view.len().to_string()),
                ("total", self.rows.len().to_string()),
            ],
        ));
    }

    fn new_draft(&mut self, lang: Lang) {
        let form = DraftForm::default();
        let Some(j) = &self.journal else { return };
        match j.save_form(None, &form, LocalStatus::Draft) {
            Ok(id) => {
                self.rows.push(LocalRow {
                    id,
                    form,
                    status: LocalStatus::Draft,
                    server_id: None,
                    anomalies: vec![],
                    remote: false,
                });
                self.editing = Some(id);
                self.view_dirty = true;
            }
            Err(e) => self.error = Some(e.message(lang)),
        }
    }

    fn editor_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        client: &ClientMaker<'_>,
        mandates: &[String],
    ) {
        let Some(id) = self.editing else {
            ui.weak(tr(lang, "decl.pick_one"));
            return;
        };
        let Some(index) = self.rows.iter().position(|r| r.id == id) else {
            return;
        };
        let today = brussels_today();
        let (field_messages, blocking) = live_messages(&self.rows[index].form, today, lang);
        let row = &mut self.rows[index];
        let editable = matches!(
            row.status,
            LocalStatus::Draft
                | LocalStatus::Invalid
                | LocalStatus::Refused
                | LocalStatus::Accepted
                | LocalStatus::Warning
        );
        let mut changed = false;
        ui.label(RichText::new(tr_args(lang, "decl.editing", &[("id", id.to_string())])).strong());
        egui::Grid::new("declaration_editor")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                let f = &mut row.form;
                let msgs = |field: &str| {
                    field_messages
                        .iter()
                        .filter(|(f, _, _)| f == field)
                        .map(|(_, m, b)| (m.clone(), *b))
                        .collect::<Vec<_>>()
                };
                changed |= text_field_ui(
                    ui,
                    &tr(lang, "form.reference"),
                    &mut f.reference,
                    &msgs("externalReference"),
                    editable,
                    &tr(lang, "form.reference_hint"),
                );
                if mandates.is_empty() {
                    changed |= text_field_ui(
                        ui,
                        &tr(lang, "form.enterprise"),
                        &mut f.enterprise,
                        &msgs("employer.enterpriseNumber"),
                        editable,
                        "0403.170.701",
                    );
                } else {
                    // A representative declares only for the enterprises of its mandates.
                    let label = ui.label(tr(lang, "form.enterprise"));
                    ui.vertical(|ui| {
                        egui::ComboBox::from_id_salt("mandate_enterprise")
                            .selected_text(f.enterprise.clone())
                            .show_ui(ui, |ui| {
                                for m in mandates {
                                    changed |= ui
                                        .selectable_value(&mut f.enterprise, m.clone(), m)
                                        .changed();
                                }
                            })
                            .response
                            .labelled_by(label.id);
                        messages_ui(ui, &msgs("employer.enterpriseNumber"));
                    });
                    ui.end_row();
                }
                changed |= text_field_ui(
                    ui,
                    &tr(lang, "form.ssin"),
                    &mut f.ssin,
                    &msgs("worker.ssin"),
                    editable,
                    "85.07.30-033.28",
                );
                changed |= text_field_ui(
                    ui,
                    &tr(lang, "form.name"),
                    &mut f.name,
                    &msgs("training.name"),
                    editable,
                    "",
                );
                ui.label(tr(lang, "form.type"));
                ui.horizontal(|ui| {
                    changed |= ui
                        .radio_value(&mut f.informal, false, tr(lang, "form.formal"))
                        .changed();
                    changed |= ui
                        .radio_value(&mut f.informal, true, tr(lang, "form.informal"))
                        .changed();
                });
                ui.end_row();
                changed |= date_field_ui(
                    ui,
                    &tr(lang, "form.start"),
                    &mut f.start,
                    &msgs("training.startDate"),
                    editable,
                    "start",
                );
                changed |= date_field_ui(
                    ui,
                    &tr(lang, "form.end"),
                    &mut f.end,
                    &msgs("training.endDate"),
                    editable,
                    "end",
                );
                let mut duration_msgs = msgs("training.duration.value");
                duration_msgs.extend(msgs("training.duration"));
                changed |= text_field_ui(
                    ui,
                    &tr(lang, "form.duration"),
                    &mut f.duration,
                    &duration_msgs,
                    editable,
                    "14",
                );
                ui.label(tr(lang, "form.unit"));
                ui.horizontal(|ui| {
                    changed |= ui
                        .radio_value(&mut f.days, false, tr(lang, "form.hours"))
                        .changed();
                    changed |= ui
                        .radio_value(&mut f.days, true, tr(lang, "form.days"))
                        .changed();
                });
                ui.end_row();
                ui.label("");
                ui.horizontal(|ui| {
                    changed |= ui
                        .checkbox(&mut f.followed, tr(lang, "form.followed"))
                        .changed();
                    changed |= ui
                        .checkbox(&mut f.counts_for_fla, tr(lang, "form.counts_for_fla"))
                        .changed();
                    changed |= ui
                        .checkbox(&mut f.certificate, tr(lang, "form.certificate"))
                        .changed();
                });
                ui.end_row();
                if f.certificate {
                    changed |= date_field_ui(
                        ui,
                        &tr(lang, "form.valid_until"),
                        &mut f.valid_until,
                        &msgs("training.certificate.validUntil"),
                        editable,
                        "valid_until",
                    );
                }
                changed |= text_field_ui(
                    ui,
                    &tr(lang, "form.provider"),
                    &mut f.provider,
                    &msgs("training.providerEnterpriseNumber"),
                    editable,
                    "",
                );
                changed |= text_field_ui(
                    ui,
                    &tr(lang, "form.joint_committee"),
                    &mut f.joint_committee,
                    &msgs("training.jointCommittee"),
                    editable,
                    "200",
                );
            });
        if changed {
            if matches!(row.status, LocalStatus::Draft | LocalStatus::Invalid) {
                row.status = if blocking {
                    LocalStatus::Invalid
                } else {
                    LocalStatus::Draft
                };
            }
            if let Some(j) = &self.journal {
                if let Err(e) = j.save_form(Some(id), &row.form, row.status) {
                    self.error = Some(e.message(lang));
                }
            }
            self.view_dirty = true;
        }
        let (status, server_id) = (row.status, row.server_id);
        if !row.anomalies.is_empty() {
            ui.label(RichText::new(tr(lang, "decl.anomalies")).strong());
            for a in &row.anomalies {
                let severity = if a.severity == crate::fla::wire::AnomalySeverity::Blocking {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                ui.horizontal_wrapped(|ui| {
                    ui.label(
                        RichText::new(&a.code)
                            .monospace()
                            .color(widgets::severity_color(ui, severity)),
                    );
                    ui.add(egui::Label::new(anomalies::anomaly_text(a, lang)).wrap());
                });
            }
        }
        if let Some(m) = self.messages.get(&id) {
            widgets::error_text_ui(ui, m);
        }
        ui.horizontal(|ui| {
            let sendable =
                matches!(status, LocalStatus::Draft | LocalStatus::Invalid) && server_id.is_none();
            if ui
                .add_enabled(sendable, egui::Button::new(tr(lang, "decl.submit")))
                .clicked()
            {
                self.submit(ui.ctx(), tasks, client, lang, vec![id], Action::Submit);
            }
            let correctable = server_id.is_some()
                && matches!(
                    status,
                    LocalStatus::Refused | LocalStatus::Warning | LocalStatus::Accepted
                );
            if ui
                .add_enabled(correctable, egui::Button::new(tr(lang, "decl.correct")))
                .clicked()
            {
                self.submit(ui.ctx(), tasks, client, lang, vec![id], Action::Correct);
            }
            if ui
                .add_enabled(correctable, egui::Button::new(tr(lang, "decl.cancel")))
                .clicked()
            {
                self.submit(ui.ctx(), tasks, client, lang, vec![id], Action::Cancel);
            }
        });
    }

    fn submit(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        client: &ClientMaker<'_>,
        lang: Lang,
        ids: Vec<i64>,
        action: Action,
    ) {
        let source = match client(lang) {
            Ok(s) => s,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        self.error = None;
        // The rules' "today" and the generated reference's date: Brussels'.
        let today = brussels_today();
        let mut jobs = Vec::new();
        for id in ids {
            let Some(row) = self.rows.iter_mut().find(|r| r.id == id) else {
                continue;
            };
            if row.form.reference.trim().is_empty() {
                row.form.reference = format!(
                    "FLA-{}-{}",
                    today.to_string().replace('-', ""),
                    &uuid::Uuid::new_v4().simple().to_string()[..8]
                );
            }
            let declaration = match row.form.to_declaration() {
                Ok(d) => d,
                Err(_) => {
                    row.status = LocalStatus::Invalid;
                    continue;
                }
            };
            let local: Vec<&AnomalyKind> = rules::check(&declaration, today);
            if action != Action::Cancel && rules::is_refused(&local) {
                row.status = LocalStatus::Invalid;
                row.anomalies = local.iter().map(|a| a.to_wire()).collect();
                continue;
            }
            row.status = LocalStatus::Sending;
            if let Some(j) = &self.journal {
                let _ = j.save_form(Some(id), &row.form, row.status);
            }
            jobs.push((id, row.server_id, declaration));
        }
        self.view_dirty = true;
        if jobs.is_empty() {
            return;
        }
        self.inflight += jobs.len();
        let tx = self.events_tx.clone();
        let ctx2 = ctx.clone();
        let _ = tasks.run(ctx, async move {
            let send = |e: RowEvent| {
                let _ = tx.send(e);
                ctx2.request_repaint();
            };
            let http = match crate::channel::token::http_client(source.timeout) {
                Ok(h) => h,
                Err(e) => {
                    for (id, _, _) in jobs {
                        send(RowEvent {
                            id,
                            status: LocalStatus::Draft,
                            server_id: None,
                            anomalies: vec![],
                            message: Some(e.message(lang)),
                        });
                    }
                    return;
                }
            };
            let fla = match FlaClient::new(http, source, lang) {
                Ok(f) => f,
                Err(e) => {
                    for (id, _, _) in jobs {
                        send(RowEvent {
                            id,
                            status: LocalStatus::Draft,
                            server_id: None,
                            anomalies: vec![],
                            message: Some(e.message(lang)),
                        });
                    }
                    return;
                }
            };
            for (id, server_id, declaration) in jobs {
                let sent: Result<i64, ApiError> = match (action, server_id) {
                    (Action::Correct, Some(sid)) => {
                        fla.correct(sid, &declaration).await.map(|()| sid)
                    }
                    (Action::Cancel, Some(sid)) => fla.cancel(sid).await.map(|()| sid),
                    _ => fla.submit(&declaration).await.map(|s| s.declaration_id),
                };
                let sid = match sent {
                    Ok(sid) => sid,
                    Err(e) => {
                        let status = if e.is_refusal() {
                            LocalStatus::Refused
                        } else {
                            LocalStatus::Draft
                        };
                        send(RowEvent {
                            id,
                            status,
                            server_id,
                            anomalies: vec![],
                            message: Some(e.message_with_trace(lang)),
                        });
                        continue;
                    }
                };
                send(RowEvent {
                    id,
                    status: LocalStatus::Processing,
                    server_id: Some(sid),
                    anomalies: vec![],
                    message: None,
                });
                // The processing event did not end the job; this one does.
                match fla.wait_for_result(sid).await {
                    Ok(stored) => send(RowEvent {
                        id,
                        status: LocalStatus::from_result(stored.declaration_status.result),
                        server_id: Some(sid),
                        anomalies: stored.declaration_status.anomalies,
                        message: None,
                    }),
                    Err(e) => send(RowEvent {
                        id,
                        status: LocalStatus::Processing,
                        server_id: Some(sid),
                        anomalies: vec![],
                        message: Some(e.message_with_trace(lang)),
                    }),
                }
            }
        });
    }

    fn fetch(&mut self, ctx: &egui::Context, tasks: &Tasks, client: &ClientMaker<'_>, lang: Lang) {
        let Some(enterprise) = crate::identifiers::parse_enterprise_number(&self.fetch_enterprise)
        else {
            self.error = Some(tr_args(
                lang,
                "declare.bad_enterprise",
                &[("value", self.fetch_enterprise.clone())],
            ));
            return;
        };
        let source = match client(lang) {
            Ok(s) => s,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        let optional = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let filters = SearchRequest {
            enterprise_number: enterprise,
            from: optional(&self.fetch_from),
            to: optional(&self.fetch_to),
            ..SearchRequest::default()
        };
        self.fetching = Some(tasks.run(ctx, async move {
            let http =
                crate::channel::token::http_client(source.timeout).map_err(|e| e.message(lang))?;
            let fla = FlaClient::new(http, source, lang).map_err(|e| e.message(lang))?;
            fla.search_all(&filters)
                .await
                .map_err(|e| e.message_with_trace(lang))
        }));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Submit,
    Correct,
    Cancel,
}

/// Today's date in Brussels: the editor's "today" for the rules, the generated
/// references and the date picker.
fn brussels_today() -> time::Date {
    crate::today::brussels_date(time::OffsetDateTime::now_utc())
}

/// The date the picker opens on: the field's date, or today in Brussels where
/// the field holds none (egui_extras would take the system's time zone).
fn picker_date(value: &str, today: time::Date) -> jiff::civil::Date {
    value
        .trim()
        .parse::<jiff::civil::Date>()
        .unwrap_or_else(|_| {
            jiff::civil::Date::new(
                today.year() as i16,
                u8::from(today.month()) as i8,
                today.day() as i8,
            )
            .unwrap_or_default()
        })
}

/// Messages per field for the live validation: fields that cannot be read, then
/// the rules' anomalies, in the UI language. Also whether any blocks.
fn live_messages(
    form: &DraftForm,
    today: time::Date,
    lang: Lang,
) -> (Vec<(String, String, bool)>, bool) {
    match form.to_declaration() {
        Err(problems) => (
            problems
                .iter()
                .map(|p| (p.field.to_owned(), tr(lang, p.key), true))
                .collect(),
            true,
        ),
        Ok(d) => {
            // A reference left empty is generated at submission: not a problem yet.
            let mut shown: Vec<(String, String, bool)> = rules::check(&d, today)
                .iter()
                .filter(|a| {
                    !(a.code == anomalies::REFERENCE.code && form.reference.trim().is_empty())
                })
                .map(|a| (a.field.to_owned(), a.text(lang).to_owned(), a.blocking))
                .collect();
            // Under the rule's text, what exactly is wrong with the SSIN typed.
            if let Err(e) = crate::identifiers::parse_ssin_on(&d.worker.ssin, today) {
                shown.push((anomalies::SSIN.field.to_owned(), e.message(lang), true));
            }
            let blocking = shown.iter().any(|(_, _, blocking)| *blocking);
            (shown, blocking)
        }
    }
}

fn messages_ui(ui: &mut egui::Ui, messages: &[(String, bool)]) {
    for (m, blocking) in messages {
        let color = widgets::severity_color(
            ui,
            if *blocking {
                Severity::Error
            } else {
                Severity::Warning
            },
        );
        ui.add(egui::Label::new(RichText::new(m).color(color).small()).wrap());
    }
}

fn text_field_ui(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut String,
    messages: &[(String, bool)],
    editable: bool,
    hint: &str,
) -> bool {
    let label = ui.label(label);
    let changed = ui
        .vertical(|ui| {
            let r = ui
                .add_enabled(
                    editable,
                    egui::TextEdit::singleline(value)
                        .desired_width(320.0)
                        .hint_text(hint),
                )
                .labelled_by(label.id);
            messages_ui(ui, messages);
            r.changed()
        })
        .inner;
    ui.end_row();
    changed
}

fn date_field_ui(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut String,
    messages: &[(String, bool)],
    editable: bool,
    id: &str,
) -> bool {
    let label = ui.label(label);
    let changed = ui
        .vertical(|ui| {
            let mut changed = false;
            ui.horizontal(|ui| {
                changed |= ui
                    .add_enabled(
                        editable,
                        egui::TextEdit::singleline(value)
                            .desired_width(110.0)
                            .hint_text("YYYY-MM-DD"),
                    )
                    .labelled_by(label.id)
                    .changed();
                if editable {
                    let today = brussels_today();
                    let mut date = picker_date(value, today);
                    let before = date;
                    let year = today.year() as i16;
                    ui.add(
                        egui_extras::DatePickerButton::new(&mut date)
                            .id_salt(id)
                            // The years offered around Brussels' year, not the
                            // system time zone's (egui_extras' default).
                            .start_end_years(year - 100..=year + 10)
                            .calendar_week(true)
                            // Its calendar icon is an emoji the default fonts lack.
                            .show_icon(false),
                    );
                    if date != before {
                        *value = date.to_string();
                        changed = true;
                    }
                }
            });
            messages_ui(ui, messages);
            changed
        })
        .inner;
    ui.end_row();
    changed
}

fn status_badge_ui(ui: &mut egui::Ui, status: LocalStatus, lang: Lang) {
    let dark = ui.visuals().dark_mode;
    let color = match status {
        LocalStatus::Accepted => Color32::from_rgb(60, 170, 90),
        LocalStatus::Warning => widgets::severity_color(ui, Severity::Warning),
        LocalStatus::Refused | LocalStatus::Invalid => widgets::severity_color(ui, Severity::Error),
        LocalStatus::Sending | LocalStatus::Processing => {
            if dark {
                Color32::from_rgb(120, 170, 255)
            } else {
                Color32::from_rgb(30, 90, 200)
            }
        }
        LocalStatus::Draft | LocalStatus::Cancelled => ui.visuals().weak_text_color(),
    };
    ui.add(
        egui::Label::new(
            RichText::new(tr(lang, &format!("status.{}", status.code()))).color(color),
        )
        .selectable(false),
    );
}

/// A table cell's text: not selectable, so a click selects the row.
fn cell_text_ui(ui: &mut egui::Ui, text: &str) {
    ui.add(egui::Label::new(text).selectable(false).truncate());
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_picker_opens_on_the_field_or_on_today_in_brussels() {
        // A day that is not the machine's, so that a picker on the system's
        // clock would show.
        let today = date!(2031 - 01 - 15);
        assert_eq!(picker_date("", today), jiff::civil::date(2031, 1, 15));
        assert_eq!(
            picker_date("not yet", today),
            jiff::civil::date(2031, 1, 15)
        );
        assert_eq!(
            picker_date(" 2025-03-04 ", today),
            jiff::civil::date(2025, 3, 4)
        );
    }

    #[test]
    fn the_editor_says_what_is_wrong_with_the_ssin() {
        let today = date!(2026 - 11 - 25);
        let form = |ssin: &str| DraftForm {
            enterprise: "0403170701".into(),
            ssin: ssin.into(),
            name: "Excel".into(),
            start: "2026-11-24".into(),
            end: "2026-11-25".into(),
            duration: "7".into(),
            ..DraftForm::default()
        };
        let for_ssin = |ssin: &str| -> Vec<String> {
            live_messages(&form(ssin), today, Lang::En)
                .0
                .into_iter()
                .filter(|(field, _, _)| field == "worker.ssin")
                .map(|(_, text, _)| text)
                .collect()
        };
        assert_eq!(for_ssin("85.07.30-033.28"), Vec::<String>::new());
        // 31 February 1985, with the right check digits.
        let feb31 = format!(
            "850231033{:02}",
            crate::identifiers::ssin_check_digits(850_231_033, false)
        );
        assert_eq!(
            for_ssin(&feb31),
            vec![
                anomalies::SSIN.en.to_owned(),
                crate::identifiers::SsinError::Date.message(Lang::En)
            ]
        );
        // Born tomorrow (26 November 2026, the rule from 2000).
        let tomorrow = format!(
            "261126033{:02}",
            crate::identifiers::ssin_check_digits(261_126_033, true)
        );
        assert!(for_ssin(&tomorrow)
            .contains(&crate::identifiers::SsinError::FutureBirth.message(Lang::En)));
        // A training that ends today (Brussels) is not in the future.
        assert!(live_messages(&form("85.07.30-033.28"), today, Lang::En)
            .0
            .is_empty());
    }
}
