#!/usr/bin/env bash
# Builds the seatunnel .deb and .rpm from the release binary.
#
#   scripts/package.sh [--version X.Y.Z] [--out DIR]
#
# --version overrides Cargo.toml's version (the packaging tests build a bumped one to test
# upgrades); --out is where the packages go (default: $CARGO_TARGET_DIR/packages). Installs the
# pinned cargo-deb and cargo-generate-rpm if they are missing or another version.
set -euo pipefail

# Pinned: the generated maintainer-script fragments and the package layout come from these
# tools, so a new version is a reviewed change, not a surprise in CI.
CARGO_DEB_VERSION=3.8.0
CARGO_GENERATE_RPM_VERSION=0.21.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/seatunnel-rs/target}"

version=
out="$CARGO_TARGET_DIR/packages"
while (($#)); do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--version X.Y.Z] [--out DIR]" >&2; exit 2 ;;
  esac
done

need_tool() { # name version crate
  if ! cargo "$1" --version 2>/dev/null | grep -qx "cargo-$1 $2"; then
    echo "installing $3 $2"
    cargo install --locked --quiet --force "$3@$2"
  fi
}
need_tool deb "$CARGO_DEB_VERSION" cargo-deb
need_tool generate-rpm "$CARGO_GENERATE_RPM_VERSION" cargo-generate-rpm
command -v strip >/dev/null || { echo "strip (binutils) is needed" >&2; exit 1; }

cargo build --release --locked --bin seatunnel
bin="$CARGO_TARGET_DIR/release/seatunnel"

# Generated inputs of both packages: the man pages and, for the rpm (cargo-generate-rpm does
# not strip), a stripped binary.
build=packaging/build
rm -rf "$build"
mkdir -p "$build/man" "$out"
"$bin" manpage --dir "$build/man"
gzip -9n "$build"/man/*.1
strip -s -o "$build/seatunnel" "$bin"

deb_args=(--no-build --strip --output "$out")
rpm_args=(--target-dir "$CARGO_TARGET_DIR" --output "$out")
if [[ -n "$version" ]]; then
  deb_args+=(--deb-version "$version-1")
  rpm_args+=(--set-metadata "version = \"$version\"")
fi
cargo deb "${deb_args[@]}"
cargo generate-rpm "${rpm_args[@]}"
ls -1 "$out"
