//! systemd integration without a library: `sd_notify` messages over `$NOTIFY_SOCKET`.
//! The kiosk says READY=1 once its window is up and pings WATCHDOG=1 from the UI event
//! loop, so a hung UI stops the pings and systemd restarts it (`WatchdogSec=`).

use std::time::Duration;

/// The exit status for a start that needs a person, not a retry (sysexits' EX_CONFIG):
/// the systemd unit does not restart on it (`RestartPreventExitStatus`), so a kiosk whose
/// database is missing or damaged waits for someone instead of rebooting the Pi in a loop.
pub const EXIT_NEEDS_A_PERSON: u8 = 78;

/// Sends `state` (e.g. "READY=1") to systemd; false when not run by systemd.
pub fn notify(state: &str) -> bool {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else { return false };
    let Ok(socket) = std::os::unix::net::UnixDatagram::unbound() else { return false };
    let path = path.to_string_lossy().into_owned();
    let sent = if let Some(name) = path.strip_prefix('@') {
        // An abstract socket (systemd's usual choice).
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
            .and_then(|addr| socket.send_to_addr(state.as_bytes(), &addr))
    } else {
        socket.send_to(state.as_bytes(), &path)
    };
    sent.is_ok()
}

/// How often to ping: half of `WatchdogSec=`, when systemd asked for pings.
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_reach_the_socket_systemd_gives() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("notify");
        let listener = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        // SAFETY of the environment: this test alone sets these variables.
        unsafe {
            std::env::set_var("NOTIFY_SOCKET", &path);
            std::env::set_var("WATCHDOG_USEC", "4000000");
        }
        assert!(notify("READY=1"));
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
        assert_eq!(watchdog_interval(), Some(Duration::from_secs(2)));
        unsafe {
            std::env::remove_var("NOTIFY_SOCKET");
            std::env::remove_var("WATCHDOG_USEC");
        }
        assert!(!notify("WATCHDOG=1"));
    }
}
