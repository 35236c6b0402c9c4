#!/usr/bin/env bash
# Builds the Raspberry Pi (arm64) release binary and .deb on a Debian/x86-64 machine,
# then runs the arm64 binary under qemu: --version and the headless self-check.
#
#   bash deploy/build-arm64.sh        → target/aarch64-unknown-linux-gnu/debian/lobbydesk_*_arm64.deb
#
# Needs root for apt-get (or run the apt-get lines yourself first).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=aarch64-unknown-linux-gnu

# Cross compiler, qemu, and the arm64 libraries Slint's linuxkms backend links to.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user pkg-config \
    libudev-dev:arm64 libinput-dev:arm64 libxkbcommon-dev:arm64 libfontconfig-dev:arm64 libfreetype-dev:arm64

# The arm64 standard library. (Where rustup cannot download it, Debian's rustc-web and
# libstd-rust-web-dev:arm64 provide a toolchain that can; see README.)
rustup target add "$TARGET"

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_PATH=/usr/lib/aarch64-linux-gnu/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=/

cargo build --release --locked --target "$TARGET" --features pi
BIN="target/$TARGET/release/lobbydesk"
file "$BIN" 2>/dev/null || true

echo "== smoke test under qemu-aarch64"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$BIN" --version
qemu-aarch64 -L /usr/aarch64-linux-gnu "$BIN" self-check

echo "== Debian package"
command -v cargo-deb >/dev/null || cargo install --locked cargo-deb
cargo deb --no-build --no-strip --target "$TARGET"
ls -l "target/$TARGET/debian/"*.deb
