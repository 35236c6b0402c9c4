//! The ticket watermark: the highest ticket sequence ever reserved, kept in a small file
//! beside the database and made durable *before* the case that uses it commits.
//!
//! The database also knows its highest sequence, so the next number is one past the larger
//! of the two. A crash between the two writes skips a number (never reuses one), and
//! restoring an older copy of the database alone cannot bring an issued number back.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

pub struct Watermark {
    path: PathBuf,
}

impl Watermark {
    pub fn new(path: PathBuf) -> Watermark {
        Watermark { path }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The stored watermark; a missing file is 0, an unreadable one is an error (guessing
    /// low could reuse numbers).
    pub fn read(&self) -> io::Result<u64> {
        match fs::read_to_string(&self.path) {
            Ok(text) => text.trim().parse().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{:?} is not a ticket number; if the file is damaged, delete it and lobbydesk continues from the database", text.trim()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Replaces the watermark atomically and durably: temp file, fsync, rename, fsync dir.
    pub fn write(&self, value: u64) -> io::Result<()> {
        let tmp = self.path.with_extension("tmp");
        {
            let mut file = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
            writeln!(file, "{value}")?;
            file.sync_all()?;
        }
        fs::rename(&tmp, &self.path)?;
        if let Some(dir) = self.path.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}
