//! Reading values as people type them: SSINs that lost a zero, training
//! types, units, yes/no, numbers with a unit, dates typed or as Excel serials.

use super::*;

pub(super) fn ssin_text(cell: &Cell) -> String {
    match cell {
        // A number cell lost the leading zero of a birth in 200x.
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 1e11 => {
            format!("{:011}", *n as u64)
        }
        other => other.display(),
    }
}

/// `FORMAL`, `Formeel`, `Formelle`, `informal`, `Informeel`…
pub(super) fn parse_type(cell: &Cell) -> Option<TrainingType> {
    let Cell::Text(t) = cell else { return None };
    match fold(t).as_str() {
        "formal" | "formeel" | "formele" | "formel" | "formelle" | "f" => {
            Some(TrainingType::Formal)
        }
        "informal" | "informeel" | "informele" | "informel" | "informelle" | "i" => {
            Some(TrainingType::Informal)
        }
        _ => None,
    }
}

/// `uren/uur/u/h/heures/hours`, `dagen/dag/d/jours/j/days`.
pub(super) fn parse_unit(text: &str) -> Option<DurationUnit> {
    match fold(text).as_str() {
        "hours" | "hour" | "hrs" | "hr" | "h" | "uren" | "uur" | "u" | "heures" | "heure" => {
            Some(DurationUnit::Hours)
        }
        "days" | "day" | "d" | "dagen" | "dag" | "jours" | "jour" | "j" => Some(DurationUnit::Days),
        _ => None,
    }
}

/// A cell read by `parse`: an empty cell is the problem `required` names where
/// the field is required; a value `parse` cannot read is the problem `bad`.
pub(super) fn read_cell<T>(
    c: &Cell,
    field: Field,
    required: Option<&'static str>,
    bad: &'static str,
    parse: fn(&Cell) -> Option<T>,
    whole: &mut bool,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    if matches!(c, Cell::Empty) {
        if let Some(code) = required {
            *whole = false;
            problems.push(Problem::value(field, code, None));
        }
        return None;
    }
    let value = parse(c);
    if value.is_none() {
        *whole = false;
        problems.push(Problem::value(field, bad, Some(c.display())));
    }
    value
}

/// `ja/nee`, `oui/non`, `yes/no`, `true/false`, `x`, 1/0, a boolean cell.
pub(super) fn parse_bool(cell: &Cell) -> Option<bool> {
    match cell {
        Cell::Bool(b) => Some(*b),
        Cell::Number(n) if *n == 1.0 => Some(true),
        Cell::Number(n) if *n == 0.0 => Some(false),
        Cell::Text(t) => match fold(t).as_str() {
            "true" | "yes" | "y" | "ja" | "j" | "oui" | "o" | "waar" | "vrai" | "x" | "1"
            | "wahr" => Some(true),
            "false" | "no" | "n" | "nee" | "neen" | "non" | "onwaar" | "faux" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A number as typed (`3,5`, `7.5`, `14 uren`, `2 j`) and the unit it may carry.
pub(crate) fn parse_number(cell: &Cell) -> Option<(f64, Option<DurationUnit>)> {
    match cell {
        Cell::Number(n) if n.is_finite() => Some((*n, None)),
        Cell::Text(t) => {
            let t = t.trim();
            let end = t
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+' | ' ')))
                .unwrap_or(t.len());
            let (number, unit) = t.split_at(end);
            let number: String = number.chars().filter(|c| *c != ' ').collect();
            let value = number.replace(',', ".").parse::<f64>().ok()?;
            if !value.is_finite() {
                return None;
            }
            let unit = unit.trim();
            if unit.is_empty() {
                return Some((value, None));
            }
            Some((value, Some(parse_unit(unit)?)))
        }
        _ => None,
    }
}

/// The 1900 system's day 0 (Excel counts 1900 as a leap year: from March
/// 1900 on, the serial days are the days since this date).
const EXCEL_EPOCH: Date = time::macros::date!(1899 - 12 - 30);

/// A date cell, an Excel serial day, or text as people type dates
/// (`2025-03-03`, `03/03/2025`, `3-3-2025`, `2025-03-03T00:00:00`).
pub(crate) fn parse_date(cell: &Cell) -> Option<Date> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::Number(n) => serial_date(*n),
        Cell::Text(t) => {
            let t = t.trim();
            let date_part = t.split(['T', ' ']).next().unwrap_or(t);
            crate::i18n::parse_user_date(date_part).or_else(|| {
                // A date column Excel exported as its numbers.
                (t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| t.parse::<f64>().ok())
                    .flatten()
                    .and_then(serial_date)
            })
        }
        _ => None,
    }
}

pub(super) fn serial_date(n: f64) -> Option<Date> {
    // From March 1900 to the year 9999.
    if !(61.0..2_958_466.0).contains(&n) {
        return None;
    }
    EXCEL_EPOCH.checked_add(time::Duration::days(n.floor() as i64))
}
