//! A file the system gives the app (a double-click on a `.pfx`, the
//! desktop's "Open with" on a spreadsheet): opened on its page.

use fla_test_support::app as common;
use fla_test_support::certs;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::ui::Page;

#[test]
fn a_certificate_opens_on_the_certificate_page_and_asks_its_password() {
    let mut harness = common::harness(common::english());
    let path = certs::fresh("openssl3-aes256.pfx");
    harness.state_mut().open_file(&path);
    harness.run_steps(3);
    assert_eq!(harness.state().state.page, Page::Certificate);
    assert_eq!(harness.state().certificate.path, path.display().to_string());
    // The password is what is asked next.
    harness.get_by_role_and_label(Role::PasswordInput, &tr(Lang::En, "cert.password"));
    // Support staff (and scripts/package-linux.sh --try) can follow it in the log.
    let said = format!("opened {} on the Certificate page", path.display());
    assert!(
        harness.state().log.recent().iter().any(|l| l.text == said),
        "{:?}",
        harness.state().log.recent()
    );
}

#[test]
fn a_spreadsheet_opens_on_the_bulk_page_and_is_read() {
    let mut harness = common::harness(common::english());
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import/nl-excel-cp1252.csv");
    harness.state_mut().open_file(&path);
    common::step_until(&mut harness, "the file was never read", 30, |h| {
        !h.state().bulk.is_busy()
    });
    assert_eq!(harness.state().state.page, Page::Bulk);
    harness.get_by_label(&tr(Lang::En, "bulk.mapping"));
}

#[test]
fn only_a_lone_file_of_a_kind_the_app_opens_is_one() {
    use fla_assistant::cli::desktop_file_arg;
    let argv = |args: &[&str]| -> Vec<std::ffi::OsString> {
        std::iter::once("fla-assistant")
            .chain(args.iter().copied())
            .map(Into::into)
            .collect()
    };
    assert_eq!(
        desktop_file_arg(&argv(&["/home/hr/Certificaat.PFX"])),
        Some("/home/hr/Certificaat.PFX".into())
    );
    assert_eq!(
        desktop_file_arg(&argv(&["--lang", "nl", "maandstart.xlsx"])),
        Some("maandstart.xlsx".into())
    );
    // A command, a typo of one, a flag, or more: the command line's.
    for args in [
        &["submit"][..],
        &["submt"],
        &["--help"],
        &["cert", "inspect", "a.pfx"],
        &["a.pfx", "b.pfx"],
        &["notes.doc"],
        &[],
    ] {
        assert_eq!(desktop_file_arg(&argv(args)), None, "{args:?}");
    }
}
