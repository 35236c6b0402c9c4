//! The resident side of the kiosk without any Slint: the filing flow, the words on
//! screen, progress as residents see it, the idle timer and the lookup guard, and the
//! service that runs store and printer work off the UI thread.

pub mod flow;
pub mod guard;
pub mod progress;
pub mod service;
pub mod words;
