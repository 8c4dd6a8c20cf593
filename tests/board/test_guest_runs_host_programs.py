"""The virtual board runs the host's programs (guest.py): python3, and the built vtod as the
unprivileged user "openvto", with deploy/udev/60-openvto.rules applied by a real udevd to
the guest's device nodes. One guest boot (in_guest/host_programs.py, run as root there)
gathers every fact; each test checks some of them.

The devices: gpio-sim's chip "door" (/dev/gpiochip0), a uinput device the script makes with
a key and a caps lock LED (/dev/input/eventN, and /sys/class/leds/inputN::capslock, which
input-leds makes of it), QEMU's VGA card through the bochs DRM driver (/dev/dri/card0,
/dev/fb0), ALSA's dummy card (/dev/snd/*) and the vivid camera (/dev/video*)."""
import json
import os

import pytest

import guest

VTOD = os.path.join(os.environ.get("VTO_BUILD_DIR", os.path.join(guest.REPO, "build")), "bin", "vtod")


@pytest.fixture(scope="module")
def facts(tmp_path_factory):
    assert os.path.exists(guest.QEMU), "qemu-system-x86_64 is missing: scripts/install-deps.sh installs it"
    assert os.access(VTOD, os.X_OK), f"{VTOD} is not built"
    # The guest sees the repository at its own path, and nothing else of the host but /usr.
    assert os.path.realpath(VTOD).startswith(guest.REPO + os.sep), f"{VTOD} is outside {guest.REPO}"
    guest.build_guest()
    # The guest's results (output, boot-steps, dmesg) stay in pytest's temporary directory.
    run = guest.run(os.path.join(guest.HERE, "in_guest", "host_programs.py"),
                    [os.path.realpath(VTOD)], timeout=180,
                    results=str(tmp_path_factory.mktemp("guest")))
    print(f"guest: script started at {run.boot_seconds:.1f} s of uptime, ended at "
          f"{run.guest_seconds:.1f} s; QEMU ran {run.wall_seconds:.1f} s")
    assert run.status == 0, run.output
    return json.loads(run.output.strip().splitlines()[-1])


def test_python3_runs_in_the_guest(facts):
    assert facts["python"].startswith("3.")
    assert facts["uid"] == 0


def test_vtod_runs_as_openvto(facts):
    vtod = facts["vtod"]
    assert vtod["status"] == 0, vtod
    user, usage = vtod["stdout"].split("\n", 2)[:2]
    assert user == "openvto"
    assert "OpenVTO door station daemon" in usage


def test_the_gpio_chip_is_openvtos(facts):
    assert facts["nodes"]["/dev/gpiochip0"] == {"group": "openvto", "mode": "0660"}
    assert facts["openvto"]["/dev/gpiochip0:rw"] == "ok gpiochip0 door 11 lines"


def test_a_uinput_device_made_by_root_is_readable_by_openvto(facts):
    event = facts["uinput_event"]
    assert facts["nodes"][event] == {"group": "openvto", "mode": "0660"}
    assert facts["openvto"][f"{event}:r"] == "ok vto-test-keys"
    assert facts["openvto"][f"{event}:rw"] == "ok vto-test-keys"


def test_the_display_and_led_brightness_are_openvtos(facts):
    for node in ("/dev/fb0", "/dev/dri/card0"):
        assert facts["nodes"][node] == {"group": "openvto", "mode": "0660"}, node
        assert facts["openvto"][f"{node}:rw"] == "ok", node
    led = facts["led"]
    assert facts["nodes"][led] == {"group": "openvto", "mode": "0664"}
    assert facts["openvto"][f"{led}:w"] == "ok wrote 1"


def test_camera_and_sound_come_from_debians_groups(facts):
    assert facts["openvto"]["groups"] == ["audio", "openvto", "video"]
    assert facts["nodes"]["/dev/video0"]["group"] == "video"
    assert facts["nodes"]["/dev/snd/controlC0"]["group"] == "audio"
    assert facts["openvto"]["/dev/video0:rw"] == "ok"
    assert facts["openvto"]["/dev/snd/controlC0:rw"] == "ok"


def test_root_only_things_stay_closed_to_openvto(facts):
    assert facts["openvto"]["uid"] != 0
    assert facts["nodes"]["/dev/uinput"] == {"group": "root", "mode": "0600"}
    for spec in ("/dev/uinput:rw", "/dev/mem:r", "/etc/shadow:r"):
        assert facts["openvto"][spec] == "EACCES", spec
