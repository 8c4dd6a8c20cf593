#!/usr/bin/env bash
# Unpacks Debian 12's own nodejs 18 (the packages, with dpkg -x: nothing is installed) into
# DIR/root, for scripts/node18. The version is the one Debian 12 itself ships (a "deb12"
# version), whatever nodejs the machine has installed.
set -euo pipefail
dir="$1"
work="$dir/debs"
rm -rf "$dir"
mkdir -p "$work"
version() {  # the Debian 12 version of package $1
  apt-cache madison "$1" | awk -v p="$1" '$1 == p && $3 ~ /deb12/ { print $3; exit }'
}
v="$(version nodejs)"
if [ -z "$v" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  v="$(version nodejs)"
fi
if [ -z "$v" ]; then
  echo "fetch-node18: no Debian 12 nodejs in the package lists" >&2
  exit 1
fi
echo "install-deps: unpacking Debian 12's nodejs $v for the browser tests' Node 18 run"
# The modules Debian's node loads from /usr/share/nodejs, and their own.
(cd "$work" && apt-get download -q "nodejs=$v" "libnode108=$v" node-undici node-acorn \
   node-cjs-module-lexer node-busboy node-xtend 2>&1 >/dev/null | grep -v "unsandboxed" >&2 || true)
for f in "$work"/*.deb; do dpkg -x "$f" "$dir/root"; done
rm -rf "$work"
"$(dirname "$0")/node18" --version >/dev/null
