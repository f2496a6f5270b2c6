//! Belgian identifiers: the enterprise number (KBO/BCE). Parse what users type,
//! check the mod-97 digits, format. Pure.

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
