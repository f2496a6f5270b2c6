//! Message lookup: every user-facing string goes through here, by key, in English,
//! Dutch or French. The message files live in `assets/i18n/*.txt` (`key = value`,
//! `{name}` placeholders) and are compiled in; this module does no other I/O.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Lang {
    #[default]
    En,
    Nl,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Nl, Lang::Fr];

    /// The language's own name, as shown in the language picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Nl => "Nederlands",
            Lang::Fr => "Français",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
            Lang::Fr => "fr",
        }
    }

    /// Parses `en`, `nl-BE`, `fr_BE.UTF-8` and the like; `None` for other languages.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .split(['-', '_', '.'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "nl" => Some(Lang::Nl),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// The system's language where it is one of ours, English otherwise.
    pub fn system() -> Lang {
        sys_locale::get_locale()
            .as_deref()
            .and_then(Lang::from_tag)
            .unwrap_or_default()
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../assets/i18n/en.txt"),
            Lang::Nl => include_str!("../assets/i18n/nl.txt"),
            Lang::Fr => include_str!("../assets/i18n/fr.txt"),
        }
    }

    fn table(self) -> &'static HashMap<String, String> {
        static TABLES: [OnceLock<HashMap<String, String>>; 3] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let index = match self {
            Lang::En => 0,
            Lang::Nl => 1,
            Lang::Fr => 2,
        };
        TABLES[index].get_or_init(|| parse_messages(self.source()))
    }
}

/// Parses a message file: `key = value` lines, `#` comments, `\n` for a line break.
pub fn parse_messages(source: &str) -> HashMap<String, String> {
    source
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once(" = "))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().replace("\\n", "\n")))
        .collect()
}

/// The message for `key` in `lang` (English where the language lacks it, the key
/// itself where English lacks it too, so a missing text shows rather than hides).
pub fn tr(lang: Lang, key: &str) -> String {
    lang.table()
        .get(key)
        .or_else(|| Lang::En.table().get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// The message for `key` with `{name}` placeholders filled in.
pub fn tr_args(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut text = tr(lang, key);
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// The keys each language defines: for the completeness test and the tooling.
pub fn keys(lang: Lang) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = lang.table().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// A count with the language's thousands separator: 600,000 / 600.000 / 600 000.
pub fn format_count(lang: Lang, n: u64) -> String {
    let sep = match lang {
        Lang::En => ',',
        Lang::Nl => '.',
        Lang::Fr => '\u{00A0}',
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// Which plural form a count takes in a language (CLDR cardinal rules): in
/// English and Dutch only 1 is singular; in French 0 and 1 are.
pub fn is_singular(lang: Lang, n: u64) -> bool {
    match lang {
        Lang::En | Lang::Nl => n == 1,
        Lang::Fr => n <= 1,
    }
}

/// A plural-aware lookup: `key.one` or `key.other` by the language's rule, with
/// `{n}` filled in as a count in the language's form ("1 aangifte gevonden",
/// "3 aangiften gevonden", "0 déclaration trouvée").
pub fn tr_n(lang: Lang, key: &str, n: u64, args: &[(&str, String)]) -> String {
    let form = if is_singular(lang, n) { "one" } else { "other" };
    let mut all: Vec<(&str, String)> = vec![("n", format_count(lang, n))];
    all.extend(args.iter().cloned());
    tr_args(lang, &format!("{key}.{form}"), &all)
}

/// A date as people in Belgium write it: 03/03/2025 (day first, in every language).
pub fn format_date(date: time::Date) -> String {
    format!(
        "{:02}/{:02}/{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// An ISO date (the contracts') as people in Belgium write dates
/// (`07/12/2026`); anything else as it came.
pub fn format_iso_date(iso: &str) -> String {
    time::Date::parse(
        iso.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_or_else(|_| iso.to_owned(), format_date)
}

/// A date as a user types it: `03/03/2025`, `3/3/2025`, `3-3-2025`, `03.03.2025`
/// (day first) or ISO `2025-03-03`. `None` for anything else, or a day that does
/// not exist.
pub fn parse_user_date(text: &str) -> Option<time::Date> {
    let text = text.trim();
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str, max_len: usize| -> Option<i32> {
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (year, month, day) = if a.len() == 4 && text.contains('-') {
        (number(a, 4)?, number(b, 2)?, number(c, 2)?)
    } else if c.len() == 4 {
        (number(c, 4)?, number(b, 2)?, number(a, 2)?)
    } else {
        return None;
    };
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    time::Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// A decimal number in the language's form: 7.5 in English, 7,5 in Dutch and French.
pub fn format_decimal(lang: Lang, value: f64) -> String {
    let text = if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        let mut text = format!("{value:.2}");
        while text.ends_with('0') {
            text.pop();
        }
        text
    };
    match lang {
        Lang::En => text,
        Lang::Nl | Lang::Fr => text.replace('.', ","),
    }
}

/// A message kept as what it means (a key and its arguments, or a value that
/// knows how to say itself) rather than as text, so that it is rendered in the
/// language of the moment: a message shown before a language switch follows the
/// switch. Pages keep `Msg`s and call [`Msg::render`] when they draw.
#[derive(Clone)]
pub struct Msg(MsgInner);

#[derive(Clone)]
enum MsgInner {
    Key {
        key: std::borrow::Cow<'static, str>,
        args: Vec<(&'static str, Arg)>,
        count: Option<u64>,
    },
    Verbatim(String),
    Lazy(std::sync::Arc<dyn Fn(Lang) -> String + Send + Sync>),
    Lines(Vec<Msg>),
}

/// An argument of a [`Msg`], rendered in the language of the moment too.
#[derive(Clone, Debug)]
pub enum Arg {
    /// Text that is the same in every language (a file name, an SSIN, a server id).
    Text(String),
    /// A count, with the language's thousands separator.
    Count(u64),
    /// A date, as `dd/mm/yyyy`.
    Date(time::Date),
    /// A message of its own (a cause inside a sentence).
    Msg(Msg),
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(value)
    }
}
impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_owned())
    }
}
impl From<u64> for Arg {
    fn from(value: u64) -> Self {
        Arg::Count(value)
    }
}
impl From<usize> for Arg {
    fn from(value: usize) -> Self {
        Arg::Count(value as u64)
    }
}
impl From<time::Date> for Arg {
    fn from(value: time::Date) -> Self {
        Arg::Date(value)
    }
}
impl From<Msg> for Arg {
    fn from(value: Msg) -> Self {
        Arg::Msg(value)
    }
}

impl Arg {
    fn render(&self, lang: Lang) -> String {
        match self {
            Arg::Text(text) => text.clone(),
            Arg::Count(n) => format_count(lang, *n),
            Arg::Date(date) => format_date(*date),
            Arg::Msg(msg) => msg.render(lang),
        }
    }
}

impl Msg {
    /// The message for `key` (arguments follow with [`Msg::arg`]).
    pub fn new(key: impl Into<std::borrow::Cow<'static, str>>) -> Msg {
        Msg(MsgInner::Key {
            key: key.into(),
            args: Vec::new(),
            count: None,
        })
    }

    /// A plural message: `key.one` / `key.other` by the language's rule, `{n}` = `n`.
    pub fn plural(key: impl Into<std::borrow::Cow<'static, str>>, n: u64) -> Msg {
        Msg(MsgInner::Key {
            key: key.into(),
            args: Vec::new(),
            count: Some(n),
        })
    }

    /// Fills `{name}` with `value`.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Msg {
        if let MsgInner::Key { args, .. } = &mut self.0 {
            args.push((name, value.into()));
        }
        self
    }

    /// Text that is the same in every language (what a server wrote, a path).
    pub fn verbatim(text: impl Into<String>) -> Msg {
        Msg(MsgInner::Verbatim(text.into()))
    }

    /// A value that says itself in a language: an error's `message(lang)`, say
    /// `Msg::from_fn(move |lang| error.message(lang))`.
    pub fn from_fn(render: impl Fn(Lang) -> String + Send + Sync + 'static) -> Msg {
        Msg(MsgInner::Lazy(std::sync::Arc::new(render)))
    }

    /// Several messages, one per line.
    pub fn lines(messages: Vec<Msg>) -> Msg {
        Msg(MsgInner::Lines(messages))
    }

    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match &self.0 {
            MsgInner::Key { key, args, count } => {
                let rendered: Vec<(&str, String)> = args
                    .iter()
                    .map(|(name, value)| (*name, value.render(lang)))
                    .collect();
                match count {
                    Some(n) => tr_n(lang, key, *n, &rendered),
                    None => tr_args(lang, key, &rendered),
                }
            }
            MsgInner::Verbatim(text) => text.clone(),
            MsgInner::Lazy(render) => render(lang),
            MsgInner::Lines(messages) => messages
                .iter()
                .map(|msg| msg.render(lang))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The key, for a message made from one (tests and logs).
    pub fn key(&self) -> Option<&str> {
        match &self.0 {
            MsgInner::Key { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            MsgInner::Key { key, args, count } => f
                .debug_struct("Msg")
                .field("key", key)
                .field("args", args)
                .field("count", count)
                .finish(),
            MsgInner::Verbatim(text) => f.debug_tuple("Msg::verbatim").field(text).finish(),
            MsgInner::Lazy(_) => f.write_str("Msg::from_fn(..)"),
            MsgInner::Lines(lines) => f.debug_tuple("Msg::lines").field(lines).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key_with_the_same_placeholders() {
        let english = keys(Lang::En);
        assert!(english.len() > 50, "the English file looks empty");
        for lang in [Lang::Nl, Lang::Fr] {
            assert_eq!(
                keys(lang),
                english,
                "{lang:?} has not the same keys as English"
            );
            for key in &english {
                let placeholders = |text: String| {
                    let mut names: Vec<String> = text
                        .split('{')
                        .skip(1)
                        .filter_map(|part| part.split_once('}').map(|(n, _)| n.to_owned()))
                        .collect();
                    names.sort();
                    names
                };
                assert_eq!(
                    placeholders(tr(lang, key)),
                    placeholders(tr(Lang::En, key)),
                    "{lang:?} `{key}` uses other placeholders than English"
                );
            }
        }
    }

    #[test]
    fn language_tags() {
        assert_eq!(Lang::from_tag("nl-BE"), Some(Lang::Nl));
        assert_eq!(Lang::from_tag("fr_BE.UTF-8"), Some(Lang::Fr));
        assert_eq!(Lang::from_tag("EN"), Some(Lang::En));
        assert_eq!(Lang::from_tag("de-DE"), None);
    }

    #[test]
    fn counts_and_placeholders() {
        assert_eq!(format_count(Lang::En, 600_000), "600,000");
        assert_eq!(format_count(Lang::Nl, 2_048), "2.048");
        assert_eq!(format_count(Lang::Fr, 999), "999");
        assert_eq!(format_count(Lang::En, 1_000_000), "1,000,000");
        let text = tr_args(Lang::En, "finding.weak_key", &[("bits", "1024".into())]);
        assert!(text.contains("1024"), "{text}");
        assert_eq!(tr(Lang::Nl, "no.such.key"), "no.such.key");
    }

    #[test]
    fn no_key_is_defined_twice() {
        for lang in Lang::ALL {
            let mut seen = std::collections::HashSet::new();
            for line in lang.source().lines() {
                if line.trim_start().starts_with('#') {
                    continue;
                }
                if let Some((key, _)) = line.split_once(" = ") {
                    assert!(
                        seen.insert(key.trim()),
                        "{lang:?} defines `{}` twice (a merge kept both lines?)",
                        key.trim()
                    );
                }
            }
        }
    }

    #[test]
    fn plural_forms_follow_each_language() {
        assert!(is_singular(Lang::En, 1) && !is_singular(Lang::En, 0));
        assert!(is_singular(Lang::Nl, 1) && !is_singular(Lang::Nl, 2));
        assert!(is_singular(Lang::Fr, 0) && is_singular(Lang::Fr, 1) && !is_singular(Lang::Fr, 2));
    }

    #[test]
    fn dates_and_decimals_in_belgian_forms() {
        let date = time::macros::date!(2025 - 03 - 03);
        assert_eq!(format_date(date), "03/03/2025");
        for typed in [
            "03/03/2025",
            "3/3/2025",
            "3-3-2025",
            "03.03.2025",
            "2025-03-03",
        ] {
            assert_eq!(parse_user_date(typed), Some(date), "{typed}");
        }
        for wrong in [
            "",
            "2025",
            "31/02/2025",
            "03/03/25",
            "2025/03/03",
            "a/b/c",
            "1/1/1/2025",
        ] {
            assert_eq!(parse_user_date(wrong), None, "{wrong}");
        }
        assert_eq!(format_decimal(Lang::En, 7.5), "7.5");
        assert_eq!(format_decimal(Lang::Nl, 7.5), "7,5");
        assert_eq!(format_decimal(Lang::Fr, 14.0), "14");
    }

    #[test]
    fn a_message_renders_in_the_language_of_the_moment() {
        let msg = Msg::new("finding.weak_key").arg("bits", "1024");
        let en = msg.render(Lang::En);
        let nl = msg.render(Lang::Nl);
        assert!(en.contains("1024") && nl.contains("1024"));
        assert_ne!(en, nl);
        let lazy = Msg::from_fn(|lang| lang.code().to_owned());
        assert_eq!(lazy.render(Lang::Fr), "fr");
        let nested =
            Msg::new("finding.weak_key").arg("bits", Msg::from_fn(|lang| lang.code().to_owned()));
        assert!(nested.render(Lang::Nl).contains("nl"));
    }

    /// Every message that puts a count before a word is a plural family
    /// (`key.one`/`key.other`), so that Dutch and French say "1 ligne
    /// valable" and "2 lignes valables"; the families' two forms both exist.
    #[test]
    fn every_counted_message_has_its_plural_forms_in_dutch_and_french() {
        // A count that never is one (at least 10,000 rows are left out).
        const ALWAYS_MANY: &[&str] = &["import.declarations_omitted"];
        let counts = [
            "{n}",
            "{count}",
            "{total}",
            "{shown}",
            "{queued}",
            "{skipped}",
            "{settled}",
        ];
        let mut found = Vec::new();
        for lang in [Lang::Nl, Lang::Fr] {
            let text = match lang {
                Lang::Nl => include_str!("../assets/i18n/nl.txt"),
                _ => include_str!("../assets/i18n/fr.txt"),
            };
            let keys: std::collections::HashSet<&str> = text
                .lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
                .collect();
            for line in text.lines() {
                let Some((key, value)) = line.split_once(" = ") else {
                    continue;
                };
                let key = key.trim();
                // (`.other` alone is a word of its own: "another holder".)
                if let Some(family) = key.strip_suffix(".one") {
                    if !keys.contains(format!("{family}.other").as_str()) {
                        found.push(format!("{lang:?} {family}: no .other"));
                    }
                    continue;
                }
                if key
                    .strip_suffix(".other")
                    .is_some_and(|family| keys.contains(format!("{family}.one").as_str()))
                {
                    continue;
                }
                if ALWAYS_MANY.contains(&key) {
                    continue;
                }
                for count in counts {
                    let mut rest = value;
                    while let Some(at) = rest.find(count) {
                        let after = rest[at + count.len()..].trim_start_matches([' ', '\u{a0}']);
                        let spaced = rest[at + count.len()..].starts_with([' ', '\u{a0}']);
                        if spaced && after.chars().next().is_some_and(char::is_alphabetic) {
                            found.push(format!("{lang:?} {key}: {value}"));
                        }
                        rest = &rest[at + count.len()..];
                    }
                }
            }
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
        // And the forms differ where the language says they do.
        assert_eq!(
            tr_n(Lang::Fr, "decl.sent", 1, &[]),
            "1 mise en file d'envoi."
        );
        assert_eq!(
            tr_n(Lang::Fr, "decl.sent", 2, &[]),
            "2 mises en file d'envoi."
        );
        assert_eq!(tr_n(Lang::Nl, "import.summary.rows", 1, &[]), "1 rij");
        assert_eq!(tr_n(Lang::Nl, "import.summary.rows", 3, &[]), "3 rijen");
    }
}
