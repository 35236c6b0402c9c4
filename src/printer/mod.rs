//! Printing in three parts (after python-escpos and escpos-php): a document model with
//! its layouts, printer profiles with a pure renderer from document to ESC/POS bytes, and
//! transports that carry the bytes — the virtual printer among them.

pub mod barcode;
pub mod document;
pub mod layouts;
pub mod profile;
pub mod raster;
pub mod render;
pub mod status;
pub mod transport;
pub mod virtual_printer;

#[cfg(test)]
mod tests;
