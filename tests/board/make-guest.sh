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
#
# For the guest that runs the host's programs (guest-init.sh's "vto.run" mode, driven by
# tests/board/guest.py) it also adds the modules that mount 9p shares over virtio, the
# modules of a few simulated devices (a display, a sound card, a camera), and Debian's udev
# package (the version of the host's systemd) unpacked into OUTDIR/udev, which the guest
# reaches over a 9p share.
set -euo pipefail

# One kernel version for the image, the headers and the source (Debian 12 point release 13).
KVER=6.1.0-50-amd64
DEBVER=6.1.176-1

out="$(mkdir -p "$1" && cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
init="${2:-$here/guest-init.sh}"
debs="$out/debs" root="$out/root" mods="$out/modules" initrd="$out/initrd"
mkdir -p "$debs"

# Two board tests may start at once (ctest -j): one builds, the other waits for it here.
exec 9>"$out/.make-guest.lock"
flock 9

# udev must be the version of the host's systemd: the guest runs it on the host's own /usr
# (its libraries), and that is the version the host's systemd package was built with.
UDEVVER="$(dpkg-query -W -f='${Version}' systemd 2>/dev/null)" ||
  { echo "make-guest: the host has no systemd package, so no udev version to match" >&2; exit 1; }

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
    case "$d" in *linux-source*|*/udev_*) ;; *) dpkg-deb -x "$d" "$root" ;; esac
  done
  # The headers' Makefile names the common headers by their installed path: here, unpacked.
  sed -i "s|/usr/src/|$root/usr/src/|" "$root/usr/src/linux-headers-$KVER/Makefile"
  touch "$root/done"
fi

# Debian's udev, downloaded once per version (dpkg names the file with ":" as "%3a").
udevdeb="$debs/udev_${UDEVVER//:/%3a}_amd64.deb"
if [ ! -f "$udevdeb" ]; then
  echo "make-guest: downloading udev $UDEVVER"
  (cd "$debs" && apt-get download -q "udev=$UDEVVER" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  [ -f "$udevdeb" ] || { echo "make-guest: udev $UDEVVER was not downloaded" >&2; exit 1; }
fi
# Unpacked as is into OUTDIR/udev. Its lib/systemd/systemd-udevd is a link to /bin/udevadm,
# which in the guest would be the host's (absent) udevadm: it is made relative. udevadm runs
# as the daemon when called by a name that ends in "udevd".
if [ "$(cat "$out/udev/version" 2>/dev/null)" != "$UDEVVER" ]; then
  rm -rf "$out/udev" && mkdir -p "$out/udev"
  dpkg-deb -x "$udevdeb" "$out/udev"
  ln -sfn ../../bin/udevadm "$out/udev/lib/systemd/systemd-udevd"
  echo "$UDEVVER" > "$out/udev/version"
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

# The modules only the "vto.run" mode loads, in the order it loads them: each one after
# those it depends on (checked below against each module's "depends=" field, what
# `modinfo -F depends` prints). Listed in lib/modules/run-mode.list for guest-init.sh.
run_mode_modules=(
  # virtio over PCI, then 9p over virtio (9p needs netfs and fscache).
  drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko
  drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci_modern_dev.ko
  drivers/virtio/virtio_pci.ko
  fs/netfs/netfs.ko fs/fscache/fscache.ko
  net/9p/9pnet.ko net/9p/9pnet_virtio.ko fs/9p/9p.ko
  # overlayfs: the guest's writable /etc, the host's with changes kept in memory.
  fs/overlayfs/overlay.ko
  # A display: QEMU's standard VGA card through the bochs DRM driver (/dev/dri/card0, and
  # /dev/fb0 by DRM's framebuffer emulation).
  drivers/gpu/drm/drm.ko drivers/gpu/drm/drm_kms_helper.ko drivers/gpu/drm/ttm/ttm.ko
  drivers/gpu/drm/drm_ttm_helper.ko drivers/gpu/drm/drm_vram_helper.ko
  drivers/gpu/drm/tiny/bochs.ko
  # A sound card: ALSA's dummy card (/dev/snd/*).
  sound/soundcore.ko sound/core/snd.ko sound/core/snd-timer.ko sound/core/snd-pcm.ko
  sound/drivers/snd-dummy.ko
  # A camera: the vivid test driver (/dev/video*).
  drivers/media/mc/mc.ko drivers/media/v4l2-core/videodev.ko
  drivers/media/rc/rc-core.ko drivers/media/cec/core/cec.ko
  drivers/media/v4l2-core/v4l2-dv-timings.ko drivers/media/common/v4l2-tpg/v4l2-tpg.ko
  drivers/media/common/videobuf2/videobuf2-common.ko
  drivers/media/common/videobuf2/videobuf2-memops.ko
  drivers/media/common/videobuf2/videobuf2-v4l2.ko
  drivers/media/common/videobuf2/videobuf2-vmalloc.ko
  drivers/media/common/videobuf2/videobuf2-dma-contig.ko
  drivers/media/test-drivers/vivid/vivid.ko
)
# A module's name in "depends=" may spell "-" as "_" or the other way round: compare with "_".
loaded=" "
for m in "${run_mode_modules[@]}"; do
  name="$(basename "$m" .ko)"
  for d in $(tr '\0' '\n' < "$kmod/$m" | sed -n 's/^depends=//p' | tr ',' ' '); do
    case "$loaded" in *" ${d//-/_} "*) ;; *)
      echo "make-guest: $name needs $d, which run_mode_modules does not load before it" >&2
      exit 1 ;;
    esac
  done
  loaded="$loaded${name//-/_} "
  cp "$kmod/$m" "$initrd/lib/modules/"
  echo "$name" >> "$initrd/lib/modules/run-mode.list"
done

install -m 0755 "$init" "$initrd/init"
# Written aside and then renamed, so that a guest starting meanwhile reads a whole file.
(cd "$initrd" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -1 > "$out/initrd.gz.new"
mv "$out/initrd.gz.new" "$out/initrd.gz"
cmp -s "$root/boot/vmlinuz-$KVER" "$out/vmlinuz" ||
  { cp "$root/boot/vmlinuz-$KVER" "$out/vmlinuz.new" && mv "$out/vmlinuz.new" "$out/vmlinuz"; }
echo "make-guest: $out/vmlinuz and $out/initrd.gz ($KVER), udev $UDEVVER in $out/udev"
