#!/usr/bin/env bash
# Tools only the test suite and benchmarks use: cross binutils and musl for the ELF reader's
# comparisons against readelf/ldd, a C toolchain for fixtures, GNU time for peak RSS, openssl for
# the certificates of the HTTPS registry tests, chromium for the HTML report tests (driven by
# playwright-core), busybox-static for `imgdiet shell`, python3 (its `ast` is the reference the Python
# import reader is checked against).
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
pkgs=(binutils binutils-i686-linux-gnu binutils-arm-linux-gnueabihf binutils-aarch64-linux-gnu
      binutils-mips-linux-gnu binutils-powerpc-linux-gnu binutils-s390x-linux-gnu
      musl-tools gcc libc6-dev zlib1g-dev time curl attr openssl chromium busybox-static python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  printf '[test-deps] installing: %s\n' "${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash "$(dirname "$0")/setup-podman.sh"
