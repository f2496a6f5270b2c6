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
}
