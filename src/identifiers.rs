//! Belgian identifiers: the social security number (SSIN, INSZ/NISS, including
//! BIS numbers) and the enterprise number (KBO/BCE). Parse what users type, check
//! the mod-97 digits, format. Pure.

/// Why a text is not a valid SSIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsinError {
    /// Not 11 digits once dots, dashes and spaces are removed.
    Length,
    /// The birth date part cannot be a date (month or day out of range).
    Date,
    /// The two check digits do not match (a typing error).
    Checksum,
}

/// A checked SSIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssin {
    pub digits: String,
    /// A BIS number (month + 20 or + 40): people not in the National Register.
    pub bis: bool,
    /// True where the check digits follow the rule for births from 2000.
    pub born_2000_or_later: bool,
}

/// Parses an SSIN as users type it (`85.07.30-033.28`, `85073003328`).
pub fn parse_ssin(text: &str) -> Result<Ssin, SsinError> {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SsinError::Length);
    }
    let num = |range: std::ops::Range<usize>| digits[range].parse::<u64>().unwrap_or(u64::MAX);
    let month = num(2..4);
    let day = num(4..6);
    let (real_month, bis) = match month {
        0..=12 => (month, false),
        20..=32 => (month - 20, true),
        40..=52 => (month - 40, true),
        _ => return Err(SsinError::Date),
    };
    // Month and day 00 occur for people whose birth date is unknown.
    if real_month > 12 || day > 31 {
        return Err(SsinError::Date);
    }
    let base = num(0..9);
    let check = num(9..11);
    let before_2000 = 97 - base % 97 == check;
    let from_2000 = 97 - (2_000_000_000 + base) % 97 == check;
    if !before_2000 && !from_2000 {
        return Err(SsinError::Checksum);
    }
    Ok(Ssin {
        digits,
        bis,
        born_2000_or_later: from_2000 && !before_2000,
    })
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
    if !matches!(digits.as_bytes()[0], b'0' | b'1') {
        return None;
    }
    let base: u64 = digits[..8].parse().ok()?;
    let check: u64 = digits[8..].parse().ok()?;
    (97 - base % 97 == check).then_some(digits)
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

    #[test]
    fn ssin_test_vectors() {
        let s = parse_ssin("85.07.30-033.28").unwrap();
        assert_eq!(s.digits, "85073003328");
        assert!(!s.bis && !s.born_2000_or_later);
        let s = parse_ssin("17073003384").unwrap();
        assert!(s.born_2000_or_later);
        let s = parse_ssin("01490700185").unwrap();
        assert!(s.bis);
        assert_eq!(parse_ssin("85073003329"), Err(SsinError::Checksum));
        assert_eq!(parse_ssin("8507300332"), Err(SsinError::Length));
        assert_eq!(parse_ssin("85A73003328"), Err(SsinError::Length));
        assert_eq!(parse_ssin("85133003328"), Err(SsinError::Date));
        assert_eq!(format_ssin("85073003328"), "85.07.30-033.28");
    }

    /// Walks many generated numbers: each with its right check digits passes
    /// (both century rules, plain and BIS months), and every change of a single
    /// digit of it fails (mod 97 catches every single-digit error).
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
            let month = [1 + next() % 12, 20 + next() % 13, 40 + next() % 13][i % 3];
            let day = next() % 32;
            let year = next() % 100;
            let seq = next() % 1000;
            let first_nine = year * 10_000_000 + month * 100_000 + day * 1_000 + seq;
            let from_2000 = i % 2 == 0;
            let check = ssin_check_digits(first_nine, from_2000);
            let digits = format!("{first_nine:09}{check:02}");
            let parsed = parse_ssin(&digits).unwrap_or_else(|e| panic!("{digits}: {e:?}"));
            assert_eq!(parsed.digits, digits);
            for (pos, d, changed) in single_digit_changes(&digits) {
                if let Ok(other) = parse_ssin(&changed) {
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
        for base in (0..100_000_000u64).step_by(99_991).take(800) {
            let base = base % 20_000_000; // first digit 0 or 1
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
        assert_eq!(parse_enterprise_number("abc"), None);
        assert_eq!(format_enterprise_number("0403170701"), "0403.170.701");
    }
}
