//! Build-time work: compile the Slint screens (with their translations bundled) and turn
//! the word-frequency list into the pinyin keyboard's index, so nothing is looked up or
//! downloaded at run time.

use pinyin::ToPinyinMulti;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    compile_ui();
    build_pinyin_index();
}

fn compile_ui() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("ui/translations")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None);
    slint_build::compile_with_config("ui/app.slint", config).expect("the Slint screens compile");
}

/// At most this many pinyin spellings per word: characters with several readings
/// (多音字) multiply; the common reading is among the first ones.
const MAX_SPELLINGS: usize = 8;

/// `assets/pinyin/words.txt` ("word frequency" lines) → `OUT_DIR/pinyin_index.tsv`
/// ("spelling\tword\tfrequency\ttraditional" lines, sorted by spelling, then most
/// frequent first), without any word of `assets/pinyin/blocked.txt`.
fn build_pinyin_index() {
    let source = "assets/pinyin/words.txt";
    let glossary = "assets/pinyin/kiosk-words.txt";
    let blocklist = "assets/pinyin/blocked.txt";
    println!("cargo:rerun-if-changed={source}");
    println!("cargo:rerun-if-changed={glossary}");
    println!("cargo:rerun-if-changed={blocklist}");
    let blocked: Vec<String> = word_list(blocklist).into_iter().collect();
    let traditional = ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2tw)
        .expect("OpenCC's simplified-to-Taiwan tables load");
    let text = std::fs::read_to_string(source).expect("assets/pinyin/words.txt is readable");
    // Words of a lobby (漏水, 电梯, 物业费…) outrank general-language words spelled alike.
    let boosted: BTreeSet<String> = word_list(glossary);
    let extra: String = boosted.iter().map(|w| format!("{w} 1\n")).collect();
    let text = format!("{text}{extra}");
    let mut rows: BTreeSet<(String, std::cmp::Reverse<u32>, String)> = BTreeSet::new();
    for line in text.lines() {
        let Some((word, freq)) = line.split_once(' ') else {
            continue;
        };
        let Ok(freq) = freq.trim().parse::<u32>() else {
            continue;
        };
        if blocked.iter().any(|b| word.contains(b.as_str())) {
            continue;
        }
        // (spelling, uses only each character's first — most common — reading)
        let mut spellings: Vec<(String, bool)> = vec![(String::new(), true)];
        let mut ok = true;
        for c in word.chars() {
            let readings: Vec<&str> = match c.to_pinyin_multi() {
                Some(multi) => multi.into_iter().map(|p| p.plain()).collect(),
                None => {
                    ok = false;
                    break;
                }
            };
            // ü is typed as v on Chinese keyboards.
            let readings: Vec<String> = readings.iter().map(|r| r.replace('ü', "v")).collect();
            spellings = spellings
                .iter()
                .flat_map(|(s, primary)| {
                    readings.iter().enumerate().map(move |(i, r)| (format!("{s}{r}"), *primary && i == 0))
                })
                .take(MAX_SPELLINGS)
                .collect();
        }
        if !ok {
            continue;
        }
        for (spelling, primary) in spellings {
            // A rare reading (多音字) must not put a common word ahead of the word meant:
            // 水果 read "shuiguan" stays behind 水管.
            let base = if boosted.contains(word) { freq.saturating_add(10_000_000) } else { freq };
            let score = if primary { base } else { (base / 1000).max(1) };
            rows.insert((spelling, std::cmp::Reverse(score), word.to_string()));
        }
    }
    // "spelling\tword\tfrequency\tthe word in traditional characters (Taiwan)"
    let mut out = String::with_capacity(rows.len() * 20);
    for (spelling, freq, word) in rows {
        let tw = traditional.convert(&word);
        let _ = writeln!(out, "{spelling}\t{word}\t{}\t{tw}", freq.0);
    }
    let path = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("pinyin_index.tsv");
    std::fs::write(path, out).expect("OUT_DIR is writable");
}

/// One word per line; blank lines and `#` comments skipped.
fn word_list(path: &str) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path} is readable: {e}"))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}
