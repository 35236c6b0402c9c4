//! Printer status from `DLE EOT` replies. No reply is `Unknown`, never "ready".

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PrinterStatus {
    Ready,
    /// Printing works, but the roll is nearly finished.
    PaperLow,
    PaperOut,
    CoverOpen,
    Offline,
    Error,
    /// The printer did not answer, or this connection cannot read answers.
    Unknown,
}

impl PrinterStatus {
    /// Whether a job sent now would print.
    pub fn can_print(self) -> bool {
        matches!(self, PrinterStatus::Ready | PrinterStatus::PaperLow)
    }

    pub fn code(self) -> &'static str {
        match self {
            PrinterStatus::Ready => "ready",
            PrinterStatus::PaperLow => "paper-low",
            PrinterStatus::PaperOut => "paper-out",
            PrinterStatus::CoverOpen => "cover-open",
            PrinterStatus::Offline => "offline",
            PrinterStatus::Error => "error",
            PrinterStatus::Unknown => "unknown",
        }
    }

    /// The status a code names (as `code` writes it).
    pub fn from_code(code: &str) -> Option<PrinterStatus> {
        use PrinterStatus::*;
        [Ready, PaperLow, PaperOut, CoverOpen, Offline, Error, Unknown].into_iter().find(|s| s.code() == code)
    }

    pub fn zh(self) -> &'static str {
        match self {
            PrinterStatus::Ready => "打印机正常",
            PrinterStatus::PaperLow => "打印纸即将用完",
            PrinterStatus::PaperOut => "打印机缺纸",
            PrinterStatus::CoverOpen => "打印机盖未合上",
            PrinterStatus::Offline => "打印机离线",
            PrinterStatus::Error => "打印机故障",
            PrinterStatus::Unknown => "打印机状态未知",
        }
    }
}

/// `DLE EOT n` requests: printer (1), offline cause (2), roll paper sensor (4).
pub const DLE_EOT: [u8; 2] = [0x10, 0x04];
pub const PRINTER: u8 = 1;
pub const OFFLINE_CAUSE: u8 = 2;
pub const PAPER_SENSOR: u8 = 4;

/// Every status byte has the form 0xx1xx10.
fn well_formed(b: u8) -> bool {
    b & 0b1001_0011 == 0b0001_0010
}

/// Combines the three replies. Anything missing or malformed makes the answer unknown.
pub fn interpret(printer: Option<u8>, offline_cause: Option<u8>, paper: Option<u8>) -> PrinterStatus {
    let (Some(printer), Some(cause), Some(paper)) = (printer, offline_cause, paper) else {
        return PrinterStatus::Unknown;
    };
    if ![printer, cause, paper].into_iter().all(well_formed) {
        return PrinterStatus::Unknown;
    }
    if cause & 0b0000_0100 != 0 {
        return PrinterStatus::CoverOpen;
    }
    if paper & 0b0110_0000 != 0 || cause & 0b0010_0000 != 0 {
        return PrinterStatus::PaperOut;
    }
    if cause & 0b0100_0000 != 0 {
        return PrinterStatus::Error;
    }
    if printer & 0b0000_1000 != 0 {
        return PrinterStatus::Offline;
    }
    if paper & 0b0000_1100 != 0 {
        return PrinterStatus::PaperLow;
    }
    PrinterStatus::Ready
}

/// The replies a printer in `status` gives (what the virtual printer answers).
pub fn replies_for(status: PrinterStatus) -> [u8; 3] {
    const BASE: u8 = 0b0001_0010;
    match status {
        PrinterStatus::Ready | PrinterStatus::Unknown => [BASE, BASE, BASE],
        PrinterStatus::PaperLow => [BASE, BASE, BASE | 0b0000_1100],
        PrinterStatus::PaperOut => [BASE | 0b1000, BASE | 0b0010_0000, BASE | 0b0110_1100],
        PrinterStatus::CoverOpen => [BASE | 0b1000, BASE | 0b0000_0100, BASE],
        PrinterStatus::Offline => [BASE | 0b1000, BASE, BASE],
        PrinterStatus::Error => [BASE | 0b1000, BASE | 0b0100_0000, BASE],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_reply_is_unknown_never_ready() {
        assert_eq!(interpret(None, None, None), PrinterStatus::Unknown);
        assert_eq!(interpret(Some(0x12), Some(0x12), None), PrinterStatus::Unknown);
        assert_eq!(interpret(Some(0xFF), Some(0x12), Some(0x12)), PrinterStatus::Unknown);
    }

    #[test]
    fn paper_out_cover_open_and_offline_are_distinct() {
        for status in [
            PrinterStatus::Ready,
            PrinterStatus::PaperLow,
            PrinterStatus::PaperOut,
            PrinterStatus::CoverOpen,
            PrinterStatus::Offline,
            PrinterStatus::Error,
        ] {
            let [a, b, c] = replies_for(status);
            assert_eq!(interpret(Some(a), Some(b), Some(c)), status);
        }
    }

    #[test]
    fn epson_documented_bytes_decode() {
        // TM-T88 manual: 0x12 all clear; paper end on the roll sensor is 0x72.
        assert_eq!(interpret(Some(0x12), Some(0x12), Some(0x12)), PrinterStatus::Ready);
        assert_eq!(interpret(Some(0x1A), Some(0x32), Some(0x72)), PrinterStatus::PaperOut);
        assert_eq!(interpret(Some(0x1A), Some(0x16), Some(0x12)), PrinterStatus::CoverOpen);
    }
}
