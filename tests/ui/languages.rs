//! Every page in Dutch and in French, read as a screen reader reads it (the
//! AccessKit tree): no English left, and no text cut off at the window's
//! default size (1100×760).

#![cfg(feature = "gui")]

use fla_test_support::app as common;

use std::collections::{BTreeSet, HashSet};

use common::{
    certs, english, harness_sized, journal_rows, new_data_dir, open_file, DEFAULT_WINDOW,
};
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use fla_assistant::i18n::{parse_messages, Lang};
use fla_assistant::submit::state::State;
use fla_assistant::ui::{FlaApp, Page};

/// Names that are the same in every language (products, formats, acronyms,
/// the sandbox's own names), and words of data rather than of the interface.
const NAMES: &[&str] = &[
    "fla",
    "ssin",
    "oauth",
    "pfx",
    "chaman",
    "mahis",
    "client",
    "url",
    "urls",
    "json",
    "csv",
    "jwt",
    "rsa",
    "sha",
    "cer",
    "curl",
    "post",
    "http",
    "https",
    "pkcs",
    "der",
    "pem",
    "rest",
    "api",
    "belgov",
    "trace",
    "excel",
    "xlsx",
    "careerpro",
    "federal",
    "learning",
    "account",
    "sigedis",
    "gestion",
    "sandbox",
    "token",
    "tokens",
    "scope",
    "aes",
    "cbc",
    "pbkdf",
    "hmac",
    "sha256",
    "sha1",
    "bis",
    "insz",
    "niss",
    "kbo",
    "bce",
    "english",
    "nederlands",
    "français",
    "voorbeeld",
    "channel",
];

/// Words that only the English catalogue has: taken from its values (their
/// `{placeholders}` left out), less every word that Dutch or French use too.
fn english_only_words() -> HashSet<String> {
    let words = |source: &str| -> HashSet<String> {
        parse_messages(source)
            .into_iter()
            .filter(|(key, _)| !key.starts_with("cli."))
            .flat_map(|(_, value)| tokens(&strip_placeholders(&value)))
            .collect()
    };
    let en = words(include_str!("../../assets/i18n/en.txt"));
    let nl = words(include_str!("../../assets/i18n/nl.txt"));
    let fr = words(include_str!("../../assets/i18n/fr.txt"));
    en.into_iter()
        .filter(|w| !nl.contains(w) && !fr.contains(w) && !NAMES.contains(&w.as_str()))
        .collect()
}

fn strip_placeholders(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The words of a text: letters only, lower case, three letters or more.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

/// A text that is data, not interface: a path, a URL, a scope, an id.
fn is_data(text: &str) -> bool {
    let t = text.trim();
    (!t.contains(' ')
        && (t.contains('/') || t.contains(':') || t.contains('_') || t.contains('\\')))
        || t.starts_with('{')
        || t.starts_with("self_service_chaman")
}

/// A text the page shows, with the node's role and its rectangle.
#[derive(Debug)]
struct Shown {
    role: Role,
    text: String,
    /// The field's hint, for a text field.
    placeholder: Option<String>,
    rect: Option<egui::Rect>,
}

fn shown_texts(harness: &Harness<'static, FlaApp>) -> Vec<Shown> {
    harness
        .queryable_node()
        .children_recursive()
        .filter_map(|node| {
            let node = node.accesskit_node();
            if node.is_hidden() {
                return None;
            }
            let role = node.role();
            // What is typed in a field is the user's data, not the interface.
            let typed = matches!(
                role,
                Role::TextInput | Role::PasswordInput | Role::MultilineTextInput
            );
            let text = [node.label(), (!typed).then(|| node.value()).flatten()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let placeholder = node.placeholder().map(str::to_owned);
            if text.trim().is_empty() && placeholder.is_none() {
                return None;
            }
            let rect = node.bounding_box().map(|r| {
                egui::Rect::from_min_max(
                    egui::pos2(r.x0 as f32, r.y0 as f32),
                    egui::pos2(r.x1 as f32, r.y1 as f32),
                )
            });
            Some(Shown {
                role,
                text,
                placeholder,
                rect,
            })
        })
        .collect()
}

/// The English words left in what the page shows.
fn english_left(shown: &[Shown], english: &HashSet<String>) -> BTreeSet<String> {
    shown
        .iter()
        .flat_map(|s| std::iter::once(&s.text).chain(s.placeholder.as_ref()))
        .filter(|text| !is_data(text))
        .flat_map(|text| {
            tokens(text)
                .into_iter()
                .filter(|w| english.contains(w))
                .map(move |w| format!("{w:?} in {text:?}"))
        })
        .collect()
}

/// The width a text takes on one line in the body font (the smallest font the
/// pages use: a heading or a monospace value takes at least as much).
fn one_line_width(harness: &Harness<'static, FlaApp>, text: &str) -> f32 {
    let font = egui::FontId::proportional(
        harness.ctx.global_style().text_styles[&egui::TextStyle::Body].size,
    );
    harness.ctx.fonts_mut(|f| {
        // A symbol the body font lacks (an arrow drawn as a shape) is left out.
        let text: String = text.chars().filter(|&c| f.has_glyph(&font, c)).collect();
        f.layout_no_wrap(text, font, egui::Color32::WHITE).size().x
    })
}

/// The texts cut off: outside the window, a hint wider than its field, or a
/// one-line label or button narrower than its text.
fn clipped(harness: &Harness<'static, FlaApp>, shown: &[Shown]) -> Vec<String> {
    let width = harness.ctx.content_rect().width();
    let row = harness.ctx.global_style().text_styles[&egui::TextStyle::Body].size * 1.6;
    let padding = harness.ctx.global_style().spacing.button_padding.x;
    let mut out = Vec::new();
    for s in shown {
        let Some(rect) = s.rect else { continue };
        if rect.max.x > width + 0.5 && rect.min.x < width {
            out.push(format!(
                "{:?} {:?} runs past the window's edge ({rect:?})",
                s.role, s.text
            ));
        }
        if let Some(hint) = &s.placeholder {
            let need = one_line_width(harness, hint) + 2.0 * padding;
            if need > rect.width() + 0.5 {
                out.push(format!(
                    "the hint {hint:?} needs {need:.0} px, its field is {:.0} px wide",
                    rect.width()
                ));
            }
        }
        let one_line = rect.height() < row && !s.text.contains('\n');
        // A check box or radio button drawn without its text (named for the
        // screen reader only) is its box.
        let box_only = matches!(s.role, Role::CheckBox | Role::RadioButton)
            && rect.width() <= harness.ctx.global_style().spacing.interact_size.y + 4.0;
        let labelled = matches!(
            s.role,
            Role::Label | Role::Button | Role::CheckBox | Role::RadioButton
        );
        if labelled && one_line && !box_only && !s.text.is_empty() {
            let need = one_line_width(harness, &s.text);
            if need > rect.width() + 1.0 {
                out.push(format!(
                    "{:?} {:?} needs {need:.0} px, has {:.0} px",
                    s.role,
                    s.text,
                    rect.width()
                ));
            }
        }
    }
    out
}

/// The texts cut by the window's bottom edge once the page is scrolled to
/// its end by the End key (what no scroll can bring into view).
fn cut_at_the_bottom(harness: &mut Harness<'static, FlaApp>) -> Vec<String> {
    harness.ctx.memory_mut(|m| {
        if let Some(id) = m.focused() {
            m.surrender_focus(id);
        }
    });
    harness.run_steps(2);
    harness.key_press(egui::Key::End);
    harness.run_steps(4);
    let bottom = harness.ctx.content_rect().bottom();
    let mut out = Vec::new();
    for s in shown_texts(harness) {
        let Some(rect) = s.rect else { continue };
        if rect.min.y < bottom && rect.max.y > bottom + 0.5 {
            out.push(format!(
                "{:?} {:?} is cut at the window's bottom ({rect:?})",
                s.role, s.text
            ));
        }
    }
    harness.key_press(egui::Key::Home);
    harness.run_steps(4);
    out
}

/// What the Declarations page still shows in English, hard-coded in
/// src/ui/declarations* (another helper rewrites that page).
// TODO(editor): these texts must go through i18n in src/ui/declarations*.
const DECLARATIONS_KNOWN_ENGLISH: &[&str] = &[];

/// What the Declarations page still cuts off (src/ui/declarations*, being
/// rewritten by another helper): the French table header "Identifiant
/// serveur" in a column sized for English.
// TODO(editor): size the table's columns for their header in every language.
const DECLARATIONS_KNOWN_CLIPPED: &[&str] = &["\"Identifiant serveur\""];

/// An app with a certificate open, a few declarations in its journal, in a
/// window of the default size.
fn app() -> Harness<'static, FlaApp> {
    app_sized(DEFAULT_WINDOW)
}

/// [`app`] in a window of `size`.
fn app_sized(size: egui::Vec2) -> Harness<'static, FlaApp> {
    let data = new_data_dir();
    journal_rows(
        &data,
        &[
            State::Draft,
            State::Accepted,
            State::Refused,
            State::Invalid,
        ],
    );
    let mut harness = harness_sized(english(), &data, size);
    open_file(
        &mut harness,
        &certs::fresh("openssl3-aes256.pfx"),
        certs::PASSWORD,
    );
    assert!(harness.state().certificate.opened().is_some());
    harness
}

/// Every page, and the Connection page's other form (a custom environment's
/// URLs, a representative's mandates).
fn views() -> Vec<(Page, bool)> {
    let mut views: Vec<(Page, bool)> = Page::ALL.iter().map(|&p| (p, false)).collect();
    views.push((Page::Connection, true));
    views
}

fn show(
    harness: &mut Harness<'static, FlaApp>,
    lang: Lang,
    (page, other): (Page, bool),
) -> Vec<Shown> {
    use fla_assistant::channel::env::{EnvironmentKind, Role as FlaRole};
    let connection = &mut harness.state_mut().state.connection;
    (connection.environment, connection.role) = if other {
        (EnvironmentKind::Custom, FlaRole::Provider)
    } else {
        (EnvironmentKind::Sandbox, FlaRole::Employer)
    };
    harness.state_mut().state.lang = Some(lang);
    harness.state_mut().state.page = page;
    harness.run_steps(4);
    shown_texts(harness)
}

#[test]
fn every_page_speaks_dutch_and_french_without_english_left() {
    let english = english_only_words();
    assert!(english.contains("certificate") && !english.contains("certificaat"));
    let mut harness = app();
    let mut found = Vec::new();
    for lang in [Lang::Nl, Lang::Fr] {
        for view in views() {
            let page = view.0;
            let shown = show(&mut harness, lang, view);
            assert!(shown.len() > 5, "{page:?} in {lang:?} shows nothing");
            if std::env::var_os("SHOW_TEXTS").is_some() {
                for s in &shown {
                    eprintln!(
                        "{lang:?} {page:?} {:?} {:?} {:?} {:?}",
                        s.role, s.text, s.placeholder, s.rect
                    );
                }
            }
            for left in english_left(&shown, &english) {
                if page == Page::Declarations
                    && DECLARATIONS_KNOWN_ENGLISH.iter().any(|t| left.contains(t))
                {
                    continue;
                }
                found.push(format!("{lang:?} {page:?}: {left}"));
            }
        }
    }
    assert!(found.is_empty(), "English left:\n{}", found.join("\n"));
}

#[test]
fn english_left_is_found() {
    // The check itself: an English text on a Dutch page is found.
    let english = english_only_words();
    let shown = [Shown {
        role: Role::Label,
        text: "Wrote the certificate of '1' to C:\\x.cer.".into(),
        placeholder: None,
        rect: None,
    }];
    assert!(!english_left(&shown, &english).is_empty());
}

#[test]
fn no_text_is_cut_off_at_the_default_window_size_nor_at_common_laptop_screens() {
    let mut found = Vec::new();
    // The window the app opens with, and laptops' full screens.
    for size in [
        DEFAULT_WINDOW,
        egui::vec2(1280.0, 720.0),
        egui::vec2(1366.0, 768.0),
    ] {
        let mut harness = app_sized(size);
        for lang in [Lang::En, Lang::Nl, Lang::Fr] {
            for view in views() {
                let page = view.0;
                let shown = show(&mut harness, lang, view);
                for cut in clipped(&harness, &shown) {
                    if page == Page::Declarations
                        && DECLARATIONS_KNOWN_CLIPPED.iter().any(|t| cut.contains(t))
                    {
                        continue;
                    }
                    found.push(format!("{size:?} {lang:?} {page:?}: {cut}"));
                }
                // The page's end, scrolled to by End: nothing cut at the bottom.
                for cut in cut_at_the_bottom(&mut harness) {
                    found.push(format!("{size:?} {lang:?} {page:?}: {cut}"));
                }
            }
            // A representative's Checklist with the Mandates step open.
            harness.state_mut().state.page = Page::Checklist;
            harness.state_mut().state.lang = Some(lang);
            harness
                .state_mut()
                .setup
                .profile
                .role
                .replace(fla_assistant::checklist::Role::Representative);
            harness.state_mut().setup.profile.clients =
                vec![fla_assistant::checklist::ClientEnterprise {
                    enterprise: "0403170701".into(),
                    ..Default::default()
                }];
            harness
                .state_mut()
                .checklist
                .unfold(fla_assistant::checklist::Step::Mandates);
            harness.run_steps(4);
            let shown = shown_texts(&harness);
            // The clients' radio buttons and buttons are named for the screen
            // reader with their client ("Mandate of 0403.170.701: active"),
            // longer than what they show: their fields' hints and the edge.
            for cut in clipped(&harness, &shown) {
                if cut.starts_with("the hint") || cut.contains("window's edge") {
                    found.push(format!("{size:?} {lang:?} Mandates open: {cut}"));
                }
            }
            for cut in cut_at_the_bottom(&mut harness) {
                found.push(format!("{size:?} {lang:?} Mandates open: {cut}"));
            }
            harness.state_mut().setup.profile.role = None;
            harness.state_mut().setup.profile.clients.clear();
        }
    }
    assert!(found.is_empty(), "Cut off:\n{}", found.join("\n"));
}
