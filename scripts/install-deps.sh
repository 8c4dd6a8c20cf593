#!/usr/bin/env bash
# Installs every Debian package OpenVTO needs to build, run and test.
# Idempotent: packages already present are skipped, so `make demo` / `make test`
# can call it every time at almost no cost.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  clang-format
  # libraries
  libboost-dev libssl-dev libsqlite3-dev libsqlitecpp-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcli11-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # media
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-x gstreamer1.0-alsa
  # real SIP peers and probes used by the system tests and benchmarks
  baresip-core linphone-cli kamailio sip-tester sofia-sip-bin
  ffmpeg python3 python3-pytest iproute2 procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# kamailio's package enables a system service; the tests start their own instances.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now kamailio >/dev/null 2>&1 || true
fi
