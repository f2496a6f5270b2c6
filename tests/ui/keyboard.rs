//! The app by keyboard alone, as a payroll officer with a wrist injury uses
//! it: key events only (no click, no AccessKit action), each key counted,
//! and where the focus is checked after each step (never lost, never back
//! to the side bar, always on screen).

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
        // A keyboard's space bar also types a space, as a real window gets
        // it: the key, its text, in the same frame, then its release.
        if key == Key::Space {
            self.harness.key_down(key);
            self.harness.event(egui::Event::Text(" ".into()));
            self.harness.step();
            self.harness.key_up(key);
        } else {
            self.harness.key_press(key);
        }
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
    k.expect_focus(A11yRole::Button, &k.tr("checklist.rehearsal.open_own"));
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

/// In English, a certificate open and registered in the sandbox, on the
/// Declarations page with a draft for each of `references`.
fn with_declarations(references: &[&str]) -> (Harness<'static, FlaApp>, std::path::PathBuf) {
    let data = common::new_data_dir();
    let mut harness = common::harness_sized(common::english(), &data, common::DEFAULT_WINDOW);
    common::with_sandbox_account(&mut harness);
    common::go_to(&mut harness, Page::Declarations);
    common::wait_until_opened(&mut harness);
    for (i, reference) in references.iter().enumerate() {
        let name = if i % 2 == 0 {
            "First aid"
        } else {
            "Fire safety"
        };
        common::fill_new(&mut harness, reference, name);
    }
    (harness, data)
}

/// Every page walked by Tab, with a certificate open, the sandbox registered
/// and two declarations: each control the page draws is reached, and the
/// focus is on a control on screen after every Tab.
#[test]
fn tab_reaches_every_control_of_every_page_and_the_focus_is_always_on_screen() {
    let (mut harness, _data) = with_declarations(&["TAB-1", "TAB-2"]);
    for page in Page::ALL {
        harness.state_mut().state.page = page;
        harness.run_steps(3);
        common::wait_until_opened(&mut harness);
        harness.ctx.memory_mut(|m| {
            if let Some(id) = m.focused() {
                m.surrender_focus(id);
            }
        });
        harness.run_steps(2);
        let controls: Vec<egui::Id> = harness.state().keyboard_focus.page_controls().to_vec();
        assert!(!controls.is_empty(), "{page:?} has no control");
        let mut reached = std::collections::HashSet::new();
        let mut first = None;
        for tab in 0..400 {
            harness.key_press(Key::Tab);
            // The scroll that brings the control into view is drawn a frame later.
            harness.run_steps(3);
            let id = harness
                .ctx
                .memory(|m| m.focused())
                .unwrap_or_else(|| panic!("{page:?}: Tab {tab} left nothing focused"));
            let on_screen = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                assert_focus_on_screen(&harness)
            }));
            assert!(
                on_screen.is_ok(),
                "{page:?}, Tab {tab}: on {:?}",
                focused_node(&harness)
            );
            assert_eq!(harness.state().state.page, page, "Tab changed the page");
            if first == Some(id) {
                break;
            }
            first.get_or_insert(id);
            reached.insert(id);
        }
        let missed: Vec<String> = controls
            .iter()
            .filter(|id| !reached.contains(id))
            .map(|id| {
                let node = find_node(harness.root(), id.accesskit_id());
                format!(
                    "{:?}",
                    node.map(|n| (n.accesskit_node().role(), n.accesskit_node().label()))
                )
            })
            .collect();
        assert!(missed.is_empty(), "{page:?}: Tab never reaches {missed:?}");
    }
}

/// The declarations table is one Tab stop whatever its rows: Down and Up move
/// between the rows, Space ticks one, Enter opens it in the editor and the
/// focus goes there.
#[test]
fn the_declarations_table_is_one_tab_stop_with_arrows_space_and_enter() {
    let (mut harness, _data) = with_declarations(&[]);
    // The Tab stops of the page round: as many with three rows as with one.
    let stops = |harness: &mut Harness<'static, FlaApp>| {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..300 {
            harness.key_press(Key::Tab);
            harness.run_steps(3);
            let Some(id) = harness.ctx.memory(|m| m.focused()) else {
                continue;
            };
            if !seen.insert(id) {
                break;
            }
        }
        seen.len()
    };
    common::fill_new(&mut harness, "ROW-1", "First aid");
    let with_one = stops(&mut harness);
    for reference in ["ROW-2", "ROW-3"] {
        common::fill_new(&mut harness, reference, "First aid");
    }
    let with_three = stops(&mut harness);
    assert_eq!(with_three, with_one, "rows added Tab stops");
    let select = |h: &Harness<'static, FlaApp>| {
        focused_node(h)
            .map(|(_, name)| name)
            .filter(|name| name.starts_with("Select ROW-"))
    };
    // Back to the table's stop.
    for _ in 0..200 {
        if select(&harness).is_some() {
            break;
        }
        harness.key_press(Key::Tab);
        harness.run_steps(3);
    }
    let first = select(&harness).expect("the table's stop");
    // The stop is the editor's row (the last one typed): at one end of the list.
    let (on, back) = match harness.state().declarations.editing {
        Some(_) => (Key::ArrowUp, Key::ArrowDown),
        None => (Key::ArrowDown, Key::ArrowUp),
    };
    harness.key_press(on);
    harness.run_steps(3);
    let mut second = select(&harness).expect("the arrow stays in the table");
    let (on, back) = if second == first {
        // At the other end: the other way.
        harness.key_press(back);
        harness.run_steps(3);
        second = select(&harness).expect("the arrow stays in the table");
        (back, on)
    } else {
        (on, back)
    };
    assert_ne!(first, second, "an arrow moves to the next row");
    harness.key_press(back);
    harness.run_steps(3);
    assert_eq!(
        select(&harness),
        Some(first.clone()),
        "the other arrow moves back"
    );
    harness.key_press(on);
    harness.run_steps(3);
    harness.key_press(Key::Space);
    harness.run_steps(3);
    let reference = second.trim_start_matches("Select ").to_owned();
    let app = harness.state();
    let ticked: Vec<&str> = app
        .declarations
        .rows
        .iter()
        .filter(|r| app.declarations.selected.contains(&r.view.id))
        .map(|r| r.form.reference.as_str())
        .collect();
    assert_eq!(ticked, vec![reference.as_str()], "Space ticks the row");
    harness.key_press(Key::Enter);
    harness.run_steps(4);
    let app = harness.state();
    let editing = app
        .declarations
        .rows
        .iter()
        .find(|r| Some(r.view.id) == app.declarations.editing)
        .map(|r| r.form.reference.clone());
    assert_eq!(editing, Some(reference), "Enter opens the row");
    assert!(select(&harness).is_none(), "the focus went to the editor");
    assert_focus_on_screen(&harness);
}

/// Every control a screen reader can reach says what it is: the interactive
/// AccessKit nodes of every page (a certificate open, two declarations, the
/// editor and the Mandates step open) are listed with their names, and any
/// without one fails the test, named by its role and where it is.
#[test]
fn every_interactive_control_of_every_page_has_a_name() {
    let (mut harness, _data) = with_declarations(&["NAME-1", "NAME-2"]);
    let mut unnamed = Vec::new();
    let mut named = 0;
    for page in Page::ALL {
        harness.state_mut().state.page = page;
        harness.run_steps(3);
        common::wait_until_opened(&mut harness);
        collect_unnamed(harness.root(), page, &mut unnamed, &mut named);
    }
    // A representative with a client: the Mandates step has its controls.
    common::go_to(&mut harness, Page::Checklist);
    {
        use egui_kittest::kittest::Queryable;
        harness
            .get_by_label(&tr(Lang::En, "checklist.role.representative"))
            .click();
        harness.run_steps(2);
        harness
            .state_mut()
            .checklist
            .unfold(fla_assistant::checklist::Step::Mandates);
        harness.run_steps(2);
        common::type_into(
            &harness,
            A11yRole::TextInput,
            &tr(Lang::En, "checklist.clients.new_enterprise"),
            "0403170701",
        );
        harness.key_press(Key::Enter);
        harness.run_steps(3);
    }
    assert_eq!(harness.state().setup.profile.clients.len(), 1);
    collect_unnamed(harness.root(), Page::Checklist, &mut unnamed, &mut named);
    assert!(
        named > 100,
        "only {named} named controls: the walk saw little"
    );
    assert!(unnamed.is_empty(), "controls without a name: {unnamed:#?}");
}

fn collect_unnamed(
    node: egui_kittest::Node<'_>,
    page: Page,
    unnamed: &mut Vec<String>,
    named: &mut usize,
) {
    let n = node.accesskit_node();
    let interactive = matches!(
        n.role(),
        A11yRole::Button
            | A11yRole::CheckBox
            | A11yRole::RadioButton
            | A11yRole::TextInput
            | A11yRole::PasswordInput
            | A11yRole::MultilineTextInput
            | A11yRole::ComboBox
            | A11yRole::Link
            | A11yRole::Slider
            | A11yRole::SpinButton
            | A11yRole::Tab
            | A11yRole::MenuItem
    );
    if interactive {
        let name = n.label().unwrap_or_default();
        if name.trim().is_empty() {
            unnamed.push(format!(
                "{page:?}: {:?} at {:?}",
                n.role(),
                n.bounding_box()
            ));
        } else {
            *named += 1;
        }
    }
    for child in node.children() {
        collect_unnamed(child, page, unnamed, named);
    }
}

/// A list (a combo box) by keyboard: Enter opens it, an arrow goes to an
/// item, Enter picks it and the list closes, with the focus back on it.
#[test]
fn a_list_opens_and_closes_on_enter_and_keeps_the_focus() {
    let data = common::new_data_dir();
    let mut harness = common::harness_sized(common::english(), &data, common::DEFAULT_WINDOW);
    harness.state_mut().state.page = Page::Settings;
    harness.run_steps(3);
    let label = tr(Lang::En, "nav.language");
    {
        use egui_kittest::kittest::Queryable;
        harness
            .get_by_role_and_label(A11yRole::ComboBox, &label)
            .focus();
    }
    harness.run_steps(2);
    let list = harness
        .ctx
        .memory(|m| m.focused())
        .expect("the list focused");
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    assert!(
        egui::Popup::is_any_open(&harness.ctx),
        "Enter opens the list"
    );
    // Down to the items: the system's language, English, then Nederlands.
    for _ in 0..3 {
        harness.key_press(Key::ArrowDown);
        harness.run_steps(2);
    }
    let before = harness.state().state.lang;
    harness.key_press(Key::Enter);
    harness.run_steps(3);
    assert!(
        !egui::Popup::is_any_open(&harness.ctx),
        "Enter closes the list"
    );
    assert_ne!(harness.state().state.lang, before, "Enter picked an item");
    assert_eq!(harness.state().state.lang, Some(Lang::Nl));
    assert_eq!(harness.ctx.memory(|m| m.focused()), Some(list));
}

/// Page Down and End scroll the page, Page Up and Home bring it back; in a
/// text field, Home and End stay the field's.
#[test]
fn page_keys_scroll_the_page_but_not_from_a_text_field() {
    use egui_kittest::kittest::Queryable;
    let (mut harness, _data) = with_declarations(&["PAGE-1"]);
    harness.ctx.memory_mut(|m| {
        if let Some(id) = m.focused() {
            m.surrender_focus(id);
        }
    });
    harness.run_steps(3);
    let heading_y = |h: &Harness<'static, FlaApp>| {
        h.get_by_label(&tr(Lang::En, "page.declarations.intro"))
            .rect()
            .min
            .y
    };
    let top = heading_y(&harness);
    let press = |h: &mut Harness<'static, FlaApp>, key: Key| {
        h.key_press(key);
        h.run_steps(4);
    };
    press(&mut harness, Key::PageDown);
    let down = heading_y(&harness);
    assert!(down < top - 100.0, "Page Down scrolls: {top} → {down}");
    press(&mut harness, Key::Home);
    assert_eq!(heading_y(&harness), top, "Home goes back to the top");
    press(&mut harness, Key::End);
    let end = heading_y(&harness);
    assert!(end < top, "End scrolls to the end");
    press(&mut harness, Key::PageUp);
    assert!(heading_y(&harness) > end, "Page Up scrolls back");
    press(&mut harness, Key::Home);
    // In a text field, End is the field's: the page stays where it is.
    harness
        .get_by_role_and_label(A11yRole::TextInput, "Training name")
        .focus();
    harness.run_steps(3);
    let before = heading_y(&harness);
    press(&mut harness, Key::End);
    assert_eq!(heading_y(&harness), before, "End in a field moved the page");
}
