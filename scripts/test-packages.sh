#!/usr/bin/env bash
# Packaging tests: builds the .deb and .rpm, lints them, checks their file lists, modes,
# conffiles and scriptlets, checks the units with systemd-analyze, then boots Debian 12 with
# systemd-nspawn and walks the operator's path inside it: install, configure, start, a job
# through REST, the journal, a login shell, a broken config, an upgrade, remove and purge.
# The RPM gets the checks that run on Debian: file list, scriptlets, and rpm -i/-U/-e --root.
#
# Needs root and systemd-nspawn; installs what it lacks with apt (and rpmlint from PyPI). The
# Debian rootfs is built once with debootstrap and cached in $SEATUNNEL_CACHE. It fails loudly
# when a container cannot boot; it never skips.
# Single quotes below are deliberate: the text is expanded inside the container, or by dpkg.
# shellcheck disable=SC2016
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=scripts/lib/container.sh
. scripts/lib/container.sh
# shellcheck source=scripts/lib/packages.sh
. scripts/lib/packages.sh

# Pinned like the package tools: rpmlint's findings change between versions.
RPMLINT_VERSION=2.10.0
# A job and the node must come up within these (seconds); a loaded 2-core machine included.
START_DEADLINE=120
JOB_DEADLINE=180
# How long a unit that failed on a bad config is watched for restarts: past RestartSec=5s.
NO_RESTART_WATCH=12
# The highest `systemd-analyze security` exposure allowed, times ten (2.5).
SECURITY_THRESHOLD=25

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/seatunnel-rs/target}"
cache="${SEATUNNEL_CACHE:-$HOME/.cache/seatunnel-rs}"
work="$(mktemp -d /var/tmp/seatunnel-packaging.XXXXXX)"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() { echo "--- $*"; }
cleanup() {
  containers_stop_all || true
  rm -rf "$work"
}
trap cleanup EXIT

[[ $(id -u) == 0 ]] || fail "the packaging tests need root (debootstrap, systemd-nspawn, dpkg)"
ensure_apt_packages debootstrap systemd-container lintian rpm python3-rpm python3-venv binutils

# --- build ---------------------------------------------------------------------------------------
step "the packages ($version and the upgrade $UPGRADE_VERSION)"
pkgs="$(packages_dir "$work")"
deb="$(ls "$pkgs"/v1/seatunnel_*.deb)"
deb2="$(ls "$pkgs"/v2/seatunnel_*.deb)"
rpm_file="$(ls "$pkgs"/v1/seatunnel-*.rpm)"
rpm2="$(ls "$pkgs"/v2/seatunnel-*.rpm)"

# --- lint ----------------------------------------------------------------------------------------
step "lintian (errors and warnings fail)"
lintian --fail-on error,warning --display-info --tag-display-limit 0 "$deb"

step "rpmlint $RPMLINT_VERSION (reported, not a gate)"
venv="$cache/venv-rpmlint-$RPMLINT_VERSION"
if [[ ! -x "$venv/bin/rpmlint" ]]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install --quiet "rpmlint==$RPMLINT_VERSION"
fi
"$venv/bin/rpmlint" "$rpm_file" || echo "(rpmlint findings above are reported only)"

# --- contents ------------------------------------------------------------------------------------
step "file lists, modes and conffiles match packaging/tests/"
expect_same() { # name expected-file actual-text
  if ! diff -u "$2" <(printf '%s\n' "$3"); then
    fail "$1 differs from $2 (update the file if the change is intended)"
  fi
}
deb_files="$(dpkg-deb -c "$deb" | awk '{ p = $6; if ($7 == "->") p = p " -> " $8; print $1, $2, p }' |
  sed 's#\./#/#' | sort -k3)"
expect_same "deb file list" packaging/tests/deb-files.txt "$deb_files"
deb_conffiles="$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | sort)"
expect_same "deb conffiles" packaging/tests/deb-conffiles.txt "$deb_conffiles"
rpm_files="$(rpm -qp --qf '[%{FILENAMES}\t%{FILEMODES:perms} %{FILEUSERNAME}/%{FILEGROUPNAME} (%{FILEFLAGS:fflags}) %{FILENAMES}\n]' "$rpm_file" |
  sort | cut -f2-)"
expect_same "rpm file list" packaging/tests/rpm-files.txt "$rpm_files"
scripts_text="$(rpm -qp --scripts "$rpm_file")"
for needle in "useradd --system" "systemctl try-restart" "disable --now" 'if [ "$1" -eq 0 ]'; do
  grep -qF -- "$needle" <<<"$scripts_text" || fail "rpm scriptlets lack: $needle"
done
for script in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$script" >"$work/$script"
  grep -q '#DEBHELPER#' "$work/$script" && fail "$script still holds the #DEBHELPER# token"
  sh -n "$work/$script" || fail "$script is not valid sh"
done
grep -q 'deb-systemd-invoke try-restart' "$work/postinst" || fail "postinst does not try-restart on upgrade"
grep -q 'systemd-sysusers' "$work/postinst" || fail "postinst does not create the user"

# --- units ---------------------------------------------------------------------------------------
step "systemd-analyze security (at most $((SECURITY_THRESHOLD / 10)).$((SECURITY_THRESHOLD % 10)))"
for unit in seatunnel-master seatunnel-worker; do
  systemd-analyze security --offline=true --no-pager --threshold="$SECURITY_THRESHOLD" \
    "systemd/$unit.service" | tail -1
done

# --- RPM in a root -------------------------------------------------------------------------------
step "rpm -i / -U / -e --root (scriptlets run in a Debian chroot without systemd)"
base="$(rootfs_base "$cache")"
rpmroot="$work/rpmroot"
cp -a "$base" "$rpmroot"
rpm --root "$rpmroot" --initdb
rpm --root "$rpmroot" -i --nodeps "$rpm_file"
chroot "$rpmroot" getent passwd seatunnel | grep -q ':/var/lib/seatunnel:/sbin/nologin$' ||
  fail "rpm %pre did not create the seatunnel user"
# Names resolved inside the chroot: its seatunnel group has a gid the host may give another name.
[[ "$(chroot "$rpmroot" stat -c '%U:%G %a' /etc/seatunnel/seatunnel.yaml)" == "root:seatunnel 640" ]] ||
  fail "rpm: seatunnel.yaml is not root:seatunnel 0640"
[[ "$(chroot "$rpmroot" stat -c '%G %a' /etc/seatunnel/seatunnel.d)" == "seatunnel 750" ]] ||
  fail "rpm: seatunnel.d is not group seatunnel 0750"
[[ "$(readlink "$rpmroot/usr/share/seatunnel/config/seatunnel.yaml")" == /etc/seatunnel/seatunnel.yaml ]] ||
  fail "rpm: \$SEATUNNEL_HOME/config does not point at /etc/seatunnel"
echo "# edited by the rpm upgrade test" >>"$rpmroot/etc/sysconfig/seatunnel"
edited="$(md5sum <"$rpmroot/etc/sysconfig/seatunnel")"
rpm --root "$rpmroot" -U --nodeps "$rpm2"
[[ "$(md5sum <"$rpmroot/etc/sysconfig/seatunnel")" == "$edited" ]] || fail "rpm -U replaced an edited config"
[[ "$(rpm --root "$rpmroot" -q --qf '%{VERSION}' seatunnel)" == "$UPGRADE_VERSION" ]] || fail "rpm -U did not upgrade"
[[ -L "$rpmroot/usr/share/seatunnel/config/seatunnel.yaml" ]] || fail "rpm -U lost the config links"
rpm --root "$rpmroot" -e seatunnel
[[ -e "$rpmroot/etc/sysconfig/seatunnel.rpmsave" ]] || fail "rpm -e did not keep the edited config as .rpmsave"
[[ ! -e "$rpmroot/usr/share/seatunnel/config/seatunnel.yaml" && ! -e "$rpmroot/usr/bin/seatunnel" ]] ||
  fail "rpm -e left files behind"

# --- Debian 12 under systemd ---------------------------------------------------------------------
step "booting Debian 12 with systemd-nspawn"
rootfs_overlay "$base" "$work/ct"
container_boot "$work/ct" seatunnel-pkg
cp "$deb" "$deb2" "$work/ct/root/"

step "apt install: nothing enabled or started"
in_ct apt-get install -y -q "/root/$(basename "$deb")" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "apt install failed"; }
grep -q "neither service is enabled or started" "$work/install.log" || fail "postinst did not say what to do next"
for unit in seatunnel-master seatunnel-worker; do
  [[ "$(in_ct systemctl is-enabled "$unit" || true)" == disabled ]] || fail "$unit is enabled after install"
  [[ "$(in_ct systemctl is-active "$unit" || true)" == inactive ]] || fail "$unit is running after install"
  in_ct systemd-analyze verify --man=no "/usr/lib/systemd/system/$unit.service" ||
    fail "systemd-analyze verify $unit"
done
in_ct getent passwd seatunnel | grep -q ':/var/lib/seatunnel:/usr/sbin/nologin$' || fail "no seatunnel system user"
[[ "$(in_ct stat -c '%U:%G %a' /etc/seatunnel /etc/seatunnel/seatunnel.d /etc/seatunnel/seatunnel.yaml /etc/default/seatunnel | tr '\n' ' ')" == \
  "root:seatunnel 750 root:seatunnel 750 root:seatunnel 640 root:seatunnel 640 " ]] ||
  fail "/etc/seatunnel ownership or modes are wrong"
[[ -z "$(in_ct ls -A /etc/seatunnel/seatunnel.d)" ]] || fail "seatunnel.d is not empty after install"

step "configure and start both roles"
in_ct sh -c 'cat >/etc/seatunnel/seatunnel.d/50-cluster.yaml' <<'YAML'
seatunnel:
  engine:
    http:
      port: 8080
      # A master and a worker on one host: the second to start takes 8081.
      enable-dynamic-port: true
hazelcast:
  cluster-name: packaging-test
  network:
    join:
      tcp-ip:
        member-list:
          - localhost:5801
          - localhost:5802
YAML
in_ct systemctl start seatunnel-master seatunnel-worker
for unit in seatunnel-master seatunnel-worker; do
  [[ "$(in_ct systemctl is-active "$unit" || true)" == active ]] || {
    in_ct journalctl -u "$unit" --no-pager | tail -30
    fail "$unit is not active after start"
  }
done
wait_until "$START_DEADLINE" "the master reports itself active in StatusText" \
  in_ct sh -c 'systemctl show -P StatusText seatunnel-master | grep -q "^ACTIVE MASTER"'
wait_until "$START_DEADLINE" "the worker reports the active master in StatusText" \
  in_ct sh -c 'systemctl show -P StatusText seatunnel-worker | grep -vq "active master unknown"'
echo "master: $(in_ct systemctl show -P StatusText seatunnel-master)"
echo "worker: $(in_ct systemctl show -P StatusText seatunnel-worker)"
master_pid="$(in_ct systemctl show -P MainPID seatunnel-master)"
# LimitNOFILE=1048576 is capped by the hard limit systemd itself got (a sandbox may give less);
# the node raises its soft limit to the hard one either way.
read -r soft hard <<<"$(in_ct awk '/^Max open files/ { print $4, $5 }' "/proc/$master_pid/limits")"
echo "master open files: soft $soft, hard $hard"
[[ "$soft" == "$hard" && "$soft" -gt 1024 ]] || fail "the open file limit was not raised ($soft/$hard)"

step "a job submitted through REST finishes"
wait_until "$START_DEADLINE" "the master's REST API answers" in_ct curl -sf -o /dev/null localhost:8080/overview
job_id="$(in_ct curl -sf -XPOST 'localhost:8080/submit-job?jobName=packaging-test' -d '{
  "env": {"job.mode": "BATCH", "parallelism": 2},
  "source": [{"plugin_name": "FakeSource", "plugin_output": "fake", "row.num": 50,
              "schema": {"fields": {"name": "string", "age": "int"}}}],
  "sink": [{"plugin_name": "Assert", "plugin_input": "fake",
            "rules": {"row_rules": [{"rule_type": "MIN_ROW", "rule_value": 100},
                                    {"rule_type": "MAX_ROW", "rule_value": 100}]}}]}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["jobId"])')"
echo "job $job_id submitted"
wait_until "$JOB_DEADLINE" "job $job_id FINISHED" \
  in_ct sh -c "curl -sf localhost:8080/job-info/$job_id | grep -q '\"jobStatus\":\"FINISHED\"'"

step "the journal has the identifiers, priorities and job fields"
in_ct journalctl -u seatunnel-master -o json --no-pager >"$work/master.json"
python3 - "$work/master.json" "$job_id" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ours = [l for l in lines if l.get("SYSLOG_IDENTIFIER") == "seatunnel-master"]
assert ours, "no journal line with SYSLOG_IDENTIFIER=seatunnel-master"
assert {l.get("PRIORITY") for l in ours} <= set("01234567"), "a line without a valid PRIORITY"
assert any(l.get("PRIORITY") == "5" for l in ours), "no info (PRIORITY=5) line"
job = [l for l in ours if l.get("JOB_ID") == sys.argv[2]]
assert job, f"no line with JOB_ID={sys.argv[2]}"
assert all("CODE_FILE" in l and "TARGET" in l for l in job), "job lines lack CODE_FILE/TARGET"
print(f"{len(ours)} master lines, {len(job)} about job {sys.argv[2]}")
PY

step "a login shell has SEATUNNEL_HOME, and SeaTunnel's quick start works"
shell_env="$(in_ct bash -lc 'echo "$SEATUNNEL_HOME"; . /etc/profile.d/seatunnel.sh; echo "$PATH"')"
[[ "$(head -1 <<<"$shell_env")" == /usr/share/seatunnel ]] || fail "login shell: SEATUNNEL_HOME is '$(head -1 <<<"$shell_env")'"
[[ "$(tail -1 <<<"$shell_env" | tr ':' '\n' | grep -cx /usr/share/seatunnel/bin)" == 1 ]] ||
  fail "login shell: \$SEATUNNEL_HOME/bin is not on PATH exactly once"
in_ct bash -lc '$SEATUNNEL_HOME/bin/seatunnel.sh --config $SEATUNNEL_HOME/config/v2.batch.config.template -m local' \
  >"$work/quickstart.log" 2>&1 || { tail -20 "$work/quickstart.log"; fail "the quick start job failed"; }
grep -Eq "Total Read Count +: +32$" "$work/quickstart.log" || { tail -20 "$work/quickstart.log"; fail "quick start did not read 32 rows"; }

step "a broken config fails the unit once with exit 78, no restart loop"
in_ct sh -c 'printf "seatunnel:\n  engine:\n    backup-count: lots\n" >/etc/seatunnel/seatunnel.d/90-broken.yaml'
in_ct systemctl restart seatunnel-worker && fail "the worker started with a broken config"
watch_until=$((SECONDS + NO_RESTART_WATCH))
while ((SECONDS < watch_until)); do
  [[ "$(in_ct systemctl show -P NRestarts seatunnel-worker)" == 0 ]] || fail "the worker was restarted on a bad config"
  [[ "$(in_ct systemctl is-active seatunnel-worker || true)" == failed ]] || fail "the worker is not failed"
  sleep 1 # watching that nothing happens: a poll interval, not a wait for a condition
done
in_ct systemctl show -p ExecStartPre seatunnel-worker | grep -q 'status=78' || fail "the config check did not exit 78"
[[ "$(in_ct systemctl show -P ExecMainStatus seatunnel-worker)" == 78 ]] || fail "the worker did not exit 78"
in_ct journalctl -u seatunnel-worker --no-pager | grep -q '90-broken.yaml:3.*backup-count' ||
  fail "the journal does not name the file, line and key"
in_ct rm /etc/seatunnel/seatunnel.d/90-broken.yaml
in_ct systemctl reset-failed seatunnel-worker

step "upgrade keeps edited conffiles, restarts the running unit, leaves the stopped one"
in_ct sh -c 'echo "# edited by the upgrade test" >>/etc/seatunnel/seatunnel.yaml'
in_ct sh -c 'echo "RUST_LOG=info" >>/etc/default/seatunnel'
sums="$(in_ct md5sum /etc/seatunnel/seatunnel.yaml /etc/default/seatunnel /etc/seatunnel/seatunnel.d/50-cluster.yaml)"
[[ "$(in_ct systemctl is-active seatunnel-worker || true)" != active ]] || fail "the worker should be stopped here"
in_ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/root/$(basename "$deb2")" </dev/null >"$work/upgrade.log" 2>&1 ||
  { cat "$work/upgrade.log"; fail "apt upgrade failed"; }
[[ "$(in_ct dpkg-query -W -f '${Version}' seatunnel)" == "$UPGRADE_VERSION-1" ]] || fail "not upgraded"
[[ "$(in_ct md5sum /etc/seatunnel/seatunnel.yaml /etc/default/seatunnel /etc/seatunnel/seatunnel.d/50-cluster.yaml)" == "$sums" ]] ||
  fail "the upgrade changed an edited conffile or a drop-in"
new_pid="$(in_ct systemctl show -P MainPID seatunnel-master)"
[[ "$new_pid" != "$master_pid" && "$new_pid" != 0 ]] || fail "the running master was not restarted"
[[ "$(in_ct systemctl is-active seatunnel-master || true)" == active ]] || fail "the master is not active after the upgrade"
[[ "$(in_ct systemctl is-active seatunnel-worker || true)" == inactive ]] || fail "the stopped worker was started by the upgrade"

step "remove stops and disables; purge deletes config and state"
in_ct systemctl enable seatunnel-master >/dev/null 2>&1
in_ct apt-get remove -y -q seatunnel >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "apt remove failed"; }
[[ "$(in_ct systemctl is-active seatunnel-master || true)" != active ]] || fail "remove left the master running"
in_ct test ! -e /etc/systemd/system/multi-user.target.wants/seatunnel-master.service || fail "remove left the master enabled"
in_ct test -e /etc/seatunnel/seatunnel.yaml || fail "remove deleted the configuration"
in_ct test ! -e /usr/bin/seatunnel || fail "remove left the binary"
in_ct apt-get purge -y -q seatunnel >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "apt purge failed"; }
for path in /etc/seatunnel /var/lib/seatunnel /var/log/seatunnel /etc/default/seatunnel; do
  in_ct test ! -e "$path" || fail "purge left $path"
done
[[ -z "$(in_ct dpkg-query -W -f '${Status}' seatunnel 2>/dev/null || true)" ]] || fail "purge left dpkg state"

echo "packaging tests: all passed"
