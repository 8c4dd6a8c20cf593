"""The door station on a Linux board, proven on the virtual board: Debian's kernel in QEMU
with simulated GPIO lines, uinput devices, the vivid camera and a DRM display. The test
itself runs inside the guest (in_guest/test_door.py, as root, playing the hardware) with
vtod as the unprivileged user "openvto"; the host reads the guest's screen when asked
(QEMU's screendump, then tesseract)."""
import os
import shutil
import tempfile

import guest

HERE = os.path.dirname(os.path.abspath(__file__))


def test_the_door_station_on_the_virtual_board():
    guest.build_guest()
    results = tempfile.mkdtemp(prefix="vto-door-")
    guest.make_gst_registry(results)
    build = os.path.realpath(os.environ.get("VTO_BUILD_DIR", os.path.join(HERE, "..", "..", "build")))
    r = guest.run(os.path.join(HERE, "in_guest", "run_door_tests.sh"), args=[build], timeout=900,
                  results=results, screen=True)
    print(r.output)
    print(f"guest: booted in {r.boot_seconds:.1f} s, tests ended at {r.guest_seconds:.1f} s, "
          f"QEMU ran {r.wall_seconds:.1f} s")
    assert r.status == 0, r.output[-8000:]
    shutil.rmtree(results, ignore_errors=True)
