//! The Declarations page's editor: the form of the row on view with live
//! validation next to each field, the row's result in one line, what the row's
//! state allows as buttons (a cancel on the server asks first), one training
//! for several workers, and the form as typed kept here until it is saved
//! through the engine (after a pause in typing, or before any other command).

use std::time::{Duration, Instant};

use egui::RichText;

use super::fields::{self, brussels_today, FieldsCtx, Touched};
use super::host::DeclarationCommand;
use super::{widgets, DeclarationsPage, Edit, NextAfterAccepted};
use crate::cert::Severity;
use crate::fla::anomalies;
use crate::fla::wire::{Anomaly, AnomalySeverity};
use crate::i18n::{tr, tr_args, Lang, Msg};
use crate::submit::engine::drafts::{live_state, DraftRow};
use crate::submit::journal::DraftForm;
use crate::submit::state::{self, Action, State};

/// How long typing pauses before the form is saved.
pub(super) const SAVE_AFTER: Duration = Duration::from_millis(300);

impl DeclarationsPage {
    /// The state row `row` shows: for the form being typed, the state it
    /// would be checked to now (draft → ready as soon as it is valid, invalid
    /// → ready once fixed), before the engine has it saved.
    pub(super) fn shown_state(&self, row: &DraftRow) -> State {
        let Some(e) = self.edit.as_ref().filter(|e| e.id == row.view.id) else {
            return row.view.state;
        };
        if !state::actions(row.view.state).contains(&Action::Edit) {
            return row.view.state;
        }
        // Unchanged, it is what the engine holds (and what a send would find).
        let changed = e.dirty_since.is_some() || !fields::same_form(&e.form, &row.form);
        if !changed {
            return row.view.state;
        }
        match live_state(&e.form, brussels_today()) {
            State::Ready => State::Ready,
            State::Draft => State::Draft,
            _ if row.view.state == State::Draft => State::Draft,
            _ => State::Invalid,
        }
    }

    pub(super) fn editor_ui(&mut self, ui: &mut egui::Ui, lang: Lang, mandates: &[String]) {
        let Some(id) = self.editing else {
            ui.weak(tr(lang, "decl.pick_one"));
            return;
        };
        let Some(index) = self.rows.iter().position(|r| r.view.id == id) else {
            return;
        };
        let row_state = self.rows[index].view.state;
        let editable = state::actions(row_state).contains(&Action::Edit)
            && self.edit.as_ref().is_some_and(|e| e.id == id);
        let mut form = match &self.edit {
            Some(e) if e.id == id => e.form.clone(),
            _ => fields::shown_form(&self.rows[index].form),
        };
        let today = brussels_today();
        let messages = fields::live_messages(&form, today, lang);
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(tr_args(lang, "decl.editing", &[("id", id.to_string())])).strong(),
            );
            ui.label(
                RichText::new(tr(lang, "form.required_legend"))
                    .small()
                    .color(ui.visuals().weak_text_color()),
            );
        });
        if let Some(of) = self.rows[index].view.correction_of {
            ui.weak(tr_args(
                lang,
                "decl.correction_of",
                &[("id", of.to_string())],
            ));
        }
        // The row's actions first, in view without scrolling; then what came
        // of it, on a line that is always there (nothing moves when it comes).
        self.actions_ui(ui, lang, index, editable);
        super::line_slot_ui(ui, |ui| self.result_line_ui(ui, lang, index));
        let mut touched = match &self.edit {
            Some(e) if e.id == id => e.touched.clone(),
            _ => Touched {
                all: true,
                ..Touched::default()
            },
        };
        let mut changed = false;
        egui::Grid::new("declaration_editor")
            .num_columns(2)
            .spacing([12.0, 2.0])
            .show(ui, |ui| {
                let mut cx = FieldsCtx {
                    lang,
                    editable,
                    mandates,
                    names: &self.client_names,
                    messages: &messages,
                    touched: &mut touched,
                    empty_marked: false,
                };
                changed |= fields::form_fields_ui(ui, &mut cx, &mut form);
            });
        if let Some(e) = self.edit.as_mut().filter(|e| e.id == id) {
            e.touched = touched;
            if changed {
                e.form = form;
                e.dirty_since = Some(Instant::now());
            }
        }
        self.anomalies_ui(ui, lang, index, editable);
        if editable {
            self.several_workers_ui(ui, lang, id);
        }
        self.confirm_cancel_ui(ui, lang);
    }

    /// What the row's state offers, as buttons; a draft that cannot go yet
    /// shows where Submit will be and why it cannot be clicked (on the same
    /// line: nothing moves when it can); an accepted row, what comes next.
    fn actions_ui(&mut self, ui: &mut egui::Ui, lang: Lang, index: usize, editable: bool) {
        let id = self.rows[index].view.id;
        let shown = self.shown_state(&self.rows[index]);
        let mut clicked = None;
        let blocked = editable && matches!(shown, State::Draft | State::Invalid);
        // Being filled in, or typed wrong: each its reason.
        let why = tr(
            lang,
            if shown == State::Draft {
                "decl.submit_needs_fields"
            } else {
                "decl.submit_blocked"
            },
        );
        ui.horizontal_wrapped(|ui| {
            if blocked {
                ui.add_enabled(false, egui::Button::new(action_label(Action::Submit, lang)))
                    .on_disabled_hover_text(&why);
            }
            for &action in state::actions(shown) {
                // The form is typed right here: no button to start editing.
                if action == Action::Edit && editable {
                    continue;
                }
                let r = ui.button(action_label(action, lang));
                // A declaration ready to go: Submit is the next step.
                if action == Action::Submit {
                    crate::ui::keyboard::mark_next_step_here(&r);
                }
                if r.clicked() {
                    clicked = Some(action);
                }
            }
            if shown.is_accepted() {
                let r = ui.button(tr(lang, "decl.next.another"));
                crate::ui::keyboard::mark_next_step_here(&r);
                if r.clicked() {
                    self.next_after_accepted = Some(NextAfterAccepted::Another);
                }
                if ui.button(tr(lang, "decl.next.file")).clicked() {
                    self.next_after_accepted = Some(NextAfterAccepted::File);
                }
            }
            if blocked {
                ui.weak(why);
            }
        });
        if let Some(action) = clicked {
            self.act(action, id, lang);
        }
    }

    /// What came of the row's last submission, in one line.
    fn result_line_ui(&self, ui: &mut egui::Ui, lang: Lang, index: usize) {
        let row = &self.rows[index];
        let Some(msg) = result_line(row) else {
            return;
        };
        let severity = match row.view.state {
            State::Refused => Some(Severity::Error),
            State::Warning => Some(Severity::Warning),
            _ => None,
        };
        let mut text = RichText::new(msg.render(lang)).strong();
        if let Some(s) = severity {
            text = text.color(widgets::severity_color(ui, s));
        }
        ui.label(text);
    }

    /// The server's anomalies (and an error kept on the row): for a row that
    /// is typed again, or a correction, they are those of the last submission.
    fn anomalies_ui(&self, ui: &mut egui::Ui, lang: Lang, index: usize, editable: bool) {
        let row = &self.rows[index];
        let mut from_last = false;
        let list: Vec<&Anomaly> = if editable {
            // The form's own messages stand next to its fields; what the server
            // said about what this corrects is kept, as from the last submission.
            from_last = true;
            row.view
                .correction_of
                .and_then(|sid| {
                    self.rows
                        .iter()
                        .find(|r| r.view.server_id == Some(sid) && r.view.correction_of.is_none())
                })
                .map(|r| r.view.anomalies.iter().collect())
                .unwrap_or_default()
        } else {
            row.view.anomalies.iter().collect()
        };
        if !list.is_empty() {
            let key = if from_last {
                "decl.anomalies_last"
            } else {
                "decl.anomalies"
            };
            ui.label(RichText::new(tr(lang, key)).strong());
            for a in list {
                let severity = if a.severity == AnomalySeverity::Blocking {
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
        if let Some(e) = &row.view.error {
            let mut text = match &e.trace_id {
                Some(trace) => format!(
                    "{}\n{}",
                    e.text(lang),
                    tr_args(lang, "api.trace_id", &[("trace", trace.clone())])
                ),
                None => e.text(lang),
            };
            let changed = self
                .edit
                .as_ref()
                .is_some_and(|ed| ed.id == row.view.id && !fields::same_form(&ed.form, &row.form));
            if changed {
                text = format!("{}\n{text}", tr(lang, "decl.anomalies_last"));
            }
            widgets::error_text_ui(ui, &text);
        }
    }

    /// One training for several workers: SSINs pasted or picked, one
    /// declaration each, each checked and sent on its own.
    fn several_workers_ui(&mut self, ui: &mut egui::Ui, lang: Lang, id: i64) {
        ui.add_space(4.0);
        ui.toggle_value(&mut self.several_open, tr(lang, "decl.workers.open"));
        if !self.several_open {
            return;
        }
        ui.add(egui::Label::new(RichText::new(tr(lang, "decl.workers.intro")).small()).wrap());
        let label = ui.label(tr(lang, "decl.workers.list"));
        ui.add(
            egui::TextEdit::multiline(&mut self.workers_text)
                .desired_rows(3)
                .desired_width(320.0)
                .hint_text(tr(lang, "decl.workers.list_hint")),
        )
        .labelled_by(label.id);
        let mut known: Vec<String> = self
            .rows
            .iter()
            .map(|r| r.form.ssin.trim().to_owned())
            .filter(|s| crate::identifiers::parse_ssin(s).is_ok())
            .collect();
        known.sort();
        known.dedup();
        let listed = fields::split_ssins(&self.workers_text);
        ui.horizontal(|ui| {
            if !known.is_empty() {
                let label = ui.label(tr(lang, "decl.workers.pick"));
                let mut picked: Option<String> = None;
                egui::ComboBox::from_id_salt("known_workers")
                    .selected_text("…")
                    .show_ui(ui, |ui| {
                        for s in &known {
                            if ui.selectable_label(listed.contains(s), s).clicked() {
                                picked = Some(s.clone());
                            }
                        }
                    })
                    .response
                    .labelled_by(label.id);
                if let Some(s) = picked.filter(|s| !listed.contains(s)) {
                    if !self.workers_text.trim().is_empty() && !self.workers_text.ends_with('\n') {
                        self.workers_text.push('\n');
                    }
                    self.workers_text.push_str(&s);
                }
            }
            let make = egui::Button::new(tr_args(
                lang,
                "decl.workers.make",
                &[("n", listed.len().to_string())],
            ));
            if ui.add_enabled(!listed.is_empty(), make).clicked() {
                self.make_for_workers(id, listed);
            }
        });
    }

    /// One new declaration per SSIN with the form on view; the form on view
    /// was only the model where it has no worker of its own: it goes.
    fn make_for_workers(&mut self, id: i64, ssins: Vec<String>) {
        let Some(e) = self.edit.as_ref().filter(|e| e.id == id) else {
            return;
        };
        let model = e.form.clone();
        let forms: Vec<DraftForm> = ssins
            .into_iter()
            .map(|ssin| DraftForm {
                ssin,
                reference: String::new(),
                ..model.clone()
            })
            .collect();
        let replaced = model.ssin.trim().is_empty()
            && self.rows.iter().any(|r| {
                r.view.id == id && r.view.server_id.is_none() && r.view.correction_of.is_none()
            });
        self.flush_edit();
        if replaced {
            self.editing = None;
            self.edit = None;
            self.selected.remove(&id);
            self.commands.push(DeclarationCommand::Delete(id));
        }
        self.workers_text.clear();
        self.several_open = false;
        self.commands.push(DeclarationCommand::NewMany(forms));
    }

    /// Asks before a cancel on the server (it cannot be undone).
    fn confirm_cancel_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let Some(id) = self.confirm_cancel else {
            return;
        };
        let server_id = self
            .rows
            .iter()
            .find(|r| r.view.id == id)
            .and_then(|r| r.view.server_id)
            .unwrap_or_default();
        let mut answer = None;
        let modal = egui::Modal::new(ui.scope_id().with("confirm_cancel")).show(ui.ctx(), |ui| {
            ui.set_max_width(360.0);
            ui.label(
                RichText::new(tr_args(
                    lang,
                    "decl.cancel_confirm",
                    &[("id", server_id.to_string())],
                ))
                .strong(),
            );
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button(tr(lang, "decl.cancel_yes")).clicked() {
                    answer = Some(true);
                }
                let no = ui.button(tr(lang, "decl.cancel_no"));
                if no.clicked() {
                    answer = Some(false);
                }
            });
        });
        if modal.should_close() && answer.is_none() {
            answer = Some(false);
        }
        match answer {
            Some(true) => {
                self.confirm_cancel = None;
                if self.can_send(lang) {
                    self.error = None;
                    self.commands.push(DeclarationCommand::Cancel(id));
                }
            }
            Some(false) => self.confirm_cancel = None,
            None => {}
        }
    }

    /// What a click on an action's button does.
    pub(super) fn act(&mut self, action: Action, id: i64, lang: Lang) {
        self.flush_edit();
        let command = match action {
            Action::Edit => {
                self.open(id, true);
                return;
            }
            Action::Submit | Action::Retry => {
                if let Some(e) = self.edit.as_mut() {
                    e.touched.all = true;
                }
                if !self.can_send(lang) {
                    return;
                }
                DeclarationCommand::Submit(vec![id])
            }
            Action::CheckAgain => DeclarationCommand::CheckAgain(vec![id]),
            Action::Correct => {
                if !self.can_send(lang) {
                    return;
                }
                DeclarationCommand::Correct(id)
            }
            Action::Cancel => {
                // Asked first, in a dialog.
                self.confirm_cancel = Some(id);
                return;
            }
            Action::Duplicate => DeclarationCommand::Duplicate(id),
            Action::Delete => {
                self.editing = None;
                self.edit = None;
                self.selected.remove(&id);
                DeclarationCommand::Delete(id)
            }
        };
        self.error = None;
        self.commands.push(command);
    }

    /// Opens row `id` in the editor; with its form to type where its state allows.
    pub fn open(&mut self, id: i64, edit: bool) {
        if self.edit.as_ref().is_some_and(|e| e.id != id) {
            self.leave_edit();
        }
        self.editing = Some(id);
        if self.edit.as_ref().is_some_and(|e| e.id == id) {
            return;
        }
        self.edit = None;
        let row = self.rows.iter().find(|r| r.view.id == id);
        match row {
            Some(r) if edit && state::actions(r.view.state).contains(&Action::Edit) => {
                self.edit = Some(Edit {
                    id,
                    form: fields::shown_form(&r.form),
                    dirty_since: None,
                    // A row checked before says at once what is wrong with it.
                    touched: Touched {
                        all: r.view.state != State::Draft,
                        ..Touched::default()
                    },
                });
            }
            Some(_) => {}
            // Not read yet (a row just made): opened once it is.
            None => self.open_when_read = Some(id),
        }
    }

    /// Leaves the form on view: saved if it changed; a draft left empty goes
    /// (nothing empty stays in the table).
    pub(super) fn leave_edit(&mut self) {
        let Some(e) = &self.edit else {
            return;
        };
        let id = e.id;
        let blank = fields::is_blank(&e.form)
            && self.rows.iter().any(|r| {
                r.view.id == id
                    && r.view.server_id.is_none()
                    && r.view.correction_of.is_none()
                    && state::actions(r.view.state).contains(&Action::Delete)
            });
        if blank {
            self.edit = None;
            if self.editing == Some(id) {
                self.editing = None;
            }
            self.selected.remove(&id);
            self.commands.push(DeclarationCommand::Delete(id));
        } else {
            self.flush_edit();
        }
    }

    /// Sends the form as typed to be saved, if it changed.
    pub(super) fn flush_edit(&mut self) {
        if let Some(e) = self.edit.as_mut() {
            if e.dirty_since.take().is_some() {
                self.commands
                    .push(DeclarationCommand::Save(e.id, e.form.clone()));
            }
        }
    }

    /// Saves the form once typing has paused; asks for a frame when it will have.
    pub(super) fn save_after_pause(&mut self, ctx: &egui::Context) {
        let Some(since) = self.edit.as_ref().and_then(|e| e.dirty_since) else {
            return;
        };
        let waited = since.elapsed();
        if waited >= SAVE_AFTER {
            self.flush_edit();
        } else {
            ctx.request_repaint_after(SAVE_AFTER - waited);
        }
    }
}

/// The row's result in one line: "Accepted on 25/11/2026 as no. 3",
/// "Accepted with 2 warnings…", "Refused: …", "Cancelled".
pub fn result_line(row: &DraftRow) -> Option<Msg> {
    let server_id = row
        .view
        .server_id
        .map(|i| i.to_string())
        .unwrap_or_default();
    let on = row
        .sent_at_ms
        .and_then(|ms| time::OffsetDateTime::from_unix_timestamp(ms / 1000).ok())
        .map(crate::today::brussels_date);
    let dated = |key: &'static str| match on {
        Some(date) => Msg::new(format!("{key}_on")).arg("date", date),
        None => Msg::new(key),
    };
    let count = |severity: AnomalySeverity| {
        row.view
            .anomalies
            .iter()
            .filter(|a| a.severity == severity)
            .count()
    };
    let msg = match row.view.state {
        State::Accepted => dated("decl.result.accepted").arg("id", server_id),
        State::Warning => dated("decl.result.warning").arg("id", server_id).arg(
            "warnings",
            Msg::plural(
                "decl.result.warnings",
                count(AnomalySeverity::Warning) as u64,
            ),
        ),
        State::Refused => Msg::plural(
            "decl.result.refused",
            count(AnomalySeverity::Blocking) as u64,
        )
        .arg("id", server_id),
        State::Cancelled => Msg::new("decl.result.cancelled").arg("id", server_id),
        _ => return None,
    };
    Some(msg)
}

/// An action's button label (i18n).
pub fn action_label(action: Action, lang: Lang) -> String {
    let key = match action {
        Action::Edit => "decl.action.edit",
        Action::Submit => "decl.action.submit",
        Action::Retry => "decl.action.retry",
        Action::CheckAgain => "decl.action.check_again",
        Action::Correct => "decl.action.correct",
        Action::Cancel => "decl.action.cancel",
        Action::Duplicate => "decl.action.duplicate",
        Action::Delete => "decl.action.delete",
    };
    tr(lang, key)
}
