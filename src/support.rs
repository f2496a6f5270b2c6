//! What support staff need: the app's log (a file in the data dir, rotated, with
//! no secret in it: tokens and assertions shortened, anything that looks like a
//! password hidden), the failures met with their `BelGov-Trace-Id`, and a
//! diagnostics text to paste into a support call. Writing happens on a thread of
//! its own, so a page that records a line never waits for the disk.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::channel::assertion::shorten;
use crate::i18n::Lang;

/// The log file's name in its folder; rotated copies get `.1`, `.2`, `.3`.
pub const LOG_FILE: &str = "fla-assistant.log";
/// The size beyond which the log is rotated.
pub const ROTATE_AT_BYTES: u64 = 1024 * 1024;
/// How many rotated copies are kept.
pub const ROTATED_COPIES: u32 = 3;
/// How many lines the viewer keeps in memory.
pub const RECENT_LINES: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// RFC 3339, UTC.
    pub at: String,
    pub level: Level,
    /// What part of the app: `certificate`, `token`, `declarations`, `sandbox`…
    pub area: String,
    /// Already redacted.
    pub text: String,
    #[serde(default, rename = "traceId", skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// The text in each language the app speaks (by language code), redacted
    /// too, for the Support page; `text` (English) is what support staff read.
    /// Empty for a line recorded in English only.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<String, String>,
}

impl LogLine {
    /// The text in `lang` where the line has it, else as recorded (English).
    pub fn text_in(&self, lang: Lang) -> &str {
        self.texts
            .get(lang.code())
            .map(String::as_str)
            .unwrap_or(&self.text)
    }

    /// When the line was written, in Brussels time (`dd/mm/yyyy HH:MM:SS`);
    /// the recorded text where it is not RFC 3339.
    pub fn local_time(&self) -> String {
        use time::format_description::well_known::Rfc3339;
        let Ok(at) = time::OffsetDateTime::parse(&self.at, &Rfc3339) else {
            return self.at.clone();
        };
        let local = crate::today::in_brussels(at);
        format!(
            "{:02}/{:02}/{} {:02}:{:02}:{:02}",
            local.day(),
            u8::from(local.month()),
            local.year(),
            local.hour(),
            local.minute(),
            local.second()
        )
    }

    /// Whether the line matches a viewer's filter (any level at or above
    /// `min_level`, and `text` in its area, text or trace id, ignoring case).
    pub fn matches(&self, min_level: Level, text: &str) -> bool {
        if self.level < min_level {
            return false;
        }
        let needle = text.trim().to_lowercase();
        needle.is_empty()
            || self.text.to_lowercase().contains(&needle)
            || self.area.to_lowercase().contains(&needle)
            || self
                .texts
                .values()
                .any(|t| t.to_lowercase().contains(&needle))
            || self
                .trace_id
                .as_deref()
                .is_some_and(|t| t.to_lowercase().contains(&needle))
    }
}

enum Job {
    Write(LogLine),
    Flush(mpsc::Sender<()>),
}

/// The app's log: lines kept in memory for the viewer and appended to the file
/// by a writer thread.
#[derive(Clone)]
pub struct AppLog {
    dir: PathBuf,
    tx: mpsc::Sender<Job>,
    recent: Arc<Mutex<VecDeque<LogLine>>>,
}

impl std::fmt::Debug for AppLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppLog").field("dir", &self.dir).finish()
    }
}

impl AppLog {
    /// A log in `dir` (the data dir's `logs` folder in the app). The lines of
    /// the current file are read back for the viewer, on the writer thread.
    pub fn open(dir: impl Into<PathBuf>) -> AppLog {
        let dir = dir.into();
        let (tx, rx) = mpsc::channel::<Job>();
        let recent = Arc::new(Mutex::new(VecDeque::new()));
        let (writer_dir, writer_recent) = (dir.clone(), recent.clone());
        let spawned = std::thread::Builder::new()
            .name("fla-log".into())
            .spawn(move || writer(writer_dir, writer_recent, rx));
        if let Err(e) = spawned {
            // No thread, no file: the lines still reach the viewer.
            eprintln!("log: cannot start the writer ({e}); the log stays in memory");
        }
        AppLog { dir, tx, recent }
    }

    /// The folder of the log files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records a line (redacted here, whatever the caller passed).
    pub fn record(&self, level: Level, area: &str, text: &str, trace_id: Option<&str>) {
        self.push(LogLine {
            at: now_rfc3339(),
            level,
            area: area.to_owned(),
            text: redact(text),
            trace_id: trace_id.map(str::to_owned),
            texts: BTreeMap::new(),
        });
    }

    /// Records a line that `say` renders in each language: the file's text is
    /// the English one, the Support page shows the user's language.
    pub fn record_localized(
        &self,
        level: Level,
        area: &str,
        say: impl Fn(Lang) -> String,
        trace_id: Option<&str>,
    ) {
        self.push(LogLine {
            at: now_rfc3339(),
            level,
            area: area.to_owned(),
            text: redact(&say(Lang::En)),
            trace_id: trace_id.map(str::to_owned),
            texts: Lang::ALL
                .into_iter()
                .map(|lang| (lang.code().to_owned(), redact(&say(lang))))
                .collect(),
        });
    }

    fn push(&self, line: LogLine) {
        if let Ok(mut recent) = self.recent.lock() {
            push_recent(&mut recent, line.clone());
        }
        let _ = self.tx.send(Job::Write(line));
    }

    /// The lines kept for the viewer, oldest first.
    pub fn recent(&self) -> Vec<LogLine> {
        self.recent
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The failures met, with their trace ids, newest first.
    pub fn failures(&self, at_most: usize) -> Vec<LogLine> {
        self.recent()
            .into_iter()
            .rev()
            .filter(|l| l.level == Level::Error)
            .take(at_most)
            .collect()
    }

    /// Waits until every line recorded so far is on disk (tests, and the app
    /// before it closes; bounded).
    pub fn flush(&self, timeout: std::time::Duration) {
        let (done_tx, done_rx) = mpsc::channel();
        if self.tx.send(Job::Flush(done_tx)).is_ok() {
            let _ = done_rx.recv_timeout(timeout);
        }
    }
}

fn push_recent(recent: &mut VecDeque<LogLine>, line: LogLine) {
    if recent.len() >= RECENT_LINES {
        recent.pop_front();
    }
    recent.push_back(line);
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn writer(dir: PathBuf, recent: Arc<Mutex<VecDeque<LogLine>>>, rx: mpsc::Receiver<Job>) {
    let path = dir.join(LOG_FILE);
    // What the last runs wrote comes first in the viewer.
    if let Ok(text) = std::fs::read_to_string(&path) {
        let old: Vec<LogLine> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if let Ok(mut recent) = recent.lock() {
            let new: Vec<LogLine> = recent.drain(..).collect();
            for line in old.into_iter().chain(new) {
                push_recent(&mut recent, line);
            }
        }
    }
    let _ = std::fs::create_dir_all(&dir);
    for job in rx {
        match job {
            Job::Write(line) => {
                if let Err(e) = append(&dir, &line) {
                    eprintln!("log: cannot write {} ({e})", path.display());
                }
            }
            Job::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}

fn append(dir: &Path, line: &LogLine) -> std::io::Result<()> {
    let path = dir.join(LOG_FILE);
    if std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) >= ROTATE_AT_BYTES {
        rotate(dir)?;
    }
    let mut file = crate::files::private_options()
        .create(true)
        .append(true)
        .open(&path)?;
    let mut bytes = serde_json::to_vec(line).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    file.write_all(&bytes)
}

fn rotate(dir: &Path) -> std::io::Result<()> {
    let name = |n: u32| {
        if n == 0 {
            dir.join(LOG_FILE)
        } else {
            dir.join(format!("{LOG_FILE}.{n}"))
        }
    };
    let _ = std::fs::remove_file(name(ROTATED_COPIES));
    for n in (0..ROTATED_COPIES).rev() {
        if name(n).exists() {
            std::fs::rename(name(n), name(n + 1))?;
        }
    }
    Ok(())
}

/// Hides what must never be in a log or a diagnostics text, and only that:
/// tokens and assertions (three base64url parts, or what follows `Bearer`, or a
/// long opaque value after `token`) are shortened; the VALUE given to a name of
/// a password, secret or private key (`password=…`, `"password": "…"`) and a
/// PEM private key are replaced by `[hidden]`. Ordinary words stay: "the
/// password does not open this file" is a sentence, not a secret.
pub fn redact(text: &str) -> String {
    let text = hide_pem_private_keys(text);
    let text = hide_secret_values(&text);
    let mut out = String::with_capacity(text.len());
    let mut shorten_next = false;
    for piece in split_keep(&text) {
        if piece.chars().all(|c| !is_token_char(c)) {
            out.push_str(piece);
            continue;
        }
        let lower = piece.to_lowercase();
        if shorten_next && piece.len() > 20 {
            out.push_str(&shorten(piece));
            shorten_next = false;
            continue;
        }
        shorten_next = false;
        if lower == "bearer"
            || lower.ends_with("token")
            || lower.contains("assertion")
            || lower == "authorization"
        {
            out.push_str(piece);
            shorten_next = true;
            continue;
        }
        if looks_like_jwt(piece) {
            out.push_str(&shorten(piece));
            continue;
        }
        out.push_str(piece);
    }
    out
}

/// Names whose value is a secret: with `=` or `:` after them.
const SECRET_NAMES: [&str; 11] = [
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "wachtwoord",
    "mot_de_passe",
    "secret",
    "client_secret",
    "private_key",
    "privatekey",
    "pfx_password",
];

/// Whether a word names a secret: one of [`SECRET_NAMES`], or a compound
/// ending in one (`keystore_password`) when `strict` is false.
fn names_a_secret(word: &str, strict: bool) -> bool {
    let lower = word.to_lowercase();
    SECRET_NAMES.contains(&lower.as_str())
        || (!strict
            && SECRET_NAMES
                .iter()
                .any(|n| lower.ends_with(&format!("_{n}")) || lower.ends_with(&format!("-{n}"))))
}

/// Replaces the value after `name=` / `name:` when `name` names a secret. A
/// compound name followed by `: ` and a word is an error code in a sentence
/// (`wrong_password: The password…`): only `=`, or `:` straight before the
/// value or a quote, assign there.
fn hide_secret_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Where the text not yet copied starts.
    let mut copied = 0;
    let mut at = 0;
    let pieces = split_keep(text);
    let mut i = 0;
    while i + 1 < pieces.len() {
        let (name, sep) = (pieces[i], pieces[i + 1]);
        let sep_start = at + name.len();
        at = sep_start;
        i += 1;
        if !name.chars().any(is_token_char) || sep_start < copied {
            continue;
        }
        let core = sep.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
        let assigns = match core {
            "=" => names_a_secret(name, false),
            ":" => {
                let after = sep.split_once(':').map(|(_, a)| a).unwrap_or("");
                let direct = after.is_empty() || after.trim_start().starts_with(['"', '\'']);
                names_a_secret(name, true) || (direct && names_a_secret(name, false))
            }
            _ => false,
        };
        if !assigns {
            continue;
        }
        // The value: up to a space, a quote or a list's separator.
        let quoted = sep.ends_with(['"', '\'']);
        let value_start = sep_start + sep.len();
        let value_len = text[value_start..]
            .find(|c: char| {
                if quoted {
                    c == '"' || c == '\''
                } else {
                    c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '&' | '}' | ')')
                }
            })
            .unwrap_or(text.len() - value_start);
        if value_len == 0 {
            continue;
        }
        out.push_str(&text[copied..value_start]);
        out.push_str("[hidden]");
        copied = value_start + value_len;
    }
    out.push_str(&text[copied..]);
    out
}

/// A PEM private key (`-----BEGIN … PRIVATE KEY-----` to its END line) becomes `[hidden]`.
fn hide_pem_private_keys(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let header_end = rest[begin + 11..].find("-----").map(|e| begin + 11 + e);
        let Some(header_end) = header_end else { break };
        if !rest[begin..header_end].contains("PRIVATE KEY") {
            out.push_str(&rest[..header_end + 5]);
            rest = &rest[header_end + 5..];
            continue;
        }
        out.push_str(&rest[..begin]);
        out.push_str("[hidden]");
        rest = match rest[header_end..].find("-----END ") {
            Some(end) => {
                let after = header_end + end + 9;
                match rest[after..].find("-----") {
                    Some(close) => &rest[after + close + 5..],
                    None => "",
                }
            }
            None => "",
        };
    }
    out.push_str(rest);
    out
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '/' | '~')
}

/// Splits into runs of token characters and runs of the rest, keeping both.
fn split_keep(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut in_token = None;
    for (i, c) in text.char_indices() {
        let t = is_token_char(c);
        if in_token.is_some_and(|prev| prev != t) {
            pieces.push(&text[start..i]);
            start = i;
        }
        in_token = Some(t);
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

fn looks_like_jwt(piece: &str) -> bool {
    let parts: Vec<&str> = piece.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            p.len() >= 8
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// The commit this binary was built from (`unknown` without git).
pub const BUILD_COMMIT: &str = env!("FLA_BUILD_COMMIT");
/// The day it was built (ISO).
pub const BUILD_DATE: &str = env!("FLA_BUILD_DATE");

/// The licences of the app's dependencies, as `scripts/licences.sh` made
/// them from `cargo metadata`: (name, version, licence).
pub fn licences() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    include_str!("../assets/licences.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut cells = l.splitn(3, '\t');
            Some((cells.next()?, cells.next()?, cells.next()?))
        })
}

/// How this copy of the app was installed, for the diagnostics: from a
/// package (a `.deb`, an installer, an `.app`), as an AppImage, or built
/// from source (`cargo run`).
pub fn install_kind() -> &'static str {
    let appimage = std::env::var_os("APPIMAGE").is_some();
    match std::env::current_exe() {
        Ok(exe) => install_kind_of(&exe, appimage),
        Err(_) => "unknown",
    }
}

/// [`install_kind`] for the binary at `exe`.
pub fn install_kind_of(exe: &Path, appimage: bool) -> &'static str {
    if appimage {
        return "AppImage";
    }
    let parts: Vec<String> = exe
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase())
        .collect();
    let has = |name: &str| parts.iter().any(|p| p == name);
    let built = parts
        .windows(2)
        .any(|w| w[0] == "target" && (w[1] == "debug" || w[1] == "release"))
        || parts
            .windows(3)
            .any(|w| w[0] == "target" && (w[2] == "debug" || w[2] == "release"));
    if built {
        "built from source"
    } else if has("usr")
        || has("opt")
        || has("program files")
        || has("applications")
        || parts.iter().any(|p| p.ends_with(".app"))
        // Windows, installed for this user only: %LOCALAPPDATA%\FLA assistant.
        || (has("appdata") && has("local") && has("fla assistant"))
    {
        "package"
    } else {
        "unknown"
    }
}

/// What goes into "Copy diagnostics": facts gathered by the caller.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    pub environment: String,
    pub client_id: String,
    /// Certificate facts and findings, one per line.
    pub certificate: Vec<String>,
    /// The last token test and its diagnosis.
    pub last_token_test: Option<String>,
    /// The last failures, with their trace ids.
    pub failures: Vec<LogLine>,
}

impl Diagnostics {
    /// The text to paste in a support call: redacted as the log is.
    pub fn to_text(&self) -> String {
        let mut lines = vec![
            format!("fla-assistant {}", env!("CARGO_PKG_VERSION")),
            format!("build: {BUILD_COMMIT}, {BUILD_DATE}"),
            format!("install: {}", install_kind()),
            format!("os: {} {}", std::env::consts::OS, std::env::consts::ARCH),
            format!("environment: {}", self.environment),
            format!("client id: {}", self.client_id),
        ];
        lines.push("certificate:".into());
        if self.certificate.is_empty() {
            lines.push("  (none open)".into());
        }
        lines.extend(self.certificate.iter().map(|l| format!("  {l}")));
        lines.push(format!(
            "last token test: {}",
            self.last_token_test.as_deref().unwrap_or("(not run)")
        ));
        lines.push("last failures:".into());
        if self.failures.is_empty() {
            lines.push("  (none)".into());
        }
        for f in &self.failures {
            lines.push(format!(
                "  {} [{}] {}{}",
                f.at,
                f.area,
                f.text,
                f.trace_id
                    .as_deref()
                    .map(|t| format!(" (BelGov-Trace-Id {t})"))
                    .unwrap_or_default()
            ));
        }
        redact(&lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_package_of_the_lock_has_its_licence_listed() {
        let lock =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
        let listed: std::collections::HashSet<(&str, &str)> =
            licences().map(|(n, v, _)| (n, v)).collect();
        let mut missing = Vec::new();
        let mut name = None;
        for line in lock.lines() {
            if let Some(n) = line.strip_prefix("name = ") {
                name = Some(n.trim_matches('"'));
            } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
                let v = v.trim_matches('"');
                if !listed.contains(&(n, v)) && !n.starts_with("fla-") {
                    missing.push(format!("{n} {v}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "not in assets/licences.tsv (run scripts/licences.sh): {missing:?}"
        );
        assert!(licences().all(|(_, _, l)| !l.is_empty()));
    }

    #[test]
    fn the_install_kind_is_told_by_where_the_binary_is() {
        let kind = |p: &str, appimage| install_kind_of(Path::new(p), appimage);
        assert_eq!(kind("/usr/bin/fla-assistant", false), "package");
        assert_eq!(kind("/opt/FLA assistant/fla-assistant", false), "package");
        assert_eq!(
            kind(
                "/Applications/FLA assistant.app/Contents/MacOS/fla-assistant",
                false
            ),
            "package"
        );
        assert_eq!(
            kind("/home/hr/src/fla/target/release/fla-assistant", false),
            "built from source"
        );
        assert_eq!(
            kind(
                "/tmp/t/target/x86_64-unknown-linux-gnu/release/fla-assistant",
                false
            ),
            "built from source"
        );
        assert_eq!(
            kind("/tmp/.mount_fla/usr/bin/fla-assistant", true),
            "AppImage"
        );
        assert_eq!(
            kind(
                "C:/Users/hr/AppData/Local/FLA assistant/fla-assistant.exe",
                false
            ),
            "package"
        );
        assert_eq!(
            kind("C:/Users/hr/AppData/Local/Temp/fla-assistant.exe", false),
            "unknown"
        );
        assert_eq!(kind("/home/hr/bin/fla-assistant", false), "unknown");
    }

    const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJzZWxmX3NlcnZpY2UifQ.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";

    #[test]
    fn secrets_are_hidden_or_shortened() {
        let text = format!(
            "sent client_assertion={JWT} with Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345 and password=Hunter2Secret and access_token \"zyxwvutsrqponmlkjihgfedcba98765\""
        );
        let redacted = redact(&text);
        assert!(!redacted.contains(JWT), "{redacted}");
        assert!(
            !redacted.contains("abcdefghijklmnopqrstuvwxyz012345"),
            "{redacted}"
        );
        assert!(!redacted.contains("Hunter2Secret"), "{redacted}");
        assert!(
            !redacted.contains("zyxwvutsrqponmlkjihgfedcba98765"),
            "{redacted}"
        );
        assert!(redacted.contains("[hidden]"), "{redacted}");
        assert!(redacted.contains("eyJhbGciOi…"), "{redacted}");
        // What is not secret stays readable.
        let plain = "POST /trainings answered 500 (trace 3f2a-77) for 0403.170.701";
        assert_eq!(redact(plain), plain);
    }

    #[test]
    fn ordinary_words_stay_and_only_secret_values_are_hidden() {
        // What the Certificate page says of a wrong password, as it was garbled.
        let message = "wrong_password: The password does not open this file. Check capitals and the keyboard layout; a file exported from Windows uses the password chosen at export, not your Windows password.";
        assert_eq!(redact(message), message);
        for (text, secret) in [
            ("password=Hunter2!Secret next", "Hunter2!Secret"),
            ("{\"password\":\"p@ss w0rd\",\"alias\":\"1\"}", "p@ss w0rd"),
            ("password: Hunter2Secret", "Hunter2Secret"),
            ("pfx_password = s3cr3t;", "s3cr3t"),
            ("client_secret=abc.def", "abc.def"),
            ("wachtwoord=Geheim123", "Geheim123"),
            (
                "key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0\n-----END PRIVATE KEY----- end",
                "MIIEvQIBADANBgkqhkiG9w0",
            ),
        ] {
            let redacted = redact(text);
            assert!(!redacted.contains(secret), "{text} → {redacted}");
            assert!(redacted.contains("[hidden]"), "{text} → {redacted}");
        }
        assert_eq!(redact("password=abc next"), "password=[hidden] next");
        // A certificate (public) stays.
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        assert_eq!(redact(cert), cert);
    }

    #[test]
    fn the_log_is_written_redacted_read_back_and_rotated() {
        let dir = tempfile::tempdir().unwrap();
        let log = AppLog::open(dir.path());
        log.record(Level::Info, "token", &format!("got token {JWT}"), None);
        log.record(
            Level::Error,
            "declarations",
            "POST /trainings answered 500",
            Some("trace-123"),
        );
        log.flush(std::time::Duration::from_secs(5));
        let text = std::fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
        assert!(!text.contains(JWT), "{text}");
        assert!(text.contains("trace-123"));
        assert_eq!(log.failures(10)[0].trace_id.as_deref(), Some("trace-123"));
        assert!(log.recent()[1].matches(Level::Warning, "TRACE-1"));
        assert!(!log.recent()[0].matches(Level::Warning, ""));
        drop(log);

        // A new run shows what the last one wrote.
        let again = AppLog::open(dir.path());
        again.flush(std::time::Duration::from_secs(5));
        assert_eq!(again.recent().len(), 2);

        // Past the size, the file is rotated and only three copies are kept.
        let big = "x".repeat(200_000);
        for _ in 0..25 {
            again.record(Level::Info, "bulk", &big, None);
        }
        again.flush(std::time::Duration::from_secs(5));
        assert!(dir.path().join(format!("{LOG_FILE}.1")).exists());
        assert!(!dir.path().join(format!("{LOG_FILE}.4")).exists());
        let size = std::fs::metadata(dir.path().join(LOG_FILE)).unwrap().len();
        assert!(size <= ROTATE_AT_BYTES + 250_000, "{size}");
    }

    #[test]
    fn diagnostics_say_what_support_needs_without_secrets() {
        let d = Diagnostics {
            environment: "sandbox".into(),
            client_id: "self_service_chaman_123_abcdefghij".into(),
            certificate: vec!["alias 1, RSA 2048, valid until 2027-10-25".into()],
            last_token_test: Some(format!("refused: invalid_client (assertion {JWT})")),
            failures: vec![LogLine {
                at: "2026-11-25T10:00:00Z".into(),
                level: Level::Error,
                area: "declarations".into(),
                text: "500".into(),
                trace_id: Some("abc-1".into()),
                texts: BTreeMap::new(),
            }],
        };
        let text = d.to_text();
        assert!(text.contains("self_service_chaman_123_abcdefghij"));
        assert!(text.contains("BelGov-Trace-Id abc-1"));
        assert!(text.contains(env!("CARGO_PKG_VERSION")));
        assert!(!text.contains(JWT), "{text}");
    }
}
