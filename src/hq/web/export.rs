//! Lists and reports as .xlsx workbooks (rust_xlsxwriter), for the quality office to work
//! with and to file.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::DeskError;
use crate::store::StoreError;

pub fn failed(e: rust_xlsxwriter::XlsxError) -> DeskError {
    DeskError::Store(StoreError::BadRecord(format!("the workbook failed: {e}")))
}

/// One sheet: bold headings, then the rows as text.
pub fn table(sheet_name: &str, headings: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, DeskError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(failed)?;
    let bold = Format::new().set_bold();
    for (c, h) in headings.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(failed)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, cell).map_err(failed)?;
        }
    }
    sheet.autofit();
    book.save_to_buffer().map_err(failed)
}

pub fn xlsx_response(filename: &str, book: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        book,
    )
        .into_response()
}
