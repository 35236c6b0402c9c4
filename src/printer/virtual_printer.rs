//! The virtual printer: receives the exact bytes a real printer would, interprets the
//! ESC/POS subset we emit, and draws the paper as a PNG (keeping the raw `.bin` beside
//! it). It answers `DLE EOT` like a real printer and can be out of paper, offline, have
//! its cover open, or be slow — set through its API in tests, or by creating the files
//! `paper-out`, `offline`, `cover-open` in its directory while the kiosk runs.

use encoding_rs::{BIG5, GB18030};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use super::document::{Align, char_columns};
use super::profile::TextMode;
use super::raster::{self, Bitmap};
use super::status::{self, PrinterStatus};

/// One run of text with one style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub bold: bool,
    pub width: u8,
    pub height: u8,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaperItem {
    Text {
        segments: Vec<Segment>,
        align: Align,
    },
    Image(Bitmap),
    /// Blank paper, in dots.
    Feed(usize),
    Cut,
}

/// What the printer made of a job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Paper {
    pub items: Vec<PaperItem>,
    /// Commands outside the subset we emit. Tests expect none.
    pub unknown: Vec<String>,
}

impl Paper {
    /// The printed text, one line per paper line.
    pub fn text(&self) -> String {
        self.items
            .iter()
            .filter_map(|i| match i {
                PaperItem::Text { segments, .. } => {
                    Some(segments.iter().map(|s| s.text.as_str()).collect::<String>())
                }
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn cut(&self) -> bool {
        self.items.contains(&PaperItem::Cut)
    }
}

const LINE_PITCH: usize = 30;

/// Reads ESC/POS bytes the way a printer configured for `mode` would.
pub fn interpret(bytes: &[u8], mode: TextMode, dots: usize) -> Paper {
    Interpreter::new(mode, dots).run(bytes)
}

struct Interpreter {
    mode: TextMode,
    dots: usize,
    chinese: bool,
    bold: bool,
    width: u8,
    height: u8,
    align: Align,
    line_align: Option<Align>,
    raw: Vec<u8>,
    segments: Vec<Segment>,
    qr_size: u8,
    qr_data: Vec<u8>,
    bar_width: u8,
    bar_height: u8,
    bar_hri_below: bool,
    paper: Paper,
}

impl Interpreter {
    fn new(mode: TextMode, dots: usize) -> Interpreter {
        Interpreter {
            mode,
            dots,
            chinese: false,
            bold: false,
            width: 1,
            height: 1,
            align: Align::Left,
            line_align: None,
            raw: Vec::new(),
            segments: Vec::new(),
            qr_size: 3,
            qr_data: Vec::new(),
            bar_width: 3,
            bar_height: 162,
            bar_hri_below: false,
            paper: Paper::default(),
        }
    }

    /// Ends the current run of text bytes (a style is about to change).
    fn flush_segment(&mut self) {
        if self.raw.is_empty() {
            return;
        }
        let raw = std::mem::take(&mut self.raw);
        let text = if self.chinese {
            let encoding = if self.mode == TextMode::Big5 { BIG5 } else { GB18030 };
            encoding.decode_without_bom_handling(&raw).0.into_owned()
        } else {
            // Outside Chinese mode a byte is one character of the code page; ASCII is all
            // we send there.
            raw.iter().map(|b| if b.is_ascii() { char::from(*b) } else { '?' }).collect()
        };
        self.segments.push(Segment { text, bold: self.bold, width: self.width, height: self.height });
    }

    fn end_line(&mut self) {
        self.flush_segment();
        let segments = std::mem::take(&mut self.segments);
        let align = self.line_align.take().unwrap_or(self.align);
        self.paper.items.push(PaperItem::Text { segments, align });
    }

    fn line_empty(&self) -> bool {
        self.raw.is_empty() && self.segments.is_empty()
    }

    /// Finishes a pending partial line (as a printer does before an image or feed).
    fn finish_partial(&mut self) {
        if !self.line_empty() {
            self.end_line();
        }
    }

    fn run(mut self, bytes: &[u8]) -> Paper {
        let mut i = 0;
        let at = |i: usize| bytes.get(i).copied();
        while i < bytes.len() {
            let b = bytes[i];
            match b {
                0x0A => {
                    self.end_line();
                    i += 1;
                }
                0x1B => {
                    self.flush_segment();
                    let (cmd, n) = (at(i + 1), at(i + 2));
                    i += match cmd {
                        Some(b'@') => {
                            let chinese = self.chinese;
                            self = Interpreter {
                                paper: std::mem::take(&mut self.paper),
                                chinese,
                                ..Interpreter::new(self.mode, self.dots)
                            };
                            2
                        }
                        Some(b'E') => {
                            self.bold = n.unwrap_or(0) & 1 == 1;
                            3
                        }
                        Some(b'a') => {
                            let align = match n.unwrap_or(0) {
                                1 | b'1' => Align::Center,
                                2 | b'2' => Align::Right,
                                _ => Align::Left,
                            };
                            self.align = align;
                            if self.line_empty() {
                                self.line_align = Some(align);
                            }
                            3
                        }
                        Some(b'!') => {
                            let n = n.unwrap_or(0);
                            self.bold = n & 0x08 != 0;
                            self.height = if n & 0x10 != 0 { 2 } else { 1 };
                            self.width = if n & 0x20 != 0 { 2 } else { 1 };
                            3
                        }
                        Some(b'd') => {
                            self.finish_partial();
                            self.paper.items.push(PaperItem::Feed(usize::from(n.unwrap_or(0)) * LINE_PITCH));
                            3
                        }
                        Some(b'J') => {
                            self.finish_partial();
                            self.paper.items.push(PaperItem::Feed(usize::from(n.unwrap_or(0))));
                            3
                        }
                        Some(b'-' | b'G' | b'M' | b'3' | b't' | b'R' | b'{' | b'V') => 3,
                        Some(b'2') => 2,
                        other => {
                            self.paper.unknown.push(format!("ESC {:?}", other));
                            2
                        }
                    };
                }
                0x1D => {
                    self.flush_segment();
                    i += self.gs(&bytes[i..]);
                }
                0x1C => {
                    self.flush_segment();
                    i += match at(i + 1) {
                        Some(b'&') => {
                            self.chinese = true;
                            2
                        }
                        Some(b'.') => {
                            self.chinese = false;
                            2
                        }
                        other => {
                            self.paper.unknown.push(format!("FS {:?}", other));
                            2
                        }
                    };
                }
                0x10 if at(i + 1) == Some(0x04) => i += 3,
                b if b < 0x20 || b == 0x7F => {
                    self.paper.unknown.push(format!("control 0x{b:02X}"));
                    i += 1;
                }
                b => {
                    self.raw.push(b);
                    i += 1;
                }
            }
        }
        self.finish_partial();
        self.paper
    }

    /// A `GS` command at the start of `b`; returns how many bytes it took.
    fn gs(&mut self, b: &[u8]) -> usize {
        let at = |i: usize| b.get(i).copied().unwrap_or(0);
        match b.get(1) {
            Some(b'!') => {
                let n = at(2);
                self.width = (n >> 4) + 1;
                self.height = (n & 0x0F) + 1;
                3
            }
            Some(b'V') => {
                self.finish_partial();
                self.paper.items.push(PaperItem::Cut);
                if matches!(at(2), 65 | 66) { 4 } else { 3 }
            }
            Some(b'v') if at(2) == b'0' => {
                self.finish_partial();
                let mode = at(3) & 0x03;
                let (sx, sy) = (1 + usize::from(mode & 1), 1 + usize::from(mode >> 1));
                let bytes_per_row = usize::from(u16::from_le_bytes([at(4), at(5)]));
                let height = usize::from(u16::from_le_bytes([at(6), at(7)]));
                let data = b.get(8..8 + bytes_per_row * height).unwrap_or(&[]);
                let width = bytes_per_row * 8 * sx;
                // ESC a places an image narrower than the paper, as it does text.
                let left = match self.align {
                    Align::Left => 0,
                    Align::Center => self.dots.saturating_sub(width) / 2,
                    Align::Right => self.dots.saturating_sub(width),
                };
                let mut bitmap = Bitmap::new(self.dots.max(left + width), height * sy);
                for (k, byte) in data.iter().enumerate() {
                    for bit in 0..8 {
                        if byte & (0x80 >> bit) != 0 {
                            let (x, y) = ((k % bytes_per_row) * 8 + bit, k / bytes_per_row);
                            for dy in 0..sy {
                                for dx in 0..sx {
                                    bitmap.set(left + x * sx + dx, y * sy + dy);
                                }
                            }
                        }
                    }
                }
                self.paper.items.push(PaperItem::Image(bitmap));
                8 + data.len()
            }
            Some(b'(') if at(2) == b'k' => {
                let len = usize::from(u16::from_le_bytes([at(3), at(4)]));
                let (cn, func) = (at(5), at(6));
                if cn == 49 {
                    match func {
                        67 => self.qr_size = at(7),
                        80 => self.qr_data = b.get(8..5 + len).unwrap_or(&[]).to_vec(),
                        81 => {
                            self.finish_partial();
                            let data = String::from_utf8_lossy(&self.qr_data).into_owned();
                            let module = usize::from(self.qr_size.clamp(1, 16));
                            let mut bitmap = raster::qr(&data, module, self.dots);
                            if self.align != Align::Center {
                                bitmap = raster::qr(&data, module, 0);
                            }
                            self.paper.items.push(PaperItem::Image(bitmap));
                        }
                        _ => {}
                    }
                }
                5 + len
            }
            Some(b'h') => {
                self.bar_height = at(2);
                3
            }
            Some(b'w') => {
                self.bar_width = at(2);
                3
            }
            Some(b'H') => {
                self.bar_hri_below = matches!(at(2), 2 | 3 | b'2' | b'3');
                3
            }
            Some(b'k') if at(2) == 4 => {
                // CODE39, format A: data up to NUL.
                let data: Vec<u8> = b[3..].iter().take_while(|c| **c != 0).copied().collect();
                let text = String::from_utf8_lossy(&data).trim_matches('*').to_string();
                self.finish_partial();
                if let Some(modules) = super::barcode::modules(&text) {
                    let width = usize::from(self.bar_width.clamp(1, 6));
                    let height = usize::from(self.bar_height.max(1));
                    let total = modules.len() * width;
                    let left =
                        if self.align == Align::Center { self.dots.saturating_sub(total) / 2 } else { 0 };
                    let mut bitmap = Bitmap::new(self.dots.max(total), height);
                    for (m, bar) in modules.iter().enumerate() {
                        if *bar {
                            for x in 0..width {
                                for y in 0..height {
                                    bitmap.set(left + m * width + x, y);
                                }
                            }
                        }
                    }
                    self.paper.items.push(PaperItem::Image(bitmap));
                    if self.bar_hri_below {
                        let segments = vec![Segment { text, bold: false, width: 1, height: 1 }];
                        self.paper.items.push(PaperItem::Text { segments, align: self.align });
                    }
                } else {
                    self.paper.unknown.push(format!("CODE39 with bad data {data:?}"));
                }
                3 + data.len() + 1
            }
            Some(b'f' | b'B') => 3,
            other => {
                self.paper.unknown.push(format!("GS {:?}", other));
                2
            }
        }
    }
}

/// Draws the paper, `dots` wide, with a dashed line where it was cut.
pub fn draw(paper: &Paper, dots: usize) -> Bitmap {
    let mut rows: Vec<(usize, Bitmap)> = Vec::new();
    let mut y = 8;
    for item in &paper.items {
        match item {
            PaperItem::Text { segments, align } => {
                let height = segments.iter().map(|s| usize::from(s.height)).max().unwrap_or(1);
                let used: usize = segments
                    .iter()
                    .flat_map(|s| s.text.chars().map(move |c| 12 * char_columns(c) * usize::from(s.width)))
                    .sum();
                let mut x = match align {
                    Align::Left => 0,
                    Align::Center => dots.saturating_sub(used) / 2,
                    Align::Right => dots.saturating_sub(used),
                };
                let mut line = Bitmap::new(dots, 24 * height);
                for s in segments {
                    let mag = usize::from(s.width.max(s.height));
                    for c in s.text.chars() {
                        if x + 12 * char_columns(c) * usize::from(s.width) > dots {
                            break; // a real printer wraps; we never send lines this long
                        }
                        raster::draw_char(
                            &mut line,
                            c,
                            x,
                            24 * (height - usize::from(s.height)),
                            mag,
                            s.bold,
                        );
                        x += 12 * char_columns(c) * usize::from(s.width);
                    }
                }
                let pitch = (24 * height + 6).max(LINE_PITCH);
                rows.push((y, line));
                y += pitch;
            }
            PaperItem::Image(bitmap) => {
                rows.push((y, bitmap.clone()));
                y += bitmap.height;
            }
            PaperItem::Feed(dots_fed) => y += dots_fed,
            PaperItem::Cut => {
                let mut line = Bitmap::new(dots, 2);
                for x in (0..dots).filter(|x| x % 16 < 8) {
                    line.set(x, 0);
                    line.set(x, 1);
                }
                rows.push((y, line));
                y += 10;
            }
        }
    }
    let mut page = Bitmap::new(dots, y + 8);
    for (top, bitmap) in rows {
        page.blit(&bitmap, 0, top);
    }
    page
}

/// Grayscale PNG of a bitmap: black dots on white paper.
pub fn png(bitmap: &Bitmap) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, bitmap.width as u32, bitmap.height.max(1) as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(io::Error::other)?;
        let mut data: Vec<u8> = bitmap.pixels.iter().map(|p| if *p { 0 } else { 255 }).collect();
        if data.is_empty() {
            data = vec![255; bitmap.width.max(1)];
        }
        writer.write_image_data(&data).map_err(io::Error::other)?;
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaperLevel {
    #[default]
    Plenty,
    Low,
    Out,
}

#[derive(Debug, Default)]
struct State {
    paper: PaperLevel,
    cover_open: bool,
    offline: bool,
    delay: Duration,
    /// Jobs left before the roll runs out (`None`: an endless roll).
    jobs_until_empty: Option<u32>,
    printed: u32,
    /// The number of the last file written (files survive restarts; numbers continue).
    last_file: u32,
}

/// A printer that lives in a directory: `NNNNN-label.bin` and `.png` per printed job.
pub struct VirtualPrinter {
    dir: PathBuf,
    mode: TextMode,
    dots: usize,
    state: Mutex<State>,
}

impl VirtualPrinter {
    pub fn new(dir: &Path, mode: TextMode, dots: u16) -> io::Result<VirtualPrinter> {
        std::fs::create_dir_all(dir)?;
        // A printer with a Chinese font: raster-text profiles still print on it.
        let mode = if mode == TextMode::Raster { TextMode::Gb18030 } else { mode };
        // Files survive restarts: numbering continues after the highest one there.
        let last_file = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.get(..5)?.parse::<u32>().ok()))
            .max()
            .unwrap_or(0);
        Ok(VirtualPrinter {
            dir: dir.to_path_buf(),
            mode,
            dots: usize::from(dots),
            state: Mutex::new(State { last_file, ..State::default() }),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn set_paper(&self, level: PaperLevel) {
        self.state().paper = level;
    }
    pub fn set_offline(&self, offline: bool) {
        self.state().offline = offline;
    }
    pub fn set_cover_open(&self, open: bool) {
        self.state().cover_open = open;
    }
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }
    /// The roll runs out after `jobs` more jobs.
    pub fn set_jobs_until_empty(&self, jobs: Option<u32>) {
        self.state().jobs_until_empty = jobs;
    }
    pub fn printed(&self) -> u32 {
        self.state().printed
    }

    pub fn status(&self) -> PrinterStatus {
        let s = self.state();
        let flag = |name: &str| self.dir.join(name).exists();
        if s.offline || flag("offline") {
            PrinterStatus::Offline
        } else if s.cover_open || flag("cover-open") {
            PrinterStatus::CoverOpen
        } else if s.paper == PaperLevel::Out || flag("paper-out") {
            PrinterStatus::PaperOut
        } else if s.paper == PaperLevel::Low {
            PrinterStatus::PaperLow
        } else {
            PrinterStatus::Ready
        }
    }

    /// The byte a real printer returns for `DLE EOT n`; `None` when offline (no answer).
    pub fn query(&self, n: u8) -> Option<u8> {
        let now = self.status();
        if now == PrinterStatus::Offline {
            return None;
        }
        let [printer, cause, paper] = status::replies_for(now);
        match n {
            status::PRINTER => Some(printer),
            status::OFFLINE_CAUSE => Some(cause),
            status::PAPER_SENSOR => Some(paper),
            _ => None,
        }
    }

    /// Receives a job. Offline: the connection fails. Out of paper or cover open: the
    /// bytes are taken but nothing comes out, as on a real printer.
    pub fn receive(&self, label: &str, bytes: &[u8]) -> io::Result<Option<PathBuf>> {
        let delay = self.state().delay;
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        if !self.status().can_print() {
            if self.status() == PrinterStatus::Offline {
                return Err(io::Error::new(io::ErrorKind::NotConnected, "virtual printer is offline"));
            }
            return Ok(None);
        }
        let paper = interpret(bytes, self.mode, self.dots);
        let page = draw(&paper, self.dots);
        let number = {
            let mut s = self.state();
            s.printed += 1;
            s.last_file += 1;
            if let Some(left) = s.jobs_until_empty.as_mut() {
                *left = left.saturating_sub(1);
                if *left == 0 {
                    s.paper = PaperLevel::Out;
                }
            }
            s.last_file
        };
        let safe_label: String =
            label.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        let stem = self.dir.join(format!("{number:05}-{safe_label}"));
        std::fs::write(stem.with_extension("bin"), bytes)?;
        std::fs::write(stem.with_extension("png"), png(&page)?)?;
        Ok(Some(stem.with_extension("png")))
    }
}
