#!/bin/sh
# Run as root inside the virtual board by test_door_station.py: the door station's tests
# (test_door.py), one after the other, stopping at the first failure. $1: the build
# directory whose vtod, vth and vtoctl run (the host's $VTO_BUILD_DIR; a sanitizer build's
# reports fail the test as on the host).
cd "$(dirname "$0")" || exit 1
if [ -n "$1" ]; then
  export VTO_BUILD_DIR="$1"
  export ASAN_OPTIONS=fast_unwind_on_malloc=0
  export LSAN_OPTIONS="suppressions=$(cd ../.. && pwd)/lsan.supp"
fi
exec python3 -m pytest -x -q -p no:cacheprovider -s test_door.py
