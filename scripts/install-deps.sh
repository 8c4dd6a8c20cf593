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
  libgstrtspserver-1.0-dev gstreamer1.0-rtsp
  # fingerprint readers on a board (libfprint; its virtual reader drives the system test)
  libfprint-2-dev
  # the Linux board's GPIO lines (lock relay, lights, Wiegand reader): libgpiod 1.6, C++ API
  libgpiod-dev
  # its display: DRM mode setting, FreeType and the font the text is drawn in
  libdrm-dev libfreetype-dev fonts-dejavu-core
  # real SIP peers and probes used by the system tests and benchmarks
  baresip-core linphone-cli kamailio kamailio-tls-modules kamailio-sqlite-modules sip-tester sofia-sip-bin openssl
  # the SIP security tests: sipvicious' svcrack and svwar against a running vtod
  sipvicious
  ffmpeg python3 python3-pytest iproute2 procps
  # MQTT: the client library vtod links, the broker and Python client of the system tests
  libmosquitto-dev mosquitto python3-paho-mqtt
  # ONVIF's SOAP messages are read with pugixml
  libpugixml-dev
  # the DHCP server of the DHCP system test (in a network namespace of its own)
  dnsmasq-base
  # the time zones System › Maintenance offers (/usr/share/zoneinfo)
  tzdata
  # the virtual board of tests/board: QEMU, and what building its kernel modules takes
  # (tests/board/make-guest.sh downloads the kernel, its headers and source itself)
  qemu-system-x86 xz-utils bc
  # ... and what reads its display back (QEMU's screendump through OCR)
  tesseract-ocr
  # browser tests (tests/browser): headless chromium driven by playwright-core from npm;
  # the libraries of Debian 12's own node, which they run with once more (scripts/node18)
  chromium nodejs libuv1 libc-ares2 libbrotli1 libicu72 libnghttp2-14 util-linux
)
# Debian's nodejs comes without npm (the `npm` package); NodeSource's nodejs includes it
# and conflicts with that package, so ask for it only when there is no npm yet.
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
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
fi

# npm packages of the browser tests (package-lock.json at the repository root), installed
# when node_modules is missing or older than the lock file. `npm ci` uses npm's cache first.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 18 ]; then
  echo "install-deps: Node.js $(node -v 2>/dev/null || echo none) is too old for the browser tests" \
       "(they need 18 or newer: Debian 12's nodejs is 18)" >&2
  exit 1
fi
# Debian 12's own Node.js 18, unpacked (not installed) beside a newer node, for the second
# run of the browser tests (scripts/node18); on a machine whose node is 18, that is the one.
if [ "$node_major" -ne 18 ] && [ ! -x "$root/.cache/node18/root/usr/bin/node" ]; then
  bash "$root/scripts/fetch-node18.sh" "$root/.cache/node18"
fi
if [ ! -d "$root/node_modules" ] || [ "$root/package-lock.json" -nt "$root/node_modules" ]; then
  echo "install-deps: npm ci (browser tests)"
  (cd "$root" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$root/node_modules"
fi
