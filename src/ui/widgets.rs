//! Small drawing helpers shared by the pages.

use egui::{Color32, RichText};

use crate::cert::Severity;
use crate::i18n::{tr, Lang};

/// The colour of a severity, readable on light and dark backgrounds.
pub fn severity_color(ui: &egui::Ui, severity: Severity) -> Color32 {
    severity_color_of(ui.visuals(), severity)
}

/// [`severity_color`] from the visuals alone (the contrast test reads it).
pub fn severity_color_of(visuals: &egui::Visuals, severity: Severity) -> Color32 {
    match severity {
        Severity::Error => visuals.error_fg_color,
        Severity::Warning => visuals.warn_fg_color,
        Severity::Info => visuals.text_color(),
    }
}

/// The colour of a declaration's state in the tables: green accepted,
/// amber with warnings, red refused or invalid, blue under way, the weak text
/// colour otherwise; each AA-readable on the panel, a striped row and a
/// selected row, in both themes.
pub fn state_color(visuals: &egui::Visuals, state: crate::submit::state::State) -> Color32 {
    use crate::submit::state::State;
    let dark = visuals.dark_mode;
    match state {
        State::Accepted if dark => Color32::from_rgb(90, 200, 120),
        State::Accepted => Color32::from_rgb(0, 110, 35),
        State::Warning => visuals.warn_fg_color,
        State::Refused | State::Invalid | State::Failed => visuals.error_fg_color,
        State::Sending | State::Unknown | State::Submitted if dark => {
            Color32::from_rgb(130, 180, 255)
        }
        State::Sending | State::Unknown | State::Submitted => Color32::from_rgb(20, 80, 190),
        State::Draft | State::Ready | State::Cancelled => visuals.weak_text_color(),
    }
}

/// A severity word in its colour ("Error", "Warning").
pub fn severity_badge_ui(ui: &mut egui::Ui, severity: Severity, lang: Lang) {
    let key = match severity {
        Severity::Error => "cert.severity.error",
        Severity::Warning => "cert.severity.warning",
        Severity::Info => "cert.severity.info",
    };
    ui.label(
        RichText::new(tr(lang, key))
            .strong()
            .color(severity_color(ui, severity)),
    );
}

/// A message that belongs to the control above it (an error of that control).
pub fn error_text_ui(ui: &mut egui::Ui, message: &str) {
    let color = severity_color(ui, Severity::Error);
    ui.add(egui::Label::new(RichText::new(message).color(color)).wrap());
}

/// A label whose text can be selected and copied (fingerprints, serials).
pub fn monospace_value_ui(ui: &mut egui::Ui, value: &str) {
    ui.add(egui::Label::new(RichText::new(value).monospace()).wrap());
}

/// The colour and width of the keyboard-focus ring in a theme.
pub fn focus_stroke(dark_mode: bool) -> egui::Stroke {
    if dark_mode {
        egui::Stroke::new(2.0, Color32::from_rgb(120, 180, 255))
    } else {
        egui::Stroke::new(2.0, Color32::from_rgb(0, 84, 200))
    }
}

/// The app's look, in one place: text fields that stand out from the panel
/// (white on light grey, with a border), controls with a visible outline, and
/// a focused text field outlined in the focus colour. Set for both themes, so
/// that a theme switch finds it; applied at start and on every theme change.
pub fn apply_style(ctx: &egui::Context) {
    for theme in [egui::Theme::Light, egui::Theme::Dark] {
        ctx.style_mut_of(theme, |style| style_for(style, theme));
    }
}

fn style_for(style: &mut egui::Style, theme: egui::Theme) {
    let visuals = &mut style.visuals;
    let focus = focus_stroke(theme == egui::Theme::Dark);
    // Every text on every background the app draws is WCAG 2.1 AA (4.5:1),
    // focus rings and control borders 3:1: `tests::every_text_is_readable_in_both_themes`.
    match theme {
        egui::Theme::Light => {
            visuals.panel_fill = Color32::from_gray(238);
            visuals.window_fill = Color32::from_gray(246);
            visuals.faint_bg_color = Color32::from_gray(230);
            visuals.text_edit_bg_color = Some(Color32::WHITE);
            visuals.widgets.inactive.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(120));
            visuals.widgets.hovered.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(90));
            visuals.widgets.noninteractive.fg_stroke.color = Color32::from_gray(45);
            visuals.weak_text_color = Some(Color32::from_gray(80));
            visuals.hyperlink_color = Color32::from_rgb(0, 80, 180);
            visuals.warn_fg_color = Color32::from_rgb(140, 75, 0);
            visuals.error_fg_color = Color32::from_rgb(180, 20, 20);
            visuals.selection.bg_fill = Color32::from_rgb(200, 225, 250);
        }
        egui::Theme::Dark => {
            visuals.text_edit_bg_color = Some(Color32::from_gray(12));
            visuals.widgets.inactive.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(110));
            visuals.widgets.hovered.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(150));
            visuals.widgets.noninteractive.fg_stroke.color = Color32::from_gray(210);
            visuals.weak_text_color = Some(Color32::from_gray(170));
            visuals.hyperlink_color = Color32::from_rgb(120, 180, 255);
            visuals.warn_fg_color = Color32::from_rgb(240, 180, 70);
            visuals.error_fg_color = Color32::from_rgb(255, 130, 120);
            visuals.selection.bg_fill = Color32::from_rgb(0, 50, 80);
        }
    }
    // A greyed-out control keeps its text readable (egui's default halves it).
    visuals.disabled_alpha = 0.9;
    visuals.selection.stroke = egui::Stroke::new(focus.width, visuals.selection.stroke.color);
    // A focused text field is outlined by the selection stroke: the focus colour.
    visuals.selection.stroke.color = focus.color;
}

/// The width `text` takes on one line in the body font (to size a field for
/// its hint, or leave room for buttons, in the longest language).
pub fn text_width(ui: &egui::Ui, text: &str) -> f32 {
    let galley = egui::WidgetText::from(text).into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Body,
    );
    galley.size().x + 2.0 * ui.spacing().button_padding.x + 4.0
}

/// A strip of the page `height` high kept for what may come and go (a
/// message, a button): nothing below it moves when it does. What `add` draws
/// is laid out left to right and clipped to the strip.
pub fn slot_ui<R>(ui: &mut egui::Ui, height: f32, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), height),
        egui::Sense::hover(),
    );
    let mut child = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
    );
    child.set_clip_rect(rect.intersect(ui.clip_rect()));
    add(&mut child)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submit::state::State;

    /// WCAG 2.1 relative luminance of an opaque colour.
    fn luminance(c: Color32) -> f64 {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
    }

    /// The colour a (premultiplied, maybe translucent) `fg` gives over `bg`.
    fn over(fg: Color32, bg: Color32) -> Color32 {
        let a = f64::from(fg.a()) / 255.0;
        let mix = |f: u8, b: u8| (f64::from(f) + f64::from(b) * (1.0 - a)).round().min(255.0) as u8;
        Color32::from_rgb(
            mix(fg.r(), bg.r()),
            mix(fg.g(), bg.g()),
            mix(fg.b(), bg.b()),
        )
    }

    fn contrast(fg: Color32, bg: Color32) -> f64 {
        let (a, b) = (luminance(over(fg, bg)), luminance(bg));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    fn styled(theme: egui::Theme) -> egui::Visuals {
        let mut style = egui::Style {
            visuals: match theme {
                egui::Theme::Light => egui::Visuals::light(),
                egui::Theme::Dark => egui::Visuals::dark(),
            },
            ..egui::Style::default()
        };
        style_for(&mut style, theme);
        style.visuals
    }

    #[test]
    fn every_text_is_readable_in_both_themes() {
        let mut found = Vec::new();
        for theme in [egui::Theme::Light, egui::Theme::Dark] {
            let v = styled(theme);
            let panel = v.panel_fill;
            // Where text is drawn: the page, a window, a striped row, a field,
            // a selected row, a button.
            let backgrounds = [
                ("panel", panel),
                ("window", v.window_fill),
                ("striped row", over(v.faint_bg_color, panel)),
                (
                    "text field",
                    v.text_edit_bg_color.unwrap_or(v.extreme_bg_color),
                ),
                ("selected row", v.selection.bg_fill),
                ("button", v.widgets.inactive.weak_bg_fill),
            ];
            let mut texts = vec![
                ("text", v.text_color()),
                ("weak text, placeholders, help lines", v.weak_text_color()),
                ("links", v.hyperlink_color),
                ("warnings", severity_color_of(&v, Severity::Warning)),
                ("errors", severity_color_of(&v, Severity::Error)),
                ("button text", v.widgets.inactive.fg_stroke.color),
                (
                    "disabled text",
                    v.text_color().gamma_multiply(v.disabled_alpha()),
                ),
                (
                    "disabled weak text",
                    v.weak_text_color().gamma_multiply(v.disabled_alpha()),
                ),
            ];
            for state in State::ALL {
                texts.push((state.code(), state_color(&v, state)));
            }
            for (text, fg) in &texts {
                for (place, bg) in backgrounds {
                    let ratio = contrast(*fg, bg);
                    if ratio < 4.5 {
                        found.push(format!("{theme:?}: {text} on {place}: {ratio:.2}:1"));
                    }
                }
            }
            // A selected item's own text colour, on the selection.
            let ratio = contrast(v.selection.stroke.color, v.selection.bg_fill);
            if ratio < 4.5 {
                found.push(format!("{theme:?}: selected text: {ratio:.2}:1"));
            }
            // The focus ring and control borders: 3:1 against what they surround.
            let focus = focus_stroke(theme == egui::Theme::Dark).color;
            for (what, fg) in [
                ("focus ring", focus),
                ("control border", v.widgets.inactive.bg_stroke.color),
            ] {
                for (place, bg) in [("panel", panel), ("window", v.window_fill)] {
                    let ratio = contrast(fg, bg);
                    if ratio < 3.0 {
                        found.push(format!("{theme:?}: {what} on {place}: {ratio:.2}:1"));
                    }
                }
            }
        }
        assert!(found.is_empty(), "Below WCAG 2.1 AA:\n{}", found.join("\n"));
    }

    #[test]
    fn the_contrast_sums_are_right() {
        // WCAG's own extremes.
        assert!((contrast(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 1e-9);
        // Half-transparent black over white is mid grey.
        assert_eq!(
            over(Color32::from_black_alpha(128), Color32::WHITE),
            Color32::from_gray(127)
        );
    }
}

/// The id of a table row's tick box (the row's one Tab stop when it is the
/// table's cursor row).
pub fn row_tick_id(row: i64) -> egui::Id {
    egui::Id::unique(("row_tick", row))
}

/// A table row's tick box: it answers the mouse on every row, and takes the
/// keyboard's focus only on the table's cursor row (`cursor`), so that a
/// table is one Tab stop however many rows it has.
pub fn row_tick_ui(
    ui: &mut egui::Ui,
    row: i64,
    checked: bool,
    cursor: bool,
    label: &str,
) -> egui::Response {
    let size = ui.spacing().icon_width;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    let sense = if cursor {
        egui::Sense::click()
    } else {
        egui::Sense::CLICK
    };
    let id = row_tick_id(row);
    let response = ui.interact(rect, id, sense);
    if response.has_focus() {
        // Up and Down move between the rows, not to the controls around.
        ui.ctx().memory_mut(|m| {
            m.set_focus_lock_filter(
                id,
                egui::EventFilter {
                    vertical_arrows: true,
                    ..Default::default()
                },
            )
        });
    }
    let visuals = ui.style().interact(&response);
    let (small, big) = ui.spacing().icon_rectangles(rect);
    ui.painter().rect(
        big.expand(visuals.expansion),
        // Square, as a check box is (a round one reads as a radio button).
        egui::CornerRadius::same(2),
        visuals.bg_fill,
        visuals.bg_stroke,
        egui::StrokeKind::Inside,
    );
    if checked {
        ui.painter().add(egui::Shape::line(
            vec![
                egui::pos2(small.left(), small.center().y),
                egui::pos2(small.center().x, small.bottom()),
                egui::pos2(small.right(), small.top()),
            ],
            visuals.fg_stroke,
        ));
    }
    response.widget_info(|| egui::WidgetInfo::selected(egui::Role::CheckBox, true, checked, label));
    response
}

/// What a key (or the mouse) asked of a table row through its tick box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey {
    /// Space, or a click: tick or untick the row.
    Tick,
    /// Enter: open the row.
    Open,
    /// Up (-1) or Down (+1): the cursor to the row before or after.
    Move(i64),
}

/// Reads the keys given to a row's tick box (see [`row_tick_ui`]).
pub fn row_keys(tick: &egui::Response) -> Option<RowKey> {
    if tick.has_focus() {
        let (enter, space, up, down) = tick.ctx.input(|i| {
            (
                i.key_pressed(egui::Key::Enter),
                i.key_pressed(egui::Key::Space),
                i.key_pressed(egui::Key::ArrowUp),
                i.key_pressed(egui::Key::ArrowDown),
            )
        });
        if enter {
            return Some(RowKey::Open);
        }
        if space {
            return Some(RowKey::Tick);
        }
        if up {
            return Some(RowKey::Move(-1));
        }
        if down {
            return Some(RowKey::Move(1));
        }
    }
    tick.clicked().then_some(RowKey::Tick)
}
