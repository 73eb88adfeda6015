#!/usr/bin/env bash
# Drives concurrent conversations through the carrier simulator against the local stack, which
# runs as its own process, with Firestore and Pub/Sub emulators this script starts and stops
# itself; checks every text arrived exactly once and in order and prints throughput, latency
# percentiles and the functions' peak memory. Arguments go to the program, e.g.
#   scripts/load.sh                                  # 1,000 conversations, no fault
#   scripts/load.sh -conversations 200 -fault kill   # one fault scenario mid-load
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SMSDESK_ROOT"
require_tools

logdir="$(mktemp -d)"
trap 'stop_emulators; rm -rf "$logdir/bin"' EXIT
go build -o "$logdir/bin/" ./scripts/devserver ./scripts/load
start_emulators "$logdir" >&2
# start_emulators runs each emulator as the leader of its own process group (setsid): the
# stall scenarios stop and continue the whole group.
read -r fs_pgid ps_pgid <<<"$EMULATOR_PIDS"
echo "logs in $logdir" >&2
"$logdir/bin/load" -devserver "$logdir/bin/devserver" -logdir "$logdir" \
  -firestore-pgid "$fs_pgid" -pubsub-pgid "$ps_pgid" "$@"
