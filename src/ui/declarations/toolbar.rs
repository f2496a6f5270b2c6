//! The Declarations page's toolbar, in rows laid out so (they never wrap, in
//! French either): the actions (new, submit selected), the table's filters,
//! and the fetch of the server's declarations with what it found.

use super::host::DeclarationCommand;
use super::{state_label, DeclarationsPage};
use crate::fla::wire::SearchRequest;
use crate::i18n::{parse_user_date, tr, tr_args, Lang, Msg};
use crate::submit::journal::DraftForm;
use crate::submit::state::State;

impl DeclarationsPage {
    /// A new declaration, opened in the editor when it is made: the
    /// employer's own enterprise (or a representative's only mandate) filled
    /// in; `example`, an example to send as it is (the rehearsal's).
    pub fn new_declaration(&mut self, mandates: &[String], example: Option<DraftForm>) {
        self.leave_edit();
        let enterprise = match mandates {
            [] => self.own_enterprise.clone().unwrap_or_default(),
            [only] => only.clone(),
            _ => String::new(),
        };
        let enterprise = crate::identifiers::shown_enterprise(&enterprise);
        let form = example.unwrap_or(DraftForm {
            enterprise,
            ..DraftForm::default()
        });
        self.commands.push(DeclarationCommand::New(form));
    }

    pub(super) fn toolbar_ui(&mut self, ui: &mut egui::Ui, lang: Lang, mandates: &[String]) {
        ui.horizontal(|ui| {
            if ui.button(tr(lang, "decl.new")).clicked() {
                self.new_declaration(mandates, None);
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
                self.flush_edit();
                if self.can_send(lang) {
                    let ids: Vec<i64> = self.selected.iter().copied().collect();
                    self.error = None;
                    self.commands.push(DeclarationCommand::Submit(ids));
                }
            }
            if !selectable {
                // Greyed out: why, beside it.
                ui.weak(tr(lang, "decl.submit_selected_none"));
            }
        });
        // The filters on a row of their own: long in French, they never wrap.
        ui.horizontal(|ui| {
            let label = ui.label(tr(lang, "decl.filter_status"));
            egui::ComboBox::from_id_salt("status_filter")
                .selected_text(
                    self.filter_status
                        .map(|s| state_label(s, lang))
                        .unwrap_or_else(|| tr(lang, "decl.all")),
                )
                .show_ui(ui, |ui| {
                    let mut changed = ui
                        .selectable_value(&mut self.filter_status, None, tr(lang, "decl.all"))
                        .changed();
                    for s in State::ALL {
                        changed |= ui
                            .selectable_value(
                                &mut self.filter_status,
                                Some(s),
                                state_label(s, lang),
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
                    .desired_width(96.0)
                    .hint_text(tr(lang, "form.date_hint"));
                if ui.add(edit).labelled_by(label.id).changed() {
                    self.view_dirty = true;
                }
            }
        });
        ui.horizontal(|ui| {
            // Apart from the table's filters above: what to bring from the server.
            ui.weak(tr(lang, "decl.fetch_row"));
            let label = ui.label(tr(lang, "decl.fetch_enterprise"));
            ui.add(egui::TextEdit::singleline(&mut self.fetch_enterprise).desired_width(120.0))
                .labelled_by(label.id);
            let label = ui.label(tr(lang, "decl.from"));
            ui.add(
                egui::TextEdit::singleline(&mut self.fetch_from)
                    .desired_width(96.0)
                    .hint_text(tr(lang, "form.date_hint")),
            )
            .labelled_by(label.id);
            let label = ui.label(tr(lang, "decl.to"));
            ui.add(
                egui::TextEdit::singleline(&mut self.fetch_to)
                    .desired_width(96.0)
                    .hint_text(tr(lang, "form.date_hint")),
            )
            .labelled_by(label.id);
            if ui
                .add_enabled(!self.fetching, egui::Button::new(tr(lang, "decl.fetch")))
                .clicked()
            {
                self.fetch(lang);
            }
            if self.fetching {
                ui.spinner();
            }
        });
    }

    fn fetch(&mut self, lang: Lang) {
        let Some(enterprise) = crate::identifiers::parse_enterprise_number(&self.fetch_enterprise)
        else {
            self.error = Some(
                Msg::new("declare.bad_enterprise").arg("value", self.fetch_enterprise.clone()),
            );
            return;
        };
        if !self.can_send(lang) {
            return;
        }
        self.flush_edit();
        // Typed dd/mm/yyyy (or ISO), asked ISO.
        let optional = |s: &str| {
            (!s.trim().is_empty())
                .then(|| parse_user_date(s).map_or_else(|| s.trim().to_owned(), |d| d.to_string()))
        };
        self.error = None;
        self.fetching = true;
        self.commands.push(DeclarationCommand::Fetch(SearchRequest {
            enterprise_number: enterprise,
            from: optional(&self.fetch_from),
            to: optional(&self.fetch_to),
            ..SearchRequest::default()
        }));
    }
}
