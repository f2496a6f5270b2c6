//! The template: the contract's own names as a CSV and an XLSX header.

use super::*;

/// The template's header: the contract's own names.
pub fn template_headers() -> Vec<&'static str> {
    Field::ALL.iter().map(|f| f.name()).collect()
}

/// The template as CSV: UTF-8 with a BOM and `;`, as Excel in Belgium opens it.
pub fn template_csv() -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend_from_slice(template_headers().join(";").as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// The template as XLSX: the header row; identifiers as text (Excel keeps
/// their leading zeros), dates as dates.
pub fn template_xlsx() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("FLA")?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (i, f) in Field::ALL.iter().enumerate() {
        let col = i as u16;
        sheet.write_string_with_format(0, col, f.name(), &bold)?;
        sheet.set_column_width(col, (f.name().len() + 4) as f64)?;
        match f {
            Field::Reference
            | Field::Enterprise
            | Field::Ssin
            | Field::Provider
            | Field::JointCommittee => {
                sheet.set_column_format(col, &text)?;
            }
            Field::Start | Field::End | Field::ValidUntil => {
                sheet.set_column_format(col, &date)?;
            }
            _ => {}
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}
