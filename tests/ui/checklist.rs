//! The Checklist page, driven by its AccessKit labels: the language and the role
//! question on the first screen, the steps a role goes through, the app's own
//! ticks, the status line of what is missing, the actions that lead to the pages.
#![cfg(feature = "gui")]

use fla_test_support::app as common;

use egui::accesskit::Role as A11yRole;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use fla_assistant::checklist::{Facts, Rehearsal, Role, Step};
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::profile::{ClientEnterprise, MandateState};
use fla_assistant::ui::checklist::{ChecklistCommand, ChecklistPage, ChecklistTarget, ProfileEdit};
use fla_assistant::ui::Page;
use time::macros::date;

struct Host {
    page: ChecklistPage,
    lang: Lang,
    facts: Facts,
    commands: Vec<ChecklistCommand>,
    /// Whether the page is on screen (false: the user is on another page).
    shown: bool,
}

fn harness(lang: Lang, facts: Facts) -> Harness<'static, Host> {
    let host = Host {
        page: ChecklistPage::default(),
        lang,
        facts,
        commands: Vec::new(),
        shown: true,
    };
    let mut harness = Harness::new_ui_state(
        |ui, host: &mut Host| {
            if !host.shown {
                return;
            }
            let commands = host.page.ui(
                ui,
                host.lang,
                &host.facts,
                date!(2026 - 11 - 25),
                Default::default(),
            );
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
                    ChecklistCommand::Open(_) | ChecklistCommand::Rehearse(_) => {}
                    ChecklistCommand::UpdateNotice(_) => host.facts.update_asked = true,
                    ChecklistCommand::Edit(edit) => edit_facts(&mut host.facts, edit),
                }
            }
            host.commands.extend(commands);
        },
        host,
    );
    // The app scrolls the page; this host shows it whole.
    harness.set_size(egui::vec2(1100.0, 1400.0));
    harness.run();
    harness
}

/// What the app does with an edit, on the facts alone (the app's own is
/// `Setup::edit`, walked below).
fn edit_facts(facts: &mut Facts, edit: &ProfileEdit) {
    match edit {
        ProfileEdit::Enterprise(e) => facts.enterprise = e.clone(),
        ProfileEdit::AddClient { enterprise, name } => facts.clients.push(ClientEnterprise {
            enterprise: enterprise.clone(),
            name: name.clone(),
            ..ClientEnterprise::default()
        }),
        ProfileEdit::RemoveClient(e) => facts.clients.retain(|c| &c.enterprise != e),
        ProfileEdit::RenameClient { enterprise, name } => {
            for c in facts
                .clients
                .iter_mut()
                .filter(|c| &c.enterprise == enterprise)
            {
                c.name = name.clone();
            }
        }
        ProfileEdit::Mandate(e, state) => {
            for c in facts.clients.iter_mut().filter(|c| &c.enterprise == e) {
                c.mandate = *state;
            }
        }
        ProfileEdit::Dimona(on) => facts.dimona = *on,
    }
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
fn the_step_the_user_works_in_stays_open_when_the_app_ticks_it_and_nothing_typed_is_lost() {
    let facts = Facts {
        role: Some(Role::Representative),
        ticked: [Step::Identify, Step::Register, Step::Chaman]
            .into_iter()
            .collect(),
        clients: vec![ClientEnterprise {
            enterprise: "0202239951".into(),
            name: "Garage Dubois".into(),
            ..ClientEnterprise::default()
        }],
        ..Facts::default()
    };
    let mut harness = harness(Lang::En, facts);
    let mandates_what = tr(Lang::En, "checklist.step.mandates.what");
    harness.get_by_label(&mandates_what);
    // The first client's mandate is active: the step is done, and stays open.
    let active = tr(Lang::En, "checklist.mandate.active");
    harness
        .get_by_label(&format!("Mandate of 0202.239.951: {active}"))
        .click();
    harness.run();
    assert!(harness.state().facts.is_done(Step::Mandates));
    harness.get_by_label(&mandates_what);
    assert!(harness
        .query_by_label(&tr(Lang::En, "checklist.step.account.what"))
        .is_none());
    // The second client typed goes into the list.
    harness
        .get_by_label(&tr(Lang::En, "checklist.clients.new_enterprise"))
        .click();
    harness.run();
    harness
        .get_by_label(&tr(Lang::En, "checklist.clients.new_enterprise"))
        .type_text("0403.170.701");
    harness.run();
    harness
        .get_by_label(&tr(Lang::En, "checklist.clients.new_name"))
        .click();
    harness.run();
    harness
        .get_by_label(&tr(Lang::En, "checklist.clients.new_name"))
        .type_text("Bakkerij Peeters");
    harness.run();
    harness
        .get_by_label(&tr(Lang::En, "checklist.clients.add"))
        .click();
    harness.run();
    let clients = &harness.state().facts.clients;
    assert_eq!(clients.len(), 2, "{clients:?}");
    assert_eq!(clients[1].enterprise, "0403170701");
    assert_eq!(clients[1].name, "Bakkerij Peeters");
    harness.get_by_label(&mandates_what);

    // Back on the Checklist after another page: the first step not done unfolds.
    harness
        .get_by_label(&tr(Lang::En, "checklist.step.real_declaration.title"))
        .click();
    harness.run();
    harness.state_mut().shown = false;
    harness.run_steps(2);
    harness.state_mut().shown = true;
    harness.run();
    // (The second client's mandate is not checked yet: the MAHIS step again.)
    harness.get_by_label(&mandates_what);
    assert!(harness
        .query_by_label(&tr(Lang::En, "checklist.step.real_declaration.what"))
        .is_none());
}

#[test]
fn the_status_says_which_mandate_is_missing_and_which_is_not_checked_with_the_clients_names() {
    let client = |enterprise: &str, name: &str, mandate| ClientEnterprise {
        enterprise: enterprise.into(),
        name: name.into(),
        mandate,
        ..ClientEnterprise::default()
    };
    let facts = Facts {
        role: Some(Role::Representative),
        clients: vec![
            client("0202239951", "Garage Dubois", MandateState::Missing),
            client("0403170701", "", MandateState::NotChecked),
        ],
        ..Facts::default()
    };
    let mut harness = harness(Lang::En, facts);
    harness.get_by_label_contains(
        "Mandate missing for Garage Dubois (0202.239.951): ask the client to grant it in MAHIS.",
    );
    harness.get_by_label_contains(
        "Mandate not checked yet for 0403.170.701: check it in MAHIS and record it on the Checklist.",
    );
    // Several: counted, in the user's language.
    harness.state_mut().facts.clients[1].mandate = MandateState::Missing;
    harness.state_mut().lang = Lang::Nl;
    harness.run();
    harness.get_by_label_contains(
        "Mandaat ontbreekt voor 2 klanten, Garage Dubois (0202.239.951), 0403.170.701: vraag hen het toe te kennen in MAHIS.",
    );
    harness.state_mut().lang = Lang::Fr;
    harness.run();
    harness.get_by_label_contains("Mandat manquant pour 2 clients, Garage Dubois (0202.239.951)");
}

#[test]
fn the_steps_say_noss_in_belgian_words_chaman_one_way_mahis_links_and_the_real_account_step() {
    let facts = Facts {
        role: Some(Role::Representative),
        clients: vec![ClientEnterprise {
            enterprise: "0202239951".into(),
            ..ClientEnterprise::default()
        }],
        sandbox: true,
        ..Facts::default()
    };
    let mut harness = harness(Lang::En, facts);
    // Step 1 names the NOSS with the words Belgian HR know.
    harness.get_by_label("1. Be known as an NOSS (RSZ/ONSS) employer");
    // The MAHIS step, with the portal's pages to open, as the other steps have.
    for step in [Step::Identify, Step::Register, Step::Chaman] {
        harness.state_mut().facts.ticked.insert(step);
    }
    harness
        .get_by_label(&tr(Lang::En, "checklist.step.mandates.title"))
        .click();
    harness.run();
    harness.get_by_label(&tr(Lang::En, "checklist.step.mandates.what"));
    harness.get_by_label(&tr(Lang::En, "checklist.link_nl"));
    harness.get_by_label(&tr(Lang::En, "checklist.link_fr"));
    // The account step is the real one, even in the sandbox: its portal
    // path, and no move of the sandbox's (the rehearsal has those).
    harness
        .get_by_label(&tr(Lang::En, "checklist.step.account.title"))
        .click();
    harness.run();
    harness.get_by_label_contains("> Chaman > Beheer uw technische kanalen");
    assert!(harness.query_by_label_contains("ChaMan").is_none());
    assert!(harness
        .query_by_label(&tr(Lang::En, "checklist.rehearsal.register_and_test"))
        .is_none());
    // One spelling in every language's texts.
    for lang in [Lang::En, Lang::Nl, Lang::Fr] {
        let text = std::fs::read_to_string(format!(
            "{}/assets/i18n/{}.txt",
            env!("CARGO_MANIFEST_DIR"),
            lang.code()
        ))
        .unwrap();
        assert!(!text.contains("ChaMan"), "{lang:?}");
    }
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
    assert!(!done(&harness, Step::RealDeclaration));
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
        // Every other page says what is still missing, and leads to where it
        // is done: in the sandbox, a certificate is opened or made on the
        // Checklist's rehearsal.
        common::go_to(&mut harness, Page::Certificate);
        let said = tr(Lang::En, "status.rehearsal.no_certificate");
        harness.get_by_label_contains(&said).click();
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
fn a_token_test_in_the_sandbox_ticks_the_rehearsal_and_no_real_step() {
    let mut harness = common::harness_in(common::english(), &common::new_data_dir());
    harness.state_mut().setup.profile.role = Some(Role::Employer);
    common::with_sandbox_account(&mut harness);
    harness
        .get_by_role_and_label(A11yRole::Button, &tr(Lang::En, "connection.test"))
        .click();
    common::wait_until_opened(&mut harness);
    harness.run_steps(3);
    let profile = &harness.state().setup.profile;
    assert_eq!(
        profile.rehearsed,
        [
            Rehearsal::Certificate,
            Rehearsal::Registered,
            Rehearsal::TokenTest
        ]
        .into_iter()
        .collect(),
    );
    // The sandbox's client ID is kept apart from the real one.
    assert!(profile.client_id.is_empty(), "{}", profile.client_id);
    assert!(!profile.sandbox_client_id.is_empty());
    // Nothing real is ticked, nor seen done: the REST account and the OAuth
    // test are still to do against acceptance or production.
    assert!(profile.ticked.is_empty(), "{:?}", profile.ticked);
    let facts = harness.state().facts();
    for step in fla_assistant::checklist::steps(Role::Employer) {
        assert!(!facts.is_done(step), "{step:?}");
    }
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

/// The label of a step's "done" tick.
fn tick_label(step: Step) -> String {
    format!(
        "{}: {}",
        tr(Lang::En, "checklist.done"),
        tr(Lang::En, &step.key("title"))
    )
}

/// Adds a client enterprise on the Checklist's MAHIS step and sets its mandate.
fn add_client(
    harness: &mut Harness<'static, fla_assistant::ui::FlaApp>,
    number: &str,
    state: &str,
) {
    retype(
        harness,
        &tr(Lang::En, "checklist.clients.new_enterprise"),
        number,
    );
    harness
        .get_by_role_and_label(A11yRole::Button, &tr(Lang::En, "checklist.clients.add"))
        .click();
    harness.run_steps(2);
    let shown = fla_assistant::identifiers::format_enterprise_number(
        &fla_assistant::identifiers::parse_enterprise_number(number).unwrap(),
    );
    harness
        .get_by_label(&format!("Mandate of {shown}: {state}"))
        .click();
    harness.run_steps(2);
}

/// On the Checklist as a representative, the MAHIS step open.
fn representative_on_mandates(harness: &mut Harness<'static, fla_assistant::ui::FlaApp>) {
    common::go_to(harness, Page::Checklist);
    harness
        .get_by_label(&tr(Lang::En, "checklist.role.representative"))
        .click();
    harness.run_steps(2);
    harness
        .get_by_label(&tr(Lang::En, "checklist.step.mandates.title"))
        .click();
    harness.run_steps(2);
}

/// Types the sender's own enterprise number on the Checklist's first step.
fn own_enterprise(harness: &mut Harness<'static, fla_assistant::ui::FlaApp>, number: &str) {
    // Typed, and the field left: no button to press.
    retype(harness, &tr(Lang::En, "checklist.enterprise.label"), number);
    harness.key_press(egui::Key::Tab);
    harness.run_steps(2);
}

/// A role's whole path in the app's sandbox, on the Checklist: the own
/// enterprise number (an employer-type role) or a client with its mandate
/// active (a representative) typed there, the portal steps ticked by hand, the
/// certificate registered (client ID), the token test, a first declaration
/// accepted; every step of the role ends ticked, the status line says nothing
/// is missing, and the next start opens on the page used last.
fn walk_to_the_end(role: Role) {
    let dir = common::new_data_dir();
    // Not the sandbox's default enterprise: the one typed goes to the sandbox.
    let enterprise = "0202239951";
    {
        let mut harness = common::harness_in(common::english(), &dir);
        common::go_to(&mut harness, Page::Checklist);
        harness
            .get_by_label(&tr(Lang::En, &role.label_key()))
            .click();
        harness.run_steps(2);
        // The real steps wait folded while the rehearsal goes on: opened by hand.
        harness
            .get_by_label(&tr(Lang::En, &Step::Identify.key("title")))
            .click();
        harness.run_steps(2);
        if role.declares_for_itself() {
            own_enterprise(&mut harness, enterprise);
            assert_eq!(
                harness.state().setup.profile.enterprise,
                enterprise,
                "{role:?}"
            );
        }
        for step in [Step::Identify, Step::Register, Step::Chaman] {
            harness.get_by_label(&tick_label(step)).click();
            harness.run_steps(2);
        }
        if role.needs_mandates() {
            // The MAHIS step is the one open now: the client and its mandate.
            add_client(&mut harness, enterprise, "active in MAHIS");
            assert_eq!(
                harness.state().state.connection.mandates,
                enterprise,
                "{role:?}: the Connection page's mandates follow"
            );
        } else {
            assert_eq!(
                fla_assistant::identifiers::parse_enterprise_number(
                    &harness.state().state.connection.sandbox_enterprise
                )
                .unwrap_or_default(),
                enterprise,
                "{role:?}: the sandbox registers the number typed"
            );
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
        if role.declares_for_itself() {
            // The editor fills in the profile's enterprise.
            let field = harness.get_by_role_and_label(A11yRole::TextInput, "Enterprise number");
            let shown = fla_assistant::identifiers::format_enterprise_number(enterprise);
            assert_eq!(field.value().as_deref(), Some(shown.as_str()), "{role:?}");
        }
        let today = time::OffsetDateTime::now_utc().date();
        let fields = [
            ("External reference", "WALK-1".to_owned()),
            ("Worker (SSIN)", "85073003328".to_owned()),
            ("Training name", "First aid".to_owned()),
            ("Start date", (today - time::Duration::days(3)).to_string()),
            ("End date", (today - time::Duration::days(2)).to_string()),
            ("Duration", "7.5".to_owned()),
        ];
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
        assert_eq!(
            facts.next_rehearsal(),
            None,
            "{role:?}: the rehearsal is done"
        );
        let missing: Vec<Step> = fla_assistant::checklist::steps(role)
            .into_iter()
            .filter(|s| !facts.is_done(*s))
            .collect();
        assert_eq!(
            missing,
            vec![Step::Account, Step::TokenTest, Step::RealDeclaration],
            "{role:?}: the sandbox did none of the real steps"
        );
        // They are ticked by hand here (no real server from a test).
        common::go_to(&mut harness, Page::Checklist);
        for step in missing {
            harness.get_by_label(&tick_label(step)).click();
            harness.run_steps(2);
        }
        let app = harness.state();
        let facts = app.facts();
        for step in fla_assistant::checklist::steps(role) {
            assert!(facts.is_done(step), "{role:?}: {step:?} ticked");
            let label = tick_label(step);
            let tick = harness.get_by_label(&label);
            assert_eq!(
                tick.accesskit_node().toggled(),
                Some(egui::accesskit::Toggled::True),
                "{role:?}: {step:?} shown ticked"
            );
        }
        let today = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
        let said: Vec<String> = facts
            .missing(today)
            .iter()
            .map(|m| m.render(Lang::En))
            .collect();
        assert!(said.is_empty(), "{role:?}: the status line says {said:?}");
        assert!(facts.path_done(), "{role:?}");
        common::go_to(&mut harness, Page::Declarations);
        // Nothing missing: no status line above the page.
        assert!(harness
            .query_by_label_contains(&tr(Lang::En, "status.token_test"))
            .is_none());
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

#[test]
fn a_group_company_with_its_own_account_walks_its_checklist_to_the_end() {
    walk_to_the_end(Role::GroupOwnAccount);
}

#[test]
fn a_group_company_representing_the_others_walks_its_checklist_to_the_end() {
    walk_to_the_end(Role::GroupRepresentative);
}

#[test]
fn a_supplier_of_centralised_software_walks_its_checklist_to_the_end() {
    walk_to_the_end(Role::SupplierCentralised);
}

#[test]
fn a_supplier_of_software_at_the_employer_walks_its_checklist_to_the_end() {
    walk_to_the_end(Role::SupplierAtEmployer);
}

/// Every role is walked above (a new role needs its test).
#[test]
fn every_role_has_its_walk() {
    assert_eq!(Role::ALL.len(), 6);
}

#[test]
fn a_wrong_own_enterprise_number_is_refused_and_a_right_one_serves_the_editor_for_real() {
    let mut state = common::english();
    // Not the sandbox: the number typed is used all the same.
    state.connection.environment = fla_assistant::channel::env::EnvironmentKind::Production;
    let dir = common::new_data_dir();
    let mut harness = common::harness_in(state, &dir);
    common::go_to(&mut harness, Page::Checklist);
    harness
        .get_by_label(&tr(Lang::En, "checklist.role.employer"))
        .click();
    harness.run_steps(2);
    harness
        .get_by_label(&tr(Lang::En, &Step::Identify.key("title")))
        .click();
    harness.run_steps(2);
    own_enterprise(&mut harness, "0202.239.952");
    harness.get_by_label_contains("The check digits of '0202.239.952' do not match");
    own_enterprise(&mut harness, "12345");
    harness.get_by_label_contains("'12345' is not an enterprise number");
    assert_eq!(
        harness.state().setup.profile.enterprise,
        "",
        "nothing saved"
    );

    own_enterprise(&mut harness, "BE 0202239951");
    assert_eq!(harness.state().setup.profile.enterprise, "0202239951");
    // Shown formatted in its field.
    let label = tr(Lang::En, "checklist.enterprise.label");
    let field = harness.get_by_role_and_label(A11yRole::TextInput, &label);
    assert_eq!(field.value().as_deref(), Some("0202.239.951"));
    // The Connection page's sandbox enterprise follows, and does not undo it.
    assert_eq!(
        harness
            .state()
            .state
            .connection
            .sandbox_enterprise
            .replace(".", ""),
        "0202239951"
    );
    harness.run_steps(3);
    assert_eq!(harness.state().setup.profile.enterprise, "0202239951");

    common::go_to(&mut harness, Page::Declarations);
    common::wait_until_opened(&mut harness);
    harness
        .get_by_role_and_label(A11yRole::Button, "New declaration")
        .click();
    common::wait_until_opened(&mut harness);
    harness.run_steps(2);
    let field = harness.get_by_role_and_label(A11yRole::TextInput, "Enterprise number");
    assert_eq!(field.value().as_deref(), Some("0202.239.951"));
    drop(harness);

    // A restart keeps it, the sandbox's default does not replace it.
    let harness = common::harness_in(common::english(), &dir);
    assert_eq!(harness.state().setup.profile.enterprise, "0202239951");
    assert_eq!(
        harness
            .state()
            .state
            .connection
            .sandbox_enterprise
            .replace(".", ""),
        "0202239951"
    );
}

#[test]
fn a_representative_keeps_its_clients_with_their_mandates_across_a_restart() {
    let dir = common::new_data_dir();
    let brussels = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
    let shown_today = fla_assistant::i18n::format_date(brussels);
    {
        let mut harness = common::harness_in(common::english(), &dir);
        representative_on_mandates(&mut harness);
        // A wrong number is refused.
        retype(
            &mut harness,
            &tr(Lang::En, "checklist.clients.new_enterprise"),
            "0403170702",
        );
        harness
            .get_by_role_and_label(A11yRole::Button, &tr(Lang::En, "checklist.clients.add"))
            .click();
        harness.run_steps(2);
        harness.get_by_label_contains("The check digits of '0403170702' do not match");
        assert!(harness.state().setup.profile.clients.is_empty());

        retype(
            &mut harness,
            &tr(Lang::En, "checklist.clients.new_name"),
            "Acme",
        );
        add_client(&mut harness, "0403170701", "active in MAHIS");
        add_client(&mut harness, "0202239951", "missing");
        let clients = harness.state().setup.profile.clients.clone();
        assert_eq!(clients.len(), 2, "{clients:?}");
        assert_eq!(clients[0].name, "Acme");
        assert_eq!(clients[0].mandate, MandateState::Active);
        assert_eq!(clients[1].mandate, MandateState::Missing);
        assert_eq!(clients[1].checked_on, Some(brussels.to_string()));
        // The day it was checked, as people write it here.
        assert!(harness.query_all_by_label(&shown_today).count() >= 2);
        // The MAHIS step is not done while a mandate is missing.
        let label = tick_label(Step::Mandates);
        assert_eq!(
            harness.get_by_label(&label).accesskit_node().toggled(),
            Some(egui::accesskit::Toggled::False)
        );
        // Only the active one is the Connection page's mandate.
        assert_eq!(harness.state().state.connection.mandates, "0403170701");

        // What is missing says the missing one (the Checklist lists all of it;
        // the status line above the other pages starts with the first).
        harness.get_by_label_contains(
            "Mandate missing for 0202.239.951: ask the client to grant it in MAHIS.",
        );
        let today = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
        let said: Vec<String> = harness
            .state()
            .facts()
            .missing(today)
            .iter()
            .map(|m| m.render(Lang::En))
            .collect();
        assert!(
            said.contains(
                &"Mandate missing for 0202.239.951: ask the client to grant it in MAHIS."
                    .to_owned()
            ),
            "{said:?}"
        );
        // Above every other page, the status line is a link to where the first
        // need is met: in the sandbox without a certificate, the Checklist's
        // rehearsal.
        assert_eq!(said[0], tr(Lang::En, "status.rehearsal.no_certificate"));
        let line = format!("{} (and {} more on the Checklist)", said[0], said.len() - 1);
        for page in Page::ALL
            .into_iter()
            .filter(|p| !matches!(p, Page::Checklist | Page::Dimona))
        {
            common::go_to(&mut harness, page);
            let link = harness.get_by_role_and_label(A11yRole::Link, &line);
            assert_eq!(link.accesskit_node().role(), A11yRole::Link, "{page:?}");
        }
        harness.get_by_role_and_label(A11yRole::Link, &line).click();
        harness.run_steps(2);
        assert_eq!(harness.state().state.page, Page::Checklist);
        // And the editor does not offer it.
        harness.state_mut().state.page = Page::Declarations;
        common::wait_until_opened(&mut harness);
        assert_eq!(
            harness
                .state()
                .setup
                .mandated_enterprises(&harness.state().state.connection),
            vec!["0403170701".to_owned()]
        );
        harness
            .get_by_role_and_label(A11yRole::Button, "New declaration")
            .click();
        common::wait_until_opened(&mut harness);
        harness.run_steps(2);
        harness.get_by_label("Enterprise number").click();
        harness.run_steps(2);
        assert!(harness.query_by_label_contains("0202.239.951").is_none());
        harness.get_by_label_contains("(0403.170.701)");
    }
    // A restart: the clients come back with their state and date.
    let mut harness = common::harness_in(common::english(), &dir);
    harness.run_steps(2);
    let clients = harness.state().setup.profile.clients.clone();
    assert_eq!(clients.len(), 2, "{clients:?}");
    assert_eq!(clients[0].mandate, MandateState::Active);
    assert_eq!(clients[1].enterprise, "0202239951");
    assert_eq!(clients[1].mandate, MandateState::Missing);
    assert_eq!(clients[1].checked_on, Some(brussels.to_string()));

    // Removing asks first.
    common::go_to(&mut harness, Page::Checklist);
    harness
        .get_by_label(&tr(Lang::En, "checklist.step.mandates.title"))
        .click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(A11yRole::Button, "Remove 0202.239.951")
        .click();
    harness.run_steps(2);
    assert_eq!(harness.state().setup.profile.clients.len(), 2, "not yet");
    harness
        .get_by_role_and_label(
            A11yRole::Button,
            &tr(Lang::En, "checklist.clients.remove_yes"),
        )
        .click();
    harness.run_steps(2);
    let clients = &harness.state().setup.profile.clients;
    assert_eq!(clients.len(), 1, "{clients:?}");
    assert_eq!(clients[0].enterprise, "0403170701");
}

#[test]
fn the_legal_line_says_what_the_repeal_means_and_links_its_sources() {
    let mut harness = harness(Lang::En, Facts::default());
    for lang in [Lang::En, Lang::Nl, Lang::Fr] {
        harness.state_mut().lang = lang;
        harness.run();
        harness.get_by_label(&tr(lang, "checklist.law.heading"));
        // Where the sources differ, it says so rather than pick a date.
        let text = tr(lang, "checklist.law");
        assert!(
            [
                "Sources differ",
                "De bronnen verschillen",
                "Les sources divergent"
            ]
            .iter()
            .any(|s| text.contains(s)),
            "{lang:?}: {text}"
        );
        harness.get_by_label(&text);
        for key in ["checklist.law.gazette", "checklist.law.portal"] {
            harness.get_by_role_and_label(A11yRole::Link, &tr(lang, key));
        }
    }
}

#[test]
fn a_client_is_given_a_name_at_any_time_and_the_editor_lists_it_by_name() {
    let dir = common::new_data_dir();
    let mut harness = common::harness_in(common::english(), &dir);
    representative_on_mandates(&mut harness);
    // Added without a name, its mandate active.
    add_client(&mut harness, "0202239951", "active in MAHIS");
    assert_eq!(harness.state().setup.profile.clients[0].name, "");
    // Named later, in the list itself.
    retype(&mut harness, "Name of 0202.239.951", "Garage Dubois");
    harness.key_press(egui::Key::Tab);
    harness.run_steps(2);
    assert_eq!(
        harness.state().setup.profile.clients[0].name,
        "Garage Dubois"
    );
    // Or by adding it again with a name: renamed, not refused.
    retype(
        &mut harness,
        &tr(Lang::En, "checklist.clients.new_enterprise"),
        "0202.239.951",
    );
    retype(
        &mut harness,
        &tr(Lang::En, "checklist.clients.new_name"),
        "Garage Dubois & Fils",
    );
    harness
        .get_by_role_and_label(A11yRole::Button, &tr(Lang::En, "checklist.clients.add"))
        .click();
    harness.run_steps(2);
    let clients = &harness.state().setup.profile.clients;
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0].name, "Garage Dubois & Fils");
    // The editor's enterprise list says who it is.
    common::go_to(&mut harness, Page::Declarations);
    common::wait_until_opened(&mut harness);
    harness
        .get_by_role_and_label(A11yRole::Button, "New declaration")
        .click();
    common::wait_until_opened(&mut harness);
    harness.run_steps(2);
    let combo = harness.get_by_role_and_label(A11yRole::ComboBox, "Enterprise number");
    combo.click();
    harness.run_steps(2);
    harness.get_by_label_contains("Garage Dubois & Fils (0202.239.951)");
}
