#!/usr/bin/env bash
# Benchmarks smsdesk end to end against the Firestore and Pub/Sub emulators, which this script
# starts and stops itself: webhook acknowledgement and agent-visible latencies, and Firestore
# reads and writes and Pub/Sub publishes per consumer text. Arguments go to the program, e.g.
#   scripts/bench.sh -conversations 200 [-json] [-poll 10ms] [-agents 20 -capacity 10]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SMSDESK_ROOT"
require_tools

logdir="$(mktemp -d)"
trap 'stop_emulators; rm -rf "$logdir"' EXIT
start_emulators "$logdir" >&2
go run ./scripts/bench "$@"
