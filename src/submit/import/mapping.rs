//! Mapping a file's columns to the contract's fields: by the contract's
//! names, by the words of a header, by the values under it, or as the user
//! forces (`--mapping`, the Bulk page).

use super::*;

/// How a column was chosen for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappedBy {
    /// `--mapping` (or the Bulk page).
    Forced,
    /// The contract's own column name.
    Name,
    /// The words of the header.
    Header,
    /// The header said nothing usable; the column's values did.
    Values,
}

impl MappedBy {
    pub fn code(self) -> &'static str {
        match self {
            MappedBy::Forced => "forced",
            MappedBy::Name => "name",
            MappedBy::Header => "header",
            MappedBy::Values => "values",
        }
    }
}

/// One field's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub field: Field,
    pub column: usize,
    pub header: String,
    pub by: MappedBy,
}

/// The columns of a file: where each field is, and what is left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// The header's row, as a spreadsheet numbers it.
    pub header_row: usize,
    pub headers: Vec<String>,
    /// In the order of [`Field::ALL`].
    pub fields: Vec<Mapped>,
    /// Headers of the columns no field takes (ignored).
    pub ignored: Vec<String>,
    /// The unit a duration header gives ("Duur (uren)", "Heures") where no
    /// column says it.
    pub implied_unit: Option<DurationUnit>,
}

impl Mapping {
    pub fn column(&self, field: Field) -> Option<usize> {
        self.fields
            .iter()
            .find(|m| m.field == field)
            .map(|m| m.column)
    }
}

/// A header as words: lower case, accents off, `camelCase` and punctuation split.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase();
        for l in c.to_lowercase() {
            let l = match l {
                'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
                'ç' => 'c',
                'è' | 'é' | 'ê' | 'ë' => 'e',
                'ì' | 'í' | 'î' | 'ï' => 'i',
                'ñ' => 'n',
                'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
                'ù' | 'ú' | 'û' | 'ü' => 'u',
                'ÿ' => 'y',
                l if l.is_alphanumeric() => l,
                _ => ' ',
            };
            if l == ' ' && (out.is_empty() || out.ends_with(' ')) {
                continue;
            }
            out.push(l);
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// How well `header` names `field`: 0 not at all.
pub(super) fn header_score(field: Field, header: &str, folded: &str) -> u32 {
    score_header(
        &[field.name(), field.path()],
        field.words(),
        field.not_words(),
        header,
        folded,
    )
}

/// How well `header` (and `folded`, its [`fold`]) names a column whose own
/// names are `names` (1000: one of them, in any case), whose office words are
/// `words` (folded; 500: the whole header; 100 and more: the words inside it;
/// `=` before a word: only as the whole header), unless the header holds one
/// of `not_words` (a partial match does not count then): 0 not at all.
pub(crate) fn score_header(
    names: &[&str],
    words: &[&str],
    not_words: &[&str],
    header: &str,
    folded: &str,
) -> u32 {
    if names
        .iter()
        .any(|name| header.trim().eq_ignore_ascii_case(name))
    {
        return 1000;
    }
    if folded.is_empty() {
        return 0;
    }
    let synonyms = words;
    let words: Vec<&str> = folded.split(' ').collect();
    let excluded = not_words.iter().any(|n| words.contains(n));
    let mut best = 0;
    for synonym in synonyms {
        let (exact_only, synonym) = match synonym.strip_prefix('=') {
            Some(s) => (true, s),
            None => (false, *synonym),
        };
        if folded == synonym {
            return 500;
        }
        if exact_only || excluded {
            continue;
        }
        let want: Vec<&str> = synonym.split(' ').collect();
        if words.windows(want.len()).any(|w| w == want.as_slice()) {
            best = best.max(100 + 10 * want.len() as u32);
        }
    }
    best
}

/// Whether a cell could be a field's value.
type ValueTest<'a> = &'a dyn Fn(&Cell) -> bool;

/// Maps a header row's columns to fields, `forced` first (`FIELD=HEADER`;
/// `FIELD=` leaves the field out), then by header, then by the values of
/// `sample` (rows under the header).
pub fn map_columns(
    header_row: usize,
    headers: &[String],
    sample: &[&[Cell]],
    forced: &[(Field, Option<String>)],
) -> Result<Mapping, ImportError> {
    let (mapping, missing) = map_columns_partial(header_row, headers, sample, forced)?;
    match missing {
        Some(missing) => Err(missing),
        None => Ok(mapping),
    }
}

/// As [`map_columns`], but a required field no column could be taken for is
/// left out of the mapping instead of refusing it: the mapping so far and the
/// `missing_columns` error that says which (for the Bulk page, where the user
/// then chooses the column).
pub fn map_columns_partial(
    header_row: usize,
    headers: &[String],
    sample: &[&[Cell]],
    forced: &[(Field, Option<String>)],
) -> Result<(Mapping, Option<ImportError>), ImportError> {
    let mut taken_col = vec![false; headers.len()];
    let mut fields: Vec<Mapped> = Vec::new();
    let mut skip: Vec<Field> = Vec::new();
    for (i, (field, header)) in forced.iter().enumerate() {
        // The same field twice: which column is meant cannot be told.
        if forced[..i].iter().any(|(f, _)| f == field) {
            return Err(ImportError::MappedTwice {
                field: field.name().to_owned(),
            });
        }
        let Some(header) = header else {
            skip.push(*field);
            continue;
        };
        let want = header.trim();
        if headers.iter().filter(|h| h.trim() == want).count() > 1 {
            return Err(ImportError::DuplicateColumn {
                name: want.to_owned(),
            });
        }
        let column = headers
            .iter()
            .position(|h| h.trim() == want)
            .or_else(|| {
                headers
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(want))
            })
            .or_else(|| column_letter(want).filter(|&c| c < headers.len()))
            .or_else(|| {
                let folded = fold(want);
                headers.iter().position(|h| fold(h) == folded)
            })
            .ok_or_else(|| ImportError::UnknownHeader {
                header: want.to_owned(),
                headers: headers.to_vec(),
            })?;
        fields.retain(|m| m.field != *field);
        taken_col[column] = true;
        fields.push(Mapped {
            field: *field,
            column,
            header: headers[column].clone(),
            by: MappedBy::Forced,
        });
    }
    let free = |f: Field, fields: &[Mapped], skip: &[Field]| {
        !skip.contains(&f) && !fields.iter().any(|m| m.field == f)
    };
    let folded: Vec<String> = headers.iter().map(|h| fold(h)).collect();
    if let Some(name) = twin_header(headers, &folded, &taken_col, |h, folded| {
        Field::ALL
            .into_iter()
            .any(|f| free(f, &fields, &skip) && header_score(f, h, folded) > 0)
    }) {
        return Err(ImportError::DuplicateColumn { name });
    }
    let chosen = by_headers(
        headers,
        &folded,
        &Field::ALL,
        header_score,
        &mut taken_col,
        |f| free(f, &fields, &skip),
    );
    for (field, column, score) in chosen {
        fields.push(Mapped {
            field,
            column,
            header: headers[column].clone(),
            by: if score == 1000 {
                MappedBy::Name
            } else {
                MappedBy::Header
            },
        });
    }
    // By values, for the columns whose header said nothing.
    let column_values = |c: usize| -> Vec<&Cell> {
        sample
            .iter()
            .filter_map(|r| r.get(c))
            .filter(|v| !v.is_empty())
            .collect()
    };
    let mostly = |c: usize, test: &dyn Fn(&Cell) -> bool| {
        let values = column_values(c);
        !values.is_empty() && values.iter().filter(|v| test(v)).count() * 5 >= values.len() * 4
    };
    let tests: [(Field, ValueTest); 7] = [
        (Field::Ssin, &|v| {
            identifiers::parse_ssin(&ssin_text(v)).is_ok()
        }),
        (Field::Enterprise, &|v| {
            identifiers::parse_enterprise_number(&v.display()).is_some()
        }),
        (Field::Provider, &|v| {
            identifiers::parse_enterprise_number(&v.display()).is_some()
        }),
        (Field::Type, &|v| parse_type(v).is_some()),
        (
            Field::Unit,
            &|v| matches!(v, Cell::Text(t) if parse_unit(t).is_some()),
        ),
        (Field::Start, &|v| parse_date(v).is_some()),
        (Field::End, &|v| parse_date(v).is_some()),
        // Never a yes/no field (followed, countsForFla, certificateObtained):
        // their columns cannot be told apart by their values, and a swap would
        // declare wrongly without a word. The user says which (`--mapping`,
        // the Bulk page).
    ];
    for (f, test) in tests {
        if !free(f, &fields, &skip) {
            continue;
        }
        if let Some(c) = (0..headers.len()).find(|&c| !taken_col[c] && mostly(c, test)) {
            taken_col[c] = true;
            fields.push(Mapped {
                field: f,
                column: c,
                header: headers[c].clone(),
                by: MappedBy::Values,
            });
        }
    }
    // A small number beside the unit's column is the duration.
    if free(Field::Duration, &fields, &skip) {
        if let Some(unit) = fields
            .iter()
            .find(|m| m.field == Field::Unit)
            .map(|m| m.column)
        {
            let small =
                |v: &Cell| parse_number(v).is_some_and(|(n, _)| (0.0..=1000.0).contains(&n));
            let beside = [unit.checked_sub(1), Some(unit + 1)];
            if let Some(c) = beside
                .into_iter()
                .flatten()
                .find(|&c| c < headers.len() && !taken_col[c] && mostly(c, &small))
            {
                taken_col[c] = true;
                fields.push(Mapped {
                    field: Field::Duration,
                    column: c,
                    header: headers[c].clone(),
                    by: MappedBy::Values,
                });
            }
        }
    }
    fields.sort_by_key(|m| m.field);
    let implied_unit = if fields.iter().any(|m| m.field == Field::Unit) {
        None
    } else {
        fields
            .iter()
            .find(|m| m.field == Field::Duration)
            .and_then(|m| {
                fold(&m.header)
                    .split(' ')
                    .rev()
                    .find_map(|w| parse_unit(w).filter(|_| w.len() > 1))
            })
    };
    let missing: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| f.required() && !fields.iter().any(|m| m.field == *f))
        .filter(|f| !(*f == Field::Unit && implied_unit.is_some()))
        .collect();
    let missing = (!missing.is_empty()).then(|| ImportError::MissingColumns {
        missing,
        headers: headers.to_vec(),
    });
    let ignored = headers
        .iter()
        .enumerate()
        .filter(|(c, h)| !taken_col[*c] && !h.trim().is_empty())
        .map(|(_, h)| h.clone())
        .collect();
    Ok((
        Mapping {
            header_row,
            headers: headers.to_vec(),
            fields,
            ignored,
            implied_unit,
        },
        missing,
    ))
}

/// Two columns not yet `taken` with the same header (in any case, or as
/// words) that a field would take (`named(header, folded)`: the contract's
/// name or an office's word): which one is meant cannot be told. That header.
pub(crate) fn twin_header(
    headers: &[String],
    folded: &[String],
    taken: &[bool],
    named: impl Fn(&str, &str) -> bool,
) -> Option<String> {
    for (c, h) in headers.iter().enumerate() {
        if taken[c] || (folded[c].is_empty() && h.trim().is_empty()) {
            continue;
        }
        let twin = (c + 1..headers.len()).any(|d| {
            !taken[d]
                && (headers[d].trim().eq_ignore_ascii_case(h.trim())
                    || (!folded[c].is_empty() && folded[d] == folded[c]))
        });
        if twin && named(h, &folded[c]) {
            return Some(h.trim().to_owned());
        }
    }
    None
}

/// Columns to `fields` by their headers (`score(field, header, folded)`):
/// the best (column, field) pairs first, so that an exact header wins over
/// a partial one ("Tot" over "Attest geldig tot"); a column already `taken`,
/// a field not `free` or chosen already, is passed over. The pairs chosen
/// (field, column, score); their columns are marked `taken`.
pub(crate) fn by_headers<F: Copy + Ord>(
    headers: &[String],
    folded: &[String],
    fields: &[F],
    score: impl Fn(F, &str, &str) -> u32,
    taken: &mut [bool],
    free: impl Fn(F) -> bool,
) -> Vec<(F, usize, u32)> {
    let mut pairs: Vec<(u32, usize, F)> = Vec::new();
    for (c, h) in headers.iter().enumerate() {
        for &f in fields {
            let s = score(f, h, &folded[c]);
            if s > 0 {
                pairs.push((s, c, f));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut chosen: Vec<(F, usize, u32)> = Vec::new();
    for (s, c, f) in pairs {
        if taken[c] || !free(f) || chosen.iter().any(|(g, _, _)| *g == f) {
            continue;
        }
        taken[c] = true;
        chosen.push((f, c, s));
    }
    chosen
}

/// `A` → 0, `AB` → 27: a column named by its letter in `--mapping`.
pub(super) fn column_letter(text: &str) -> Option<usize> {
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    Some(
        text.to_ascii_uppercase()
            .bytes()
            .fold(0usize, |acc, b| acc * 26 + usize::from(b - b'A') + 1)
            - 1,
    )
}

/// Parses `FIELD=HEADER` (`FIELD=` leaves a field out).
pub fn parse_forced(text: &str) -> Result<(Field, Option<String>), ImportError> {
    let Some((field, header)) = text.split_once('=') else {
        return Err(ImportError::BadMapping {
            text: text.to_owned(),
        });
    };
    let field = Field::parse(field).ok_or_else(|| ImportError::UnknownField {
        field: field.trim().to_owned(),
    })?;
    let header = header.trim();
    Ok((field, (!header.is_empty()).then(|| header.to_owned())))
}
