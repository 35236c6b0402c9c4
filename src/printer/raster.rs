//! One-bit images: text drawn with the bundled font, QR codes drawn by us, and their
//! ESC/POS form (`GS v 0`).

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use std::sync::OnceLock;

use super::document::{Align, Style, char_columns};

const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei.ttc");

/// The bundled CJK font (WenQuanYi Micro Hei; face 0 is the proportional one).
pub fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice_and_index(FONT_BYTES, 0).expect("the bundled font parses"))
}

/// Whether the bundled font can draw `c` (else it would come out as an empty box).
pub fn can_draw(c: char) -> bool {
    c == ' ' || font().glyph_id(c).0 != 0
}

/// A black-and-white image, one byte per pixel (true = black), row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitmap {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<bool>,
}

impl Bitmap {
    pub fn new(width: usize, height: usize) -> Bitmap {
        Bitmap { width, height, pixels: vec![false; width * height] }
    }

    pub fn get(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.height && self.pixels[y * self.width + x]
    }

    pub fn set(&mut self, x: usize, y: usize) {
        if x < self.width && y < self.height {
            self.pixels[y * self.width + x] = true;
        }
    }

    /// Copies `other` in at (x, y).
    pub fn blit(&mut self, other: &Bitmap, x: usize, y: usize) {
        for oy in 0..other.height {
            for ox in 0..other.width {
                if other.get(ox, oy) {
                    self.set(x + ox, y + oy);
                }
            }
        }
    }

    /// The rows from the first with ink to the last (none for a blank image), and how
    /// many blank rows were above and below them: those go to the printer as paper fed,
    /// not as bytes of nothing.
    pub fn inked_rows(&self) -> (Bitmap, usize, usize) {
        let inked = |y: &usize| self.pixels[y * self.width..(y + 1) * self.width].iter().any(|p| *p);
        let Some(first) = (0..self.height).find(inked) else {
            return (Bitmap::new(self.width, 0), self.height, 0);
        };
        let last = (0..self.height).rev().find(inked).unwrap_or(first);
        let rows = Bitmap {
            width: self.width,
            height: last + 1 - first,
            pixels: self.pixels[first * self.width..(last + 1) * self.width].to_vec(),
        };
        (rows, first, self.height - 1 - last)
    }

    /// The columns from the first with ink to the last.
    pub fn inked_columns(&self) -> Bitmap {
        let inked = |x: &usize| (0..self.height).any(|y| self.get(*x, y));
        let Some(first) = (0..self.width).find(inked) else {
            return Bitmap::new(0, self.height);
        };
        let last = (0..self.width).rev().find(inked).unwrap_or(first);
        let mut out = Bitmap::new(last + 1 - first, self.height);
        for y in 0..self.height {
            for x in first..=last {
                if self.get(x, y) {
                    out.set(x - first, y);
                }
            }
        }
        out
    }

    /// `GS v 0 m xL xH yL yH d...`: 8 dots per byte, most significant bit leftmost,
    /// each dot printed as `scale` says.
    pub fn to_escpos(&self, scale: Scale) -> Vec<u8> {
        let bytes_per_row = self.width.div_ceil(8);
        let mut out = vec![0x1D, b'v', b'0', scale as u8];
        out.extend_from_slice(&(bytes_per_row as u16).to_le_bytes());
        out.extend_from_slice(&(self.height as u16).to_le_bytes());
        for y in 0..self.height {
            for bx in 0..bytes_per_row {
                let mut byte = 0u8;
                for bit in 0..8 {
                    if self.get(bx * 8 + bit, y) {
                        byte |= 0x80 >> bit;
                    }
                }
                out.push(byte);
            }
        }
        out
    }
}

/// How big a raster image's dots print (`m` of `GS v 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    One = 0,
    /// Each dot as 2×2.
    Quadruple = 3,
}

/// Draws `c` into a cell of `cell_w`×`cell_h` dots at (x, y), scaled `mag` times, bold by
/// smearing one dot right. Cells follow the printer: 12×24 for ASCII, 24×24 otherwise.
pub fn draw_char(target: &mut Bitmap, c: char, x: usize, y: usize, mag: usize, bold: bool) {
    let cell_w = 12 * char_columns(c) * mag;
    let cell_h = 24 * mag;
    let font = font();
    let scale = PxScale::from(22.0 * mag as f32);
    let scaled = font.as_scaled(scale);
    let glyph_id = font.glyph_id(c);
    let glyph = glyph_id.with_scale_and_position(scale, ab_glyph::point(0.0, scaled.ascent()));
    let Some(outlined) = font.outline_glyph(glyph) else {
        return;
    };
    let bounds = outlined.px_bounds();
    let advance = scaled.h_advance(glyph_id);
    // Centre the glyph's advance in its cell, baseline one dot above the cell's bottom.
    let offset_x = ((cell_w as f32 - advance) / 2.0).max(0.0);
    let offset_y = ((cell_h as f32 - scaled.height()) / 2.0).max(0.0);
    let smear = if bold { 1 + mag / 2 } else { 0 };
    outlined.draw(|gx, gy, coverage| {
        // Low enough that one-dot strokes (□, 一) survive, high enough to keep counters open.
        if coverage >= 0.3 {
            let px = (bounds.min.x + gx as f32 + offset_x).round();
            let py = (bounds.min.y + gy as f32 + offset_y).round();
            if px >= 0.0 && py >= 0.0 && (px as usize) < cell_w && (py as usize) < cell_h {
                for s in 0..=smear {
                    target.set(x + px as usize + s, y + py as usize);
                }
            }
        }
    });
}

/// One line of text as the printer would print it, `width` dots wide.
pub fn text_line(text: &str, style: Style, width: usize) -> Bitmap {
    let mag = if style.double { 2 } else { 1 };
    let mut bitmap = Bitmap::new(width, 24 * mag);
    let used: usize = text.chars().map(|c| 12 * char_columns(c) * mag).sum();
    let mut x = match style.align {
        Align::Left => 0,
        Align::Center => width.saturating_sub(used) / 2,
        Align::Right => width.saturating_sub(used),
    };
    for c in text.chars() {
        draw_char(&mut bitmap, c, x, 0, mag, style.bold);
        x += 12 * char_columns(c) * mag;
    }
    bitmap
}

/// A QR code, `module` dots per module, with a 4-module quiet zone, centred in `width`.
pub fn qr(data: &str, module: usize, width: usize) -> Bitmap {
    let code = match qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => code,
        // Longer than any QR code can hold: print nothing rather than fail the ticket.
        Err(_) => return Bitmap::new(width, 0),
    };
    let n = code.width();
    let size = (n + 8) * module;
    let left = width.saturating_sub(size) / 2;
    let mut bitmap = Bitmap::new(width.max(size), size);
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (i % n + 4, i / n + 4);
            for dy in 0..module {
                for dx in 0..module {
                    bitmap.set(left + mx * module + dx, my * module + dy);
                }
            }
        }
    }
    bitmap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_draws_simplified_and_traditional_chinese() {
        for c in ['漏', '水', '報', '修', 'K', '0'] {
            assert!(can_draw(c), "{c}");
        }
        let line = text_line("报修 報修", Style::PLAIN, 384);
        assert!(line.pixels.iter().filter(|p| **p).count() > 100);
    }

    #[test]
    fn raster_bytes_follow_gs_v_0() {
        let mut b = Bitmap::new(10, 2);
        b.set(0, 0);
        b.set(9, 1);
        assert_eq!(b.to_escpos(Scale::One), [0x1D, b'v', b'0', 0, 2, 0, 2, 0, 0x80, 0, 0, 0x40]);
    }
}
