//! The kiosk reads aloud (issue 16): the ticket number and the promise, for residents who
//! cannot read the screen well. espeak-ng (Debian's `espeak-ng`, offline, with a Mandarin
//! voice) speaks through the Pi's audio out; `Speaker::to_files` has it write each
//! utterance as a WAV file instead, for tests and machines without a sound card.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use crate::domain::intake::Lang;

/// Words per minute: slower than espeak's 175, for older residents.
const SPEED: &str = "140";

pub struct Speaker {
    output: Output,
    /// What is being said now: a new press stops it rather than talking over it.
    speaking: Mutex<Option<Child>>,
    said: Mutex<u32>,
}

enum Output {
    Device,
    Files(PathBuf),
}

impl Speaker {
    /// Speaks through the sound card.
    pub fn to_device() -> Speaker {
        Speaker { output: Output::Device, speaking: Mutex::new(None), said: Mutex::new(0) }
    }

    /// Writes each utterance to `dir/utterance-N.wav`.
    pub fn to_files(dir: PathBuf) -> Speaker {
        Speaker { output: Output::Files(dir), speaking: Mutex::new(None), said: Mutex::new(0) }
    }

    /// Whether espeak-ng is installed (the read-aloud buttons show only then).
    pub fn available() -> bool {
        Command::new("espeak-ng")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    }

    /// espeak-ng's voice for the resident's language: Mandarin for both Chinese scripts.
    pub fn voice(lang: Lang) -> &'static str {
        match lang {
            Lang::ZhCn | Lang::ZhTw => "cmn",
            Lang::En => "en",
        }
    }

    /// Starts saying `text` (stopping anything still being said); returns the WAV file when
    /// writing to files. Does not wait for the speech to end.
    pub fn say(&self, text: &str, lang: Lang) -> Result<Option<PathBuf>, String> {
        let mut speaking = self.speaking.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut previous) = speaking.take() {
            let _ = previous.kill();
            let _ = previous.wait();
        }
        let mut command = Command::new("espeak-ng");
        command.args(["-v", Self::voice(lang), "-s", SPEED]);
        let file = match &self.output {
            Output::Device => None,
            Output::Files(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
                let mut said = self.said.lock().unwrap_or_else(|p| p.into_inner());
                *said += 1;
                let file = dir.join(format!("utterance-{:03}.wav", *said));
                command.arg("-w").arg(&file);
                Some(file)
            }
        };
        // The text is one argument: nothing in it reaches a shell.
        command.arg("--").arg(text).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        let child = command.spawn().map_err(|e| format!("cannot start espeak-ng: {e}"))?;
        *speaking = Some(child);
        Ok(file)
    }

    /// Waits until the current utterance is finished (tests, and writing files).
    pub fn wait(&self) {
        let mut speaking = self.speaking.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut child) = speaking.take() {
            let _ = child.wait();
        }
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        if let Some(mut child) = self.speaking.get_mut().ok().and_then(Option::take) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What the kiosk says for a ticket: the number character by character (a listener writes
/// it down as it is read), then the promise.
pub fn ticket_words(ticket: &str, promise: &str, lang: Lang) -> String {
    let spelled: Vec<String> = ticket
        .chars()
        .map(|c| match (lang, c) {
            (Lang::En, '-') => "dash".to_string(),
            (_, '-') => "杠".to_string(),
            (Lang::En, c) => c.to_string(),
            (_, c) if c.is_ascii_digit() => ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
                [c as usize - '0' as usize]
                .to_string(),
            (_, c) => c.to_string(),
        })
        .collect();
    match lang {
        Lang::En => format!("Your ticket number is {}. {promise}", spelled.join(", ")),
        Lang::ZhTw => format!("您的單號是：{}。{promise}", spelled.join("，")),
        Lang::ZhCn => format!("您的单号是：{}。{promise}", spelled.join("，")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_is_spelled_out_before_the_promise() {
        let zh = ticket_words("K01-00042", "维修48小时内完成", Lang::ZhCn);
        assert_eq!(zh, "您的单号是：K，零，一，杠，零，零，零，四，二。维修48小时内完成");
        let en = ticket_words("K01-00042", "Repaired within 48 hours.", Lang::En);
        assert!(en.starts_with("Your ticket number is K, 0, 1, dash, 0"), "{en}");
    }
}
