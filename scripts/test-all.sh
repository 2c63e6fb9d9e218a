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
if ((${#need_pkgs[@]})); then
  echo "installing: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
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
