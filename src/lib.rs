//! lobbydesk: the firmware of a lobby kiosk for residential estates.
//!
//! Arrows point one way: `cli` → `app` → `domain`; `store` → `domain`; `domain` depends
//! on nothing but the standard library and plain-data crates.

pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod hq;
pub mod hw;
pub mod input;
pub mod kiosk;
pub mod printer;
pub mod store;
pub mod sync;
pub mod ui;
