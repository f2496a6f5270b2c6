//! Belgian identifiers: the social security number (SSIN, INSZ/NISS, including
//! BIS numbers) and the enterprise number (KBO/BCE). Parse what users type, check
//! the mod-97 digits and the birth date they encode, format. Pure: "today" is
//! passed in.

use time::{Date, Month};

use crate::i18n::{tr, Lang};

/// Why a text is not a valid SSIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SsinError {
    /// Not 11 digits once dots, dashes and spaces are removed.
    #[error("an SSIN has 11 digits")]
    Length,
    /// The first nine digits are all zero: nobody has that number.
    #[error("an SSIN cannot be all zeros")]
    Zero,
    /// The birth date part is not a date that exists (31 February, month 13,
    /// 29 February outside a leap year) nor a partially unknown one the National
    /// Register gives (day 00, or month and day 00).
    #[error("the birth date in the SSIN does not exist")]
    Date,
    /// The two check digits do not match (a typing error).
    #[error("the SSIN's check digits do not match")]
    Checksum,
    /// Valid only under the rule for births from 2000, and that birth date is
    /// after today.
    #[error("the birth date in the SSIN is after today")]
    FutureBirth,
}

impl SsinError {
    /// A stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            SsinError::Length => "ssin_length",
            SsinError::Zero => "ssin_zero",
            SsinError::Date => "ssin_date",
            SsinError::Checksum => "ssin_checksum",
            SsinError::FutureBirth => "ssin_future_birth",
        }
    }

    /// What happened and what to do, in the user's language.
    pub fn message(self, lang: Lang) -> String {
        let key = match self {
            SsinError::Length => "ssin.error.length",
            SsinError::Zero => "ssin.error.zero",
            SsinError::Date => "ssin.error.date",
            SsinError::Checksum => "ssin.error.checksum",
            SsinError::FutureBirth => "ssin.error.future_birth",
        };
        tr(lang, key)
    }
}

/// The birth date an SSIN encodes, as far as it is known: the National Register
/// writes day `00` where the day is unknown, and month and day `00` where only
/// the year is (a BIS number's month is then 20 or 40).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate {
    pub year: i32,
    pub month: Option<Month>,
    pub day: Option<u8>,
}

impl BirthDate {
    /// The first day the birth can have been: what "in the future" is judged by.
    pub fn earliest(&self) -> Date {
        let month = self.month.unwrap_or(Month::January);
        let day = self.day.unwrap_or(1);
        // Checked when parsed: the known parts form a date that exists.
        Date::from_calendar_date(self.year, month, day).unwrap_or(Date::MIN)
    }
}

/// A checked SSIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssin {
    pub digits: String,
    /// A BIS number (month + 20 or + 40): people not in the National Register.
    pub bis: bool,
    /// True where the check digits follow the rule for births from 2000.
    pub born_2000_or_later: bool,
    /// The birth date, in the century the check digits give.
    pub birth: BirthDate,
}

/// Parses an SSIN as users type it (`85.07.30-033.28`, `85073003328`): the
/// structure, the check digits and a birth date that exists. It does not judge
/// a birth in the future (it has no "today"): where that matters (the rules, the
/// editor), use [`parse_ssin_on`].
pub fn parse_ssin(text: &str) -> Result<Ssin, SsinError> {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SsinError::Length);
    }
    if digits.bytes().take(9).all(|b| b == b'0') {
        return Err(SsinError::Zero);
    }
    let num = |range: std::ops::Range<usize>| digits[range].parse::<u64>().unwrap_or(u64::MAX);
    let year_in_century = num(0..2);
    let month = num(2..4);
    let day = num(4..6);
    let (real_month, bis) = match month {
        0..=12 => (month, false),
        20..=32 => (month - 20, true),
        40..=52 => (month - 40, true),
        _ => return Err(SsinError::Date),
    };
    if day > 31 {
        return Err(SsinError::Date);
    }
    let base = num(0..9);
    let check = num(9..11);
    let before_2000 = ssin_check_digits(base, false) == check;
    let from_2000 = ssin_check_digits(base, true) == check;
    if !before_2000 && !from_2000 {
        return Err(SsinError::Checksum);
    }
    // 2·10⁹ is not a multiple of 97, so at most one rule matches.
    let year = if from_2000 { 2000 } else { 1900 } + year_in_century as i32;
    let month = match real_month {
        0 => None,
        m => Some(Month::try_from(m as u8).map_err(|_| SsinError::Date)?),
    };
    let day = match (month, day) {
        (_, 0) => None,
        (Some(m), d) => {
            Date::from_calendar_date(year, m, d as u8).map_err(|_| SsinError::Date)?;
            Some(d as u8)
        }
        // An unknown month comes with an unknown day.
        (None, _) => return Err(SsinError::Date),
    };
    Ok(Ssin {
        digits,
        bis,
        born_2000_or_later: from_2000,
        birth: BirthDate { year, month, day },
    })
}

/// [`parse_ssin`], and a birth after `today` (the date in Brussels) is refused:
/// only a number under the rule for births from 2000 can be one.
pub fn parse_ssin_on(text: &str, today: Date) -> Result<Ssin, SsinError> {
    let ssin = parse_ssin(text)?;
    if ssin.birth.earliest() > today {
        return Err(SsinError::FutureBirth);
    }
    Ok(ssin)
}

/// An SSIN as every page shows it: formatted where it reads as one, else as
/// typed (a wrong one is shown as it was written, to be found and fixed).
pub fn shown_ssin(text: &str) -> String {
    match parse_ssin(text) {
        Ok(ssin) => format_ssin(&ssin.digits),
        Err(_) => text.trim().to_owned(),
    }
}

/// `85.07.30-033.28`
pub fn format_ssin(digits: &str) -> String {
    if digits.len() != 11 {
        return digits.to_owned();
    }
    format!(
        "{}.{}.{}-{}.{}",
        &digits[..2],
        &digits[2..4],
        &digits[4..6],
        &digits[6..9],
        &digits[9..]
    )
}

/// The check digits for 9 digits (the SSIN rule; `from_2000` puts a 2 before them).
pub fn ssin_check_digits(first_nine: u64, from_2000: bool) -> u64 {
    let base = if from_2000 {
        2_000_000_000 + first_nine
    } else {
        first_nine
    };
    97 - base % 97
}

/// Normalises an enterprise number (`BE 0403.170.701`, `0403170701`, `403170701`)
/// to its 10 digits, if its check digits are right.
pub fn parse_enterprise_number(text: &str) -> Option<String> {
    let trimmed = text.trim();
    let without_country = trimmed
        .strip_prefix("BE")
        .or_else(|| trimmed.strip_prefix("be"))
        .unwrap_or(trimmed);
    let digits: String = without_country
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = match digits.len() {
        9 => format!("0{digits}"),
        10 => digits,
        _ => return None,
    };
    // A number of zeros passes mod 97 with check digits 97, and is nobody's.
    if !matches!(digits.as_bytes()[0], b'0' | b'1') || digits.bytes().take(8).all(|b| b == b'0') {
        return None;
    }
    let base: u64 = digits[..8].parse().ok()?;
    let check: u64 = digits[8..].parse().ok()?;
    (97 - base % 97 == check).then_some(digits)
}

/// An enterprise number as it is compared and indexed: its 10 digits where it
/// reads as one (`BE 0403.170.701`, `403170701`), else as typed, trimmed.
pub fn normalised_enterprise(text: &str) -> String {
    parse_enterprise_number(text).unwrap_or_else(|| text.trim().to_owned())
}

/// An SSIN as it is compared and indexed: its 11 digits (`85.07.30-033.28`
/// is `85073003328`), else as typed, trimmed.
pub fn normalised_ssin(text: &str) -> String {
    parse_ssin(text)
        .map(|s| s.digits)
        .unwrap_or_else(|_| text.trim().to_owned())
}

/// An enterprise number as every page shows it (`0403.170.701`), as typed
/// where it does not read as one: the twin of [`shown_ssin`].
pub fn shown_enterprise(text: &str) -> String {
    parse_enterprise_number(text)
        .map(|digits| format_enterprise_number(&digits))
        .unwrap_or_else(|| text.trim().to_owned())
}

/// An enterprise as a sentence or a list names it: "Garage Dubois
/// (0202.239.951)", or the number alone when it has no name.
pub fn named_enterprise(number: &str, name: &str) -> String {
    let shown = shown_enterprise(number);
    match name.trim() {
        "" => shown,
        name => format!("{name} ({shown})"),
    }
}

/// `0403.170.701`
pub fn format_enterprise_number(digits: &str) -> String {
    if digits.len() != 10 {
        return digits.to_owned();
    }
    format!("{}.{}.{}", &digits[..4], &digits[4..7], &digits[7..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every number that differs from `digits` in exactly one digit, with the
    /// position and the new digit.
    fn single_digit_changes(digits: &str) -> Vec<(usize, u8, String)> {
        let mut out = Vec::new();
        for pos in 0..digits.len() {
            for d in b'0'..=b'9' {
                let mut changed = digits.as_bytes().to_vec();
                if changed[pos] == d {
                    continue;
                }
                changed[pos] = d;
                out.push((pos, d, String::from_utf8(changed).unwrap()));
            }
        }
        out
    }

    /// The SSIN with these first nine digits and the check digits of its century.
    fn ssin(first_nine: u64, from_2000: bool) -> String {
        format!(
            "{first_nine:09}{:02}",
            ssin_check_digits(first_nine, from_2000)
        )
    }

    const TODAY: Date = time::macros::date!(2026 - 11 - 25);

    #[test]
    fn ssin_test_vectors() {
        let s = parse_ssin("85.07.30-033.28").unwrap();
        assert_eq!(s.digits, "85073003328");
        assert!(!s.bis && !s.born_2000_or_later);
        assert_eq!(s.birth.earliest(), time::macros::date!(1985 - 07 - 30));
        let s = parse_ssin("17073003384").unwrap();
        assert!(s.born_2000_or_later);
        assert_eq!(s.birth.year, 2017);
        let s = parse_ssin("01490700185").unwrap();
        assert!(s.bis);
        assert_eq!(parse_ssin("85073003329"), Err(SsinError::Checksum));
        assert_eq!(parse_ssin("8507300332"), Err(SsinError::Length));
        assert_eq!(parse_ssin("85A73003328"), Err(SsinError::Length));
        assert_eq!(parse_ssin("85133003328"), Err(SsinError::Date));
        assert_eq!(format_ssin("85073003328"), "85.07.30-033.28");
    }

    #[test]
    fn the_birth_date_must_exist_in_the_century_of_the_check_digits() {
        let p = |first_nine: u64, from_2000: bool| parse_ssin(&ssin(first_nine, from_2000));
        assert_eq!(p(850231033, false), Err(SsinError::Date), "31 February");
        assert_eq!(p(850431033, false), Err(SsinError::Date), "31 April");
        assert_eq!(
            p(850229033, false),
            Err(SsinError::Date),
            "1985 is not leap"
        );
        assert!(p(840229033, false).is_ok(), "1984 is leap");
        // Year 00: 1900 was not a leap year, 2000 was.
        assert_eq!(p(229_033, false), Err(SsinError::Date), "29-02-1900");
        assert_eq!(p(229_033, true).unwrap().birth.year, 2000);
        assert_eq!(p(10229033, true), Err(SsinError::Date), "29-02-2001");
        // BIS months carry the same dates: +20 and +40.
        assert!(p(842229033, false).unwrap().bis);
        assert_eq!(p(854230033, false), Err(SsinError::Date), "BIS 30 February");
        assert_eq!(p(853331033, false), Err(SsinError::Date), "BIS month 13");
        assert_eq!(p(855301033, false), Err(SsinError::Date), "BIS month 13");
        assert_eq!(p(851501033, false), Err(SsinError::Date), "month 15");
        assert_eq!(p(850732033, false), Err(SsinError::Date), "day 32");
    }

    #[test]
    fn partially_unknown_birth_dates_are_as_the_register_writes_them() {
        let p = |first_nine: u64| parse_ssin(&ssin(first_nine, false));
        let day_unknown = p(850700033).unwrap();
        assert_eq!(
            (day_unknown.birth.month, day_unknown.birth.day),
            (Some(Month::July), None)
        );
        let only_year = p(850000033).unwrap();
        assert_eq!((only_year.birth.month, only_year.birth.day), (None, None));
        assert_eq!(
            only_year.birth.earliest(),
            time::macros::date!(1985 - 01 - 01)
        );
        // A BIS number with an unknown month: 20 or 40, and day 00.
        for month in [20, 40] {
            let bis = p(850_000_033 + month * 100_000).unwrap();
            assert!(bis.bis && bis.birth.month.is_none(), "{month}");
            assert_eq!(p(850_005_033 + month * 100_000), Err(SsinError::Date));
        }
        // A day without its month is not a date.
        assert_eq!(p(850015033), Err(SsinError::Date));
    }

    #[test]
    fn numbers_of_zeros_are_refused() {
        assert_eq!(parse_ssin("00000000000"), Err(SsinError::Zero));
        assert_eq!(parse_ssin("000000000 97"), Err(SsinError::Zero));
        assert_eq!(parse_ssin(&ssin(0, true)), Err(SsinError::Zero));
        // Zeros in the birth date alone are an unknown date, not a zero number.
        assert!(parse_ssin(&ssin(1, false)).is_ok());
    }

    #[test]
    fn a_birth_after_today_is_refused_only_under_the_2000_rule() {
        let today = TODAY;
        let on =
            |first_nine: u64, from_2000: bool| parse_ssin_on(&ssin(first_nine, from_2000), today);
        assert!(on(261125033, true).is_ok(), "born today");
        assert_eq!(on(261126033, true), Err(SsinError::FutureBirth));
        assert_eq!(on(271126033, true), Err(SsinError::FutureBirth));
        // The same digits under the rule before 2000: born in 1926.
        assert_eq!(on(261126033, false).unwrap().birth.year, 1926);
        // Partially unknown: judged by the first day it can be.
        assert!(on(261100033, true).is_ok());
        assert_eq!(on(261200033, true), Err(SsinError::FutureBirth));
        assert_eq!(on(270000033, true), Err(SsinError::FutureBirth));
        assert_eq!(
            on(263200033, true),
            Err(SsinError::FutureBirth),
            "BIS December"
        );
        // Without a "today", the structural check lets it through.
        assert!(parse_ssin(&ssin(271126033, true)).is_ok());
    }

    #[test]
    fn every_ssin_error_has_a_code_and_a_message() {
        for e in [
            SsinError::Length,
            SsinError::Zero,
            SsinError::Date,
            SsinError::Checksum,
            SsinError::FutureBirth,
        ] {
            for lang in Lang::ALL {
                let m = e.message(lang);
                assert!(
                    m.len() > 20 && !m.starts_with("ssin."),
                    "{e:?} {lang:?}: {m}"
                );
            }
            assert!(e.code().starts_with("ssin_"));
        }
    }

    /// Walks many generated numbers with birth dates that exist (known, or
    /// partially unknown as the register writes them), both century rules, plain
    /// and BIS months: each passes, and every change of a single digit of it
    /// fails (mod 97 catches every single-digit error), except the one the
    /// century rules cannot see.
    #[test]
    fn every_valid_ssin_passes_and_every_single_digit_change_fails() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for i in 0..3_000 {
            let from_2000 = i % 2 == 0;
            // Births under the 2000 rule are not after TODAY (2026-11-25).
            let year = if from_2000 { next() % 26 } else { next() % 100 };
            let full_year = if from_2000 { 2000 } else { 1900 } + year as i32;
            let real_month = if i % 7 == 0 { 0 } else { 1 + next() % 12 };
            let month = real_month + [0, 20, 40][i % 3];
            let day = match Month::try_from(real_month as u8) {
                Ok(m) if i % 5 != 0 => {
                    1 + next() % u64::from(time::util::days_in_month(m, full_year))
                }
                _ => 0,
            };
            let seq = next() % 1000;
            let first_nine = year * 10_000_000 + month * 100_000 + day * 1_000 + seq;
            if first_nine == 0 {
                continue;
            }
            let digits = ssin(first_nine, from_2000);
            let parsed =
                parse_ssin_on(&digits, TODAY).unwrap_or_else(|e| panic!("{digits}: {e:?}"));
            assert_eq!(parsed.digits, digits);
            assert_eq!(parsed.born_2000_or_later, from_2000);
            for (pos, d, changed) in single_digit_changes(&digits) {
                if let Ok(other) = parse_ssin_on(&changed, TODAY) {
                    // The one change mod 97 cannot see: 2·10⁹ ≡ 68 (mod 97), so
                    // ±6 on the second year digit moves a number to the other
                    // century's rule (2020 ↔ 1926). Nothing else may pass.
                    let delta = i32::from(d) - i32::from(digits.as_bytes()[pos]);
                    assert!(
                        pos == 1
                            && delta.abs() == 6
                            && other.born_2000_or_later != parsed.born_2000_or_later,
                        "{digits} -> {changed} passed"
                    );
                }
            }
        }
    }

    #[test]
    fn every_valid_enterprise_number_passes_and_every_single_digit_change_fails() {
        for base in (1..100_000_000u64).step_by(99_991).take(800) {
            let base = base % 20_000_000; // first digit 0 or 1, never all zeros
            let digits = format!("{base:08}{:02}", 97 - base % 97);
            assert_eq!(
                parse_enterprise_number(&digits).as_deref(),
                Some(digits.as_str())
            );
            for (_, _, changed) in single_digit_changes(&digits) {
                assert!(
                    parse_enterprise_number(&changed).is_none(),
                    "{digits} -> {changed}"
                );
            }
        }
    }

    #[test]
    fn enterprise_numbers() {
        assert_eq!(
            parse_enterprise_number("BE 0403.170.701").as_deref(),
            Some("0403170701")
        );
        assert_eq!(
            parse_enterprise_number("403170701").as_deref(),
            Some("0403170701")
        );
        assert_eq!(
            parse_enterprise_number("0202239951").as_deref(),
            Some("0202239951")
        );
        assert_eq!(parse_enterprise_number("0403170702"), None);
        assert_eq!(parse_enterprise_number("2403170701"), None);
        assert_eq!(parse_enterprise_number("9403170701"), None);
        // Zeros pass mod 97 (check digits 97) and are nobody's number.
        assert_eq!(parse_enterprise_number("0000000097"), None);
        assert_eq!(parse_enterprise_number("000000097"), None);
        assert_eq!(parse_enterprise_number("0000.000.000"), None);
        // The old 9-digit form gets its leading 0.
        assert_eq!(
            parse_enterprise_number("202.239.951").as_deref(),
            Some("0202239951")
        );
        assert_eq!(parse_enterprise_number("abc"), None);
        assert_eq!(format_enterprise_number("0403170701"), "0403.170.701");
    }
}
