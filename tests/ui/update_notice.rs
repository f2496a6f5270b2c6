//! The update notice: off until asked for (on the Checklist's last step, once,
//! or in Settings); then the release feed read (here, one served on
//! loopback) and a newer version said on the status bar with its download
//! page and this system's SHA-256.

use fla_test_support::app as common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use fla_assistant::i18n::{tr, tr_args, Lang};
use fla_assistant::ui::Page;

fn en(key: &str) -> String {
    tr(Lang::En, key)
}

/// A feed on loopback saying version 99.0.0 for this system; its address,
/// and how many requests it had.
fn feed() -> (String, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let counted = asked.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let body = serde_json::json!({
        "version": "99.0.0",
        "date": "2027-01-15",
        "page": "https://example.test/releases",
        "platforms": {
            fla_assistant::update::platform(): {
                "url": "https://example.test/download",
                "sha256": "ef".repeat(32)
            }
        }
    })
    .to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counted.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (format!("http://{addr}/latest.json"), asked)
}

#[test]
fn it_is_off_until_asked_for_and_then_says_a_newer_version_on_the_status_bar() {
    let (url, asked) = feed();
    let mut state = common::english();
    state.update.feed = url;
    let mut harness = common::harness(state);
    assert!(!harness.state().state.update.enabled, "off by default");
    common::go_to(&mut harness, Page::Settings);
    harness.run_steps(5);
    let said = tr_args(
        Lang::En,
        "update.available",
        &[
            ("version", "99.0.0".into()),
            ("current", fla_assistant::update::CURRENT.into()),
        ],
    );
    assert!(harness.query_by_label(&said).is_none());
    assert_eq!(
        asked.load(Ordering::SeqCst),
        0,
        "nothing asked for, nothing read"
    );
    harness
        .get_by_role_and_label(Role::CheckBox, &en("update.enable"))
        .click();
    common::step_until(&mut harness, "the feed was never read", 30, |h| {
        h.query_by_label(&said).is_some()
    });
    // Once, not on every frame (once a day).
    harness.run_steps(20);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    // On the status bar of another page too, with its download and SHA-256.
    common::go_to(&mut harness, Page::Certificate);
    assert_eq!(harness.state().state.page, Page::Certificate);
    let n = harness.get_all_by_label(&said).count();
    assert_eq!(n, 1, "said once");
    harness.get_by_role_and_label(Role::Link, &en("update.download"));
    harness.get_by_label(&format!("SHA-256 {}", "ef".repeat(32)));
    // Turned off: not said.
    common::go_to(&mut harness, Page::Settings);
    harness
        .get_by_role_and_label(Role::CheckBox, &en("update.enable"))
        .click();
    harness.run_steps(3);
    assert!(harness.query_by_label(&said).is_none());
}

#[test]
fn the_checklists_last_step_asks_once() {
    let mut harness = common::harness(common::english());
    common::go_to(&mut harness, Page::Checklist);
    harness.get_by_label(&en("checklist.role.employer")).click();
    harness.run_steps(2);
    harness
        .state_mut()
        .checklist
        .unfold(fla_assistant::checklist::Step::RealDeclaration);
    harness.run_steps(3);
    harness
        .get_by_role_and_label(Role::Button, &en("update.no_thanks"))
        .click();
    harness.run_steps(3);
    let update = &harness.state().state.update;
    assert!(update.asked && !update.enabled);
    // Asked: not again.
    assert!(harness
        .query_by_role_and_label(Role::Button, &en("update.no_thanks"))
        .is_none());
}
