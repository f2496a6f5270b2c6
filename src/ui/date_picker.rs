//! A calendar in the interface's language: month and week-day names from the
//! catalogue, weeks starting on Monday, days shown as Belgians write them.
//!
//! egui_extras' picker speaks English only and shows a date even where the field
//! holds none; this one is a button beside a date field that opens a small
//! calendar. A click on a day picks it and closes the calendar; the arrow keys
//! move the day (Page Up / Page Down the month), Enter picks it; Escape or a click
//! elsewhere closes it without a change, and keyboard focus goes back to the
//! button, not to the side bar.
//!
//! ```ignore
//! if let Some(date) = date_picker::button(ui, "start", lang, &label, current, today) {
//!     field = date.to_string();
//! }
//! ```

use egui::{Align2, Area, Frame, Key, Order, RichText};
use time::{Date, Duration, Month};

use crate::i18n::{format_date, tr, tr_args, Lang};

/// What the picker remembers between frames while it is open.
#[derive(Clone, Copy, Debug)]
struct Open {
    /// The day the keyboard is on (and the month shown is its month).
    cursor: Date,
}

/// A month's name in `lang` ("maart", "mars").
pub fn month_name(lang: Lang, month: Month) -> String {
    tr(lang, &format!("date.month.{}", u8::from(month)))
}

/// A week day's short name in `lang`, Monday = 1 … Sunday = 7 ("ma", "lu").
pub fn weekday_short(lang: Lang, number_from_monday: u8) -> String {
    tr(lang, &format!("date.weekday.{number_from_monday}"))
}

/// The calendar button and, when open, its calendar. `label` names the field the
/// button belongs to (for screen readers and tests: "Calendar: Start date").
/// `current` is the field's date if it holds one; the calendar opens on it, or on
/// `today` (in Brussels) where the field is empty. Returns the date picked, once.
pub fn button(
    ui: &mut egui::Ui,
    id_salt: &str,
    lang: Lang,
    label: &str,
    current: Option<Date>,
    today: Date,
) -> Option<Date> {
    let id = ui.make_persistent_id(("date_picker", id_salt));
    let open: Option<Open> = ui.data(|d| d.get_temp::<Open>(id));
    // Keyboard: the calendar has the keys while it is open.
    // (Taken before the button sees them: Enter on it picks, not closes.)
    let (left, right, up, down, page_up, page_down, enter, escape) = if open.is_none() {
        Default::default()
    } else {
        ui.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::NONE, Key::ArrowLeft),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowRight),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowUp),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowDown),
                i.consume_key(egui::Modifiers::NONE, Key::PageUp),
                i.consume_key(egui::Modifiers::NONE, Key::PageDown),
                i.consume_key(egui::Modifiers::NONE, Key::Enter),
                i.consume_key(egui::Modifiers::NONE, Key::Escape),
            )
        })
    };
    let accessible = tr_args(lang, "date.calendar_for", &[("field", label.to_owned())]);
    let button = egui::Button::new(tr(lang, "date.calendar")).selected(open.is_some());
    let response = ui.add(button).on_hover_text(accessible.clone());
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Button, ui.is_enabled(), &accessible)
    });

    if open.is_some() && response.has_focus() {
        // Opened from the keyboard: its arrows move the day, not the focus.
        ui.memory_mut(|m| {
            m.set_focus_lock_filter(
                response.id,
                egui::EventFilter {
                    horizontal_arrows: true,
                    vertical_arrows: true,
                    escape: true,
                    tab: false,
                },
            )
        });
    }
    let mut open = open;
    if response.clicked() {
        open = match open {
            Some(_) => None,
            None => Some(Open {
                cursor: current.unwrap_or(today),
            }),
        };
    }
    let Some(mut state) = open else {
        ui.data_mut(|d| d.remove::<Open>(id));
        return None;
    };

    let mut picked = None;
    let mut close = false;

    let step = |date: Date, days: i64| date.checked_add(Duration::days(days)).unwrap_or(date);
    if left {
        state.cursor = step(state.cursor, -1);
    }
    if right {
        state.cursor = step(state.cursor, 1);
    }
    if up {
        state.cursor = step(state.cursor, -7);
    }
    if down {
        state.cursor = step(state.cursor, 7);
    }
    if page_up {
        state.cursor = add_months(state.cursor, -1);
    }
    if page_down {
        state.cursor = add_months(state.cursor, 1);
    }
    if enter {
        picked = Some(state.cursor);
    }
    // The page's keys (Page Up, Home…) are the calendar's while it is open.
    crate::ui::keyboard::keys_taken(ui.ctx());
    if escape {
        close = true;
    }

    let area = Area::new(id.with("calendar"))
        .kind(egui::UiKind::Picker)
        .order(Order::Foreground)
        .pivot(Align2::LEFT_TOP)
        .fixed_pos(response.rect.left_bottom())
        .constrain(true)
        .show(ui.ctx(), |ui| {
            Frame::popup(ui.style()).show(ui, |ui| {
                calendar_ui(
                    ui,
                    lang,
                    &mut state,
                    current,
                    today,
                    &mut picked,
                    &mut close,
                );
            });
        });

    if !response.clicked() && area.response.clicked_elsewhere() {
        close = true;
    }
    if picked.is_some() {
        close = true;
    }
    if close {
        ui.data_mut(|d| d.remove::<Open>(id));
        // Focus goes back where it was: on the button beside the field.
        response.request_focus();
    } else {
        ui.data_mut(|d| d.insert_temp(id, state));
    }
    picked
}

/// Moves a date by whole months, keeping the day where the month has it.
fn add_months(date: Date, months: i32) -> Date {
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months;
    let year = index.div_euclid(12);
    let month = u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1);
    let Ok(month) = Month::try_from(month) else {
        return date;
    };
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, date.day().min(last)).unwrap_or(date)
}

fn calendar_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    state: &mut Open,
    current: Option<Date>,
    today: Date,
    picked: &mut Option<Date>,
    close: &mut bool,
) {
    let cursor = state.cursor;
    ui.horizontal(|ui| {
        let nav = |ui: &mut egui::Ui, text: &str, key: &str| {
            let label = tr(lang, key);
            let r = ui.small_button(text).on_hover_text(label.clone());
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
            r.clicked()
        };
        if nav(ui, "<<", "date.previous_year") {
            state.cursor = add_months(cursor, -12);
        }
        if nav(ui, "<", "date.previous_month") {
            state.cursor = add_months(cursor, -1);
        }
        ui.add(egui::Label::new(
            RichText::new(format!(
                "{} {}",
                month_name(lang, cursor.month()),
                cursor.year()
            ))
            .strong(),
        ));
        if nav(ui, ">", "date.next_month") {
            state.cursor = add_months(cursor, 1);
        }
        if nav(ui, ">>", "date.next_year") {
            state.cursor = add_months(cursor, 12);
        }
    });

    let cursor = state.cursor;
    let first = cursor.replace_day(1).unwrap_or(cursor);
    // Monday first: how many days of the previous month fill the first row.
    let lead = i64::from(first.weekday().number_days_from_monday());
    let start = first.checked_sub(Duration::days(lead)).unwrap_or(first);
    egui::Grid::new(("calendar_grid", cursor.year(), u8::from(cursor.month())))
        .spacing([2.0, 2.0])
        .show(ui, |ui| {
            for day in 1..=7u8 {
                ui.label(RichText::new(weekday_short(lang, day)).small().weak());
            }
            ui.end_row();
            for week in 0..6i64 {
                for weekday in 0..7i64 {
                    let Some(date) = start.checked_add(Duration::days(week * 7 + weekday)) else {
                        continue;
                    };
                    let in_month = date.month() == cursor.month();
                    let mut text = RichText::new(format!("{:>2}", date.day())).monospace();
                    if !in_month {
                        text = text.weak();
                    }
                    if date == today {
                        text = text.underline();
                    }
                    let selected = Some(date) == current || date == cursor;
                    let r = ui.add(egui::Button::new(text).selected(selected).frame(selected));
                    let name = format_date(date);
                    r.widget_info(|| {
                        egui::WidgetInfo::selected(egui::Role::Button, true, selected, &name)
                    });
                    if r.clicked() {
                        *picked = Some(date);
                    }
                }
                ui.end_row();
            }
        });
    ui.horizontal(|ui| {
        if ui.button(tr(lang, "date.today")).clicked() {
            *picked = Some(today);
        }
        if ui.button(tr(lang, "date.close")).clicked() {
            *close = true;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_move_and_keep_the_day_where_they_can() {
        assert_eq!(add_months(date!(2025 - 01 - 31), 1), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2025 - 01 - 15), -1), date!(2024 - 12 - 15));
        assert_eq!(add_months(date!(2025 - 12 - 15), 1), date!(2026 - 01 - 15));
        assert_eq!(
            add_months(date!(2025 - 03 - 03), -12),
            date!(2024 - 03 - 03)
        );
    }

    #[test]
    fn names_come_from_the_catalogue() {
        assert_eq!(month_name(Lang::Nl, Month::March), "maart");
        assert_eq!(month_name(Lang::Fr, Month::March), "mars");
        assert_eq!(weekday_short(Lang::Nl, 1), "ma");
        assert_eq!(weekday_short(Lang::Fr, 7), "di");
        assert_eq!(weekday_short(Lang::En, 1), "Mo");
    }
}
