//! `submit --dry-run`: the file read, mapped and checked, nothing sent: the
//! mapping, the invalid rows and their problems, the declarations (inline up
//! to a bound, or to `--declarations-out`), streamed so that a million rows
//! print in bounded memory.

use super::*;

/// The mapping as lines for a person: each field's column and why, then the
/// columns left out.
pub(super) fn mapping_text(mapping: &import::Mapping, lang: Lang) -> Vec<String> {
    let mut lines: Vec<String> = mapping
        .fields
        .iter()
        .map(|m| {
            tr_args(
                lang,
                "import.mapping_line",
                &[
                    ("field", m.field.name().to_owned()),
                    ("header", m.header.clone()),
                    ("by", tr(lang, &format!("import.by.{}", m.by.code()))),
                ],
            )
        })
        .collect();
    lines.extend(ignored_line(&mapping.ignored, lang));
    lines
}

/// The columns a mapping leaves out, in one line (none: no line).
pub(super) fn ignored_line(ignored: &[String], lang: Lang) -> Option<String> {
    (!ignored.is_empty()).then(|| {
        tr_args(
            lang,
            "import.ignored_columns",
            &[("columns", ignored.join(", "))],
        )
    })
}

/// One row's problem, as `--dry-run` reports it.
pub(super) fn problem_json(row: usize, reference: &str, p: &import::Problem, lang: Lang) -> Value {
    json!({
        "row": row,
        "externalReference": reference,
        "field": p.field,
        "code": p.code,
        "message": p.message(lang),
        "value": p.value,
        "anomaly": p.anomaly(),
    })
}

/// Valid rows up to which `--dry-run --json` lists their declarations without
/// being asked (`--include-declarations`): above, the JSON of a huge file would
/// be mostly the file again, and held whole in memory to be printed.
pub const DECLARATIONS_INLINE_MAX: u64 = 10_000;

/// A JSON Lines row as a declaration, or what makes it none (field, message).
pub(super) fn jsonl_declaration(
    r: &input::InputRow,
    lang: Lang,
) -> Result<Declaration, Vec<(String, String)>> {
    match &r.value {
        Err(e) => Err(vec![(String::new(), e.to_string())]),
        Ok(value) => {
            let mut value = value.clone();
            if let Value::Object(map) = &mut value {
                map.entry("externalReference")
                    .or_insert_with(|| Value::String(String::new()));
            }
            rules::parse_declaration(&value).map_err(|issues| {
                issues
                    .iter()
                    .map(|i| (i.name.clone(), crate::cli::issue_text(lang, i)))
                    .collect()
            })
        }
    }
}

pub(super) fn write_failed(path: &Path, e: &std::io::Error, lang: Lang) -> CliError {
    CliError {
        code: "write_failed".into(),
        message: tr_args(
            lang,
            "error.write_failed",
            &[
                ("path", path.display().to_string()),
                ("detail", e.to_string()),
            ],
        ),
        exit: exit::BAD_INPUT,
    }
}

/// A row's problem or warning as a dry run keeps it until it is said: the
/// row, its reference and the problem (its message made only when printed).
type Finding = (usize, String, import::Problem);

/// What a dry run keeps while the rows go by: counts, the problems and
/// warnings (a hundred bytes or so each, their text made when printed), a
/// 40-byte entry per reference for the conflicts, and the declarations only as
/// asked (a few in the JSON, or written to `--declarations-out` as they come).
pub(super) struct DryRunReport<'a> {
    book: ReferenceBook,
    total: u64,
    valid: u64,
    invalid_rows: u64,
    problems: Vec<Finding>,
    warnings: Vec<Finding>,
    /// The declarations for the JSON, while they are at most
    /// [`DECLARATIONS_INLINE_MAX`]; `None` when not kept (over, not asked, or
    /// streamed at the end).
    inline: Option<Vec<Value>>,
    out_file: Option<(&'a Path, std::io::BufWriter<std::fs::File>)>,
    /// Rows whose values alone are valid, held back for a conflicting
    /// reference (in the file's order).
    conflict_rows: Vec<usize>,
}

impl<'a> DryRunReport<'a> {
    fn new(args: &'a SubmitArgs, lang: Lang) -> Result<DryRunReport<'a>, CliError> {
        let out_file = match &args.declarations_out {
            Some(path) => {
                let file = std::fs::File::create(path).map_err(|e| write_failed(path, &e, lang))?;
                Some((path.as_path(), std::io::BufWriter::new(file)))
            }
            None => None,
        };
        Ok(DryRunReport {
            book: ReferenceBook::new(),
            total: 0,
            valid: 0,
            invalid_rows: 0,
            problems: Vec::new(),
            warnings: Vec::new(),
            inline: (args.json && !args.include_declarations).then(Vec::new),
            out_file,
            conflict_rows: Vec::new(),
        })
    }

    /// One row: its declaration where its values make one, its problems and
    /// warnings; a reference an earlier row holds adds its own.
    fn row(
        &mut self,
        row: usize,
        reference: &str,
        declaration: Option<Declaration>,
        mut problems: Vec<import::Problem>,
        mut warnings: Vec<import::Problem>,
        lang: Lang,
    ) -> Result<(), CliError> {
        self.total += 1;
        if let Some(d) = &declaration {
            let clean = problems.is_empty();
            let noted = import::check_row(&mut self.book, row, d, &mut problems, &mut warnings);
            if clean && matches!(noted, Noted::Conflict { .. }) {
                self.conflict_rows.push(row);
            }
        }
        let valid = declaration.is_some() && problems.is_empty();
        self.warnings
            .extend(warnings.into_iter().map(|w| (row, reference.to_owned(), w)));
        self.problems
            .extend(problems.into_iter().map(|p| (row, reference.to_owned(), p)));
        match declaration {
            Some(d) if valid => {
                self.valid += 1;
                let value = import::declaration_json(&d);
                if let Some((path, out)) = &mut self.out_file {
                    use std::io::Write;
                    serde_json::to_writer(&mut *out, &value)
                        .map_err(std::io::Error::from)
                        .and_then(|()| out.write_all(b"\n"))
                        .map_err(|e| write_failed(path, &e, lang))?;
                }
                if self.valid > DECLARATIONS_INLINE_MAX {
                    self.inline = None;
                } else if let Some(list) = &mut self.inline {
                    list.push(value);
                }
            }
            _ => self.invalid_rows += 1,
        }
        Ok(())
    }

    /// Whether a row valid by its values was held back for its reference.
    fn held_back(&self, row: usize) -> bool {
        self.conflict_rows.binary_search(&row).is_ok()
    }
}

/// A warning as `--dry-run --json` says it.
pub(super) fn warning_json(row: usize, reference: &str, w: &import::Problem, lang: Lang) -> Value {
    json!({
        "row": row,
        "externalReference": reference,
        "field": w.field,
        "code": w.code,
        "message": w.message(lang),
        "anomaly": w.anomaly(),
    })
}

/// A problem or a warning as a line of text.
pub(super) fn finding_line(key: &str, (row, reference, p): &Finding, lang: Lang) -> String {
    tr_args(
        lang,
        key,
        &[
            ("row", row.to_string()),
            ("reference", reference.clone()),
            ("message", p.message(lang)),
            ("code", p.code.to_owned()),
        ],
    )
}

/// An array written as its items come (`--include-declarations`), never held.
pub(super) struct StreamedArray<I>(std::cell::RefCell<Option<I>>);

impl<I: Iterator<Item = Value>> serde::Serialize for StreamedArray<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let items = self.0.borrow_mut().take();
        serializer.collect_seq(items.into_iter().flatten())
    }
}

/// Items of a JSON array, made as they are written.
type Items<'a> = Box<dyn Iterator<Item = Value> + 'a>;

/// A JSON object some of whose members are [`StreamedArray`]s, in the order
/// (and the pretty form) `print_json` gives the object.
pub(super) struct WithStreamed<'a, 'b> {
    fields: &'a serde_json::Map<String, Value>,
    streamed: Vec<(&'static str, StreamedArray<Items<'b>>)>,
}

impl serde::Serialize for WithStreamed<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (k, v) in self.fields {
            match self.streamed.iter().find(|(key, _)| key == k) {
                Some((_, items)) => map.serialize_entry(k, items)?,
                None => map.serialize_entry(k, v)?,
            }
        }
        map.end()
    }
}

/// Prints `out` as `print_json` does, with the `streamed` members written as
/// their items come (never held whole).
pub(super) fn print_json_streamed(out: &Value, streamed: Vec<(&'static str, Items<'_>)>) {
    use std::io::Write;
    let Value::Object(fields) = out else {
        return print_json(out);
    };
    let whole = WithStreamed {
        fields,
        streamed: streamed
            .into_iter()
            .map(|(key, items)| (key, StreamedArray(std::cell::RefCell::new(Some(items)))))
            .collect(),
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed stdout (a pipe to `head`) is not worth a panic.
    let _ = serde_json::to_writer_pretty(&mut stdout, &whole);
    let _ = writeln!(stdout);
    let _ = stdout.flush();
}

/// `submit FILE --dry-run`: import and check every row, send nothing. Exit 0
/// when every row is valid, 1 when some are not, 2 when the file cannot be
/// read. The rows of a CSV are read, checked and counted one at a time.
pub(super) fn dry_run(args: &SubmitArgs, lang: Lang) -> Result<u8, CliError> {
    let result = dry_run_report(args, lang);
    if result.is_err() {
        // A file broken further down: no half list of declarations is left.
        if let Some(path) = &args.declarations_out {
            let _ = std::fs::remove_file(path);
        }
    }
    result
}

pub(super) fn dry_run_report(args: &SubmitArgs, lang: Lang) -> Result<u8, CliError> {
    let bytes = crate::files::read_input(&args.file).map_err(|e| CliError::from((e, lang)))?;
    let clock = args.connection.clock(lang)?;
    let today = crate::today::brussels_date(clock());
    let mut report = DryRunReport::new(args, lang)?;
    let mut out = json!({});
    // JSON Lines rows that are no declaration at all, said first in text.
    let mut shape_invalid: Vec<Value> = Vec::new();
    let mut shape_lines: Vec<String> = Vec::new();
    let json_lines = is_json_lines(&bytes);
    let forced = if json_lines {
        Vec::new()
    } else {
        forced_mapping(args, lang)?
    };
    let (parsed, stream) = if json_lines {
        let parsed = input::read(&bytes).map_err(|e| input_error(&e, &args.file, lang))?;
        (Some(parsed), None)
    } else {
        // The bytes given away: a Windows-1252 file's are dropped once decoded.
        let rows = import::import_stream_owned(bytes, &forced, today)
            .map_err(|e| import_error(&e, &args.file, lang))?;
        (None, Some(rows))
    };
    let mut mapping_lines = Vec::new();
    if let Some(parsed) = &parsed {
        out["format"] = json!("jsonl");
        out["mapping"] = json!({});
        for r in &parsed.rows {
            let reference = r
                .value
                .as_ref()
                .ok()
                .and_then(|v| v.get("externalReference"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            match jsonl_declaration(r, lang) {
                Ok(d) => {
                    let problems = import::check_declaration(&d, today);
                    let warnings = import::declaration_warnings(&d, today);
                    report.row(r.row, &reference, Some(d), problems, warnings, lang)?;
                }
                Err(issues) => {
                    for (field, message) in issues {
                        shape_invalid.push(json!({
                            "row": r.row,
                            "externalReference": reference,
                            "field": field,
                            "code": "not_a_declaration",
                            "message": message,
                        }));
                        shape_lines.push(tr_args(
                            lang,
                            "import.problem_line",
                            &[
                                ("row", r.row.to_string()),
                                ("reference", reference.clone()),
                                ("message", message),
                                ("code", "not_a_declaration".to_owned()),
                            ],
                        ));
                    }
                    report.row(r.row, &reference, None, Vec::new(), Vec::new(), lang)?;
                }
            }
        }
    } else if let Some(rows) = stream {
        let m = &rows.mapping;
        match rows.format {
            import::FileFormat::Csv {
                delimiter,
                encoding,
            } => {
                out["format"] = json!("csv");
                out["delimiter"] = json!((delimiter as char).to_string());
                out["encoding"] = json!(encoding.name());
            }
            import::FileFormat::Xlsx => out["format"] = json!("xlsx"),
        }
        out["headerRow"] = json!(m.header_row);
        out["mapping"] = m
            .fields
            .iter()
            .map(|f| (f.field.name().to_owned(), json!(f.header)))
            .collect::<serde_json::Map<_, _>>()
            .into();
        out["mappedBy"] = m
            .fields
            .iter()
            .map(|f| (f.field.name().to_owned(), json!(f.by.code())))
            .collect::<serde_json::Map<_, _>>()
            .into();
        out["ignoredColumns"] = json!(m.ignored);
        if !args.json {
            mapping_lines = mapping_text(m, lang);
        }
        for r in rows {
            let r = r.map_err(|e| import_error(&e, &args.file, lang))?;
            let valid = r.is_valid();
            report.row(
                r.row,
                &r.reference,
                r.declaration.filter(|_| valid),
                r.problems,
                r.warnings,
                lang,
            )?;
        }
    }
    if let Some((path, out_file)) = &mut report.out_file {
        use std::io::Write;
        out_file.flush().map_err(|e| write_failed(path, &e, lang))?;
    }
    // Every row is read: the references are no longer needed, before the
    // output (and a second reading of the file) takes its own memory.
    report.book = ReferenceBook::new();
    let (total, valid, invalid_rows) = (report.total, report.valid, report.invalid_rows);
    let report = &report;
    if args.json {
        out["total"] = json!(total);
        out["valid"] = json!(valid);
        out["invalidRows"] = json!(invalid_rows);
        // Problems in the file's order: a JSON Lines row is either no
        // declaration (its shape) or a declaration with problems.
        let mut shape = shape_invalid.into_iter().peekable();
        let mut problems = report.problems.iter().peekable();
        let invalid = std::iter::from_fn(move || {
            let shape_first = match (shape.peek(), problems.peek()) {
                (Some(s), Some((row, ..))) => s["row"].as_u64() <= Some(*row as u64),
                (Some(_), None) => true,
                (None, _) => false,
            };
            if shape_first {
                shape.next()
            } else {
                problems
                    .next()
                    .map(|(row, reference, p)| problem_json(*row, reference, p, lang))
            }
        });
        let warnings = report
            .warnings
            .iter()
            .map(move |(row, reference, w)| warning_json(*row, reference, w, lang));
        let mut streamed: Vec<(&'static str, Items<'_>)> = vec![
            ("invalid", Box::new(invalid)),
            ("warnings", Box::new(warnings)),
        ];
        if args.include_declarations {
            // Read again, and each valid row's declaration written as it
            // comes: the first pass knows which rows are held back.
            let items: Items<'_> = match &parsed {
                Some(parsed) => Box::new(parsed.rows.iter().filter_map(move |r| {
                    let d = jsonl_declaration(r, lang).ok()?;
                    (import::check_declaration(&d, today).is_empty() && !report.held_back(r.row))
                        .then(|| import::declaration_json(&d))
                })),
                // Read again from the disk: the first pass gave its bytes away.
                None => Box::new(
                    crate::files::read_input(&args.file)
                        .map_err(|e| CliError::from((e, lang)))
                        .and_then(|bytes| {
                            import::import_stream_owned(bytes, &forced, today)
                                .map_err(|e| import_error(&e, &args.file, lang))
                        })?
                        .filter_map(Result::ok)
                        .filter(|r| r.is_valid() && !report.held_back(r.row))
                        .filter_map(|r| r.declaration.as_ref().map(import::declaration_json)),
                ),
            };
            streamed.push(("declarations", items));
        } else {
            match &report.inline {
                Some(list) => {
                    streamed.push(("declarations", Box::new(list.iter().cloned())));
                }
                None => {
                    out["declarationsOmitted"] = json!(true);
                    eprintln!(
                        "{}",
                        tr_args(
                            lang,
                            "import.declarations_omitted",
                            &[("count", crate::i18n::format_count(lang, valid))],
                        )
                    );
                }
            }
        }
        for (key, _) in &streamed {
            out[*key] = Value::Null;
        }
        print_json_streamed(&out, streamed);
    } else {
        for line in mapping_lines.iter().chain(&shape_lines) {
            println!("{line}");
        }
        // Each row's warnings, then its problems.
        let mut warnings = report.warnings.iter().peekable();
        let mut problems = report.problems.iter().peekable();
        loop {
            let warning_first = match (warnings.peek(), problems.peek()) {
                (Some(w), Some(p)) => w.0 <= p.0,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let line = if warning_first {
                warnings
                    .next()
                    .map(|w| finding_line("import.warning_line", w, lang))
            } else {
                problems
                    .next()
                    .map(|p| finding_line("import.problem_line", p, lang))
            };
            if let Some(line) = line {
                println!("{line}");
            }
        }
        summary_lines(lang, total, valid, invalid_rows);
    }
    Ok(dry_run_exit(invalid_rows))
}

/// The last lines of a dry run in words: the counts, and that nothing was sent.
pub(super) fn summary_lines(lang: Lang, total: u64, valid: u64, invalid_rows: u64) {
    println!(
        "{}",
        crate::submit::run::summary_text(lang, total, valid, invalid_rows)
    );
    println!("{}", tr(lang, "import.nothing_sent"));
}

/// A dry run's exit code: 1 where some row is invalid, else 0.
pub(super) fn dry_run_exit(invalid_rows: u64) -> u8 {
    if invalid_rows > 0 {
        exit::FINDINGS
    } else {
        exit::DONE
    }
}
