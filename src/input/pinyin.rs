//! Pinyin input for the on-screen keyboard: typed letters → ranked Chinese candidates.
//! The index is built at compile time (build.rs) from a word-frequency list and each
//! character's readings; ranking is by how common a word is.

use std::sync::OnceLock;

static INDEX_TSV: &str = include_str!(concat!(env!("OUT_DIR"), "/pinyin_index.tsv"));

struct Entry {
    spelling: &'static str,
    word: &'static str,
    freq: u32,
    /// The word in traditional characters as Taiwan writes them (OpenCC, at build time).
    word_tw: &'static str,
}

/// Sorted by spelling, then most frequent first (as build.rs wrote it).
fn index() -> &'static [Entry] {
    static INDEX: OnceLock<Vec<Entry>> = OnceLock::new();
    INDEX.get_or_init(|| {
        INDEX_TSV
            .lines()
            .filter_map(|line| {
                let mut parts = line.split('\t');
                Some(Entry {
                    spelling: parts.next()?,
                    word: parts.next()?,
                    freq: parts.next()?.parse().ok()?,
                    word_tw: parts.next()?,
                })
            })
            .collect()
    })
}

/// Entries whose spelling starts with `prefix`.
fn with_prefix(prefix: &str) -> &'static [Entry] {
    let all = index();
    let start = all.partition_point(|e| e.spelling < prefix);
    let end = start + all[start..].partition_point(|e| e.spelling.starts_with(prefix));
    &all[start..end]
}

fn exactly(spelling: &str) -> impl Iterator<Item = &'static Entry> + '_ {
    with_prefix(spelling).iter().take_while(move |e| e.spelling == spelling)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub word: String,
    /// How many of the typed letters choosing it uses up (the rest stay to be converted).
    pub consumes: usize,
}

/// Candidates for the letters typed so far, best first: whole-input words by frequency,
/// then words for the leading syllables (longest first) so a phrase can be built piece by
/// piece, then completions of an unfinished last syllable.
pub fn candidates(typed: &str, limit: usize) -> Vec<Candidate> {
    candidates_in(typed, limit, false)
}

/// As `candidates`, in traditional characters when `traditional` (the 繁體 screens).
pub fn candidates_in(typed: &str, limit: usize, traditional: bool) -> Vec<Candidate> {
    let typed: String =
        typed.chars().filter(|c| c.is_ascii_alphabetic()).map(|c| c.to_ascii_lowercase()).collect();
    if typed.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Candidate> = Vec::new();
    let push = |e: &Entry, consumes: usize, out: &mut Vec<Candidate>| {
        let word = if traditional { e.word_tw } else { e.word };
        if out.len() < limit && !out.iter().any(|c| c.word == word) {
            out.push(Candidate { word: word.to_string(), consumes });
        }
    };
    let by_freq = |mut v: Vec<&'static Entry>| {
        v.sort_by_key(|e| std::cmp::Reverse(e.freq));
        v
    };
    for e in by_freq(exactly(&typed).collect()) {
        push(e, typed.len(), &mut out);
    }
    // An unfinished last syllable: "dianh" → 电话.
    let completions = by_freq(with_prefix(&typed).iter().filter(|e| e.spelling != typed).collect());
    for e in completions.iter().take(8) {
        push(e, typed.len(), &mut out);
    }
    // The leading syllables, longest first, to build a phrase piece by piece.
    for cut in (1..typed.len()).rev() {
        for e in by_freq(exactly(&typed[..cut]).collect()).into_iter().take(8) {
            push(e, cut, &mut out);
        }
    }
    for e in completions.iter().skip(8) {
        push(e, typed.len(), &mut out);
    }
    out
}

/// The state of pinyin entry: letters typed but not yet converted, and what choosing a
/// candidate does to them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Composer {
    pub preedit: String,
    /// Offer words in traditional characters (the 繁體 screens).
    pub traditional: bool,
    /// The first candidate on the page shown (the bar shows a page at a time).
    pub first: usize,
    /// Where the pages before this one began, for the "previous page" key.
    earlier: Vec<usize>,
}

impl Composer {
    pub fn push(&mut self, letter: char) {
        if letter.is_ascii_alphabetic() && self.preedit.len() < 30 {
            self.preedit.push(letter.to_ascii_lowercase());
            self.first_page();
        }
    }

    pub fn backspace(&mut self) -> bool {
        self.first_page();
        self.preedit.pop().is_some()
    }

    fn first_page(&mut self) {
        self.first = 0;
        self.earlier.clear();
    }

    /// The next page, after the `shown` candidates of this one.
    pub fn next_page(&mut self, shown: usize) {
        if shown > 0 {
            self.earlier.push(self.first);
            self.first += shown;
        }
    }

    pub fn previous_page(&mut self) {
        if let Some(first) = self.earlier.pop() {
            self.first = first;
        }
    }

    pub fn has_previous_page(&self) -> bool {
        !self.earlier.is_empty()
    }

    pub fn candidates(&self, limit: usize) -> Vec<Candidate> {
        candidates_in(&self.preedit, limit, self.traditional)
    }

    /// Chooses candidate `i`: returns the text to insert and keeps the unconverted rest.
    pub fn choose(&mut self, i: usize) -> Option<String> {
        let candidate = self.candidates(i + 1).into_iter().nth(i)?;
        self.first_page();
        self.preedit = self.preedit.get(candidate.consumes..).unwrap_or("").to_string();
        Some(candidate.word)
    }

    /// The space key: the best candidate, or the letters themselves if nothing matches.
    pub fn commit_best(&mut self) -> String {
        match self.choose(0) {
            Some(word) => word,
            None => std::mem::take(&mut self.preedit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loushui_gives_a_water_leak_first() {
        assert_eq!(candidates("loushui", 10)[0].word, "漏水");
    }

    #[test]
    fn common_words_for_kiosk_matters_come_first() {
        for (typed, word) in [
            ("dianti", "电梯"),
            ("shuiguan", "水管"),
            ("wuye", "物业"),
            ("tingche", "停车"),
            ("zaoyin", "噪音"),
        ] {
            let got = candidates(typed, 10);
            assert_eq!(got.first().map(|c| c.word.as_str()), Some(word), "{typed}: {got:?}");
        }
    }

    #[test]
    fn a_phrase_can_be_built_syllable_by_syllable() {
        let mut c = Composer::default();
        for l in "loushuile".chars() {
            c.push(l);
        }
        // No word spells all of it; the leading syllables come first.
        let first = c.candidates(10)[0].clone();
        assert_eq!(first.word, "漏水");
        assert_eq!(c.choose(0).as_deref(), Some("漏水"));
        assert_eq!(c.preedit, "le");
        assert_eq!(c.commit_best(), "了");
        assert!(c.preedit.is_empty());
    }

    #[test]
    fn an_unfinished_syllable_is_completed() {
        assert!(candidates("dianh", 20).iter().any(|c| c.word == "电话"), "{:?}", candidates("dianh", 20));
        assert!(candidates("", 10).is_empty());
        assert!(candidates("123", 10).is_empty());
    }

    #[test]
    fn the_traditional_keyboard_offers_traditional_characters() {
        let tw = candidates_in("dianti", 5, true);
        assert_eq!(tw[0].word, "電梯", "{tw:?}");
        let leak = candidates_in("loushui", 5, true);
        assert_eq!(leak[0].word, "漏水");
        assert!(candidates_in("wuye", 5, true).iter().any(|c| c.word == "物業"));
    }

    /// Every word in the blocklist, and every word containing one, is gone from the
    /// index: a lobby screen never proposes them, whatever is typed.
    #[test]
    fn offensive_and_political_words_are_never_offered() {
        let blocked: Vec<&str> = include_str!("../../assets/pinyin/blocked.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        assert!(blocked.len() > 20);
        for e in index() {
            assert!(!blocked.iter().any(|b| e.word.contains(b)), "{} offered for {}", e.word, e.spelling);
        }
        // The reported case: 台独 was the second candidate for "taidu".
        assert!(candidates("taidu", 40).iter().all(|c| !c.word.contains("台独")));
        assert!(candidates_in("taidu", 40, true).iter().all(|c| !c.word.contains("台獨")));
        assert!(candidates("shabi", 40).iter().all(|c| c.word != "傻逼"));
        // Ordinary words spelled alike are still there.
        assert!(candidates("taidu", 40).iter().any(|c| c.word == "态度"));
    }

    #[test]
    fn letters_that_spell_nothing_are_kept_as_letters() {
        let mut c = Composer::default();
        for l in "vvv".chars() {
            c.push(l);
        }
        assert_eq!(c.commit_best(), "vvv");
    }
}
