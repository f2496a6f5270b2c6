//! Small drawing helpers shared by the pages.

use egui::{Color32, RichText};

use crate::cert::Severity;
use crate::i18n::{tr, Lang};

/// The colour of a severity, readable on light and dark backgrounds.
pub fn severity_color(ui: &egui::Ui, severity: Severity) -> Color32 {
    let dark = ui.visuals().dark_mode;
    match (severity, dark) {
        (Severity::Error, true) => Color32::from_rgb(255, 120, 110),
        (Severity::Error, false) => Color32::from_rgb(190, 30, 30),
        (Severity::Warning, true) => Color32::from_rgb(240, 190, 80),
        (Severity::Warning, false) => Color32::from_rgb(160, 100, 0),
        (Severity::Info, _) => ui.visuals().text_color(),
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
    match theme {
        egui::Theme::Light => {
            visuals.panel_fill = Color32::from_gray(238);
            visuals.window_fill = Color32::from_gray(246);
            visuals.faint_bg_color = Color32::from_gray(230);
            visuals.text_edit_bg_color = Some(Color32::WHITE);
            visuals.widgets.inactive.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(140));
            visuals.widgets.hovered.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(90));
        }
        egui::Theme::Dark => {
            visuals.text_edit_bg_color = Some(Color32::from_gray(12));
            visuals.widgets.inactive.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(95));
            visuals.widgets.hovered.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(150));
        }
    }
    visuals.selection.stroke = egui::Stroke::new(focus.width, visuals.selection.stroke.color);
    // A focused text field is outlined by the selection stroke: the focus colour.
    visuals.selection.stroke.color = focus.color;
}

/// Keyboard focus the way a keyboard user needs it: a ring around the focused
/// control (any control: button, check box, combo box, field, side-bar item)
/// while the keyboard is in use, and Escape that closes a pop-up without
/// dropping the focus (egui drops it, and the next Tab then starts over at
/// the side bar).
#[derive(Debug, Default)]
pub struct KeyboardFocus {
    /// The focus at the end of the last frame without a pop-up open (where the
    /// focus was when a pop-up opened), and whether a pop-up was open.
    last: Option<egui::Id>,
    popup_was_open: bool,
    /// The keyboard moved the focus since the last pointer press.
    keyboard: bool,
}

impl KeyboardFocus {
    /// Before the frame's widgets: gives the focus back after an Escape that
    /// closed a pop-up.
    pub fn begin_frame(&mut self, ctx: &egui::Context) {
        let (escape, tab, pointer) = ctx.input(|i| {
            (
                i.key_pressed(egui::Key::Escape),
                i.key_pressed(egui::Key::Tab),
                i.pointer.any_pressed(),
            )
        });
        if tab {
            self.keyboard = true;
        }
        if pointer {
            self.keyboard = false;
        }
        if escape && self.popup_was_open && ctx.memory(|m| m.focused()).is_none() {
            if let Some(id) = self.last {
                ctx.memory_mut(|m| m.request_focus(id));
            }
        }
    }

    /// After the frame's widgets: remembers the focus, draws its ring.
    pub fn end_frame(&mut self, ctx: &egui::Context) {
        // Pop-ups kept in memory (combo boxes, the date picker) and menus.
        self.popup_was_open = egui::Popup::is_any_open(ctx) || ctx.any_popup_open();
        if !self.popup_was_open {
            self.last = ctx.memory(|m| m.focused());
        }
        if let Some(rect) = self.ring_rect(ctx) {
            let stroke = focus_stroke(ctx.global_style().visuals.dark_mode);
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("focus_ring"),
            ));
            painter.rect_stroke(
                rect,
                egui::CornerRadius::same(3),
                stroke,
                egui::StrokeKind::Outside,
            );
        }
    }

    /// Where the focus ring is drawn: around the focused control while the
    /// keyboard is in use (`None` otherwise).
    pub fn ring_rect(&self, ctx: &egui::Context) -> Option<egui::Rect> {
        if !self.keyboard {
            return None;
        }
        let id = ctx.memory(|m| m.focused())?;
        ctx.read_response(id).map(|r| r.rect.expand(1.0))
    }
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
