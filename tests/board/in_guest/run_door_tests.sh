#!/bin/sh
# Run as root inside the virtual board by test_door_station.py: the door station's tests
# (test_door.py), one after the other, stopping at the first failure.
cd "$(dirname "$0")" || exit 1
exec python3 -m pytest -x -q -p no:cacheprovider -s test_door.py
