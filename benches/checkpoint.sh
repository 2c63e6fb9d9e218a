#!/usr/bin/env bash
# Benchmark: checkpoints on a separated cluster of 3 masters and 2 workers, real processes of the
# release binary on loopback, each with its own data dir under a temp dir.
#   1. Throughput cost: a BATCH job, FakeSource (name string, age int; ROWS rows in total,
#      parallelism 2) -> LocalFile text, run with env.checkpoint.interval 1 s and again without
#      checkpoints, in the same run of this script: the time from the first group deployed to
#      the last group ended, from the workers' own log lines (no heartbeat delay in it).
#   2. Checkpoint duration p50/p99: the active master's "checkpoint N completed in X ms" lines
#      of a STREAMING job that reads for about 30 s (rows arriving 4 times a second).
#   3. Recovery time: kill -9 of a worker running the job's groups, until the pipeline runs
#      again on the survivor ("deployed" on it), less job.retry.interval.seconds (set to 1).
# Usage: benches/checkpoint.sh [ROWS] ; SEATUNNEL_BIN=/path/to/seatunnel uses that binary, RUNS=N
# sets how many alternated runs of part 1 (default 3, best of each).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows="${1:-200000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/seatunnel-rs/target}"
if [[ -n "${SEATUNNEL_BIN:-}" ]]; then
  bin="$SEATUNNEL_BIN"
else
  cargo build --release --quiet --manifest-path "$here/Cargo.toml" --bin seatunnel
  bin="$CARGO_TARGET_DIR/release/seatunnel"
fi
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Free loopback ports: ask the kernel for them through python, which every Debian has.
mapfile -t ports < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(10)]
for s in socks: s.bind(("127.0.0.1", 0))
for s in socks: print(s.getsockname()[1])
')
members=""
for i in 0 1 2 3 4; do members+="          - 127.0.0.1:${ports[$i]}"$'\n'; done

node_pid=()
start_node() { # INDEX ROLE
  local i=$1 role=$2 dir="$work/node-$1"
  mkdir -p "$dir"
  printf 'seatunnel:\n  engine:\n    backup-count: 1\n    http:\n      enable-http: true\n      port: %s\n      enable-dynamic-port: false\n' \
    "${ports[$((i + 5))]}" >"$dir/seatunnel.yaml"
  printf 'hazelcast:\n  cluster-name: st-bench\n  network:\n    join:\n      tcp-ip:\n        enabled: true\n        member-list:\n%s    port:\n      auto-increment: false\n      port: %s\n  properties:\n    hazelcast.heartbeat.interval.seconds: 2\n' \
    "$members" "${ports[$i]}" >"$dir/hazelcast-$role.yaml"
  SEATUNNEL_LOG_TARGET=stderr RUST_LOG=info,openraft=warn \
    "$bin" "$role" --config "$dir/seatunnel.yaml" --data-dir "$dir/data" \
    </dev/null >/dev/null 2>>"$dir/log" &
  node_pid[$i]=$!
  pids+=("$!")
}
http() { echo "${ports[$(($1 + 5))]}"; }
for i in 0 1 2; do start_node "$i" master; done
for i in 3 4; do start_node "$i" worker; done

wait_for() { # SECONDS WHAT COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    ((SECONDS < deadline)) || { echo "timed out: $what" >&2; tail -20 "$work"/node-*/log >&2; exit 1; }
    sleep 0.05
  done
}
formed() { [[ "$(curl -sf "localhost:$(http 0)/members" | grep -o '"WORKER"' | wc -l)" == 2 ]]; }
wait_for 60 "the cluster forms" formed

submit() { # JSON → job id
  curl -sf -X POST -H 'Content-Type: application/json' --data "$1" "localhost:$(http 0)/submit-job" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])'
}
info() { curl -sf "localhost:$(http 0)/job-info/$1"; }
received() { info "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metrics"]["SourceReceivedCount"])'; }
stop() { curl -sf -X POST -H 'Content-Type: application/json' --data "{\"jobId\": $1}" "localhost:$(http 0)/stop-job" >/dev/null; }
job() { # MODE CHECKPOINT_ENV ROWS_PER_READER SPLITS READ_INTERVAL_MS OUT
  cat <<JSON
{"env": {"parallelism": 2, "job.mode": "$1", $2 "job.retry.interval.seconds": 1},
 "source": [{"plugin_name": "FakeSource", "plugin_output": "fake", "row.num": $3,
   "split.num": $4, "split.read-interval": $5,
   "schema": {"fields": {"name": "string", "age": "int"}}}],
 "sink": [{"plugin_name": "LocalFile", "plugin_input": "fake", "path": "$6/data",
   "tmp_path": "$6/tmp", "file_format_type": "text"}]}
JSON
}
status() { info "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobStatus"])'; }
# Seconds from the first "deployed job ID" to the last "job ID … ended" in the workers' logs.
group_span() {
  cat "$work"/node-3/log "$work"/node-4/log | python3 -c '
import sys, datetime
job = sys.argv[1]
def at(line):
    return datetime.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()
lines = sys.stdin.read().splitlines()
deployed = [at(l) for l in lines if f"deployed job {job} " in l]
ended = [at(l) for l in lines if f"job {job} pipeline" in l and " ended: FINISHED" in l]
assert deployed and len(ended) == 2, (deployed, ended)
print(max(ended) - min(deployed))
' "$1"
}

# 1. Throughput with and without checkpoints, same cluster, same run.
throughput() { # CHECKPOINT_ENV → seconds the groups ran
  local out="$work/out-tp" id
  rm -rf "$out"
  id=$(submit "$(job BATCH "$1" $((rows / 2)) 1 0 "$out")")
  finished() { [[ "$(status "$id")" == FINISHED ]]; }
  wait_for 900 "the job finishes" finished
  group_span "$id"
  rm -rf "$out"
}
# Alternated, best of RUNS each: the disk and page cache drift between runs.
runs="${RUNS:-3}"
with=""; without=""
best() { if [[ -z "$1" ]] || awk "BEGIN{exit !($2 < $1)}"; then echo "$2"; else echo "$1"; fi; }
for _ in $(seq "$runs"); do
  with=$(best "$with" "$(throughput '"checkpoint.interval": 1000,')")
  without=$(best "$without" "$(throughput '')")
done

# 2. Checkpoint durations over about 30 s of rows.
out="$work/out-durations"
id=$(submit "$(job STREAMING '"checkpoint.interval": 1000,' 120000 120 250 "$out")")
sleep 30
active=$(grep -l "this master is now the active master" "$work"/node-[012]/log | head -1)
mapfile -t durations < <(grep "job_id=$id" "$active" | sed -n 's/.*checkpoint [0-9]* completed in \([0-9]*\) ms.*/\1/p' | sort -n)
(( ${#durations[@]} > 0 )) || { echo "no checkpoint completed" >&2; exit 1; }
p50=${durations[$(( ${#durations[@]} / 2 ))]}
p99=${durations[$(( (${#durations[@]} * 99 + 99) / 100 - 1 ))]}

# 3. Recovery: kill -9 a worker that runs a group of the job, until the survivor deployed them.
victim=""
for i in 3 4; do grep -q "deployed job $id" "$work/node-$i/log" && victim=$i && break; done
survivor=$((victim == 3 ? 4 : 3))
before=$(grep -c "deployed job $id" "$work/node-$survivor/log" || true)
kill_at=$(date +%s.%N)
kill -9 "${node_pid[$victim]}"
redeployed() { (( $(grep -c "deployed job $id" "$work/node-$survivor/log" || true) > before )); }
wait_for 120 "the pipeline runs again" redeployed
recovery=$(awk "BEGIN{print $(date +%s.%N) - $kill_at - 1}")
stop "$id"

awk -v rows="$rows" -v with="$with" -v without="$without" -v n="${#durations[@]}" \
  -v p50="$p50" -v p99="$p99" -v rec="$recovery" 'BEGIN {
  printf "cluster: 3 masters + 2 workers, release binary, loopback\n"
  printf "BATCH FakeSource(name string, age int; %d rows, p=2) -> LocalFile text, groups running, best of alternated runs:\n", rows
  printf "  env.checkpoint.interval 1 s: %.2f s (%.0f rows/s)\n", with, rows / with
  printf "  no checkpoints: %.2f s (%.0f rows/s)\n", without, rows / without
  printf "  throughput cost of checkpoints: %.1f %%\n", (with / without - 1) * 100
  printf "checkpoint duration over %d checkpoints: p50 %d ms, p99 %d ms\n", n, p50, p99
  printf "recovery after kill -9 of a worker (less job.retry.interval.seconds = 1): %.2f s\n", rec
}'
