//! Whether the machine went down under a running kiosk: the one time the database's pages
//! are worth reading through (`PRAGMA quick_check`) before trusting them again.
//!
//! SQLite in WAL mode with `synchronous = FULL` survives a killed or crashed process
//! intact; what can damage the file is the storage itself losing writes when the power
//! goes (cheap SD cards do). So the kiosk leaves a mark in its data directory holding the
//! kernel's boot id while it runs, and takes it away when it closes. Found at the next
//! start with another boot's id, the machine stopped under the kiosk: a power cut, or a
//! reboot that stopped it by signal. A mark from this same boot is a process that died
//! (systemd restarts it): nothing to check.

use std::io;
use std::path::{Path, PathBuf};

const MARK_FILE: &str = "kiosk.running";
const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// How the kiosk's last run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LastRun {
    /// Closed normally, or never ran here.
    Closed,
    /// Its process died but the machine stayed up.
    ProcessStopped,
    /// The machine went down while it ran (or which boot it was cannot be told).
    MachineWentDown,
}

impl LastRun {
    pub fn needs_check(&self) -> bool {
        *self == LastRun::MachineWentDown
    }
}

/// The mark of a running kiosk; `close` takes it away.
pub struct RunningMark {
    path: PathBuf,
}

impl RunningMark {
    /// Reads how the last run ended, then marks this one as running.
    pub fn take(data_dir: &Path) -> io::Result<(RunningMark, LastRun)> {
        RunningMark::take_with_boot(data_dir, boot_id().as_deref())
    }

    fn take_with_boot(data_dir: &Path, boot: Option<&str>) -> io::Result<(RunningMark, LastRun)> {
        let path = data_dir.join(MARK_FILE);
        let last = match std::fs::read_to_string(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => LastRun::Closed,
            Err(e) => return Err(e),
            Ok(previous) => match boot {
                Some(boot) if previous.trim() == boot => LastRun::ProcessStopped,
                _ => LastRun::MachineWentDown,
            },
        };
        // Durably: a mark lost with the power would skip the very check it is for.
        let tmp = path.with_extension("tmp");
        {
            use std::io::Write;
            let mut file = std::fs::File::create(&tmp)?;
            writeln!(file, "{}", boot.unwrap_or("unknown"))?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        Ok((RunningMark { path }, last))
    }

    /// The kiosk closed normally.
    pub fn close(self) {
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, path = %self.path.display(), "cannot take away the running mark");
        }
    }
}

/// Damage was found: whichever boot the next start is in, it checks again (until the
/// backup is restored and the check passes).
pub fn check_again_at_next_start(data_dir: &Path) -> io::Result<()> {
    std::fs::write(data_dir.join(MARK_FILE), "damage found\n")
}

fn boot_id() -> Option<String> {
    std::fs::read_to_string(BOOT_ID).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_machine_that_went_down_under_the_kiosk_asks_for_a_check() {
        let dir = tempfile::TempDir::new().unwrap();
        let (mark, last) = RunningMark::take_with_boot(dir.path(), Some("boot-a")).unwrap();
        assert_eq!(last, LastRun::Closed, "first run");
        mark.close();
        let (_mark, last) = RunningMark::take_with_boot(dir.path(), Some("boot-a")).unwrap();
        assert_eq!(last, LastRun::Closed, "closed normally");
        // Killed (the mark stays), restarted in the same boot.
        let (_mark, last) = RunningMark::take_with_boot(dir.path(), Some("boot-a")).unwrap();
        assert_eq!(last, LastRun::ProcessStopped);
        assert!(!last.needs_check());
        // The power went; the next start is in another boot.
        let (mark, last) = RunningMark::take_with_boot(dir.path(), Some("boot-b")).unwrap();
        assert_eq!(last, LastRun::MachineWentDown);
        assert!(last.needs_check());
        mark.close();
        // Damage found: checked again even within the same boot.
        check_again_at_next_start(dir.path()).unwrap();
        let (mark, last) = RunningMark::take_with_boot(dir.path(), Some("boot-b")).unwrap();
        assert!(last.needs_check());
        mark.close();
        // A system that cannot tell its boots checks after every run that did not close.
        let (_mark, _) = RunningMark::take_with_boot(dir.path(), None).unwrap();
        let (_mark, last) = RunningMark::take_with_boot(dir.path(), None).unwrap();
        assert!(last.needs_check());
    }
}
