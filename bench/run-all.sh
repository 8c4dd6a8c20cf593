#!/usr/bin/env bash
# Runs every benchmark against the build in BUILD_DIR and prints their figures; the
# lines starting with SUMMARY are the one-line results docs/benchmarks.md quotes.
# Everything runs on 127.0.0.1 (the estate bench on addresses of a network namespace of
# its own) and every load is bounded in count and time.
set -euo pipefail
BUILD_DIR=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)

echo "== parse + serialize (Google Benchmark)"
parse=$("$BUILD_DIR/bin/bench_sip_parse" --benchmark_min_time=0.5)
echo "$parse"
echo "$parse" | awk '/ParseSerialize/ { printf "SUMMARY %s-ns %s (goal < 1000)\n", $1, $2 }'

echo "== registrations/s and calls/s with SIPp, vtod vs Kamailio"
/usr/bin/python3 "$HERE/sip_load.py" --build "$BUILD_DIR"

echo "== group call: INVITE -> 180 from all 11 monitors of a room"
/usr/bin/python3 "$HERE/ring_latency.py" --build "$BUILD_DIR"

echo "== estate platform (two Kamailio nodes): 1,000 flats x 3 monitors + 50 VTOs, replication, group calls, failover"
/usr/bin/python3 "$HERE/estate.py" --build "$BUILD_DIR"

echo "== call button: POST /api/v1/sim/press -> 180 from every monitor of the room"
/usr/bin/python3 "$HERE/button_latency.py" --build "$BUILD_DIR"

echo "== home automation: call button -> BackKeyLight on port 5000 and on the HTTP event stream"
/usr/bin/python3 "$HERE/compat_events.py" --build "$BUILD_DIR"

echo "== home automation over MQTT: call button -> Home Assistant's doorbell event at a subscriber"
/usr/bin/python3 "$HERE/mqtt_events.py" --build "$BUILD_DIR"

echo "== HTTPS API: requests/s and latency with 50 concurrent keep-alive clients"
/usr/bin/python3 "$HERE/api_latency.py" --build "$BUILD_DIR"

echo "== vtod CPU and resident memory, idle and during one video call"
/usr/bin/python3 "$HERE/vtod_resources.py" --build "$BUILD_DIR"

echo "== video at the monitor: answer -> first decoded frame, and glass-to-glass latency"
/usr/bin/python3 "$HERE/video_latency.py" --build "$BUILD_DIR"

echo "== RTSP: vtod CPU and memory with 1 and 6 viewers, PLAY -> first decoded frame"
/usr/bin/python3 "$HERE/rtsp_viewers.py" --build "$BUILD_DIR"

echo "== encryption: vtod CPU in a call with SRTP vs plain, REGISTER with digest over TLS vs UDP"
/usr/bin/python3 "$HERE/srtp_tls.py" --build "$BUILD_DIR"

echo "== access control: decisions with 100,000 cards, record inserts, searches over 1,000,000 records"
"$BUILD_DIR/bin/bench_access" --dir "${TMPDIR:-/tmp}"

echo "== web interface: cold page load to interactive (Debian's chromium)"
node "$HERE/page_load.mjs" --runs 10

echo "== the virtual board (QEMU): a card's last edge -> the lock's GPIO line"
/usr/bin/python3 "$HERE/board_unlock_latency.py"
