# shellcheck shell=bash
# The packages the packaging and Ansible tests install: this version and a bumped one for the
# upgrade tests. Sourced by scripts/test-all.sh, test-packages.sh and test-ansible.sh.

# The version the upgrade tests move to; any version above Cargo.toml's.
UPGRADE_VERSION=99.0.0

# packages_dir DIR: prints a directory holding v1/ (Cargo.toml's version) and v2/
# (UPGRADE_VERSION), each with a .deb and an .rpm. Reuses $SEATUNNEL_PACKAGES_DIR when it holds
# both (test-all.sh builds them once for both test scripts); otherwise builds them into DIR.
packages_dir() {
  local dir=${SEATUNNEL_PACKAGES_DIR:-}
  if [[ -n "$dir" ]] && compgen -G "$dir/v1/seatunnel_*.deb" >/dev/null &&
    compgen -G "$dir/v2/seatunnel_*.deb" >/dev/null; then
    printf '%s\n' "$dir"
    return
  fi
  scripts/package.sh --out "$1/v1" >/dev/null
  scripts/package.sh --version "$UPGRADE_VERSION" --out "$1/v2" >/dev/null
  printf '%s\n' "$1"
}
