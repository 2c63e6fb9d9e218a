#!/usr/bin/env bash
# Ansible tests: ansible-lint (production profile) and --syntax-check of every playbook, the
# role's templates rendered for a 3-master/5-worker inventory against ansible/tests/expected/
# (and checked by `seatunnel config check`), then a real rollout: five Debian 12 containers
# booted with systemd-nspawn on a private bridge, reached by Ansible over SSH, and site.yml,
# a second site.yml (changed=0), a one-host config change, and rolling_upgrade.yml to a bumped
# package while a long job runs.
#
# Needs root, debootstrap and systemd-nspawn; installs what it lacks with apt, and pinned
# ansible-core and ansible-lint from PyPI into a venv under $SEATUNNEL_CACHE. It fails loudly
# when a container cannot boot; it never skips.
#   scripts/test-ansible.sh            everything
#   SEATUNNEL_UPDATE_GOLDEN=1 ...      rewrite ansible/tests/expected from the rendering first
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=scripts/lib/container.sh
. scripts/lib/container.sh
# shellcheck source=scripts/lib/packages.sh
. scripts/lib/packages.sh

# Pinned: lint findings and module behaviour change between versions.
ANSIBLE_CORE_VERSION=2.19.14
ANSIBLE_LINT_VERSION=26.10.1
# The containers' bridge and addresses (a TEST-NET-like private range unlikely to be in use).
BRIDGE=stansible0
SUBNET=10.213.77
MASTERS=(st-m1 st-m2 st-m3)
WORKERS=(st-w1 st-w2)
# A job must end within this on a loaded 2-core machine (seconds).
JOB_DEADLINE=240
SSH_DEADLINE=60
# The job that runs through the rolling upgrade: 2 readers x 30 splits, 2 s apart, so one
# attempt takes about 60 s, longer than the upgrade needs after the last worker's restart.
LONG_JOB_SPLITS=30
LONG_JOB_INTERVAL_MS=2000
LONG_JOB_ROWS=300

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/seatunnel-rs/target}"
cache="${SEATUNNEL_CACHE:-$HOME/.cache/seatunnel-rs}"
work="$(mktemp -d /var/tmp/seatunnel-ansible.XXXXXX)"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# Each step line also says how long the one before it took.
step_began=$SECONDS
step() {
  echo "--- $* (previous step: $((SECONDS - step_began)) s)"
  step_began=$SECONDS
}
cleanup() {
  containers_stop_all || true
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

[[ $(id -u) == 0 ]] || fail "the Ansible tests need root (debootstrap, systemd-nspawn, a bridge)"
ensure_apt_packages debootstrap systemd-container python3-venv openssh-client iproute2 binutils

# --- tools ---------------------------------------------------------------------------------------
venv="$cache/ansible-venv-$ANSIBLE_CORE_VERSION-$ANSIBLE_LINT_VERSION"
if [[ ! -x "$venv/bin/ansible-lint" ]]; then
  step "installing ansible-core $ANSIBLE_CORE_VERSION and ansible-lint $ANSIBLE_LINT_VERSION"
  rm -rf "$venv"
  # Debian's python: ansible-core needs 3.11, which bookworm has.
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q "ansible-core==$ANSIBLE_CORE_VERSION" "ansible-lint==$ANSIBLE_LINT_VERSION"
fi
export PATH="$venv/bin:$PATH"
export ANSIBLE_CONFIG="$here/ansible/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

# --- static checks -------------------------------------------------------------------------------
step "ansible-lint --profile production"
(cd ansible && ansible-lint --profile production --offline --nocolor) >"$work/lint.log" 2>&1 || {
  cat "$work/lint.log"
  fail "ansible-lint found problems"
}
step "syntax check of every playbook"
for playbook in site.yml rolling_upgrade.yml start.yml stop.yml tests/render.yml; do
  ansible-playbook --syntax-check -i ansible/inventory/example.yml "ansible/$playbook" >/dev/null ||
    fail "syntax check of $playbook"
done
graph="$(ansible-inventory -i ansible/inventory/example.yml --graph)"
for group in seatunnel_masters seatunnel_workers; do
  grep -q "@$group" <<<"$graph" || fail "the example inventory lacks the group $group"
done

# --- packages ------------------------------------------------------------------------------------
step "the packages (this version and $UPGRADE_VERSION)"
pkgs="$(packages_dir "$work")"
deb="$(ls "$pkgs"/v1/seatunnel_*.deb)"
deb2="$(ls "$pkgs"/v2/seatunnel_*.deb)"

# --- templates against golden files ----------------------------------------------------------------
step "templates for a 3-master/5-worker inventory against ansible/tests/expected"
ansible-playbook -i ansible/tests/inventory-3m5w.yml ansible/tests/render.yml \
  -e "render_dir=$work/render" >"$work/render.log" 2>&1 || {
  cat "$work/render.log"
  fail "rendering the templates failed"
}
if [[ -n "${SEATUNNEL_UPDATE_GOLDEN:-}" ]]; then
  rm -rf ansible/tests/expected
  cp -r "$work/render" ansible/tests/expected
  echo "rewrote ansible/tests/expected"
fi
diff -ru ansible/tests/expected "$work/render" ||
  fail "rendered files differ from ansible/tests/expected (SEATUNNEL_UPDATE_GOLDEN=1 rewrites them after review)"
# Each host's files, over the shipped seatunnel.yaml, load as the node would load them.
# --for-another-host: the files name the inventory's addresses, none of which is this machine's,
# so whether the member list names "this node" is checked on each host by the role instead.
for dir in "$work"/render/*/; do
  role=master
  [[ -f "$dir/hazelcast-worker.yaml" ]] && role=worker
  cp etc/seatunnel.yaml "$dir/"
  "$CARGO_TARGET_DIR/release/seatunnel" config check --role "$role" --quiet --for-another-host \
    --config "$dir/seatunnel.yaml" ||
    fail "the files rendered for $(basename "$dir") do not pass seatunnel config check"
done

# --- five containers on a bridge, reached over SSH ------------------------------------------------
step "booting ${#MASTERS[@]} masters and ${#WORKERS[@]} workers"
base="$(rootfs_base "$cache")"
ip link del "$BRIDGE" 2>/dev/null || true
ip link add "$BRIDGE" type bridge
ip addr add "$SUBNET.1/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"
declare -A ADDR=()
n=0
for name in "${MASTERS[@]}" "${WORKERS[@]}"; do
  n=$((n + 1))
  ADDR[$name]="$SUBNET.$((10 + n))"
  dir="$work/$name"
  rootfs_overlay "$base" "$dir"
  install -d -m 0700 "$dir/root/.ssh"
  install -m 0600 "$work/id_ed25519.pub" "$dir/root/.ssh/authorized_keys"
  container_boot "$dir" "$name" --network-bridge="$BRIDGE"
  in_ct ip addr add "${ADDR[$name]}/24" dev host0
  in_ct ip link set host0 up
  in_ct ip route add default via "$SUBNET.1"
done
ssh_opts=(-i "$work/id_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=no
  -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5)
for name in "${!ADDR[@]}"; do
  wait_until "$SSH_DEADLINE" "ssh to $name" ssh "${ssh_opts[@]}" "root@${ADDR[$name]}" true
done

# The inventory Ansible uses; $1 adds host variables to st-w1.
write_inventory() {
  {
    echo "all:"
    echo "  children:"
    echo "    seatunnel_masters:"
    echo "      hosts:"
    for name in "${MASTERS[@]}"; do
      printf '        %s:\n          ansible_host: %s\n' "$name" "${ADDR[$name]}"
    done
    echo "    seatunnel_workers:"
    echo "      hosts:"
    for name in "${WORKERS[@]}"; do
      printf '        %s:\n          ansible_host: %s\n' "$name" "${ADDR[$name]}"
      [[ $name == st-w1 && -n "${1:-}" ]] && printf '%s\n' "$1"
    done
    echo "  vars:"
    echo "    ansible_user: root"
    echo "    seatunnel_cluster_name: st-ansible"
  } >"$work/inventory.yml"
}

export ANSIBLE_PRIVATE_KEY_FILE="$work/id_ed25519" ANSIBLE_HOST_KEY_CHECKING=False
export ANSIBLE_SSH_ARGS="-o UserKnownHostsFile=/dev/null -o ControlMaster=auto -o ControlPersist=120s"

# play LOG PLAYBOOK [ARGS...]: runs a playbook against the containers; fails with its output.
play() {
  local log="$work/$1" playbook=$2
  shift 2
  ansible-playbook -i "$work/inventory.yml" "ansible/$playbook" "$@" >"$log" 2>&1 || {
    tail -80 "$log"
    fail "ansible-playbook $playbook failed (log above)"
  }
  sed -n '/^PLAY RECAP/,$p' "$log"
}

# The recap's changed= count of host $2 in log $1.
changed_count() {
  sed -n "s/^$2 *:.* changed=\([0-9]*\) .*/\1/p" "$work/$1"
}

# ct NAME COMMAND...: runs a command in a container.
ct() {
  local name=$1
  shift
  ct_use "$name"
  in_ct "$@"
}

main_pid() { ct "$1" systemctl show -P MainPID "seatunnel-$2"; }
started_at() { ct "$1" systemctl show -P ActiveEnterTimestampMonotonic "seatunnel-$2"; }
role_of() { [[ " ${MASTERS[*]} " == *" $1 "* ]] && echo master || echo worker; }

# members NAME: /members as node NAME answers it, one "ROLE address" line per member.
members() {
  ct "$1" curl -sf localhost:8080/members |
    python3 -c 'import json,sys; [print(m["role"].replace(" ", "_"), m["address"]) for m in json.load(sys.stdin)]'
}

# submit NAME JOB_JSON: submits through node NAME's REST API; prints the job id.
submit() {
  ct "$1" curl -sf -XPOST "localhost:8080/submit-job?format=json" -d "$2" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])'
}
job_status() {
  ct "$1" curl -sf "localhost:8080/job-info/$2" |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("jobStatus", ""))'
}
# job_story ID: what the masters logged about jobs (placements, restarts, ends) and workers, for a
# failure message that says why.
job_story() {
  local name
  for name in "${MASTERS[@]}"; do
    echo "--- $name: job $1" >&2
    ct "$name" journalctl -u seatunnel-master -o short-monotonic --no-pager |
      grep -E "pipeline|job|worker is stopped|worker registered|active master" >&2 || true
  done
}
# A batch job from FakeSource to Assert, which fails the job unless exactly ROWS rows arrive.
assert_job() { # ROWS_PER_READER SPLITS INTERVAL_MS
  local total=$(($1 * 2))
  cat <<JSON
{"env": {"parallelism": 2, "job.mode": "BATCH", "job.retry.interval.seconds": 1},
 "source": [{"plugin_name": "FakeSource", "row.num": $1, "split.num": $2,
   "split.read-interval": $3, "schema": {"fields": {"name": "string", "age": "int"}}}],
 "sink": [{"plugin_name": "Assert", "rules": {"row_rules": [
   {"rule_type": "MIN_ROW", "rule_value": $total}, {"rule_type": "MAX_ROW", "rule_value": $total}]}}]}
JSON
}
wait_job_end() { # NAME ID → prints the final status
  local deadline=$((SECONDS + JOB_DEADLINE)) s
  while :; do
    s="$(job_status "$1" "$2" || true)"
    case $s in FINISHED | FAILED | CANCELED) echo "$s"; return 0 ;; esac
    ((SECONDS < deadline)) || { echo "TIMEOUT ($s)"; return 0; }
    sleep 1
  done
}

# --- site.yml ------------------------------------------------------------------------------------
step "site.yml installs ${deb##*/} and starts the cluster"
write_inventory
play site-1.log site.yml -e "seatunnel_package_file=$deb"
for name in "${MASTERS[@]}" "${WORKERS[@]}"; do
  view="$(members "$name")" || fail "/members does not answer on $name"
  [[ "$(grep -c '^ACTIVE_MASTER ' <<<"$view")" == 1 ]] || fail "$name: not one ACTIVE MASTER: $view"
  [[ "$(grep -c '^ACTIVE_MASTER \|^MASTER ' <<<"$view")" == 3 ]] || fail "$name: not 3 masters: $view"
  [[ "$(grep -c '^WORKER ' <<<"$view")" == 2 ]] || fail "$name: not 2 workers: $view"
done
echo "every node lists 3 masters (one active) and 2 workers"

step "a job submitted through a worker and one through a master finish"
for name in st-w2 st-m3; do
  id="$(submit "$name" "$(assert_job 500 1 0)")" || fail "submit through $name"
  status="$(wait_job_end "$name" "$id")"
  [[ $status == FINISHED ]] || fail "job $id through $name ended $status"
  echo "job $id through $name: $status"
done

step "a second site.yml changes nothing"
play site-2.log site.yml -e "seatunnel_package_file=$deb"
for name in "${MASTERS[@]}" "${WORKERS[@]}"; do
  [[ "$(changed_count site-2.log "$name")" == 0 ]] || fail "the second run changed $name"
done

step "a config change on one worker restarts only that worker"
declare -A PID=()
for name in "${MASTERS[@]}" "${WORKERS[@]}"; do PID[$name]="$(main_pid "$name" "$(role_of "$name")")"; done
write_inventory "          seatunnel_member_attributes: {zone: ansible-a}"
play site-3.log site.yml -e "seatunnel_package_file=$deb"
for name in "${MASTERS[@]}" "${WORKERS[@]}"; do
  now="$(main_pid "$name" "$(role_of "$name")")"
  if [[ $name == st-w1 ]]; then
    [[ $now != "${PID[$name]}" ]] || fail "st-w1 was not restarted after its tags changed"
  else
    [[ $now == "${PID[$name]}" ]] || fail "$name was restarted though nothing of it changed"
  fi
done
ct st-m1 curl -sf 'localhost:8080/overview?zone=ansible-a' >"$work/overview.json"
grep -q '"workers":"1"' "$work/overview.json" || fail "the new tag does not select st-w1: $(cat "$work/overview.json")"

step "rolling_upgrade.yml to $UPGRADE_VERSION while a long job runs"
for name in "${MASTERS[@]}" "${WORKERS[@]}"; do PID[$name]="$(main_pid "$name" "$(role_of "$name")")"; done
active="$(members st-m1 | sed -n 's/^ACTIVE_MASTER //p')"
long_id="$(submit st-m2 "$(assert_job "$LONG_JOB_ROWS" "$LONG_JOB_SPLITS" "$LONG_JOB_INTERVAL_MS")")"
job_runs() { [[ "$(job_status st-m2 "$long_id")" == RUNNING ]]; }
wait_until 60 "the long job runs" job_runs
play upgrade.log rolling_upgrade.yml -e "seatunnel_package_file=$deb2"
status="$(job_status st-m1 "$long_id")"
[[ $status == RUNNING ]] || {
  job_story "$long_id"
  fail "the long job is $status right after the upgrade; it should still run"
}
echo "the long job $long_id still runs after the upgrade"
declare -A START=()
for name in "${MASTERS[@]}" "${WORKERS[@]}"; do
  role="$(role_of "$name")"
  # shellcheck disable=SC2016 # dpkg's format, not the shell's
  [[ "$(ct "$name" dpkg-query -W -f '${Version}' seatunnel)" == "$UPGRADE_VERSION-1" ]] ||
    fail "$name does not have $UPGRADE_VERSION installed"
  [[ "$(main_pid "$name" "$role")" != "${PID[$name]}" ]] || fail "$name was not restarted by the upgrade"
  START[$name]="$(started_at "$name" "$role")"
done
# Order: standby masters, then the one that was active, then the workers, one at a time.
order="$(for name in "${!START[@]}"; do echo "${START[$name]} $name"; done | sort -n | awk '{print $2}' | tr '\n' ' ')"
echo "restart order: $order(active was $active)"
read -r -a seq <<<"$order"
for i in 0 1 2; do [[ " ${MASTERS[*]} " == *" ${seq[$i]} "* ]] || fail "a worker restarted before the masters: $order"; done
[[ "$active" == "${ADDR[${seq[2]}]}:5801" ]] || fail "the active master ($active) was not the last master restarted: $order"
status="$(wait_job_end st-m1 "$long_id")"
[[ $status == FINISHED ]] || {
  ct st-m1 curl -sf "localhost:8080/job-info/$long_id" || true
  job_story "$long_id"
  fail "the long job ended $status"
}
echo "the long job FINISHED with exactly $((LONG_JOB_ROWS * 2)) rows (Assert MIN_ROW = MAX_ROW)"

step "stop.yml stops every node; start.yml brings the cluster back"
play stop.log stop.yml
for name in "${MASTERS[@]}" "${WORKERS[@]}"; do
  state="$(ct "$name" systemctl is-active "seatunnel-$(role_of "$name")" || true)"
  [[ $state == inactive ]] || fail "seatunnel-$(role_of "$name") on $name is $state after stop.yml"
done
play start.log start.yml
for name in "${MASTERS[@]}" "${WORKERS[@]}"; do
  view="$(members "$name")" || fail "/members does not answer on $name after start.yml"
  [[ "$(grep -c '^ACTIVE_MASTER ' <<<"$view")" == 1 && "$(grep -c '^WORKER ' <<<"$view")" == 2 ]] ||
    fail "$name after start.yml: $view"
done
# The job history survived the stop: it lives in the masters' replicated state.
[[ "$(job_status st-m3 "$long_id")" == FINISHED ]] || fail "the long job's record did not survive stop/start"

step "a node that cannot come up stops start.yml with its journal"
# Something else holds st-w2's REST port: the worker cannot start, and the play must stop there
# and show why, instead of waiting forever or passing.
ct st-w2 systemctl stop seatunnel-worker
ct st-w2 systemd-run --quiet --unit=port-squatter python3 -m http.server 8080
wait_until 30 "the port squatter listens on st-w2" ct st-w2 curl -sf -o /dev/null localhost:8080/
if ansible-playbook -i "$work/inventory.yml" ansible/start.yml -e seatunnel_health_timeout=20 \
  >"$work/start-broken.log" 2>&1; then
  fail "start.yml passed though seatunnel-worker on st-w2 could not start"
fi
grep -q 'seatunnel-worker on st-w2 did not come up' "$work/start-broken.log" ||
  { tail -40 "$work/start-broken.log"; fail "the failure does not name the node"; }
for needle in 'journalctl -u seatunnel-worker:' 'cannot bind the REST port'; do
  grep -q "$needle" "$work/start-broken.log" ||
    { tail -40 "$work/start-broken.log"; fail "the failure does not show the journal's reason"; }
done
echo "start.yml stopped at st-w2 and showed its journal:"
grep -m1 -o 'cannot bind the REST port[^"\\]*' "$work/start-broken.log"
ct st-w2 systemctl stop port-squatter
ct st-w2 systemctl reset-failed seatunnel-worker
play start-again.log start.yml

echo "ansible tests: all passed (last step: $((SECONDS - step_began)) s, all: $SECONDS s)"
