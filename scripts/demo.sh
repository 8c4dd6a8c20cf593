#!/usr/bin/env bash
# Starts the door station with simulated modules, as `make demo` does: vtod as the
# building's SIP server, a few rooms, and software monitors 101#0, 101#1 and 102#0.
# Everything runs on 127.0.0.1 and stops with Ctrl-C.
set -euo pipefail
BUILD_DIR=${1:-build}
BIN=$BUILD_DIR/bin
DATA=${VTO_DEMO_DATA:-$HOME/.local/share/openvto-demo}
SIP_PORT=${VTO_DEMO_SIP_PORT:-5060}
SIP_TLS_PORT=${VTO_DEMO_SIP_TLS_PORT:-5061}
HTTPS_PORT=${VTO_DEMO_HTTPS_PORT:-8443}
HTTP_PORT=${VTO_DEMO_HTTP_PORT:-8080}
RTSP_PORT=${VTO_DEMO_RTSP_PORT:-8554}
DHIP_PORT=${VTO_DEMO_DHIP_PORT:-5000}
mkdir -p "$DATA"

# A random register password for this demo, kept in the data directory: no default passwords.
if [ ! -s "$DATA/demo-room-password" ]; then
  (umask 077; head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 12 > "$DATA/demo-room-password"; echo "-Aa1" >> "$DATA/demo-room-password")
fi
PASS=$(tr -d '\n' < "$DATA/demo-room-password")
# The door's remote-unlock code, random as well.
if [ ! -s "$DATA/demo-unlock-code" ]; then
  (umask 077; od -An -N4 -tu4 /dev/urandom | tr -dc '0-9' | tail -c 4 > "$DATA/demo-unlock-code")
fi
CODE=$(tr -d '\n' < "$DATA/demo-unlock-code")

# An API token for the curl examples below (operator: presses keys, reads state and
# records), made with local access and kept in the data directory.
if [ ! -s "$DATA/demo-api-token" ]; then
  (umask 077; "$BIN/vtoctl" --data "$DATA" token create --role operator --name demo > "$DATA/demo-api-token")
fi
TOKEN=$(tr -d '\n' < "$DATA/demo-api-token")

for room in 101 102 103; do
  "$BIN/vtoctl" --data "$DATA" room list --json | grep -q "\"$room\"" || \
    "$BIN/vtoctl" --data "$DATA" room add "$room" --password "$PASS" >/dev/null
done

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$BIN/vtod" --data "$DATA" --sip-listen "127.0.0.1:$SIP_PORT" \
  --sip-tls-listen "127.0.0.1:$SIP_TLS_PORT" --https-listen "127.0.0.1:$HTTPS_PORT" \
  --http-listen "127.0.0.1:$HTTP_PORT" --rtsp-listen "127.0.0.1:$RTSP_PORT" \
  --dhip-listen "127.0.0.1:$DHIP_PORT" \
  --vto-number 8001 --button 101,102 --unlock-code "$CODE" --log-level info > "$DATA/vtod.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$DATA/vtod.log" && break; sleep 0.1; done
grep -q ready "$DATA/vtod.log" || { echo "vtod did not start:"; cat "$DATA/vtod.log"; exit 1; }

# Each monitor reads its commands from a FIFO, so you can type into it from a shell:
#   echo "dtmf $CODE" > $DATA/vth-101-0.cmd
for user in '101#0' '101#1' '102#0'; do
  name="vth-${user/\#/-}"
  rm -f "$DATA/$name.cmd"
  mkfifo -m 600 "$DATA/$name.cmd"
  exec {cmd_fd}<>"$DATA/$name.cmd"  # held open read-write: the FIFO never sees end-of-file
  # 101#1 registers over TLS (it checks the station's certificate) and talks with SRTP.
  transport=(--server "127.0.0.1:$SIP_PORT")
  [ "$user" = '101#1' ] && transport=(--server "127.0.0.1:$SIP_TLS_PORT" --transport tls \
    --ca "$DATA/tls/cert.pem" --srtp required)
  "$BIN/vth" "${transport[@]}" --user "$user" --password "$PASS" \
    --auto-answer 2000 <&"$cmd_fd" > "$DATA/$name.log" 2>&1 &
  pids+=($!)
done

cat <<TXT

OpenVTO demo is running (simulated door panel: 2 call buttons, keypad, display, lights,
card reader and fingerprint module).
  SIP server  : 127.0.0.1:$SIP_PORT (domain VDP); over TLS 127.0.0.1:$SIP_TLS_PORT
                (the station's certificate: $DATA/tls/cert.pem)
  web page    : https://127.0.0.1:$HTTPS_PORT/  (self-signed certificate: accept it once;
                the first visit asks for the admin password - there is no default one)
  RTSP        : rtsp://127.0.0.1:$RTSP_PORT/cam/realmonitor?channel=1&subtype=0 (subtype=1: sub-stream)
  integrations: the device family's HTTP API on http://127.0.0.1:$HTTP_PORT/cgi-bin/ and its
                event protocol on 127.0.0.1:$DHIP_PORT (digest: admin after
                "vtoctl user legacy-digest admin on"; docs/api.md, Compatible API)
  API token   : $TOKEN  (in $DATA/demo-api-token)
  monitors    : 101#0, 101#1, 102#0 (software vth, answer after 2 s; 101#1 over TLS with
                SRTP: its calls show "srtp":true in its log and "encrypted" in the records)
  password    : $PASS  (rooms 101, 102, 103)
  unlock code : $CODE  (DTMF from a monitor during a call opens the door)
  logs        : $DATA/*.log

A visitor presses call button 1 (room 101):
  curl -sk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"key":"button1"}' https://127.0.0.1:$HTTPS_PORT/api/v1/sim/press
Both monitors of 101 ring and answer after 2 s (the first keeps the call); its log shows
the door's video it decodes and the level of the door's audio it hears:
  grep media $DATA/vth-101-*.log | tail -2
Save what the monitor sees (send it to the one that kept the call):
  echo "snapshot /tmp/visitor.jpg" > $DATA/vth-101-0.cmd
Open the door from the monitor:
  echo "dtmf $CODE" > $DATA/vth-101-0.cmd; echo "dtmf $CODE" > $DATA/vth-101-1.cmd
Watch the panel (state, lock, lights, display, the monitor's audio at the door):
  curl -sk -H "Authorization: Bearer $TOKEN" https://127.0.0.1:$HTTPS_PORT/api/v1/sim/state
The call records, and the visitor's picture taken as call 1 started:
  curl -sk -H "Authorization: Bearer $TOKEN" https://127.0.0.1:$HTTPS_PORT/api/v1/records/calls
  curl -sk -H "Authorization: Bearer $TOKEN" -o /tmp/call-1.jpg https://127.0.0.1:$HTTPS_PORT/api/v1/records/calls/1/snapshot
Or dial 102 on the keypad:
  for k in 1 0 2 call; do curl -sk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "{\"key\":\"\$k\"}" https://127.0.0.1:$HTTPS_PORT/api/v1/sim/press; done
Register your own phone as 103#0 (user 103%230) with the password above.

Watch the door (the web page's Live view shows it too, and the six-stream limit):
  monitor 102#0 lists the doors and watches this one; "talk" lets the door hear it:
    echo doors > $DATA/vth-102-0.cmd; echo "monitor 8001" > $DATA/vth-102-0.cmd
  a player or an NVR, with a web account (digest; log in to the web page once first):
    ffplay -rtsp_transport tcp 'rtsp://admin:PASSWORD@127.0.0.1:$RTSP_PORT/cam/realmonitor?channel=1&subtype=0'
    curl --digest -u admin:PASSWORD -o /tmp/door.jpg http://127.0.0.1:$HTTP_PORT/cgi-bin/snapshot.cgi

Ctrl-C stops everything.
TXT
wait "${pids[0]}"
