//! One reference, one declaration, within a file: a row whose (enterprise,
//! reference) an earlier row of the same file holds with other content (another
//! worker, other dates, another training) is a conflict; the same content again
//! is a duplicate. What is kept per reference is small (two 16-byte digests and
//! a row number) so that a file of a million rows fits. Pure: no file, no
//! journal (conflicts with the journal are the engine's).

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::reference::{content_digest, key_digest, row_key, Digest};
use crate::fla::wire::Declaration;

/// What the book says of a row it is told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noted {
    /// The first row with this reference.
    First,
    /// The same reference and the same content as the row `first_row`: a
    /// duplicate, declared once.
    SameContent { first_row: usize },
    /// The reference is the row `first_row`'s, for other content: this row
    /// cannot be declared under it.
    Conflict { first_row: usize },
}

/// The references of a file met so far, each with its content's digest and
/// the first row that holds it.
#[derive(Debug, Default)]
pub struct ReferenceBook {
    seen: HashMap<Digest, (Digest, usize)>,
}

impl ReferenceBook {
    pub fn new() -> ReferenceBook {
        ReferenceBook::default()
    }

    /// How many references the book holds.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Notes that `row` declares `content` under (`enterprise`, `reference`)
    /// (as [`row_key`] gives them) and says whether an earlier row already
    /// did. The first row keeps the reference.
    pub fn note(
        &mut self,
        enterprise: &str,
        reference: &str,
        content: Digest,
        row: usize,
    ) -> Noted {
        match self.seen.entry(key_digest(enterprise, reference)) {
            Entry::Vacant(entry) => {
                entry.insert((content, row));
                Noted::First
            }
            Entry::Occupied(entry) => {
                let (first_content, first_row) = *entry.get();
                if first_content == content {
                    Noted::SameContent { first_row }
                } else {
                    Noted::Conflict { first_row }
                }
            }
        }
    }

    /// Notes a row's declaration (a row without a reference is known by the
    /// one its content gives it): what the book found, and the reference the
    /// row is known by.
    pub fn note_declaration(&mut self, row: usize, declaration: &Declaration) -> (Noted, String) {
        let (enterprise, reference) = row_key(declaration);
        let noted = self.note(&enterprise, &reference, content_digest(declaration), row);
        (noted, reference)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A declaration of a training under `reference` for the worker `ssin`
    /// (the importer's tests use it too).
    pub(crate) fn declaration(reference: &str, ssin: &str) -> Declaration {
        serde_json::from_value(serde_json::json!({
            "externalReference": reference,
            "employer": {"enterpriseNumber": "0403170701"},
            "worker": {"ssin": ssin},
            "training": {
                "name": "VCA", "type": "FORMAL",
                "startDate": "2025-03-03", "endDate": "2025-03-04",
                "duration": {"value": 14, "unit": "HOURS"},
                "followed": true, "countsForFla": true
            }
        }))
        .unwrap()
    }

    #[test]
    fn the_first_row_keeps_a_reference_and_other_content_conflicts() {
        let mut book = ReferenceBook::new();
        assert_eq!(
            book.note("0403170701", "VCA-2026", [1; 16], 2),
            Noted::First
        );
        assert_eq!(
            book.note("0403170701", "VCA-2026", [2; 16], 3),
            Noted::Conflict { first_row: 2 }
        );
        assert_eq!(
            book.note("0403170701", "VCA-2026", [1; 16], 7),
            Noted::SameContent { first_row: 2 }
        );
        // Another enterprise may use the same reference.
        assert_eq!(
            book.note("0202239951", "VCA-2026", [2; 16], 4),
            Noted::First
        );
        // The pair is not the concatenation.
        assert_eq!(
            book.note("0403170701V", "CA-2026", [2; 16], 5),
            Noted::First
        );
        assert_eq!(book.len(), 3);
    }

    #[test]
    fn rows_without_a_reference_are_known_by_their_content() {
        let mut book = ReferenceBook::new();
        book.note_declaration(2, &declaration("", "85073003328"));
        let (noted, _) = book.note_declaration(3, &declaration("", "90010100123"));
        assert_eq!(noted, Noted::First);
        let (noted, reference) = book.note_declaration(4, &declaration(" ", "85073003328"));
        assert_eq!(noted, Noted::SameContent { first_row: 2 });
        assert!(reference.starts_with("FLA-"), "{reference}");
    }
}
