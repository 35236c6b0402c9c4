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

/// A value in the columns before the KPIs.
pub enum Lead {
    Text(String),
    Number(f64),
}

/// One sheet of KPIs: the `lead` columns of each row, then each KPI as its rate (a number
/// formatted as a percentage), numerator, denominator and whether it met its target, so
/// the quality office can work with the numbers (the 考核 table, the trend).
pub fn kpi_table(
    sheet_name: &str,
    lead: &[&str],
    rows: &[(Vec<Lead>, &[crate::domain::report::Kpi])],
) -> Result<Vec<u8>, DeskError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(failed)?;
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let mut headings: Vec<String> = lead.iter().map(|h| h.to_string()).collect();
    if let Some((_, first)) = rows.first() {
        for k in first.iter() {
            headings.push(format!("{} ({})", k.name_zh, k.code));
            headings.push(format!("{} 分子 numerator", k.name_zh));
            headings.push(format!("{} 分母 denominator", k.name_zh));
            headings.push(format!("{} 达标 met (≥ {})", k.name_zh, super::reports::percent(k.target)));
        }
    }
    for (c, h) in headings.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold).map_err(failed)?;
    }
    for (r, (leads, kpis)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, value) in leads.iter().enumerate() {
            match value {
                Lead::Text(text) => sheet.write_string(r, c as u16, text),
                Lead::Number(n) => sheet.write_number(r, c as u16, *n),
            }
            .map_err(failed)?;
        }
        for (i, k) in kpis.iter().enumerate() {
            let c = (leads.len() + 4 * i) as u16;
            match k.value {
                Some(v) => sheet.write_number_with_format(r, c, v, &pct),
                None => sheet.write_string(r, c, "—"),
            }
            .map_err(failed)?;
            sheet.write_number(r, c + 1, k.numerator as f64).map_err(failed)?;
            sheet.write_number(r, c + 2, k.denominator as f64).map_err(failed)?;
            let met = match k.met {
                Some(true) => "是 yes",
                Some(false) => "否 no",
                None => "—",
            };
            sheet.write_string(r, c + 3, met).map_err(failed)?;
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
