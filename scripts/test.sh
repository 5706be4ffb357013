#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: installs npm deps, the Docker engine and tools,
# builds offline base images when pulls fail, builds imgdiet, then runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
bash scripts/test-deps.sh
npx tsc -p tsconfig.test.json
mkdir -p .tmp
set +e
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json "$@"
status=$?
set -e
# A closing line any CI can read: "N passed, N failed, N skipped".
node -e '
const r = require("./.tmp/vitest.json");
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit $status
