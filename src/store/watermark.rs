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

/// Event-index reservations: the file beside the database holds the highest index any
/// process may have handed out, and each process remembers the block it reserved itself.
/// Within its own block a process trusts the database's counter (nobody swaps a database
/// under a running process); the first index it hands out comes after everything the file
/// reserved. So a database restored from a backup, emptied or deleted never hands out an
/// index again, at the price of up to one block of skipped numbers per start.
pub struct Reservations {
    file: Watermark,
    mine: std::sync::atomic::AtomicU64,
}

impl Reservations {
    pub fn new(path: PathBuf) -> Reservations {
        Reservations { file: Watermark::new(path), mine: std::sync::atomic::AtomicU64::new(0) }
    }

    pub fn path(&self) -> &std::path::Path {
        self.file.path()
    }

    /// The highest number reserved in the file by any process.
    pub fn reserved(&self) -> io::Result<u64> {
        self.file.read()
    }

    /// Reserves everything up to `value` (a bulk filing), durably, if not reserved yet.
    pub fn reserve_up_to(&self, value: u64) -> io::Result<()> {
        if self.file.read()? < value {
            self.file.write(value)?;
        }
        Ok(())
    }

    /// Reserves the next block ahead, durably, while nobody waits: when this process's
    /// block is at least half used (`used` is the database's counter) and nobody else
    /// reserved after it. Whoever calls this between filings keeps the reservation's
    /// fsyncs out of `next`.
    pub fn top_up(&self, used: u64, block: u64) -> io::Result<()> {
        use std::sync::atomic::Ordering;
        let mine = self.mine.load(Ordering::SeqCst);
        if mine == 0 || mine.saturating_sub(used) > block / 2 || self.file.read()? != mine {
            return Ok(());
        }
        // A block ahead of the last number used: a crash skips at most a block.
        let ceiling = used + block;
        self.file.write(ceiling)?;
        self.mine.store(ceiling, Ordering::SeqCst);
        Ok(())
    }

    /// The next index after `used` (the database's counter), reserving `block` more in the
    /// file, durably, whenever the next one lies outside this process's block.
    pub fn next(&self, used: u64, block: u64) -> io::Result<u64> {
        use std::sync::atomic::Ordering;
        let reserved = self.file.read()?;
        let mine = self.mine.load(Ordering::SeqCst);
        let next = if reserved == mine && mine != 0 { used + 1 } else { used.max(reserved) + 1 };
        if next > mine || reserved != mine {
            let ceiling = next + block - 1;
            self.file.write(ceiling)?;
            self.mine.store(ceiling, Ordering::SeqCst);
        }
        Ok(next)
    }
}
