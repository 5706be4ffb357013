#!/usr/bin/env bash
# Make sure a Docker engine answers and the tools imgdiet's tests and demo use are installed.
# Installs Debian's docker.io when no engine answers; idempotent; works as root on Debian/Ubuntu.
set -euo pipefail

log() { printf '[setup-engine] %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have dockerd || need_pkgs+=(docker.io)
have mmdebstrap || need_pkgs+=(mmdebstrap)
have skopeo || need_pkgs+=(skopeo)
have umoci || need_pkgs+=(umoci)
have strace || need_pkgs+=(strace)
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
[ -x /usr/bin/docker-registry ] || need_pkgs+=(docker-registry)
have htpasswd || need_pkgs+=(apache2-utils)
have zstd || need_pkgs+=(zstd)
have readelf || need_pkgs+=(binutils)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing: ${need_pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
# Debian starts a registry service on :5000 on install; tests run their own, so stop it if systemd is absent/present.
$SUDO pkill -f '^/usr/bin/docker-registry serve /etc/docker/registry/config.yml' 2>/dev/null || true

if ! docker version >/dev/null 2>&1; then
  log "no engine answers: starting dockerd"
  $SUDO sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    sleep 1
  done
  docker version >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/dockerd.log"; exit 3; }
fi
log "engine ready: $(docker version -f '{{.Server.Version}}')"
