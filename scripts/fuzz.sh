#!/usr/bin/env bash
# Runs every fuzz target of smsdesk for a slice of time each (FUZZTIME, default 5s): the
# webhook decoder and signature check, the keyword, segment and menu parsers, E.164
# normalisation, the placeholder filler, configuration validation and the TwiML the voice
# function writes. With -keep, the inputs each run found interesting are added to the target's
# committed corpus (testdata/fuzz), which plain `go test` replays every time.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SMSDESK_ROOT"
keep=false
[ "${1:-}" = "-keep" ] && keep=true
fuzztime="${FUZZTIME:-5s}"
cache="$(go env GOCACHE)/fuzz/github.com/smsdesk/smsdesk"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for pkg in ./shared/carrier ./shared/compliance ./shared/phone ./shared/config ./shared/voice; do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
    echo "fuzz $pkg $target for $fuzztime"
    # An input that fails is written to testdata/fuzz and replayed by every `go test` after;
    # a run that fails without one (the fuzzing engine's workers lost on a loaded machine) is
    # run once more, and shown if it fails again.
    for try in 1 2; do
      if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >"$out" 2>&1; then
        break
      fi
      if grep -q "Failing input written to" "$out" || [ "$try" = 2 ]; then
        cat "$out" >&2
        echo "fuzz target $target of $pkg failed (a failing input is kept in $pkg/testdata/fuzz/$target)" >&2
        exit 1
      fi
      echo "fuzz $pkg $target: the run failed with no failing input; once more" >&2
      tail -5 "$out" >&2
    done
    if $keep; then
      mkdir -p "$pkg/testdata/fuzz/$target"
      # A few of the inputs found, so the committed corpus stays small.
      find "$cache/${pkg#./}/$target" -type f 2>/dev/null | head -20 | xargs -r cp -t "$pkg/testdata/fuzz/$target"
    fi
  done
done
