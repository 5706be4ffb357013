#!/usr/bin/env bash
# The seed demo: from a fresh machine, build the fat examples/hash image and put it on a diet.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
make -C examples/hash build
