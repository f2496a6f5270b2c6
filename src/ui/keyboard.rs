//! The keyboard, the way a keyboard-only user needs it: a ring around the
//! focused control while the keyboard is in use; the focus never lost (after
//! an action it goes to the user's next step, never back to the side bar);
//! the page scrolled to keep the focused control in view; Page Up/Down and
//! Home/End that scroll the page; Escape that closes a pop-up without dropping
//! the focus; and a skip link, first of all, that leads into the page.

use egui::{Id, Rect};

use super::widgets::focus_stroke;

/// How many frames a lost focus waits for the next step to show.
const REFOCUS_FRAMES: u8 = 6;

/// What the keys asked of the page's scroll this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKey {
    Up,
    Down,
    Home,
    End,
}

/// The page's scroll as it was last drawn.
#[derive(Debug, Clone, Copy, Default)]
struct PageScroll {
    offset: f32,
    view: f32,
    content: f32,
}

/// The keyboard's state across frames (one per window).
#[derive(Debug, Default)]
pub struct KeyboardFocus {
    /// The focus at the end of the last frame without a pop-up open (where the
    /// focus was when a pop-up opened), and whether a pop-up was open.
    last: Option<Id>,
    popup_was_open: bool,
    /// The keyboard moved the focus since the last pointer press.
    keyboard: bool,
    /// The focus at the end of the last frame.
    focused_before: Option<Id>,
    /// The last next step marked (kept while none is, so that a button greyed
    /// out for a moment is not a new step when it comes back).
    next_step_before: Option<Id>,
    /// The page's first control, and its controls, as last drawn.
    page_start: Option<Id>,
    page_widgets: Vec<Id>,
    /// The control last brought into view.
    shown: Option<Id>,
    page: PageScroll,
    page_key: Option<PageKey>,
    /// The user's last keyboard move was an action (Enter, Space), not a
    /// move of the focus: what comes of it may take the focus.
    acted: bool,
    /// Something was typed in the focused field: the focus stays there.
    typed: bool,
    /// The focus was lost: the frames left to wait for a next step.
    refocus: u8,
    /// The skip link was followed: the page's next step (or first control)
    /// takes the focus at the end of the frame.
    into_page: bool,
}

/// Where this frame's next step is kept (the first marked wins).
fn next_step_key() -> Id {
    Id::unique("fla_next_step")
}

/// Marks `response` as the user's next step on screen: the control the focus
/// goes to after an action, and the one the skip link leads to. The first
/// enabled one marked in a frame wins, unless a page marks a more precise
/// one with [`mark_next_step_here`].
pub fn mark_next_step(response: &egui::Response) {
    mark(response, 0);
}

/// Marks the page's own next step, over the status line's: the editor's
/// *Submit* for a declaration filled in, say, rather than "Declare a training".
pub fn mark_next_step_here(response: &egui::Response) {
    mark(response, 1);
}

fn mark(response: &egui::Response, priority: u8) {
    if !response.enabled() {
        return;
    }
    let ctx = &response.ctx;
    let pass = ctx.cumulative_pass_nr();
    ctx.data_mut(|d| {
        let slot = d.get_temp_mut_or_default::<Option<(u64, Id, u8)>>(next_step_key());
        if !slot.is_some_and(|(p, _, before)| p == pass && before >= priority) {
            *slot = Some((pass, response.id, priority));
        }
    });
}

/// Asks that the focus go to the next step at the end of this frame (after
/// an action whose result is on the page: a row opened, say), while the
/// keyboard is in use.
pub fn focus_next_step(ctx: &egui::Context) {
    let pass = ctx.cumulative_pass_nr();
    ctx.data_mut(|d| d.insert_temp(Id::unique("fla_focus_next_step"), pass));
}

fn focus_next_step_asked(ctx: &egui::Context) -> bool {
    let pass = ctx.cumulative_pass_nr();
    ctx.data(|d| d.get_temp::<u64>(Id::unique("fla_focus_next_step"))) == Some(pass)
}

/// Draws the focus ring round `rect` rather than round the focused control
/// `response` (a table row's tick box: the ring goes round its row).
pub fn ring_around(response: &egui::Response, rect: Rect) {
    let ctx = &response.ctx;
    let pass = ctx.cumulative_pass_nr();
    ctx.data_mut(|d| d.insert_temp(Id::unique("fla_ring_around"), (pass, response.id, rect)));
}

/// A pop-up of the app's own (the date picker) has the keys this frame: the
/// page's keys leave them to it in the next.
pub fn keys_taken(ctx: &egui::Context) {
    let pass = ctx.cumulative_pass_nr();
    ctx.data_mut(|d| d.insert_temp(Id::unique("fla_keys_taken"), pass));
}

fn keys_taken_before(ctx: &egui::Context) -> bool {
    let pass = ctx.cumulative_pass_nr();
    ctx.data(|d| d.get_temp::<u64>(Id::unique("fla_keys_taken")))
        .is_some_and(|p| p + 1 >= pass)
}

/// The next step marked in this frame.
fn marked_next_step(ctx: &egui::Context) -> Option<Id> {
    let pass = ctx.cumulative_pass_nr();
    ctx.data(|d| d.get_temp::<Option<(u64, Id, u8)>>(next_step_key()))
        .flatten()
        .filter(|(p, _, _)| *p == pass)
        .map(|(_, id, _)| id)
}

impl KeyboardFocus {
    /// Before the frame's widgets: gives the focus back after an Escape that
    /// closed a pop-up; takes the keys that scroll the page (not from a text
    /// field, whose Home and End are its own).
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
        let typing = ctx.text_edit_focused();
        let (navigated, activated) = ctx.input(|i| {
            let arrows = [
                egui::Key::ArrowUp,
                egui::Key::ArrowDown,
                egui::Key::ArrowLeft,
                egui::Key::ArrowRight,
            ];
            (
                tab || (!typing && arrows.iter().any(|k| i.key_pressed(*k))),
                i.key_pressed(egui::Key::Enter) || (!typing && i.key_pressed(egui::Key::Space)),
            )
        });
        if navigated {
            self.acted = false;
        } else if activated {
            self.acted = true;
        }
        if typing && ctx.input(|i| i.events.iter().any(|e| matches!(e, egui::Event::Text(_)))) {
            self.typed = true;
        }
        if pointer {
            self.keyboard = false;
        }
        if escape && self.popup_was_open && ctx.memory(|m| m.focused()).is_none() {
            if let Some(id) = self.last {
                ctx.memory_mut(|m| m.request_focus(id));
            }
        }
        self.page_key = None;
        if !ctx.text_edit_focused() && !self.popup_was_open && !keys_taken_before(ctx) {
            self.page_key = ctx.input_mut(|i| {
                let none = egui::Modifiers::NONE;
                [
                    (egui::Key::PageUp, PageKey::Up),
                    (egui::Key::PageDown, PageKey::Down),
                    (egui::Key::Home, PageKey::Home),
                    (egui::Key::End, PageKey::End),
                ]
                .into_iter()
                .find(|(key, _)| i.consume_key(none, *key))
                .map(|(_, page_key)| page_key)
            });
        }
    }

    /// The skip link: the first control of the frame ("To the page"), which
    /// leads into the page.
    pub fn skip_link_ui(&mut self, ui: &mut egui::Ui, text: &str) {
        if ui.link(text).clicked() {
            self.into_page = true;
        }
    }

    /// A page chosen by the keyboard: the focus goes into it (its next step,
    /// or its first control) at the end of the frame.
    pub fn follow_into_page(&mut self) {
        if self.keyboard {
            self.into_page = true;
        }
    }

    /// The central page's scroll area, with the page keys and the focus kept
    /// in view: draws `add_contents` in it.
    pub fn page_scroll_ui(&mut self, ui: &mut egui::Ui, add_contents: impl FnOnce(&mut egui::Ui)) {
        let mut area = egui::ScrollArea::vertical().auto_shrink([false, false]);
        if let Some(key) = self.page_key.take() {
            let PageScroll {
                offset,
                view,
                content,
            } = self.page;
            let end = (content - view).max(0.0);
            let to = match key {
                PageKey::Up => offset - view * 0.9,
                PageKey::Down => offset + view * 0.9,
                PageKey::Home => 0.0,
                PageKey::End => end,
            };
            area = area.vertical_scroll_offset(to.clamp(0.0, end));
        }
        let output = area.show(ui, |ui| {
            let layer = ui.layer_id();
            let before = ui
                .ctx()
                .viewport(|v| v.this_pass.widgets.get_layer(layer).count());
            add_contents(ui);
            let (start, widgets) = ui.ctx().viewport(|v| {
                let drawn: Vec<_> = v
                    .this_pass
                    .widgets
                    .get_layer(layer)
                    .skip(before)
                    .filter(|w| w.sense.is_focusable() && w.enabled && w.visible)
                    .map(|w| w.id)
                    .collect();
                (drawn.first().copied(), drawn)
            });
            self.page_start = start;
            self.page_widgets = widgets;
            self.keep_focus_in_view(ui);
        });
        self.page = PageScroll {
            offset: output.state.clamped_offset().y,
            view: output.inner_rect.height(),
            content: output.content_size.y,
        };
    }

    /// Brings the focused control of the page into view once, when the focus
    /// comes to it (and leaves the scroll to the user after).
    fn keep_focus_in_view(&mut self, ui: &mut egui::Ui) {
        let focused = ui.ctx().memory(|m| m.focused());
        if !self.keyboard || focused == self.shown {
            return;
        }
        self.shown = focused;
        let Some(id) = focused.filter(|id| self.page_widgets.contains(id)) else {
            return;
        };
        if let Some(rect) = ui.ctx().read_response(id).map(|r| r.rect) {
            if !ui.clip_rect().contains_rect(rect) {
                // At once: the focus is never drawn where it cannot be seen.
                ui.scroll_to_rect_animation(
                    rect.expand(8.0),
                    None,
                    egui::style::ScrollAnimation::none(),
                );
            }
        }
    }

    /// After the frame's widgets: the focus given where the next step is
    /// when it was lost or the next step changed; remembered; its ring drawn.
    pub fn end_frame(&mut self, ctx: &egui::Context) {
        // A list's item picked by Enter: the list closes (egui closes it on a
        // click only), and the focus goes back to the list's button.
        let enter = ctx.input(|i| i.key_pressed(egui::Key::Enter));
        if enter && egui::Popup::is_any_open(ctx) {
            let in_popup = ctx.memory(|m| m.focused()).is_some_and(|id| {
                ctx.viewport(|v| {
                    v.this_pass
                        .widgets
                        .get(id)
                        .is_some_and(|w| w.layer_id.order == egui::Order::Foreground)
                })
            });
            if in_popup {
                egui::Popup::close_all(ctx);
                if let Some(button) = self.last {
                    ctx.memory_mut(|m| m.request_focus(button));
                }
                ctx.request_repaint();
            }
        }
        // Pop-ups kept in memory (combo boxes, the date picker) and menus.
        self.popup_was_open = egui::Popup::is_any_open(ctx) || ctx.any_popup_open();
        let escape = ctx.input(|i| i.key_pressed(egui::Key::Escape));
        let focused = ctx.memory(|m| m.focused());
        let next = marked_next_step(ctx);
        let next_changed = next.is_some() && next != self.next_step_before;
        if next.is_some() {
            self.next_step_before = next;
        }
        // Lost (its control gone, greyed out, or a field left by Enter): the
        // focus goes to the next step as the frame after shows it, once the
        // action has had its effect.
        let lost = focused.is_none() && self.focused_before.is_some() && !escape;
        if lost {
            self.refocus = REFOCUS_FRAMES;
        } else if focused.is_some() {
            self.refocus = 0;
        }
        // A next step as soon as one shows; the page's first control if none
        // does within a few frames.
        let refocus = match self.refocus {
            0 => false,
            _ if lost => false,
            1 => true,
            _ => next.is_some(),
        };
        self.refocus = if refocus {
            0
        } else {
            self.refocus.saturating_sub(1)
        };
        let target = next.or(self.page_start);
        if !self.popup_was_open {
            if self.into_page || (self.keyboard && focus_next_step_asked(ctx)) {
                self.into_page = false;
                self.keyboard = true;
                self.request(ctx, target);
            } else if self.keyboard
                && (refocus
                    || (next_changed
                        && self.acted
                        // Moved on purpose this frame (a page gave it to a
                        // field): left there.
                        && focused == self.focused_before
                        && !(self.typed && ctx.text_edit_focused())))
            {
                self.request(ctx, target);
            }
        }
        if lost {
            ctx.request_repaint();
        }
        let now = ctx.memory(|m| m.focused());
        if now != self.focused_before {
            self.typed = false;
        }
        self.focused_before = now;
        if !self.popup_was_open {
            self.last = self.focused_before;
        }
        if let Some(rect) = self.ring_rect(ctx) {
            let stroke = focus_stroke(ctx.global_style().visuals.dark_mode);
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                Id::unique("focus_ring"),
            ));
            painter.rect_stroke(
                rect,
                egui::CornerRadius::same(3),
                stroke,
                egui::StrokeKind::Outside,
            );
        }
    }

    fn request(&mut self, ctx: &egui::Context, target: Option<Id>) {
        if let Some(id) = target {
            ctx.memory_mut(|m| m.request_focus(id));
            ctx.request_repaint();
        }
    }

    /// Where the focus ring is drawn: around the focused control while the
    /// keyboard is in use (`None` otherwise).
    pub fn ring_rect(&self, ctx: &egui::Context) -> Option<Rect> {
        if !self.keyboard {
            return None;
        }
        let id = ctx.memory(|m| m.focused())?;
        let pass = ctx.cumulative_pass_nr();
        let around = ctx
            .data(|d| d.get_temp::<(u64, Id, Rect)>(Id::unique("fla_ring_around")))
            .filter(|(p, of, _)| *p == pass && *of == id)
            .map(|(_, _, rect)| rect);
        around
            .or_else(|| ctx.read_response(id).map(|r| r.rect))
            .map(|rect| rect.expand(1.0))
    }

    /// The page's controls that take the focus, as last drawn (in Tab order).
    pub fn page_controls(&self) -> &[Id] {
        &self.page_widgets
    }

    /// Whether the keyboard is in use (the ring shows).
    pub fn keyboard_in_use(&self) -> bool {
        self.keyboard
    }
}
