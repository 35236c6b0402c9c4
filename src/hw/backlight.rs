//! The screen's backlight: dimmed after a quiet spell, bright again on the next touch.
//! On a Pi the official touchscreens expose it in sysfs; elsewhere nothing happens.

use std::path::{Path, PathBuf};

pub trait Backlight: Send {
    fn set_dimmed(&mut self, dimmed: bool);
    fn dimmed(&self) -> bool;
}

/// `/sys/class/backlight/<device>/brightness`, dimmed to a tenth of the maximum.
pub struct SysfsBacklight {
    dir: PathBuf,
    bright: u32,
    dimmed: bool,
}

impl SysfsBacklight {
    /// The first backlight device, if the machine has one we may write.
    pub fn find() -> Option<SysfsBacklight> {
        let entry = std::fs::read_dir("/sys/class/backlight").ok()?.filter_map(|e| e.ok()).next()?;
        SysfsBacklight::at(&entry.path())
    }

    pub fn at(dir: &Path) -> Option<SysfsBacklight> {
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok()?.trim().parse::<u32>().ok();
        let bright = read("brightness").filter(|b| *b > 0).or_else(|| read("max_brightness"))?;
        Some(SysfsBacklight { dir: dir.to_path_buf(), bright, dimmed: false })
    }
}

impl Backlight for SysfsBacklight {
    fn set_dimmed(&mut self, dimmed: bool) {
        if dimmed == self.dimmed {
            return;
        }
        let value = if dimmed { (self.bright / 10).max(1) } else { self.bright };
        if std::fs::write(self.dir.join("brightness"), value.to_string()).is_ok() {
            self.dimmed = dimmed;
        }
    }

    fn dimmed(&self) -> bool {
        self.dimmed
    }
}

/// A backlight for machines without one (and tests).
#[derive(Default)]
pub struct NoBacklight {
    dimmed: bool,
}

impl Backlight for NoBacklight {
    fn set_dimmed(&mut self, dimmed: bool) {
        self.dimmed = dimmed;
    }
    fn dimmed(&self) -> bool {
        self.dimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sysfs_backlight_dims_to_a_tenth_and_restores() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(dir.path().join("max_brightness"), "255\n").unwrap();
        std::fs::write(dir.path().join("brightness"), "200\n").unwrap();
        let mut b = SysfsBacklight::at(dir.path()).unwrap();
        b.set_dimmed(true);
        assert_eq!(std::fs::read_to_string(dir.path().join("brightness")).unwrap(), "20");
        assert!(b.dimmed());
        b.set_dimmed(false);
        assert_eq!(std::fs::read_to_string(dir.path().join("brightness")).unwrap(), "200");
    }
}
