#!/usr/bin/env bash
# Everything the demo and the tests need on a fresh machine: npm deps, a running engine and its
# tools, offline base images when pulls fail, and a build of imgdiet.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci refuses lockfiles written on this machine's npm (platform-optional packages of other
  # platforms are not recorded); npm install then installs exactly the locked versions.
  npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
fi
bash scripts/setup-engine.sh
bash scripts/base-images.sh
npm run -s build
