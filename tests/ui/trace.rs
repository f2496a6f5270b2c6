//! The Declarations page shows the `BelGov-Trace-Id` of the response that
//! failed next to the failure message: it is what the service desk asks for.

#![cfg(feature = "gui")]

use fla_test_support::app as common;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use common::{english, harness, retype, wait_until_opened, with_sandbox_account};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use fla_assistant::channel::env::{EnvironmentKind, TOKEN_PATH};

#[test]
fn a_failed_submission_shows_its_trace_id() {
    // An API that refuses every request with a 403 of an unknown type.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(|| async {
        (
            StatusCode::FORBIDDEN,
            [
                ("BelGov-Trace-Id", "ui-trace-42"),
                (header::CONTENT_TYPE.as_str(), "application/problem+json"),
            ],
            r#"{"type":"urn:problem-type:sigedis:accountSuspended","title":"Forbidden","status":403,"detail":"suspended"}"#,
        )
            .into_response()
    });
    runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    // Tokens from the app's sandbox, the API from the server above.
    let sandbox = harness.state().connection.sandbox_url().unwrap().to_owned();
    {
        let settings = &mut harness.state_mut().state.connection;
        settings.environment = EnvironmentKind::Custom;
        settings.custom.token_url = Some(format!("{sandbox}{TOKEN_PATH}"));
        settings.custom.api_base = Some(format!("http://{addr}/api"));
    }
    harness
        .get_by_role_and_label(Role::Button, "Declarations")
        .click();
    wait_until_opened(&mut harness);
    harness
        .get_by_role_and_label(Role::Button, "New declaration")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    let today = time::OffsetDateTime::now_utc().date();
    for (label, text) in [
        ("Enterprise number", "0403170701"),
        ("Worker (SSIN)", "85073003328"),
        ("Training name", "Excel"),
        ("Start date", &(today - time::Duration::days(3)).to_string()),
        ("End date", &(today - time::Duration::days(2)).to_string()),
        ("Duration", "7"),
    ] {
        // Typed over (the end date follows the start until typed apart).
        retype(&mut harness, label, text);
    }
    // Saved and checked through the engine: ready to send.
    wait_until_opened(&mut harness);
    harness
        .get_by_role_and_label(Role::Button, "Submit")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(3);
    let shown = harness.query_by_label_contains("ui-trace-42");
    assert!(
        shown.is_some(),
        "no trace id next to the failure: {:?}",
        harness.state().declarations.rows.last()
    );
    assert!(harness.query_by_label_contains("suspended").is_some());
    // Not taken: `failed` with its reason, and it can be sent again.
    let row = harness.state().declarations.rows.last().unwrap().clone();
    assert_eq!(
        row.view.state,
        fla_assistant::submit::state::State::Failed,
        "{row:?}"
    );
    assert!(harness
        .query_by_role_and_label(Role::Button, "Retry")
        .is_some());
}
