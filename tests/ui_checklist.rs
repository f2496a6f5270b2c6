//! The Checklist page, driven by its AccessKit labels: the language and the role
//! question on the first screen, the steps a role goes through, the app's own
//! ticks, the status line of what is missing, the actions that lead to the pages.
#![cfg(feature = "gui")]

mod common;

use egui::accesskit::Role as A11yRole;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use fla_assistant::checklist::{Facts, Role, Step};
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::ui::checklist::{ChecklistCommand, ChecklistPage, ChecklistTarget};
use fla_assistant::ui::Page;
use time::macros::date;

struct Host {
    page: ChecklistPage,
    lang: Lang,
    facts: Facts,
    commands: Vec<ChecklistCommand>,
}

fn harness(lang: Lang, facts: Facts) -> Harness<'static, Host> {
    let host = Host {
        page: ChecklistPage::default(),
        lang,
        facts,
        commands: Vec::new(),
    };
    let mut harness = Harness::new_ui_state(
        |ui, host: &mut Host| {
            let commands = host
                .page
                .ui(ui, host.lang, &host.facts, date!(2026 - 11 - 25));
            // Applied the way the app applies them.
            for command in &commands {
                match command {
                    ChecklistCommand::SetLang(lang) => host.lang = *lang,
                    ChecklistCommand::SetRole(role) => host.facts.role = Some(*role),
                    ChecklistCommand::Tick(step, on) => {
                        if *on {
                            host.facts.ticked.insert(*step);
                        } else {
                            host.facts.ticked.remove(step);
                        }
                    }
                    ChecklistCommand::Open(_) => {}
                }
            }
            host.commands.extend(commands);
        },
        host,
    );
    harness.set_size(egui::vec2(1100.0, 760.0));
    harness.run();
    harness
}

#[test]
fn a_first_start_asks_language_and_role_together_and_both_take_effect() {
    let mut harness = harness(Lang::En, Facts::default());
    harness.get_by_label(&tr(Lang::En, "checklist.role.question"));
    harness.get_by_label("Nederlands").click();
    harness.run();
    assert_eq!(harness.state().lang, Lang::Nl);
    harness.get_by_label(&tr(Lang::Nl, "checklist.role.question"));
    harness
        .get_by_label(&tr(Lang::Nl, "checklist.role.representative"))
        .click();
    harness.run();
    assert_eq!(harness.state().facts.role, Some(Role::Representative));
    // A representative's path has the MAHIS step; the first step is open.
    harness.get_by_label(&tr(Lang::Nl, "checklist.step.mandates.title"));
    harness.get_by_label(&tr(Lang::Nl, "checklist.step.identify.what"));
    // And the status line says what is missing, in Dutch.
    harness.get_by_label_contains("De tokentest is nog niet gelukt.");
    harness.get_by_label_contains("Nog geen onderneming-klant ingevoerd.");
}

#[test]
fn an_employer_has_no_mandate_step_and_ticks_by_hand_what_the_app_cannot_see() {
    let facts = Facts {
        role: Some(Role::Employer),
        ..Facts::default()
    };
    let mut harness = harness(Lang::Fr, facts);
    assert!(harness
        .query_by_label(&tr(Lang::Fr, "checklist.step.mandates.title"))
        .is_none());
    let tick = format!(
        "{}: {}",
        tr(Lang::Fr, "checklist.done"),
        tr(Lang::Fr, "checklist.step.identify.title")
    );
    harness.get_by_label(&tick).click();
    harness.run();
    assert!(harness.state().facts.ticked.contains(&Step::Identify));
    // The next step not done is the one unfolded, with its portal paths.
    harness.get_by_label(&tr(Lang::Fr, "checklist.step.register.what"));
    harness
        .get_by_label(&tr(Lang::Fr, "checklist.step.register.title"))
        .click();
    harness.run();
    harness
        .get_by_label(&tr(Lang::Fr, "checklist.step.chaman.title"))
        .click();
    harness.run();
    harness.get_by_label_contains("Gestion des accès > Gestion des accès");
    harness.get_by_label_contains("Toegangsbeheer > Toegangsbeheer");
    harness.get_by_label(&tr(Lang::Fr, "checklist.quality.employer"));
}

#[test]
fn what_the_app_sees_is_ticked_and_the_actions_lead_to_the_pages() {
    let facts = Facts {
        role: Some(Role::Employer),
        certificate_valid_until: Some(date!(2026 - 12 - 07)),
        client_id: "self_service_chaman_123_abcdefghij".into(),
        token_test_passed: true,
        ticked: [Step::Identify, Step::Register, Step::Chaman]
            .into_iter()
            .collect(),
        ..Facts::default()
    };
    let mut harness = harness(Lang::En, facts);
    let done = |harness: &Harness<'static, Host>, step: Step| {
        let label = format!(
            "{}: {}",
            tr(Lang::En, "checklist.done"),
            tr(Lang::En, &step.key("title"))
        );
        harness.get_by_label(&label).accesskit_node().toggled()
            == Some(egui::accesskit::Toggled::True)
    };
    assert!(
        done(&harness, Step::Account),
        "client ID + certificate: done"
    );
    assert!(done(&harness, Step::TokenTest), "the token test passed");
    assert!(!done(&harness, Step::SandboxDeclaration));
    // The certificate's end is near: the status line says so.
    harness.get_by_label_contains("The certificate expires in 12 days.");
    // The first step not done is open, with its action.
    harness
        .get_by_label(&tr(Lang::En, "checklist.action.declare"))
        .click();
    harness.run();
    assert!(harness
        .state()
        .commands
        .contains(&ChecklistCommand::Open(ChecklistTarget::Declarations)));
}

#[test]
fn the_app_opens_on_the_checklist_and_keeps_the_role_and_ticks_after_a_restart() {
    let dir = common::new_data_dir();
    {
        let mut harness = common::harness_in(common::english(), &dir);
        harness.state_mut().open_on_start_page();
        harness.run_steps(2);
        assert_eq!(harness.state().state.page, Page::Checklist);
        harness
            .get_by_label(&tr(Lang::En, "checklist.role.group_representative"))
            .click();
        harness.run_steps(2);
        // The role decides the scope: a group's representing company is a provider.
        assert_eq!(
            harness.state().state.connection.role,
            fla_assistant::channel::env::Role::Provider
        );
        let tick = format!(
            "{}: {}",
            tr(Lang::En, "checklist.done"),
            tr(Lang::En, "checklist.step.identify.title")
        );
        harness.get_by_label(&tick).click();
        harness.run_steps(2);
        // Every other page says what is still missing, and leads back here.
        common::go_to(&mut harness, Page::Certificate);
        harness.get_by_label_contains("No certificate that can sign is open.");
        harness
            .get_by_label_contains("No certificate that can sign is open.")
            .click();
        harness.run_steps(2);
        assert_eq!(harness.state().state.page, Page::Checklist);
    }
    // A restart: the profile file brings the role and the tick back.
    let mut harness = common::harness_in(common::english(), &dir);
    harness.state_mut().open_on_start_page();
    harness.run_steps(2);
    let app = harness.state();
    assert_eq!(app.setup.profile.role, Some(Role::GroupRepresentative));
    assert!(app.setup.profile.ticked.contains(&Step::Identify));
    assert_eq!(app.state.page, Page::Checklist, "the path is not done yet");
    let written = std::fs::read_dir(dir.join("config").join("profiles"))
        .unwrap()
        .count();
    assert_eq!(written, 1, "one profile file");
}

#[test]
fn a_token_test_that_passes_ticks_its_step_and_the_account_step() {
    let mut harness = common::harness_in(common::english(), &common::new_data_dir());
    harness.state_mut().setup.profile.role = Some(Role::Employer);
    common::with_sandbox_account(&mut harness);
    harness
        .get_by_role_and_label(A11yRole::Button, &tr(Lang::En, "connection.test"))
        .click();
    common::wait_until_opened(&mut harness);
    harness.run_steps(3);
    let ticked = &harness.state().setup.profile.ticked;
    assert!(ticked.contains(&Step::TokenTest), "{ticked:?}");
    assert!(ticked.contains(&Step::Account), "{ticked:?}");
    // And the log has the test, for the Support page.
    let lines = harness.state().log.recent();
    assert!(
        lines
            .iter()
            .any(|l| l.area == "token" && l.text.contains("passed")),
        "{lines:?}"
    );
}

/// Retypes a text field found by its label.
fn retype(harness: &mut Harness<'static, fla_assistant::ui::FlaApp>, label: &str, text: &str) {
    let field = harness.get_by_role_and_label(A11yRole::TextInput, label);
    field.focus();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
    common::type_into(harness, A11yRole::TextInput, label, text);
    harness.run_steps(2);
}

/// A role's whole path in the app's sandbox: the portal steps ticked by hand,
/// the certificate registered (client ID), the token test, a first declaration
/// accepted; every step of the role ends ticked and the next start opens on
/// the page used last.
fn walk_to_the_end(role: Role) {
    let dir = common::new_data_dir();
    {
        let mut harness = common::harness_in(common::english(), &dir);
        common::go_to(&mut harness, Page::Checklist);
        harness
            .get_by_label(&tr(Lang::En, &role.label_key()))
            .click();
        harness.run_steps(2);
        for step in [Step::Identify, Step::Register, Step::Chaman] {
            let tick = format!(
                "{}: {}",
                tr(Lang::En, "checklist.done"),
                tr(Lang::En, &step.key("title"))
            );
            harness.get_by_label(&tick).click();
            harness.run_steps(2);
        }
        if role.needs_mandates() {
            // The client enterprise with its mandate, as the Connection page records it.
            harness.state_mut().state.connection.mandates = "0403170701".into();
            harness.run_steps(2);
        }
        common::go_to(&mut harness, Page::Certificate);
        common::with_sandbox_account(&mut harness);
        harness
            .get_by_role_and_label(A11yRole::Button, &tr(Lang::En, "connection.test"))
            .click();
        common::wait_until_opened(&mut harness);

        common::go_to(&mut harness, Page::Declarations);
        harness
            .get_by_role_and_label(A11yRole::Button, "New declaration")
            .click();
        common::wait_until_opened(&mut harness);
        harness.run_steps(2);
        let today = time::OffsetDateTime::now_utc().date();
        let mut fields = vec![
            ("External reference", "WALK-1".to_owned()),
            ("Worker (SSIN)", "85073003328".to_owned()),
            ("Training name", "First aid".to_owned()),
            ("Start date", (today - time::Duration::days(3)).to_string()),
            ("End date", (today - time::Duration::days(2)).to_string()),
            ("Duration", "7.5".to_owned()),
        ];
        if !role.needs_mandates() {
            fields.insert(1, ("Enterprise number", "0403170701".to_owned()));
        }
        for (label, text) in &fields {
            retype(&mut harness, label, text);
        }
        common::wait_until_opened(&mut harness);
        harness
            .get_by_role_and_label(A11yRole::Button, "Submit")
            .click();
        common::wait_until_opened(&mut harness);
        harness.run_steps(3);

        let facts = harness.state().facts();
        let missing: Vec<Step> = fla_assistant::checklist::steps(role)
            .into_iter()
            .filter(|s| !facts.is_done(*s))
            .collect();
        assert_eq!(
            missing,
            vec![Step::RealDeclaration],
            "{role:?}: only the real declaration is left"
        );
        // The real one is ticked by hand here (no real server from a test).
        common::go_to(&mut harness, Page::Checklist);
        let tick = format!(
            "{}: {}",
            tr(Lang::En, "checklist.done"),
            tr(Lang::En, &Step::RealDeclaration.key("title"))
        );
        harness.get_by_label(&tick).click();
        harness.run_steps(2);
        assert!(harness.state().facts().path_done(), "{role:?}");
        common::go_to(&mut harness, Page::Declarations);
    }
    // The path is done: the next start opens on the page used last.
    let mut harness = common::harness_in(common::english(), &dir);
    harness.state_mut().state.page = Page::Declarations;
    harness.state_mut().open_on_start_page();
    assert_eq!(harness.state().state.page, Page::Declarations, "{role:?}");
}

#[test]
fn an_employer_walks_its_checklist_to_the_end_in_the_sandbox() {
    walk_to_the_end(Role::Employer);
}

#[test]
fn a_representative_walks_its_checklist_to_the_end_in_the_sandbox() {
    walk_to_the_end(Role::Representative);
}
