//! The case core: pure rules with no I/O and no clock of its own (`now` is passed in).
//! Nothing here knows about SQLite, Slint, printers or the network.

pub mod calendar;
pub mod callback;
pub mod case;
pub mod category;
pub mod clocks;
pub mod event;
pub mod filing;
pub mod hlc;
pub mod holidays_cn;
pub mod intake;
pub mod report;
pub mod resident;
pub mod roles;
pub mod ticket;
pub mod validate;

#[cfg(test)]
mod tests;
