#!/bin/busybox sh
# /init of the virtual board (tests/board/make-guest.sh): mounts what a board has, loads the
# modules, and makes a simulated GPIO chip "door" with the lines a door station wires
# (gpio-sim through configfs). Each fact it checks is one "GUEST:" line on the console.
#
# Booted without "vto.run=" on the kernel command line (test_guest.py), it then powers the
# guest off. With "vto.run=SCRIPT" (tests/board/guest.py) it goes on to make the guest run
# the host's programs, and runs SCRIPT as root; see run_mode below.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in configfs irq_sim gpio-sim evdev uinput gpio_keys leds-gpio; do
  insmod "/lib/modules/$m.ko" 2>/dev/null || echo "GUEST: cannot load $m"
done
mount -t configfs configfs /sys/kernel/config

chip=/sys/kernel/config/gpio-sim/door
mkdir "$chip" "$chip/bank0"
echo door > "$chip/bank0/label"
lines="relay call_light talk_light unlock_light button exit_button door_sensor tamper wiegand_d0 wiegand_d1 sounder"
n=0
for name in $lines; do
  mkdir "$chip/bank0/line$n" && echo "$name" > "$chip/bank0/line$n/name"
  n=$((n + 1))
done
echo "$n" > "$chip/bank0/num_lines"
echo 1 > "$chip/live"
gpiochip=$(cat "$chip/bank0/chip_name")
sim="/sys/devices/platform/$(cat "$chip/dev_name")/$gpiochip"
echo "GUEST: chip $gpiochip live=$(cat "$chip/live") lines=$(ls -d "$sim"/sim_gpio* | wc -l)"
[ -c "/dev/$gpiochip" ] && echo "GUEST: /dev/$gpiochip is a character device"
# A wire pulled high reads 1; the relay line, not driven, reads 0.
echo pull-up > "$sim/sim_gpio4/pull"
echo "GUEST: button pulled up reads $(cat "$sim/sim_gpio4/value")"
echo "GUEST: relay reads $(cat "$sim/sim_gpio0/value")"

# The "vto.run" mode. The kernel command line gives:
#   vto.run=SCRIPT   the script to run as root (a path as the guest sees it)
#   vto.repo=DIR     where the 9p share "repo" (the repository) is mounted: its host path,
#                    so that the absolute paths the build wrote into its files hold
#   vto.board=DIR    where the share "board" (make-guest.sh's OUTDIR: udev is there) is
#                    mounted, also its host path
# and QEMU gives the 9p shares "usr" (the host's /usr), "etc" (the host's /etc), "repo",
# "board", all read-only, and "out" (writable), mounted at /results. The script's output
# goes to /results/output, its exit status to /results/status (written last), the guest's
# uptime when the script started to /results/uptime-at-start, the kernel's log to
# /results/dmesg. The script starts with user "openvto" existing (no root), udevd running
# with deploy/udev's rules, and every device's "add" event handled.
run_mode() {
  script="$1" repo="$2" board="$3"
  # The guest's uptime at each step, for /results/boot-steps (to see where boot time goes).
  steps=""
  step() { steps="$steps$(cut -d' ' -f1 /proc/uptime) $1
"; }
  step "run mode starts"
  # What the modules tell the kernel's log stays off the console (loglevel=3): it is in
  # /results/dmesg at the end.
  for m in $(cat /lib/modules/run-mode.list); do
    insmod "/lib/modules/$m.ko" 2>/dev/null || echo "GUEST: cannot load $m"
  done
  step "modules loaded"

  # busybox moves aside to /initramfs/bin: /bin, /sbin, /lib and /lib64 become links into
  # the host's /usr, as on a Debian system with merged /usr. This shell keeps using busybox
  # (PATH), the script gets the host's programs.
  mkdir -p /initramfs/bin
  mv /bin/busybox /initramfs/bin/busybox
  rm -rf /bin /lib
  /initramfs/bin/busybox --install -s /initramfs/bin
  export PATH=/initramfs/bin
  ln -s usr/bin /bin && ln -s usr/sbin /sbin && ln -s usr/lib /lib && ln -s usr/lib64 /lib64

  # The shares. Read-only ones are cached by the guest (cache=loose): the host does not
  # change them while the guest runs, and python's many stat()s and open()s are each a round
  # trip to QEMU otherwise. The writable one is not cached, so every write reaches the host
  # at once (a test that times out still finds the output written so far).
  ro="trans=virtio,version=9p2000.L,msize=512000,ro,cache=loose"
  # /tmp and /run first: the repository or the board directory may live under /tmp on the
  # host (a CI's clone), and their mount points must not be hidden by a tmpfs mounted later.
  mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
  mkdir -p /run && mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
  mkdir -p /usr /results "$repo" /mnt/host-etc
  mount -t 9p -o "$ro" usr /usr || echo "GUEST: cannot mount usr"
  mount -t 9p -o "$ro" repo "$repo" || echo "GUEST: cannot mount repo"
  mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000" out /results ||
    echo "GUEST: cannot mount out"
  if [ -n "$board" ]; then
    mkdir -p "$board" 2>/dev/null
    mount -t 9p -o "$ro" board "$board" || echo "GUEST: cannot mount board"
  fi
  step "shares mounted"
  # /etc is the host's with every change kept in memory, so that users can be added: an
  # overlay of the read-only share and a tmpfs. (Copying the host's /etc into a tmpfs
  # instead, file by file over 9p, takes 2-3 s here; it is what happens if the overlay
  # cannot be mounted.)
  mkdir -p /etc /mnt/etc-changes
  mount -t 9p -o "$ro" etc /mnt/host-etc || echo "GUEST: cannot mount etc"
  mount -t tmpfs -o mode=0755 tmpfs /mnt/etc-changes
  mkdir /mnt/etc-changes/upper /mnt/etc-changes/work
  if ! mount -t overlay -o lowerdir=/mnt/host-etc,upperdir=/mnt/etc-changes/upper,workdir=/mnt/etc-changes/work \
       overlay /etc; then
    echo "GUEST: cannot mount an overlay on /etc, copying it"
    mount -t tmpfs -o mode=0755 tmpfs /etc
    cp -a /mnt/host-etc/. /etc/
  fi
  step "/etc ready"

  # What a booted Debian system has mounted, and the loopback interface.
  mkdir -p /dev/pts /dev/shm /var/tmp /var/lib /var/log /root /home
  chmod 1777 /var/tmp
  ln -s /run /var/run
  mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
  mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
  ln -sf /proc/self/fd /dev/fd
  ln -sf /proc/self/fd/0 /dev/stdin
  ln -sf /proc/self/fd/1 /dev/stdout
  ln -sf /proc/self/fd/2 /dev/stderr
  ifconfig lo 127.0.0.1 netmask 255.0.0.0 up
  hostname vto-guest

  # The groups udev's own rules name (Debian's udev package adds them when installed), the
  # group "openvto", and the user "openvto": no password, no root. Like the user on a board
  # (deploy/udev/README.md) it is also in "video" and "audio" (camera, sound).
  # busybox-static has no adduser: the host's groupadd and useradd (from passwd) do it.
  for g in input kvm render sgx openvto; do
    grep -q "^$g:" /etc/group || /usr/sbin/groupadd --system "$g"
  done
  /usr/sbin/useradd --system --gid openvto --groups video,audio --create-home \
    --home-dir /home/openvto --shell /bin/sh openvto
  step "user openvto added"

  # udevd, as Debian's initramfs starts it (no systemd): its own rules from the udev package
  # stand in /run/udev/rules.d for the /lib/udev/rules.d of an installed package (here /lib
  # is the host's, read-only, without them); the repository's rules go where a board has
  # them. Then every device that exists already is announced again ("add"), and udevadm
  # waits until udevd has handled them all.
  mkdir -p /etc/udev/rules.d /run/udev/rules.d
  cp "$board"/udev/lib/udev/rules.d/*.rules /run/udev/rules.d/
  cp "$repo"/deploy/udev/*.rules /etc/udev/rules.d/
  udevadm="$board/udev/bin/udevadm"
  # Its messages go to the kernel's log (/results/dmesg): a daemon's stderr is /dev/null.
  SYSTEMD_LOG_TARGET=kmsg "$board/udev/lib/systemd/systemd-udevd" --daemon ||
    echo "GUEST: cannot start udevd"
  "$udevadm" trigger --type=subsystems --action=add
  "$udevadm" trigger --type=devices --action=add
  step "udevd started, devices triggered"
  "$udevadm" settle --timeout=60 || echo "GUEST: udevadm settle timed out"
  step "udev settled"

  # The script, as root, with a clean environment; the udevadm of the udev package is
  # named in VTO_UDEVADM (the host has none).
  printf %s "$steps" > /results/boot-steps
  cut -d' ' -f1 /proc/uptime > /results/uptime-at-start
  echo "GUEST: running $script"
  cd /root
  env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 TERM=dumb PYTHONDONTWRITEBYTECODE=1 VTO_GUEST=1 VTO_RESULTS=/results \
      VTO_UDEVADM="$udevadm" "$script" < /dev/null > /results/output 2>&1
  status=$?
  cut -d' ' -f1 /proc/uptime > /results/uptime-at-end
  dmesg > /results/dmesg
  echo "$status" > /results/status
  echo "GUEST: $script exited with $status"
  sync
}

# The kernel passes "vto.*" words to no one (they look like module parameters): read them.
run="" repo="" board=""
for word in $(cat /proc/cmdline); do
  case "$word" in
    vto.run=*) run="${word#vto.run=}" ;;
    vto.repo=*) repo="${word#vto.repo=}" ;;
    vto.board=*) board="${word#vto.board=}" ;;
  esac
done
[ -n "$run" ] && run_mode "$run" "$repo" "$board"
echo "GUEST: done"
poweroff -f
