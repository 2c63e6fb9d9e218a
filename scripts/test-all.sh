#!/usr/bin/env bash
# Runs every test suite of seatunnel-rs: unit and integration tests (cargo nextest), the
# SeaTunnel compat corpus, the REST contract against a real node, and the slow suites: the
# packages in a booted Debian 12 container and the Ansible rollout to five of them.
# Installs what a fresh Debian 12 machine with Rust lacks (apt-get update once, skip what is
# present). Usage: scripts/test-all.sh [--quick]   (--quick skips the slow suites; never in CI)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
  esac
done
if [[ "${CI:-}" == "true" && $quick == 1 ]]; then
  echo "--quick is for local loops; CI runs every suite" >&2
  quick=0
fi

# Build artifacts live outside the clone so CI's fresh clones reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/seatunnel-rs/target}"
mkdir -p "$CARGO_TARGET_DIR"

# --- system packages the tests need -------------------------------------------------------------
# lzop/zip/tar build the corpus's compressed fixtures. The rocksdb crate compiles RocksDB (C++,
# g++) and generates its bindings with bindgen, which loads libclang.
need_pkgs=()
command -v lzop >/dev/null || need_pkgs+=(lzop)
command -v zip >/dev/null || need_pkgs+=(zip)
command -v tar >/dev/null || need_pkgs+=(tar)
command -v g++ >/dev/null || need_pkgs+=(g++)
dpkg -s libclang-dev >/dev/null 2>&1 || need_pkgs+=(libclang-dev)
# ShellCheck lints the shell scripts we ship and run.
command -v shellcheck >/dev/null || need_pkgs+=(shellcheck)
# The partition tests cut links between nodes with nftables inside a network namespace of
# their own (ip brings its loopback up).
command -v nft >/dev/null || need_pkgs+=(nftables)
command -v ip >/dev/null || need_pkgs+=(iproute2)
# The database tests (crates/test-servers) start PostgreSQL 15 (with PostGIS) and MariaDB as
# unprivileged processes on loopback, each in a temporary data dir; the packages only provide
# the binaries. Debian's postinst scripts would also create a default PostgreSQL cluster and
# start both as system services, which would hold ports and memory on a 2-core CI machine for
# nothing, so the install below runs with create_main_cluster = false and a policy-rc.d that
# refuses every service start. Services that an earlier install started are left alone.
installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]; }
db_pkgs=(postgresql-15 postgresql-client-15 postgresql-15-postgis-3 mariadb-server mariadb-client)
need_db=0
for pkg in "${db_pkgs[@]}"; do
  installed "$pkg" || { need_pkgs+=("$pkg"); need_db=1; }
done
if ((${#need_pkgs[@]})); then
  echo "installing: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  own_policy=0
  if ((need_db)); then
    if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
      mkdir -p /etc/postgresql-common
      echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
    fi
    # ucf (postgresql-common's postinst) keeps the file above rather than asking about it.
    export UCF_FORCE_CONFFOLD=1
    # invoke-rc.d and deb-systemd-invoke start nothing while policy-rc.d exits 101; a Docker
    # image ships one already, which stays.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      own_policy=1
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
      printf '#!/bin/sh\n# scripts/test-all.sh: no service starts during its install\nexit 101\n' \
        >/usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
    fi
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  if ((own_policy)); then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi

# --- build once, then run every suite ----------------------------------------------------------
shellcheck -x -P SCRIPTDIR -s sh packaging/bin/*.sh profile.d/seatunnel.sh packaging/rpm/*.sh \
  packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm
shellcheck -x scripts/*.sh scripts/lib/*.sh
cargo build --workspace --all-targets --locked
cargo nextest run --workspace --locked --no-fail-fast

# --- slow suites ---------------------------------------------------------------------------------
if ((quick)); then
  echo "--quick: skipped the packaging and Ansible tests (scripts/test-packages.sh, test-ansible.sh)"
else
  # Both suites install the same two packages (this version and the upgrade): built once here.
  # shellcheck source=scripts/lib/packages.sh
  . scripts/lib/packages.sh
  SEATUNNEL_PACKAGES_DIR="$(mktemp -d /var/tmp/seatunnel-packages.XXXXXX)"
  trap 'rm -rf "$SEATUNNEL_PACKAGES_DIR"' EXIT
  echo "--- building the packages once for the packaging and Ansible tests"
  packages_dir "$SEATUNNEL_PACKAGES_DIR" >/dev/null
  export SEATUNNEL_PACKAGES_DIR
  # Builds the .deb/.rpm and tests them in a booted Debian 12 container (needs root).
  scripts/test-packages.sh
  # Lints the playbooks, checks their templates, and rolls a cluster out to five containers.
  scripts/test-ansible.sh
fi
