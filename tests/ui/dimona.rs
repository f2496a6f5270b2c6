//! The Dimona page over the app's sandbox: a Dimona In for today in three
//! actions (the page, the worker, Declare), its period read back open; Stop
//! closes it, Change moves its end, Cancel (after a yes) cancels it; a rule
//! said once the field is typed; the page in EN/NL/FR.

use fla_test_support::app as common;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use fla_assistant::dimona::wire::PeriodStatus;
use fla_assistant::i18n::{tr, tr_args, Lang};
use fla_assistant::ui::{FlaApp, Page};

fn en(key: &str) -> String {
    tr(Lang::En, key)
}

/// Waits until the page's work (a declaration, the periods) is done.
fn until(harness: &mut Harness<'static, FlaApp>, what: &str, done: impl Fn(&FlaApp) -> bool) {
    common::step_until(harness, what, 60, |h| done(h.state()));
    harness.run_steps(3);
}

/// On the Checklist: an employer that declares Dimona too. The side bar
/// shows Dimona's page only then.
fn declares_dimona(harness: &mut Harness<'static, FlaApp>) {
    assert!(harness
        .query_by_role_and_label(Role::Button, &en("nav.dimona"))
        .is_none());
    common::go_to(harness, Page::Checklist);
    harness.get_by_label(&en("checklist.role.employer")).click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::CheckBox, &en("service.dimona"))
        .click();
    harness.run_steps(2);
    assert!(harness.state().setup.profile.dimona);
    harness.get_by_role_and_label(Role::Button, &en("nav.dimona"));
}

fn periods(harness: &Harness<'static, FlaApp>) -> Vec<(i64, PeriodStatus)> {
    harness
        .state()
        .dimona
        .periods()
        .iter()
        .map(|p| (p.id, p.status))
        .collect()
}

#[test]
fn a_dimona_in_for_today_takes_three_actions_and_its_period_is_stopped_then_cancelled() {
    let mut harness = common::harness(common::english());
    common::with_sandbox_account(&mut harness);
    declares_dimona(&mut harness);
    let mut actions = 0;
    common::go_to(&mut harness, Page::Dimona);
    actions += 1;
    until(&mut harness, "the periods were never read", |app| {
        !app.dimona.is_busy()
    });
    assert!(periods(&harness).is_empty());
    common::type_into(
        &harness,
        Role::TextInput,
        &en("dimona.field.ssin"),
        "85073003328",
    );
    actions += 1;
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, &en("dimona.start.send"))
        .click();
    actions += 1;
    until(&mut harness, "the sandbox never answered", |app| {
        !app.dimona.is_busy() && !app.dimona.periods().is_empty()
    });
    harness.get_by_label_contains("Accepted: declaration");
    assert_eq!(actions, 3, "actions to an accepted Dimona In");
    assert!(actions <= 6);
    let [(id, PeriodStatus::Open)] = periods(&harness)[..] else {
        panic!("one open period: {:?}", periods(&harness));
    };
    // The worker field is empty again for the next start.
    let label = en("dimona.field.ssin");
    let field = harness.get_by_role_and_label(Role::TextInput, &label);
    assert_eq!(field.value().as_deref(), Some(""));

    // Stop: a Dimona Out on the date beside it (today).
    let stop = tr_args(
        Lang::En,
        "dimona.periods.stop_of",
        &[("id", id.to_string())],
    );
    harness.get_by_role_and_label(Role::Button, &stop).click();
    until(&mut harness, "the Out never came back", |app| {
        !app.dimona.is_busy()
            && app
                .dimona
                .periods()
                .iter()
                .any(|p| p.status == PeriodStatus::Closed)
    });
    // Cancel asks first; a yes cancels it.
    let cancel = tr_args(
        Lang::En,
        "dimona.periods.cancel_of",
        &[("id", id.to_string())],
    );
    harness.get_by_role_and_label(Role::Button, &cancel).click();
    harness.run_steps(2);
    assert_eq!(
        periods(&harness),
        vec![(id, PeriodStatus::Closed)],
        "not before the yes"
    );
    harness
        .get_by_role_and_label(Role::Button, &en("dimona.periods.cancel_yes"))
        .click();
    until(&mut harness, "the Cancel never came back", |app| {
        !app.dimona.is_busy()
            && app
                .dimona
                .periods()
                .iter()
                .any(|p| p.status == PeriodStatus::Cancelled)
    });
    assert_eq!(periods(&harness), vec![(id, PeriodStatus::Cancelled)]);
}

#[test]
fn a_rule_is_said_once_its_field_is_typed_and_declare_waits_for_it() {
    let mut harness = common::harness(common::english());
    common::with_sandbox_account(&mut harness);
    declares_dimona(&mut harness);
    common::go_to(&mut harness, Page::Dimona);
    harness.run_steps(3);
    // Nothing typed: no red, and Declare waits for the worker.
    assert!(harness
        .query_by_label_contains(&en("dimona.rule.DIM-SSIN"))
        .is_none());
    let label = en("dimona.start.send");
    let send = harness.get_by_role_and_label(Role::Button, &label);
    assert!(send.accesskit_node().is_disabled());
    common::type_into(
        &harness,
        Role::TextInput,
        &en("dimona.field.ssin"),
        "85073003329",
    );
    harness.run_steps(3);
    harness.get_by_label_contains(&en("dimona.rule.DIM-SSIN"));
    // A student: its hours and place of work are asked.
    harness.get_by_label(&en("dimona.kind.STU")).click();
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::TextInput, &en("dimona.field.hours"));
    harness.get_by_role_and_label(Role::TextInput, &en("dimona.field.place"));
}

#[test]
fn the_dimona_page_speaks_dutch_and_french() {
    for lang in [Lang::Nl, Lang::Fr] {
        let state = fla_assistant::ui::AppState {
            lang: Some(lang),
            ..fla_assistant::ui::AppState::default()
        };
        let mut harness = common::harness(state);
        harness.state_mut().state.page = Page::Dimona;
        harness.run_steps(3);
        harness.get_by_label(&tr(lang, "dimona.start.heading"));
        harness.get_by_role_and_label(Role::TextInput, &tr(lang, "dimona.field.ssin"));
        harness.get_by_role_and_label(Role::Button, &tr(lang, "dimona.start.send"));
        // No certificate yet: what to do, said on this page.
        let needs = tr(lang, "dimona.needs_connection");
        let said = needs.split(" (").next().unwrap_or_default();
        harness.get_by_label_contains(said);
    }
}

#[test]
fn the_rest_account_step_asks_for_the_dimona_authorization_when_dimona_is_declared() {
    let mut harness = common::harness(common::english());
    declares_dimona(&mut harness);
    harness
        .state_mut()
        .checklist
        .unfold(fla_assistant::checklist::Step::Account);
    harness.run_steps(3);
    harness.get_by_label(&en("checklist.services.dimona_account"));
    // Unticked: the page leaves the side bar, the note the step.
    harness
        .get_by_role_and_label(Role::CheckBox, &en("service.dimona"))
        .click();
    harness.run_steps(3);
    assert!(!harness.state().setup.profile.dimona);
    assert!(harness
        .query_by_label(&en("checklist.services.dimona_account"))
        .is_none());
    assert!(harness
        .query_by_role_and_label(Role::Button, &en("nav.dimona"))
        .is_none());
}

#[test]
fn the_connection_test_asks_dimonas_token_too_when_dimona_is_declared() {
    let mut harness = common::harness(common::english());
    common::with_sandbox_account(&mut harness);
    // The FLA only: one test, no Dimona line.
    common::go_to(&mut harness, Page::Connection);
    harness
        .get_by_role_and_label(Role::Button, &en("connection.test"))
        .click();
    common::wait_until_opened(&mut harness);
    assert!(harness.state().connection.dimona_report.is_none());
    declares_dimona(&mut harness);
    common::go_to(&mut harness, Page::Connection);
    harness
        .get_by_role_and_label(Role::Button, &en("connection.test"))
        .click();
    until(&mut harness, "Dimona's test never ended", |app| {
        app.connection.dimona_report.is_some()
    });
    harness
        .get_by_label_contains("Dimona: a token was granted (scope:dimona:declaration:declarant)");
}

/// A payroll office's month start with Dutch headers (the Dimona template's,
/// in the office's words): `n` workers start today, and one row whose INSZ is
/// no one's.
fn month_start(dir: &std::path::Path, n: u64) -> std::path::PathBuf {
    use fla_assistant::submit::import::Headers;
    let header = String::from_utf8(fla_assistant::dimona::import::template_csv_in(Headers::In(
        Lang::Nl,
    )))
    .unwrap();
    let header = header.lines().next().unwrap().to_owned();
    let sep = if header.contains(';') { ";" } else { "," };
    let today = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
    let day = fla_assistant::i18n::format_date(today);
    let mut text = format!("{header}\n");
    let ssins = (0..n).map(|i| {
        let first_nine = 850_730_000 + i + 1;
        format!(
            "{first_nine:09}{:02}",
            fla_assistant::identifiers::ssin_check_digits(first_nine, false)
        )
    });
    for ssin in ssins.chain(std::iter::once("85073000000".to_owned())) {
        let cells = [
            "0403.170.701",
            &ssin,
            "",
            &day,
            "",
            "200",
            "OTH",
            "",
            "",
            "",
            "",
        ];
        text.push_str(&cells.join(sep));
        text.push('\n');
    }
    let path = dir.join("maandstart.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// On the Bulk page, as Dimona's: `path` read.
fn read_dimona_file(harness: &mut Harness<'static, FlaApp>, path: &std::path::Path) {
    common::go_to(harness, Page::Bulk);
    harness
        .get_by_role_and_label(Role::RadioButton, &en("service.dimona"))
        .click();
    harness.run_steps(2);
    common::type_into(
        harness,
        Role::TextInput,
        &en("bulk.file"),
        &path.display().to_string(),
    );
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.read"))
        .click();
    until(harness, "the file was never read", |app| {
        !app.bulk.is_busy()
    });
}

#[test]
fn a_month_start_goes_through_the_bulk_page_once_as_dimonas() {
    let dir = tempfile::tempdir().unwrap();
    let path = month_start(dir.path(), 6);
    let mut harness = common::harness(common::english());
    common::with_sandbox_account(&mut harness);
    declares_dimona(&mut harness);
    read_dimona_file(&mut harness, &path);
    harness.get_by_label("7 rows: 6 valid, 1 invalid.");
    // The bad INSZ is said on its row.
    harness.get_by_label_contains("is not an SSIN");
    let send = en("bulk.send.other").replace("{n}", "6");
    common::step_until(&mut harness, "Dimona's engine never opened", 60, |h| {
        h.query_by_role_and_label(Role::Button, &send)
            .is_some_and(|b| !b.accesskit_node().is_disabled())
    });
    harness.get_by_role_and_label(Role::Button, &send).click();
    let done = format!(
        "6 of 6 done — {}: 6",
        fla_assistant::ui::declarations::state_label(
            fla_assistant::submit::state::State::Accepted,
            Lang::En
        )
    );
    common::step_until(&mut harness, "the rows were never accepted", 90, |h| {
        h.query_by_label_contains(&done).is_some()
    });
    // The same file again: the same rows of Dimona's journal, none new.
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.read"))
        .click();
    until(&mut harness, "the file was never read again", |app| {
        !app.bulk.is_busy()
    });
    harness.get_by_role_and_label(Role::Button, &send).click();
    common::step_until(&mut harness, "the second run never ended", 90, |h| {
        h.query_by_label_contains(&done).is_some()
    });
    let engine = harness.state().dimona_engine.current().unwrap();
    let snapshot = engine.snapshot();
    assert_eq!(snapshot.rows.len(), 6, "each worker once in the journal");
    assert_eq!(
        snapshot.count(fla_assistant::submit::state::State::Accepted),
        6
    );
    // And the FLA's rows are not Dimona's: the Declarations page shows none.
    assert!(harness.state().engine.rows().is_empty());
}

#[test]
fn the_bulk_pages_dimona_side_speaks_dutch_and_french() {
    let dir = tempfile::tempdir().unwrap();
    let path = month_start(dir.path(), 2);
    for lang in [Lang::Nl, Lang::Fr] {
        let mut harness = common::harness(common::english());
        declares_dimona(&mut harness);
        harness.state_mut().state.lang = Some(lang);
        harness.run_steps(2);
        common::go_to_in(&mut harness, Page::Bulk, lang);
        harness
            .get_by_role_and_label(Role::RadioButton, &tr(lang, "service.dimona"))
            .click();
        harness.run_steps(2);
        harness.get_by_label_contains(&tr(lang, "bulk.dimona.template_intro"));
        common::type_into(
            &harness,
            Role::TextInput,
            &tr(lang, "bulk.file"),
            &path.display().to_string(),
        );
        harness.run_steps(2);
        harness
            .get_by_role_and_label(Role::Button, &tr(lang, "bulk.read"))
            .click();
        until(&mut harness, "the file was never read", |app| {
            !app.bulk.is_busy()
        });
        harness.get_by_label(&tr(lang, "bulk.dimona.col.part"));
        // The column's name, as the mapping says it (the file's header is the same words).
        assert!(harness
            .get_all_by_label(&tr(lang, "dimona.import.header.ssin"))
            .next()
            .is_some());
        // No connection yet: what to do, in her language.
        harness.get_by_role_and_label(
            Role::Button,
            &tr(lang, "bulk.send.other").replace("{n}", "2"),
        );
    }
}

#[test]
fn a_custom_environment_asks_dimonas_api_base_when_dimona_is_declared() {
    let mut harness = common::harness(common::english());
    harness.state_mut().state.connection.environment =
        fla_assistant::channel::env::EnvironmentKind::Custom;
    common::go_to(&mut harness, Page::Connection);
    harness.get_by_role_and_label(Role::TextInput, &en("connection.api_base"));
    assert!(harness
        .query_by_label(&en("connection.dimona_api_base"))
        .is_none());
    declares_dimona(&mut harness);
    common::go_to(&mut harness, Page::Connection);
    common::type_into(
        &harness,
        Role::TextInput,
        &en("connection.dimona_api_base"),
        "https://api.example.test/REST/dimona/v2",
    );
    harness.run_steps(2);
    assert_eq!(
        harness
            .state()
            .state
            .connection
            .service_api_bases
            .get("dimona")
            .map(String::as_str),
        Some("https://api.example.test/REST/dimona/v2")
    );
}

#[test]
fn a_worker_not_yet_identified_shows_in_the_journal_until_the_server_settles_it() {
    let mut harness = common::harness(common::english());
    common::with_sandbox_account(&mut harness);
    declares_dimona(&mut harness);
    common::go_to(&mut harness, Page::Dimona);
    until(&mut harness, "the periods were never read", |app| {
        !app.dimona.is_busy()
    });
    // A BIS number: the sandbox answers S (waiting) for a few seconds, then A.
    common::type_into(
        &harness,
        Role::TextInput,
        &en("dimona.field.ssin"),
        "90481512304",
    );
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, &en("dimona.start.send"))
        .click();
    common::step_until(&mut harness, "the journal never showed it", 60, |h| {
        h.query_by_label(&en("dimona.journal.heading")).is_some()
    });
    harness.get_by_label_contains(&en("state.submitted"));
    assert!(harness.get_all_by_label("90.48.15-123.04").next().is_some());
    // Settled: the journal has nothing of the employer left to say.
    common::step_until(&mut harness, "it was never settled", 90, |h| {
        h.query_by_label(&en("dimona.journal.heading")).is_none()
            && h.state().dimona.periods().len() == 1
    });
}

#[test]
fn the_four_forms_speak_dutch_and_french_with_their_quiet_checks() {
    for lang in [Lang::Nl, Lang::Fr] {
        let mut harness = common::harness(common::english());
        common::with_sandbox_account(&mut harness);
        declares_dimona(&mut harness);
        harness.state_mut().state.lang = Some(lang);
        harness.run_steps(2);
        common::go_to_in(&mut harness, Page::Dimona, lang);
        until(&mut harness, "the periods were never read", |app| {
            !app.dimona.is_busy()
        });
        // Start (Dimona In): a worker typed wrong is said once typed.
        common::type_into(
            &harness,
            Role::TextInput,
            &tr(lang, "dimona.field.ssin"),
            "85073003329",
        );
        harness.run_steps(2);
        harness.get_by_label_contains(&tr(lang, "dimona.rule.DIM-SSIN"));
        // Corrected (as typing it again would).
        harness.state_mut().dimona.form.ssin = "85073003328".into();
        harness.run_steps(2);
        harness
            .get_by_role_and_label(Role::Button, &tr(lang, "dimona.start.send"))
            .click();
        until(&mut harness, "the sandbox never answered", |app| {
            !app.dimona.is_busy() && !app.dimona.periods().is_empty()
        });
        let id = periods(&harness)[0].0.to_string();
        // Stop (Out), Change (Update), Cancel: each named for its period.
        for key in [
            "dimona.periods.stop_of",
            "dimona.periods.change_of",
            "dimona.periods.cancel_of",
        ] {
            harness.get_by_role_and_label(Role::Button, &tr_args(lang, key, &[("id", id.clone())]));
        }
        // A date that is none: said quietly, Stop waits for a date.
        let date = tr_args(lang, "dimona.periods.date_of", &[("id", id.clone())]);
        let field = harness.get_by_role_and_label(Role::TextInput, &date);
        field.focus();
        harness.run_steps(1);
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness
            .get_by_role_and_label(Role::TextInput, &date)
            .type_text("31/02/2026");
        harness.run_steps(2);
        harness.get_by_label(&tr(lang, "dimona.periods.not_a_date"));
        assert!(harness
            .get_by_role_and_label(
                Role::Button,
                &tr_args(lang, "dimona.periods.stop_of", &[("id", id.clone())])
            )
            .accesskit_node()
            .is_disabled());
        // Cancel asks first, in her language.
        harness
            .get_by_role_and_label(
                Role::Button,
                &tr_args(lang, "dimona.periods.cancel_of", &[("id", id.clone())]),
            )
            .click();
        harness.run_steps(2);
        harness.get_by_label(&tr_args(
            lang,
            "dimona.periods.cancel_confirm",
            &[("id", id.clone())],
        ));
        harness
            .get_by_role_and_label(Role::Button, &tr(lang, "dimona.periods.cancel_no"))
            .click();
    }
}
