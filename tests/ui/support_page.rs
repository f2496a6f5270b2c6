//! The Support page, driven by its AccessKit labels: failures with their trace
//! ids, the log filtered by text and level, diagnostics copied without secrets,
//! and a reset of the sandbox that asks first.
#![cfg(feature = "gui")]

use fla_test_support::app as common;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::support::{Diagnostics, Level, LogLine};
use fla_assistant::ui::support::{SupportCommand, SupportPage};

const JWT: &str =
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJzZWxmX3NlcnZpY2UifQ.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";

struct Host {
    page: SupportPage,
    lang: Lang,
    lines: Vec<LogLine>,
    diagnostics: Diagnostics,
    commands: Vec<SupportCommand>,
    /// Whether the page is on screen, and a scroll offset to force once.
    shown: bool,
    scroll_to: Option<f32>,
}

fn line(level: Level, area: &str, text: &str, trace: Option<&str>) -> LogLine {
    LogLine {
        at: "2026-11-25T10:00:00Z".into(),
        level,
        area: area.into(),
        text: text.into(),
        trace_id: trace.map(str::to_owned),
        texts: Default::default(),
    }
}

fn harness(lang: Lang) -> Harness<'static, Host> {
    let lines = vec![
        line(Level::Info, "token", "token granted", None),
        line(Level::Warning, "certificate", "expires in 12 days", None),
        line(
            Level::Error,
            "declarations",
            "POST /trainings answered 500",
            Some("trace-77"),
        ),
    ];
    let diagnostics = Diagnostics {
        environment: "sandbox".into(),
        client_id: "self_service_chaman_1_abcdefghij".into(),
        last_token_test: Some(format!("granted (assertion {JWT})")),
        failures: vec![lines[2].clone()],
        ..Diagnostics::default()
    };
    let host = Host {
        page: SupportPage::default(),
        lang,
        lines,
        diagnostics,
        commands: Vec::new(),
        shown: true,
        scroll_to: None,
    };
    let mut harness = Harness::new_ui_state(
        |ui, host: &mut Host| {
            // As the app shows a page: in a scroll area shared by the pages.
            let mut area = egui::ScrollArea::vertical().id_salt("page");
            if let Some(y) = host.scroll_to.take() {
                area = area.vertical_scroll_offset(y);
            }
            area.show(ui, |ui| {
                if host.shown {
                    let commands = host.page.ui(ui, host.lang, &host.lines, &host.diagnostics);
                    host.commands.extend(commands);
                } else {
                    // Another page, long enough to scroll.
                    ui.add_space(3000.0);
                }
            });
        },
        host,
    );
    harness.set_size(egui::vec2(1100.0, 760.0));
    harness.run();
    harness
}

#[test]
fn failures_show_their_trace_id_and_the_log_filters() {
    let mut harness = harness(Lang::En);
    harness.get_by_label("BelGov-Trace-Id trace-77");
    harness.get_by_label("3 lines shown of 3");
    harness.get_by_label("Filter").click();
    harness.run();
    harness.get_by_label("Filter").type_text("trace-77");
    harness.run();
    harness.get_by_label("1 line shown of 3");
}

#[test]
fn failures_say_their_text_in_the_users_language_at_brussels_time_and_the_page_opens_at_the_top() {
    let mut harness = harness(Lang::Fr);
    let mut failure = line(
        Level::Error,
        "declarations",
        "FLA-1 (no_mandate): You hold no mandate",
        Some("trace-88"),
    );
    failure.at = "2026-11-25T19:32:14.996650819Z".into();
    failure.texts = [
        ("en", "FLA-1 (no_mandate): You hold no mandate"),
        ("nl", "FLA-1 (no_mandate): U hebt geen mandaat"),
        ("fr", "FLA-1 (no_mandate): Vous n'avez pas de mandat"),
    ]
    .into_iter()
    .map(|(l, t)| (l.to_owned(), t.to_owned()))
    .collect();
    for n in 0..9 {
        let reference = format!("FLA-{n} failed");
        harness.state_mut().lines.push(line(
            Level::Error,
            "declarations",
            &reference,
            Some("trace-1"),
        ));
    }
    harness.state_mut().lines.push(failure);
    harness.run();
    harness.get_by_label("FLA-1 (no_mandate): Vous n'avez pas de mandat");
    assert!(harness
        .query_by_label("FLA-1 (no_mandate): You hold no mandate")
        .is_none());
    // 19:32 UTC is 20:32 in Brussels in November.
    harness.get_by_label("25/11/2026 20:32:14");
    assert!(harness
        .query_by_label_contains("2026-11-25T19:32:14")
        .is_none());

    // Another page scrolled down, then the Support page again: its title in view.
    harness.set_size(egui::vec2(1100.0, 300.0));
    harness.state_mut().shown = false;
    harness.run();
    harness.state_mut().scroll_to = Some(2000.0);
    harness.run();
    harness.state_mut().shown = true;
    harness.run();
    let title = harness.get_by_label(&tr(Lang::Fr, "nav.support")).rect();
    assert!(title.min.y >= 0.0, "{title:?}");
}

#[test]
fn diagnostics_are_copied_without_secrets_and_the_reset_asks_first() {
    let mut harness = harness(Lang::Nl);
    harness
        .get_by_label(&tr(Lang::Nl, "support.copy_diagnostics"))
        .click();
    harness.run();
    let copied = harness
        .state()
        .commands
        .iter()
        .find_map(|c| match c {
            SupportCommand::CopyDiagnostics(text) => Some(text.clone()),
            _ => None,
        })
        .expect("diagnostics copied");
    assert!(copied.contains("trace-77"), "{copied}");
    assert!(!copied.contains(JWT), "{copied}");
    harness.get_by_label(&tr(Lang::Nl, "support.copied"));

    harness
        .get_by_label(&tr(Lang::Nl, "support.reset_sandbox"))
        .click();
    harness.run();
    assert!(!harness
        .state()
        .commands
        .contains(&SupportCommand::ResetSandbox));
    harness
        .get_by_label(&tr(Lang::Nl, "support.reset_no"))
        .click();
    harness.run();
    harness
        .get_by_label(&tr(Lang::Nl, "support.reset_sandbox"))
        .click();
    harness.run();
    harness
        .get_by_label(&tr(Lang::Nl, "support.reset_yes"))
        .click();
    harness.run();
    assert!(harness
        .state()
        .commands
        .contains(&SupportCommand::ResetSandbox));
}

#[test]
fn a_failure_met_on_a_page_reaches_the_log_and_the_support_page_without_the_password() {
    let dir = common::new_data_dir();
    let mut harness = common::harness_in(common::english(), &dir);
    common::open_file(
        &mut harness,
        &common::certs::fresh("openssl3-aes256.pfx"),
        "Not-The-Password-42",
    );
    harness.run_steps(3);
    common::go_to(&mut harness, fla_assistant::ui::Page::Support);
    // Among the failures and in the log.
    assert_eq!(
        harness.get_all_by_label_contains("wrong_password").count(),
        2
    );
    // Said as it is, the word "password" not taken for a secret.
    assert_eq!(
        harness
            .get_all_by_label_contains("wrong_password: The password does not open this file.")
            .count(),
        2
    );
    harness.state().log.flush(std::time::Duration::from_secs(5));
    let text =
        std::fs::read_to_string(dir.join("logs").join(fla_assistant::support::LOG_FILE)).unwrap();
    assert!(text.contains("wrong_password"), "{text}");
    assert!(!text.contains("Not-The-Password-42"), "{text}");
}
