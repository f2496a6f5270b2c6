//! Dimona on the command line, against `sim` over the network: the token for
//! Dimona's scope (an account with the Dimona authorization), a Dimona In
//! for today accepted and its period opened, closed by an Out, cancelled,
//! refused when cancelled again; an In twice refused, not declared twice; a
//! worker not yet identified `S` then `A`; a representative without mandate
//! refused; local rules before anything is sent; a lost answer found on the
//! server, not sent again.

use fla_test_support::cli as support;

use serde_json::{json, Value};
use support::{certs, register, run, start_sim_with, Sim};

/// Today in Brussels, as the rules take it.
fn today() -> String {
    fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc()).to_string()
}

fn write(dir: &std::path::Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path.display().to_string()
}

fn dimona_in(ssin: &str, start: &str, worker_type: &str) -> Value {
    json!({
        "employer": {"enterpriseNumber": "0403170701"},
        "worker": {"ssin": ssin},
        "dimonaIn": {
            "startDate": start,
            "features": {"jointCommissionNumber": "200", "workerType": worker_type}
        }
    })
}

fn with_period(part: &str, period: i64, extra: Value) -> Value {
    let mut body = json!({"periodId": period});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    json!({
        "employer": {"enterpriseNumber": "0403170701"},
        "worker": {"ssin": "85073003328"},
        part: body
    })
}

/// A sandbox with a fast processing, and an account with the Dimona
/// authorization.
struct Dimona {
    data: tempfile::TempDir,
    sim: Sim,
    client_id: String,
    pfx: String,
}

impl Dimona {
    fn start(sim_flags: &[&str], register_flags: &[&str]) -> Dimona {
        let data = tempfile::tempdir().unwrap();
        let mut flags = vec!["--processing-delay-ms", "300"];
        flags.extend_from_slice(sim_flags);
        let sim = start_sim_with(data.path(), &flags);
        let client_id = register(data.path(), &sim, register_flags);
        Dimona {
            pfx: certs::fresh_arg("openssl3-aes256.pfx"),
            data,
            sim,
            client_id,
        }
    }

    /// The connection flags, and `--json`.
    fn connection<'a>(&'a self, args: &mut Vec<&'a str>) {
        args.extend_from_slice(&self.connection_flags());
        args.push("--json");
    }

    fn connection_flags(&self) -> [&str; 8] {
        [
            "--env",
            "sandbox",
            "--service",
            "dimona",
            "--client-id",
            &self.client_id,
            "--pfx",
            &self.pfx,
        ]
    }

    fn declare(&self, name: &str, declaration: &Value) -> (i32, Value) {
        let file = write(self.data.path(), name, declaration);
        let mut args = vec!["declare", "--file", &file];
        self.connection(&mut args);
        run(self.data.path(), &args, "Password")
    }

    /// `declare` with another journal: another tool's run, which the
    /// default journal knows nothing of.
    fn declare_with_journal(&self, journal: &str, name: &str, declaration: &Value) -> (i32, Value) {
        let file = write(self.data.path(), name, declaration);
        let journal = self.data.path().join(journal).display().to_string();
        let mut args = vec!["declare", "--file", &file, "--journal", &journal];
        self.connection(&mut args);
        run(self.data.path(), &args, "Password")
    }

    fn periods(&self) -> Vec<Value> {
        let mut args = vec!["dimona", "periods", "search", "--employer", "0403.170.701"];
        self.connection(&mut args);
        let (code, out) = run(self.data.path(), &args, "Password");
        assert_eq!(code, 0, "{out}");
        out["periods"].as_array().cloned().unwrap_or_default()
    }

    /// How many declarations the sandbox took.
    fn taken(&self) -> u64 {
        support::admin_get(&self.sim, "stats")["dimona_declarations"]
            .as_u64()
            .unwrap()
    }
}

#[test]
fn a_dimona_in_opens_a_period_an_out_closes_it_and_a_cancel_is_refused_twice() {
    let d = Dimona::start(&[], &["--dimona"]);
    let (code, out) = d.declare("in.json", &dimona_in("85073003328", &today(), "OTH"));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["result"], "A");
    assert_eq!(out["anomalies"], json!([]));
    let period = out["periodId"].as_i64().expect("a period");
    let first_id = out["declarationId"].clone();
    let periods = d.periods();
    assert_eq!(periods.len(), 1);
    assert_eq!(periods[0]["status"], "OPEN");
    // `dimona periods search` is Dimona's without `--service` too.
    let (code, out) = run(
        d.data.path(),
        &[
            "dimona",
            "periods",
            "search",
            "--employer",
            "0403170701",
            "--env",
            "sandbox",
            "--client-id",
            &d.client_id,
            "--pfx",
            &d.pfx,
            "--json",
        ],
        "Password",
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["periods"].as_array().map(Vec::len), Some(1));
    assert_eq!(periods[0]["startDate"], today());

    // The same In again: the journal's, its answer again, nothing sent.
    let (code, again) = d.declare("in-again.json", &dimona_in("85073003328", &today(), "OTH"));
    assert_eq!(code, 0, "{again}");
    assert_eq!(again["declarationId"], first_id);
    assert_eq!(again["foundAfterLostAnswer"], true);
    assert_eq!(d.taken(), 1);
    // The same worker and start with another joint committee: held back by
    // the journal (another declaration of the same identity), nothing sent.
    let mut other = dimona_in("85073003328", &today(), "OTH");
    other["dimonaIn"]["features"]["jointCommissionNumber"] = json!("111");
    let (code, held) = d.declare("in-other.json", &other);
    assert_eq!(code, 1, "{held}");
    assert_eq!(held["refusedLocally"], true);
    assert_eq!(held["anomalies"][0]["code"], "reference_conflict");
    assert_eq!(d.taken(), 1);
    // Another In over the open period (another start): refused by the server.
    let tomorrow = (fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc())
        + time::Duration::days(1))
    .to_string();
    let (code, out) = d.declare("in-over.json", &dimona_in("85073003328", &tomorrow, "OTH"));
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["result"], "B");
    assert_eq!(out["anomalies"][0]["code"], "DIM-OVERLAP");
    assert_eq!(d.periods().len(), 1);

    let (code, out) = d.declare(
        "out.json",
        &with_period("dimonaOut", period, json!({"endDate": today()})),
    );
    assert_eq!(code, 0, "{out}");
    let periods = d.periods();
    assert_eq!(periods[0]["status"], "CLOSED");
    assert_eq!(periods[0]["endDate"], today());

    let cancel = with_period("dimonaCancel", period, json!({}));
    let (code, out) = d.declare("cancel.json", &cancel);
    assert_eq!(code, 0, "{out}");
    assert_eq!(d.periods()[0]["status"], "CANCELLED");
    // The same Cancel again: the first one's answer, nothing sent.
    let (code, out) = d.declare("cancel-again.json", &cancel);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["foundAfterLostAnswer"], true);
    // Cancelled elsewhere again (another tool, another journal): refused.
    let (code, out) = d.declare_with_journal("other.sqlite", "cancel-elsewhere.json", &cancel);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["anomalies"][0]["code"], "00913-355");
    // A period of no one: refused with its code.
    let (code, out) = d.declare(
        "cancel-none.json",
        &with_period("dimonaCancel", 999, json!({})),
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["anomalies"][0]["code"], "DIM-PERIOD");
    assert_eq!(d.taken(), 6);
}

#[test]
fn the_token_for_dimona_needs_the_dimona_authorization_in_chaman() {
    let d = Dimona::start(&[], &[]);
    let mut args = vec!["token"];
    d.connection(&mut args);
    let (code, out) = run(d.data.path(), &args, "Password");
    assert_eq!(code, 3, "{out}");
    assert_eq!(out["error"]["code"], "unauthorized_client");
    assert!(
        out["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Dimona"),
        "the explanation names the authorization to tick: {out}"
    );
    // The FLA's token of the same account still comes.
    let d = Dimona::start(&[], &["--dimona"]);
    let mut args = vec!["token"];
    d.connection(&mut args);
    let (code, out) = run(d.data.path(), &args, "Password");
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["scope"], "scope:dimona:declaration:declarant");
}

#[test]
fn a_worker_not_yet_identified_is_waiting_then_accepted() {
    let d = Dimona::start(&[], &["--dimona"]);
    // A BIS number: the register does not know the worker yet. Asked to
    // wait one second only: still `S`, not done (exit 3).
    let bis = dimona_in("85473003317", &today(), "OTH");
    let file = write(d.data.path(), "bis.json", &bis);
    let mut args = vec!["declare", "--file", &file, "--wait", "1"];
    d.connection(&mut args);
    let (code, out) = run(d.data.path(), &args, "Password");
    assert_eq!(code, 3, "{out}");
    assert_eq!(out["result"], "S");
    assert_eq!(out["status"], "waiting");
    // Its period exists: the same In from another journal is refused by the
    // server, not declared twice.
    let (code, out) = d.declare_with_journal("other.sqlite", "bis-again.json", &bis);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["anomalies"][0]["code"], "DIM-OVERLAP");
    assert_eq!(d.periods().len(), 1);
    // Another worker not yet known, waited for: `S`, then `A`.
    let (code, out) = d.declare("bis-2.json", &dimona_in("90481512304", &today(), "OTH"));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["result"], "A", "waited past S: {out}");
    assert_eq!(d.periods().len(), 2);
}

#[test]
fn a_representative_without_the_mandate_is_refused_and_nothing_is_declared() {
    let d = Dimona::start(
        &[],
        &[
            "--dimona",
            "--quality",
            "provider",
            "--mandate",
            "0202239951",
        ],
    );
    let mut args = vec!["declare", "--role", "provider"];
    let file = write(
        d.data.path(),
        "in.json",
        &dimona_in("85073003328", &today(), "OTH"),
    );
    args.extend_from_slice(&["--file", &file]);
    d.connection(&mut args);
    let (code, out) = run(d.data.path(), &args, "Password");
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["error"]["code"], "no_mandate");
    assert_eq!(d.taken(), 0);
}

#[test]
fn local_rules_refuse_before_anything_is_sent() {
    let d = Dimona::start(&[], &["--dimona"]);
    // A student without hours nor place of work.
    let (code, out) = d.declare("stu.json", &dimona_in("85073003328", &today(), "STU"));
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["refusedLocally"], true);
    let codes: Vec<&str> = out["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    assert_eq!(codes, ["DIM-STU-HOURS", "DIM-STU-PLACE"]);
    // Not a Dimona declaration at all: exit 2.
    let (code, out) = d.declare("not.json", &json!({"employer": 1}));
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "not_a_declaration");
    assert_eq!(d.taken(), 0);
}

#[test]
fn a_lost_answer_is_found_on_the_server_and_not_sent_again() {
    // Every answer to a POST is lost after the sandbox kept the declaration.
    let d = Dimona::start(&["--drop-after-commit-rate", "1"], &["--dimona"]);
    let (code, out) = d.declare("in.json", &dimona_in("85073003328", &today(), "OTH"));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["result"], "A");
    assert_eq!(out["foundAfterLostAnswer"], true);
    assert_eq!(d.taken(), 1, "declared once");
    assert_eq!(d.periods().len(), 1);
}

#[test]
fn the_fla_search_says_it_does_not_search_dimona() {
    let data = tempfile::tempdir().unwrap();
    let (code, out) = run(
        data.path(),
        &[
            "declarations",
            "search",
            "--enterprise",
            "0403170701",
            "--service",
            "dimona",
            "--client-id",
            "x",
            "--pfx",
            "y.pfx",
            "--json",
        ],
        "",
    );
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["error"]["code"], "service_not_supported");
}

/// The `i`th worker born 30 July 1985 (a valid INSZ).
fn worker(i: u64) -> String {
    let first_nine = 850_730_000 + i % 997 + 1;
    format!(
        "{first_nine:09}{:02}",
        fla_assistant::identifiers::ssin_check_digits(first_nine, false)
    )
}

/// Today as an office writes it (07/12/2026).
fn today_belgian() -> String {
    let t = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
    format!("{:02}/{:02}/{}", t.day(), u8::from(t.month()), t.year())
}

impl Dimona {
    /// A month-start file of `n` Dimona In for today with an office's
    /// headers in `lang` (the template's, read back), `;`-separated, with
    /// `bad` rows whose INSZ is wrong at the end.
    fn month_start(&self, name: &str, lang: &str, n: u64, bad: u64) -> String {
        let template = self.data.path().join(format!("template-{lang}.csv"));
        let template = template.display().to_string();
        let (code, out) = run(
            self.data.path(),
            &[
                "template",
                &template,
                "--service",
                "dimona",
                "--headers",
                lang,
                "--json",
            ],
            "",
        );
        assert_eq!(code, 0, "{out}");
        let header = std::fs::read_to_string(&template).unwrap();
        let header = header.lines().next().unwrap().to_owned();
        let sep = if header.contains(';') { ";" } else { "," };
        let columns: Vec<&str> = header.split(sep).collect();
        let mut text = format!("{header}\n");
        for i in 0..n + bad {
            let ssin = if i < n {
                worker(i)
            } else {
                format!("8507300{i:04}")
            };
            let cells: Vec<String> = (0..columns.len())
                .map(|c| match c {
                    0 => "0403.170.701".to_owned(),
                    1 => ssin.clone(),
                    3 => today_belgian(),
                    5 => "200".to_owned(),
                    6 => "OTH".to_owned(),
                    _ => String::new(),
                })
                .collect();
            text.push_str(&cells.join(sep));
            text.push('\n');
        }
        let path = self.data.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    fn submit(&self, file: &str, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["submit", file];
        args.extend_from_slice(extra);
        self.connection(&mut args);
        run(self.data.path(), &args, "Password")
    }

    /// How many periods each worker has.
    fn periods_per_worker(&self) -> std::collections::HashMap<String, usize> {
        let mut counts = std::collections::HashMap::new();
        for p in self.periods() {
            *counts
                .entry(p["worker"]["ssin"].as_str().unwrap_or_default().to_owned())
                .or_insert(0) += 1;
        }
        counts
    }
}

#[test]
fn submit_sends_an_offices_month_start_once_with_its_report_in_each_language() {
    let d = Dimona::start(&[], &["--dimona"]);
    for (lang, from) in [("nl", 0), ("fr", 100), ("en", 200)] {
        // Each language its own workers: the same file twice is tried below.
        let file = d.month_start(&format!("month-{lang}.csv"), lang, 0, 0);
        let mut text = std::fs::read_to_string(&file).unwrap();
        let sep = if text.contains(';') { ";" } else { "," };
        for i in from..from + 12 {
            text.push_str(
                &[
                    "0403.170.701".to_owned(),
                    worker(i),
                    String::new(),
                    today_belgian(),
                    String::new(),
                    "200".into(),
                    "OTH".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
                .join(sep),
            );
            text.push('\n');
        }
        // One row whose INSZ is no one's.
        text.push_str(
            &[
                "0403.170.701",
                "85073000000",
                "",
                &today_belgian(),
                "",
                "200",
                "OTH",
                "",
                "",
                "",
                "",
            ]
            .join(sep),
        );
        text.push('\n');
        std::fs::write(&file, text).unwrap();
        let report = d.data.path().join(format!("report-{lang}.csv"));
        let report_arg = report.display().to_string();
        let (code, out) = d.submit(&file, &["--report", &report_arg]);
        assert_eq!(code, 1, "one row invalid: {out}");
        assert_eq!(out["total"], 13, "{out}");
        assert_eq!(out["accepted"], 12, "{out}");
        assert_eq!(out["invalid"], 1, "{out}");
        let report = std::fs::read_to_string(&report).unwrap();
        assert_eq!(report.lines().count(), 14, "{report}");
        // The same file again: nothing sent twice.
        let (code, out) = d.submit(&file, &[]);
        assert_eq!(code, 1, "{out}");
        assert_eq!(out["accepted"], 12, "{out}");
    }
    assert_eq!(d.taken(), 36, "each worker declared once");
    let held = d.periods_per_worker();
    assert_eq!(held.len(), 36);
    assert!(held.values().all(|n| *n == 1), "{held:?}");
}

#[test]
fn a_dimona_dry_run_checks_the_file_and_sends_nothing() {
    let d = Dimona::start(&[], &["--dimona"]);
    let file = d.month_start("month.csv", "nl", 3, 1);
    let (code, out) = run(
        d.data.path(),
        &[
            "submit",
            &file,
            "--service",
            "dimona",
            "--dry-run",
            "--json",
        ],
        "",
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["total"], 4, "{out}");
    assert_eq!(out["valid"], 3, "{out}");
    assert_eq!(out["invalidRows"], 1, "{out}");
    assert_eq!(out["invalid"][0]["row"], 5, "{out}");
    assert_eq!(out["invalid"][0]["field"], "ssin", "{out}");
    assert_eq!(
        out["declarations"].as_array().map(Vec::len),
        Some(3),
        "{out}"
    );
    assert_eq!(
        out["declarations"][0]["dimonaIn"]["startDate"],
        today(),
        "{out}"
    );
    assert_eq!(d.taken(), 0, "nothing sent");
}

#[test]
fn a_dimona_run_cut_between_its_commit_and_its_request_declares_each_worker_once() {
    // A server that opens a second period for an In repeated: only the
    // journal keeps a worker from being declared twice.
    let d = Dimona::start(&["--accept-duplicates"], &["--dimona"]);
    let file = d.month_start("month.csv", "fr", 10, 0);
    let mut args = vec![
        "submit",
        file.as_str(),
        "--concurrency",
        "1",
        "--unknown-wait",
        "2",
    ];
    d.connection(&mut args);
    support::run_cut_after_sending(d.data.path(), &args, "Password", 5);
    assert!(d.taken() < 10);
    let (code, out) = d.submit(&file, &["--concurrency", "1", "--unknown-wait", "2"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["accepted"], 10, "{out}");
    let held = d.periods_per_worker();
    assert_eq!(held.len(), 10, "{held:?}");
    assert!(held.values().all(|n| *n == 1), "declared twice: {held:?}");
}

#[test]
fn the_sandbox_keeps_its_dimona_periods_across_a_restart() {
    let d = Dimona::start(&[], &["--dimona"]);
    let (code, out) = d.declare("in.json", &dimona_in("85073003328", &today(), "OTH"));
    assert_eq!(code, 0, "{out}");
    // Killed and started again on the same state folder.
    let Dimona {
        data,
        sim,
        client_id,
        pfx,
    } = d;
    drop(sim);
    let sim = start_sim_with(data.path(), &["--processing-delay-ms", "300"]);
    let d = Dimona {
        data,
        sim,
        client_id,
        pfx,
    };
    let periods = d.periods();
    assert_eq!(periods.len(), 1, "the period is still there");
    // And the same In from another journal is refused by the restarted
    // sandbox, not declared again.
    let (code, out) = d.declare_with_journal(
        "other.sqlite",
        "in-again.json",
        &dimona_in("85073003328", &today(), "OTH"),
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["anomalies"][0]["code"], "DIM-OVERLAP");
    assert_eq!(d.taken(), 2);
}

#[test]
fn without_json_the_result_and_the_periods_are_said_in_words_in_the_language_chosen() {
    let d = Dimona::start(&[], &["--dimona"]);
    let file = write(
        d.data.path(),
        "in.json",
        &dimona_in("85073003328", &today(), "OTH"),
    );
    let connection = d.connection_flags();
    let mut args = vec!["--lang", "nl", "declare", "--file", &file];
    args.extend_from_slice(&connection);
    let out = support::command(d.data.path(), &args, "Password")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.starts_with("Dimona-aangifte ") && said.contains(": aanvaard (periode "),
        "{said}"
    );
    let mut args = vec![
        "--lang",
        "fr",
        "dimona",
        "periods",
        "search",
        "--employer",
        "0403170701",
    ];
    args.extend_from_slice(&connection);
    let out = support::command(d.data.path(), &args, "Password")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stdout);
    let shown = fla_assistant::i18n::format_date(fla_assistant::today::brussels_date(
        time::OffsetDateTime::now_utc(),
    ));
    assert!(
        said.contains("85.07.30-033.28")
            && said.contains("en cours")
            && said.contains(&format!("du {shown} au …")),
        "{said}"
    );
    // The count on stderr, in French.
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 période trouvée."));
}

#[test]
fn an_employer_written_the_old_way_is_the_same_employer() {
    let d = Dimona::start(&[], &["--dimona"]);
    // `403170701`, nine digits as older papers write it, is 0403.170.701.
    let mut old = dimona_in("85.07.30-033.28", &today(), "OTH");
    old["employer"]["enterpriseNumber"] = json!("403170701");
    let (code, out) = d.declare("old.json", &old);
    assert_eq!(code, 0, "{out}");
    assert_eq!(d.periods().len(), 1, "found under 0403.170.701");
    let first_id = out["declarationId"].clone();
    // The same worker and employer however written: the journal's same
    // declaration, not sent again.
    let (code, out) = d.declare("new.json", &dimona_in("85073003328", &today(), "OTH"));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["declarationId"], first_id);
    assert_eq!(d.taken(), 1);
    // And from another journal, the server's same employer: refused.
    let (code, out) = d.declare_with_journal(
        "other.sqlite",
        "new.json",
        &dimona_in("85073003328", &today(), "OTH"),
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["anomalies"][0]["code"], "DIM-OVERLAP");
}
