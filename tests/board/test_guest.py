"""The virtual board the board tests run on: Debian 12's own kernel booted by QEMU (TCG, no
KVM needed) with an initramfs of busybox and the modules a board uses, among them gpio-sim
and irq_sim, which Debian's kernel lacks and make-guest.sh builds out of tree from Debian's
own source of that kernel. The guest makes a simulated GPIO chip with a door station's
lines; a line pulled up reads 1, an undriven output reads 0. Nothing of the host's changes:
no module is loaded on the host, no package is installed."""
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get("VTO_BOARD_DIR", os.path.join(HERE, "..", "..", "build", "board"))
QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"


def boot(out):
    """The guest's console, with the kernel's noise left out: its "GUEST:" lines."""
    r = subprocess.run([QEMU, "-m", "512", "-nographic", "-no-reboot", "-kernel",
                        os.path.join(out, "vmlinuz"), "-initrd", os.path.join(out, "initrd.gz"),
                        "-append", "console=ttyS0 panic=-1 loglevel=3"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=180)
    text = r.stdout.decode(errors="replace")
    return [line[line.index("GUEST:"):].strip() for line in text.splitlines() if "GUEST:" in line]


def test_the_virtual_board_boots_with_simulated_gpio_lines():
    assert os.path.exists(QEMU), "qemu-system-x86_64 is missing: scripts/install-deps.sh installs it"
    subprocess.run([os.path.join(HERE, "make-guest.sh"), OUT], check=True, timeout=900)
    said = boot(OUT)
    assert [s for s in said if "cannot load" in s] == [], said
    assert said == ["GUEST: chip gpiochip0 live=1 lines=11",
                    "GUEST: /dev/gpiochip0 is a character device",
                    "GUEST: button pulled up reads 1",
                    "GUEST: relay reads 0",
                    "GUEST: done"], said
