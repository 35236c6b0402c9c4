//! Printer profiles: what a model can do. Paper width, columns, how it prints Chinese and
//! QR codes, and whether it has a cutter. Shipped profiles cover the common printers;
//! a config may define its own.

use serde::{Deserialize, Serialize};

/// How text reaches paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextMode {
    /// GB18030/GBK bytes in Chinese mode (`FS &` … `FS .`): mainland printers.
    Gb18030,
    /// Big5 bytes in Chinese mode: printers sold for Taiwan and Hong Kong.
    Big5,
    /// Text drawn by us as a raster image: printers without a Chinese font.
    Raster,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QrMode {
    /// The printer draws it (`GS ( k`).
    Native,
    /// We draw it and send a raster image (`GS v 0`).
    Raster,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub paper_mm: u8,
    /// Printable width in dots.
    pub dots: u16,
    /// Font A (12-dot) columns per line.
    pub columns: u8,
    pub text: TextMode,
    pub qr: QrMode,
    pub cutter: bool,
}

impl Profile {
    pub fn columns(&self) -> usize {
        usize::from(self.columns)
    }

    pub fn shipped() -> Vec<Profile> {
        let p = |name: &str, paper_mm, dots, columns, text, qr, cutter| Profile {
            name: name.into(),
            paper_mm,
            dots,
            columns,
            text,
            qr,
            cutter,
        };
        vec![
            // Xprinter XP-58, Gprinter GP-58 and most 58 mm mainland printers: no cutter.
            p("generic-58", 58, 384, 32, TextMode::Gb18030, QrMode::Native, false),
            // Xprinter XP-80C, Gprinter GP-80, Rongta RP80 and most 80 mm mainland printers.
            p("generic-80", 80, 576, 48, TextMode::Gb18030, QrMode::Native, true),
            // The same class of printer with a traditional-Chinese (Big5) font.
            p("generic-80-big5", 80, 576, 48, TextMode::Big5, QrMode::Native, true),
            // Epson TM-T88V/VI (international models, 180 dpi): no Chinese font.
            p("epson-tm-t88", 80, 512, 42, TextMode::Raster, QrMode::Native, true),
            // Old or bare-bones 58 mm printers without a Chinese font or QR support.
            p("basic-58-raster", 58, 384, 32, TextMode::Raster, QrMode::Raster, false),
        ]
    }

    pub fn by_name(name: &str) -> Option<Profile> {
        Profile::shipped().into_iter().find(|p| p.name == name)
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(32..=80).contains(&self.columns) {
            return Err(format!("profile {}: columns {} is outside 32..=80", self.name, self.columns));
        }
        if !(256..=832).contains(&self.dots) || self.dots % 8 != 0 {
            return Err(format!(
                "profile {}: dots {} must be a multiple of 8 from 256 to 832",
                self.name, self.dots
            ));
        }
        if u16::from(self.columns) * 12 > self.dots {
            return Err(format!(
                "profile {}: {} columns of 12 dots do not fit in {} dots",
                self.name, self.columns, self.dots
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_are_valid_and_cover_both_paper_widths() {
        let all = Profile::shipped();
        for p in &all {
            p.validate().unwrap();
        }
        assert!(all.iter().any(|p| p.paper_mm == 58 && p.columns == 32 && p.dots == 384));
        assert!(all.iter().any(|p| p.paper_mm == 80 && p.columns == 48 && p.dots == 576));
    }
}
