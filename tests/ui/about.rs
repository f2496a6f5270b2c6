//! Settings → About: the version and build, the app's folders with a way to
//! open each, and the licences of the libraries it is built with.

use fla_test_support::app as common;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use fla_assistant::i18n::{tr, tr_n, Lang};
use fla_assistant::ui::Page;

#[test]
fn about_says_the_version_the_folders_and_the_licences() {
    for lang in [Lang::En, Lang::Nl, Lang::Fr] {
        let state = fla_assistant::ui::AppState {
            lang: Some(lang),
            ..fla_assistant::ui::AppState::default()
        };
        let mut harness = common::harness(state);
        common::go_to_in(&mut harness, Page::Settings, lang);
        harness.get_by_label_contains(fla_assistant::update::CURRENT);
        harness.get_by_label_contains(fla_assistant::support::BUILD_COMMIT);
        for key in ["about.open_data_folder", "about.open_config_folder"] {
            harness.get_by_role_and_label(Role::Button, &tr(lang, key));
        }
        let n = fla_assistant::support::licences().count();
        assert!(n > 100, "the libraries' licences: {n}");
        harness.get_by_label(&tr_n(lang, "about.licences", n as u64, &[]));
    }
}
