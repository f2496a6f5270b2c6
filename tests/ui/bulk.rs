//! The Bulk page, headless: read an HR office's CSV (the Dutch Excel fixture),
//! see its counts and an invalid row's message; change one column of the
//! mapping and see the preview change; send a file's valid rows to the app's
//! sandbox and see them accepted.

#![cfg(feature = "gui")]

use fla_test_support::app as common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{
    english, go_to, harness, step_until, type_into, wait_until_opened, with_sandbox_account,
};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::submit::import;
use fla_assistant::submit::state::State;
use fla_assistant::ui::declarations::state_label;
use fla_assistant::ui::tasks::FileDialog;
use fla_assistant::ui::{FlaApp, Page};
use time::macros::date;
use time::Date;

/// The fixture's own facts are checked at a date of their time.
const TODAY: Date = date!(2025 - 11 - 01);

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn en(key: &str) -> String {
    tr(Lang::En, key)
}

/// Steps frames until a label says `text` (a click is taken a frame or two
/// after it is made; the work then runs on the runtime).
fn wait_for_label(harness: &mut Harness<'static, FlaApp>, text: &str) {
    step_until(harness, &format!("never said: {text}"), 10, |h| {
        h.query_by_label(text).is_some()
    });
}

/// Waits for the engine (the connection made).
fn wait_online(harness: &mut Harness<'static, FlaApp>) {
    step_until(harness, "no engine", 30, |h| h.state().engine.is_online());
}

/// "N of N done — Accepted: N": the progress line of a run whose `n` rows
/// were all accepted.
fn all_accepted(n: usize) -> String {
    let accepted = format!("{}: {n}", state_label(State::Accepted, Lang::En));
    format!("{n} of {n} done — {accepted}")
}

/// Waits until the run's `n` rows are accepted.
fn wait_all_accepted(harness: &mut Harness<'static, FlaApp>, n: usize) {
    let line = all_accepted(n);
    step_until(harness, "the rows were never accepted", 90, |h| {
        h.query_by_label_contains(&line).is_some()
    });
}

/// Clicks *Send the N valid rows*.
fn send_valid_rows(harness: &mut Harness<'static, FlaApp>, n: usize) {
    harness
        .get_by_role_and_label(
            Role::Button,
            &en("bulk.send.other").replace("{n}", &n.to_string()),
        )
        .click();
}

/// The app with a sandbox account and its engine, `path` read on the Bulk page.
fn connected_and_read(path: &Path) -> Harness<'static, FlaApp> {
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    wait_online(&mut harness);
    read(&mut harness, path);
    harness
}

/// Types the path in the file field and reads the file.
fn read(harness: &mut Harness<'static, FlaApp>, path: &Path) {
    go_to(harness, Page::Bulk);
    type_into(
        harness,
        Role::TextInput,
        &en("bulk.file"),
        &path.display().to_string(),
    );
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.read"))
        .click();
    harness.run_steps(2);
    wait_until_opened(harness);
}

/// No file dialog: the page asks where, the place it proposes already
/// typed (`proposed`); Save takes it.
fn save_where_proposed(harness: &mut Harness<'static, FlaApp>, proposed: &Path) {
    harness.run_steps(2);
    let label = en("bulk.save_to");
    let field = harness.get_by_role_and_label(Role::TextInput, &label);
    assert_eq!(
        field.value().as_deref(),
        Some(proposed.display().to_string().as_str()),
        "the place proposed"
    );
    assert!(!proposed.exists(), "nothing written before Save");
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.save_here"))
        .click();
    harness.run_steps(2);
}

#[test]
fn a_file_is_read_with_its_counts_and_an_invalid_rows_message() {
    let mut harness = harness(english());
    harness.state_mut().bulk.today = Some(TODAY);
    let path = fixture("nl-excel-cp1252.csv");
    read(&mut harness, &path);
    // The manifest: 24 rows, 21 valid, 3 refused.
    harness.get_by_label("24 rows: 21 valid, 3 invalid.");
    harness.get_by_role_and_label(Role::Button, &en("bulk.send.other").replace("{n}", "21"));
    // The SSIN shown formatted, as on the Declarations page.
    assert!(harness
        .query_all_by_label("85.11.02-075.78")
        .next()
        .is_some());
    assert!(harness.query_all_by_label("85110207578").next().is_none());
    // Row 5: the SSIN's check digits; its message in the preview, invalid rows only.
    let imported = import::import(&std::fs::read(&path).unwrap(), &[], TODAY).unwrap();
    let row5 = imported.rows.iter().find(|r| r.row == 5).unwrap();
    assert_eq!(row5.problems[0].code, "ssin_checksum");
    let message = row5.problems[0].message(Lang::En);
    harness.get_by_label("Invalid (3)").click();
    harness.run_steps(2);
    harness.get_by_label(&message);
    assert!(
        harness.query_by_label("PUB-0001").is_none(),
        "a valid row is shown"
    );
    harness.get_by_label("All (24)").click();
    harness.run_steps(2);
    harness.get_by_label("PUB-0001");
    // A valid row with a warning of the rules (a late declaration) says it.
    let late = imported
        .rows
        .iter()
        .find(|r| r.is_valid() && !r.warnings.is_empty())
        .expect("a late row in the fixture at TODAY");
    assert_eq!(late.warnings[0].code, "late");
    let said = fla_assistant::i18n::tr_args(
        Lang::En,
        "bulk.valid_warning",
        &[("message", late.warnings[0].message(Lang::En))],
    );
    assert!(harness.query_all_by_label(&said).count() >= 1);
}

/// Chooses `option` in the list of the field labelled `field`.
fn choose(harness: &mut Harness<'static, FlaApp>, field: &str, option: &str) {
    harness.get_by_role_and_label(Role::ComboBox, field).click();
    harness.run_steps(2);
    // The list is drawn last (the column may also be another field's).
    harness.get_all_by_label(option).last().unwrap().click();
    harness.run_steps(2);
    wait_until_opened(harness);
}

#[test]
fn a_template_saved_from_the_page_has_the_users_words_asks_where_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(english());
    harness.state_mut().bulk.today = Some(TODAY);
    harness.state_mut().bulk.template_dir = Some(dir.path().to_path_buf());
    harness
        .state()
        .tasks
        .assume_file_dialog(FileDialog::Missing);
    go_to(&mut harness, Page::Bulk);
    for (button, name) in [
        ("bulk.template_csv", "fla-template.csv"),
        ("bulk.template_xlsx", "fla-template.xlsx"),
    ] {
        harness
            .get_by_role_and_label(Role::Button, &en(button))
            .click();
        let saved = dir.path().join(name);
        save_where_proposed(&mut harness, &saved);
        wait_for_label(&mut harness, &format!("Saved: {}", saved.display()));
        let bytes = std::fs::read(&saved).unwrap();
        // An Excel workbook is a zip; the CSV is UTF-8 with a BOM.
        let magic: &[u8] = if name.ends_with("xlsx") {
            b"PK"
        } else {
            b"\xEF\xBB\xBF"
        };
        assert!(bytes.starts_with(magic), "{name}");
        // Her language's words, each taken for its own field by the importer.
        let table = import::read_table(&bytes).unwrap();
        let mapping = import::map_table(&table, &[]).unwrap();
        assert_eq!(
            mapping.headers,
            import::template_headers_in(import::Headers::In(Lang::En))
        );
        assert!(mapping.ignored.is_empty(), "{:?}", mapping.ignored);
    }
    // Read back on the page: a file with no rows yet, nothing to send.
    read(&mut harness, &dir.path().join("fla-template.xlsx"));
    harness.get_by_label("0 rows: 0 valid, 0 invalid.");
}

#[test]
fn the_invalid_rows_are_saved_with_their_messages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("office.csv");
    std::fs::copy(fixture("nl-excel-cp1252.csv"), &path).unwrap();
    let mut harness = harness(english());
    harness.state_mut().bulk.today = Some(TODAY);
    // No file dialog here: saved beside the file.
    harness
        .state()
        .tasks
        .assume_file_dialog(FileDialog::Missing);
    read(&mut harness, &path);
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.save_invalid"))
        .click();
    let saved = dir.path().join("office-invalid.csv");
    save_where_proposed(&mut harness, &saved);
    wait_for_label(&mut harness, &format!("Saved: {}", saved.display()));
    let mut reader = csv::Reader::from_path(&saved).unwrap();
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "Extern referentienummer");
    assert_eq!(&header[header.len() - 1], "Problems");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let references: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(references, ["PUB-0003", "PUB-0011", "PUB-0017"]);
    assert!(
        rows[0][header.len() - 1].ends_with("[ssin_checksum]"),
        "{:?}",
        rows[0]
    );
    assert!(rows[1][header.len() - 1].contains("[end_before_start]"));
}

#[test]
fn changing_one_column_changes_the_preview() {
    let mut harness = harness(english());
    harness.state_mut().bulk.today = Some(TODAY);
    read(&mut harness, &fixture("nl-excel-cp1252.csv"));
    harness.get_by_label("24 rows: 21 valid, 3 invalid.");
    // The start date taken from the end date's column (the end date then
    // from another): the preview is the importer's with that choice.
    let start = format!("{} *", en("form.start"));
    choose(&mut harness, &start, "Einddatum");
    let bytes = std::fs::read(fixture("nl-excel-cp1252.csv")).unwrap();
    let forced = [(import::Field::Start, Some("Einddatum".to_owned()))];
    let expected = import::import(&bytes, &forced, TODAY).unwrap();
    let valid = expected.valid();
    assert_ne!(valid, 21, "the choice changes nothing");
    harness.get_by_label(&format!("24 rows: {valid} valid, {} invalid.", 24 - valid));
    harness.get_by_label(&format!("Invalid ({})", 24 - valid));
    // The training's name from the reference's column: the preview shows it there.
    let name = format!("{} *", en("form.name"));
    assert!(harness.query_all_by_label("Néerlandais B1").count() >= 2);
    choose(&mut harness, &name, "Extern referentienummer");
    // Neither the mapping's sample nor the preview shows the file's names.
    assert_eq!(harness.query_all_by_label("Néerlandais B1").count(), 0);
    assert!(harness.query_all_by_label("PUB-0000").count() >= 2);
    // A required field from no column: said, and the mapping stays as it was.
    choose(&mut harness, &name, &en("bulk.mapping.none"));
    harness.get_by_label_contains("No column of");
    harness.get_by_label(&format!("24 rows: {valid} valid, {} invalid.", 24 - valid));
}

/// Two yes/no columns whose headers say nothing: which is "followed" and
/// which "counts for the FLA" cannot be told by their values. The page says
/// so, shows the mapping, and the user's choice of each column fixes it.
#[test]
fn yes_no_columns_the_headers_do_not_name_are_chosen_by_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kolom.csv");
    std::fs::write(
        &path,
        "Nr.;Kolom2;Kolom3;KBO;INSZ;Opleiding;Soort;Van;Tot;Uren\n\
         A-1;nee;ja;0403.170.701;85.07.30-033.28;Heftruck;Formeel;3-3-2025;04/03/2025;7,5\n\
         A-2;ja;ja;0403.170.701;85.07.30-033.28;Excel;Formeel;5-3-2025;05/03/2025;4\n",
    )
    .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let name = path.display().to_string();
    let missing = |forced: &[(import::Field, Option<String>)]| {
        import::import(&bytes, forced, TODAY)
            .unwrap_err()
            .message(Lang::En, &name)
    };
    let mut harness = harness(english());
    harness.state_mut().bulk.today = Some(TODAY);
    read(&mut harness, &path);
    let both = missing(&[]);
    assert!(both.contains("followed, countsForFla"), "{both}");
    harness.get_by_label(&both);
    // The mapping is there to choose from.
    let followed = format!("{} *", en("form.followed"));
    choose(&mut harness, &followed, "Kolom2");
    let one = missing(&[(import::Field::Followed, Some("Kolom2".to_owned()))]);
    assert!(
        one.contains("countsForFla") && !one.contains("followed"),
        "{one}"
    );
    harness.get_by_label(&one);
    assert!(harness.query_by_label(&both).is_none());
    let counts = format!("{} *", en("form.counts_for_fla"));
    choose(&mut harness, &counts, "Kolom3");
    assert!(harness.query_by_label(&one).is_none(), "still said: {one}");
    harness.get_by_label("2 rows: 2 valid, 0 invalid.");
    let forced = [
        (import::Field::Followed, Some("Kolom2".to_owned())),
        (import::Field::CountsForFla, Some("Kolom3".to_owned())),
    ];
    let imported = import::import(&bytes, &forced, TODAY).unwrap();
    let first = imported.rows[0].declaration.as_ref().unwrap();
    assert!(!first.training.followed);
    assert!(first.training.counts_for_fla);
}

/// A Dutch office's CSV `name` of last week's trainings, one row per
/// (reference, enterprise, SSIN) as typed.
fn office_file(dir: &Path, name: &str, rows: &[(&str, &str, &str)]) -> PathBuf {
    let today = time::OffsetDateTime::now_utc().date();
    let start = today - time::Duration::days(7);
    let end = today - time::Duration::days(6);
    let d = |d: Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    let mut text = String::from(
        "Referentie;Ondernemingsnummer;INSZ;Naam opleiding;Type;Begindatum;Einddatum;Duur;Eenheid;Gevolgd;Attest behaald;Telt mee voor FLA\n",
    );
    for (reference, enterprise, ssin) in rows {
        text.push_str(&format!(
            "{reference};{enterprise};{ssin};Excel voor gevorderden;Formeel;{};{};7,5;uren;ja;nee;ja\n",
            d(start),
            d(end)
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Two valid rows and one whose SSIN is mistyped.
fn recent_file(dir: &Path) -> PathBuf {
    office_file(
        dir,
        "recent.csv",
        &[
            ("BULK-1", "0403.170.701", "85.07.30-033.28"),
            ("BULK-2", "0403.170.701", "85.07.30-033.29"),
            ("BULK-3", "0403.170.701", "85.07.30-033.28"),
        ],
    )
}

#[test]
fn the_valid_rows_are_sent_to_the_sandbox_and_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = recent_file(dir.path());
    let mut harness = connected_and_read(&path);
    harness.get_by_label("3 rows: 2 valid, 1 invalid.");
    send_valid_rows(&mut harness, 2);
    wait_all_accepted(&mut harness, 2);
    // Each row is in the journal, with the file's row as its source.
    let rows = harness.state().engine.rows();
    for reference in ["BULK-1", "BULK-3"] {
        let row = rows.iter().find(|r| r.view.reference == reference).unwrap();
        assert_eq!(row.view.state, State::Accepted);
        assert!(row.view.source.as_ref().unwrap().ends_with(".csv#2") || reference == "BULK-3");
    }
    assert!(!rows.iter().any(|r| r.view.reference == "BULK-2"));
    // The report: each row of the file, what it came to.
    harness
        .state()
        .tasks
        .assume_file_dialog(FileDialog::Missing);
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.save_report"))
        .click();
    let saved = dir.path().join("recent-report.csv");
    save_where_proposed(&mut harness, &saved);
    wait_for_label(&mut harness, &format!("Saved: {}", saved.display()));
    let report = std::fs::read_to_string(dir.path().join("recent-report.csv")).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 4, "{report}");
    assert!(lines[1].starts_with("2,BULK-1,accepted,"), "{report}");
    assert!(lines[2].starts_with("3,BULK-2,invalid,"), "{report}");
    assert!(lines[2].contains("ssin"), "{report}");
    assert!(lines[3].starts_with("4,BULK-3,accepted,"), "{report}");
    // A row sent opens on the Declarations page.
    let id = rows
        .iter()
        .find(|r| r.view.reference == "BULK-3")
        .unwrap()
        .view
        .id;
    harness.get_by_role_and_label(Role::Link, "4").click();
    harness.run_steps(3);
    assert_eq!(harness.state().state.page, Page::Declarations);
    assert_eq!(harness.state().declarations.editing, Some(id));
}

#[test]
fn the_same_file_under_another_name_is_not_sent_twice_and_its_run_ends() {
    let dir = tempfile::tempdir().unwrap();
    let path = recent_file(dir.path());
    let mut harness = connected_and_read(&path);
    send_valid_rows(&mut harness, 2);
    wait_all_accepted(&mut harness, 2);
    let ids: Vec<_> = harness
        .state()
        .engine
        .rows()
        .iter()
        .map(|r| r.view.id)
        .collect();
    // The copy an office makes ("recent (2).csv"): the same rows, known by
    // enterprise and reference, so the run follows them and ends.
    let copy = dir.path().join("recent (2).csv");
    std::fs::copy(&path, &copy).unwrap();
    reread(&mut harness, &copy);
    send_valid_rows(&mut harness, 2);
    wait_all_accepted(&mut harness, 2);
    let again: Vec<_> = harness
        .state()
        .engine
        .rows()
        .iter()
        .map(|r| r.view.id)
        .collect();
    assert_eq!(again, ids, "rows added again");
}

/// A file as the window system hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Drops `path` on the window.
fn drop_file(harness: &mut Harness<'static, FlaApp>, path: &Path) {
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path.to_path_buf())));
    wait_until_opened(harness);
}

#[test]
fn a_spreadsheet_dropped_on_the_bulk_page_is_read_there() {
    let mut harness = harness(english());
    harness.state_mut().bulk.today = Some(TODAY);
    go_to(&mut harness, Page::Bulk);
    drop_file(&mut harness, &fixture("nl-excel-cp1252.csv"));
    assert_eq!(harness.state().state.page, Page::Bulk);
    harness.get_by_label("24 rows: 21 valid, 3 invalid.");
    // Elsewhere (or not a spreadsheet), a dropped file is for the Certificate page.
    go_to(&mut harness, Page::Support);
    drop_file(&mut harness, &fixture("fr-utf8-bom.csv"));
    assert_eq!(harness.state().state.page, Page::Certificate);
}

/// An office's file whose enrolment date stands left of the training's date
/// under a header that names neither: the importer takes the first date
/// column for the start; the user fixes it.
fn enrolment_file(dir: &Path) -> (PathBuf, Date, Date) {
    let today = time::OffsetDateTime::now_utc().date();
    let (enrolled, start) = (
        today - time::Duration::days(60),
        today - time::Duration::days(7),
    );
    let d = |d: Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    let mut text = String::from(
        "Ref.;KBO;INSZ;Opleiding;Soort;Datum inschrijving;Datum;Tot;Uren;Gevolgd;Telt mee\n",
    );
    for reference in ["E2E-1", "E2E-2"] {
        text.push_str(&format!(
            "{reference};BE 0403.170.701;85.07.30-033.28;Excel;Formeel;{};{};{};7,5;ja;ja\n",
            d(enrolled),
            d(start),
            d(start + time::Duration::days(1)),
        ));
    }
    let path = dir.join("office-e2e.csv");
    std::fs::write(&path, text).unwrap();
    (path, enrolled, start)
}

#[test]
fn drop_fix_one_column_send_and_see_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let (path, enrolled, start) = enrolment_file(dir.path());
    let shown = |d: Date| fla_assistant::i18n::format_date(d);
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    go_to(&mut harness, Page::Bulk);
    drop_file(&mut harness, &path);
    harness.get_by_label("2 rows: 2 valid, 0 invalid.");
    // The preview shows the enrolment date as the start: wrong.
    assert_eq!(harness.query_all_by_label(&shown(start)).count(), 0);
    assert!(harness.query_all_by_label(&shown(enrolled)).count() >= 2);
    choose(&mut harness, &format!("{} *", en("form.start")), "Datum");
    // The preview changed: the training's date, not the enrolment's.
    assert!(harness.query_all_by_label(&shown(start)).count() >= 2);
    assert_eq!(harness.query_all_by_label(&shown(enrolled)).count(), 0);
    wait_online(&mut harness);
    send_valid_rows(&mut harness, 2);
    wait_all_accepted(&mut harness, 2);
    // The report on the page; what was sent is what the user chose.
    harness.get_by_label(&en("bulk.done"));
    for row in harness
        .state()
        .engine
        .rows()
        .iter()
        .filter(|r| r.view.reference.starts_with("E2E-"))
    {
        assert_eq!(row.view.state, State::Accepted);
        assert_eq!(row.form.start, start.to_string(), "{:?}", row.form);
    }
}

#[test]
fn rows_stored_and_not_sent_before_the_app_closed_are_offered_at_the_next_start() {
    let data_dir = common::new_data_dir();
    // As a Bulk run leaves them when the app closes: stored, ready, not sent.
    let today = time::OffsetDateTime::now_utc().date();
    for (i, reference) in ["LEFT-1", "LEFT-2"].into_iter().enumerate() {
        let form = fla_assistant::submit::journal::DraftForm {
            reference: reference.into(),
            enterprise: "0403170701".into(),
            ssin: "85073003328".into(),
            name: "Excel".into(),
            start: (today - time::Duration::days(7)).to_string(),
            end: (today - time::Duration::days(6)).to_string(),
            duration: "14".into(),
            ..Default::default()
        };
        let source = format!("/data/office.csv#{}", i + 2);
        common::journal_row_of(&data_dir, State::Ready, form, Some(source));
    }
    let mut harness = common::harness_in(english(), &data_dir);
    with_sandbox_account(&mut harness);
    go_to(&mut harness, Page::Bulk);
    wait_for_label(
        &mut harness,
        &fla_assistant::i18n::tr_n(Lang::En, "bulk.left", 2, &[]),
    );
    harness
        .get_by_role_and_label(
            Role::Button,
            &fla_assistant::i18n::tr_n(Lang::En, "bulk.left_send", 2, &[]),
        )
        .click();
    wait_all_accepted(&mut harness, 2);
    // The run's rows are rows of the sandbox's journal: another environment
    // lets the run go, and says where its rows stay.
    harness.state_mut().state.connection.environment =
        fla_assistant::channel::env::EnvironmentKind::Production;
    harness.run_steps(3);
    let said = fla_assistant::i18n::Msg::new("bulk.environment_changed")
        .arg("before", fla_assistant::i18n::Msg::new("env.sandbox"))
        .arg("now", fla_assistant::i18n::Msg::new("env.production"))
        .render(Lang::En);
    harness.get_by_label(&said);
    assert!(
        harness.query_by_label_contains(&all_accepted(2)).is_none(),
        "the sandbox's run is still shown in production"
    );
}

/// Reads `path` again on the Bulk page (the field set as the user would leave it).
fn reread(harness: &mut Harness<'static, FlaApp>, path: &Path) {
    go_to(harness, Page::Bulk);
    harness.state_mut().bulk.path = path.display().to_string();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.read"))
        .click();
    harness.run_steps(2);
    wait_until_opened(harness);
}

fn choose_profile(harness: &mut Harness<'static, FlaApp>, name: &str) {
    go_to(harness, Page::Settings);
    harness
        .get_by_role_and_label(Role::ComboBox, &en("settings.profile_current"))
        .click();
    harness.run_steps(2);
    harness.get_by_label(name).click();
    harness.run_steps(3);
    wait_until_opened(harness);
}

#[test]
fn a_changed_column_is_remembered_in_the_profile_across_a_restart() {
    use fla_assistant::profile::{Profile, ProfileStore};
    let data = common::new_data_dir();
    let store = ProfileStore::new(data.join("config"));
    for (id, name) in [("alpha", "Alpha employer"), ("beta", "Beta secretariat")] {
        let profile = Profile {
            name: name.into(),
            ..Profile::default()
        };
        store.save(id, &profile).unwrap();
    }
    let path = fixture("nl-excel-cp1252.csv");
    let forced = [(import::Field::Start, Some("Einddatum".to_owned()))];
    let valid = import::import(&std::fs::read(&path).unwrap(), &forced, TODAY)
        .unwrap()
        .valid();
    assert_ne!(valid, 21, "the choice changes nothing");
    let changed = format!("24 rows: {valid} valid, {} invalid.", 24 - valid);
    let automatic = "24 rows: 21 valid, 3 invalid.";
    let remembered_one = en("bulk.remembered").replace("{n}", "1");
    let state = {
        let mut harness = common::harness_in(
            fla_assistant::ui::AppState {
                profile: Some("alpha".into()),
                ..english()
            },
            &data,
        );
        harness.state_mut().bulk.today = Some(TODAY);
        read(&mut harness, &path);
        harness.get_by_label(automatic);
        choose(
            &mut harness,
            &format!("{} *", en("form.start")),
            "Einddatum",
        );
        harness.get_by_label(&changed);
        harness.run_steps(3);
        wait_until_opened(&mut harness);
        assert_eq!(
            harness
                .state()
                .setup
                .import_mapping()
                .get("startDate")
                .map(String::as_str),
            Some("Einddatum")
        );
        harness.state().state.clone()
    };
    // A restart on the same folder: the same file takes the column chosen.
    let mut harness = common::harness_in(state, &data);
    harness.state_mut().bulk.today = Some(TODAY);
    assert_eq!(harness.state().setup.id, "alpha");
    reread(&mut harness, &path);
    harness.get_by_label(&changed);
    harness.get_by_label(&remembered_one);
    // Another profile has its own (none): the file is mapped by its headers.
    choose_profile(&mut harness, "Beta secretariat");
    assert_eq!(harness.state().setup.id, "beta");
    reread(&mut harness, &path);
    harness.get_by_label(automatic);
    assert!(harness.query_by_label(&remembered_one).is_none());
    // Back to the first; forgotten there, the next reading is automatic.
    choose_profile(&mut harness, "Alpha employer");
    reread(&mut harness, &path);
    harness.get_by_label(&changed);
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.forget_remembered"))
        .click();
    harness.run_steps(3);
    wait_until_opened(&mut harness);
    assert!(harness.state().setup.import_mapping().is_empty());
    harness.get_by_label(&en("bulk.forgot_remembered"));
    reread(&mut harness, &path);
    harness.get_by_label(automatic);
}

/// A sandbox of the test's own that answers every API call slowly, and the
/// app connected to it (a custom environment) with the fixture certificate.
struct SlowSandbox {
    _runtime: tokio::runtime::Runtime,
    _sandbox: fla_assistant::sandbox::Sandbox,
    _state: tempfile::TempDir,
}

fn connect_to_a_slow_sandbox(harness: &mut Harness<'static, FlaApp>) -> SlowSandbox {
    use base64::Engine as _;
    use fla_assistant::channel::env::EnvironmentKind;
    use fla_assistant::sandbox::{self, RegisterRequest, SandboxOptions};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let state = tempfile::tempdir().unwrap();
    let options = SandboxOptions {
        latency: Duration::from_millis(400),
        processing_delay: Duration::ZERO,
        ..SandboxOptions::default()
    };
    let sandbox = runtime
        .block_on(sandbox::start_with(
            "127.0.0.1:0".parse().unwrap(),
            state.path(),
            fla_assistant::channel::token::system_clock(),
            options,
        ))
        .unwrap();
    let pfx = common::certs::fresh("openssl3-aes256.pfx");
    let contents =
        fla_assistant::cert::open_pkcs12(&std::fs::read(&pfx).unwrap(), common::certs::PASSWORD)
            .unwrap();
    let der = &contents.entries[0].certificate.as_ref().unwrap().der;
    let request = RegisterRequest {
        certificate: base64::engine::general_purpose::STANDARD.encode(der),
        enterprise: "0403170701".into(),
        quality: "employer".into(),
        mandates: vec![],
        authorizations: vec![fla_assistant::channel::env::FLA.authorization.into()],
    };
    let admin = format!("{}/chaman/accounts", sandbox.admin_url);
    let client_id = runtime.block_on(async {
        let r = reqwest::Client::new()
            .post(admin)
            .json(&request)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let body: serde_json::Value = r.json().await.unwrap();
        body["client_id"].as_str().unwrap().to_owned()
    });
    common::open_file(harness, &pfx, "Password");
    {
        let connection = &mut harness.state_mut().state.connection;
        connection.environment = EnvironmentKind::Custom;
        connection.custom.token_url = Some(sandbox.token_url.clone());
        connection.custom.api_base = Some(sandbox.api_base.clone());
        connection.client_id = client_id;
    }
    wait_online(harness);
    SlowSandbox {
        _runtime: runtime,
        _sandbox: sandbox,
        _state: state,
    }
}

/// `n` valid rows of last week, references SLOW-1….
fn many_rows(dir: &Path, n: usize) -> PathBuf {
    let today = time::OffsetDateTime::now_utc().date();
    let d = |d: Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    let (start, end) = (
        d(today - time::Duration::days(7)),
        d(today - time::Duration::days(6)),
    );
    let mut text = String::from(
        "Referentie;Ondernemingsnummer;INSZ;Naam opleiding;Type;Begindatum;Einddatum;Duur;Eenheid;Gevolgd;Telt mee voor FLA\n",
    );
    for i in 1..=n {
        text.push_str(&format!(
            "SLOW-{i};0403.170.701;85.07.30-033.28;Excel;Formeel;{start};{end};7,5;uren;ja;ja\n"
        ));
    }
    let path = dir.join("many.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// The rows of the file in the journal that are in `state`.
fn in_state(harness: &Harness<'static, FlaApp>, state: State) -> usize {
    harness
        .state()
        .engine
        .rows()
        .iter()
        .filter(|r| r.view.reference.starts_with("SLOW-") && r.view.state == state)
        .count()
}

/// Steps frames for `how_long`.
fn step_for(harness: &mut Harness<'static, FlaApp>, how_long: Duration) {
    let start = Instant::now();
    while start.elapsed() < how_long {
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
}

/// Sends the file's 40 rows; returns once some are sent and some not yet.
fn send_slowly(harness: &mut Harness<'static, FlaApp>, path: &Path) {
    read(harness, path);
    harness.get_by_label("40 rows: 40 valid, 0 invalid.");
    send_valid_rows(harness, 40);
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
        let ready = in_state(harness, State::Ready);
        let stored = harness
            .state()
            .engine
            .rows()
            .iter()
            .filter(|r| r.view.reference.starts_with("SLOW-"))
            .count();
        let buttons = harness
            .query_by_role_and_label(Role::Button, &en("bulk.pause"))
            .is_some();
        if stored == 40 && ready < 40 && buttons {
            assert!(ready > 0, "all sent before the test could pause");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "nothing sent");
    }
}

#[test]
fn pause_stops_the_sending_and_resume_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(english());
    let _sandbox = connect_to_a_slow_sandbox(&mut harness);
    send_slowly(&mut harness, &many_rows(dir.path(), 40));
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.pause"))
        .click();
    // The requests under way finish; then nothing more is sent.
    step_for(&mut harness, Duration::from_millis(1500));
    harness.get_by_role_and_label(Role::Button, &en("bulk.resume"));
    let ready = in_state(&harness, State::Ready);
    assert!(ready > 0, "paused too late: every row was sent");
    let ready_label = format!("{}: {ready}", state_label(State::Ready, Lang::En));
    harness.get_by_label_contains(&ready_label);
    step_for(&mut harness, Duration::from_millis(2000));
    assert_eq!(in_state(&harness, State::Ready), ready, "sent while paused");
    harness.get_by_label_contains(&ready_label);
    // Resumed: every row is sent and accepted.
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.resume"))
        .click();
    wait_all_accepted(&mut harness, 40);
    harness.get_by_label(&en("bulk.done"));
}

#[test]
fn cancel_leaves_the_rest_unsent_and_says_how_many() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(english());
    let _sandbox = connect_to_a_slow_sandbox(&mut harness);
    send_slowly(&mut harness, &many_rows(dir.path(), 40));
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.cancel"))
        .click();
    // The rows sent come to their result; the others are said, not sent.
    let done = en("bulk.done");
    step_until(&mut harness, "never done", 90, |h| {
        h.query_by_label(&done).is_some()
    });
    let not_sent = in_state(&harness, State::Ready);
    assert!(not_sent > 0, "cancelled too late: every row was sent");
    assert_eq!(
        in_state(&harness, State::Accepted) + not_sent,
        40,
        "every row accepted or not sent"
    );
    harness.get_by_label(&fla_assistant::i18n::tr_n(
        Lang::En,
        "bulk.not_sent",
        not_sent as u64,
        &[],
    ));
    step_for(&mut harness, Duration::from_millis(1500));
    assert_eq!(
        in_state(&harness, State::Ready),
        not_sent,
        "sent after cancel"
    );
    // The report says it: those rows are still ready.
    harness
        .state()
        .tasks
        .assume_file_dialog(FileDialog::Missing);
    harness
        .get_by_role_and_label(Role::Button, &en("bulk.save_report"))
        .click();
    let saved = dir.path().join("many-report.csv");
    save_where_proposed(&mut harness, &saved);
    wait_for_label(&mut harness, &format!("Saved: {}", saved.display()));
    let report = std::fs::read_to_string(&saved).unwrap();
    assert_eq!(
        report.lines().filter(|l| l.contains(",ready,")).count(),
        not_sent,
        "{report}"
    );
}

/// Two rows for the sandbox account's own enterprise and one for an
/// enterprise it holds no mandate for.
fn mixed_file(dir: &Path) -> PathBuf {
    office_file(
        dir,
        "mixed.csv",
        &[
            ("MIX-1", "0403.170.701", "85.07.30-033.28"),
            ("MIX-2", "0202.239.951", "85.07.30-033.28"),
            ("MIX-3", "0403.170.701", "85.07.30-033.28"),
        ],
    )
}

#[test]
fn after_sending_each_row_says_what_it_came_to_and_the_failed_ones_can_be_listed() {
    let dir = tempfile::tempdir().unwrap();
    let path = mixed_file(dir.path());
    let mut harness = connected_and_read(&path);
    harness.get_by_label("3 rows: 3 valid, 0 invalid.");
    let start_field = format!("{} *", en("form.start"));
    assert!(harness
        .query_by_role_and_label(Role::ComboBox, &start_field)
        .is_some());
    send_valid_rows(&mut harness, 3);
    let done = en("bulk.done");
    step_until(&mut harness, "never done", 90, |h| {
        h.query_by_label(&done).is_some()
    });
    step_for(&mut harness, Duration::from_millis(600));
    // The columns are folded away: the report is near the top.
    assert!(
        harness
            .query_by_role_and_label(Role::ComboBox, &start_field)
            .is_none(),
        "the mapping is still open after the send"
    );
    let rows = harness.state().engine.rows();
    let failed = rows
        .iter()
        .find(|r| r.view.reference == "MIX-2")
        .expect("MIX-2 in the journal");
    assert_eq!(failed.view.state, State::Failed);
    let error = failed.view.error.clone().expect("a failure kept");
    assert_eq!(error.code, "no_mandate");
    // The Check column: the state as the Declarations page names it, and why.
    let said = format!("Failed: {}", error.text(Lang::En));
    harness.get_by_label(&said);
    assert_eq!(harness.query_all_by_label("Accepted").count(), 2);
    // The report: one line per code, with what it means.
    harness.get_by_label(&format!("no_mandate (1 row): {}", error.text(Lang::En)));
    // The rows to fix, listed alone.
    harness.get_by_label("Refused or failed (1)").click();
    harness.run_steps(2);
    harness.get_by_label(&said);
    assert!(
        harness.query_by_label("MIX-1").is_none(),
        "an accepted row is listed"
    );
    harness.get_by_label("Accepted (2)").click();
    harness.run_steps(2);
    harness.get_by_label("MIX-1");
    harness.get_by_label("MIX-3");
    assert!(
        harness.query_by_label("MIX-2").is_none(),
        "a failed row is listed"
    );
}

#[test]
fn rows_for_an_enterprise_the_profile_does_not_send_for_are_flagged() {
    use fla_assistant::checklist::Role as ProfileRole;
    use fla_assistant::profile::{ClientEnterprise, MandateState};
    let dir = tempfile::tempdir().unwrap();
    let path = mixed_file(dir.path());
    let mut harness = harness(english());
    {
        let profile = &mut harness.state_mut().setup.profile;
        profile.role = Some(ProfileRole::Employer);
        profile.enterprise = "0403170701".into();
    }
    read(&mut harness, &path);
    harness.get_by_label("3 rows: 3 valid, 0 invalid.");
    let other = fla_assistant::i18n::Msg::new("bulk.scope.other_enterprise")
        .arg("enterprise", "0202.239.951")
        .arg("own", "0403.170.701")
        .render(Lang::En);
    assert_eq!(harness.query_all_by_label(&other).count(), 1);
    harness.get_by_label(&fla_assistant::i18n::tr_n(
        Lang::En,
        "bulk.scope.send_other",
        1,
        &[("valid", "3".into())],
    ));
    // A representative: the rows of clients without an active mandate.
    {
        let profile = &mut harness.state_mut().setup.profile;
        profile.role = Some(ProfileRole::Representative);
        profile.enterprise.clear();
        profile.clients = vec![
            ClientEnterprise {
                enterprise: "0403170701".into(),
                mandate: MandateState::Active,
                ..ClientEnterprise::default()
            },
            ClientEnterprise {
                enterprise: "0202239951".into(),
                mandate: MandateState::Missing,
                ..ClientEnterprise::default()
            },
        ];
    }
    harness.run_steps(3);
    assert_eq!(harness.query_all_by_label(&other).count(), 0);
    let no_mandate = fla_assistant::i18n::Msg::new("bulk.scope.no_mandate")
        .arg("enterprise", "0202.239.951")
        .render(Lang::En);
    assert_eq!(harness.query_all_by_label(&no_mandate).count(), 1);
    harness.get_by_label(&fla_assistant::i18n::tr_n(
        Lang::En,
        "bulk.scope.send_no_mandate",
        1,
        &[("valid", "3".into())],
    ));
}

#[test]
fn the_template_line_hides_once_a_file_is_read_and_the_file_goes_into_recent_files() {
    let mut harness = harness(english());
    harness.state_mut().bulk.today = Some(TODAY);
    go_to(&mut harness, Page::Bulk);
    let intro = en("bulk.template_intro");
    harness.get_by_label(&intro);
    let path = fixture("nl-excel-cp1252.csv");
    read(&mut harness, &path);
    harness.get_by_label("24 rows: 21 valid, 3 invalid.");
    assert!(harness.query_by_label(&intro).is_none(), "still offered");
    assert_eq!(
        harness
            .state()
            .setup
            .recent
            .paths
            .first()
            .map(String::as_str),
        Some(path.display().to_string().as_str()),
        "not in the recent files"
    );
    // The field emptied: offered again.
    harness.state_mut().bulk.path.clear();
    harness.run_steps(2);
    harness.get_by_label(&intro);
    // A file that cannot be read: offered too.
    read(&mut harness, &fixture("no-such-file.csv"));
    harness.run_steps(2);
    harness.get_by_label(&intro);
}

#[test]
fn another_profile_lets_the_run_go_and_says_so() {
    use fla_assistant::profile::{Profile, ProfileStore};
    let data = common::new_data_dir();
    let store = ProfileStore::new(data.join("config"));
    for (id, name) in [("alpha", "Alpha employer"), ("beta", "Beta secretariat")] {
        let profile = Profile {
            name: name.into(),
            ..Profile::default()
        };
        store.save(id, &profile).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = recent_file(dir.path());
    let mut harness = common::harness_in(
        fla_assistant::ui::AppState {
            profile: Some("alpha".into()),
            ..english()
        },
        &data,
    );
    with_sandbox_account(&mut harness);
    wait_online(&mut harness);
    read(&mut harness, &path);
    send_valid_rows(&mut harness, 2);
    wait_all_accepted(&mut harness, 2);
    choose_profile(&mut harness, "Beta secretariat");
    go_to(&mut harness, Page::Bulk);
    harness.run_steps(3);
    let said = fla_assistant::i18n::Msg::new("bulk.profile_changed")
        .arg("before", "Alpha employer")
        .arg("now", "Beta secretariat")
        .render(Lang::En);
    harness.get_by_label(&said);
    assert!(
        harness.query_by_label_contains(&all_accepted(2)).is_none(),
        "the other profile's run is still shown"
    );
}

#[test]
fn a_reference_two_workers_share_is_marked_in_the_preview_with_the_row_that_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    // The course code as the reference: row 3 is another worker under row 2's.
    let path = office_file(
        dir.path(),
        "course.csv",
        &[
            ("VCA-2026", "0403170701", "85073003328"),
            ("VCA-2026", "0403170701", "17073003384"),
            ("VCA-2026", "0403170701", "85073003328"),
        ],
    );
    let mut harness = harness(english());
    read(&mut harness, &path);
    // Row 3 held back; row 4 the same as row 2: valid, said, sent once.
    harness.get_by_label("3 rows: 2 valid, 1 invalid.");
    let today = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
    let imported = import::import(&std::fs::read(&path).unwrap(), &[], today).unwrap();
    let row3 = imported.rows.iter().find(|r| r.row == 3).unwrap();
    assert_eq!(row3.problems[0].code, "reference_conflict");
    let message = row3.problems[0].message(Lang::En);
    assert!(message.contains("row 2"), "{message}");
    harness.get_by_label(&message);
    let row4 = imported.rows.iter().find(|r| r.row == 4).unwrap();
    assert_eq!(row4.warnings[0].code, "duplicate_row");
}
