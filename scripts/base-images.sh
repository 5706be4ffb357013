#!/usr/bin/env bash
# Provide the base images the example and tests build on: pull them when the network allows,
# otherwise build stand-ins locally from Debian packages (mmdebstrap), tagged with the same names.
set -euo pipefail
log() { printf '[base-images] %s\n' "$*" >&2; }
present() { docker image inspect "$1" >/dev/null 2>&1; }

ensure_debian() {
  present debian:bookworm && return 0
  if timeout 60 docker pull -q debian:bookworm >/dev/null 2>&1; then return 0; fi
  log "pull failed: building debian:bookworm with mmdebstrap"
  mmdebstrap --quiet --variant=minbase bookworm - | docker import - debian:bookworm >/dev/null
}

ensure_golang() {
  present golang:1.19 && return 0
  if timeout 120 docker pull -q golang:1.19 >/dev/null 2>&1; then return 0; fi
  log "pull failed: building a golang:1.19 stand-in from Debian's golang-go"
  local ctx; ctx=$(mktemp -d)
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends golang-go gcc libc6-dev git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV GOPATH=/go PATH=/usr/lib/go/bin:/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin GOFLAGS=-buildvcs=false
WORKDIR /go
DOCKERFILE
  docker build -q -t golang:1.19 "$ctx" >/dev/null
  rm -rf "$ctx"
}

ensure_debian
ensure_golang
log "ready: debian:bookworm golang:1.19"
