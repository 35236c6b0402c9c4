//! Text entry on a kiosk with no system keyboard: the pinyin engine behind the on-screen
//! keyboard. No Slint here; the screens' adapters drive it.

pub mod pinyin;
