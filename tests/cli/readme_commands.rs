//! The README's command examples, run with the binary Cargo built, each
//! checked for the exit code the README states for it.
//!
//! Which lines are examples:
//!
//! - a fenced block is a command block when one of its lines begins with
//!   `fla-assistant `; it is a block of examples when no line has a `[` (the
//!   synopsis blocks write their optional flags in brackets, and are not run).
//!   The set-up block (`cargo run --release`, `cargo test`) has no such line.
//!   Each line of an example block is run, in order, as one script: in a
//!   folder of its own (the working directory, where `company.pfx` is made and
//!   `company.cer` written), with a data and a settings folder of its own;
//! - an inline `` `fla-assistant …` `` with something after the name
//!   (`fla-assistant --version`) is an example of its own.
//!
//! What the placeholders stand for:
//!
//! - `company.pfx`: a `.pfx` made at test time in the example's folder (the
//!   key and alias `1` of fixture `openssl3-aes256.pfx`, password in
//!   `FLA_PFX_PASSWORD`), valid now and at every `--now` the examples give;
//! - `http://127.0.0.1:PORT/admin/KEY`: the `admin_url` of the `sim` the test
//!   started for the example's `fla-assistant sim &`;
//! - `self_service_chaman_…`: the `client_id` the example's `sim-register`
//!   printed.
//!
//! Any other word in capitals (`FILE`, `PORT`) or `…` left in a line fails
//! the test: a new example with a new placeholder is said here first. A line
//! that is neither a command nor in [`SKIPPED`] fails it too. The exit code
//! expected is 0, unless the line's comment says `exit N`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fla_test_support::certs;
use fla_test_support::cli as support;
use serde_json::Value;

/// What the test does instead of a line that cannot run headless.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Instead {
    /// The password is in each command's environment already.
    PasswordSet,
    /// The test starts `sim` itself, on the example's data folder.
    StartSim,
}

/// Lines (by their beginning) that are not run, why, and what is done instead.
const SKIPPED: &[(&str, &str, Instead)] = &[
    (
        "read -rs FLA_PFX_PASSWORD",
        "it reads the password from a terminal: the test sets FLA_PFX_PASSWORD in \
         each command's environment instead",
        Instead::PasswordSet,
    ),
    (
        "fla-assistant sim &",
        "it runs in the background until killed: the test starts `sim` itself on the \
         example's data folder (support::start_sim) and takes PORT and KEY from its line",
        Instead::StartSim,
    ),
];

/// Environment variables an example may name (not placeholders).
const KNOWN_WORDS: &[&str] = &[
    "FLA_PFX_PASSWORD",
    "FLA_LANG",
    "FLA_DATA_DIR",
    "FLA_CONFIG_DIR",
];

/// How long one command may take before the test calls it stuck.
const PATIENCE: Duration = Duration::from_secs(120);

/// One line of an example: where it is, the command, its comment.
#[derive(Debug, Clone)]
struct Line {
    at: usize,
    command: String,
    comment: String,
}

impl Line {
    fn new(at: usize, text: &str) -> Line {
        let (command, comment) = match text.find(" #") {
            Some(i) => (&text[..i], text[i + 2..].trim()),
            None => (text, ""),
        };
        Line {
            at,
            command: command.trim().to_owned(),
            comment: comment.to_owned(),
        }
    }

    /// The exit code its comment states (`exit 1`), else 0.
    fn expected_exit(&self) -> i32 {
        self.comment
            .split("exit ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

/// The README's example blocks and inline examples (see the module's doc).
fn examples(readme: &str) -> (Vec<Vec<Line>>, Vec<Line>) {
    let mut blocks = Vec::new();
    let mut inline = Vec::new();
    let mut block: Option<Vec<(usize, String)>> = None;
    for (i, text) in readme.lines().enumerate() {
        let at = i + 1;
        if text.starts_with("```") {
            match block.take() {
                None => block = Some(Vec::new()),
                Some(lines) => {
                    let commands = lines.iter().any(|(_, l)| l.starts_with("fla-assistant "));
                    let synopsis = lines.iter().any(|(_, l)| l.contains('['));
                    if commands && !synopsis {
                        blocks.push(
                            lines
                                .iter()
                                .filter(|(_, l)| !l.trim().is_empty())
                                .map(|(at, l)| Line::new(*at, l))
                                .collect(),
                        );
                    }
                }
            }
            continue;
        }
        if let Some(lines) = &mut block {
            lines.push((at, text.to_owned()));
            continue;
        }
        for span in text.split('`').skip(1).step_by(2) {
            if span.starts_with("fla-assistant ") {
                inline.push(Line::new(at, span));
            }
        }
    }
    assert!(block.is_none(), "README.md: a fence is not closed");
    (blocks, inline)
}

/// Where an example runs: its folder, data and settings folders, and what
/// its earlier lines left (the sandbox, the client ID).
struct Run {
    dir: tempfile::TempDir,
    data: tempfile::TempDir,
    config: tempfile::TempDir,
    sim: Option<support::Sim>,
    client_id: Option<String>,
}

impl Run {
    /// A fresh folder with `company.pfx` valid from `from` to `until`.
    fn new(from: time::OffsetDateTime, until: time::OffsetDateTime) -> Run {
        let run = Run {
            dir: tempfile::tempdir().unwrap(),
            data: tempfile::tempdir().unwrap(),
            config: tempfile::tempdir().unwrap(),
            sim: None,
            client_id: None,
        };
        certs::renewed_pfx(
            "openssl3-aes256.pfx",
            &run.dir.path().join("company.pfx"),
            from,
            until,
        );
        run
    }

    /// The line's arguments, its placeholders filled in.
    fn arguments(&self, line: &Line) -> Vec<String> {
        let mut command = line.command.clone();
        if command.contains("http://127.0.0.1:PORT/admin/KEY") {
            let sim = self.sim.as_ref().unwrap_or_else(|| {
                panic!(
                    "README.md:{}: PORT/KEY without a `sim &` before it",
                    line.at
                )
            });
            let admin = sim.line["admin_url"].as_str().unwrap();
            command = command.replace("http://127.0.0.1:PORT/admin/KEY", admin);
        }
        if command.contains("self_service_chaman_…") {
            let id = self.client_id.as_deref().unwrap_or_else(|| {
                panic!(
                    "README.md:{}: a client ID without a `sim-register` before it",
                    line.at
                )
            });
            command = command.replace("self_service_chaman_…", id);
        }
        for shell in ["'", "\"", "$", "|", ">", "<", "&", ";", "`"] {
            assert!(
                !command.contains(shell),
                "README.md:{}: `{shell}` in `{}`: a shell construct the test does not run \
                 (extend tests/cli/readme_commands.rs)",
                line.at,
                line.command
            );
        }
        let unknown: Vec<&str> = command
            .split(|c: char| !(c.is_ascii_alphabetic() || c == '_' || c == '…'))
            .filter(|w| {
                w.contains('…')
                    || (w.len() >= 2
                        && w.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                        && !KNOWN_WORDS.contains(w))
            })
            .collect();
        assert!(
            unknown.is_empty(),
            "README.md:{}: unknown placeholder(s) {unknown:?} in `{}`: say in \
             tests/cli/readme_commands.rs what they stand for",
            line.at,
            line.command
        );
        command
            .split_whitespace()
            .skip(1) // the binary's name
            .map(str::to_owned)
            .collect()
    }

    /// Runs one line: its exit code, stdout and stderr.
    fn run(&mut self, line: &Line) -> (i32, String, String) {
        let args = self.arguments(line);
        let mut child = Command::new(&*support::BIN)
            .args(&args)
            .current_dir(self.dir.path())
            .env("FLA_DATA_DIR", self.data.path())
            .env("FLA_CONFIG_DIR", self.config.path())
            .env("FLA_LANG", "en")
            .env("FLA_PFX_PASSWORD", certs::PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > PATIENCE {
                let _ = child.kill();
                panic!(
                    "README.md:{}: `{}` did not end within {PATIENCE:?}",
                    line.at, line.command
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if let Ok(json) = serde_json::from_str::<Value>(&stdout) {
            if let Some(id) = json["client_id"].as_str() {
                self.client_id = Some(id.to_owned());
            }
        }
        (
            out.status.code().unwrap_or(-1),
            stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// The moments the examples' `--now` name, as RFC 3339.
fn nows(lines: &[&Line]) -> Vec<time::OffsetDateTime> {
    lines
        .iter()
        .flat_map(|l| {
            let words: Vec<&str> = l.command.split_whitespace().collect();
            words
                .windows(2)
                .filter(|w| w[0] == "--now")
                .map(|w| {
                    time::OffsetDateTime::parse(
                        w[1],
                        &time::format_description::well_known::Rfc3339,
                    )
                    .unwrap()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn skipped(line: &Line) -> Option<&'static (&'static str, &'static str, Instead)> {
    SKIPPED
        .iter()
        .find(|(start, ..)| line.command.starts_with(start))
}

#[test]
fn the_readmes_command_examples_run_with_the_exit_code_it_states() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let (blocks, inline) = examples(&readme);
    let all: Vec<&Line> = blocks.iter().flatten().chain(&inline).collect();
    // The certificate is valid now and at every `--now` of the examples.
    let now = time::OffsetDateTime::now_utc();
    let moments = nows(&all);
    let from = moments.iter().copied().chain([now]).min().unwrap() - time::Duration::days(30);
    let until = moments.iter().copied().chain([now]).max().unwrap() + time::Duration::days(365);

    let mut ran = Vec::new();
    let mut skips_met = Vec::new();
    let scripts = blocks.iter().map(Vec::as_slice).chain(inline.chunks(1));
    for script in scripts {
        let mut run = Run::new(from, until);
        for line in script {
            if let Some((start, why, instead)) = skipped(line) {
                eprintln!("README.md:{}: `{start}…` not run: {why}", line.at);
                skips_met.push(*start);
                if *instead == Instead::StartSim {
                    run.sim = Some(support::start_sim(run.data.path()));
                }
                continue;
            }
            assert!(
                line.command.starts_with("fla-assistant "),
                "README.md:{}: `{}` in an example block is neither a command nor a line \
                 the test knows to skip (SKIPPED)",
                line.at,
                line.command
            );
            let (code, stdout, stderr) = run.run(line);
            assert_eq!(
                code,
                line.expected_exit(),
                "README.md:{}: `{}` exits {code}, the README says {}\nstdout: {stdout}\nstderr: {stderr}",
                line.at,
                line.command,
                line.expected_exit()
            );
            ran.push(line.command.clone());
        }
    }

    for (start, ..) in SKIPPED {
        assert!(
            skips_met.contains(start),
            "SKIPPED names `{start}`, which no example has any more"
        );
    }
    // The examples as the README has them today, so that a parser that
    // found nothing cannot pass: each kind is met.
    for kind in [
        "fla-assistant cert inspect",
        "fla-assistant cert export",
        "fla-assistant sim-register",
        "fla-assistant token",
        "fla-assistant --version",
        "fla-assistant help",
    ] {
        assert!(
            ran.iter().any(|c| c.starts_with(kind)),
            "no example `{kind} …` was run: {ran:#?}"
        );
    }
    eprintln!("{} README examples run: {ran:#?}", ran.len());
}
