//! The kiosk's screens without any Slint: the resident's filing flow, the words on
//! screen, progress as residents see it, the idle timer and the lookup guard, staff PINs
//! and their lockout, and the service that runs store and printer work off the UI thread.

pub mod desk;
pub mod flow;
pub mod guard;
pub mod progress;
pub mod service;
pub mod staff;
pub mod words;
