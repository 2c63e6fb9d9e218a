# shellcheck shell=bash
# Debian 12 containers under systemd-nspawn for the packaging and Ansible tests: a
# debootstrap'd rootfs cached between runs, booted with its own systemd as PID 1, driven with
# nsenter (or over SSH, as Ansible does). Sourced by scripts/test-packages.sh and
# scripts/test-ansible.sh.

# Packages the cached rootfs holds besides debootstrap's minbase: systemd as init, what the
# tests call inside (curl, ps, ip, python3 for JSON), PAM's systemd hook for login shells, and
# what Ansible needs on a managed host (sshd, python3-apt for its apt module).
# Changing this list builds a new rootfs (the list is part of the cache key).
ROOTFS_INCLUDE="systemd,systemd-sysv,dbus,libpam-systemd,curl,ca-certificates,procps,iproute2,python3,openssh-server,python3-apt"
ROOTFS_SUITE=bookworm
ROOTFS_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# A booted container reaches multi-user in ~15 s here; the rest is margin for a loaded machine.
BOOT_DEADLINE=180

# Installs the Debian packages that are missing: one apt-get update, then one install.
ensure_apt_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Prints the path of the cached rootfs, building it first if needed. A half-built rootfs is
# never used: it is built under a temporary name and renamed when debootstrap succeeded.
rootfs_base() {
  local cache=$1 key dir
  key="$(printf '%s %s' "$ROOTFS_SUITE" "$ROOTFS_INCLUDE" | md5sum | cut -c1-12)"
  dir="$cache/rootfs/$ROOTFS_SUITE-$key"
  if [[ ! -x "$dir/lib/systemd/systemd" ]]; then
    echo "building the $ROOTFS_SUITE rootfs with debootstrap (cached in $dir)" >&2
    rm -rf "$dir.partial"
    mkdir -p "$cache/rootfs"
    debootstrap --variant=minbase --include="$ROOTFS_INCLUDE" "$ROOTFS_SUITE" "$dir.partial" \
      "$ROOTFS_MIRROR" >"$cache/rootfs/debootstrap.log" 2>&1 || {
      tail -20 "$cache/rootfs/debootstrap.log" >&2
      echo "FAIL: debootstrap failed (log: $cache/rootfs/debootstrap.log)" >&2
      return 1
    }
    mv "$dir.partial" "$dir"
    # Older rootfs builds (another include list) are dead weight.
    find "$cache/rootfs" -mindepth 1 -maxdepth 1 -type d -name "$ROOTFS_SUITE-*" ! -path "$dir" \
      -exec rm -rf {} +
  fi
  printf '%s\n' "$dir"
}

# rootfs_overlay BASE DIR: the rootfs as an overlay at DIR (writes go to DIR.upper), which
# takes no time and no space per container; unmounted by containers_stop_all.
CT_OVERLAYS=()
rootfs_overlay() {
  local base=$1 dir=$2
  mkdir -p "$dir" "$dir.upper" "$dir.work"
  mount -t overlay overlay -o "lowerdir=$base,upperdir=$dir.upper,workdir=$dir.work" "$dir"
  CT_OVERLAYS+=("$dir")
}

# The current container (what in_ct and container_stop act on), and every booted one by name.
CT_NSPAWN_PID=
CT_LEADER=
declare -A CT_PIDS=() CT_LEADERS=()

# container_boot DIR NAME [NSPAWN_ARG...]: boots the rootfs at DIR as machine NAME, waits until
# its systemd is up, and makes it the current container. Without network arguments it gets a
# private network: only its own loopback, so its ports never meet the host's.
container_boot() {
  local dir=$1 name=$2 deadline state
  shift 2
  local net=("$@")
  ((${#net[@]})) || net=(--private-network)
  CT_LEADER=
  # A fresh machine id per container (an empty one means "first boot", which would wait on the
  # console for systemd-firstboot); the hostname names it in logs.
  tr -d '-' </proc/sys/kernel/random/uuid >"$dir/etc/machine-id"
  printf '%s\n' "$name" >"$dir/etc/hostname"
  # debootstrap writes no /etc/hosts (the installer does), and without it "localhost" does not
  # resolve: the shipped member list names localhost.
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    "$name" >"$dir/etc/hosts"
  systemd-nspawn --quiet --boot --register=no --keep-unit "${net[@]}" \
    --machine="$name" -D "$dir" >"$dir.console.log" 2>&1 </dev/null &
  CT_NSPAWN_PID=$!
  CT_PIDS[$name]=$CT_NSPAWN_PID
  deadline=$((SECONDS + BOOT_DEADLINE))
  while [[ -z "$CT_LEADER" ]]; do
    kill -0 "$CT_NSPAWN_PID" 2>/dev/null || {
      tail -20 "$dir.console.log" >&2
      echo "FAIL: systemd-nspawn exited before the container booted" >&2
      return 1
    }
    CT_LEADER="$(pgrep -P "$CT_NSPAWN_PID" -x systemd || true)"
    ((SECONDS < deadline)) || { echo "FAIL: the container's systemd did not start" >&2; return 1; }
    [[ -n "$CT_LEADER" ]] || sleep 0.2
  done
  # Until its manager's socket exists, systemctl inside fails at once instead of waiting.
  while :; do
    state="$(timeout "$BOOT_DEADLINE" nsenter -t "$CT_LEADER" -a \
      systemctl is-system-running --wait 2>/dev/null || true)"
    if [[ -n "$state" && "$state" != offline ]] || ((SECONDS >= deadline)); then
      break
    fi
    sleep 0.5
  done
  CT_LEADERS[$name]=$CT_LEADER
  case $state in
    running | degraded) echo "container $name booted ($state)" ;;
    *)
      tail -20 "$dir.console.log" >&2
      echo "FAIL: the container did not boot (state '$state')" >&2
      return 1
      ;;
  esac
}

# Runs a command inside the container with a clean environment, in /root, reading stdin.
in_ct() {
  nsenter -t "$CT_LEADER" -a /usr/bin/env -i -C /root \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    "$@"
}

# ct_use NAME: makes a booted container the current one.
ct_use() {
  CT_NSPAWN_PID=${CT_PIDS[$1]}
  CT_LEADER=${CT_LEADERS[$1]}
}

# Powers every booted container off and unmounts the overlays.
containers_stop_all() {
  local name dir
  for name in "${!CT_PIDS[@]}"; do
    ct_use "$name"
    container_stop
    unset 'CT_PIDS[$name]' 'CT_LEADERS[$name]'
  done
  for dir in "${CT_OVERLAYS[@]}"; do
    umount "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null || true
  done
  CT_OVERLAYS=()
}

# Powers the current container off (nspawn turns SIGTERM into a clean shutdown), then kills
# what is left.
container_stop() {
  [[ -n "$CT_NSPAWN_PID" ]] || return 0
  kill -TERM "$CT_NSPAWN_PID" 2>/dev/null || true
  local deadline=$((SECONDS + 60))
  while kill -0 "$CT_NSPAWN_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
  kill -KILL "$CT_NSPAWN_PID" 2>/dev/null || true
  wait "$CT_NSPAWN_PID" 2>/dev/null || true
  CT_NSPAWN_PID=
  CT_LEADER=
}

# wait_until SECONDS WHAT COMMAND...: runs the command every half second until it succeeds;
# fails naming WHAT when the deadline passes.
wait_until() {
  local limit=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { echo "FAIL: timed out after ${limit}s waiting for: $what" >&2; return 1; }
    sleep 0.5
  done
}
