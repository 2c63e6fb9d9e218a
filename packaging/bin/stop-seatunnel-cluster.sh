#!/bin/sh
# Apache SeaTunnel's bin/stop-seatunnel-cluster.sh for seatunnel-rs: stops the nodes that
# seatunnel-cluster.sh -d started, and only those: the processes its pid files name.
#
#   stop-seatunnel-cluster.sh [-cn|--cluster NAME]
#
# Without -cn every node with a pid file in $SEATUNNEL_PID_DIR stops (SeaTunnel's script stops
# every server on the host); with -cn only that cluster's. Each gets SIGTERM and up to
# SEATUNNEL_STOP_TIMEOUT seconds (default 60) to drain; a node still running then is reported
# and its pid file kept. Pid files naming no live seatunnel process are removed.
set -eu

usage() {
    cat <<'USAGE'
Usage: stop-seatunnel-cluster.sh [options]
  Options:
    -cn, --cluster NAME        Stop only this cluster's nodes (default: every node started with
                               seatunnel-cluster.sh -d; SeaTunnel's default cluster is
                               seatunnel_default_cluster)
    -h, --help                 Show this message
USAGE
}

die() {
    echo "$*" >&2
    exit 1
}

script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
home=${SEATUNNEL_HOME:-$(dirname -- "$script_dir")}
pid_dir=${SEATUNNEL_PID_DIR:-$home/run}
timeout=${SEATUNNEL_STOP_TIMEOUT:-60}
cluster=

while [ $# -gt 0 ]; do
    case $1 in
        -cn | --cluster)
            [ $# -ge 2 ] || die "option $1 needs a value"
            cluster=$2
            shift 2
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            usage >&2
            die "unknown option '$1'"
            ;;
    esac
done
case $timeout in
    '' | *[!0-9]*) die "SEATUNNEL_STOP_TIMEOUT must be a whole number of seconds, got '$timeout'" ;;
esac

# shellcheck source=seatunnel-pidfile.sh
. "$script_dir/seatunnel-pidfile.sh"

if [ -n "$cluster" ]; then
    set -- "$pid_dir/seatunnel-$cluster-master.pid" "$pid_dir/seatunnel-$cluster-worker.pid" \
        "$pid_dir/seatunnel-$cluster-master_and_worker.pid"
else
    set -- "$pid_dir"/seatunnel-*.pid
fi

# Signal every node first, so they drain in parallel. Afterwards the pid files left are exactly
# those of the nodes signalled.
stopping=false
for pid_file in "$@"; do
    [ -f "$pid_file" ] || continue
    pid=$(cat -- "$pid_file")
    case $pid in
        '' | *[!0-9]*)
            echo "removing pid file $pid_file: it holds no process id" >&2
            rm -f -- "$pid_file"
            continue
            ;;
    esac
    if ! is_our_node "$pid"; then
        echo "removing stale pid file $pid_file: process $pid is not running" >&2
        rm -f -- "$pid_file"
        continue
    fi
    echo "Stopping process $pid ($pid_file)"
    kill -TERM "$pid" 2>/dev/null || true
    stopping=true
done
[ "$stopping" = true ] || {
    echo "no seatunnel node to stop${cluster:+ in cluster $cluster} (pid files in $pid_dir)"
    exit 0
}

waited=0
failed=false
for pid_file in "$@"; do
    [ -f "$pid_file" ] || continue
    pid=$(cat -- "$pid_file")
    while is_our_node "$pid" && [ "$waited" -lt "$timeout" ]; do
        sleep 1
        waited=$((waited + 1))
    done
    if is_our_node "$pid"; then
        echo "process $pid did not stop within ${timeout}s; it is still running ($pid_file kept)" >&2
        failed=true
    else
        rm -f -- "$pid_file"
        echo "Stopped process $pid"
    fi
done
[ "$failed" = false ]
