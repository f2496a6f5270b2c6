//! Every message, in every language, can be drawn with the app's fonts: a
//! missing glyph would show as tofu at best, and panics in debug builds.

#![cfg(feature = "gui")]

use egui::{FontFamily, FontId};
use fla_assistant::i18n::{format_count, keys, tr, Lang};

#[test]
fn every_message_has_its_glyphs() {
    let ctx = egui::Context::default();
    // Fonts are loaded by the first pass.
    let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
    output.textures_delta.clear();
    let mut missing = Vec::new();
    for lang in Lang::ALL {
        let mut texts: Vec<(String, String)> = keys(lang)
            .into_iter()
            .map(|k| (k.to_owned(), tr(lang, k)))
            .collect();
        texts.push(("format_count".into(), format_count(lang, 600_000)));
        for a in fla_assistant::fla::anomalies::ALL {
            texts.push((a.code.to_owned(), a.text(lang).to_owned()));
        }
        for (key, text) in texts {
            let ok = ctx
                .fonts_mut(|f| f.has_glyphs(&FontId::new(14.0, FontFamily::Proportional), &text));
            if !ok {
                let bad: String = text
                    .chars()
                    .filter(|c| {
                        !ctx.fonts_mut(|f| {
                            f.has_glyph(&FontId::new(14.0, FontFamily::Proportional), *c)
                        })
                    })
                    .collect();
                missing.push(format!("{lang:?} {key}: {bad:?}"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
