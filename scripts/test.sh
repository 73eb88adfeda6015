#!/usr/bin/env bash
# Runs every check and test of smsdesk: gofmt, go vet, and go test -race against the Firestore
# and Pub/Sub emulators, which this script starts and stops itself.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SMSDESK_ROOT"
require_tools
ensure_chromium

go mod download
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
# Terraform's formatting, where a Terraform (or OpenTofu) binary is installed; the Go test in
# terraform/ checks the configuration against the code either way.
for tf in terraform tofu; do
  if command -v "$tf" >/dev/null; then
    "$tf" fmt -check -recursive terraform || { echo "$tf fmt would change the files above" >&2; exit 1; }
    break
  fi
done

logdir="$(mktemp -d)"
trap 'stop_emulators; rm -rf "$logdir"' EXIT
start_emulators "$logdir"
go test -race -count=1 -timeout 10m "$@" ./...
# A slice of fuzzing per target on top of the committed corpora the tests above replayed.
FUZZTIME="${FUZZTIME:-3s}" bash scripts/fuzz.sh
