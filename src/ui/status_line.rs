//! The line above every page but the Checklist: what is missing first, as a
//! link to the page and control where it is fixed, and (with `offer_moves`)
//! the button that does it. It keeps its height when nothing is missing, so
//! that no page moves under the mouse.

use crate::checklist::{Fix, Need};
use crate::i18n::{Lang, Msg};

use super::checklist::RehearsalMove;

/// What the status line asked: to go to a fix, or to do a move there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAsk {
    Go(Fix),
    Do(RehearsalMove),
}

/// The line above every page but the Checklist: what is missing first (a
/// link to where it is fixed), and with `offer_moves` (`Some(sandbox)`) the
/// button that does it.
/// Its height is kept when nothing is missing: the page never moves.
pub fn status_line_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    needs: &[Need],
    offer_moves: Option<bool>,
    busy: bool,
) -> Option<StatusAsk> {
    let height = ui.spacing().interact_size.y + 4.0;
    let asked = super::widgets::slot_ui(ui, height, |line| {
        status_moves_ui(line, lang, needs, offer_moves, busy)
    });
    ui.separator();
    asked
}

fn status_moves_ui(
    line: &mut egui::Ui,
    lang: Lang,
    needs: &[Need],
    offer_moves: Option<bool>,
    busy: bool,
) -> Option<StatusAsk> {
    let mut asked = None;
    if let Some(first) = needs.first() {
        let moves = match offer_moves {
            Some(sandbox) => super::checklist::moves_for(first.fix, sandbox),
            None => &[],
        };
        for (name, action) in moves {
            let key = format!("status.move.{name}");
            // Each move its own id: a new move is a new next step.
            let button = line
                .push_id(name, |line| {
                    line.add_enabled(!busy, egui::Button::new(crate::i18n::tr(lang, &key)))
                })
                .inner;
            super::keyboard::mark_next_step(&button);
            if button.clicked() {
                asked = Some(StatusAsk::Do(*action));
            }
        }
        if busy {
            line.spinner();
        }
        let mut text = first.msg.render(lang);
        if needs.len() > 1 {
            text.push(' ');
            text.push_str(&Msg::plural("status.more", (needs.len() - 1) as u64).render(lang));
        }
        // The whole text is a link to where its fix is made.
        // (Short enough for one line in every language: a test says so.)
        let link = line
            .push_id(first.msg.key(), |line| {
                line.add(egui::Link::new(
                    egui::RichText::new(&text)
                        .color(line.visuals().warn_fg_color)
                        .underline(),
                ))
            })
            .inner
            .on_hover_text(crate::i18n::tr(lang, "status.open_fix"));
        super::keyboard::mark_next_step(&link);
        if link.clicked() && asked.is_none() {
            asked = Some(StatusAsk::Go(first.fix));
        }
    }
    asked
}
