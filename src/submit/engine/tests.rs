//! The engine's unit tests.

use super::*;

#[test]
fn a_few_rows_are_asked_one_by_one_and_more_by_a_paged_search() {
    assert_eq!(plan(1, 4, 0), Plan::Gets);
    assert_eq!(plan(4, 4, 10), Plan::Gets);
    assert_eq!(plan(5, 4, 10), Plan::Search);
    assert_eq!(plan(10_000, 4, 10_000), Plan::Search);
    assert_eq!(plan(1, 0, 0), Plan::Search);
    // 2,000 declarations held are 40 pages: 40 GETs cost no more.
    assert_eq!(plan(40, 4, 2_000), Plan::Gets);
    assert_eq!(plan(41, 4, 2_000), Plan::Search);
}

#[test]
fn a_declaration_without_a_reference_is_known_by_its_content() {
    let d: Declaration = serde_json::from_value(serde_json::json!({
        "externalReference": "",
        "employer": {"enterpriseNumber": "0403170701"},
        "worker": {"ssin": "85073003328"},
        "training": {
            "name": "Excel", "type": "FORMAL",
            "startDate": "2025-03-03", "endDate": "2025-03-04",
            "duration": {"value": 14.0, "unit": "HOURS"},
            "followed": true, "countsForFla": true
        }
    }))
    .unwrap();
    let reference = content_reference(&d);
    assert!(
        reference.starts_with("FLA-") && reference.len() == 36,
        "{reference}"
    );
    // The same content, the enterprise written otherwise: the same reference.
    let mut same = d.clone();
    same.employer.enterprise_number = "BE 0403.170.701".into();
    assert_eq!(content_reference(&same), reference);
    assert_eq!(row_key(&same), ("0403170701".into(), reference.clone()));
    // Another training: another reference.
    let mut other = d.clone();
    other.training.name = "Word".into();
    assert_ne!(content_reference(&other), reference);
    // A reference given is kept.
    let mut given = d;
    given.external_reference = " HR-1 ".into();
    assert_eq!(row_key(&given).1, "HR-1");
}

#[test]
fn a_generated_reference_is_new_and_fits_the_contract() {
    let a = new_reference();
    let b = new_reference();
    assert_ne!(a, b);
    assert!(a.starts_with("FLA-") && a.len() <= 50, "{a}");
}

#[test]
fn the_idle_test_waits_for_every_kind_of_work() {
    let mut st = St::default();
    assert!(st.idle());
    st.queue.push_back(1);
    assert!(!st.idle());
    st.paused = true;
    assert!(st.idle(), "paused with nothing in flight");
    st.in_flight = 1;
    assert!(!st.idle());
    let mut st = St {
        jobs: 1,
        ..St::default()
    };
    assert!(!st.idle());
    st.jobs = 0;
    st.watching.insert(1);
    assert!(!st.idle());
}
