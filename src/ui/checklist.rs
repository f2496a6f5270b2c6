//! The Checklist page: the start page of a first run. The language and the role
//! question come first, together, then the steps of the role's path, each with
//! what it is, who may do it, the portal path in Dutch and French, what to have
//! ready and how to know it is done. It reads `checklist::Facts` and returns
//! commands; it owns no lifecycle (the app applies the commands).

use egui::RichText;

use crate::checklist::{steps, Facts, Role, Step};
use crate::i18n::{tr, Lang};

/// What the user asked for on the page.
#[derive(Debug, Clone, PartialEq)]
pub enum ChecklistCommand {
    SetLang(Lang),
    SetRole(Role),
    /// A step ticked (true) or unticked by hand.
    Tick(Step, bool),
    /// Go to the page where the step is done in the app.
    Open(ChecklistTarget),
}

/// The pages a step's action leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecklistTarget {
    Certificate,
    Connection,
    Declarations,
}

/// What the page keeps while it is on screen: which step is unfolded.
#[derive(Debug, Default)]
pub struct ChecklistPage {
    open: Option<Step>,
}

impl ChecklistPage {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        facts: &Facts,
        today: time::Date,
    ) -> Vec<ChecklistCommand> {
        let mut commands = Vec::new();
        ui.heading(tr(lang, "nav.checklist"));

        // The first screen: the language and the role, together.
        ui.horizontal(|ui| {
            ui.label(tr(lang, "nav.language"));
            for candidate in Lang::ALL {
                if ui
                    .selectable_label(candidate == lang, candidate.native_name())
                    .clicked()
                    && candidate != lang
                {
                    commands.push(ChecklistCommand::SetLang(candidate));
                }
            }
        });
        ui.add_space(6.0);
        ui.label(RichText::new(tr(lang, "checklist.role.question")).strong());
        for role in Role::ALL {
            if ui
                .radio(facts.role == Some(role), tr(lang, &role.label_key()))
                .clicked()
                && facts.role != Some(role)
            {
                commands.push(ChecklistCommand::SetRole(role));
            }
        }
        let Some(role) = facts.role else {
            ui.add_space(8.0);
            ui.add(egui::Label::new(RichText::new(tr(lang, "checklist.law")).weak()).wrap());
            return commands;
        };
        match role {
            Role::GroupOwnAccount | Role::GroupRepresentative => {
                note_ui(ui, &tr(lang, "checklist.role.group_note"));
            }
            Role::SupplierAtEmployer => note_ui(ui, &tr(lang, "checklist.role.supplier_note")),
            _ => {}
        }

        // What is still missing, then the steps.
        let missing = facts.missing(today);
        if !missing.is_empty() {
            ui.add_space(6.0);
            for msg in &missing {
                ui.label(
                    RichText::new(format!("– {}", msg.render(lang)))
                        .color(ui.visuals().warn_fg_color),
                );
            }
        }
        ui.add_space(8.0);
        let open_step = self
            .open
            .filter(|s| steps(role).contains(s))
            .or_else(|| steps(role).into_iter().find(|s| !facts.is_done(*s)));
        for step in steps(role) {
            let done = facts.is_done(step);
            ui.horizontal(|ui| {
                let mut ticked = done;
                let title = tr(lang, &step.key("title"));
                let r = ui.checkbox(&mut ticked, "");
                r.widget_info(|| {
                    egui::WidgetInfo::selected(
                        egui::Role::CheckBox,
                        true,
                        done,
                        format!("{}: {title}", tr(lang, "checklist.done")),
                    )
                });
                if r.changed() {
                    commands.push(ChecklistCommand::Tick(step, ticked));
                }
                let text = if done {
                    RichText::new(&title).strong().weak()
                } else {
                    RichText::new(&title).strong()
                };
                if ui.selectable_label(open_step == Some(step), text).clicked() {
                    self.open = if open_step == Some(step) {
                        None
                    } else {
                        Some(step)
                    };
                }
            });
            if open_step == Some(step) {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    step_details_ui(ui, lang, role, step, &mut commands);
                });
            }
        }
        ui.add_space(10.0);
        ui.add(egui::Label::new(RichText::new(tr(lang, "checklist.law")).weak()).wrap());
        commands
    }
}

fn note_ui(ui: &mut egui::Ui, text: &str) {
    ui.add_space(4.0);
    ui.add(egui::Label::new(RichText::new(text).italics()).wrap());
}

fn step_details_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    role: Role,
    step: Step,
    commands: &mut Vec<ChecklistCommand>,
) {
    ui.add(egui::Label::new(tr(lang, &step.key("what"))).wrap());
    if matches!(step, Step::Chaman | Step::Account) {
        ui.add(
            egui::Label::new(RichText::new(tr(lang, role.chaman_quality_key())).strong()).wrap(),
        );
    }
    for (label, part) in [
        ("checklist.who_label", "who"),
        ("checklist.ready_label", "ready"),
        ("checklist.done_when_label", "done_when"),
    ] {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{}:", tr(lang, label))).strong());
            ui.label(tr(lang, &step.key(part)));
        });
    }
    if let Some((nl, fr)) = step.portal_path() {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{}:", tr(lang, "checklist.portal_nl"))).strong());
            ui.label(nl);
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{}:", tr(lang, "checklist.portal_fr"))).strong());
            ui.label(fr);
        });
    }
    for (nl, fr) in step.links() {
        ui.horizontal(|ui| {
            // Opening a link hands it to the system's browser; nothing waits.
            if ui
                .link(tr(lang, "checklist.link_nl"))
                .on_hover_text(*nl)
                .clicked()
            {
                ui.ctx().open_url(egui::OpenUrl::new_tab(*nl));
            }
            if ui
                .link(tr(lang, "checklist.link_fr"))
                .on_hover_text(*fr)
                .clicked()
            {
                ui.ctx().open_url(egui::OpenUrl::new_tab(*fr));
            }
        });
    }
    let action = match step {
        Step::Account => Some(("checklist.action.account", ChecklistTarget::Certificate)),
        Step::TokenTest => Some(("checklist.action.token_test", ChecklistTarget::Connection)),
        Step::SandboxDeclaration | Step::RealDeclaration => {
            Some(("checklist.action.declare", ChecklistTarget::Declarations))
        }
        Step::Mandates => Some(("checklist.action.mandates", ChecklistTarget::Connection)),
        _ => None,
    };
    if let Some((key, target)) = action {
        ui.add_space(4.0);
        if ui.button(tr(lang, key)).clicked() {
            commands.push(ChecklistCommand::Open(target));
        }
    }
    if step.ticked_by_the_app() {
        ui.weak(tr(lang, "checklist.ticked_by_app"));
    }
}
