#!/usr/bin/env bash
# Build the web UI into raqib/server/static/, only when the bundle is missing or older than
# the sources, the config or the lock file. `web/build.sh --force` always rebuilds.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle="$here/../raqib/server/static/index.html"
cd "$here"
if [[ "${1:-}" != "--force" && -f "$bundle" ]]; then
  newer="$(find index.html vite.config.js package.json package-lock.json src -newer "$bundle" -print -quit)"
  if [[ -z "$newer" ]]; then
    echo "web UI is up to date"
    exit 0
  fi
fi
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
npm run build
