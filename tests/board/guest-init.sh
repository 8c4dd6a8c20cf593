#!/bin/busybox sh
# /init of the virtual board (tests/board/make-guest.sh): mounts what a board has, loads the
# modules, and makes a simulated GPIO chip "door" with the lines a door station wires
# (gpio-sim through configfs). Each fact it checks is one "GUEST:" line on the console;
# then it powers the guest off.
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
lines="relay call_light talk_light unlock_light button exit_button door_sensor tamper"
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
echo "GUEST: done"
poweroff -f
