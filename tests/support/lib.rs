//! What the integration tests share, built once for all of them (a crate of
//! its own rather than files pulled into each test binary):
//!
//! - [`certs`]: certificates made at test time, valid relative to now;
//! - [`sandbox`]: the sandbox world of the library's tests (started on a free
//!   port, an account registered, its token source, declarations it accepts);
//! - [`cli`]: the command line as support staff run it (the binary, `sim`);
//! - [`app`]: the whole app headless (egui_kittest): pages, fields, waiting.
//!
//! The tests themselves are gathered into a few binaries (`tests/cli`,
//! `tests/library`, `tests/ui`, and those that must run alone), so that the
//! app is linked a few times, not once per file (docs/TESTING.md).

use std::path::PathBuf;

pub mod app;
pub mod certs;
pub mod cli;
pub mod sandbox;

/// The project's folder (where `tests/fixtures` is).
pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}
