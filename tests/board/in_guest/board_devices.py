"""The virtual board's hardware, as the board tests inside the guest drive it (as root):
  - input devices made through /dev/uinput, which the kernel's input layer treats like
    gpio-keys or a USB keypad (a key press is a key press to evdev, whoever made it);
  - the simulated GPIO chip "door" (gpio-sim, made by guest-init.sh): a line's level as
    driven by its user (value), and the level the "wire" pulls an input to (pull);
  - vivid, the kernel's test camera, and its test pattern control.
Only the standard library; the ioctl numbers are the kernel's _IOC layout."""
import fcntl
import os
import struct
import time


def ioc(direction, kind, number, size):
    """_IOC(): direction 0 none, 1 write (to the kernel), 2 read (from the kernel)."""
    return direction << 30 | size << 16 | kind << 8 | number


# <linux/uinput.h>
UINPUT_SETUP = struct.Struct("<HHHH80sI")
UI_DEV_CREATE = ioc(0, ord("U"), 1, 0)
UI_DEV_DESTROY = ioc(0, ord("U"), 2, 0)
UI_DEV_SETUP = ioc(1, ord("U"), 3, UINPUT_SETUP.size)
UI_SET_EVBIT = ioc(1, ord("U"), 100, 4)
UI_SET_KEYBIT = ioc(1, ord("U"), 101, 4)
UI_SET_SWBIT = ioc(1, ord("U"), 109, 4)
UI_SET_LEDBIT = ioc(1, ord("U"), 105, 4)
UI_GET_SYSNAME = ioc(2, ord("U"), 44, 64)
# <linux/input-event-codes.h>
EV_SYN, EV_KEY, EV_SW, EV_LED = 0x00, 0x01, 0x05, 0x11
LED_CAPSL = 0x01
KEY = {"1": 2, "2": 3, "3": 4, "4": 5, "5": 6, "6": 7, "7": 8, "8": 9, "9": 10, "0": 11,
       "ENTER": 28, "KPASTERISK": 55, "KPENTER": 96, "OPEN": 134}
SW_LID, SW_DOCK = 0x00, 0x05
# struct input_event on a 64-bit kernel: struct timeval (2 x long), u16 type, u16 code, s32.
INPUT_EVENT = struct.Struct("<qqHHi")


class InputDevice:
    """An input device named `name` with `keys` (KEY names), `switches` (SW codes) and
    `leds` (LED codes: the kernel's input-leds makes each an LED-class device)."""

    def __init__(self, name, keys=(), switches=(), leds=()):
        self.name = name
        self.fd = os.open("/dev/uinput", os.O_RDWR | os.O_CLOEXEC)
        if keys:
            fcntl.ioctl(self.fd, UI_SET_EVBIT, EV_KEY)
            for k in keys:
                fcntl.ioctl(self.fd, UI_SET_KEYBIT, KEY[k])
        if switches:
            fcntl.ioctl(self.fd, UI_SET_EVBIT, EV_SW)
            for s in switches:
                fcntl.ioctl(self.fd, UI_SET_SWBIT, s)
        if leds:
            fcntl.ioctl(self.fd, UI_SET_EVBIT, EV_LED)
            for led in leds:
                fcntl.ioctl(self.fd, UI_SET_LEDBIT, led)
        fcntl.ioctl(self.fd, UI_DEV_SETUP,
                    UINPUT_SETUP.pack(0x06, 0x1209, 0x0001, 1, name.encode(), 0))
        fcntl.ioctl(self.fd, UI_DEV_CREATE)

    def sysname(self):
        """Its name under /sys/class/input ("input7")."""
        return fcntl.ioctl(self.fd, UI_GET_SYSNAME, bytes(64)).split(b"\0", 1)[0].decode()

    def _send(self, kind, code, value):
        os.write(self.fd, INPUT_EVENT.pack(0, 0, kind, code, value)
                 + INPUT_EVENT.pack(0, 0, EV_SYN, 0, 0))

    def press(self, key):
        """A click: the key down, then up."""
        self._send(EV_KEY, KEY[key], 1)
        self._send(EV_KEY, KEY[key], 0)

    def type(self, text, gap=0.008):
        """Keys one after the other, `gap` s apart, as a card reader types a number."""
        for key in text:
            self.press(key)
            time.sleep(gap)

    def switch(self, code, on):
        self._send(EV_SW, code, 1 if on else 0)

    def close(self):
        fcntl.ioctl(self.fd, UI_DEV_DESTROY)
        os.close(self.fd)


class GpioSim:
    """The lines of the simulated chip "door" (guest-init.sh names them)."""

    LINES = ["relay", "call_light", "talk_light", "unlock_light", "button", "exit_button",
             "door_sensor", "tamper", "wiegand_d0", "wiegand_d1", "sounder"]

    def __init__(self):
        chip = "/sys/kernel/config/gpio-sim/door"
        with open(f"{chip}/dev_name") as f:
            dev = f.read().strip()
        with open(f"{chip}/bank0/chip_name") as f:
            self.chip = f.read().strip()
        self.dir = f"/sys/devices/platform/{dev}/{self.chip}"
        self._pull_fds = {}

    def value(self, name):
        """The line's level now: what vtod drives on an output, what the wire pulls on an input."""
        with open(f"{self.dir}/sim_gpio{self.LINES.index(name)}/value") as f:
            return int(f.read())

    def pull(self, name, level):
        """The wire pulls the line high (1) or low (0); an input sees an edge on a change."""
        fd = self._pull_fds.get(name)
        if fd is None:
            fd = os.open(f"{self.dir}/sim_gpio{self.LINES.index(name)}/pull", os.O_WRONLY)
            self._pull_fds[name] = fd
        os.pwrite(fd, b"pull-up" if level else b"pull-down", 0)


# <linux/gpio.h>, v1: struct gpioline_info is u32 offset, u32 flags, char name[32], char consumer[32].
GPIOLINE_INFO = struct.Struct("<II32s32s")
GPIO_GET_LINEINFO_IOCTL = ioc(3, 0xB4, 0x02, GPIOLINE_INFO.size)


def line_consumer(sim, name):
    """Who holds the line (the consumer name its user gave), as gpioinfo shows it."""
    fd = os.open(f"/dev/{sim.chip}", os.O_RDONLY)
    try:
        raw = fcntl.ioctl(fd, GPIO_GET_LINEINFO_IOCTL,
                          GPIOLINE_INFO.pack(sim.LINES.index(name), 0, b"", b""))
        return GPIOLINE_INFO.unpack(raw)[3].split(b"\0", 1)[0].decode()
    finally:
        os.close(fd)


def wiegand26(data):
    """The 26 bits of a card with 24 data bits: even parity over the first 12, the data,
    odd parity over the last 12."""
    bits = [(data >> (23 - i)) & 1 for i in range(24)]
    return [sum(bits[:12]) % 2] + bits + [1 - sum(bits[12:]) % 2]


def send_wiegand(sim, bits, pulse=0.0001, gap=0.001):
    """A Wiegand frame on wiegand_d0/d1: a 0 bit is a low pulse on D0, a 1 bit on D1.
    Returns whether it surely went out as a reader sends one: a reader's timing is exact,
    this sender's is not (python under TCG, sharing one CPU with vtod, on a host that may
    stop the emulated CPU for a moment). The kernel stamps each edge somewhere inside its
    pull, so each pull is timed on both sides, and the frame counts as whole only if even
    the longest each interval may have been stays within vtod's rule, with a margin: the
    second edge within 20 ms of the first, each later one within 3 times the frame's mean
    interval so far (at least 3 ms)."""
    spans = []  # (just before, just after) each falling edge
    for b in bits:
        line = "wiegand_d1" if b else "wiegand_d0"
        before = time.monotonic()
        sim.pull(line, 0)
        spans.append((before, time.monotonic()))
        time.sleep(pulse)
        sim.pull(line, 1)
        time.sleep(gap)
    for i in range(1, len(spans)):
        longest = spans[i][1] - spans[i - 1][0]
        if i == 1:
            allowed = 0.015
        else:
            shortest_mean = (spans[i - 1][0] - spans[0][1]) / (i - 1)
            allowed = max(0.0025, 2.5 * shortest_mean)
        if longest > allowed:
            return False
    return True


def swipe_wiegand(sim, bits, seconds=15):
    """send_wiegand until a frame surely went out whole, for at most `seconds`: a host busy
    with other tests can starve the emulated CPU for a while. False if none did."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if send_wiegand(sim, bits):
            return True
        time.sleep(0.2)  # the reader's next try, well after the pause that ends a frame
    return False


# <linux/videodev2.h>: VIDIOC_QUERYCTRL, VIDIOC_QUERYMENU, VIDIOC_S_CTRL.
QUERYCTRL = struct.Struct("<II32siiiiI8x")
QUERYMENU = struct.Struct("<II32s4x")
CONTROL = struct.Struct("<Ii")
VIDIOC_QUERYCTRL = ioc(3, ord("V"), 36, QUERYCTRL.size)
VIDIOC_QUERYMENU = ioc(3, ord("V"), 37, QUERYMENU.size)
VIDIOC_S_CTRL = ioc(3, ord("V"), 28, CONTROL.size)
V4L2_CTRL_FLAG_NEXT_CTRL = 0x80000000


def set_menu_control(device, control, item):
    """Sets the menu control named `control` (e.g. "Test Pattern") of a V4L2 device to its
    item named `item` (e.g. "100% Red")."""
    fd = os.open(device, os.O_RDWR)
    try:
        qid = V4L2_CTRL_FLAG_NEXT_CTRL
        while True:
            raw = fcntl.ioctl(fd, VIDIOC_QUERYCTRL, QUERYCTRL.pack(qid, 0, b"", 0, 0, 0, 0, 0))
            cid, _, name, lo, hi, *_ = QUERYCTRL.unpack(raw)
            if name.split(b"\0")[0].decode() == control:
                break
            qid = cid | V4L2_CTRL_FLAG_NEXT_CTRL
        for index in range(lo, hi + 1):
            try:
                raw = fcntl.ioctl(fd, VIDIOC_QUERYMENU, QUERYMENU.pack(cid, index, b""))
            except OSError:
                continue  # a hole in the menu
            if QUERYMENU.unpack(raw)[2].split(b"\0")[0].decode() == item:
                fcntl.ioctl(fd, VIDIOC_S_CTRL, CONTROL.pack(cid, index))
                return
        raise AssertionError(f"{device}: {control} has no item {item!r}")
    finally:
        os.close(fd)
