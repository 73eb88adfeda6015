#!/usr/bin/env bash
# Shared helpers for the dev and test scripts: prerequisite checks and the gcloud emulators.
# Sourced, not run.

SMSDESK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# require_tools checks every prerequisite at once and prints one message naming all that is missing.
require_tools() {
  local missing=()
  command -v go >/dev/null 2>&1 || missing+=("Go 1.26 or newer: https://go.dev/dl/ (then put /usr/local/go/bin on PATH)")
  if ! command -v gcloud >/dev/null 2>&1; then
    missing+=("the gcloud CLI: https://cloud.google.com/sdk/docs/install")
  else
    local sdk
    sdk="$(gcloud info --format='value(installation.sdk_root)' 2>/dev/null)"
    [ -d "$sdk/platform/cloud-firestore-emulator" ] || missing+=("the Firestore emulator: gcloud components install cloud-firestore-emulator (or apt-get install google-cloud-cli-firestore-emulator)")
    [ -d "$sdk/platform/pubsub-emulator" ] || missing+=("the Pub/Sub emulator: gcloud components install pubsub-emulator beta (or apt-get install google-cloud-cli-pubsub-emulator)")
  fi
  command -v java >/dev/null 2>&1 || missing+=("Java 11 or newer for the emulators: apt-get install openjdk-17-jre-headless")
  command -v curl >/dev/null 2>&1 || missing+=("curl: apt-get install curl")
  if [ ${#missing[@]} -gt 0 ]; then
    echo "smsdesk needs these before it can run:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    return 1
  fi
}

# ensure_chromium finds Chromium for the console's browser tests (exporting CHROMIUM), and
# installs Debian's package when it is missing and this is root with apt-get. Otherwise it
# says what to install; under CI=true that fails (the browser tests must not skip there),
# elsewhere the browser tests skip.
ensure_chromium() {
  local path="${CHROMIUM:-}"
  [ -n "$path" ] || path="$(command -v chromium || command -v chromium-browser || true)"
  if [ -z "$path" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Chromium for the console's browser tests..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 || true
    path="$(command -v chromium || true)"
  fi
  if [ -z "$path" ]; then
    echo "install Chromium: sudo apt-get install chromium (the console's browser tests need it)" >&2
    [ "${CI:-}" = "true" ] && return 1
    return 0
  fi
  export CHROMIUM="$path"
}

# free_port prints a TCP port nobody listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

# wait_http waits until URL answers, up to $2 seconds.
wait_http() {
  local url="$1" secs="${2:-60}" i
  for ((i = 0; i < secs * 4; i++)); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.25
  done
  echo "timed out waiting for $url" >&2
  return 1
}

# start_emulators starts the Firestore and Pub/Sub emulators in their own process groups,
# exports FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST, and records pids for stop_emulators.
start_emulators() {
  local logdir="$1" fs_port ps_port
  fs_port="${SMSDESK_FIRESTORE_PORT:-$(free_port)}"
  ps_port="${SMSDESK_PUBSUB_PORT:-$(free_port)}"
  mkdir -p "$logdir"
  setsid gcloud emulators firestore start --host-port="127.0.0.1:$fs_port" --quiet >"$logdir/firestore.log" 2>&1 &
  EMULATOR_PIDS="$!"
  setsid gcloud beta emulators pubsub start --host-port="127.0.0.1:$ps_port" --project=smsdesk-local --quiet >"$logdir/pubsub.log" 2>&1 &
  EMULATOR_PIDS="$EMULATOR_PIDS $!"
  export FIRESTORE_EMULATOR_HOST="127.0.0.1:$fs_port"
  export PUBSUB_EMULATOR_HOST="127.0.0.1:$ps_port"
  wait_http "http://$FIRESTORE_EMULATOR_HOST/" 90 || { tail -20 "$logdir/firestore.log" >&2; return 1; }
  wait_http "http://$PUBSUB_EMULATOR_HOST/" 90 || { tail -20 "$logdir/pubsub.log" >&2; return 1; }
  echo "emulators up: Firestore $FIRESTORE_EMULATOR_HOST, Pub/Sub $PUBSUB_EMULATOR_HOST"
}

stop_emulators() {
  local pid
  for pid in ${EMULATOR_PIDS:-}; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  EMULATOR_PIDS=""
}
