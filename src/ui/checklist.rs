//! The Checklist page: the start page of a first run. The language and the role
//! question come first, together, then the steps of the role's path, each with
//! what it is, who may do it, the portal path in Dutch and French, what to have
//! ready and how to know it is done. It reads `checklist::Facts` and returns
//! commands; it owns no lifecycle (the app applies the commands).

use egui::RichText;

use crate::checklist::{check_enterprise, steps, Facts, Fix, Rehearsal, Role, Step};
use crate::i18n::{tr, tr_args, Lang, Msg};
use crate::identifiers::format_enterprise_number;
use crate::profile::MandateState;

/// What the user asked for on the page.
#[derive(Debug, Clone, PartialEq)]
pub enum ChecklistCommand {
    SetLang(Lang),
    SetRole(Role),
    /// A step ticked (true) or unticked by hand.
    Tick(Step, bool),
    /// Go to the page where the step is done in the app.
    Open(ChecklistTarget),
    /// A change to the profile's enterprise numbers (checked already).
    Edit(ProfileEdit),
    /// A move of the rehearsal in the sandbox, done by the app.
    Rehearse(RehearsalMove),
    /// The update notice asked for (true) or declined, on the last step.
    UpdateNotice(bool),
}

/// What the rehearsal's buttons ask the app to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RehearsalMove {
    /// The Certificate page, its file field focused.
    OpenOwn,
    /// The sandbox's test certificate, made and used to sign.
    MakeTestCertificate,
    /// Register the certificate in the sandbox (where it is not yet), then
    /// test the connection.
    RegisterAndTest,
    /// A new declaration with an example filled in for the sandbox.
    DeclareExample,
    /// A new declaration, empty.
    DeclareAnother,
    /// The Bulk page.
    SendFile,
}

/// What the rehearsal shows besides the facts: the app's work under way.
#[derive(Debug, Clone, Copy, Default)]
pub struct RehearsalState {
    /// A certificate being made or opened, a registration or a test under
    /// way, or a move waiting for the sandbox.
    pub busy: bool,
}

/// What the Checklist changes in the profile: the sender's own enterprise
/// number, a representative's client enterprises and their mandates. Numbers
/// are ten digits, checked before the command is made.
#[derive(Debug, Clone, PartialEq)]
pub enum ProfileEdit {
    Enterprise(String),
    AddClient {
        enterprise: String,
        name: String,
    },
    RemoveClient(String),
    /// A client's name given or changed (at any time).
    RenameClient {
        enterprise: String,
        name: String,
    },
    /// The mandate's state as checked in MAHIS (today, in Brussels).
    Mandate(String, MandateState),
    /// Dimona declared too (true), or the FLA only.
    Dimona(bool),
}

/// The mandate states in the order they are offered, with their names.
const MANDATE_STATES: [(MandateState, &str); 3] = [
    (MandateState::NotChecked, "checklist.mandate.not_checked"),
    (MandateState::Active, "checklist.mandate.active"),
    (MandateState::Missing, "checklist.mandate.missing"),
];

/// The pages a step's action leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecklistTarget {
    Certificate,
    Connection,
    Declarations,
}

/// What the page keeps while it is on screen: which step is unfolded, and
/// the enterprise numbers being typed.
#[derive(Debug, Default)]
pub struct ChecklistPage {
    /// The unfolded step: set when the page opens (the first step not done)
    /// and by the user; the app's ticks never move it.
    open: Option<Step>,
    /// The last pass the page was drawn in: a gap means it was opened again.
    drawn_in_pass: Option<u64>,
    /// The own enterprise number as typed, and the profile's value it was filled from.
    enterprise: String,
    enterprise_for: Option<String>,
    enterprise_said: Option<Result<Msg, Msg>>,
    new_client: String,
    new_client_name: String,
    client_error: Option<Msg>,
    /// The client whose removal waits for a yes.
    confirm_remove: Option<String>,
    /// `open` was set from outside: kept when the page opens.
    unfold_asked: bool,
    /// Clients' names as being typed, by enterprise.
    names: std::collections::HashMap<String, String>,
}

impl ChecklistPage {
    /// Unfolds `step` (the status line leads there).
    pub fn unfold(&mut self, step: Step) {
        self.open = Some(step);
        self.unfold_asked = true;
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        facts: &Facts,
        today: time::Date,
        rehearsal: RehearsalState,
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
        ui.add_space(4.0);
        // First of all: this is a safe place to try everything.
        ui.add(
            egui::Label::new(RichText::new(tr(lang, "checklist.sandbox_intro")).strong()).wrap(),
        );
        ui.add_space(6.0);
        ui.label(RichText::new(tr(lang, "checklist.role.question")).strong());
        for (i, role) in Role::ALL.into_iter().enumerate() {
            let r = ui.radio(facts.role == Some(role), tr(lang, &role.label_key()));
            // No role yet: the question is the next step.
            if facts.role.is_none() && i == 0 {
                super::keyboard::mark_next_step(&r);
            }
            if r.clicked() && facts.role != Some(role) {
                commands.push(ChecklistCommand::SetRole(role));
            }
        }
        let Some(role) = facts.role else {
            ui.add_space(8.0);
            law_ui(ui, lang);
            return commands;
        };
        services_ui(ui, lang, facts, &mut commands);
        match role {
            Role::GroupOwnAccount | Role::GroupRepresentative => {
                note_ui(ui, &tr(lang, "checklist.role.group_note"));
            }
            Role::SupplierAtEmployer => note_ui(ui, &tr(lang, "checklist.role.supplier_note")),
            _ => {}
        }

        // The rehearsal, then what is still missing, then the real steps.
        ui.add_space(8.0);
        let mandates_open = self.open == Some(Step::Mandates);
        if rehearsal_ui(ui, lang, facts, rehearsal, mandates_open, &mut commands) {
            self.open = Some(Step::Mandates);
        }
        // What else is missing (the rehearsal's own needs are in its box).
        let missing: Vec<Msg> = facts
            .needs(today)
            .into_iter()
            .filter(|n| !facts.sandbox || moves_for(n.fix, true).is_empty())
            .map(|n| n.msg)
            .collect();
        if !missing.is_empty() {
            ui.add_space(6.0);
            for msg in &missing {
                ui.label(
                    RichText::new(format!("– {}", msg.render(lang)))
                        .color(ui.visuals().warn_fg_color),
                );
            }
        }
        ui.add_space(10.0);
        ui.label(RichText::new(tr(lang, "checklist.real.heading")).heading());
        // Opened again (start, coming back from another page): the first step
        // not done unfolds. While the page is on screen, the step the user is in
        // stays open, whatever the app ticks.
        let pass = ui.ctx().cumulative_pass_nr();
        let reopened = self
            .drawn_in_pass
            .is_none_or(|last| pass > last.saturating_add(1));
        self.drawn_in_pass = Some(pass);
        let asked = std::mem::take(&mut self.unfold_asked);
        if (reopened && !asked) || self.open.is_some_and(|s| !steps(role).contains(&s)) {
            // While the rehearsal goes on in the sandbox, the real steps wait
            // folded; after it, the first one not done unfolds.
            let rehearsing = facts.sandbox && facts.next_rehearsal().is_some();
            self.open = if rehearsing {
                None
            } else {
                steps(role).into_iter().find(|s| !facts.is_done(*s))
            };
        }
        let open_step = self.open;
        for step in steps(role) {
            let done = facts.is_done(step);
            ui.horizontal(|ui| {
                let mut ticked = done;
                let title = tr(lang, &step.key("title"));
                // The MAHIS step is what the client list says, not a tick.
                let by_hand = step != Step::Mandates;
                let r = ui.add_enabled(by_hand, egui::Checkbox::new(&mut ticked, ""));
                r.widget_info(|| {
                    egui::WidgetInfo::selected(
                        egui::Role::CheckBox,
                        by_hand,
                        done,
                        format!("{}: {title}", tr(lang, "checklist.done")),
                    )
                });
                if r.changed() {
                    commands.push(ChecklistCommand::Tick(step, ticked));
                    // Ticked by hand where the user is: on to the next step not done.
                    if ticked && open_step == Some(step) {
                        self.open = steps(role)
                            .into_iter()
                            .find(|s| *s != step && !facts.is_done(*s));
                    }
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
                    if step == Step::Account && facts.dimona {
                        note_ui(ui, &tr(lang, "checklist.services.dimona_account"));
                    }
                    // Asked once, on the last step: the update notice.
                    if crate::checklist::steps(role).last() == Some(&step) && !facts.update_asked {
                        update_question_ui(ui, lang, &mut commands);
                    }
                    match step {
                        Step::Identify if role.declares_for_itself() => {
                            self.enterprise_ui(ui, lang, facts, &mut commands);
                        }
                        Step::Mandates => self.clients_ui(ui, lang, facts, &mut commands),
                        _ => {}
                    }
                });
            }
        }
        ui.add_space(10.0);
        law_ui(ui, lang);
        commands
    }
}

/// Whether the app may say when a new version is out (off until asked for).
fn update_question_ui(ui: &mut egui::Ui, lang: Lang, commands: &mut Vec<ChecklistCommand>) {
    ui.add_space(6.0);
    ui.add(egui::Label::new(tr(lang, "update.what")).wrap());
    ui.horizontal_wrapped(|ui| {
        if ui.button(tr(lang, "update.enable")).clicked() {
            commands.push(ChecklistCommand::UpdateNotice(true));
        }
        if ui.button(tr(lang, "update.no_thanks")).clicked() {
            commands.push(ChecklistCommand::UpdateNotice(false));
        }
    });
}

impl ChecklistPage {
    /// The sender's own enterprise number: typed, checked, saved in the profile.
    fn enterprise_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        facts: &Facts,
        commands: &mut Vec<ChecklistCommand>,
    ) {
        let saved = facts.enterprise.trim();
        if self.enterprise_for.as_deref() != Some(saved) {
            self.enterprise = format_enterprise_number(saved);
            self.enterprise_for = Some(saved.to_owned());
        }
        ui.add_space(6.0);
        ui.add(egui::Label::new(tr(lang, "checklist.enterprise.help")).wrap());
        ui.horizontal(|ui| {
            let label = ui.label(RichText::new(tr(lang, "checklist.enterprise.label")).strong());
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.enterprise)
                        .hint_text(tr(lang, "checklist.enterprise.hint"))
                        .desired_width(140.0),
                )
                .labelled_by(label.id);
            // A valid number is kept as it is typed; a wrong one is said when
            // the field is left, not while it is typed.
            if field.changed() {
                self.enterprise_said = match check_enterprise(&self.enterprise) {
                    Ok(digits) => {
                        if digits != saved {
                            commands.push(ChecklistCommand::Edit(ProfileEdit::Enterprise(
                                digits.clone(),
                            )));
                        }
                        // Kept as typed: the field is not rewritten under the cursor.
                        self.enterprise_for = Some(digits.clone());
                        let shown = format_enterprise_number(&digits);
                        Some(Ok(
                            Msg::new("checklist.enterprise.saved").arg("enterprise", shown)
                        ))
                    }
                    Err(_) => None,
                };
            }
            if field.lost_focus() && !self.enterprise.trim().is_empty() {
                match check_enterprise(&self.enterprise) {
                    // Left: shown as the portal writes it.
                    Ok(digits) => self.enterprise = format_enterprise_number(&digits),
                    Err(msg) => self.enterprise_said = Some(Err(msg)),
                }
            }
        });
        match &self.enterprise_said {
            Some(Ok(msg)) => {
                ui.weak(msg.render(lang));
            }
            Some(Err(msg)) => super::widgets::error_text_ui(ui, &msg.render(lang)),
            None => {}
        }
    }

    /// A representative's client enterprises, each with its mandate state and
    /// the day it was checked; add one, remove one (after a yes).
    fn clients_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        facts: &Facts,
        commands: &mut Vec<ChecklistCommand>,
    ) {
        ui.add_space(6.0);
        ui.label(RichText::new(tr(lang, "checklist.clients.title")).strong());
        if facts.clients.is_empty() {
            ui.weak(tr(lang, "checklist.clients.none"));
        } else {
            egui::Grid::new("checklist_clients")
                .num_columns(5)
                .spacing([12.0, 6.0])
                .striped(true)
                .show(ui, |ui| {
                    for key in [
                        "checklist.clients.enterprise",
                        "checklist.clients.name",
                        "checklist.clients.mandate",
                        "checklist.clients.checked_on",
                    ] {
                        ui.label(RichText::new(tr(lang, key)).strong());
                    }
                    ui.end_row();
                    for client in &facts.clients {
                        let shown = format_enterprise_number(&client.enterprise);
                        ui.label(RichText::new(&shown).monospace());
                        // The name can be given or changed at any time.
                        let typed = self
                            .names
                            .entry(client.enterprise.clone())
                            .or_insert_with(|| client.name.clone());
                        let name_label = tr_args(
                            lang,
                            "checklist.clients.name_of",
                            &[("enterprise", shown.clone())],
                        );
                        // Its own width: a grid's new cell would take the
                        // header's (and cut the hint).
                        let field = ui.add_sized(
                            egui::vec2(180.0, ui.spacing().interact_size.y),
                            egui::TextEdit::singleline(typed)
                                .hint_text(tr(lang, "checklist.clients.name_hint")),
                        );
                        // Each client's field has its own name.
                        field.widget_info(|| {
                            let mut info = egui::WidgetInfo::text_edit(
                                true,
                                typed.as_str(),
                                typed.as_str(),
                                "",
                            );
                            info.label = Some(name_label.clone());
                            info
                        });
                        if field.lost_focus() && typed.trim() != client.name.trim() {
                            commands.push(ChecklistCommand::Edit(ProfileEdit::RenameClient {
                                enterprise: client.enterprise.clone(),
                                name: typed.trim().to_owned(),
                            }));
                        }
                        // The first client whose mandate is not active yet:
                        // its "active" is the next step.
                        let first_waiting = facts
                            .clients
                            .iter()
                            .find(|c| c.mandate != MandateState::Active)
                            .is_some_and(|c| c.enterprise == client.enterprise);
                        ui.horizontal(|ui| {
                            for (state, key) in MANDATE_STATES {
                                let selected = client.mandate == state;
                                let name = tr(lang, key);
                                let r = ui.radio(selected, &name);
                                if first_waiting && state == MandateState::Active {
                                    super::keyboard::mark_next_step(&r);
                                }
                                // Each client's choices have their own names.
                                let label = tr_args(
                                    lang,
                                    "checklist.mandate.state_of",
                                    &[("enterprise", shown.clone()), ("state", name)],
                                );
                                r.widget_info(|| {
                                    egui::WidgetInfo::selected(
                                        egui::Role::RadioButton,
                                        true,
                                        selected,
                                        &label,
                                    )
                                });
                                if r.clicked() && !selected {
                                    commands.push(ChecklistCommand::Edit(ProfileEdit::Mandate(
                                        client.enterprise.clone(),
                                        state,
                                    )));
                                }
                            }
                        });
                        let checked = client
                            .checked_on
                            .as_deref()
                            .and_then(parse_iso_date)
                            .map(crate::i18n::format_date)
                            .unwrap_or_default();
                        ui.label(checked);
                        let remove = tr_args(
                            lang,
                            "checklist.clients.remove",
                            &[("enterprise", shown.clone())],
                        );
                        let r = ui
                            .small_button(tr(lang, "checklist.clients.remove_button"))
                            .on_hover_text(&remove);
                        // Each client's button has its own name.
                        r.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::Role::Button, true, &remove)
                        });
                        if r.clicked() {
                            self.confirm_remove = Some(client.enterprise.clone());
                        }
                        ui.end_row();
                    }
                });
        }
        if let Some(enterprise) = self.confirm_remove.clone() {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.label(tr_args(
                    lang,
                    "checklist.clients.remove_confirm",
                    &[("enterprise", format_enterprise_number(&enterprise))],
                ));
                ui.horizontal(|ui| {
                    if ui
                        .button(tr(lang, "checklist.clients.remove_yes"))
                        .clicked()
                    {
                        self.confirm_remove = None;
                        commands.push(ChecklistCommand::Edit(ProfileEdit::RemoveClient(
                            enterprise.clone(),
                        )));
                    }
                    if ui.button(tr(lang, "checklist.clients.remove_no")).clicked() {
                        self.confirm_remove = None;
                    }
                });
            });
        }
        ui.add_space(4.0);
        let mut add = false;
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(tr(lang, "checklist.clients.new_enterprise"));
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.new_client)
                        .hint_text(tr(lang, "checklist.enterprise.hint"))
                        .desired_width(140.0),
                )
                .labelled_by(label.id);
            if facts.clients.is_empty() {
                super::keyboard::mark_next_step(&field);
            }
            if field.changed() {
                self.client_error = None;
            }
            let label = ui.label(tr(lang, "checklist.clients.new_name"));
            let name = ui
                .add(egui::TextEdit::singleline(&mut self.new_client_name).desired_width(200.0))
                .labelled_by(label.id);
            add |= (field.lost_focus() || name.lost_focus())
                && ui.input(|i| i.key_pressed(egui::Key::Enter));
            add |= ui.button(tr(lang, "checklist.clients.add")).clicked();
        });
        if add {
            match check_enterprise(&self.new_client) {
                // Already there with a name typed: the name is given to it.
                Ok(digits)
                    if !self.new_client_name.trim().is_empty()
                        && facts.clients.iter().any(|c| c.enterprise == digits) =>
                {
                    self.client_error = None;
                    self.new_client.clear();
                    let name = std::mem::take(&mut self.new_client_name).trim().to_owned();
                    self.names.insert(digits.clone(), name.clone());
                    commands.push(ChecklistCommand::Edit(ProfileEdit::RenameClient {
                        enterprise: digits,
                        name,
                    }));
                }
                Ok(digits) if facts.clients.iter().any(|c| c.enterprise == digits) => {
                    self.client_error = Some(
                        Msg::new("checklist.clients.already")
                            .arg("enterprise", format_enterprise_number(&digits)),
                    );
                }
                Ok(digits) => {
                    self.client_error = None;
                    self.new_client.clear();
                    commands.push(ChecklistCommand::Edit(ProfileEdit::AddClient {
                        enterprise: digits,
                        name: std::mem::take(&mut self.new_client_name).trim().to_owned(),
                    }));
                }
                Err(msg) => self.client_error = Some(msg),
            }
        }
        if let Some(msg) = &self.client_error {
            super::widgets::error_text_ui(ui, &msg.render(lang));
        }
    }
}

/// A day as the profile keeps it (`YYYY-MM-DD`).
fn parse_iso_date(text: &str) -> Option<time::Date> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// Which services are declared: the FLA always, Dimona if ticked.
fn services_ui(ui: &mut egui::Ui, lang: Lang, facts: &Facts, commands: &mut Vec<ChecklistCommand>) {
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(tr(lang, "checklist.services.question")).strong());
        let mut fla = true;
        ui.add_enabled(
            false,
            egui::Checkbox::new(&mut fla, tr(lang, "service.fla")),
        )
        .on_disabled_hover_text(tr(lang, "checklist.services.fla_always"));
        let mut dimona = facts.dimona;
        if ui
            .checkbox(&mut dimona, tr(lang, "service.dimona"))
            .on_hover_text(tr(lang, "checklist.services.dimona_help"))
            .changed()
        {
            commands.push(ChecklistCommand::Edit(ProfileEdit::Dimona(dimona)));
        }
    });
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
        Step::RealDeclaration => Some(("checklist.action.declare", ChecklistTarget::Declarations)),
        _ => None,
    };
    if let Some((key, target)) = action {
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            if ui.button(tr(lang, key)).clicked() {
                commands.push(ChecklistCommand::Open(target));
            }
        });
    }
    if step.ticked_by_the_app() {
        ui.weak(tr(lang, "checklist.ticked_by_app"));
    }
}

/// The rehearsal in the sandbox: its steps, ticked by what the app saw there
/// (never by hand), and under the first one not done the button that does
/// it; when all are done, what comes next.
/// The rehearsal's box; true when the user asked for the clients' step
/// (a representative's client and its mandate come first in the sandbox).
fn rehearsal_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    facts: &Facts,
    state: RehearsalState,
    mandates_open: bool,
    commands: &mut Vec<ChecklistCommand>,
) -> bool {
    let mut open_mandates = false;
    ui.label(RichText::new(tr(lang, "checklist.rehearsal.heading")).heading());
    let next = facts.next_rehearsal();
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        for step in Rehearsal::ALL {
            let done = facts.rehearsal_done(step);
            let title = tr(lang, &step.key("title"));
            ui.horizontal(|ui| {
                let mut ticked = done;
                let r = ui.add_enabled(false, egui::Checkbox::new(&mut ticked, ""));
                r.widget_info(|| {
                    egui::WidgetInfo::selected(
                        egui::Role::CheckBox,
                        false,
                        done,
                        format!("{}: {title}", tr(lang, "checklist.done")),
                    )
                });
                let text = RichText::new(&title);
                ui.label(if done { text.weak() } else { text.strong() });
            });
            if next == Some(step) {
                ui.indent(step.code(), |ui| {
                    if step != Rehearsal::Certificate && facts.mandates_first() {
                        // The sandbox gives the mandates at the registration.
                        ui.add(
                            egui::Label::new(tr(lang, "checklist.rehearsal.clients_first")).wrap(),
                        );
                        let r = ui.button(tr(lang, "checklist.rehearsal.add_client"));
                        if !mandates_open {
                            super::keyboard::mark_next_step(&r);
                        }
                        open_mandates |= r.clicked();
                    } else {
                        next_move_ui(ui, lang, step, state, commands);
                    }
                });
            }
        }
        if next.is_none() {
            ui.add_space(4.0);
            ui.add(egui::Label::new(tr(lang, "checklist.rehearsal.all_done")).wrap());
            ui.horizontal_wrapped(|ui| {
                for (key, action) in [
                    (
                        "checklist.rehearsal.declare_another",
                        RehearsalMove::DeclareAnother,
                    ),
                    ("checklist.rehearsal.send_file", RehearsalMove::SendFile),
                ] {
                    if ui.button(tr(lang, key)).clicked() {
                        commands.push(ChecklistCommand::Rehearse(action));
                    }
                }
            });
        }
        if facts.throwaway_certificate {
            ui.weak(tr(lang, "checklist.rehearsal.test_certificate_note"));
        }
    });
    open_mandates
}

/// The moves that make a fix in the sandbox, with the names of their
/// buttons (`checklist.rehearsal.NAME` on the Checklist, where there is room
/// to say more; `status.move.NAME` in the status line): the Checklist's
/// rehearsal and the status line above every page offer the same.
pub fn moves_for(fix: Fix, sandbox: bool) -> &'static [(&'static str, RehearsalMove)] {
    if !sandbox {
        // Against a real environment: only a new declaration, empty.
        return match fix {
            Fix::Declare => &[("declare", RehearsalMove::DeclareAnother)],
            _ => &[],
        };
    }
    match fix {
        Fix::Rehearsal => &[
            ("open_own", RehearsalMove::OpenOwn),
            ("make_test", RehearsalMove::MakeTestCertificate),
        ],
        Fix::Register => &[("register_and_test", RehearsalMove::RegisterAndTest)],
        Fix::TokenTest => &[("test", RehearsalMove::RegisterAndTest)],
        Fix::Declare => &[("declare", RehearsalMove::DeclareExample)],
        Fix::Role | Fix::Step(_) | Fix::Certificate | Fix::ClientId => &[],
    }
}

/// The button (or buttons) that do the rehearsal's next step.
fn next_move_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    step: Rehearsal,
    state: RehearsalState,
    commands: &mut Vec<ChecklistCommand>,
) {
    let moves = moves_for(step.fix(), true);
    let enabled = !state.busy;
    ui.horizontal_wrapped(|ui| {
        for (name, action) in moves {
            let key = format!("checklist.rehearsal.{name}");
            let r = ui.add_enabled(enabled, egui::Button::new(tr(lang, &key)));
            super::keyboard::mark_next_step(&r);
            if r.clicked() {
                commands.push(ChecklistCommand::Rehearse(*action));
            }
        }
        if state.busy {
            ui.spinner();
            ui.weak(tr(lang, "checklist.rehearsal.working"));
        }
    });
}

/// The legal line, said plainly: what the repeal means for the reader, what
/// the sources do not agree on, and where they are.
fn law_ui(ui: &mut egui::Ui, lang: Lang) {
    ui.label(RichText::new(tr(lang, "checklist.law.heading")).strong());
    ui.add(egui::Label::new(tr(lang, "checklist.law")).wrap());
    let (gazette, portal) = match lang {
        Lang::Fr => (
            "https://www.ejustice.just.fgov.be/cgi/welcome.pl?language=fr",
            "https://www.socialsecurity.be/site_fr/",
        ),
        Lang::Nl => (
            "https://www.ejustice.just.fgov.be/cgi/welcome.pl?language=nl",
            "https://www.socialsecurity.be/site_nl/",
        ),
        Lang::En => (
            "https://www.ejustice.just.fgov.be/cgi/welcome.pl",
            "https://www.socialsecurity.be/",
        ),
    };
    ui.horizontal_wrapped(|ui| {
        for (key, url) in [
            ("checklist.law.gazette", gazette),
            ("checklist.law.portal", portal),
        ] {
            // Opening a link hands it to the system's browser; nothing waits.
            if ui.link(tr(lang, key)).on_hover_text(url).clicked() {
                ui.ctx().open_url(egui::OpenUrl::new_tab(url));
            }
        }
    });
}
