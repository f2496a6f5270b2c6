//! The first hour without a guide, walked as an HR officer of a Ghent SME
//! would (in Dutch, in the window the app opens with): from a first start to
//! a first declaration accepted by the sandbox, every click and every field
//! typed counted. The counts are asserted exactly: a change that adds a step
//! fails here (the targets: ≤ 8 actions without a .pfx, ≤ 12 with her own).

use fla_test_support::{app as common, certs};

use egui::accesskit::Role as A11yRole;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use fla_assistant::checklist::{steps, Rehearsal, Role, Step};
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::ui::{AppState, FlaApp, Page};

/// The app at its first start, and the actions taken so far.
struct Walk {
    harness: Harness<'static, FlaApp>,
    actions: usize,
    _data: std::path::PathBuf,
}

fn nl(key: &str) -> String {
    tr(Lang::Nl, key)
}

impl Walk {
    /// A first start on a Dutch system, in the window the app opens with.
    fn first_start() -> Walk {
        let data = common::new_data_dir();
        let state = AppState {
            lang: Some(Lang::Nl),
            ..AppState::default()
        };
        let mut harness = common::harness_sized(state, &data, common::DEFAULT_WINDOW);
        harness.state_mut().open_on_start_page();
        harness.run_steps(3);
        assert_eq!(harness.state().state.page, Page::Checklist);
        Walk {
            harness,
            actions: 0,
            _data: data,
        }
    }

    /// One click on what is labelled `label` (the first such, as the eye
    /// finds it from the top), then the app's work waited for.
    fn click(&mut self, role: A11yRole, label: &str) {
        let node = self
            .harness
            .get_all_by_role_and_label(role, label)
            .next()
            .unwrap_or_else(|| panic!("no {role:?} '{label}' on screen"));
        assert!(
            !node.accesskit_node().is_disabled(),
            "'{label}' is greyed out"
        );
        node.click();
        self.actions += 1;
        self.settle();
    }

    /// One field typed.
    fn type_in(&mut self, role: A11yRole, label: &str, text: &str) {
        common::type_into(&self.harness, role, label, text);
        self.actions += 1;
        self.harness.run_steps(2);
    }

    fn settle(&mut self) {
        self.harness.run_steps(2);
        common::wait_until_opened(&mut self.harness);
    }

    /// Waits (no action) until `done`.
    fn until(&mut self, what: &str, done: impl Fn(&FlaApp) -> bool) {
        common::step_until(&mut self.harness, what, 60, |h| done(h.state()));
        self.harness.run_steps(2);
    }

    /// The sandbox accepted the declaration on view; the rehearsal is done
    /// and not one real step is.
    fn accepted(&mut self) {
        self.until("the sandbox never accepted the declaration", |app| {
            app.setup
                .profile
                .rehearsed
                .contains(&Rehearsal::Declaration)
        });
        let app = self.harness.state();
        let facts = app.facts();
        assert_eq!(facts.next_rehearsal(), None);
        for step in steps(Role::Employer) {
            assert!(!facts.is_done(step), "the sandbox ticked {step:?}");
        }
        assert!(app.setup.profile.ticked.is_empty());
        // The page says so, in her language, and offers what comes next.
        self.harness
            .get_by_label_contains(&tr(Lang::Nl, "state.accepted"));
        self.harness
            .get_by_role_and_label(A11yRole::Button, &nl("decl.next.another"));
        // The worker in the list as the SSIN is written on paper.
        self.harness.get_by_label("85.07.30-033.28");
        // "1 klaargezet om te versturen" is no longer true, and no longer said.
        let queued = fla_assistant::i18n::tr_n(Lang::Nl, "decl.sent", 1, &[]);
        assert!(self.harness.query_by_label_contains(&queued).is_none());
    }
}

#[test]
fn without_a_certificate_a_first_declaration_is_accepted_in_five_actions() {
    let mut walk = Walk::first_start();
    // The first screen says where she is before anything is asked.
    walk.harness.get_by_label(&nl("checklist.sandbox_intro"));
    walk.click(A11yRole::RadioButton, &nl("checklist.role.employer"));
    walk.click(A11yRole::Button, &nl("checklist.rehearsal.make_test"));
    assert!(walk
        .harness
        .state()
        .certificate
        .signs_with_test_certificate());
    walk.click(
        A11yRole::Button,
        &nl("checklist.rehearsal.register_and_test"),
    );
    walk.until("the connection test never passed in the sandbox", |app| {
        app.setup.profile.rehearsed.contains(&Rehearsal::TokenTest)
    });
    walk.click(A11yRole::Button, &nl("checklist.rehearsal.declare"));
    assert_eq!(walk.harness.state().state.page, Page::Declarations);
    walk.click(A11yRole::Button, &nl("decl.action.submit"));
    walk.accepted();
    assert_eq!(walk.actions, 5, "actions to a first accepted declaration");
    assert!(walk.actions <= 8);
}

#[test]
fn with_her_own_certificate_a_first_declaration_is_accepted_in_eight_actions() {
    let pfx = certs::fresh("openssl3-aes256.pfx");
    let mut walk = Walk::first_start();
    walk.click(A11yRole::RadioButton, &nl("checklist.role.employer"));
    walk.click(A11yRole::Button, &nl("checklist.rehearsal.open_own"));
    assert_eq!(walk.harness.state().state.page, Page::Certificate);
    walk.type_in(
        A11yRole::TextInput,
        &nl("cert.file"),
        &pfx.display().to_string(),
    );
    walk.type_in(
        A11yRole::PasswordInput,
        &nl("cert.password"),
        certs::PASSWORD,
    );
    walk.click(A11yRole::Button, &nl("cert.open"));
    assert!(walk.harness.state().certificate.signer().is_some());
    // What comes next is offered where she is, as a button that does it.
    walk.click(A11yRole::Button, &nl("status.move.register_and_test"));
    walk.until("the connection test never passed in the sandbox", |app| {
        app.setup.profile.rehearsed.contains(&Rehearsal::TokenTest)
    });
    assert_eq!(walk.harness.state().state.page, Page::Certificate);
    walk.click(A11yRole::Button, &nl("status.move.declare"));
    walk.click(A11yRole::Button, &nl("decl.action.submit"));
    walk.accepted();
    assert_eq!(walk.actions, 8, "actions to a first accepted declaration");
    assert!(walk.actions <= 12);
    // Her certificate can go on to the real steps; the test certificate could not.
    assert!(!walk
        .harness
        .state()
        .certificate
        .signs_with_test_certificate());
    assert!(!walk.harness.state().facts().is_done(Step::Account));
}

#[test]
fn a_one_day_training_is_typed_once_and_a_new_row_is_being_filled_in_not_invalid() {
    let mut walk = Walk::first_start();
    walk.click(A11yRole::RadioButton, &nl("checklist.role.employer"));
    common::go_to_in(&mut walk.harness, Page::Declarations, Lang::Nl);
    common::wait_until_opened(&mut walk.harness);
    walk.click(A11yRole::Button, &nl("decl.new"));
    // Nothing typed yet: neutral, no red "invalid".
    walk.harness.get_by_label(&nl("state.draft"));
    assert!(walk.harness.query_by_label(&nl("state.invalid")).is_none());
    walk.type_in(A11yRole::TextInput, &nl("form.start"), "03/11/2026");
    let end_label = nl("form.end");
    let end = walk
        .harness
        .get_by_role_and_label(A11yRole::TextInput, &end_label);
    assert_eq!(
        end.value().as_deref(),
        Some("03/11/2026"),
        "the end follows the start"
    );
    // Typed apart, it no longer follows.
    common::retype(&mut walk.harness, &nl("form.end"), "04/11/2026");
    common::retype(&mut walk.harness, &nl("form.start"), "02/11/2026");
    let end = walk
        .harness
        .get_by_role_and_label(A11yRole::TextInput, &end_label);
    assert_eq!(end.value().as_deref(), Some("04/11/2026"));
    // Still being filled in (no worker yet): neutral, Submit says why it waits.
    common::wait_until_opened(&mut walk.harness);
    walk.harness.get_by_label(&nl("state.draft"));
    walk.harness.get_by_label(&nl("decl.submit_needs_fields"));
}

#[test]
fn the_line_above_the_pages_keeps_its_place_whether_something_is_missing_or_not() {
    use fla_assistant::checklist::{Fix, Need};
    use fla_assistant::i18n::Msg;
    let heading = |needs: Vec<Need>| {
        let mut harness = Harness::new_ui(move |ui| {
            fla_assistant::ui::status_line::status_line_ui(ui, Lang::Nl, &needs, Some(true), false);
            ui.heading("Verbinding");
        });
        harness.run();
        harness.get_by_label("Verbinding").rect()
    };
    let missing = vec![Need {
        msg: Msg::new("status.rehearsal.register"),
        fix: Fix::Register,
    }];
    assert_eq!(heading(missing), heading(Vec::new()));
}
