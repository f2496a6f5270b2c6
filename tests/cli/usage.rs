//! Usage errors of the command line as users meet them: with `--json` anywhere
//! on the line, a usage error (a flag missing, unknown or without its value) is
//! one JSON object on stdout, `{"error":{"code":"usage","message"}}`, exit 2,
//! in the run's language; without `--json` it is text on stderr as before.
//! And `submit --help` shows no made-up default for the account's flags.

use fla_test_support::cli as support;

use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::BIN;

fn run_in(lang: &str, args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    Command::new(&*BIN)
        .args(args)
        .env("FLA_DATA_DIR", data.path())
        .env("FLA_LANG", lang)
        .env_remove("FLA_PFX_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Lines that were usage errors for clap, each with `--json` somewhere.
const WITH_JSON: &[&[&str]] = &[
    // --client-id and --pfx missing
    &["submit", "some.csv", "--json"],
    // FILE missing
    &["submit", "--dry-run", "--json"],
    // --json before what is missing
    &["submit", "--json", "--dry-run"],
    // OUT missing
    &["template", "--json"],
    // an unknown flag
    &["submit", "some.csv", "--dry-run", "--bogus", "--json"],
    // an empty client ID and no --pfx
    &["submit", "some.csv", "--client-id", "", "--json"],
    // a flag without its value
    &["submit", "some.csv", "--json", "--client-id"],
    // a value outside its range
    &[
        "submit",
        "some.csv",
        "--dry-run",
        "--concurrency",
        "0",
        "--json",
    ],
    // a subcommand missing (clap would show the help)
    &["cert", "--json"],
    // an unknown command
    &["frobnicate", "--json"],
];

fn usage_json(out: &Output, line: &[&str]) -> String {
    assert_eq!(out.status.code(), Some(2), "{line:?}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "{line:?}: not JSON on stdout: {:?}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(json["error"]["code"], "usage", "{line:?}: {json}");
    let message = json["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.trim().is_empty(), "{line:?}: {json}");
    assert!(
        !message.chars().any(char::is_control),
        "{line:?}: one line: {message:?}"
    );
    assert!(out.stderr.is_empty(), "{line:?}: stderr {:?}", out.stderr);
    message.to_owned()
}

#[test]
fn a_usage_error_with_json_is_json_on_stdout() {
    for line in WITH_JSON {
        let out = run_in("en", line);
        usage_json(&out, line);
    }
}

#[test]
fn a_usage_error_s_json_message_is_the_one_the_text_gives_in_its_language() {
    for lang in ["en", "nl", "fr"] {
        let with = ["submit", "some.csv", "--json"];
        let message = usage_json(&run_in(lang, &with), &with);
        // The same run without --json: the message on stderr, nothing on stdout.
        let without = run_in(lang, &["submit", "some.csv"]);
        assert_eq!(without.status.code(), Some(2));
        assert!(without.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&without.stderr);
        assert!(
            stderr
                .lines()
                .next()
                .unwrap_or_default()
                .ends_with(&message),
            "{lang}: {message:?} in {stderr:?}"
        );
        assert!(message.contains("--client-id"), "{message}");
    }
    let nl = usage_json(
        &run_in("nl", &["template", "--json"]),
        &["template", "--json"],
    );
    assert!(nl.starts_with("Dit ontbreekt"), "{nl}");
}

#[test]
fn help_and_version_stay_what_they_are_with_json() {
    let help = run_in("en", &["submit", "--help", "--json"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--dry-run"));
    let version = run_in("en", &["--version", "--json"]);
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_value_after_double_dash_is_not_the_json_flag() {
    // `--` ends the flags: a file named `--json` is a file.
    let out = run_in("en", &["template", "--", "--json", "extra"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
}

#[test]
fn submit_help_shows_no_made_up_default_for_the_account_s_flags() {
    for lang in ["en", "nl", "fr"] {
        let out = run_in(lang, &["submit", "--help"]);
        assert_eq!(out.status.code(), Some(0));
        let help = String::from_utf8_lossy(&out.stdout);
        for flag in ["--client-id", "--pfx"] {
            let line = help
                .lines()
                .find(|l| l.trim_start().starts_with(flag))
                .unwrap_or_else(|| panic!("{lang}: no {flag} in {help}"));
            assert!(!line.trim_end().ends_with(']'), "{lang}: {line}");
        }
        // Defaults that are real are still shown.
        let concurrency = help
            .lines()
            .find(|l| l.trim_start().starts_with("--concurrency"))
            .unwrap_or_default();
        assert!(
            concurrency.trim_end().ends_with("64]"),
            "{lang}: {concurrency}"
        );
    }
}
