//! fla-assistant: sets up and uses the social security REST channel of the
//! CareerPro Federal Learning Account. The GUI (`ui`) and the command line (`cli`)
//! are thin fronts over the same library functions. The layers and a
//! declaration's trip through them: `docs/ARCHITECTURE.md`.

/// PKCS#12 opening, certificate facts and findings, .cer export.
pub mod cert;
/// Environments, service definitions, client assertion, token client and the
/// token source a service's client draws from, diagnosis.
pub mod channel;
/// The set-up path: roles, steps, what is still missing (pure).
pub mod checklist;
/// One file per command; `--json` output for every command.
pub mod cli;
/// Dimona, the second service: wire format, rules and API client.
pub mod dimona;
/// Reading inputs and writing outputs safely.
pub mod files;
/// The FLA wire format, anomaly catalogue, rules and API client.
pub mod fla;
/// Message lookup in English, Dutch and French.
pub mod i18n;
/// Belgian identifiers: SSIN and enterprise number.
pub mod identifiers;
/// Where the app keeps its files; profiles, recent files, the OS keychain; the
/// profiles of a session of the app (`session`).
pub mod profile;
/// The simulator on loopback: a small Chaman, the OAuth token endpoint, the
/// FLA API, faults; where this computer keeps it (`host`).
pub mod sandbox;
/// The life of a declaration: states, the journal, the exactly-once engine,
/// files read as declarations, a file run's report; the engine's life in the
/// app and the view its pages read (`host`).
pub mod submit;
/// Support: the app's log (rotated, redacted) and the diagnostics text.
pub mod support;
/// "Today": the date in Europe/Brussels.
pub mod today;
/// The desktop app: one file per page.
#[cfg(feature = "gui")]
pub mod ui;
/// The update notice: a release feed read once a day, where asked.
pub mod update;
