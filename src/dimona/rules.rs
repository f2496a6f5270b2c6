//! Dimona's local rules [modelled], the same the sandbox applies: each a code,
//! the field it is about, whether it blocks, and a text in EN/NL/FR. Pure:
//! the declaration and today's date (in Brussels) in, findings out. The rules
//! that need the server's periods (an unknown period, a period cancelled
//! twice, an In over an open period) are the server's alone.

use time::Date;

use super::wire::{Anomaly, Declaration, DimonaIn, DimonaUpdate, JOINT_COMMITTEE_ANY};
use crate::i18n::{tr, Lang};

/// The worker types the rules know [modelled: at least these exist].
pub const WORKER_TYPES: [&str; 5] = ["OTH", "STU", "FLX", "EXT", "DWD"];

/// A student's planned hours: at most this many a year before the quota
/// warning.
pub const STUDENT_QUOTA_HOURS: u32 = 600;

/// One rule not met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleFinding {
    pub code: &'static str,
    /// The field's path in the declaration (`dimonaIn.startDate`).
    pub field: &'static str,
    pub blocking: bool,
}

impl RuleFinding {
    fn blocking(code: &'static str, field: &'static str) -> Self {
        RuleFinding {
            code,
            field,
            blocking: true,
        }
    }

    fn warning(code: &'static str, field: &'static str) -> Self {
        RuleFinding {
            code,
            field,
            blocking: false,
        }
    }

    /// What it means, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        tr(lang, &format!("dimona.rule.{}", self.code))
    }

    /// As the server says it: an anomaly with its three descriptions.
    pub fn anomaly(&self) -> Anomaly {
        Anomaly {
            code: self.code.to_owned(),
            severity: if self.blocking { "BLOCKING" } else { "WARNING" }.to_owned(),
            field: Some(self.field.to_owned()),
            description_nl: self.text(Lang::Nl),
            description_fr: self.text(Lang::Fr),
            description_en: self.text(Lang::En),
        }
    }
}

/// The codes of the rules only the server can apply, with their fields.
pub const NO_SUCH_PERIOD: RuleFinding = RuleFinding {
    code: "DIM-PERIOD",
    field: "periodId",
    blocking: true,
};
pub const ALREADY_CANCELLED: RuleFinding = RuleFinding {
    code: "00913-355",
    field: "dimonaCancel.periodId",
    blocking: true,
};
pub const OVERLAP: RuleFinding = RuleFinding {
    code: "DIM-OVERLAP",
    field: "dimonaIn.startDate",
    blocking: true,
};

fn iso(text: &str) -> Option<Date> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// `"0800"`: hours and minutes of a day.
fn hour(text: &str) -> Option<u32> {
    let t = text.trim();
    if t.len() != 4 || !t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: u32 = t[..2].parse().ok()?;
    let m: u32 = t[2..].parse().ok()?;
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Every rule the client can check before sending.
pub fn check(declaration: &Declaration, today: Date) -> Vec<RuleFinding> {
    let mut out = Vec::new();
    if crate::identifiers::parse_enterprise_number(&declaration.employer.enterprise_number)
        .is_none()
    {
        out.push(RuleFinding::blocking(
            "DIM-ENTERPRISE",
            "employer.enterpriseNumber",
        ));
    }
    if crate::identifiers::parse_ssin_on(&declaration.worker.ssin, today).is_err() {
        out.push(RuleFinding::blocking("DIM-SSIN", "worker.ssin"));
    }
    if declaration.part().is_none() {
        out.push(RuleFinding::blocking("DIM-PART", "dimonaIn"));
        return out;
    }
    if let Some(i) = &declaration.dimona_in {
        check_in(i, today, &mut out);
    }
    if let Some(o) = &declaration.dimona_out {
        if o.period_id <= 0 {
            out.push(RuleFinding::blocking("DIM-PERIOD-ID", "dimonaOut.periodId"));
        }
        if iso(&o.end_date).is_none() {
            out.push(RuleFinding::blocking("DIM-END", "dimonaOut.endDate"));
        }
    }
    if let Some(u) = &declaration.dimona_update {
        check_update(u, &mut out);
    }
    if let Some(c) = &declaration.dimona_cancel {
        if c.period_id <= 0 {
            out.push(RuleFinding::blocking(
                "DIM-PERIOD-ID",
                "dimonaCancel.periodId",
            ));
        }
    }
    out
}

fn check_in(i: &DimonaIn, today: Date, out: &mut Vec<RuleFinding>) {
    let start = iso(&i.start_date);
    match start {
        None => out.push(RuleFinding::blocking("DIM-START", "dimonaIn.startDate")),
        Some(start) if start < today => {
            out.push(RuleFinding::warning("DIM-LATE", "dimonaIn.startDate"))
        }
        Some(_) => {}
    }
    if let Some(end) = &i.end_date {
        match (iso(end), start) {
            (None, _) => out.push(RuleFinding::blocking("DIM-END", "dimonaIn.endDate")),
            (Some(end), Some(start)) if end < start => {
                out.push(RuleFinding::blocking("DIM-END", "dimonaIn.endDate"))
            }
            _ => {}
        }
    }
    let jc = i.features.joint_commission_number.trim();
    let jc_ok =
        jc == JOINT_COMMITTEE_ANY || (jc.len() == 3 && jc.chars().all(|c| c.is_ascii_digit()));
    if !jc_ok {
        out.push(RuleFinding::blocking(
            "DIM-JC",
            "dimonaIn.features.jointCommissionNumber",
        ));
    }
    let kind = i.features.worker_type.trim();
    if !WORKER_TYPES.contains(&kind) {
        out.push(RuleFinding::blocking(
            "DIM-WORKER-TYPE",
            "dimonaIn.features.workerType",
        ));
    }
    if kind == "STU" {
        match i.planned_hours_number {
            None | Some(0) => out.push(RuleFinding::blocking(
                "DIM-STU-HOURS",
                "dimonaIn.plannedHoursNumber",
            )),
            Some(h) if h > STUDENT_QUOTA_HOURS => out.push(RuleFinding::warning(
                "90017-369",
                "dimonaIn.plannedHoursNumber",
            )),
            Some(_) => {}
        }
        if i.student_place_of_work.is_none() {
            out.push(RuleFinding::blocking(
                "DIM-STU-PLACE",
                "dimonaIn.studentPlaceOfWork",
            ));
        }
    }
    if kind == "FLX" {
        let hours = (
            i.start_hour.as_deref().and_then(hour),
            i.end_hour.as_deref().and_then(hour),
        );
        if !matches!(hours, (Some(s), Some(e)) if e > s) {
            out.push(RuleFinding::blocking("DIM-FLX-HOURS", "dimonaIn.startHour"));
        }
    }
}

fn check_update(u: &DimonaUpdate, out: &mut Vec<RuleFinding>) {
    if u.period_id <= 0 {
        out.push(RuleFinding::blocking(
            "DIM-PERIOD-ID",
            "dimonaUpdate.periodId",
        ));
    }
    let nothing = u.start_date.is_none()
        && u.end_date.is_none()
        && u.planned_hours_number.is_none()
        && u.start_hour.is_none()
        && u.end_hour.is_none();
    if nothing {
        out.push(RuleFinding::blocking("DIM-UPDATE-EMPTY", "dimonaUpdate"));
    }
    let start = u.start_date.as_deref().map(iso);
    let end = u.end_date.as_deref().map(iso);
    if matches!(start, Some(None)) {
        out.push(RuleFinding::blocking("DIM-START", "dimonaUpdate.startDate"));
    }
    match (start, end) {
        (_, Some(None)) => out.push(RuleFinding::blocking("DIM-END", "dimonaUpdate.endDate")),
        (Some(Some(s)), Some(Some(e))) if e < s => {
            out.push(RuleFinding::blocking("DIM-END", "dimonaUpdate.endDate"))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dimona::wire::*;
    use time::macros::date;

    fn dimona_in(start: &str, kind: &str) -> Declaration {
        Declaration {
            employer: Employer {
                enterprise_number: "0403170701".into(),
            },
            worker: Worker {
                ssin: "85073003328".into(),
            },
            dimona_in: Some(DimonaIn {
                start_date: start.into(),
                end_date: None,
                features: Features {
                    joint_commission_number: "200".into(),
                    worker_type: kind.into(),
                },
                planned_hours_number: None,
                student_place_of_work: None,
                start_hour: None,
                end_hour: None,
            }),
            dimona_out: None,
            dimona_update: None,
            dimona_cancel: None,
        }
    }

    fn codes(d: &Declaration) -> Vec<&'static str> {
        check(d, date!(2026 - 12 - 07))
            .iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn an_ordinary_in_for_today_meets_every_rule() {
        assert!(codes(&dimona_in("2026-12-07", "OTH")).is_empty());
    }

    #[test]
    fn each_rule_is_said_with_its_code() {
        assert_eq!(codes(&dimona_in("2026-12-06", "OTH")), ["DIM-LATE"]);
        assert_eq!(codes(&dimona_in("07/12/2026", "OTH")), ["DIM-START"]);
        assert_eq!(codes(&dimona_in("2026-12-07", "ABC")), ["DIM-WORKER-TYPE"]);
        assert_eq!(
            codes(&dimona_in("2026-12-07", "STU")),
            ["DIM-STU-HOURS", "DIM-STU-PLACE"]
        );
        assert_eq!(codes(&dimona_in("2026-12-07", "FLX")), ["DIM-FLX-HOURS"]);
        let mut d = dimona_in("2026-12-07", "FLX");
        if let Some(i) = d.dimona_in.as_mut() {
            i.start_hour = Some("0800".into());
            i.end_hour = Some("1630".into());
            i.features.joint_commission_number = "XXX".into();
        }
        assert!(codes(&d).is_empty());
        if let Some(i) = d.dimona_in.as_mut() {
            i.features.joint_commission_number = "20".into();
            i.end_date = Some("2026-12-01".into());
        }
        assert_eq!(codes(&d), ["DIM-END", "DIM-JC"]);
        d.worker.ssin = "85073003329".into();
        d.employer.enterprise_number = "0403170702".into();
        assert_eq!(&codes(&d)[..2], ["DIM-ENTERPRISE", "DIM-SSIN"]);
        // Two parts, or none: not a declaration.
        let mut two = dimona_in("2026-12-07", "OTH");
        two.dimona_cancel = Some(DimonaCancel { period_id: 1 });
        assert_eq!(codes(&two), ["DIM-PART"]);
        let mut empty = dimona_in("2026-12-07", "OTH");
        empty.dimona_in = None;
        empty.dimona_update = Some(DimonaUpdate {
            period_id: 0,
            start_date: None,
            end_date: None,
            planned_hours_number: None,
            start_hour: None,
            end_hour: None,
        });
        assert_eq!(codes(&empty), ["DIM-PERIOD-ID", "DIM-UPDATE-EMPTY"]);
    }

    #[test]
    fn every_rule_has_its_text_in_three_languages() {
        let all = [
            "DIM-PART",
            "DIM-ENTERPRISE",
            "DIM-SSIN",
            "DIM-START",
            "DIM-END",
            "DIM-LATE",
            "DIM-JC",
            "DIM-WORKER-TYPE",
            "DIM-STU-HOURS",
            "DIM-STU-PLACE",
            "DIM-FLX-HOURS",
            "DIM-PERIOD-ID",
            "DIM-UPDATE-EMPTY",
            "90017-369",
            NO_SUCH_PERIOD.code,
            ALREADY_CANCELLED.code,
            OVERLAP.code,
        ];
        for code in all {
            let f = RuleFinding::blocking(code, "x");
            for lang in Lang::ALL {
                let text = f.text(lang);
                assert!(!text.starts_with("dimona.rule."), "{code} in {lang:?}");
            }
            assert_ne!(f.text(Lang::Nl), f.text(Lang::En), "{code}");
        }
    }
}
