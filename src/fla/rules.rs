//! The FLA rules, pure: the shape check that tells "not a declaration at all"
//! (a 400) from a declaration, and the business rules that refuse or warn (never
//! a 400). The client checks before sending; the sandbox applies the same ones.

use serde_json::Value;
use time::{Date, Month};

use super::anomalies::{self, AnomalyKind};
use super::wire::{Declaration, DurationUnit, ProblemIssue, PROBLEM_SCHEMA_VIOLATION};
use crate::identifiers::{parse_enterprise_number, parse_ssin_on};

/// Trainings before this date are not declared.
pub const FIRST_DAY: Date = time::macros::date!(2024 - 01 - 01);

/// Parses an ISO date (`2025-03-03`).
pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// Checks that a JSON value is a declaration at all: required fields present,
/// of the right type, dates that are dates. Returns the issues of a 400.
pub fn shape_issues(value: &Value) -> Vec<ProblemIssue> {
    let mut issues = Vec::new();
    let mut issue = |name: &str, found: Option<&Value>, detail: &str| {
        issues.push(ProblemIssue {
            kind: PROBLEM_SCHEMA_VIOLATION.to_owned(),
            location: "body".to_owned(),
            name: name.to_owned(),
            value: found.map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            detail: detail.to_owned(),
        });
    };
    if !value.is_object() {
        issue("", None, "the body must be a JSON object (a declaration)");
        return issues;
    }
    let at = |path: &str| path.split('.').try_fold(value, |v, key| v.get(key));
    let strings = [
        "externalReference",
        "employer.enterpriseNumber",
        "worker.ssin",
        "training.name",
    ];
    for path in strings {
        match at(path) {
            Some(Value::String(_)) => {}
            None | Some(Value::Null) => issue(path, None, "is required"),
            Some(other) => issue(path, Some(other), "must be a string"),
        }
    }
    match at("training.type") {
        Some(Value::String(s)) if s == "FORMAL" || s == "INFORMAL" => {}
        None | Some(Value::Null) => issue("training.type", None, "is required"),
        Some(other) => issue("training.type", Some(other), "must be FORMAL or INFORMAL"),
    }
    for path in ["training.startDate", "training.endDate"] {
        match at(path) {
            Some(Value::String(s)) if parse_date(s).is_some() => {}
            None | Some(Value::Null) => issue(path, None, "is required"),
            Some(other) => issue(path, Some(other), "must be a date (YYYY-MM-DD)"),
        }
    }
    match at("training.duration.value") {
        Some(Value::Number(_)) => {}
        None | Some(Value::Null) => issue("training.duration.value", None, "is required"),
        Some(other) => issue("training.duration.value", Some(other), "must be a number"),
    }
    match at("training.duration.unit") {
        Some(Value::String(s)) if s == "HOURS" || s == "DAYS" => {}
        None | Some(Value::Null) => issue("training.duration.unit", None, "is required"),
        Some(other) => issue(
            "training.duration.unit",
            Some(other),
            "must be HOURS or DAYS",
        ),
    }
    for path in ["training.followed", "training.countsForFla"] {
        match at(path) {
            Some(Value::Bool(_)) => {}
            None | Some(Value::Null) => issue(path, None, "is required"),
            Some(other) => issue(path, Some(other), "must be true or false"),
        }
    }
    if let Some(cert) = at("training.certificate").filter(|v| !v.is_null()) {
        if !matches!(cert.get("obtained"), Some(Value::Bool(_))) {
            issue(
                "training.certificate.obtained",
                cert.get("obtained"),
                "must be true or false",
            );
        }
        match cert.get("validUntil") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if parse_date(s).is_some() => {}
            Some(other) => issue(
                "training.certificate.validUntil",
                Some(other),
                "must be a date (YYYY-MM-DD)",
            ),
        }
    }
    for path in [
        "training.providerEnterpriseNumber",
        "training.jointCommittee",
    ] {
        match at(path) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(other) => issue(path, Some(other), "must be a string"),
        }
    }
    issues
}

/// Parses a JSON value into a declaration, or the issues of a 400.
pub fn parse_declaration(value: &Value) -> Result<Declaration, Vec<ProblemIssue>> {
    let issues = shape_issues(value);
    if !issues.is_empty() {
        return Err(issues);
    }
    serde_json::from_value(value.clone()).map_err(|e| {
        vec![ProblemIssue {
            kind: PROBLEM_SCHEMA_VIOLATION.to_owned(),
            location: "body".to_owned(),
            name: String::new(),
            value: None,
            detail: e.to_string(),
        }]
    })
}

/// The last day a training that ended on `end` may be declared without being
/// late: the last day of the month following its quarter.
pub fn deadline(end: Date) -> Date {
    let quarter_end_month = ((u8::from(end.month()) - 1) / 3 + 1) * 3;
    let (year, month) = if quarter_end_month == 12 {
        (end.year() + 1, 1u8)
    } else {
        (end.year(), quarter_end_month + 1)
    };
    let month = Month::try_from(month).unwrap_or(Month::January);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, last).unwrap_or(end)
}

/// The business rules at `today`, the date in Brussels (the sender's or the
/// server's: `crate::today::brussels_date(now)`): the anomalies of a well-formed
/// declaration, blocking first. `today` also judges the SSIN's birth date.
pub fn check(declaration: &Declaration, today: Date) -> Vec<&'static AnomalyKind> {
    let mut found: Vec<&'static AnomalyKind> = Vec::new();
    let t = &declaration.training;
    let reference = declaration.external_reference.trim();
    if reference.is_empty() || reference.chars().count() > 50 {
        found.push(&anomalies::REFERENCE);
    }
    if parse_enterprise_number(&declaration.employer.enterprise_number).is_none() {
        found.push(&anomalies::ENTERPRISE);
    }
    if parse_ssin_on(&declaration.worker.ssin, today).is_err() {
        found.push(&anomalies::SSIN);
    }
    if let Some(provider) = &t.provider_enterprise_number {
        if parse_enterprise_number(provider).is_none() {
            found.push(&anomalies::PROVIDER_ENTERPRISE);
        }
    }
    let name_len = t.name.trim().chars().count();
    if name_len == 0 || name_len > 200 {
        found.push(&anomalies::NAME);
    }
    if let Some(jc) = &t.joint_committee {
        if !joint_committee_ok(jc) {
            found.push(&anomalies::JOINT_COMMITTEE);
        }
    }
    let (Some(start), Some(end)) = (parse_date(&t.start_date), parse_date(&t.end_date)) else {
        return found;
    };
    if end < start {
        found.push(&anomalies::END_BEFORE_START);
    }
    if start < FIRST_DAY {
        found.push(&anomalies::TOO_EARLY);
    }
    if t.followed && end > today {
        found.push(&anomalies::FUTURE);
    }
    let value = t.duration.value;
    // NaN cannot come from JSON, but a non-positive or non-finite value is refused all the same.
    if value.is_nan() || value <= 0.0 {
        found.push(&anomalies::DURATION_ZERO);
    } else if end >= start {
        let days = (end - start).whole_days() as f64 + 1.0;
        let too_long = match t.duration.unit {
            DurationUnit::Hours => value > 24.0 * days,
            DurationUnit::Days => value > days,
        };
        if too_long {
            found.push(&anomalies::DURATION_TOO_LONG);
        }
        if t.duration.unit == DurationUnit::Hours && (value * 4.0).fract() != 0.0 {
            found.push(&anomalies::DURATION_STEP);
        }
    }
    if let Some(cert) = &t.certificate {
        if let Some(valid_until) = cert.valid_until.as_deref().and_then(parse_date) {
            if !cert.obtained {
                found.push(&anomalies::CERTIFICATE_NOT_OBTAINED);
            } else if valid_until < end {
                found.push(&anomalies::CERTIFICATE_VALIDITY);
            }
        }
    }
    if today > deadline(end) {
        found.push(&anomalies::LATE);
    }
    found.sort_by_key(|a| !a.blocking);
    found
}

fn joint_committee_ok(jc: &str) -> bool {
    let parts: Vec<&str> = jc.split('.').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [a] => digits(a, 3),
        [a, b] => digits(a, 3) && digits(b, 2),
        [a, b, c] => digits(a, 3) && digits(b, 2) && digits(c, 2),
        _ => false,
    }
}

/// True where any anomaly refuses the declaration.
pub fn is_refused(found: &[&AnomalyKind]) -> bool {
    found.iter().any(|a| a.blocking)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::date;

    pub(crate) fn example() -> Value {
        json!({
            "externalReference": "HR-2025-000123",
            "employer": { "enterpriseNumber": "0403170701" },
            "worker": { "ssin": "85073003328" },
            "training": {
                "name": "Excel voor gevorderden",
                "type": "FORMAL",
                "startDate": "2025-03-03",
                "endDate": "2025-03-04",
                "duration": { "value": 14, "unit": "HOURS" },
                "followed": true,
                "certificate": { "obtained": true, "validUntil": "2028-03-03" },
                "countsForFla": true,
                "providerEnterpriseNumber": "0202239951",
                "jointCommittee": "200"
            }
        })
    }

    fn codes(value: &Value, today: Date) -> Vec<&'static str> {
        check(&parse_declaration(value).unwrap(), today)
            .iter()
            .map(|a| a.code)
            .collect()
    }

    #[test]
    fn the_contract_example_is_accepted_in_time_and_late_after() {
        assert_eq!(codes(&example(), date!(2025 - 04 - 30)), Vec::<&str>::new());
        assert_eq!(codes(&example(), date!(2025 - 05 - 01)), vec!["FLA-LATE"]);
        assert_eq!(deadline(date!(2025 - 12 - 15)), date!(2026 - 01 - 31));
        assert_eq!(deadline(date!(2025 - 02 - 01)), date!(2025 - 04 - 30));
    }

    #[test]
    fn each_rule_fires() {
        let today = date!(2025 - 04 - 01);
        let with = |path: &[&str], v: Value| {
            let mut d = example();
            let mut cur = &mut d;
            for key in &path[..path.len() - 1] {
                cur = cur.get_mut(*key).unwrap();
            }
            cur[path[path.len() - 1]] = v;
            codes(&d, today)
        };
        assert_eq!(
            with(&["worker", "ssin"], json!("85073003329")),
            vec!["FLA-SSIN"]
        );
        assert_eq!(
            with(&["employer", "enterpriseNumber"], json!("0403170702")),
            vec!["FLA-ENTERPRISE"]
        );
        assert_eq!(
            with(&["training", "endDate"], json!("2025-03-02")),
            vec!["FLA-END-BEFORE-START"]
        );
        assert_eq!(
            with(&["training", "startDate"], json!("2023-12-31")),
            vec!["FLA-TOO-EARLY"]
        );
        assert_eq!(
            with(&["training", "endDate"], json!("2025-05-01")),
            vec!["FLA-FUTURE"]
        );
        assert_eq!(
            with(
                &["training", "duration"],
                json!({"value": 0, "unit": "HOURS"})
            ),
            vec!["FLA-DURATION-ZERO"]
        );
        assert_eq!(
            with(
                &["training", "duration"],
                json!({"value": 49, "unit": "HOURS"})
            ),
            vec!["FLA-DURATION-TOO-LONG"]
        );
        assert_eq!(
            with(
                &["training", "duration"],
                json!({"value": 3, "unit": "DAYS"})
            ),
            vec!["FLA-DURATION-TOO-LONG"]
        );
        assert_eq!(
            with(
                &["training", "duration"],
                json!({"value": 1.1, "unit": "HOURS"})
            ),
            vec!["FLA-DURATION-STEP"]
        );
        assert_eq!(
            with(
                &["training", "certificate"],
                json!({"obtained": true, "validUntil": "2025-03-01"})
            ),
            vec!["FLA-CERTIFICATE-VALIDITY"]
        );
        assert_eq!(
            with(
                &["training", "certificate"],
                json!({"obtained": false, "validUntil": "2028-03-01"})
            ),
            vec!["FLA-CERTIFICATE-NOT-OBTAINED"]
        );
        assert_eq!(
            with(&["training", "jointCommittee"], json!("20")),
            vec!["FLA-JOINT-COMMITTEE"]
        );
        assert_eq!(
            with(&["training", "jointCommittee"], json!("200.01.02")),
            Vec::<&str>::new()
        );
        assert_eq!(with(&["training", "name"], json!(" ")), vec!["FLA-NAME"]);
        assert_eq!(
            with(&["externalReference"], json!("x".repeat(51))),
            vec!["FLA-REFERENCE"]
        );
        assert_eq!(
            with(&["training", "providerEnterpriseNumber"], json!("123")),
            vec!["FLA-PROVIDER-ENTERPRISE"]
        );
        // A training not followed may lie in the future.
        let mut d = example();
        d["training"]["followed"] = json!(false);
        d["training"]["endDate"] = json!("2025-05-01");
        assert_eq!(codes(&d, today), Vec::<&str>::new());
    }

    #[test]
    fn the_ssin_is_judged_on_the_rules_today() {
        use crate::identifiers::ssin_check_digits;
        // 26.11.26-033 with the check digits of the rule for births from 2000:
        // born on 26 November 2026, the day after "today".
        let born_tomorrow = format!("261126033{:02}", ssin_check_digits(261_126_033, true));
        let mut d = example();
        d["worker"]["ssin"] = json!(born_tomorrow);
        assert_eq!(
            codes(&d, date!(2026 - 11 - 25)),
            vec!["FLA-SSIN", "FLA-LATE"]
        );
        assert_eq!(codes(&d, date!(2026 - 11 - 26)), vec!["FLA-LATE"]);
        // 31 February 1985.
        d["worker"]["ssin"] = json!(format!(
            "850231033{:02}",
            ssin_check_digits(850_231_033, false)
        ));
        assert_eq!(codes(&d, date!(2025 - 04 - 01)), vec!["FLA-SSIN"]);
        d["worker"]["ssin"] = json!("00000000097");
        assert_eq!(codes(&d, date!(2025 - 04 - 01)), vec!["FLA-SSIN"]);
        d["worker"]["ssin"] = json!("85073003328");
        d["employer"]["enterpriseNumber"] = json!("0000000097");
        assert_eq!(codes(&d, date!(2025 - 04 - 01)), vec!["FLA-ENTERPRISE"]);
    }

    /// 23:30 UTC on 24 November is 00:30 on the 25th in Brussels: a training
    /// that ended on the 25th ended "today", not in the future.
    #[test]
    fn a_training_that_ended_today_in_brussels_is_not_in_the_future_at_half_past_midnight() {
        let now = time::macros::datetime!(2026-11-24 23:30 UTC);
        let today = crate::today::brussels_date(now);
        let mut d = example();
        d["training"]["startDate"] = json!("2026-11-24");
        d["training"]["endDate"] = json!("2026-11-25");
        assert_eq!(codes(&d, today), Vec::<&str>::new());
        // The UTC date would call it future.
        assert_eq!(codes(&d, now.date()), vec!["FLA-FUTURE"]);
    }

    #[test]
    fn what_is_not_a_declaration_gets_issues() {
        assert_eq!(shape_issues(&json!([1, 2])).len(), 1);
        let mut d = example();
        d["training"]["startDate"] = json!("2025-13-01");
        d["worker"] = json!({});
        d["training"]["followed"] = json!("yes");
        let issues = shape_issues(&d);
        let names: Vec<&str> = issues.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["worker.ssin", "training.startDate", "training.followed"]
        );
        assert_eq!(issues[1].value.as_deref(), Some("2025-13-01"));
        assert!(parse_declaration(&example()).is_ok());
    }

    #[test]
    fn every_catalogue_code_is_unique_and_has_three_texts() {
        let mut codes: Vec<&str> = anomalies::ALL.iter().map(|a| a.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), anomalies::ALL.len());
        for a in anomalies::ALL {
            assert!(
                !a.nl.is_empty()
                    && !a.fr.is_empty()
                    && !a.en.is_empty()
                    && a.nl != a.en
                    && a.fr != a.en,
                "{}",
                a.code
            );
        }
    }
}
