//! fla-assistant: sets up and uses the social security REST channel of the
//! CareerPro Federal Learning Account. The GUI (`ui`) and the command line (`cli`)
//! are thin fronts over the same library functions.

/// PKCS#12 opening, certificate facts and findings, .cer export.
pub mod cert;
/// One file per command; `--json` output for every command.
pub mod cli;
/// Reading inputs and writing outputs safely.
pub mod files;
/// Message lookup in English, Dutch and French.
pub mod i18n;
/// The desktop app: one file per page.
#[cfg(feature = "gui")]
pub mod ui;
