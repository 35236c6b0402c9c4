//! The pure renderer: a document and a printer profile in, the exact ESC/POS bytes out.
//! Commands come only from here; text a person typed is reduced to printable characters
//! the printer's character set has, so it can never become a command.

use std::cell::RefCell;
use std::rc::Rc;

use encoding_rs::{BIG5, Encoding, GB18030, GBK};
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{
    BarcodeFont, BarcodeHeight, BarcodeOption, BarcodePosition, BarcodeWidth, Encoder, JustifyMode, Protocol,
    QRCodeCorrectionLevel, QRCodeModel, QRCodeOption,
};

use super::document::{Align, Document, Line, Style, char_columns, layout};
use super::profile::{Profile, QrMode, TextMode};
use super::raster;

/// `FS &`: Chinese character mode on; `FS .`: off.
pub const CHINESE_ON: &[u8] = &[0x1C, 0x26];
pub const CHINESE_OFF: &[u8] = &[0x1C, 0x2E];

/// Dots per QR module when we draw the code ourselves.
const RASTER_QR_MODULE: usize = 6;
/// `GS ( k` module size for printers that draw it.
const NATIVE_QR_SIZE: u8 = 6;

/// Collects what escpos writes.
#[derive(Clone, Default)]
struct Capture(Rc<RefCell<Vec<u8>>>);

impl Driver for Capture {
    fn name(&self) -> String {
        "capture".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

fn encoding(mode: TextMode) -> &'static Encoding {
    match mode {
        TextMode::Big5 => BIG5,
        TextMode::Gb18030 | TextMode::Raster => GB18030,
    }
}

/// Replaces what this printer cannot print with '?': characters outside the printer's
/// two-byte font (GBK for GB18030 printers, Big5 for Big5 ones) or outside our font for
/// raster text. Emoji on a GB18030 printer would otherwise print as garbage.
pub fn fit_charset(text: &str, mode: TextMode) -> String {
    text.chars()
        .map(|c| {
            let ok = c.is_ascii()
                || match mode {
                    TextMode::Gb18030 => !GBK.encode(c.encode_utf8(&mut [0; 4])).2,
                    TextMode::Big5 => !BIG5.encode(c.encode_utf8(&mut [0; 4])).2,
                    TextMode::Raster => raster::can_draw(c),
                };
            if ok { c } else { '?' }
        })
        .collect()
}

fn justify(align: Align) -> JustifyMode {
    match align {
        Align::Left => JustifyMode::LEFT,
        Align::Center => JustifyMode::CENTER,
        Align::Right => JustifyMode::RIGHT,
    }
}

/// The bytes for `doc` on a printer with `profile`.
pub fn render(doc: &Document, profile: &Profile) -> Vec<u8> {
    let capture = Capture::default();
    let protocol = Protocol::new(Encoder::new(encoding(profile.text)));
    let mut p = Printer::new(capture.clone(), protocol, None);
    // Every call below only appends to memory; escpos errors only on out-of-range
    // parameters, which we never pass, so a failure here is a bug worth a loud test.
    build(&mut p, doc, profile).expect("rendering to memory cannot fail");
    p.print().expect("flush to memory");
    capture.0.take()
}

/// `ESC J n`: feeds `dots` of blank paper (in steps of at most 255).
fn feed_dots(p: &mut Printer<Capture>, mut dots: usize) -> escpos::errors::Result<()> {
    while dots > 0 {
        let step = dots.min(255);
        p.custom(&[0x1B, b'J', step as u8])?;
        dots -= step;
    }
    Ok(())
}

fn build(p: &mut Printer<Capture>, doc: &Document, profile: &Profile) -> escpos::errors::Result<()> {
    p.init()?;
    let chinese = matches!(profile.text, TextMode::Gb18030 | TextMode::Big5);
    if chinese {
        p.custom(CHINESE_ON)?;
    }
    let mut current = Style::PLAIN;
    p.justify(JustifyMode::LEFT)?;
    for line in layout(doc, profile.columns()) {
        match line {
            Line::Text { text, style } => {
                let text = fit_charset(&text, profile.text);
                if style.align != current.align {
                    p.justify(justify(style.align))?;
                    current.align = style.align;
                }
                if profile.text == TextMode::Raster && !text.is_ascii() {
                    // Only what the printer's own font cannot print goes as an image, and
                    // only as wide as its letters (ESC a places it): at 9600 baud every
                    // byte is a millisecond of the resident's wait.
                    let used: usize =
                        text.chars().map(|c| char_columns(c) * 12 * if style.double { 2 } else { 1 }).sum();
                    let left = Style { align: Align::Left, ..style };
                    let bitmap = raster::text_line(&text, left, used.min(usize::from(profile.dots)));
                    let (inked, above, below) = bitmap.inked_rows();
                    feed_dots(p, above)?;
                    if inked.height > 0 {
                        p.custom(&inked.to_escpos(raster::Scale::One))?;
                    }
                    feed_dots(p, below)?;
                    continue;
                }
                if style.bold != current.bold {
                    p.bold(style.bold)?;
                }
                if style.double != current.double {
                    let n = if style.double { 2 } else { 1 };
                    p.size(n, n)?;
                }
                current = style;
                p.write(&text)?;
                // LF prints the line; escpos's feed() would send ESC d 1 instead.
                p.custom(b"\n")?;
            }
            Line::Qr { data } => match profile.qr {
                QrMode::Native => {
                    p.justify(JustifyMode::CENTER)?;
                    let option =
                        QRCodeOption::new(QRCodeModel::Model2, NATIVE_QR_SIZE, QRCodeCorrectionLevel::M);
                    p.qrcode_option(&data, option)?;
                    p.justify(justify(current.align))?;
                }
                QrMode::Raster => {
                    // Drawn at half the module and sent at quadruple size (GS v 0 m = 3):
                    // the same code on paper from a quarter of the bytes.
                    // Its quiet zone is paper fed and the paper's own margins.
                    let (code, above, below) = raster::qr(&data, RASTER_QR_MODULE / 2, 0).inked_rows();
                    if code.height > 0 {
                        p.justify(JustifyMode::CENTER)?;
                        feed_dots(p, above * 2)?;
                        p.custom(&code.inked_columns().to_escpos(raster::Scale::Quadruple))?;
                        feed_dots(p, below * 2)?;
                        p.justify(justify(current.align))?;
                    }
                }
            },
            Line::Barcode { data } => {
                // Layout passed only Code 39 data, which escpos accepts.
                p.justify(JustifyMode::CENTER)?;
                let option = BarcodeOption::new(
                    BarcodeWidth::S,
                    BarcodeHeight::S,
                    BarcodeFont::A,
                    BarcodePosition::Below,
                );
                p.code39_option(&data, option)?;
                p.justify(justify(current.align))?;
            }
            Line::Feed(n) => {
                p.feeds(n)?;
            }
        }
    }
    if current != Style::PLAIN {
        p.bold(false)?.size(1, 1)?.justify(JustifyMode::LEFT)?;
    }
    if chinese {
        p.custom(CHINESE_OFF)?;
    }
    // Feed the last line past the tear bar or cutter.
    p.feeds(4)?;
    if profile.cutter {
        p.partial_cut()?;
    }
    Ok(())
}
