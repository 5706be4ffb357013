#!/usr/bin/env bash
# The seed demo: from a fresh machine, build the fat examples/hash image and put it on a diet.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash scripts/setup-engine.sh
bash scripts/base-images.sh
npm run -s build
make -C examples/hash build
