#!/usr/bin/env bash
# Prepares a fresh build machine (Debian 12, no systemd, no image registry, only the npm registry and
# Debian's archive reachable) to run real containers for shim's tests: rootful podman, rootless podman
# (user $SHIM_CI_USER) and Debian's docker engine, each with a locally built Debian base image.
# shim builds its own tool image on top of that base (containerfiles/), so nothing here bakes a tool
# image or a CA bundle: the tests exercise shim's own image build and SHIM_CA_BUNDLE handling.
# Idempotent: a second run on the same machine takes seconds. See ../shared/notes/runtime.md.
set -Eeuo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
CI_USER=${SHIM_CI_USER:-shimci}
CACHE=${SHIM_CI_CACHE:-/var/tmp/shim-ci}
BASE_IMG=${SHIM_CI_BASE_IMAGE:-localhost/shim-base:bookworm}
# what the base holds beyond minbase; socat is the in-container end of the egress proxy; procps gives
# ps, which agents shell out to (codex records its app-server's pid with it). The label on
# the imported image says which list it was built from, so a changed list re-imports it.
BASE_INCLUDE=ca-certificates,git,socat,procps
ROOTFS="$CACHE/rootfs-${BASE_INCLUDE//,/-}.tar"
BASE_LABEL="io.shim.base-include=$BASE_INCLUDE"

STEP=init; T0=$(date +%s%N)
trap 'rc=$?; echo "setup-containers: failed in step [$STEP] (exit $rc), line $LINENO: $BASH_COMMAND" >&2; exit $rc' ERR
die()  { echo "setup-containers: error in step [$STEP]: $*" >&2; exit 1; }
step() { STEP=$1; printf '[setup-containers %6.1fs] %s\n' "$(awk "BEGIN{print ($(date +%s%N)-$T0)/1e9}")" "$1" >&2; }
as_user() { runuser -l "$CI_USER" -c "$1"; }

step preflight
[ "$(id -u)" = 0 ] || die "run as root"
[ "$(uname -m)" = x86_64 ] || die "x86_64 only"

step "apt packages"
# time: the security suite measures shim's peak memory with /usr/bin/time; tmux: terminal tests (send-keys,
# capture-pane) of what a tool on a terminal sees and of sessions; zsh, fish: the completion scripts are
# run by the real shells (nothing skips for lack of one); chromium and a font: the browser tests of
# `shim serve` drive Debian's chromium headless (puppeteer-core)
PKGS="podman runc conmon netavark aardvark-dns iptables catatonit slirp4netns uidmap fuse-overlayfs mmdebstrap docker.io time tmux zsh fish chromium fonts-dejavu-core"
missing=""
for p in $PKGS; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
  # no systemd/init here: keep package scripts from trying to start services
  [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends $missing >/dev/null || die "apt-get install failed:$missing"
fi

step "podman configuration"
# The caller's hard rlimits are low and CAP_SYS_RESOURCE is absent: podman's default container rlimits
# (nofile=1048576) are refused with EPERM, so pin them under the hard limit. crun 1.8 refuses this
# machine's hybrid cgroup layout: use runc. No systemd: cgroupfs and file events.
hn=$(ulimit -Hn); [ "$hn" = unlimited ] && hn=1048576
nofile=$(( hn < 8192 ? hn : 8192 ))
install -d -m 755 /etc/containers
cat > /etc/containers/containers.conf <<CONF
# written by shim's .ci/setup-containers.sh
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
# the build machine's resolver drops UDP bursts: retry after 1 s instead of stalling 5 s
dns_options = ["timeout:1", "attempts:3"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
cat > /etc/containers/storage.conf <<'CONF'
# written by shim's .ci/setup-containers.sh (rootless would otherwise fall back to the slow vfs driver)
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF
# the network backend is netavark; a CNI config left by the package only adds a warning to every call
rm -f /etc/cni/net.d/87-podman-bridge.conflist
# rootless podman warns on every call when / is a private mount
mount --make-rshared / 2>/dev/null || true
[ "$(podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}')" = "runc overlay" ] \
  || die "unexpected podman runtime/driver: $(podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}')"

step "base rootfs (mmdebstrap: no registry pull)"
install -d -m 755 "$CACHE"
if [ ! -s "$ROOTFS" ]; then
  rm -f "$CACHE/rootfs.tmp.tar"
  # --format=tar: mmdebstrap picks the output format from the file name otherwise
  mmdebstrap --quiet --format=tar --variant=minbase --include="$BASE_INCLUDE" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$CACHE/rootfs.tmp.tar" || die "mmdebstrap failed (is Debian's archive reachable?)"
  mv "$CACHE/rootfs.tmp.tar" "$ROOTFS"
fi
chmod a+rx "$CACHE"; chmod a+r "$ROOTFS"
# true when $1 (podman or docker, run as $2) has the base image imported from the current list
base_current() { [ "$($1 image inspect --format '{{index .Config.Labels "io.shim.base-include"}}' "$BASE_IMG" 2>/dev/null)" = "$BASE_INCLUDE" ]; }
base_current podman || podman import -q --change "LABEL $BASE_LABEL" "$ROOTFS" "$BASE_IMG" >/dev/null || die "podman import failed"

step "rootless user $CI_USER"
chmod 0666 /dev/net/tun /dev/fuse   # no udev: devices come up 0600 and slirp4netns needs tun
id "$CI_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$CI_USER"
grep -q "^$CI_USER:" /etc/subuid || usermod --add-subuids 200000-265535 "$CI_USER"
grep -q "^$CI_USER:" /etc/subgid || usermod --add-subgids 200000-265535 "$CI_USER"
as_user "$(declare -f base_current); BASE_IMG=$BASE_IMG BASE_INCLUDE=$BASE_INCLUDE; base_current podman || podman import -q --change 'LABEL $BASE_LABEL' $ROOTFS $BASE_IMG >/dev/null" || die "rootless import failed"

step "docker engine"
install -d /etc/docker
[ -s /etc/docker/daemon.json ] || echo '{ "dns-opts": ["timeout:1", "attempts:3"] }' > /etc/docker/daemon.json
if ! docker info >/dev/null 2>&1; then
  nohup setsid /usr/sbin/dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  for _ in $(seq 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  docker info >/dev/null 2>&1 || die "dockerd did not come up; see /var/log/dockerd.log"
fi
base_current docker || docker import --change "LABEL $BASE_LABEL" "$ROOTFS" "$BASE_IMG" >/dev/null || die "docker import failed"

step "smoke tests"
podman run --rm --network none "$BASE_IMG" true || die "rootful podman run failed"
as_user "podman run --rm --network none --userns=keep-id $BASE_IMG true" || die "rootless podman run failed"
docker run --rm --network none "$BASE_IMG" true || die "docker run failed"
step done
