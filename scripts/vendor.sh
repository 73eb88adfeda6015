#!/usr/bin/env bash
# Copies the console's browser libraries, as pinned in web/package-lock.json, into the tree:
# htmx, its SSE extension and uPlot (the report charts) into functions/console/static/vendor
# (embedded in the binary: what ships), axe-core into scripts/localrun/testdata (injected by the browser tests only).
# The copies are committed; run this after changing web/package.json, then commit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SMSDESK_ROOT/web"
command -v npm >/dev/null || { echo "vendor.sh needs npm (Node.js): sudo apt-get install npm" >&2; exit 1; }
npm ci --no-audit --no-fund
vendor="$SMSDESK_ROOT/functions/console/static/vendor"
mkdir -p "$vendor" "$SMSDESK_ROOT/scripts/localrun/testdata"
cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx.min.js"
cp node_modules/htmx-ext-sse/dist/sse.min.js "$vendor/sse.min.js"
cp node_modules/uplot/dist/uPlot.iife.min.js "$vendor/uPlot.iife.min.js"
cp node_modules/uplot/dist/uPlot.min.css "$vendor/uPlot.min.css"
cp node_modules/axe-core/axe.min.js "$SMSDESK_ROOT/scripts/localrun/testdata/axe.min.js"
# The manifest records what was copied; functions/console's tests hold the files to it.
{
  for f in htmx.min.js:htmx.org sse.min.js:htmx-ext-sse uPlot.iife.min.js:uplot uPlot.min.css:uplot; do
    file="${f%%:*}" pkg="${f##*:}"
    version="$(node -p "require('./node_modules/$pkg/package.json').version")"
    echo "$file $pkg@$version $(sha256sum "$vendor/$file" | cut -d' ' -f1)"
  done
} >"$vendor/MANIFEST"
echo "vendored: $(tr '\n' ';' <"$vendor/MANIFEST")"
