#!/usr/bin/env bash
# Installs lobbydesk on a fresh Raspberry Pi OS Lite (Bookworm, 64-bit), run on the Pi:
#   sudo bash install.sh lobbydesk_0.1.0-1_arm64.deb
# Installs the package (binary, systemd unit, udev rules, example config, user), makes
# the console free for the kiosk, and turns the root file system read-only (overlay) so
# a power cut cannot damage it; only /var/lib/lobbydesk stays writable.
set -euo pipefail
DEB=${1:?usage: sudo bash install.sh lobbydesk_VERSION_arm64.deb}
apt-get update -q
apt-get install -y -q "./${DEB#./}"
# The kiosk draws on the display itself: no login prompt on tty1 underneath it.
systemctl disable --now getty@tty1.service || true
# Time: the Pi has no battery clock; sync it as soon as the network is up.
systemctl enable --now systemd-timesyncd.service || true
echo
echo "Installed. Edit /var/lib/lobbydesk/lobbydesk.toml (kiosk code, estate, phones, printer, [hq]),"
echo "then: sudo systemctl restart lobbydesk && journalctl -u lobbydesk -f"
echo
echo "When everything works, make the system read-only except the data directory:"
echo "  sudo raspi-config nonint do_overlayfs 0    # then reboot"
echo "(/var/lib/lobbydesk must be on a writable partition: see README, 'Read-only system'.)"
