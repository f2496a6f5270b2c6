//! The Declarations page's editor: the form of the row on view with live
//! validation next to each field, what the row's state allows as buttons, and
//! the form as typed kept here until it is saved through the engine (after a
//! pause in typing, or before any other command).

use std::time::{Duration, Instant};

use egui::RichText;

use super::host::Command;
use super::{widgets, DeclarationsPage, Edit};
use crate::cert::Severity;
use crate::fla::anomalies;
use crate::fla::rules;
use crate::i18n::{tr, tr_args, Lang};
use crate::submit::journal::DraftForm;
use crate::submit::state::{self, Action};

/// How long typing pauses before the form is saved.
pub(super) const SAVE_AFTER: Duration = Duration::from_millis(300);

impl DeclarationsPage {
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
            _ => self.rows[index].form.clone(),
        };
        let today = brussels_today();
        let (field_messages, _blocking) = live_messages(&form, today, lang);
        let mut changed = false;
        ui.label(RichText::new(tr_args(lang, "decl.editing", &[("id", id.to_string())])).strong());
        if let Some(of) = self.rows[index].view.correction_of {
            ui.weak(tr_args(
                lang,
                "decl.correction_of",
                &[("id", of.to_string())],
            ));
        }
        egui::Grid::new("declaration_editor")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                changed |= form_fields_ui(ui, lang, &mut form, &field_messages, editable, mandates);
            });
        if changed {
            if let Some(e) = self.edit.as_mut().filter(|e| e.id == id) {
                e.form = form;
                e.dirty_since = Some(Instant::now());
            }
        }
        let row = &self.rows[index];
        // While a form is typed, its own messages stand next to its fields;
        // the anomalies kept are those of its last save (or the server's).
        if !row.view.anomalies.is_empty() && !editable {
            ui.label(RichText::new(tr(lang, "decl.anomalies")).strong());
            for a in &row.view.anomalies {
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
        if let Some(e) = &row.view.error {
            let text = match &e.trace_id {
                Some(trace) => format!(
                    "{}\n{}",
                    e.message,
                    tr_args(lang, "api.trace_id", &[("trace", trace.clone())])
                ),
                None => e.message.clone(),
            };
            widgets::error_text_ui(ui, &text);
        }
        let mut clicked = None;
        ui.horizontal_wrapped(|ui| {
            for &action in state::actions(row_state) {
                if ui.button(action_label(action, lang)).clicked() {
                    clicked = Some(action);
                }
            }
        });
        if let Some(action) = clicked {
            self.act(action, id, lang);
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
                if !self.can_send(lang) {
                    return;
                }
                Command::Submit(vec![id])
            }
            Action::CheckAgain => Command::CheckAgain(vec![id]),
            Action::Correct => {
                if !self.can_send(lang) {
                    return;
                }
                Command::Correct(id)
            }
            Action::Cancel => {
                if !self.can_send(lang) {
                    return;
                }
                Command::Cancel(id)
            }
            Action::Duplicate => Command::Duplicate(id),
            Action::Delete => {
                self.editing = None;
                self.edit = None;
                self.selected.remove(&id);
                Command::Delete(id)
            }
        };
        self.error = None;
        self.commands.push(command);
    }

    /// Opens row `id` in the editor; with its form to type where its state allows.
    pub(super) fn open(&mut self, id: i64, edit: bool) {
        if self.edit.as_ref().is_some_and(|e| e.id != id) {
            self.flush_edit();
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
                    form: r.form.clone(),
                    dirty_since: None,
                });
            }
            Some(_) => {}
            // Not read yet (a row just made): opened once it is.
            None => self.open_when_read = Some(id),
        }
    }

    /// Sends the form as typed to be saved, if it changed.
    pub(super) fn flush_edit(&mut self) {
        if let Some(e) = self.edit.as_mut() {
            if e.dirty_since.take().is_some() {
                self.commands.push(Command::Save(e.id, e.form.clone()));
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

/// The form's fields with their messages; whether any changed.
fn form_fields_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    f: &mut DraftForm,
    field_messages: &[(String, String, bool)],
    editable: bool,
    mandates: &[String],
) -> bool {
    let mut changed = false;
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
            ui.add_enabled_ui(editable, |ui| {
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
            });
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
    ui.add_enabled_ui(editable, |ui| {
        ui.horizontal(|ui| {
            changed |= ui
                .radio_value(&mut f.informal, false, tr(lang, "form.formal"))
                .changed();
            changed |= ui
                .radio_value(&mut f.informal, true, tr(lang, "form.informal"))
                .changed();
        });
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
    ui.add_enabled_ui(editable, |ui| {
        ui.horizontal(|ui| {
            changed |= ui
                .radio_value(&mut f.days, false, tr(lang, "form.hours"))
                .changed();
            changed |= ui
                .radio_value(&mut f.days, true, tr(lang, "form.days"))
                .changed();
        });
    });
    ui.end_row();
    ui.label("");
    ui.add_enabled_ui(editable, |ui| {
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
    changed
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
