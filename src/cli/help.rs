//! The command line in the user's language: the language chosen for a run
//! (`--lang`, `FLA_LANG`, the system's), `--help` rebuilt from the catalogue
//! (`cli.about.*`, `cli.arg.*`, `cli.value.*`, `cli.heading.*`) and clap's usage
//! errors said in that language. Names of commands and flags never change here.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command};

use crate::i18n::{tr, tr_args, Lang};

/// The language of a run: `--lang X` (or `--lang=X`) anywhere before `--`,
/// else `FLA_LANG`, else the system's language (English where it is none of ours).
pub fn lang_of_args(args: &[OsString], env_lang: Option<&str>) -> Lang {
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        let value = match word.strip_prefix("--lang") {
            Some("") => words.next().map(|w| w.into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_owned),
            None => None,
        };
        if let Some(lang) = value.as_deref().and_then(Lang::from_tag) {
            return lang;
        }
    }
    env_lang
        .and_then(Lang::from_tag)
        .unwrap_or_else(Lang::system)
}

/// Whether `--json` is among the flags (before `--`): a usage error is then
/// said as JSON on stdout, as every other error of a `--json` run.
pub fn json_of_args(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// The message for `key` if the catalogue has it (in English at least).
fn lookup(lang: Lang, key: &str) -> Option<String> {
    (tr(Lang::En, key) != key).then(|| tr(lang, key))
}

/// The catalogue key of a command's description: `cli.about` for the program,
/// `cli.about.cert.inspect` for `cert inspect`.
/// clap's `help` command repeats the tree under it (`cert help inspect`): its
/// entries say what the commands they name say.
fn about_key(path: &[String]) -> String {
    if let Some(at) = path.iter().position(|s| s == "help") {
        if at + 1 == path.len() {
            return "cli.about.help".to_owned();
        }
        let mut rest = path.to_vec();
        rest.remove(at);
        return about_key(&rest);
    }
    std::iter::once("cli.about".to_owned())
        .chain(path.iter().cloned())
        .collect::<Vec<_>>()
        .join(".")
}

/// The catalogue key of an argument's help: the command's own
/// (`cli.arg.cert.inspect.file`) where it has one, else the shared one
/// (`cli.arg.file`), as the connection flags are the same everywhere.
pub fn arg_key(path: &[String], id: &str) -> String {
    let own = std::iter::once("cli.arg".to_owned())
        .chain(path.iter().cloned())
        .chain(std::iter::once(id.to_owned()))
        .collect::<Vec<_>>()
        .join(".");
    if tr(Lang::En, &own) != own {
        own
    } else {
        format!("cli.arg.{id}")
    }
}

/// The placeholder of a value as the help shows it (`<FILE>`), in `lang`.
fn value_name(lang: Lang, name: &str) -> String {
    lookup(lang, &format!("cli.value.{name}")).unwrap_or_else(|| name.to_owned())
}

/// The program's command, every text of its help in `lang`.
pub fn command(lang: Lang) -> Command {
    let mut cmd = <super::Cli as clap::CommandFactory>::command();
    // Built first so that clap's own `--help`, `--version` and `help` exist
    // and can be said in `lang` like the rest.
    cmd.build();
    localize(cmd, &[], lang)
}

fn localize(cmd: Command, path: &[String], lang: Lang) -> Command {
    let about = tr(lang, &about_key(path));
    // The long description (`--help`) is the short one and a paragraph more.
    let long_about =
        lookup(lang, &format!("{}.long", about_key(path))).map(|more| format!("{about}\n\n{more}"));
    let options = tr(lang, "cli.heading.options");
    let arguments = tr(lang, "cli.heading.arguments");
    let cmd = match long_about {
        Some(text) => cmd.long_about(text),
        None => cmd.long_about(None::<&'static str>),
    };
    let mut cmd = cmd
        .about(about)
        .subcommand_help_heading(tr(lang, "cli.heading.commands"))
        .subcommand_value_name(value_name(lang, "COMMAND"))
        .mut_args(|arg| localize_arg(arg, path, lang, &options, &arguments));
    // Usage from clap (names and order are right), with its English words replaced.
    let usage = cmd
        .render_usage()
        .to_string()
        .trim()
        .trim_start_matches("Usage:")
        .trim()
        .replace("[OPTIONS]", &format!("[{}]", value_name(lang, "OPTIONS")));
    let template = format!(
        "{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
        tr(lang, "cli.heading.usage")
    );
    cmd = cmd.override_usage(usage).help_template(template);
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let mut sub_path = path.to_vec();
        sub_path.push(name.clone());
        cmd = cmd.mut_subcommand(&name, |sub| localize(sub, &sub_path, lang));
    }
    cmd
}

fn localize_arg(arg: Arg, path: &[String], lang: Lang, options: &str, arguments: &str) -> Arg {
    let id = arg.get_id().as_str().to_owned();
    let mut help = tr(lang, &arg_key(path, &id));
    // clap's "[default: …]", "[possible values: …]" and "[env: …]" are
    // English: the same facts, said in `lang`.
    let takes_values = arg.get_action().takes_values();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    // A default set only to satisfy clap (`submit`'s `--client-id` when
    // `--dry-run` needs none) is hidden by its command: not shown here either.
    if takes_values && !defaults.is_empty() && !arg.is_hide_default_value_set() {
        help.push_str(&format!(
            " [{}]",
            tr_args(lang, "cli.help.default", &[("value", defaults.join(" "))])
        ));
    }
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .map(|v| v.get_name().to_owned())
        .collect();
    if takes_values && !possible.is_empty() && defaults.is_empty() {
        help.push_str(&format!(
            " [{}]",
            tr_args(
                lang,
                "cli.help.possible",
                &[("values", possible.join(", "))]
            )
        ));
    }
    if let Some(var) = arg.get_env() {
        help.push_str(&format!(
            " [{}]",
            tr_args(
                lang,
                "cli.help.env",
                &[("var", var.to_string_lossy().into_owned())]
            )
        ));
    }
    let heading = if arg.is_positional() {
        arguments
    } else {
        options
    };
    let mut arg = arg
        .help(help)
        .long_help(None::<&'static str>)
        .hide_default_value(true)
        .hide_possible_values(true)
        .hide_env(true)
        .help_heading(heading.to_owned());
    if takes_values {
        let names: Vec<String> = match arg.get_value_names() {
            Some(names) => names.iter().map(|n| value_name(lang, n)).collect(),
            None => vec![value_name(lang, &id.to_uppercase())],
        };
        arg = arg.value_names(names);
    }
    arg
}

/// Says a usage error of clap in `lang` and gives its exit code (2), or lets
/// clap print the help or version it was asked for (0). With `json` (the line
/// has `--json`), the error is `{"error":{"code":"usage","message"}}` on
/// stdout and nothing on stderr, as every error of a `--json` run.
pub fn report_usage_error(err: &clap::Error, lang: Lang, json: bool) -> u8 {
    match err.kind() {
        // A command given without its subcommand: clap would show the help
        // (on stderr, exit 2); a `--json` run gets the error it is.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand if json => {
            print_usage_json(&tr(lang, "cli.usage.missing_command"));
            return super::exit::BAD_INPUT;
        }
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            return if err.use_stderr() {
                super::exit::BAD_INPUT
            } else {
                super::exit::DONE
            };
        }
        _ => {}
    }
    let text = |kind: ContextKind| -> String {
        match err.get(kind) {
            Some(ContextValue::String(s)) => s.clone(),
            Some(ContextValue::Strings(list)) => list.join(", "),
            Some(ContextValue::StyledStr(s)) => s.to_string(),
            Some(ContextValue::StyledStrs(list)) => list
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            Some(ContextValue::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    };
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    let valid = text(ContextKind::ValidValue);
    let message = match err.kind() {
        ErrorKind::UnknownArgument => tr_args(lang, "cli.usage.unknown_argument", &[("arg", arg)]),
        ErrorKind::InvalidSubcommand => tr_args(
            lang,
            "cli.usage.unknown_command",
            &[("command", text(ContextKind::InvalidSubcommand))],
        ),
        ErrorKind::MissingRequiredArgument => {
            tr_args(lang, "cli.usage.missing_argument", &[("arg", arg)])
        }
        ErrorKind::MissingSubcommand => tr(lang, "cli.usage.missing_command"),
        ErrorKind::InvalidValue if !valid.is_empty() => tr_args(
            lang,
            "cli.usage.invalid_value_among",
            &[("arg", arg), ("value", value), ("values", valid)],
        ),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => tr_args(
            lang,
            "cli.usage.invalid_value",
            &[("arg", arg), ("value", value)],
        ),
        ErrorKind::ArgumentConflict => tr_args(
            lang,
            "cli.usage.conflict",
            &[("arg", arg), ("other", text(ContextKind::PriorArg))],
        ),
        ErrorKind::NoEquals | ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => tr_args(
            lang,
            "cli.usage.invalid_value",
            &[("arg", arg), ("value", value)],
        ),
        _ => tr(lang, "cli.usage.other"),
    };
    if json {
        print_usage_json(&message);
        return super::exit::BAD_INPUT;
    }
    eprintln!(
        "{}",
        tr_args(lang, "cli.error_plain", &[("message", message)])
    );
    // The usage of the command that was given, as its help shows it.
    let usage = text(ContextKind::Usage);
    let usage = usage.trim().trim_start_matches("Usage:").trim();
    if !usage.is_empty() {
        eprintln!();
        eprintln!("{} {usage}", tr(lang, "cli.heading.usage"));
    }
    eprintln!();
    eprintln!("{}", tr(lang, "cli.usage.more"));
    super::exit::BAD_INPUT
}

/// A usage error as a `--json` run says it: one line of text in the message.
fn print_usage_json(message: &str) {
    let message = message
        .replace(|c: char| c.is_control(), " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    super::print_json(&serde_json::json!({
        "error": { "code": "usage", "message": message }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and argument the help shows, with the key its text comes from.
    fn keys_of(cmd: &Command, path: &[String], out: &mut Vec<String>) {
        out.push(about_key(path));
        for arg in cmd.get_arguments() {
            out.push(arg_key(path, arg.get_id().as_str()));
            if !arg.get_action().takes_values() {
                continue;
            }
            for name in arg.get_value_names().into_iter().flatten() {
                out.push(format!("cli.value.{name}"));
            }
        }
        for sub in cmd.get_subcommands() {
            let mut sub_path = path.to_vec();
            sub_path.push(sub.get_name().to_owned());
            keys_of(sub, &sub_path, out);
        }
    }

    #[test]
    fn every_command_and_argument_has_its_text_in_the_catalogue() {
        let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
        cmd.build();
        let mut keys = Vec::new();
        keys_of(&cmd, &[], &mut keys);
        keys.sort();
        keys.dedup();
        let missing: Vec<&String> = keys.iter().filter(|k| tr(Lang::En, k) == **k).collect();
        assert!(missing.is_empty(), "not in the catalogue: {missing:#?}");
    }

    #[test]
    fn the_language_comes_from_the_arguments_then_the_environment() {
        let args = |list: &[&str]| -> Vec<OsString> { list.iter().map(OsString::from).collect() };
        assert_eq!(
            lang_of_args(&args(&["x", "cert", "--lang", "nl"]), Some("fr")),
            Lang::Nl
        );
        assert_eq!(
            lang_of_args(&args(&["x", "--lang=fr", "token"]), Some("nl")),
            Lang::Fr
        );
        assert_eq!(
            lang_of_args(&args(&["x", "token"]), Some("fr_BE.UTF-8")),
            Lang::Fr
        );
        assert_eq!(
            lang_of_args(&args(&["x", "--", "--lang", "nl"]), Some("fr")),
            Lang::Fr
        );
    }
}
