#!/usr/bin/env bash
# Builds the virtual board the board tests boot in QEMU: Debian 12's own kernel, and an
# initramfs with busybox, the kernel modules the tests need, and two it lacks: Debian's 6.1
# kernel is built without gpio-sim (simulated GPIO lines) and without irq_sim (the bool it
# needs), so both are built here out of tree, from Debian's linux-source-6.1, against the
# headers of the very same kernel.
#
#   tests/board/make-guest.sh OUTDIR [INIT]
#
# OUTDIR gets vmlinuz and initrd.gz (INIT, default tests/board/guest-init.sh, is the
# initramfs's /init). Downloads (about 225 MB: the kernel image, its headers, its source)
# are kept in OUTDIR/debs for the next run; nothing is installed on the host.
set -euo pipefail

# One kernel version for the image, the headers and the source (Debian 12 point release 13).
KVER=6.1.0-50-amd64
DEBVER=6.1.176-1

out="$(mkdir -p "$1" && cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
init="${2:-$here/guest-init.sh}"
debs="$out/debs" root="$out/root" mods="$out/modules" initrd="$out/initrd"
mkdir -p "$debs"

packages=("linux-image-$KVER=$DEBVER" "linux-headers-$KVER=$DEBVER"
          "linux-headers-${KVER%-amd64}-common=$DEBVER" "linux-kbuild-6.1=$DEBVER"
          "linux-source-6.1=$DEBVER" busybox-static)
if [ ! -f "$debs/done" ]; then
  echo "make-guest: downloading the kernel ($DEBVER), its headers and source, busybox"
  (cd "$debs" && apt-get download -q "${packages[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  for p in "${packages[@]}"; do
    name="${p%%=*}"
    ls "$debs/${name}_"*.deb >/dev/null 2>&1 || { echo "make-guest: $name was not downloaded" >&2; exit 1; }
  done
  touch "$debs/done"
fi

if [ ! -f "$root/done" ]; then
  rm -rf "$root" && mkdir -p "$root"
  for d in "$debs"/*.deb; do
    case "$d" in *linux-source*) ;; *) dpkg-deb -x "$d" "$root" ;; esac
  done
  # The headers' Makefile names the common headers by their installed path: here, unpacked.
  sed -i "s|/usr/src/|$root/usr/src/|" "$root/usr/src/linux-headers-$KVER/Makefile"
  touch "$root/done"
fi

# gpio-sim and irq_sim from the kernel's own source. irq_sim calls irq_to_desc(), which x86
# does not export to modules: generic_handle_irq() does the same through an exported symbol.
# Built in, irq_sim needs no MODULE_LICENSE; as a module it must say GPL to use GPL symbols.
if [ ! -f "$mods/gpio-sim.ko" ]; then
  rm -rf "$mods" && mkdir -p "$mods"
  dpkg-deb --fsys-tarfile "$debs"/linux-source-6.1_*.deb | tar -xO ./usr/src/linux-source-6.1.tar.xz |
    tar -xJ -C "$mods" --strip-components=3 linux-source-6.1/drivers/gpio/gpio-sim.c \
        linux-source-6.1/drivers/gpio/gpiolib.h linux-source-6.1/kernel/irq/irq_sim.c
  grep -q 'handle_simple_irq(irq_to_desc(irqnum));' "$mods/irq_sim.c" ||
    { echo "make-guest: irq_sim.c is not the one expected" >&2; exit 1; }
  sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$mods/irq_sim.c"
  printf '\nMODULE_LICENSE("GPL");\nMODULE_DESCRIPTION("irq_sim, built out of tree for the board tests");\n' >> "$mods/irq_sim.c"
  echo 'obj-m := irq_sim.o gpio-sim.o' > "$mods/Kbuild"
  make -s -C "$root/usr/src/linux-headers-$KVER" M="$mods" modules >/dev/null
fi

# The initramfs: busybox, the modules, /init.
rm -rf "$initrd" && mkdir -p "$initrd"/{bin,lib/modules,proc,sys,dev,tmp,mnt}
cp "$root/bin/busybox" "$initrd/bin/"
kmod="$root/lib/modules/$KVER/kernel"
for m in fs/configfs/configfs.ko drivers/input/evdev.ko drivers/input/misc/uinput.ko \
         drivers/input/keyboard/gpio_keys.ko drivers/leds/leds-gpio.ko; do
  cp "$kmod/$m" "$initrd/lib/modules/"
done
cp "$mods/irq_sim.ko" "$mods/gpio-sim.ko" "$initrd/lib/modules/"
install -m 0755 "$init" "$initrd/init"
(cd "$initrd" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -1 > "$out/initrd.gz"
cp "$root/boot/vmlinuz-$KVER" "$out/vmlinuz"
echo "make-guest: $out/vmlinuz and $out/initrd.gz ($KVER)"
