//! The `fla-assistant` binary: with no command it opens the desktop app; with one
//! it runs that command headless. All logic lives in the library.

use std::process::ExitCode;

use clap::Parser;
use fla_assistant::cli::{self, Cli};
use fla_assistant::i18n::Lang;

fn main() -> ExitCode {
    let args = Cli::parse();
    let lang = args.lang.unwrap_or_else(Lang::system);
    match args.command {
        Some(command) => cli::run(command, lang),
        None => open_desktop(lang, args.lang.is_some()),
    }
}

#[cfg(feature = "gui")]
fn open_desktop(lang: Lang, lang_forced: bool) -> ExitCode {
    // Still one thread here: the runtime and the window start below.
    fla_assistant::today::use_brussels_as_local_time();
    match fla_assistant::ui::run_app(lang, lang_forced) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error [gui]: {message}");
            ExitCode::from(cli::exit::BAD_INPUT)
        }
    }
}

#[cfg(not(feature = "gui"))]
fn open_desktop(_lang: Lang, _lang_forced: bool) -> ExitCode {
    eprintln!("This build has no desktop app (built without the `gui` feature). Run `fla-assistant --help`.");
    ExitCode::from(cli::exit::BAD_INPUT)
}
