//! What goes on paper, independent of any printer: blocks of text, fields, rules and QR
//! codes, and the layout that turns them into physical lines for a given paper width.
//!
//! Widths follow thermal printers in Chinese mode: an ASCII character takes one column
//! (12 dots in font A), any other character two (a 24-dot glyph). Double size halves
//! the columns. Text wraps by columns and never breaks inside a character.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    pub bold: bool,
    /// Double width and height.
    pub double: bool,
    pub align: Align,
}

impl Style {
    pub const PLAIN: Style = Style { bold: false, double: false, align: Align::Left };
    pub const CENTER: Style = Style { bold: false, double: false, align: Align::Center };
    pub const TITLE: Style = Style { bold: true, double: false, align: Align::Center };
    pub const HUGE: Style = Style { bold: true, double: true, align: Align::Center };
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Text {
        text: String,
        style: Style,
    },
    /// `label value`, the value wrapped under itself (a hanging indent).
    Field {
        label: String,
        value: String,
    },
    /// Label left, value right, on one line when they fit.
    Pair {
        left: String,
        right: String,
    },
    Rule,
    Qr {
        data: String,
    },
    /// Code 39 (digits, capitals, `-. $/+%`); anything else is left off the paper.
    Barcode {
        data: String,
    },
    Feed(u8),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub blocks: Vec<Block>,
}

impl Document {
    pub fn text(&mut self, text: impl Into<String>, style: Style) -> &mut Self {
        self.blocks.push(Block::Text { text: text.into(), style });
        self
    }
    pub fn field(&mut self, label: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Field { label: label.into(), value: value.into() });
        self
    }
    pub fn pair(&mut self, left: impl Into<String>, right: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Pair { left: left.into(), right: right.into() });
        self
    }
    pub fn rule(&mut self) -> &mut Self {
        self.blocks.push(Block::Rule);
        self
    }
    pub fn qr(&mut self, data: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Qr { data: data.into() });
        self
    }
    pub fn barcode(&mut self, data: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Barcode { data: data.into() });
        self
    }
    pub fn feed(&mut self, lines: u8) -> &mut Self {
        self.blocks.push(Block::Feed(lines));
        self
    }
}

/// One physical line or element on paper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    Text { text: String, style: Style },
    Qr { data: String },
    Barcode { data: String },
    Feed(u8),
}

/// Columns a character takes on a printer in Chinese mode.
pub fn char_columns(c: char) -> usize {
    if c.is_ascii() { 1 } else { 2 }
}

pub fn columns_of(s: &str) -> usize {
    s.chars().map(char_columns).sum()
}

/// Keeps only what a printer can print as text: no control characters (C0, DEL, C1 —
/// the bytes of ESC/POS commands), no zero-width or combining marks (they would print
/// as separate glyphs), no bidi controls. Line breaks are kept for the layout to split on.
pub fn printable(raw: &str) -> String {
    raw.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' | '\r' => Some(' '),
            c if c.is_control() => None,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' => None,
            '\u{0300}'..='\u{036F}' | '\u{FE00}'..='\u{FE0F}' => None,
            c => Some(c),
        })
        .collect()
}

/// Chinese punctuation that must not start a line (避头): it is kept with the character
/// before it.
fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '》'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '”'
            | '’'
            | '…'
            | ','
            | '.'
            | ';'
            | ':'
            | '?'
            | '!'
            | ')'
    )
}

/// Wraps one paragraph to `width` columns: Latin words stay whole where they fit, CJK
/// breaks between characters, and punctuation never starts a line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(2);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        let tokens = tokens(paragraph);
        for token in tokens {
            let w = columns_of(&token);
            if used + w <= width {
                line.push_str(&token);
                used += w;
                continue;
            }
            if token == " " {
                // A space at a break disappears.
                lines.push(std::mem::take(&mut line));
                used = 0;
                continue;
            }
            if w > width || (token.chars().count() == 1 && no_line_start(token.chars().next().unwrap_or(' ')))
            {
                // Too long for any line, or punctuation: break inside, or hang it on.
                for c in token.chars() {
                    let cw = char_columns(c);
                    if used + cw > width {
                        if no_line_start(c) && !line.is_empty() {
                            // Pull the last character down with the punctuation.
                            let last = line.pop().expect("not empty");
                            lines.push(std::mem::take(&mut line));
                            line.push(last);
                            used = char_columns(last);
                        } else {
                            lines.push(std::mem::take(&mut line));
                            used = 0;
                        }
                    }
                    line.push(c);
                    used += cw;
                }
                continue;
            }
            lines.push(std::mem::take(&mut line));
            let token = token.trim_start().to_string();
            used = columns_of(&token);
            line = token;
        }
        lines.push(line);
    }
    // A space at the end of a line is invisible on paper and would only cost a column.
    lines.into_iter().map(|l| l.trim_end().to_string()).collect()
}

/// Splits into words (runs of ASCII non-space), single spaces, and single other characters.
fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in text.chars() {
        let word_char = c.is_ascii() && c != ' ';
        match out.last_mut() {
            Some(last) if word_char && last.chars().last().is_some_and(|l| l.is_ascii() && l != ' ') => {
                last.push(c)
            }
            _ => out.push(c.to_string()),
        }
    }
    out
}

/// Lays the document out for paper `columns` wide (font A columns).
pub fn layout(doc: &Document, columns: usize) -> Vec<Line> {
    let mut out = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Text { text, style } => {
                let width = if style.double { columns / 2 } else { columns };
                for text in wrap(&printable(text), width) {
                    out.push(Line::Text { text, style: *style });
                }
            }
            Block::Field { label, value } => {
                let label = printable(label);
                // A full-width colon carries its own space.
                let sep = if label.ends_with('：') { "" } else { " " };
                let indent = columns_of(&label) + sep.len();
                let value = printable(value);
                if indent * 2 > columns {
                    // A label too wide for a hanging indent: value on the lines below.
                    for text in wrap(&label, columns).into_iter().chain(wrap(&value, columns)) {
                        out.push(Line::Text { text, style: Style::PLAIN });
                    }
                    continue;
                }
                for (i, part) in wrap(&value, columns - indent).into_iter().enumerate() {
                    let head = if i == 0 { format!("{label}{sep}") } else { " ".repeat(indent) };
                    out.push(Line::Text { text: format!("{head}{part}"), style: Style::PLAIN });
                }
            }
            Block::Pair { left, right } => {
                let (left, right) = (printable(left).replace('\n', " "), printable(right).replace('\n', " "));
                let (lw, rw) = (columns_of(&left), columns_of(&right));
                if lw + 1 + rw <= columns {
                    let gap = " ".repeat(columns - lw - rw);
                    out.push(Line::Text { text: format!("{left}{gap}{right}"), style: Style::PLAIN });
                } else {
                    for text in wrap(&left, columns) {
                        out.push(Line::Text { text, style: Style::PLAIN });
                    }
                    for text in wrap(&right, columns) {
                        out.push(Line::Text { text, style: Style { align: Align::Right, ..Style::PLAIN } });
                    }
                }
            }
            Block::Rule => out.push(Line::Text { text: "-".repeat(columns), style: Style::PLAIN }),
            Block::Qr { data } => out.push(Line::Qr { data: printable(data).replace('\n', "") }),
            Block::Barcode { data } if super::barcode::encodable(data) => {
                out.push(Line::Barcode { data: data.clone() })
            }
            Block::Barcode { .. } => {}
            Block::Feed(n) => out.push(Line::Feed(*n)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cjk_takes_two_columns_and_ascii_one() {
        assert_eq!(columns_of("K01-00042"), 9);
        assert_eq!(columns_of("漏水"), 4);
        assert_eq!(columns_of("3号楼"), 5);
    }

    #[test]
    fn chinese_wraps_between_characters_and_latin_between_words() {
        assert_eq!(wrap("厨房水管漏水地面积水", 8), ["厨房水管", "漏水地面", "积水"]);
        assert_eq!(wrap("the kitchen pipe leaks", 12), ["the kitchen", "pipe leaks"]);
        assert_eq!(wrap("supercalifragilistic", 8), ["supercal", "ifragili", "stic"]);
    }

    #[test]
    fn punctuation_never_starts_a_line() {
        let lines = wrap("水管漏水，地面积水。", 8);
        assert!(lines.iter().all(|l| !l.starts_with('，') && !l.starts_with('。')), "{lines:?}");
        assert_eq!(lines.concat(), "水管漏水，地面积水。");
    }

    #[test]
    fn a_wide_character_never_straddles_the_edge() {
        // 7 columns: "abc" + two CJK = 7; the third CJK must go to the next line.
        assert_eq!(wrap("abc漏水漏", 7), ["abc漏水", "漏"]);
    }

    #[test]
    fn fields_hang_their_value_under_itself() {
        let mut doc = Document::default();
        doc.field("地点:", "3号楼2单元1201室靠近电梯的那一户");
        let lines = layout(&doc, 20);
        let texts: Vec<String> = lines
            .iter()
            .map(|l| match l {
                Line::Text { text, .. } => text.clone(),
                _ => String::new(),
            })
            .collect();
        assert!(texts[0].starts_with("地点: 3号楼"), "{texts:?}");
        assert!(texts[1].starts_with("      "), "{texts:?}");
    }

    #[test]
    fn control_characters_never_reach_the_layout() {
        assert_eq!(printable("a\u{1b}@b\u{1d}V\u{0}c\u{9b}d\u{200b}e"), "a@bVcde");
    }

    proptest! {
        #[test]
        fn every_laid_out_line_fits_the_paper(text in "\\PC{0,200}", columns in prop::sample::select(vec![32usize, 42, 48])) {
            let mut doc = Document::default();
            doc.text(text.clone(), Style::PLAIN).text(text.clone(), Style::HUGE).field("地点:", text.clone()).pair("合计", text);
            for line in layout(&doc, columns) {
                if let Line::Text { text, style } = line {
                    let width = if style.double { columns / 2 } else { columns };
                    prop_assert!(columns_of(&text) <= width, "{text:?} is wider than {width}");
                }
            }
        }

        #[test]
        fn wrapping_loses_no_printable_character(text in "[a-z 漏水，。]{0,80}", width in 4usize..40) {
            let joined: String = wrap(&text, width).concat().chars().filter(|c| *c != ' ').collect();
            let expected: String = text.chars().filter(|c| *c != ' ').collect();
            prop_assert_eq!(joined, expected);
        }
    }
}
