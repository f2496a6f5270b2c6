//! The command line in Dutch and French: `--help` of every command (by `--lang`
//! and by `FLA_LANG`) keeps no English word and lists every flag; plurals follow
//! each language on real runs against `sim` ("1 aangifte gevonden", "1 jour");
//! a failing command's JSON error says nothing in English.

use fla_test_support::cli as support;

use std::collections::BTreeSet;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::{certs, register, BIN};

/// Every command the program has, as its path of names.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["cert"],
    &["cert", "inspect"],
    &["cert", "export"],
    &["token"],
    &["declare"],
    &["submit"],
    &["declarations"],
    &["declarations", "search"],
    &["dimona"],
    &["dimona", "periods"],
    &["dimona", "periods", "search"],
    &["sim"],
    &["sim-register"],
    &["template"],
    // `help COMMAND` is the help of COMMAND.
    &["help", "declarations", "search"],
];

/// Words that are the same in English and Dutch or French: names (of formats,
/// standards, services), the values a flag takes (a contract) and words both
/// languages use. Anything else found in both the English and a translated
/// help is English left over.
const SHARED: &[&str] = &[
    // names
    "ssin",
    "json",
    "csv",
    "pfx",
    "pkcs",
    "url",
    "oauth",
    "client",
    "id",
    "api",
    "jwt",
    "rest",
    "chaman",
    "careerpro",
    "fla",
    "dimona",
    "rfc",
    "der",
    "pem",
    "base64",
    "stdout",
    "lines",
    "fla_lang",
    "fla_pfx_password",
    "retry",
    "after",
    "post",
    "put",
    "trainings",
    "ctrl",
    "declarationid",
    "cer",
    "sim",
    "learning",
    "account",
    "federal",
    "xlsx",
    "excel",
    "utf",
    "windows",
    "insz",
    // values of flags (the command line is a contract)
    "sandbox",
    "acceptance",
    "production",
    "custom",
    "employer",
    "provider",
    "en",
    "nl",
    "fr",
    "formal",
    "informal",
    "hours",
    "days",
    "true",
    "false",
    // words of Dutch or French too
    "token",
    "simulator",
    "audience",
    "assertion",
    "assertions",
    "scope",
    "alias",
    "var",
    "ms",
    "options",
    "arguments",
    "date",
    "service",
    "client",
    "rapport",
    "base",
    "type",
    "items",
    "item",
    "minimal",
    "seed",
    "commit",
    "mandaat",
    "variable",
    "tab",
    "port",
    "in",
    "is",
    "of",
    "computer",
    "server",
    "argument",
    "messages",
    "version",
    "object",
    "moment",
    "servers",
    "web",
    "contract",
    "app",
    "final",
    "journal",
    "start",
    "lang",
    "refuse",
    // a date's pattern (YYYY-MM-DD, JJJJ-MM-DD, AAAA-MM-JJ)
    "mm",
    "dd",
];

/// The commands' names: they are the same in every language.
const NAMES: &[&str] = &[
    "fla",
    "assistant",
    "cert",
    "inspect",
    "export",
    "token",
    "declare",
    "submit",
    "declarations",
    "search",
    "sim",
    "register",
    "template",
    "help",
    "dimona",
    "periods",
];

fn help(path: &[&str], lang: Option<&str>, env_lang: Option<&str>) -> String {
    let mut cmd = Command::new(&*BIN);
    if let Some(lang) = lang {
        cmd.args(["--lang", lang]);
    }
    cmd.args(path).env_remove("FLA_LANG");
    if path.first() != Some(&"help") {
        cmd.arg("--help");
    }
    if let Some(lang) = env_lang {
        cmd.env("FLA_LANG", lang);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{path:?} --help");
    String::from_utf8(out.stdout).unwrap()
}

/// The flags a help lists, one line each (`-h, --help`, `--pfx <FILE>`).
fn flags(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .flat_map(|line| {
            line.split("  ")
                .next()
                .unwrap_or_default()
                .split(", ")
                .map(|flag| flag.split([' ', '=']).next().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The words of a text, lower case, without flags, paths, dotted names and numbers.
fn words(text: &str) -> BTreeSet<String> {
    text.split_whitespace()
        .filter(|w| !w.starts_with('-') && !w.starts_with('`'))
        .filter(|w| !w.trim_end_matches(['.', ',', ';', ':', ')']).contains('.'))
        .filter(|w| !w.contains('/') && !w.contains('_'))
        .flat_map(|w| {
            w.split(|c: char| !c.is_alphanumeric())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .filter(|w| w.chars().count() > 1 && !w.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

/// English words of `english` still in `translated`.
fn english_left(english: &str, translated: &str) -> Vec<String> {
    let english = words(english);
    words(translated)
        .into_iter()
        .filter(|w| english.contains(w))
        .filter(|w| !SHARED.contains(&w.as_str()) && !NAMES.contains(&w.as_str()))
        .collect()
}

#[test]
fn help_in_dutch_and_french_has_no_english_left_and_every_flag() {
    let mut problems = Vec::new();
    for path in COMMANDS {
        let english = help(path, Some("en"), None);
        assert!(
            english.contains("Usage:") && english.contains("Options"),
            "{english}"
        );
        for (lang, by_flag) in [("nl", true), ("fr", true), ("nl", false), ("fr", false)] {
            let text = if by_flag {
                help(path, Some(lang), Some("en"))
            } else {
                help(path, None, Some(lang))
            };
            let how = if by_flag { "--lang" } else { "FLA_LANG" };
            let left = english_left(&english, &text);
            if !left.is_empty() {
                problems.push(format!(
                    "{path:?} in {lang} ({how}) keeps English words {left:?}"
                ));
            }
            if flags(&text) != flags(&english) || flags(&text).len() < 2 {
                problems.push(format!(
                    "{path:?} in {lang} ({how}) lists other flags: {:?} instead of {:?}",
                    flags(&text),
                    flags(&english)
                ));
            }
            if text == english {
                problems.push(format!("{path:?} in {lang} ({how}) is the English help"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_usage_error_is_said_in_the_language_too() {
    let out = Command::new(&*BIN)
        .args(["token", "--no-such-flag"])
        .env("FLA_LANG", "nl")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--no-such-flag") && err.contains("geen argument"),
        "{err}"
    );
    let english = "error unexpected argument found usage for more information try";
    let left = english_left(english, &err);
    assert!(left.is_empty(), "English in {err}: {left:?}");
}

fn run_human(data: &Path, args: &[&str], lang: &str) -> Output {
    Command::new(&*BIN)
        .args(args)
        .env("FLA_DATA_DIR", data)
        .env("FLA_LANG", lang)
        .env("FLA_PFX_PASSWORD", "Password")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_certificate_one_day_from_its_end_says_day_in_the_singular() {
    // The fixture's own facts: its certificate ends 2027-11-24T01:24:36Z.
    let file = support::fixture("openssl3-aes256.pfx");
    let data = tempfile::tempdir().unwrap();
    let inspect = |now: &str, lang: &str| {
        let out = run_human(data.path(), &["cert", "inspect", &file, "--now", now], lang);
        String::from_utf8(out.stdout).unwrap()
    };
    let one_day = "2027-11-23T01:24:36Z";
    let text = inspect(one_day, "nl");
    assert!(
        text.contains("(nog 1 dag)") && text.contains("over 1 dag."),
        "{text}"
    );
    assert!(text.contains("24/11/2027"), "Belgian date: {text}");
    let text = inspect(one_day, "fr");
    assert!(
        text.contains("(encore 1 jour)") && text.contains("dans 1 jour."),
        "{text}"
    );
    let text = inspect(one_day, "en");
    assert!(text.contains("(1 day left)"), "{text}");
    let text = inspect("2027-11-22T01:24:36Z", "nl");
    assert!(text.contains("(nog 2 dagen)"), "{text}");
    let text = inspect("2027-11-25T01:24:36Z", "fr");
    assert!(text.contains("(expiré depuis 1 jour)"), "{text}");
    let text = inspect("2027-11-25T01:24:36Z", "nl");
    assert!(text.contains("(1 dag geleden vervallen)"), "{text}");
}

fn write_csv(dir: &Path, name: &str, references: &[&str]) -> PathBuf {
    let today = time::OffsetDateTime::now_utc().date();
    let start = today - time::Duration::days(3);
    let end = today - time::Duration::days(2);
    let mut text = String::from("externalReference,enterpriseNumber,ssin,trainingName,trainingType,startDate,endDate,durationValue,durationUnit,followed,countsForFla\n");
    for r in references {
        text.push_str(&format!(
            "{r},0403170701,85073003328,Excel,FORMAL,{start},{end},14,HOURS,true,true\n"
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn counts_take_the_singular_or_the_plural_of_each_language() {
    let data = tempfile::tempdir().unwrap();
    let sim = support::start_sim_with(data.path(), &["--processing-delay-ms", "0"]);
    let client_id = register(data.path(), &sim, &[]);
    let pfx = certs::fresh_arg("openssl3-aes256.pfx");
    let journal = data.path().join("journal.sqlite");
    let journal = journal.to_str().unwrap();
    let submit = |file: &Path, lang: &str| {
        let out = run_human(
            data.path(),
            &[
                "submit",
                file.to_str().unwrap(),
                "--client-id",
                &client_id,
                "--pfx",
                &pfx,
                "--journal",
                journal,
            ],
            lang,
        );
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let search = |lang: &str| {
        let out = run_human(
            data.path(),
            &[
                "declarations",
                "search",
                "--client-id",
                &client_id,
                "--pfx",
                &pfx,
                "--enterprise",
                "0403170701",
            ],
            lang,
        );
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };

    let text = submit(&write_csv(data.path(), "one.csv", &["L-1"]), "fr");
    assert!(text.contains("1 ligne : 1 acceptée ("), "{text}");
    let (list, found) = search("nl");
    assert!(found.contains("1 aangifte gevonden."), "{found}");
    // Dates as people in Belgium write them, the result in words.
    let start = time::OffsetDateTime::now_utc().date() - time::Duration::days(3);
    assert!(
        list.contains(&fla_assistant::i18n::format_date(start)),
        "{list}"
    );
    assert!(list.contains("aanvaard"), "{list}");
    let (_, found) = search("en");
    assert!(found.contains("1 declaration found."), "{found}");

    let text = submit(&write_csv(data.path(), "two.csv", &["L-2", "L-3"]), "nl");
    assert!(text.contains("2 rijen: 2 aanvaard"), "{text}");
    let (_, found) = search("nl");
    assert!(found.contains("3 aangiften gevonden."), "{found}");
    let (_, found) = search("fr");
    assert!(found.contains("3 déclarations trouvées."), "{found}");
}

#[test]
fn a_failing_command_s_json_error_has_no_english_in_dutch() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("bad.json");
    let today = time::OffsetDateTime::now_utc().date();
    std::fs::write(
        &file,
        serde_json::json!({
            "externalReference": "X",
            "employer": { "enterpriseNumber": "0403170701" },
            "worker": { "ssin": "85073003328" },
            "training": {
                "name": "Excel", "type": "FORMAL",
                "startDate": "2025-13-01", "endDate": today.to_string(),
                "duration": { "value": "14", "unit": "HOURS" },
                "followed": true
            }
        })
        .to_string(),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let message = |args: &[&str], lang: &str| -> (String, String) {
        let mut all = args.to_vec();
        all.push("--json");
        let out = run_human(data.path(), &all, lang);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            json["error"]["code"].as_str().unwrap().to_owned(),
            json["error"]["message"].as_str().unwrap().to_owned(),
        )
    };
    let pfx = support::fixture("openssl3-aes256.pfx");
    let cases: [&[&str]; 3] = [
        &[
            "declare",
            "--client-id",
            "x",
            "--pfx",
            "y.pfx",
            "--file",
            file,
        ],
        &[
            "declarations",
            "search",
            "--client-id",
            "x",
            "--pfx",
            "y.pfx",
            "--enterprise",
            "123",
        ],
        &["cert", "inspect", &pfx, "--now", "24/11/2027"],
    ];
    for args in cases {
        let (code, english) = message(args, "en");
        for lang in ["nl", "fr"] {
            let (same_code, text) = message(args, lang);
            assert_eq!(same_code, code, "the code is a contract");
            let left = english_left(&english, &text);
            assert!(
                left.is_empty(),
                "{args:?} in {lang}: {text}\nEnglish: {left:?}"
            );
        }
    }
    let (code, text) = message(cases[0], "nl");
    assert_eq!(code, "not_a_declaration");
    assert!(
        text.contains("training.startDate") && text.contains("moet een datum zijn"),
        "{text}"
    );
}
