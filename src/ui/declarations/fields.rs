//! The editor's fields: each with its label (a `*` where required, a help
//! text on hover), a hint that reads as one ("e.g. …", dimmed), and a line
//! kept for its message under it, so that a message appearing moves nothing.
//! Each field is checked on its own, and says so only once it was touched.

use std::collections::HashSet;

use egui::RichText;

use super::widgets;
use crate::cert::Severity;
use crate::fla::anomalies;
use crate::fla::rules;
use crate::i18n::{format_date, parse_user_date, tr, Lang};
use crate::submit::journal::DraftForm;

/// A message under a field: the field's wire name, the text, whether it blocks.
pub(super) type FieldMessage = (&'static str, String, bool);

/// The fields a declaration cannot go without (marked `*`).
pub(super) const REQUIRED: [&str; 6] = [
    "employer.enterpriseNumber",
    "worker.ssin",
    "training.name",
    "training.startDate",
    "training.endDate",
    "training.duration.value",
];

/// Which fields say what is wrong with them: those touched (edited, or left),
/// or all once a submission was tried or the row was checked before.
#[derive(Debug, Clone, Default)]
pub(super) struct Touched {
    pub fields: HashSet<&'static str>,
    pub all: bool,
}

impl Touched {
    fn shows(&self, field: &str) -> bool {
        self.all || self.fields.contains(field)
    }

    fn note(&mut self, field: &'static str, response: &egui::Response) {
        if response.changed() || response.lost_focus() {
            self.fields.insert(field);
        }
    }
}

/// Messages per field for the live validation, each field on its own: what
/// cannot be read (an empty required field included), the rules' anomalies on
/// the fields that can (the rules that join fields run once those fields are
/// read), and what exactly is wrong with the SSIN.
pub(super) fn live_messages(form: &DraftForm, today: time::Date, lang: Lang) -> Vec<FieldMessage> {
    let (d, problems) = form.to_declaration_lenient();
    let unread: HashSet<&str> = problems.iter().map(|p| p.field).collect();
    // What exactly is wrong with the SSIN typed says more than the rule's
    // general text: it stands in its place.
    let ssin_problem = (!d.worker.ssin.trim().is_empty())
        .then(|| crate::identifiers::parse_ssin_on(&d.worker.ssin, today).err())
        .flatten();
    let mut shown: Vec<FieldMessage> = problems
        .iter()
        .map(|p| (p.field, tr(lang, p.key), true))
        .collect();
    // A reference left empty is generated at submission: not a problem yet.
    for a in rules::check(&d, today) {
        let on_unread = unread
            .iter()
            .any(|f| a.field.starts_with(f) || f.starts_with(a.field));
        if on_unread
            || (a.code == anomalies::REFERENCE.code && form.reference.trim().is_empty())
            || (a.code == anomalies::SSIN.code && ssin_problem.is_some())
        {
            continue;
        }
        shown.push((a.field, a.text(lang).to_owned(), a.blocking));
    }
    if let Some(e) = ssin_problem {
        shown.push((anomalies::SSIN.field, e.message(lang), true));
    }
    shown
}

/// The form as the editor shows it: dates in the Belgian form (dd/mm/yyyy);
/// what cannot be read is left as typed.
pub(super) fn shown_form(form: &DraftForm) -> DraftForm {
    let belgian = |text: &str| match parse_user_date(text) {
        Some(d) => format_date(d),
        None => text.to_owned(),
    };
    DraftForm {
        start: belgian(&form.start),
        end: belgian(&form.end),
        valid_until: belgian(&form.valid_until),
        ..form.clone()
    }
}

/// The same content, whichever way its dates are written.
pub(super) fn same_form(a: &DraftForm, b: &DraftForm) -> bool {
    shown_form(a) == shown_form(b)
}

/// Nothing typed that makes it a declaration (the enterprise pre-filled does not count).
pub(super) fn is_blank(form: &DraftForm) -> bool {
    [
        &form.reference,
        &form.ssin,
        &form.name,
        &form.start,
        &form.end,
        &form.duration,
        &form.valid_until,
        &form.provider,
        &form.joint_committee,
    ]
    .iter()
    .all(|s| s.trim().is_empty())
}

/// What the fields need besides the form.
pub(super) struct FieldsCtx<'a> {
    pub lang: Lang,
    pub editable: bool,
    pub mandates: &'a [String],
    /// Client enterprises' names, by number (a representative's list shows them).
    pub names: &'a std::collections::BTreeMap<String, String>,
    pub messages: &'a [FieldMessage],
    pub touched: &'a mut Touched,
    /// The first required field left empty was marked as the next step.
    pub empty_marked: bool,
}

impl FieldsCtx<'_> {
    /// The first required field left empty is the user's next step.
    fn mark_if_first_empty(&mut self, field: &str, value: &str, response: &egui::Response) {
        if self.editable
            && !self.empty_marked
            && REQUIRED.contains(&field)
            && value.trim().is_empty()
        {
            crate::ui::keyboard::mark_next_step_here(response);
            self.empty_marked = true;
        }
    }

    /// The messages of `fields` that are shown now, joined on one line.
    fn messages_of(&self, fields: &[&str]) -> Option<(String, bool)> {
        let list: Vec<&FieldMessage> = self
            .messages
            .iter()
            .filter(|(f, _, _)| fields.contains(f) && self.touched.shows(f))
            .collect();
        if list.is_empty() {
            return None;
        }
        let text = list
            .iter()
            .map(|(_, m, _)| m.as_str())
            .collect::<Vec<_>>()
            .join(" · ");
        Some((text, list.iter().any(|(_, _, b)| *b)))
    }
}

/// The label of a field: `*` where required, the help text on hover; level
/// with the field, above the field's message line where it has one.
fn label_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    key: &str,
    field: &str,
    message_line: bool,
) -> egui::Response {
    let help = tr(lang, &format!("{key}_help"));
    ui.vertical(|ui| {
        let label = ui
            .horizontal(|ui| {
                ui.set_min_height(ui.spacing().interact_size.y);
                let label = ui.label(tr(lang, key)).on_hover_text(&help);
                if REQUIRED.contains(&field) {
                    ui.label(
                        RichText::new("*").color(widgets::severity_color(ui, Severity::Error)),
                    )
                    .on_hover_text(tr(lang, "form.required_legend"));
                }
                label
            })
            .inner;
        if message_line {
            ui.add_space(message_line_height(ui));
        }
        label
    })
    .inner
}

fn message_line_height(ui: &egui::Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Small) + 2.0
}

/// The line kept under a field for its message: always there, one line high,
/// the whole text on hover where it is cut.
pub(super) fn message_slot_ui(ui: &mut egui::Ui, message: Option<(String, bool)>) {
    let height = message_line_height(ui);
    // As wide as the editor allows: a message cut short hides what to do.
    let width = ui.available_width().max(560.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
    let Some((text, blocking)) = message else {
        return;
    };
    let severity = if blocking {
        Severity::Error
    } else {
        Severity::Warning
    };
    let color = widgets::severity_color(ui, severity);
    ui.put(
        rect,
        egui::Label::new(RichText::new(&text).color(color).small())
            .truncate()
            .halign(egui::Align::LEFT),
    )
    .on_hover_text(text);
}

fn dimmed_hint(ui: &egui::Ui, text: String) -> RichText {
    RichText::new(text).color(ui.visuals().weak_text_color().gamma_multiply(0.8))
}

/// A one-line text field with its label and message line; whether it changed.
fn text_field_ui(
    ui: &mut egui::Ui,
    cx: &mut FieldsCtx<'_>,
    key: &str,
    field: &'static str,
    value: &mut String,
    width: f32,
) -> bool {
    let lang = cx.lang;
    let label = label_ui(ui, lang, key, field, true);
    let hint = dimmed_hint(ui, tr(lang, &format!("{key}_hint")));
    let r = ui
        .vertical(|ui| {
            let r = ui
                .add_enabled(
                    cx.editable,
                    egui::TextEdit::singleline(value)
                        .desired_width(width)
                        .hint_text(hint),
                )
                .labelled_by(label.id)
                .on_hover_text(tr(lang, &format!("{key}_help")));
            cx.touched.note(field, &r);
            cx.mark_if_first_empty(field, value, &r);
            let fields: &[&str] = if field == "training.duration.value" {
                &["training.duration.value", "training.duration"]
            } else {
                &[field]
            };
            message_slot_ui(ui, cx.messages_of(fields));
            r
        })
        .inner;
    ui.end_row();
    r.changed()
}

/// A date field: typed dd/mm/yyyy (or ISO), or picked in the calendar.
fn date_field_ui(
    ui: &mut egui::Ui,
    cx: &mut FieldsCtx<'_>,
    key: &str,
    field: &'static str,
    value: &mut String,
) -> bool {
    let lang = cx.lang;
    let label = label_ui(ui, lang, key, field, true);
    let hint = dimmed_hint(ui, tr(lang, "form.date_hint"));
    let changed = ui
        .vertical(|ui| {
            let mut changed = false;
            ui.horizontal(|ui| {
                let r = ui
                    .add_enabled(
                        cx.editable,
                        egui::TextEdit::singleline(value)
                            .desired_width(110.0)
                            .hint_text(hint),
                    )
                    .labelled_by(label.id)
                    .on_hover_text(tr(lang, &format!("{key}_help")));
                cx.touched.note(field, &r);
                cx.mark_if_first_empty(field, value, &r);
                changed |= r.changed();
                if cx.editable {
                    // The calendar in the interface's language; it opens on the
                    // field's date, or on today in Brussels where it holds none.
                    let today = brussels_today();
                    if let Some(d) = crate::ui::date_picker::button(
                        ui,
                        field,
                        lang,
                        &tr(lang, key),
                        parse_user_date(value),
                        today,
                    ) {
                        *value = format_date(d);
                        cx.touched.fields.insert(field);
                        changed = true;
                    }
                }
            });
            message_slot_ui(ui, cx.messages_of(&[field]));
            changed
        })
        .inner;
    ui.end_row();
    changed
}

/// Two choices on one line (formal/informal, hours/days), with a label and help.
fn choice_ui(
    ui: &mut egui::Ui,
    cx: &FieldsCtx<'_>,
    key: &str,
    value: &mut bool,
    [off, on]: [&str; 2],
) -> bool {
    let lang = cx.lang;
    label_ui(ui, lang, key, "", false);
    let mut changed = false;
    ui.add_enabled_ui(cx.editable, |ui| {
        ui.horizontal(|ui| {
            changed |= ui.radio_value(value, false, tr(lang, off)).changed();
            changed |= ui.radio_value(value, true, tr(lang, on)).changed();
        });
    });
    ui.end_row();
    changed
}

/// The form's fields with their messages (in a two-column grid); whether any changed.
pub(super) fn form_fields_ui(ui: &mut egui::Ui, cx: &mut FieldsCtx<'_>, f: &mut DraftForm) -> bool {
    let lang = cx.lang;
    let mut changed = false;
    changed |= text_field_ui(
        ui,
        cx,
        "form.reference",
        "externalReference",
        &mut f.reference,
        360.0,
    );
    if cx.mandates.is_empty() {
        changed |= text_field_ui(
            ui,
            cx,
            "form.enterprise",
            "employer.enterpriseNumber",
            &mut f.enterprise,
            160.0,
        );
    } else {
        // A representative declares only for the enterprises of its mandates.
        let label = label_ui(
            ui,
            lang,
            "form.enterprise",
            "employer.enterpriseNumber",
            true,
        );
        ui.vertical(|ui| {
            ui.add_enabled_ui(cx.editable, |ui| {
                // "Bakkerij Janssens (0403.170.701)": the client by its name.
                let label_of = |number: &str| {
                    let digits = crate::identifiers::parse_enterprise_number(number)
                        .unwrap_or_else(|| number.trim().to_owned());
                    let name = cx.names.get(&digits).map_or("", String::as_str);
                    crate::identifiers::named_enterprise(number, name)
                };
                let shown = if f.enterprise.is_empty() {
                    tr(lang, "form.enterprise_pick")
                } else {
                    label_of(&f.enterprise)
                };
                let list = egui::ComboBox::from_id_salt("mandate_enterprise")
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        for m in cx.mandates {
                            changed |= ui
                                .selectable_value(&mut f.enterprise, m.clone(), label_of(m))
                                .changed();
                        }
                    })
                    .response
                    .labelled_by(label.id);
                let empty = f.enterprise.clone();
                cx.mark_if_first_empty("employer.enterpriseNumber", &empty, &list);
            });
            if changed {
                cx.touched.fields.insert("employer.enterpriseNumber");
            }
            message_slot_ui(ui, cx.messages_of(&["employer.enterpriseNumber"]));
        });
        ui.end_row();
    }
    changed |= text_field_ui(ui, cx, "form.ssin", "worker.ssin", &mut f.ssin, 160.0);
    changed |= text_field_ui(ui, cx, "form.name", "training.name", &mut f.name, 320.0);
    changed |= choice_ui(
        ui,
        cx,
        "form.type",
        &mut f.informal,
        ["form.formal", "form.informal"],
    );
    let start_before = f.start.clone();
    if date_field_ui(ui, cx, "form.start", "training.startDate", &mut f.start) {
        changed = true;
        // The end takes the start (a one-day training is typed once) until
        // it is typed apart.
        if f.end.trim().is_empty() || f.end.trim() == start_before.trim() {
            f.end.clone_from(&f.start);
        }
    }
    changed |= date_field_ui(ui, cx, "form.end", "training.endDate", &mut f.end);
    changed |= text_field_ui(
        ui,
        cx,
        "form.duration",
        "training.duration.value",
        &mut f.duration,
        80.0,
    );
    changed |= choice_ui(
        ui,
        cx,
        "form.unit",
        &mut f.days,
        ["form.hours", "form.days"],
    );
    ui.label("");
    ui.add_enabled_ui(cx.editable, |ui| {
        ui.horizontal(|ui| {
            for (key, value) in [
                ("form.followed", &mut f.followed),
                ("form.counts_for_fla", &mut f.counts_for_fla),
                ("form.certificate", &mut f.certificate),
            ] {
                changed |= ui
                    .checkbox(value, tr(lang, key))
                    .on_hover_text(tr(lang, &format!("{key}_help")))
                    .changed();
            }
        });
    });
    ui.end_row();
    // Always there (greyed without a certificate), so that ticking it moves nothing.
    let editable = cx.editable;
    cx.editable = editable && f.certificate;
    changed |= date_field_ui(
        ui,
        cx,
        "form.valid_until",
        "training.certificate.validUntil",
        &mut f.valid_until,
    );
    cx.editable = editable;
    changed |= text_field_ui(
        ui,
        cx,
        "form.provider",
        "training.providerEnterpriseNumber",
        &mut f.provider,
        160.0,
    );
    changed |= text_field_ui(
        ui,
        cx,
        "form.joint_committee",
        "training.jointCommittee",
        &mut f.joint_committee,
        80.0,
    );
    changed
}

/// The SSINs in a pasted list: one per line, or separated by commas,
/// semicolons or spaces; each once, in order.
pub fn split_ssins(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split([',', ';', ' ', '\t', '\n', '\r']) {
        let part = part.trim();
        if !part.is_empty() && !out.iter().any(|s| s == part) {
            out.push(part.to_owned());
        }
    }
    out
}

/// Today's date in Brussels: the editor's "today" for the rules, the generated
/// references and the date picker.
pub(super) fn brussels_today() -> time::Date {
    crate::today::brussels_date(time::OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn full() -> DraftForm {
        DraftForm {
            enterprise: "0403170701".into(),
            ssin: "85.07.30-033.28".into(),
            name: "Excel".into(),
            start: "24/11/2026".into(),
            end: "2026-11-25".into(),
            duration: "7".into(),
            ..DraftForm::default()
        }
    }

    fn for_field(form: &DraftForm, field: &str) -> Vec<String> {
        live_messages(form, date!(2026 - 11 - 25), Lang::En)
            .into_iter()
            .filter(|(f, _, _)| *f == field)
            .map(|(_, text, _)| text)
            .collect()
    }

    #[test]
    fn the_editor_says_what_is_wrong_with_the_ssin() {
        let today = date!(2026 - 11 - 25);
        let form = |ssin: &str| DraftForm {
            ssin: ssin.into(),
            ..full()
        };
        assert_eq!(
            for_field(&form("85.07.30-033.28"), "worker.ssin"),
            Vec::<String>::new()
        );
        // 31 February 1985, with the right check digits.
        let feb31 = format!(
            "850231033{:02}",
            crate::identifiers::ssin_check_digits(850_231_033, false)
        );
        assert_eq!(
            for_field(&form(&feb31), "worker.ssin"),
            // What exactly is wrong, in the place of the rule's general text.
            vec![crate::identifiers::SsinError::Date.message(Lang::En)]
        );
        // Born tomorrow (26 November 2026, the rule from 2000).
        let tomorrow = format!(
            "261126033{:02}",
            crate::identifiers::ssin_check_digits(261_126_033, true)
        );
        assert!(for_field(&form(&tomorrow), "worker.ssin")
            .contains(&crate::identifiers::SsinError::FutureBirth.message(Lang::En)));
        // A training that ends today (Brussels) is not in the future.
        assert!(live_messages(&full(), today, Lang::En).is_empty());
    }

    #[test]
    fn each_field_is_checked_while_the_others_are_empty() {
        let only_ssin = DraftForm {
            ssin: "85.07.30-033.29".into(),
            ..DraftForm::default()
        };
        assert_eq!(
            for_field(&only_ssin, "worker.ssin"),
            vec![crate::identifiers::SsinError::Checksum.message(Lang::En)]
        );
        // The empty dates say they are needed, not that they are no date.
        assert_eq!(
            for_field(&only_ssin, "training.startDate"),
            vec![tr(Lang::En, "form.required")]
        );
        // A rule joining two fields waits for both: no "end before start" on an unread end.
        let half = DraftForm {
            end: "2026-11".into(),
            ..full()
        };
        assert_eq!(
            for_field(&half, "training.endDate"),
            vec![tr(Lang::En, "form.not_a_date")]
        );
    }

    #[test]
    fn the_hints_are_examples_that_pass_their_checks_and_name_no_real_enterprise() {
        for lang in Lang::ALL {
            let enterprise = tr(lang, "form.enterprise_hint");
            let digits = enterprise.split(' ').next_back().unwrap_or_default();
            assert!(
                crate::identifiers::parse_enterprise_number(digits).is_some(),
                "{enterprise}"
            );
            assert_ne!(
                crate::identifiers::parse_enterprise_number(digits).as_deref(),
                Some("0403170701")
            );
            let ssin = tr(lang, "form.ssin_hint");
            let digits = ssin.split(' ').next_back().unwrap_or_default();
            assert!(crate::identifiers::parse_ssin(digits).is_ok(), "{ssin}");
            assert_ne!(digits, "85.07.30-033.28");
        }
    }

    #[test]
    fn pasted_ssins_split_on_lines_commas_semicolons_and_spaces() {
        assert_eq!(
            split_ssins("85073003328\n85.07.30-033.29; 90020112305,  85073003328 x"),
            vec!["85073003328", "85.07.30-033.29", "90020112305", "x"]
        );
    }
}
