//! The `fla-assistant` binary: with no command it opens the desktop app; with one
//! it runs that command headless. All logic lives in the library.

use std::process::ExitCode;

use clap::FromArgMatches;
use fla_assistant::cli::{self, Cli};
use fla_assistant::i18n::Lang;

fn main() -> ExitCode {
    // The language is known before parsing, so that `--help` and a usage
    // error are said in it: `--lang`, else FLA_LANG, else the system's.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let env_lang = std::env::var("FLA_LANG").ok();
    let lang = cli::help::lang_of_args(&argv, env_lang.as_deref());
    // A file given alone (a double-click, the desktop's "Open with"): the
    // app opens it on its page.
    if let Some(path) = cli::desktop_file_arg(&argv) {
        let forced = argv
            .iter()
            .any(|a| a.to_string_lossy().starts_with("--lang"));
        return open_desktop(lang, forced, Some(path));
    }
    let parsed = cli::help::command(lang)
        .try_get_matches_from(&argv)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let args = match parsed {
        Ok(args) => args,
        Err(err) => {
            let json = cli::help::json_of_args(&argv);
            return ExitCode::from(cli::help::report_usage_error(&err, lang, json));
        }
    };
    let lang = args.lang.unwrap_or(lang);
    match args.command {
        Some(command) => cli::run(command, lang),
        None => open_desktop(lang, args.lang.is_some(), None),
    }
}

#[cfg(feature = "gui")]
fn open_desktop(lang: Lang, lang_forced: bool, open: Option<std::path::PathBuf>) -> ExitCode {
    // Still one thread here: the runtime and the window start below.
    fla_assistant::today::use_brussels_as_local_time();
    match fla_assistant::ui::run_app(lang, lang_forced, open) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!(
                "{}",
                cli::error_line(
                    lang,
                    "gui",
                    &fla_assistant::i18n::tr_args(lang, "cli.gui_failed", &[("detail", message)])
                )
            );
            ExitCode::from(cli::exit::BAD_INPUT)
        }
    }
}

#[cfg(not(feature = "gui"))]
fn open_desktop(lang: Lang, _lang_forced: bool, _open: Option<std::path::PathBuf>) -> ExitCode {
    eprintln!("{}", fla_assistant::i18n::tr(lang, "cli.no_gui"));
    ExitCode::from(cli::exit::BAD_INPUT)
}
