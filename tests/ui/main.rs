//! Every page of the app, headless (egui_kittest), driven by its AccessKit labels.
//! One test binary for all of them (see tests/support/lib.rs).
#![cfg(feature = "gui")]

mod about;
mod bulk;
mod certificate;
mod checklist;
mod connection;
mod date_picker;
mod declarations;
mod dimona;
mod first_hour;
mod glyphs;
mod journal_view;
mod keyboard;
mod languages;
mod open_file;
mod profiles;
mod support_page;
mod trace;
mod update_notice;
