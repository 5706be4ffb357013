#!/usr/bin/env bash
# podman as imgdiet's engine (`--engine podman`): install Debian's podman when missing, configure it
# for this machine only where its defaults do not run a container here, start its Docker-compatible
# service on /run/podman/podman.sock, and give it the local base images (copied from docker, offline).
# Idempotent; run as root (or with sudo).
set -euo pipefail

log() { printf '[setup-podman] %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
SOCK=/run/podman/podman.sock
PIDFILE=/run/podman/imgdiet-service.pid
CONF_D=/etc/containers/containers.conf.d
IMAGES=(debian:bookworm golang:1.19)

if ! command -v podman >/dev/null 2>&1; then
  log "installing podman"
  $SUDO apt-get update -qq
  # containernetworking-plugins and iptables: the bridge network HTTP probes publish their port on.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends podman containernetworking-plugins iptables >/dev/null
fi

answers() { curl -fsS --max-time 5 --unix-socket "$SOCK" http://podman/_ping >/dev/null 2>&1; }

# Storage: overlay as root; where the kernel refuses it, the vfs driver (slow, but it works everywhere).
if ! $SUDO podman info >/dev/null 2>&1; then
  if $SUDO podman --storage-driver vfs info >/dev/null 2>&1; then
    log "overlay storage does not work here: configuring the vfs storage driver"
    $SUDO mkdir -p /etc/containers
    printf '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n' | $SUDO tee /etc/containers/storage.conf >/dev/null
  else
    log "podman does not work on this machine:"
    $SUDO podman info >&2 || true
    exit 3
  fi
fi
# Without systemd podman already picks the cgroupfs manager and the file events logger; with a
# systemd that does not manage this machine's cgroups, say so explicitly.
if [ ! -d /run/systemd/system ] && $SUDO podman info --format '{{.Host.CgroupManager}} {{.Host.EventLogger}}' 2>/dev/null | grep -qv '^cgroupfs file$'; then
  log "no systemd: configuring cgroup_manager=cgroupfs, events_logger=file"
  $SUDO mkdir -p "$CONF_D"
  printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' | $SUDO tee "$CONF_D/50-imgdiet-engine.conf" >/dev/null
fi

# Base images: podman's own storage, copied from docker's (podman stores them as localhost/NAME;
# `FROM debian:bookworm` and short names in the API find them there).
for img in "${IMAGES[@]}"; do
  if ! $SUDO podman image exists "$img" && ! $SUDO podman image exists "localhost/$img"; then
    if docker image inspect "$img" >/dev/null 2>&1; then
      log "copying $img from docker"
      docker save "$img" | $SUDO podman load -q >/dev/null
    else
      log "docker has no $img (run scripts/base-images.sh first): skipped"
    fi
  fi
done

# Limits: as root podman asks runc for RLIMIT_NOFILE 1048576 and RLIMIT_NPROC 4194304; where this
# process may not raise its hard limits (no CAP_SYS_RESOURCE, as in some VMs) every container then
# fails with "error setting rlimit". Give containers the limits this machine allows instead (podman
# itself caps NPROC at kernel.pid_max).
probe_image=""
for img in "${IMAGES[@]}"; do
  $SUDO podman image exists "$img" && { probe_image=$img; break; }
done
if [ -n "$probe_image" ]; then
  if ! out=$($SUDO podman run --rm --network none "$probe_image" true 2>&1); then
    if grep -q "setting rlimit" <<<"$out"; then
      nofile=$(ulimit -Hn)
      nproc=$(ulimit -Hu)
      pid_max=$(cat /proc/sys/kernel/pid_max)
      [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ] && nproc=$pid_max
      [ "$nofile" = unlimited ] && nofile=1048576
      log "containers may not get podman's default rlimits here: nofile=$nofile nproc=$nproc"
      $SUDO mkdir -p "$CONF_D"
      printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' "$nofile" "$nofile" "$nproc" "$nproc" | $SUDO tee "$CONF_D/50-imgdiet-ulimits.conf" >/dev/null
      # A service started before this reads the old configuration.
      if answers; then
        if [ -f "$PIDFILE" ] && $SUDO kill "$(cat "$PIDFILE")" 2>/dev/null; then
          log "restarting podman's service (started by this script) for the new limits"
          for _ in $(seq 1 20); do answers || break; sleep 0.5; done
        else
          log "a podman service this script did not start answers on $SOCK: restart it to apply the limits"
        fi
      fi
      out=$($SUDO podman run --rm --network none "$probe_image" true 2>&1) || { log "podman still cannot run a container: $out"; exit 3; }
    else
      log "podman cannot run a container: $out"
      exit 3
    fi
  fi
fi

if ! answers; then
  log "starting podman system service on unix://$SOCK"
  $SUDO mkdir -p "$(dirname "$SOCK")"
  $SUDO sh -c "setsid nohup podman system service --time=0 unix://$SOCK >/var/log/podman-service.log 2>&1 < /dev/null & echo \$! > $PIDFILE"
  for _ in $(seq 1 60); do
    answers && break
    sleep 0.5
  done
  answers || { log "podman's service did not answer; see /var/log/podman-service.log"; exit 3; }
fi
log "podman ready: $($SUDO podman version --format '{{.Server.Version}}' 2>/dev/null || podman --version) at unix://$SOCK"
