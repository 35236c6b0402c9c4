//! Code 39, the barcode every ESC/POS printer draws (`GS k 4`) and every USB scanner at a
//! front desk reads; a ticket number (K01-00042) is all Code 39 characters. Here to draw
//! it on the virtual printer's paper and to read it back in tests.

/// Each character: 9 elements, bar first, alternating bar/space; `w` wide, `n` narrow.
const TABLE: [(char, &str); 44] = [
    ('0', "nnnwwnwnn"),
    ('1', "wnnwnnnnw"),
    ('2', "nnwwnnnnw"),
    ('3', "wnwwnnnnn"),
    ('4', "nnnwwnnnw"),
    ('5', "wnnwwnnnn"),
    ('6', "nnwwwnnnn"),
    ('7', "nnnwnnwnw"),
    ('8', "wnnwnnwnn"),
    ('9', "nnwwnnwnn"),
    ('A', "wnnnnwnnw"),
    ('B', "nnwnnwnnw"),
    ('C', "wnwnnwnnn"),
    ('D', "nnnnwwnnw"),
    ('E', "wnnnwwnnn"),
    ('F', "nnwnwwnnn"),
    ('G', "nnnnnwwnw"),
    ('H', "wnnnnwwnn"),
    ('I', "nnwnnwwnn"),
    ('J', "nnnnwwwnn"),
    ('K', "wnnnnnnww"),
    ('L', "nnwnnnnww"),
    ('M', "wnwnnnnwn"),
    ('N', "nnnnwnnww"),
    ('O', "wnnnwnnwn"),
    ('P', "nnwnwnnwn"),
    ('Q', "nnnnnnwww"),
    ('R', "wnnnnnwwn"),
    ('S', "nnwnnnwwn"),
    ('T', "nnnnwnwwn"),
    ('U', "wwnnnnnnw"),
    ('V', "nwwnnnnnw"),
    ('W', "wwwnnnnnn"),
    ('X', "nwnnwnnnw"),
    ('Y', "wwnnwnnnn"),
    ('Z', "nwwnwnnnn"),
    ('-', "nwnnnnwnw"),
    ('.', "wwnnnnwnn"),
    (' ', "nwwnnnwnn"),
    ('$', "nwnwnwnnn"),
    ('/', "nwnwnnnwn"),
    ('+', "nwnnnwnwn"),
    ('%', "nnnwnwnwn"),
    ('*', "nwnnwnwnn"),
];

/// Wide elements are this many narrow ones (printers use 2.5–3).
const WIDE: usize = 3;

fn pattern(c: char) -> Option<&'static str> {
    TABLE.iter().find(|(k, _)| *k == c).map(|(_, p)| *p)
}

/// Whether `data` can be a Code 39 barcode (the start/stop `*` is added, not given).
pub fn encodable(data: &str) -> bool {
    !data.is_empty() && data.chars().all(|c| c != '*' && pattern(c).is_some())
}

/// The modules (true = bar) of `*data*`, one narrow space between characters.
pub fn modules(data: &str) -> Option<Vec<bool>> {
    if !encodable(data) {
        return None;
    }
    let mut out = Vec::new();
    for (i, c) in std::iter::once('*').chain(data.chars()).chain(std::iter::once('*')).enumerate() {
        if i > 0 {
            out.push(false);
        }
        for (k, e) in pattern(c)?.chars().enumerate() {
            let width = if e == 'w' { WIDE } else { 1 };
            out.extend(std::iter::repeat_n(k % 2 == 0, width));
        }
    }
    Some(out)
}

/// Reads a scan line (true = black) of a Code 39 barcode drawn at any module width.
pub fn decode(line: &[bool]) -> Option<String> {
    // Runs of equal pixels, from the first bar to the last.
    let first = line.iter().position(|p| *p)?;
    let last = line.iter().rposition(|p| *p)?;
    let mut runs: Vec<usize> = Vec::new();
    let mut current = line[first];
    let mut len = 0;
    for p in &line[first..=last] {
        if *p == current {
            len += 1;
        } else {
            runs.push(len);
            current = *p;
            len = 1;
        }
    }
    runs.push(len);
    let narrow = *runs.iter().min()?;
    let mut text = String::new();
    // 9 elements per character, then one inter-character gap.
    for chunk in runs.chunks(10) {
        if chunk.len() < 9 {
            return None;
        }
        let code: String = chunk[..9].iter().map(|r| if *r > narrow * 2 { 'w' } else { 'n' }).collect();
        text.push(TABLE.iter().find(|(_, p)| *p == code)?.0);
    }
    text.strip_prefix('*')?.strip_suffix('*').map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_has_three_wide_of_nine_and_all_differ() {
        for (c, p) in TABLE {
            assert_eq!(p.len(), 9, "{c}");
            assert_eq!(p.chars().filter(|e| *e == 'w').count(), 3, "{c}");
        }
        let mut all: Vec<&str> = TABLE.iter().map(|(_, p)| *p).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 44);
    }

    #[test]
    fn a_ticket_number_encodes_and_reads_back_at_any_module_width() {
        let bars = modules("K01-00042").unwrap();
        for scale in 1..=4 {
            let line: Vec<bool> = bars.iter().flat_map(|b| std::iter::repeat_n(*b, scale)).collect();
            assert_eq!(decode(&line).as_deref(), Some("K01-00042"));
        }
        assert!(modules("k01").is_none(), "lower case is not Code 39");
        assert!(modules("").is_none());
    }
}
