//! The app by keyboard alone, as a payroll officer with a wrist injury uses
//! it: key events only (no click, no AccessKit action), each key counted,
//! and where the focus is checked after each step (never lost, never back
//! to the side bar, always on screen).

use std::time::{Duration, Instant};

use fla_test_support::{app as common, certs};

use egui::accesskit::Role as A11yRole;
use egui::Key;
use egui_kittest::kittest::NodeT;
use egui_kittest::Harness;
use fla_assistant::checklist::{MandateState, Rehearsal, Role};
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::ui::{AppState, FlaApp, Page};

/// The app driven by keys, with the keys pressed and the fields typed so far.
struct Keys {
    harness: Harness<'static, FlaApp>,
    keys: usize,
    fields: usize,
    lang: Lang,
    _data: std::path::PathBuf,
}

impl Keys {
    /// A first start in `lang`, in the window the app opens with.
    fn first_start(lang: Lang) -> Keys {
        let data = common::new_data_dir();
        let state = AppState {
            lang: Some(lang),
            ..AppState::default()
        };
        let mut harness = common::harness_sized(state, &data, common::DEFAULT_WINDOW);
        harness.state_mut().open_on_start_page();
        harness.run_steps(3);
        Keys {
            harness,
            keys: 0,
            fields: 0,
            lang,
            _data: data,
        }
    }

    fn tr(&self, key: &str) -> String {
        tr(self.lang, key)
    }

    /// One key pressed, then the frames that follow it.
    fn press(&mut self, key: Key) {
        self.harness.key_press(key);
        self.keys += 1;
        self.settle();
    }

    /// A field typed (its characters are not counted as key presses).
    fn type_text(&mut self, text: &str) {
        self.harness.event(egui::Event::Text(text.to_owned()));
        self.fields += 1;
        self.settle();
    }

    fn settle(&mut self) {
        self.harness.run_steps(2);
        common::wait_until_opened(&mut self.harness);
        self.harness.run_steps(2);
    }

    /// Waits (no key) until `done`, then for the focus to settle.
    fn until(&mut self, what: &str, done: impl Fn(&FlaApp) -> bool) {
        common::step_until(&mut self.harness, what, 60, |h| done(h.state()));
        self.harness.run_steps(3);
    }

    /// The focused control: its role and its name.
    fn focused(&self) -> Option<(A11yRole, String)> {
        focused_node(&self.harness)
    }

    /// Asserts that the focus is on the control of `role` named `label`.
    fn expect_focus(&self, role: A11yRole, label: &str) {
        let focused = self.focused();
        assert_eq!(
            focused,
            Some((role, label.to_owned())),
            "after {} keys the focus is not on {role:?} '{label}'",
            self.keys
        );
        assert_focus_on_screen(&self.harness);
    }

    /// Tab until the focus is on `label` (at most 30 keys).
    fn tab_to(&mut self, role: A11yRole, label: &str) {
        for _ in 0..30 {
            if self.focused() == Some((role, label.to_owned())) {
                return;
            }
            self.press(Key::Tab);
        }
        panic!("Tab never reached {role:?} '{label}'");
    }
}

/// The focused node of the app's AccessKit tree: role and name.
pub fn focused_node(harness: &Harness<'static, FlaApp>) -> Option<(A11yRole, String)> {
    let id = harness.ctx.memory(|m| m.focused())?;
    let node = find_node(harness.root(), id.accesskit_id())?;
    let name = node.accesskit_node().label().unwrap_or_default();
    Some((node.accesskit_node().role(), name))
}

fn find_node<'t>(
    node: egui_kittest::Node<'t>,
    id: egui::accesskit::NodeId,
) -> Option<egui_kittest::Node<'t>> {
    if node.accesskit_node().locate().0 == id {
        return Some(node);
    }
    node.children().find_map(|c| find_node(c, id))
}

/// The focused control is drawn, inside the window and inside what its page
/// shows (not scrolled away).
pub fn assert_focus_on_screen(harness: &Harness<'static, FlaApp>) {
    let Some(id) = harness.ctx.memory(|m| m.focused()) else {
        panic!("nothing has the focus");
    };
    let response = harness
        .ctx
        .read_response(id)
        .unwrap_or_else(|| panic!("the focus is on a control that is not drawn"));
    let screen = harness.ctx.content_rect();
    let rect = response.rect;
    assert!(
        response.visible() && screen.contains_rect(rect),
        "the focus is off screen: {rect:?} in {screen:?}"
    );
    let clip = response.interact_rect;
    assert!(
        clip.height() >= rect.height() - 1.0,
        "the focused control is scrolled partly out of view: {rect:?}, visible {clip:?}"
    );
}

#[test]
fn a_keyboard_only_representative_gets_a_first_declaration_accepted_in_at_most_40_keys() {
    let pfx = certs::fresh("openssl3-aes256.pfx");
    let mut k = Keys::first_start(Lang::Fr);
    assert_eq!(k.harness.state().state.page, Page::Checklist);
    // First Tab: the skip link, then straight to the first question.
    k.press(Key::Tab);
    k.expect_focus(A11yRole::Link, &k.tr("nav.skip"));
    k.press(Key::Enter);
    k.expect_focus(A11yRole::RadioButton, &k.tr("checklist.role.employer"));
    k.press(Key::ArrowDown);
    k.expect_focus(
        A11yRole::RadioButton,
        &k.tr("checklist.role.representative"),
    );
    k.press(Key::Space);
    assert_eq!(
        k.harness.state().setup.profile.role,
        Some(Role::Representative)
    );
    // The role chosen: the focus is on what comes next, her own certificate.
    k.tab_to(A11yRole::Button, &k.tr("checklist.rehearsal.open_own"));
    k.press(Key::Enter);
    assert_eq!(k.harness.state().state.page, Page::Certificate);
    k.expect_focus(A11yRole::TextInput, &k.tr("cert.file"));
    k.type_text(&pfx.display().to_string());
    k.tab_to(A11yRole::PasswordInput, &k.tr("cert.password"));
    k.type_text(certs::PASSWORD);
    k.press(Key::Enter);
    k.until("the certificate never opened", |app| {
        app.certificate.signer().is_some()
    });
    // What comes next for a representative in the sandbox: her client.
    let keys_before = k.keys;
    let focused = k.focused().map(|(_, name)| name).unwrap_or_default();
    assert!(
        focused.contains(&k.tr("status.no_clients")),
        "the focus is on {focused:?}"
    );
    k.press(Key::Enter);
    assert_eq!(k.harness.state().state.page, Page::Checklist);
    k.expect_focus(
        A11yRole::TextInput,
        &k.tr("checklist.clients.new_enterprise"),
    );
    k.type_text("0403.170.701");
    k.press(Key::Enter);
    let clients = &k.harness.state().setup.profile.clients;
    assert_eq!(clients.len(), 1, "the client is added");
    let active = tr_state(k.lang, "0403.170.701", "checklist.mandate.active");
    k.expect_focus(A11yRole::RadioButton, &active);
    k.press(Key::Space);
    assert_eq!(
        k.harness.state().setup.profile.clients[0].mandate,
        MandateState::Active
    );
    k.expect_focus(
        A11yRole::Button,
        &k.tr("checklist.rehearsal.register_and_test"),
    );
    k.press(Key::Enter);
    k.until("the connection test never passed in the sandbox", |app| {
        app.setup.profile.rehearsed.contains(&Rehearsal::TokenTest)
    });
    k.expect_focus(A11yRole::Button, &k.tr("checklist.rehearsal.declare"));
    k.press(Key::Enter);
    assert_eq!(k.harness.state().state.page, Page::Declarations);
    k.until("the example never showed in the editor", |app| {
        app.declarations.editing.is_some()
    });
    k.expect_focus(A11yRole::Button, &k.tr("decl.action.submit"));
    k.press(Key::Enter);
    k.until("the sandbox never accepted the declaration", |app| {
        app.setup
            .profile
            .rehearsed
            .contains(&Rehearsal::Declaration)
    });
    // Accepted, for her client, and the focus on what comes next.
    use egui_kittest::kittest::Queryable;
    k.harness
        .get_by_label_contains(&tr(Lang::Fr, "state.accepted"));
    k.expect_focus(A11yRole::Button, &k.tr("decl.next.another"));
    assert!(k.keys - keys_before > 0);
    assert_eq!(
        (k.keys, k.fields),
        (14, 3),
        "keys pressed and fields typed to a first accepted declaration"
    );
    assert!(k.keys <= 40);
}

/// "Mandat de 0403.170.701 : actif", as the radio button is named.
fn tr_state(lang: Lang, enterprise: &str, state_key: &str) -> String {
    fla_assistant::i18n::tr_args(
        lang,
        "checklist.mandate.state_of",
        &[
            ("enterprise", enterprise.to_owned()),
            ("state", tr(lang, state_key)),
        ],
    )
}

#[allow(dead_code)]
fn wait(harness: &mut Harness<'static, FlaApp>, ms: u64) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(ms) {
        harness.step();
    }
}
