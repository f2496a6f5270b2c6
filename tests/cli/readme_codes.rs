//! The README's codes tables (Command line, "Codes") against the source, both
//! ways: (a) every code the command line can print is in a table; (b) every
//! code in a table is one the source can print.
//!
//! What the command line can print is collected from the source as text:
//!
//! - the `fn code(` bodies of the types named in [`CODE_FNS`] as taken (their
//!   string literals, and the `&str` constants they name); every `fn code(`
//!   in `src/` must be named there, taken or left out with the reason, so a
//!   new one fails this test until it is placed;
//! - in `src/cli` and `src/main.rs`: `CliError { code: "…" }` and
//!   `CliError::usage("…", …)`, `"code": "…"` and `"cause": "…"` in JSON,
//!   `error_code: Some("…")`, `error_line(lang, "…")` and `&str` constants;
//! - the codes the engine gives a row's error (`RowError::localized("…")` in
//!   `src/submit/engine*`), which the report's `errorCode` prints;
//! - the row problem codes of `src/submit/import/rows.rs`: its snake_case
//!   literals with an underscore, and what `fn rule_code` answers; and those
//!   of a Dimona file (`src/dimona/import.rs`: `Why::Bad("…")`, and the
//!   code of an empty value).
//!
//! A few codes the scan finds cannot be printed by any command: they are in
//! [`NOT_PRINTED`] with the reason, and must not be in the tables. A code the
//! token server chooses (an RFC 6749 error) is dynamic: the table lists the
//! RFC's own, in a row that says "RFC 6749", which [`RFC_6749`] allows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Whether the codes of a `fn code(` are the command line's.
enum Use {
    /// Printed by some command: in the README's tables.
    Taken,
    /// Not printed as a code by any command, or printed as another key's
    /// value documented where that key is: why.
    LeftOut(&'static str),
}
use Use::{LeftOut, Taken};

/// Every `fn code(` of `src/`, by file and by the type its `impl` is for.
const CODE_FNS: &[(&str, &str, Use)] = &[
    ("src/cert/mod.rs", "CertError", Taken),
    (
        "src/cert/mod.rs",
        "Severity",
        LeftOut("a finding's `severity`: the Severity column of the findings table"),
    ),
    ("src/cert/mod.rs", "Finding", Taken),
    ("src/channel/diagnosis.rs", "Cause", Taken),
    (
        "src/channel/env.rs",
        "EnvironmentKind",
        LeftOut("the values of `--env`, in the synopsis"),
    ),
    (
        "src/channel/env.rs",
        "Role",
        LeftOut("the values of `--role`, in the synopsis"),
    ),
    ("src/channel/mod.rs", "ChannelError", Taken),
    ("src/channel/token.rs", "TokenFailure", Taken),
    (
        "src/checklist.rs",
        "Role",
        LeftOut("the app's Checklist roles: no command reads them"),
    ),
    (
        "src/checklist.rs",
        "Step",
        LeftOut("the app's Checklist steps: no command reads them"),
    ),
    (
        "src/checklist.rs",
        "Rehearsal",
        LeftOut("the app's rehearsal steps: no command reads them"),
    ),
    ("src/dimona/import.rs", "DimonaImportError", Taken),
    (
        "src/dimona/send.rs",
        "DeclareError",
        LeftOut("passes on the codes of EngineError, ApiError and a row's error (the engine's), each placed here; a row without one prints its state, as the FLA's declare does"),
    ),
    (
        "src/dimona/wire.rs",
        "Part",
        LeftOut("a Dimona declaration's part: no command prints it"),
    ),
    (
        "src/dimona/wire.rs",
        "DimonaResult",
        LeftOut("`declare --service dimona`'s `status`: listed in the README's Dimona section"),
    ),
    (
        "src/dimona/wire.rs",
        "PeriodStatus",
        LeftOut("a Dimona period's state, said in words (its JSON is the wire's `status`)"),
    ),
    ("src/files.rs", "FileError", Taken),
    (
        "src/ui/dimona.rs",
        "WorkerKind",
        LeftOut("the Dimona page's worker types (the app's)"),
    ),
    ("src/fla/error.rs", "ApiError", Taken),
    (
        "src/i18n.rs",
        "Lang",
        LeftOut("the values of `--lang`, in the prose"),
    ),
    ("src/identifiers.rs", "SsinError", Taken),
    (
        "src/profile/secret.rs",
        "SecretError",
        LeftOut(
            "the keychain is the app's (the command line takes the password from the environment)",
        ),
    ),
    (
        "src/profile/store.rs",
        "ProfileError",
        LeftOut("profiles are the app's: no command reads or writes one"),
    ),
    (
        "src/sandbox/mod.rs",
        "SandboxError",
        LeftOut("said through `sandbox_failed` (`sim`) or `no_sandbox` (the connection flags)"),
    ),
    (
        "src/submit/engine/drafts.rs",
        "DraftError",
        LeftOut("the app's drafts (edit, delete, correct, cancel): no command makes one"),
    ),
    (
        "src/submit/engine/types.rs",
        "Skip",
        LeftOut("why the app's Submit/Check buttons skip a row: no command prints it"),
    ),
    ("src/submit/engine/types.rs", "EngineError", Taken),
    ("src/submit/import/error.rs", "ImportError", Taken),
    (
        "src/submit/import/mapping.rs",
        "MappedBy",
        LeftOut("the values of a dry run's `mappedBy`, listed where the README shows that key"),
    ),
    ("src/submit/input.rs", "InputError", Taken),
    ("src/submit/journal.rs", "JournalError", Taken),
    (
        "src/submit/journal/record.rs",
        "UnreadableRow",
        LeftOut("the engine's snapshot lists unreadable rows for the app; no command prints them"),
    ),
    (
        "src/submit/owner.rs",
        "Holder",
        LeftOut("who holds a journal, said in `journal_in_use`'s message, never as a code"),
    ),
    ("src/submit/state.rs", "State", Taken),
];

/// Types whose `fn code(` has an arm that is no literal: where its codes come from.
const DYNAMIC_ARMS: &[(&str, &str)] = &[
    (
        "TokenFailure",
        "OAuth: the token server's RFC 6749 `error`, as it sent it (RFC_6749)",
    ),
    (
        "ApiError",
        "Token: a TokenFailure's, a ChannelError's or a Finding's code (all taken)",
    ),
];

/// Codes the scan finds that no command can print, and why.
const NOT_PRINTED: &[(&str, &str)] = &[
    (
        "test_certificate",
        "CertError: the sandbox's test certificate is made by the app only",
    ),
    (
        "not_found",
        "ApiError: only a cancellation meets it, and only the app cancels",
    ),
    (
        "ssin_invalid",
        "rule_code: the SSIN's own check (ssin_*) says it first, and the rule is not said again",
    ),
    (
        "provider_enterprise_checksum",
        "rule_code: the cell's own check (enterprise_*) says it first",
    ),
    (
        "rule",
        "rule_code: a rule without a code of its own; every rule the tool checks has one",
    ),
];

/// The errors of RFC 6749 (5.2) a token server answers: dynamic codes the
/// errors table lists in a row that says "RFC 6749".
const RFC_6749: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A source file without its unit tests (from the first `#[cfg(test)]`).
fn source(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Every `.rs` file under `dir`, as paths relative to the project.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// The string literals of `text` (no escapes in codes).
fn literals(text: &str) -> Vec<&str> {
    text.split('"').skip(1).step_by(2).collect()
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        // (`"missing_"` is a prefix a code is matched on, not a code)
        && !s.ends_with('_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The block that opens at the first `{` at or after `from`, braces included.
fn block(text: &str, from: usize) -> &str {
    let open = from + text[from..].find('{').unwrap();
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open..=open + i];
                }
            }
            _ => {}
        }
    }
    panic!("no end to the block at {from}")
}

/// `const NAME: &str = "value";` anywhere in `src/`.
fn str_constants(files: &[PathBuf]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for f in files {
        let text = source(f);
        for line in text.lines() {
            let line = line.trim();
            let Some(rest) = line
                .strip_prefix("pub const ")
                .or_else(|| line.strip_prefix("const "))
            else {
                continue;
            };
            if let Some((name, value)) = rest.split_once(": &str = \"") {
                if let Some(value) = value.strip_suffix("\";") {
                    found.insert(name.trim().to_owned(), value.to_owned());
                }
            }
        }
    }
    found
}

/// The type an `impl` line is for: `impl X {`, `impl<'a> X<'a> {`,
/// `impl Trait for X {`.
fn impl_type(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("impl")?;
    let mut rest = match rest.strip_prefix('<') {
        // The impl's own generics skipped.
        Some(generics) => {
            let mut depth = 1;
            let end = generics.char_indices().find_map(|(i, c)| {
                match c {
                    '<' => depth += 1,
                    '>' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(i + 1)
            })?;
            &generics[end..]
        }
        None if rest.starts_with(' ') => rest,
        None => return None,
    };
    rest = rest.split('{').next().unwrap_or_default();
    rest = rest.rsplit(" for ").next().unwrap_or(rest);
    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .find(|w| !w.is_empty())
        .map(str::to_owned)
}

/// Each `fn code(` of `text`: the type of the `impl` it is in, and its body.
fn code_fns(text: &str) -> Vec<(String, &str)> {
    let mut found = Vec::new();
    let mut ty = String::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(t) = impl_type(line) {
            ty = t;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("pub fn code(") || trimmed.starts_with("fn code(") {
            found.push((ty.clone(), block(text, offset)));
        }
        offset += line.len();
    }
    found
}

/// The codes one `fn code(` body can give: its snake_case literals and the
/// constants it names; the arms that are neither are returned apart.
fn body_codes(body: &str, constants: &BTreeMap<String, String>) -> (Vec<String>, Vec<String>) {
    let mut codes = Vec::new();
    let mut dynamic = Vec::new();
    for arm in body.lines().filter(|l| l.contains("=>")) {
        let rhs = arm.split("=>").nth(1).unwrap_or_default();
        let mut found = false;
        for lit in literals(rhs) {
            if is_code(lit) {
                codes.push(lit.to_owned());
                found = true;
            }
        }
        for word in rhs.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if let Some(value) = constants.get(word) {
                codes.push(value.clone());
                found = true;
            }
        }
        // Another type's `code()` (taken or left out on its own line).
        if !found && !rhs.contains(".code()") {
            dynamic.push(arm.trim().to_owned());
        }
    }
    (codes, dynamic)
}

/// The literal that follows each `prefix` in `text` (whitespace and a `lang,`
/// argument skipped).
fn literals_after(text: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let mut rest = text[at + prefix.len()..].trim_start();
        if let Some(r) = rest.strip_prefix("lang,") {
            rest = r.trim_start();
        }
        if let Some(r) = rest.strip_prefix('"') {
            let lit = r.split('"').next().unwrap_or_default();
            if is_code(lit) {
                found.push(lit.to_owned());
            }
        }
    }
    found
}

/// Every code the scan finds, with where it was found.
fn scanned() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    let constants = str_constants(&files);
    let mut codes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |code: String, place: String| {
        codes.entry(code).or_default().insert(place);
    };

    // 1. `fn code(` bodies: every one placed, the taken ones read.
    let mut seen = BTreeSet::new();
    for f in &files {
        let file = relative(f);
        let text = source(f);
        for (ty, body) in code_fns(&text) {
            let place = CODE_FNS
                .iter()
                .find(|(p, t, _)| *p == file && *t == ty)
                .unwrap_or_else(|| {
                    panic!(
                        "{file}: `fn code(` of {ty} is not in CODE_FNS: say whether the \
                         command line prints its codes (Taken, and in the README's tables) \
                         or why not (LeftOut)"
                    )
                });
            seen.insert((file.clone(), ty.clone()));
            if let LeftOut(why) = place.2 {
                assert!(!why.is_empty(), "{file} {ty}: left out without a reason");
            }
            if let Taken = place.2 {
                let (found, dynamic) = body_codes(body, &constants);
                for code in found {
                    add(code, format!("{file} ({ty}::code)"));
                }
                if !dynamic.is_empty() {
                    assert!(
                        DYNAMIC_ARMS.iter().any(|(t, _)| *t == ty),
                        "{file}: {ty}::code has arms without a literal code: {dynamic:?}; \
                         say where their codes come from in DYNAMIC_ARMS"
                    );
                }
            }
        }
    }
    for (file, ty, _) in CODE_FNS {
        assert!(
            seen.contains(&(file.to_string(), ty.to_string())),
            "CODE_FNS names {file} {ty}, which has no `fn code(` any more"
        );
    }

    // 2. The command line's own codes.
    for f in &files {
        let file = relative(f);
        if !(file.starts_with("src/cli/") || file == "src/main.rs") {
            continue;
        }
        let text = source(f);
        for prefix in [
            "code: \"",
            "CliError::usage(",
            "\"code\": \"",
            "(\"code\", \"",
            "error_code: Some(\"",
            "\"cause\": \"",
            "error_line(",
        ] {
            // A prefix that ends in a quote: the literal begins there.
            let prefix = prefix.strip_suffix('"').unwrap_or(prefix);
            for code in literals_after(&text, prefix) {
                add(code, file.clone());
            }
        }
        for line in text.lines() {
            if line.contains("const ") && line.contains(": &str = \"") {
                if let Some(value) = literals(line).first().filter(|v| is_code(v)) {
                    add((*value).to_owned(), file.clone());
                }
            }
        }
    }

    // 3. A row's error, as the engine records it.
    for f in &files {
        let file = relative(f);
        if !file.starts_with("src/submit/engine") {
            continue;
        }
        for code in literals_after(&source(f), "RowError::localized(") {
            add(code, file.clone());
        }
    }

    // 4. The row problems of a file.
    let rows = "src/submit/import/rows.rs";
    let text = source(&root().join(rows));
    for lit in literals(&text) {
        if is_code(lit) && lit.contains('_') {
            add(lit.to_owned(), rows.to_owned());
        }
    }
    let at = text
        .find("fn rule_code(")
        .expect("rows.rs has fn rule_code");
    for lit in literals(block(&text, at)) {
        if is_code(lit) {
            add(lit.to_owned(), format!("{rows} (rule_code)"));
        }
    }

    // 5. The row problems of a Dimona file: a value that cannot be read
    // (`Why::Bad("…")`) and an empty one a part needs.
    let dimona = "src/dimona/import.rs";
    let text = source(&root().join(dimona));
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    for needle in ["Why::Bad(", "Why::Missing => "] {
        for code in literals_after(text, needle) {
            add(code, dimona.to_owned());
        }
    }
    codes
}

/// The README's "Codes" section: each table's codes (the first cell's
/// backticked words), with the row they are in.
fn readme_codes() -> BTreeMap<String, Vec<String>> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("\n### Codes\n")
        .expect("the README has a '### Codes' section");
    let section = &readme[start + 1..];
    let end = section[4..]
        .find("\n## ")
        .into_iter()
        .chain(section[4..].find("\n### "))
        .min()
        .map_or(section.len(), |e| e + 4);
    let section = &section[..end];
    let mut codes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut header = true;
    for line in section.lines() {
        if !line.starts_with('|') {
            header = true;
            continue;
        }
        if header || line.starts_with("| ---") {
            header = false;
            continue;
        }
        let first = line.split('|').nth(1).unwrap_or_default();
        let words: Vec<&str> = first.split('`').skip(1).step_by(2).collect();
        assert!(!words.is_empty(), "a table row without a code: {line}");
        for w in words {
            assert!(is_code(w), "not a code: `{w}` in {line}");
            codes.entry(w.to_owned()).or_default().push(line.to_owned());
        }
    }
    codes
}

#[test]
fn every_code_the_command_line_prints_is_in_the_readme_and_back() {
    let scan = scanned();
    let readme = readme_codes();

    for (code, why) in NOT_PRINTED {
        assert!(
            scan.contains_key(*code),
            "NOT_PRINTED names `{code}` ({why}), which the scan no longer finds"
        );
        assert!(
            !readme.contains_key(*code),
            "`{code}` is in the README's codes tables, but no command prints it: {why}"
        );
    }
    let printed: BTreeMap<&String, &BTreeSet<String>> = scan
        .iter()
        .filter(|(code, _)| !NOT_PRINTED.iter().any(|(c, _)| c == code))
        .collect();

    // (a) what the command line prints is in the tables.
    let missing: Vec<String> = printed
        .iter()
        .filter(|(code, _)| !readme.contains_key(**code))
        .map(|(code, places)| format!("`{code}` (from {places:?})"))
        .collect();
    assert!(
        missing.is_empty(),
        "printed by the command line but not in the README's codes tables:\n{}",
        missing.join("\n")
    );

    // (b) what the tables list is printed; the token server's own errors as such.
    for code in RFC_6749 {
        let rows = readme
            .get(*code)
            .unwrap_or_else(|| panic!("the errors table lacks the RFC 6749 error `{code}`"));
        assert!(
            rows.iter().all(|r| r.contains("RFC 6749")),
            "`{code}` is the token server's (RFC 6749): its row must say so"
        );
    }
    let unknown: Vec<&String> = readme
        .keys()
        .filter(|code| !printed.contains_key(code) && !RFC_6749.contains(&code.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "in the README's codes tables but printed by no command: {unknown:?}"
    );
}

#[test]
fn the_scan_finds_what_it_is_meant_to() {
    // A scan that found nothing would pass the test above with empty tables.
    let scan = scanned();
    for code in [
        "wrong_password",
        "expired",
        "client_or_certificate",
        "missing_token_url",
        "server_error",
        "ssin_future_birth",
        "journal_in_use",
        "usage",
        "not_a_declaration",
        "certificate",
        "gui",
        "resumed",
        "late",
        "reference_conflict",
        "draft",
        "response_too_large",
        "duplicate_row",
    ] {
        assert!(scan.contains_key(code), "the scan misses `{code}`");
    }
}
