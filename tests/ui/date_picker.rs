//! The calendar beside date fields, driven by its AccessKit labels: it speaks the
//! interface's language, starts weeks on Monday, opens on the field's date or on
//! the given today, picks by click or keyboard, and Escape closes it with focus
//! back on its button.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use fla_assistant::i18n::Lang;
use fla_assistant::ui::date_picker;
use time::macros::date;
use time::Date;

struct Field {
    lang: Lang,
    value: Option<Date>,
    today: Date,
    picked: Vec<Date>,
}

fn harness(lang: Lang, value: Option<Date>) -> Harness<'static, Field> {
    let state = Field {
        lang,
        value,
        // Not the machine's today: the calendar must open on the one it is given.
        today: date!(2031 - 01 - 15),
        picked: Vec::new(),
    };
    let mut harness = Harness::new_ui_state(
        |ui, field: &mut Field| {
            ui.label("Start date");
            if let Some(date) = date_picker::button(
                ui,
                "start",
                field.lang,
                "Start date",
                field.value,
                field.today,
            ) {
                field.value = Some(date);
                field.picked.push(date);
            }
        },
        state,
    );
    harness.set_size(egui::vec2(500.0, 400.0));
    harness.run();
    harness
}

fn open(harness: &mut Harness<'static, Field>, lang: Lang) {
    let label = match lang {
        Lang::En => "Calendar: Start date",
        Lang::Nl => "Kalender: Start date",
        Lang::Fr => "Calendrier : Start date",
    };
    harness.get_by_label(label).click();
    harness.run();
}

#[test]
fn the_calendar_speaks_dutch_and_french_and_starts_on_monday() {
    let mut nl = harness(Lang::Nl, Some(date!(2025 - 03 - 03)));
    // The button says what it is, not a date, while closed.
    nl.get_by_label("Kalender: Start date");
    assert!(nl.query_by_label_contains("2025").is_none());
    open(&mut nl, Lang::Nl);
    nl.get_by_label("maart 2025");
    nl.get_by_label("Vandaag");
    nl.get_by_label("Vorige maand");
    let monday = nl.get_by_label("ma").rect();
    let sunday = nl.get_by_label("zo").rect();
    assert!(
        monday.left() < sunday.left(),
        "the week starts on Monday: ma at {monday:?}, zo at {sunday:?}"
    );
    assert!(nl.query_by_label("March 2025").is_none());
    // 1 March 2025 was a Saturday: it sits under "za", 2 March under "zo".
    let column = |harness: &Harness<'static, Field>, day: &str, weekday: &str| {
        let d = harness.get_by_label(day).rect().center().x;
        let w = harness.get_by_label(weekday).rect();
        assert!(
            w.left() - 4.0 <= d && d <= w.right() + 12.0,
            "{day} is not under {weekday}: {d} vs {w:?}"
        );
    };
    column(&nl, "01/03/2025", "za");
    column(&nl, "02/03/2025", "zo");
    column(&nl, "03/03/2025", "ma");

    let mut fr = harness(Lang::Fr, Some(date!(2025 - 08 - 20)));
    open(&mut fr, Lang::Fr);
    fr.get_by_label("août 2025");
    fr.get_by_label("Aujourd'hui");
    let lundi = fr.get_by_label("lu").rect();
    let dimanche = fr.get_by_label("di").rect();
    assert!(lundi.left() < dimanche.left());
    // 1 March 2025 is a Saturday: the days before it in the first row are February's.
    fr.get_by_label("Mois précédent").click();
    fr.run();
    fr.get_by_label("juillet 2025");
}

#[test]
fn an_empty_field_opens_on_today_and_a_click_picks_the_day() {
    let mut harness = harness(Lang::En, None);
    open(&mut harness, Lang::En);
    harness.get_by_label("January 2031");
    harness.get_by_label("20/01/2031").click();
    harness.run();
    assert_eq!(harness.state().picked, vec![date!(2031 - 01 - 20)]);
    // Picking closes the calendar.
    assert!(harness.query_by_label("January 2031").is_none());
}

#[test]
fn the_keyboard_moves_the_day_and_enter_picks_it() {
    let mut harness = harness(Lang::En, Some(date!(2025 - 01 - 31)));
    open(&mut harness, Lang::En);
    harness.key_press(egui::Key::ArrowRight);
    harness.run();
    harness.get_by_label("February 2025");
    harness.key_press(egui::Key::ArrowDown);
    harness.run();
    harness.key_press(egui::Key::PageUp);
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
    // 31 Jan + 1 day + 7 days = 8 Feb, one month back = 8 Jan.
    assert_eq!(harness.state().picked, vec![date!(2025 - 01 - 08)]);
}

#[test]
fn escape_closes_without_a_change_and_focus_stays_on_the_button() {
    let mut harness = harness(Lang::En, Some(date!(2025 - 03 - 03)));
    open(&mut harness, Lang::En);
    harness.get_by_label("March 2025");
    harness.key_press(egui::Key::ArrowRight);
    harness.key_press(egui::Key::Escape);
    harness.run();
    assert!(
        harness.query_by_label("March 2025").is_none(),
        "Escape closes it"
    );
    assert!(harness.state().picked.is_empty(), "and picks nothing");
    assert_eq!(harness.state().value, Some(date!(2025 - 03 - 03)));
    let button = harness.get_by_label("Calendar: Start date");
    assert!(button.is_focused(), "focus is back on the calendar button");
}

#[test]
fn enter_on_the_calendar_button_opens_it_and_picks_nothing() {
    let mut harness = harness(Lang::En, Some(date!(2025 - 03 - 03)));
    harness.get_by_label("Calendar: Start date").focus();
    harness.run();
    // Enter does what Space does on a button: the calendar opens.
    harness.key_press(egui::Key::Enter);
    harness.run();
    harness.get_by_label("March 2025");
    assert!(harness.state().picked.is_empty(), "nothing picked");
    // The arrows move the day (not the focus); the second Enter picks it.
    harness.key_press(egui::Key::ArrowDown);
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(harness.state().picked, vec![date!(2025 - 03 - 10)]);
    let button = harness.get_by_label("Calendar: Start date");
    assert!(button.is_focused(), "focus is back on the calendar button");
}
