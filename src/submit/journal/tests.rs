//! The journal's tests.

use super::schema::{schema_v4_index, SCHEMA_V2, SCHEMA_V3};
use super::*;
use crate::fla::wire;

#[test]
fn a_journal_that_cannot_be_opened_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let path = file.join("journal.sqlite");
    let Err(e) = Journal::open(&path) else {
        panic!("opened under a file")
    };
    assert_eq!(e.code(), "journal_open");
    assert!(e.message(Lang::En).contains("not-a-folder"), "{e}");
}

#[test]
fn drafts_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let form = DraftForm {
        ssin: "85.07.30-033.2".into(),
        start: "2025-03".into(),
        ..DraftForm::default()
    };
    let id = {
        let j = Journal::open(&path).unwrap();
        j.save_form(None, &form, State::Draft).unwrap()
    };
    let j = Journal::open(&path).unwrap();
    let (rows, _) = j.records().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, id);
    assert_eq!(rows[0].form.as_deref(), Some(&form));
    j.set_outcome(id, State::Refused, Some(7), &[]).unwrap();
    assert_eq!(j.records().unwrap().0[0].server_id, Some(7));
}

/// The first journal's schema, as `Journal::open` made it before versions.
const V1: &str = "PRAGMA journal_mode=WAL;
    CREATE TABLE IF NOT EXISTS local_declarations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        form TEXT NOT NULL,
        status TEXT NOT NULL,
        server_id INTEGER,
        anomalies TEXT NOT NULL DEFAULT '[]',
        remote INTEGER NOT NULL DEFAULT 0
    );";

#[test]
fn the_drafts_of_the_first_journal_survive_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let draft = DraftForm {
        reference: "HR-1".into(),
        enterprise: "BE 0403.170.701".into(),
        ssin: "85.07.30-033.2".into(),
        start: "2025-03".into(),
        ..DraftForm::default()
    };
    {
        let db = Connection::open(&path).unwrap();
        db.execute_batch(V1).unwrap();
        let insert = |form: &str, status: &str, server_id: Option<i64>| {
            db.execute(
                "INSERT INTO local_declarations (form, status, server_id) VALUES (?1, ?2, ?3)",
                params![form, status, server_id],
            )
            .unwrap();
        };
        insert(&serde_json::to_string(&draft).unwrap(), "draft", None);
        insert(
            &serde_json::to_string(&draft).unwrap(),
            "processing",
            Some(41),
        );
        insert(&serde_json::to_string(&draft).unwrap(), "sending", None);
        insert("{not json", "draft", None);
    }
    let j = Journal::open(&path).unwrap();
    assert_eq!(j.version().unwrap(), SCHEMA_VERSION);
    let (records, unreadable) = j.records().unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].id, 1);
    assert_eq!(records[0].state, State::Draft);
    assert_eq!(records[0].form.as_deref(), Some(&draft));
    assert_eq!(records[0].reference, "HR-1");
    assert_eq!(records[0].enterprise, "0403170701");
    assert_eq!(records[1].state, State::Submitted);
    assert_eq!(records[1].server_id, Some(41));
    // A request left without an answer is reconciled, not sent blindly.
    assert_eq!(records[2].state, State::Unknown);
    // The row that cannot be read is reported, not turned into a draft.
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0].id, 4);
    assert!(unreadable[0].message(Lang::Fr).contains('4'));
    let listed: Vec<i64> = records.iter().map(|r| r.id).collect();
    assert_eq!(listed, vec![1, 2, 3]);
    assert_eq!(j.transitions(1).unwrap().len(), 1);
    drop(j);
    // Opening again changes nothing.
    let j = Journal::open(&path).unwrap();
    assert_eq!(j.records().unwrap().0, records);
}

/// A journal as version 2 or 3 left it, with `rows` (SQL values of
/// state, reference, enterprise, server_id, form).
fn journal_of_version(path: &Path, version: i64, rows: &str) {
    let db = Connection::open(path).unwrap();
    db.execute_batch(SCHEMA_V2).unwrap();
    if version >= 3 {
        db.execute_batch(SCHEMA_V3).unwrap();
    }
    db.execute_batch(&format!(
        "INSERT INTO declarations (state, reference, enterprise, server_id, form)
         VALUES {rows};
         PRAGMA user_version = {version};"
    ))
    .unwrap();
}

#[test]
fn a_version_2_journal_keeps_its_rows_and_learns_the_sends_avoided() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    journal_of_version(&path, 2, "('submitted', 'R-2', '0403170701', 12, '{}')");
    let mut j = Journal::open(&path).unwrap();
    assert_eq!(j.version().unwrap(), SCHEMA_VERSION);
    let (records, unreadable) = j.records().unwrap();
    assert!(unreadable.is_empty(), "{unreadable:?}");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].server_id, Some(12));
    assert!(!records[0].duplicate_avoided);
    let found = Changes {
        duplicate_avoided: true,
        ..Changes::default()
    };
    j.transition(
        records[0].id,
        State::Submitted,
        State::Accepted,
        &found,
        "found",
    )
    .unwrap();
    // Kept by a later transition that says nothing of it.
    j.transition(
        records[0].id,
        State::Accepted,
        State::Warning,
        &Changes::default(),
        "result",
    )
    .unwrap();
    drop(j);
    let j = Journal::open(&path).unwrap();
    assert!(j.records().unwrap().0[0].duplicate_avoided);
}

fn sent_row(reference: &str) -> Record {
    Record {
        form: Some(Box::new(DraftForm::default())),
        ..Record::new(State::Ready, reference.into(), "0403170701".into())
    }
}

fn opened(path: &Path, server: &str) -> Journal {
    Journal::open_as(
        path,
        &OpenAs {
            server: server.into(),
            ..OpenAs::default()
        },
    )
    .unwrap()
}

#[test]
fn a_version_3_journal_learns_its_server_and_keeps_rows_sent_twice_as_the_servers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    // Two runs at once before the lock: R-1 went to the server twice.
    journal_of_version(
        &path,
        3,
        "('accepted', 'R-1', '0403170701', 11, '{}'),
         ('accepted', 'R-1', '0403170701', 12, '{}'),
         ('ready', 'R-2', '0403170701', NULL, '{}')",
    );
    let mut j = opened(&path, "sandbox");
    assert_eq!(j.version().unwrap(), SCHEMA_VERSION);
    let (records, _) = j.records().unwrap();
    assert_eq!(records.len(), 3, "every row kept");
    assert!(!records[0].remote);
    assert!(records[1].remote, "the second one is what the server holds");
    // R-2 cannot go to the server under a reference another row sent.
    j.insert(&[sent_row("R-3")]).unwrap();
    let second = j.insert(&[sent_row("R-3")]).unwrap()[0];
    let first = records[2].id;
    j.transition(
        first,
        State::Ready,
        State::Sending,
        &Changes::default(),
        "sent",
    )
    .unwrap();
    let r3_first = second - 1;
    j.transition(
        r3_first,
        State::Ready,
        State::Sending,
        &Changes::default(),
        "sent",
    )
    .unwrap();
    let Err(e) = j.transition(
        second,
        State::Ready,
        State::Sending,
        &Changes::default(),
        "sent",
    ) else {
        panic!("a second row sent under one reference")
    };
    assert_eq!(e.code(), "journal_database", "{e}");
    drop(j);
    // Another server's journal in the same file sees none of them.
    let other = opened(&path, "https://other.example/api");
    assert!(other.records().unwrap().0.is_empty());
}

#[test]
fn a_version_4_journal_keeps_its_rows_as_the_flas_and_each_service_sees_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    {
        let db = Connection::open(&path).unwrap();
        db.execute_batch(SCHEMA_V2).unwrap();
        db.execute_batch(SCHEMA_V3).unwrap();
        db.execute_batch(
            "ALTER TABLE declarations ADD COLUMN server TEXT NOT NULL DEFAULT '';
             INSERT INTO declarations (state, reference, enterprise, server_id, form, server)
             VALUES ('accepted', 'R-1', '0403170701', 11, '{}', 'sandbox');",
        )
        .unwrap();
        db.execute_batch(&schema_v4_index()).unwrap();
        db.execute_batch("PRAGMA user_version = 4;").unwrap();
    }
    let mut fla = opened(&path, "sandbox");
    assert_eq!(fla.version().unwrap(), SCHEMA_VERSION);
    let (records, unreadable) = fla.records().unwrap();
    assert!(unreadable.is_empty(), "{unreadable:?}");
    assert_eq!(records.len(), 1, "the FLA's row kept");
    let service: String = fla
        .db
        .query_row("SELECT service FROM declarations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(service, "fla");
    let fla_row = fla.insert(&[sent_row("SAME")]).unwrap()[0];
    fla.transition(
        fla_row,
        State::Ready,
        State::Sending,
        &Changes::default(),
        "sent",
    )
    .unwrap();
    drop(fla);
    let mut dimona = Journal::open_as(
        &path,
        &OpenAs {
            server: "sandbox".into(),
            service: crate::submit::service::DIMONA,
            ..OpenAs::default()
        },
    )
    .unwrap();
    assert!(
        dimona.records().unwrap().0.is_empty(),
        "the FLA's rows are not Dimona's"
    );
    // One identity per service: the same (enterprise, reference) is another
    // service's declaration.
    let row = dimona.insert(&[sent_row("SAME")]).unwrap()[0];
    dimona
        .transition(
            row,
            State::Ready,
            State::Sending,
            &Changes::default(),
            "sent",
        )
        .unwrap();
    assert_eq!(dimona.records().unwrap().0.len(), 1);
}

#[test]
fn rows_of_an_unknown_server_are_kept_apart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    journal_of_version(&path, 2, "('accepted', 'C-1', '0403170701', 11, '{}')");
    let who = OpenAs {
        server: "http://127.0.0.1:9/api".into(),
        legacy_rows_known: false,
        ..OpenAs::default()
    };
    let j = Journal::open_as(&path, &who).unwrap();
    assert!(
        j.records().unwrap().0.is_empty(),
        "never used to skip a send"
    );
    let n: i64 =
        j.db.query_row(
            "SELECT COUNT(*) FROM declarations WHERE server = ?1",
            params![UNKNOWN_SERVER],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1, "kept, marked");
}

#[test]
fn a_transition_from_a_state_the_row_is_no_longer_in_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
    let id = j.insert(&[sent_row("S-1")]).unwrap()[0];
    j.transition(
        id,
        State::Ready,
        State::Sending,
        &Changes::default(),
        "sent",
    )
    .unwrap();
    let batch = [
        Transition {
            id,
            from: State::Sending,
            to: State::Submitted,
            changes: Changes {
                server_id: Some(5),
                ..Changes::default()
            },
            detail: "taken".into(),
        },
        // Another writer's view: the row was still `ready`.
        Transition {
            id,
            from: State::Ready,
            to: State::Sending,
            changes: Changes::default(),
            detail: "sent".into(),
        },
    ];
    let Err(e) = j.transitions_batch(batch.iter()) else {
        panic!("a stale transition was written")
    };
    assert_eq!(e.code(), "journal_stale");
    let (records, _) = j.records().unwrap();
    assert_eq!(records[0].state, State::Sending, "the batch is not written");
    assert_eq!(records[0].server_id, None);
}

#[cfg(unix)]
#[test]
fn a_new_journal_and_its_companions_are_the_users_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let mut j = Journal::open(&path).unwrap();
    j.insert(&[sent_row("PRIVATE-1")]).unwrap();
    for name in ["journal.sqlite", "journal.sqlite-wal"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{name}: {mode:o}");
    }
}

#[test]
fn two_openers_of_a_new_journal_migrate_it_once_without_a_race() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                let who = OpenAs {
                    wait: std::time::Duration::from_secs(20),
                    ..OpenAs::default()
                };
                let mut j = Journal::open_as(&path, &who)?;
                j.insert(&[sent_row("")])?;
                j.version()
            })
        })
        .collect();
    for o in openers {
        assert_eq!(o.join().unwrap().unwrap(), SCHEMA_VERSION);
    }
    let j = Journal::open(&path).unwrap();
    assert_eq!(j.records().unwrap().0.len(), 4);
}

#[test]
fn a_journal_held_by_another_run_is_refused_with_who_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let _held = Journal::open_as(
        &path,
        &OpenAs {
            holder: super::super::owner::Holder::Submit,
            ..OpenAs::default()
        },
    )
    .unwrap();
    let who = OpenAs {
        holder: super::super::owner::Holder::App,
        wait: std::time::Duration::from_millis(300),
        ..OpenAs::default()
    };
    let Err(e) = Journal::open_as(&path, &who) else {
        panic!("opened twice")
    };
    assert_eq!(e.code(), "journal_in_use");
    let text = e.message(Lang::En);
    assert!(text.contains("a submit, started at"), "{text}");
    assert!(e.message(Lang::Nl).contains("een submit"));
}

#[test]
fn a_journal_from_a_newer_app_is_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    {
        let db = Connection::open(&path).unwrap();
        db.execute_batch("PRAGMA user_version = 99;").unwrap();
    }
    let Err(e) = Journal::open(&path) else {
        panic!("opened a newer journal")
    };
    assert_eq!(e.code(), "journal_newer");
    assert!(e.message(Lang::En).contains("99"), "{e}");
}

#[test]
fn every_transition_is_recorded_with_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
    let form = DraftForm {
        reference: "R-1".into(),
        ..DraftForm::default()
    };
    let ids = j
        .insert(&[Record {
            form: Some(Box::new(form)),
            source: Some("f.csv:2".into()),
            ..Record::new(State::Ready, "R-1".into(), "0403170701".into())
        }])
        .unwrap();
    let id = ids[0];
    j.transition(
        id,
        State::Ready,
        State::Sending,
        &Changes {
            sent_at_ms: Some(5),
            ..Changes::default()
        },
        "sent",
    )
    .unwrap();
    let error = RowError {
        code: "timeout".into(),
        message: "no answer".into(),
        trace_id: Some("t".into()),
    };
    j.transition(
        id,
        State::Sending,
        State::Unknown,
        &Changes {
            error: Some(Some(error.clone())),
            ..Changes::default()
        },
        "timeout",
    )
    .unwrap();
    j.transition(
        id,
        State::Unknown,
        State::Submitted,
        &Changes {
            server_id: Some(7),
            error: Some(None),
            ..Changes::default()
        },
        "found",
    )
    .unwrap();
    let (records, _) = j.records().unwrap();
    let r = &records[0];
    assert_eq!(r.state, State::Submitted);
    assert_eq!(r.server_id, Some(7));
    assert_eq!(r.sent_at_ms, Some(5));
    assert_eq!(r.error, None);
    assert_eq!(r.source.as_deref(), Some("f.csv:2"));
    let steps: Vec<String> = j
        .transitions(id)
        .unwrap()
        .into_iter()
        .map(|(from, to, _)| format!("{}>{to}", from.unwrap_or_default()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ">ready",
            "ready>sending",
            "sending>unknown",
            "unknown>submitted"
        ]
    );
}

#[test]
fn a_row_error_is_kept_in_every_language_and_read_back_in_the_one_of_the_moment() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
    let ids = j
        .insert(&[Record {
            form: Some(Box::new(DraftForm::default())),
            ..Record::new(State::Ready, "R-L".into(), "0403170701".into())
        }])
        .unwrap();
    let error = RowError::localized("resumed", None, |lang| {
        crate::i18n::tr(lang, "submit.engine.resumed")
    });
    j.transition(
        ids[0],
        State::Ready,
        State::Failed,
        &Changes {
            error: Some(Some(error)),
            ..Changes::default()
        },
        "failed",
    )
    .unwrap();
    drop(j);
    let j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
    let (records, _) = j.records().unwrap();
    let back = records[0].error.clone().unwrap();
    for lang in Lang::ALL {
        assert_eq!(
            back.text(lang),
            crate::i18n::tr(lang, "submit.engine.resumed")
        );
    }
    assert_ne!(back.text(Lang::Nl), back.text(Lang::En));
    // A message of an older journal is plain text, shown as it is.
    let old = RowError {
        code: "x".into(),
        message: "no answer".into(),
        trace_id: None,
    };
    assert_eq!(old.text(Lang::Fr), "no answer");
}

#[test]
fn a_fetch_from_the_server_never_overwrites_a_correction_being_edited() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
    let held = DraftForm {
        reference: "R".into(),
        enterprise: "0403170701".into(),
        ssin: "85073003328".into(),
        name: "Excel".into(),
        start: "2025-03-03".into(),
        end: "2025-03-04".into(),
        duration: "14".into(),
        ..DraftForm::default()
    };
    let declaration = held.to_declaration().unwrap();
    let edited = DraftForm {
        name: "Excel, corrected".into(),
        ..held.clone()
    };
    let ids = j
        .insert(&[Record {
            form: Some(Box::new(edited.clone())),
            correction_of: Some(9),
            ..Record::new(State::Draft, "R".into(), "0403170701".into())
        }])
        .unwrap();
    let stored = StoredDeclaration {
        declaration,
        declaration_status: wire::DeclarationStatus {
            declaration_id: 9,
            result: wire::ResultCode::A,
            anomalies: vec![],
        },
    };
    let server_row = j.upsert_remote(&stored).unwrap();
    assert_ne!(server_row, ids[0]);
    assert_eq!(j.upsert_remote(&stored).unwrap(), server_row);
    let (records, _) = j.records().unwrap();
    let correction = records.iter().find(|r| r.id == ids[0]).unwrap();
    assert_eq!(correction.form.as_deref(), Some(&edited));
    assert_eq!(correction.state, State::Draft);
    let server = records.iter().find(|r| r.id == server_row).unwrap();
    assert_eq!(server.state, State::Accepted);
    assert_eq!(server.form.as_deref(), Some(&held));
}

#[test]
fn a_form_names_the_fields_it_cannot_read() {
    let form = DraftForm {
        start: "2025-13-01".into(),
        end: "2025-03-04".into(),
        duration: "abc".into(),
        ..DraftForm::default()
    };
    let problems = form.to_declaration().unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
    assert_eq!(
        fields,
        vec!["training.startDate", "training.duration.value"]
    );
    let ok = DraftForm {
        reference: "R".into(),
        enterprise: "BE 0403.170.701".into(),
        ssin: "85.07.30-033.28".into(),
        name: "Excel".into(),
        start: "2025-03-03".into(),
        end: "2025-03-04".into(),
        duration: "14,5".into(),
        ..DraftForm::default()
    };
    let d = ok.to_declaration().unwrap();
    assert_eq!(d.employer.enterprise_number, "0403170701");
    assert_eq!(d.worker.ssin, "85073003328");
    assert_eq!(d.training.duration.value, 14.5);
    assert_eq!(DraftForm::from_declaration(&d).to_declaration().unwrap(), d);
}
